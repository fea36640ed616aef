"""The date histogram above the results: matching documents per month or week; drag to filter.

It paints what the search returned (``SearchResult.histogram`` and ``undated``), never
computing a count itself. Undated documents are a labelled count beside the bars, not
a bar: they have no date to stand at. Dragging across bars (or clicking one) emits the
first day of the first period and the last day of the last; the search controller turns
that into a ``date:[A to B]`` clause, shown as a chip.

Painted with QPainter rather than pyqtgraph: the widget is built with the window, before
the chart library (or numpy) is loaded, and a row of bars needs nothing more.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolTip, QWidget

from ..theme import colours, is_dark

Periods = tuple[tuple[str, int], ...]
TOP, BOTTOM = 16, 15  # room for the caption above the bars and the dates below


class HistogramBars(QWidget):
    """The bars themselves; a press, drag and release selects a run of periods."""

    brushed = Signal(int, int)  # first and last bar index, inclusive

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.periods: Periods = ()
        self._anchor: int | None = None  # where the drag started
        self._cursor: int | None = None  # where it is now
        self.setMouseTracking(True)
        self.setMinimumHeight(TOP + BOTTOM + 30)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAccessibleName("Documents per period")

    def sizeHint(self) -> QSize:
        return QSize(400, TOP + BOTTOM + 44)

    def set_periods(self, periods: Periods) -> None:
        self.periods = tuple(periods)
        self._anchor = self._cursor = None
        self.update()

    # -- geometry ---------------------------------------------------------------------------
    def _plot(self) -> QRectF:
        return QRectF(2, TOP, max(1, self.width() - 4), max(1, self.height() - TOP - BOTTOM))

    def bar_rect(self, i: int) -> QRectF:
        """Bar ``i``'s full-height slot (the bar is drawn inside it, up to its count)."""
        plot = self._plot()
        w = plot.width() / max(1, len(self.periods))
        return QRectF(plot.left() + i * w, plot.top(), w, plot.height())

    def bar_at(self, x: float) -> int | None:
        if not self.periods:
            return None
        plot = self._plot()
        i = int((x - plot.left()) / (plot.width() / len(self.periods)))
        return min(max(i, 0), len(self.periods) - 1)

    # -- mouse ------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.periods:
            self._anchor = self._cursor = self.bar_at(event.position().x())
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        i = self.bar_at(event.position().x())
        if self._anchor is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self._cursor = i
            self.update()
        if i is not None:
            label, count = self.periods[i]
            QToolTip.showText(event.globalPosition().toPoint(),
                              f"{label}: {count} document{'s' if count != 1 else ''}", self)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._anchor is None:
            return
        end = self.bar_at(event.position().x())
        first, last = sorted((self._anchor, self._anchor if end is None else end))
        self._anchor = self._cursor = None
        self.update()
        self.brushed.emit(first, last)

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        c = colours(is_dark())
        muted, accent = QColor(c["muted"]), QColor(c["link"])
        font = p.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        p.setFont(font)
        p.setPen(muted)
        unit = "week" if self.periods and "-W" in self.periods[0][0] else "month"
        # The long caption is cut to the room there is (a 1024 px window left it
        # mid-word); the short one still says what a drag does.
        room = self.width() - 4
        caption = caption_for(unit, room, p.fontMetrics())
        p.drawText(QRectF(2, 0, room, TOP), Qt.AlignmentFlag.AlignLeft, caption)
        if not self.periods:
            return
        top = max(n for _, n in self.periods) or 1
        selected = (sorted((self._anchor, self._cursor))
                    if self._anchor is not None and self._cursor is not None else None)
        if selected is not None:
            band = self.bar_rect(selected[0]).united(self.bar_rect(selected[1]))
            p.fillRect(band, QColor(accent.red(), accent.green(), accent.blue(), 80))
        bar = QColor(accent)
        bar.setAlpha(200)
        for i, (_label, n) in enumerate(self.periods):
            slot = self.bar_rect(i)
            gap = 1.0 if slot.width() > 3 else 0.0
            h = slot.height() * n / top
            if n and h < 1.5:
                h = 1.5  # a single document stays visible next to a tall bar
            p.fillRect(QRectF(slot.left() + gap / 2, slot.bottom() - h,
                              max(0.5, slot.width() - gap), h), bar)
        p.setPen(muted)
        plot = self._plot()
        p.drawLine(int(plot.left()), int(plot.bottom()), int(plot.right()), int(plot.bottom()))
        self._paint_dates(p, plot)

    def _paint_dates(self, p: QPainter, plot: QRectF) -> None:
        """The first and last period under the ends, and years where they start."""
        y = QRectF(plot.left(), plot.bottom() + 1, plot.width(), BOTTOM)
        first, last = self.periods[0][0], self.periods[-1][0]
        p.drawText(y, Qt.AlignmentFlag.AlignLeft, first)
        if last != first:
            p.drawText(y, Qt.AlignmentFlag.AlignRight, last)
        metrics = p.fontMetrics()
        room_left = plot.left() + metrics.horizontalAdvance(first) + 12
        room_right = plot.right() - metrics.horizontalAdvance(last) - 12
        previous = None
        for i, (label, _n) in enumerate(self.periods):
            year = label[:4]
            if previous is not None and year != previous:
                x = self.bar_rect(i).left()
                width = metrics.horizontalAdvance(year)
                if room_left < x < room_right - width:
                    p.drawLine(int(x), int(plot.bottom()), int(x), int(plot.bottom()) + 3)
                    p.drawText(QPoint(int(x) + 2, int(plot.bottom()) + metrics.ascent() + 2),
                               year)
                    room_left = x + width + 12
            previous = year


