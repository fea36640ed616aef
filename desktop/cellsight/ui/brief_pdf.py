"""Briefs as PDF through Qt's own PDF writer (no browser engine), and one entry point
for every format so the window and the CLI export alike.

The brief's HTML (``core.workbench.brief_html``, already escaped) goes into a
``QTextDocument``; each chart's SVG is drawn by ``QSvgRenderer`` into an image the
document holds as a resource, so nothing is fetched, and the document is printed to
A4 pages with ``QPdfWriter``. It works without a window: from the CLI a
``QGuiApplication`` is made, offscreen when there is no display.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QByteArray, QMarginsF, QUrl
from PySide6.QtGui import (
    QFont,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtSvg import QSvgRenderer

from ..core.workbench.brief import Brief, BriefChart, format_for, write_brief
from ..core.workbench.brief_html import render_html

CHART_SCALE = 2  # charts are drawn at twice their layout size so they stay sharp in print
# A4 less print_'s 2 cm margins is 170 mm, about 640 px at the layout's 96 dpi.
PAGE_CHART_WIDTH = 620
_app: QGuiApplication | None = None  # kept alive when this module had to make one


def export_brief(brief: Brief, path: Path | str, fmt: str | None = None) -> list[Path]:
    """Write ``brief`` to ``path`` as ``fmt`` (default: from the suffix); the files written."""
    fmt = fmt or format_for(path)
    if fmt == "pdf":
        write_pdf(brief, path)
        return [Path(path)]
    if fmt in ("html", "md"):
        return write_brief(brief, path, fmt)
    raise ValueError(f"cannot tell the brief's format from {Path(path).name!r}: "
                     "use .html, .md or .pdf, or give the format")  # fmt: skip


def ensure_gui() -> None:
    """A QGuiApplication for fonts and painting; offscreen when nothing can show one."""
    global _app
    if QGuiApplication.instance() is not None:
        return
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    _app = QGuiApplication(["cellsight"])


def chart_image(chart: BriefChart, scale: int = CHART_SCALE) -> QImage:
    renderer = QSvgRenderer(QByteArray(chart.svg.encode("utf-8")))
    size = renderer.defaultSize()
    image = QImage(size.width() * scale, size.height() * scale, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFF)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    renderer.render(painter)
    painter.end()
    return image


def brief_document(brief: Brief, width: int = PAGE_CHART_WIDTH) -> QTextDocument:
    """The brief as a QTextDocument, charts ``width`` pixels wide (also for screenshots)."""
    ensure_gui()
    doc = QTextDocument()
    doc.setDefaultFont(QFont("DejaVu Sans", 10))
    names = []
    for i, chart in enumerate(brief.charts):
        name = f"cellsight-brief-chart-{i}.png"
        doc.addResource(QTextDocument.ResourceType.ImageResource.value, QUrl(name),
                        chart_image(chart))  # fmt: skip
        names.append(name)
    doc.setHtml(render_html(brief, image_src=lambda i, _chart: names[i], chart_width=width,
                            screen=False))  # fmt: skip
    doc.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, brief.title)
    return doc


def write_pdf(brief: Brief, path: Path | str) -> None:
    doc = brief_document(brief)
    writer = QPdfWriter(str(path))
    writer.setTitle(brief.title)
    writer.setCreator("Cellsight")
    # No margins of the writer's own: print_ paginates an unpaginated document itself,
    # with 2 cm margins and a page number at the foot of each page.
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0),
                                     QPageLayout.Unit.Millimeter))  # fmt: skip
    doc.print_(writer)
