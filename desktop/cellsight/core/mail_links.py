"""Between an e-mail and its attachments: which documents the reader links to.

An attachment's document and its message are in the same file, so each names the
other by ``part`` and the id follows from the path (``doc_id_for``). The links are
looked up here, where the store is, and only those whose document is still there
are given: the UI paints them and opens the ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .file_outcome import doc_id_for
from .ingest.nesting import SEP
from .model import Document


@dataclass(frozen=True)
class MailLinks:
    doc_id: str  # the document the links are of
    parent: tuple[str, str] | None = None  # (id, subject) of the message it is attached to
    attachments: tuple[tuple[str, str], ...] = ()  # (id, name) of what is attached to it

    def __bool__(self) -> bool:
        return self.parent is not None or bool(self.attachments)


def mail_links(doc: Document, lookup: Callable[[str], Document | None]) -> MailLinks:
    """The message ``doc`` is attached to and the documents attached to it; ``lookup``
    gives a stored document by id (None when it is gone)."""
    p = doc.parsed
    parent = None
    if p.parent_part is not None:
        parent_id = doc_id_for(p.path, p.parent_part)
        message = lookup(parent_id)
        if message is not None:
            parent = (parent_id, message.parsed.title or p.attached_to or "")
    children = []
    for part in p.attachment_parts:
        child_id = doc_id_for(p.path, part)
        child = lookup(child_id)
        if child is not None:
            children.append((child_id, attachment_name(p.member, child)))
    return MailLinks(doc.id, parent, tuple(children))


def attachment_name(message_member: str | None, child: Document) -> str:
    """The attachment's name as its message holds it ("report.pdf", "data.zip › a.txt")."""
    member = child.parsed.member or ""
    prefix = f"{message_member}{SEP}" if message_member else ""
    if prefix and member.startswith(prefix):
        member = member[len(prefix) :]
    return member or child.parsed.title
