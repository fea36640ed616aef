"""One-off: set two real articles in two columns, drawn row by row, with Qt's QPdfWriter.

Some generators (e-paper exports, table-based layouts) write a two-column page in
rows: line 1 of the left column, line 1 of the right, line 2 of the left… A reader
that follows the content stream then interleaves the columns line by line. No such
file with a shippable licence was found, so this one is made: the text is the
project's own sample library (seeds/000 and seeds/001, the CATL licensing stories),
the layout and its footer are made here. Run from the repository root:

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/data/pdf/make_columns_pdf.py
"""

from __future__ import annotations

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
SEEDS = HERE.parents[2] / "seeds"
SOURCES = ("000_f46d39af272e523c.txt", "001_e7f90f2a8ce66be3.txt")
TARGET = HERE / "two_columns_row_order.pdf"
FONT = "DejaVu Serif"


def main() -> None:
    app = QGuiApplication.instance() or QGuiApplication([])
    paragraphs = [
        p.strip()
        for name in SOURCES
        for p in (SEEDS / name).read_text(encoding="utf-8").split("\n")
        if p.strip()
    ]
    writer = QPdfWriter(str(TARGET))
    writer.setResolution(72)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
        )
    )
    writer.setTitle("")
    writer.setCreator("Qt QPdfWriter (tests/data/pdf/make_columns_pdf.py)")
    width, height, margin, gutter = 595.0, 842.0, 56.0, 22.0
    col_w = (width - 2 * margin - gutter) / 2
    font = QFont(FONT, 10)
    layouts: list[QTextLayout] = []  # a QTextLine is a handle into its layout: keep them
    lines: list[tuple[QTextLine, float]] = []  # (line, extra space above it)
    for text in paragraphs:
        layout = QTextLayout(text, font, writer)
        layouts.append(layout)
        layout.beginLayout()
        first = True
        while (line := layout.createLine()).isValid():
            line.setLineWidth(col_w)
            lines.append((line, 7.0 if first else 0.0))
            first = False
        layout.endLayout()
    pitch = lines[0][0].height() * 1.25
    per_column = int((height - 2 * margin) / pitch) - 2
    columns = [lines[i : i + per_column] for i in range(0, len(lines), per_column)]
    pages = [columns[i : i + 2] for i in range(0, len(columns), 2)]
    painter = QPainter(writer)
    for number, cols in enumerate(pages, 1):
        if number > 1:
            writer.newPage()
        ys = [margin] * len(cols)
        for row in range(max(len(c) for c in cols)):  # row by row across both columns
            for k, col in enumerate(cols):
                if row < len(col):
                    line, space = col[row]
                    ys[k] += space if row else 0.0
                    line.draw(painter, QPointF(margin + k * (col_w + gutter), ys[k]))
                    ys[k] += pitch
        painter.setFont(QFont(FONT, 8))
        painter.drawText(QRectF(0, height - 40, width, 12), 0x0084, str(number))  # centred
    painter.end()
    del app


if __name__ == "__main__":
    main()
