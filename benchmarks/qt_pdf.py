"""Writes PDFs with Qt's PDF writer: ``python qt_pdf.py STAGE`` turns every STAGE/*.html
into STAGE/pdf/*.pdf (QTextDocument layout, embedded fonts, A4 pages).

The corpus uses it where LibreOffice is not installed (the smoke benchmark inside
``make test``); ``make bench`` installs LibreOffice and uses that.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(stage: Path) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument

    app = QGuiApplication([])
    out = stage / "pdf"
    out.mkdir(exist_ok=True)
    for src in sorted(stage.glob("*.html")):
        writer = QPdfWriter(str(out / f"{src.stem}.pdf"))
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                         QPageLayout.Orientation.Portrait,
                                         QMarginsF(20, 20, 20, 20),
                                         QPageLayout.Unit.Millimeter))  # fmt: skip
        writer.setCreator("Cellsight benchmark corpus (Qt PDF writer)")
        doc = QTextDocument()
        doc.setHtml(src.read_text(encoding="utf-8"))
        doc.print_(writer)
        del writer
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