class DateHistogram(QWidget):
    """The bars and, apart from them, the undated count."""

    range_selected = Signal(object, object)  # dt.date, dt.date: first and last day

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Date histogram")
        self.bars = HistogramBars(self)
        self.bars.brushed.connect(self.brush)
        self.undated_label = QLabel(self)
        self.undated_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.undated_label.setAccessibleName("Undated documents")
        self.undated_label.setToolTip("Documents without a date: counted here, not on the "
                                      "timeline (a date filter leaves them out)")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        lay.setSpacing(8)
        lay.addWidget(self.bars, 1)
        lay.addWidget(self.undated_label)
        self._undated = 0
        self.setVisible(False)

    def set_histogram(self, periods: Periods, undated: int) -> None:
        """Show a search's histogram; hidden when nothing matched."""
        self._undated = undated
        self.bars.set_periods(periods)
        c = colours(is_dark())
        self.undated_label.setText(f"<span style='color:{c['muted']}'>Undated</span><br>"
                                   f"<b>{undated:,}</b>")
        self.undated_label.setVisible(undated > 0)
        self.setVisible(bool(periods) or undated > 0)

    def periods(self) -> Periods:
        return self.bars.periods

    def undated(self) -> int:
        return self._undated

    def brush(self, first: int, last: int) -> None:
        """Select bars ``first``..``last``: emits their days as a range."""
        # Here, not at the top: the window imports this module before numpy is loaded
        # (core.query.histogram needs it), and a brush only comes after a search.
        from ...core.query.histogram import period_bounds

        periods = self.bars.periods
        if not periods:
            return
        lo, hi = sorted((max(0, first), min(len(periods) - 1, last)))
        start: dt.date = period_bounds(periods[lo][0])[0]
        end: dt.date = period_bounds(periods[hi][0])[1]
        self.range_selected.emit(start, end)


def caption_for(unit: str, room: int, metrics: QFontMetrics) -> str:
    """The longest caption that fits, elided only when even the shortest does not."""
    for text in (f"Documents per {unit} · drag across the bars to filter by date",
                 f"Per {unit} · drag to filter", f"Per {unit}"):
        if metrics.horizontalAdvance(text) <= room:
            return text
    return metrics.elidedText(f"Per {unit}", Qt.TextElideMode.ElideRight, room)
