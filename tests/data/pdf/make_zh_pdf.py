"""One-off: print two real Chinese articles from tests/data/zh to PDF with Qt's QPdfWriter.

No Chinese PDF with a licence we could ship was found, so the text is real (see
tests/data/README.md, zh/) and only the layout is made here, the way a browser prints
a saved page: headline in large type, the dateline, indented paragraphs, a running
header (date and headline) and footer (page x of y) on every page, the font
(WenQuanYi Micro Hei) embedded by Qt. Run from the repository root:

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/data/pdf/make_zh_pdf.py
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF
from PySide6.QtGui import (
    QFont,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextLayout,
    QTextLine,
)

HERE = Path(__file__).resolve().parent
ZH = HERE.parent / "zh"
ARTICLES = {"doc_0079.txt": "zh_battery_article.pdf", "doc_0051-hant.txt": "zh_hant_article.pdf"}
FONT = "WenQuanYi Micro Hei"


def write(source: Path, target: Path, label: dict[str, str]) -> None:
    headline, _, body = source.read_text(encoding="utf-8").partition("\n\n")
    blocks = [(headline, 20, 0.0), (f"{label['date']}　来源：{label['source']}", 10, 0.0)]
    blocks += [(p, 11, 22.0) for p in body.split() if p]  # each scraped paragraph, indented
    writer = QPdfWriter(str(target))
    writer.setResolution(72)  # one unit is one point
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
        )
    )
    writer.setTitle("")  # what browsers leave: the headline is only on the page
    writer.setCreator("Qt QPdfWriter (tests/data/pdf/make_zh_pdf.py)")
    width, height = 595.0, 842.0
    left, top, body_w, bottom = 64.0, 72.0, width - 128.0, height - 72.0
    pages: list[list[tuple[QTextLine, float]]] = [[]]
    layouts = []  # a QTextLine is a handle into its layout: keep every layout alive
    y = top
    for text, size, indent in blocks:
        font = QFont(FONT, size)
        font.setBold(size > 12)
        layout = QTextLayout(text, font, writer)
        layouts.append(layout)
        layout.beginLayout()
        while (line := layout.createLine()).isValid():
            first = line.textStart() == 0
            line.setLineWidth(body_w - (indent if first else 0))
            if y + line.height() > bottom:  # the page is full: the line starts the next
                pages.append([])
                y = top
            line.setPosition(QPointF(indent if first else 0, 0))
            pages[-1].append((line, y))
            y += line.height() * 1.4
        layout.endLayout()
        y += size * 0.6
    painter = QPainter(writer)
    small = QFont(FONT, 8)
    for number, lines in enumerate(pages, 1):
        if number > 1:
            writer.newPage()
        for line, at in lines:
            line.draw(painter, QPointF(left, at))
        painter.setFont(small)
        painter.drawText(QRectF(left, 30, body_w, 14), f"{label['date']}　{headline}")
        painter.drawText(
            QRectF(left, height - 44, body_w, 14), f"第 {number} 页，共 {len(pages)} 页"
        )
    painter.end()


def main() -> None:
    app = QGuiApplication.instance() or QGuiApplication([])
    labels = json.loads((ZH / "labels.json").read_text(encoding="utf-8"))
    for name, out in ARTICLES.items():
        write(ZH / name, HERE / out, labels[name])
    del app


if __name__ == "__main__":
    main()
