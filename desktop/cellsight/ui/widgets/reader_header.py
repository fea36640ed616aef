"""The reader's header: title, source · date · author, the links out, topic chips.

One widget so the reader view only lays out and wires it. Documents are untrusted:
the title is rendered escaped (``render_title_html``), the meta line and chips are plain
or escaped text, and the only URL this ever hands out is the document's http(s)
address or, for formats whose layout the reader does not show, its own file.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from ...core.model import Document, HighlightSpan
from ..models.results_model import member_label
from ..render import render_title_html
from ..theme import colours
from .mail_links_label import MailLinksLabel

# Formats whose layout the reader does not reproduce: "Open file" hands them to the
# desktop's viewer (a PDF reader, an office suite, the mail program).
FILE_KINDS = frozenset({"pdf", "docx", "pptx", "xlsx", "msg", "email"})


def is_web_url(url: str | None) -> bool:
    if not url:
        return False
    parsed = QUrl(url, QUrl.ParsingMode.StrictMode)
    return parsed.isValid() and parsed.scheme().lower() in ("http", "https") and bool(parsed.host())


def original_of(doc: Document) -> QUrl | None:
    """The article on the web, or for a report, slides or a workbook the file itself;
    text and pages have no such need."""
    p = doc.parsed
    if is_web_url(p.url):
        return QUrl(p.url)
    if p.kind in FILE_KINDS and not p.member and os.path.isfile(p.path):
        return QUrl.fromLocalFile(p.path)
    return None


class ReaderHeader(QWidget):
    open_requested = Signal(QUrl)  # "Open original" / "Open file" was clicked
    side_toggled = Signal(bool)  # the user showed or hid the entities/notes column
    document_requested = Signal(str)  # doc id: an e-mail's attachment, or its message

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._target: QUrl | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        self.title_label = QLabel(self)
        self.title_label.setTextFormat(Qt.TextFormat.RichText)
        self.title_label.setWordWrap(True)
        self.title_label.setOpenExternalLinks(False)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title_label.setFont(font)
        self.title_label.setAccessibleName("Article title")
        lay.addWidget(self.title_label)
        row = QHBoxLayout()
        self.meta_label = QLabel(self)
        self.meta_label.setTextFormat(Qt.TextFormat.PlainText)
        self.meta_label.setWordWrap(True)
        self.meta_label.setAccessibleName("Source, date and author")
        row.addWidget(self.meta_label, 1)
        # Folds the entities/notes column away or back; a narrow reader folds it itself.
        self.side_button = QToolButton(self)
        self.side_button.setText("Entities && notes")
        self.side_button.setCheckable(True)
        self.side_button.setChecked(True)
        self.side_button.setAutoRaise(True)
        self.side_button.setToolTip("Show or hide the entities and notes column")
        self.side_button.toggled.connect(self.side_toggled)
        row.addWidget(self.side_button)
        self.open_button = QPushButton("Open original ↗", self)
        self.open_button.setFlat(True)
        self.open_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.open_button.setAccessibleName("Open the original article in the web browser")
        self.open_button.clicked.connect(self._open)
        row.addWidget(self.open_button)
        lay.addLayout(row)
        # "Attached to: …" / "Attachments: …" (hidden unless the document is e-mail).
        self.mail_links = MailLinksLabel(self)
        self.mail_links.document_requested.connect(self.document_requested)
        lay.addWidget(self.mail_links)
        self.chips_label = QLabel(self)
        self.chips_label.setTextFormat(Qt.TextFormat.RichText)
        self.chips_label.setWordWrap(True)
        self.chips_label.setOpenExternalLinks(False)
        self.chips_label.setAccessibleName("Topics, categories and tags")
        lay.addWidget(self.chips_label)

    def show_document(self, doc: Document, terms: Sequence[HighlightSpan], dark: bool) -> None:
        p = doc.parsed
        c = colours(dark)
        self.title_label.setText(render_title_html(doc, list(terms), dark=dark))
        parts = [p.source or "unknown source", p.date.isoformat() if p.date else "undated"]
        if p.author:
            parts.append(p.author)
        where = member_label(p.path, p.member)
        if where:  # inside an archive: "archive.zip › inner.pdf"
            parts.append(where)
        self.meta_label.setText(" · ".join(parts))
        self.meta_label.setStyleSheet(f"color: {c['muted']}")
        self._target = target = original_of(doc)
        self.open_button.setVisible(target is not None)
        self.open_button.setText("Open original ↗" if is_web_url(p.url) else "Open file ↗")
        self.open_button.setToolTip(target.toString(QUrl.ComponentFormattingOption.PrettyDecoded)
                                    if target is not None else "")  # fmt: skip
        self.open_button.setStyleSheet(f"color: {c['link']}; text-align: right")
        self._show_chips(doc, dark)

    def set_side_shown(self, on: bool) -> None:
        """Reflect the column's state without announcing it as the user's choice."""
        if self.side_button.isChecked() != on:
            self.side_button.blockSignals(True)
            self.side_button.setChecked(on)
            self.side_button.blockSignals(False)

    def _open(self) -> None:
        if self._target is not None:
            self.open_requested.emit(self._target)

    def _show_chips(self, doc: Document, dark: bool) -> None:
        c = colours(dark)
        groups = [
            ("Topics", [t.name for t in doc.topics]),
            ("Categories", list(doc.parsed.categories)),
            ("Tags", list(doc.parsed.tags)),
        ]
        out = []
        for label, values in groups:
            if not values:
                continue
            chips = " ".join(
                f'<span style="background-color:{c["chip"]}; color:{c["chip_text"]}">'
                f"&nbsp;{html.escape(v).replace(' ', '&nbsp;')}&nbsp;</span>"
                for v in values
            )
            out.append(f'<span style="color:{c["muted"]}">{label}:</span> {chips}')
        self.chips_label.setText(" &nbsp;&nbsp; ".join(out))
        self.chips_label.setVisible(bool(out))
