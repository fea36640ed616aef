"""The reader's line between an e-mail and its attachments.

"Attached to: <subject> · Open message" on an attachment, "Attachments: a.pdf, b.xlsx"
on a message; each link opens that document. What is linked comes from
core.mail_links; this label only paints it. Names and subjects are the sender's
text: escaped, and the only link targets are document ids.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QWidget

from ...core.mail_links import MailLinks
from ..theme import colours, is_dark

_SCHEME = "cellsight-doc:"
MAX_SHOWN = 30  # attachments listed by name; the rest are counted


class MailLinksLabel(QLabel):
    document_requested = Signal(str)  # doc id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setWordWrap(True)
        self.setOpenExternalLinks(False)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                     | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.setAccessibleName("Message and attachments")
        self.linkActivated.connect(self._activated)
        self.links: MailLinks | None = None
        self.hide()

    def show_links(self, links: MailLinks | None) -> None:
        self.links = links if links else None
        if self.links is None:
            self.clear()
            self.hide()
            return
        c = colours(is_dark())
        lines = []
        if self.links.parent is not None:
            doc_id, subject = self.links.parent
            lines.append(
                f'<span style="color:{c["muted"]}">Attached to:</span> '
                f"{html.escape(subject or '(no subject)')} · {_link(doc_id, 'Open message', c)}"
            )
        if self.links.attachments:
            shown = [_link(i, name, c) for i, name in self.links.attachments[:MAX_SHOWN]]
            more = len(self.links.attachments) - MAX_SHOWN
            lines.append(f'<span style="color:{c["muted"]}">Attachments:</span> '
                         + ", ".join(shown) + (f" and {more} more" if more > 0 else ""))
        self.setText("<br/>".join(lines))
        self.show()

    def open_link(self, index: int) -> None:
        """Open the ``index``-th link as a click would (0: the message, if any)."""
        if self.links is None:
            return
        ids = ([self.links.parent[0]] if self.links.parent else []) + [
            i for i, _name in self.links.attachments]
        self.document_requested.emit(ids[index])

    def _activated(self, href: str) -> None:
        if href.startswith(_SCHEME):
            self.document_requested.emit(href[len(_SCHEME) :])


def _link(doc_id: str, text: str, c: dict[str, str]) -> str:
    return (f'<a href="{_SCHEME}{html.escape(doc_id)}" style="color:{c["link"]}">'
            f"{html.escape(text)}</a>")
