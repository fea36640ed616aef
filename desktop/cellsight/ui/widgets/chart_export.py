"""The price chart as an image for a report: a header saying what it shows, then the plot.

pyqtgraph's exporter renders the plot alone, and a PNG pasted into a report without
its series, unit and dates cannot be read a week later (issue 17). So the header is
painted here: the series in their line colours, the unit or the rebase basis, the
dates shown, and where and when the image came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter


@dataclass(frozen=True)
class ExportHeader:
    series: tuple[tuple[str, str], ...]  # (label, line colour as "#rrggbb")
    basis: str  # the unit, or what 100 means when rebased
    first: dt.date  # the dates shown, clipped to the data
    last: dt.date
    exported: dt.date

    def details(self) -> str:
        span = f"{self.first.isoformat()} to {self.last.isoformat()}"
        return f"{self.basis} · {span}" if self.basis else span

    def credit(self) -> str:
        return f"Cellsight · exported {self.exported.isoformat()}"


def compose(plot: QImage, header: ExportHeader, *, background: QColor, text: QColor,
            muted: QColor) -> QImage:  # fmt: skip
    """``plot`` under a header painted for ``header``, on ``background``."""
    width = plot.width()
    # Sized from the image, not the screen: the plot is rendered at twice its width.
    title_font, body_font = QFont(), QFont()
    title_font.setPixelSize(max(16, min(34, round(width / 55))))
    title_font.setBold(True)
    body_font.setPixelSize(max(13, round(title_font.pixelSize() * 0.72)))
    tm, bm = QFontMetricsF(title_font), QFontMetricsF(body_font)
    pad = round(tm.height() * 0.6)
    rows = _flow(header.series, tm, width - 2 * pad)
    details, credit = header.details(), header.credit()
    # The credit shares the details' line when both fit, otherwise it gets its own.
    shared = bm.horizontalAdvance(details) + bm.horizontalAdvance(credit) + 3 * pad <= width
    lines_below = 1 if shared else 2
    head = round(pad + len(rows) * tm.height() * 1.15 + lines_below * bm.height() * 1.3 + pad)

    out = QImage(width, head + plot.height(), QImage.Format.Format_ARGB32)
    out.fill(background)
    p = QPainter(out)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    y = float(pad)
    p.setFont(title_font)
    swatch = tm.height() * 0.9
    for row in rows:
        x = float(pad)
        for label, colour in row:
            p.fillRect(QRectF(x, y + tm.height() * 0.45, swatch, max(3.0, swatch / 6)),
                       QColor(colour))  # fmt: skip
            x += swatch + tm.height() * 0.3
            p.setPen(text)
            p.drawText(QRectF(x, y, width, tm.height()), Qt.AlignmentFlag.AlignLeft, label)
            x += tm.horizontalAdvance(label) + tm.height()
        y += tm.height() * 1.15
    p.setFont(body_font)
    p.setPen(text)
    line = QRectF(pad, y + bm.height() * 0.15, width - 2 * pad, bm.height())
    p.drawText(line, Qt.AlignmentFlag.AlignLeft, details)
    if not shared:
        line.translate(0, bm.height() * 1.3)
    p.setPen(muted)
    p.drawText(line, Qt.AlignmentFlag.AlignRight, credit)
    p.drawImage(0, head, plot)
    p.end()
    return out


def _flow(
    items: tuple[tuple[str, str], ...], fm: QFontMetricsF, width: float
) -> list[list[tuple[str, str]]]:
    """The legend entries in rows that fit ``width`` (an entry never splits)."""
    rows: list[list[tuple[str, str]]] = [[]]
    used = 0.0
    for item in items:
        need = fm.height() * 2.2 + fm.horizontalAdvance(item[0])
        if rows[-1] and used + need > width:
            rows.append([])
            used = 0.0
        rows[-1].append(item)
        used += need
    return rows
