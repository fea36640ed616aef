"""E-mail attachments as documents of their own, linked to the message they came with.

An attachment is routed like a file on disk, by its name's suffix and its first bytes
(decoded from a few kilobytes of its transfer encoding), through the registry: PDF,
Office, workbooks, text, HTML, an attached message (with *its* attachments), a zip
(through the zip reader, in the same byte budget as the rest of the tree). Its size is
judged from the encoded length before anything is decoded, so a 50 MB attachment is
only decoded when its reader takes files that large. Images, calendar invites,
signatures, contact cards and winmail.dat are no documents and are passed over
silently, as is anything no reader takes; an attachment that fails is a problem of
the file ("Subject › report.pdf: reason"), never a failure of the message.

Each attachment's document names its message (``attached_to``, ``parent_part``) and
the message lists its attachments' parts; its member is "report.pdf" in an .eml and
"Subject › report.pdf" in a mailbox, and its part comes from the message's part and
the attachment's name, so re-reading the file, or appending to the mailbox, keeps it.
"""

from __future__ import annotations

import dataclasses
import mimetypes
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import IngestError
from ..model import ParsedDocument
from .mail_parts import decode_transfer
from .nesting import (
    SEP,
    TREE_BYTES,
    clean_label,
    inside,
    member_part,
    member_path,
    relink,
    tree,
)
from .registry import SNIFF_BYTES, TEXT_MAX_BYTES, choose_reader, parse_bytes
from .rereads import MAIL_KINDS, REREAD  # noqa: F401 - REREAD: kept importable from here

MAX_MESSAGE_DEPTH = 3  # a message, one attached to it, and one attached to that
MAX_ATTACHMENTS = 500  # per message (as many as the MIME walk looks at)
_SNIFF_ENCODED = 16 * 1024  # encoded bytes decoded to sniff an attachment by
_BY_NAME_ONLY = 20  # a reader this unsure knows the file by its name, not its content
_SKIP_PREFIXES = ("image/", "audio/", "video/", "font/", "model/")
_SKIP_TYPES = frozenset((
    "text/calendar", "text/x-vcalendar", "application/ics", "text/vcard", "text/x-vcard",
    "text/directory", "application/pkcs7-signature", "application/x-pkcs7-signature",
    "application/pkcs7-mime", "application/x-pkcs7-mime", "application/pgp-signature",
    "application/pgp-encrypted", "application/pgp-keys", "application/ms-tnef",
    "application/vnd.ms-tnef", "message/disposition-notification", "text/rfc822-headers",
    "message/external-body",
))  # fmt: skip
_SKIP_SUFFIXES = frozenset((
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".heic", ".svg",
    ".ico", ".emz", ".wmz", ".ics", ".vcs", ".vcf", ".p7s", ".p7m", ".p7c", ".asc", ".sig",
    ".gpg", ".pgp", ".tnef", ".mp3", ".mp4", ".m4a", ".wav", ".mov", ".avi",
))  # fmt: skip
_SKIP_NAMES = frozenset(("winmail.dat", "smime.p7s", "smime.p7m"))


@dataclass(frozen=True)
class Attachment:
    """One attachment as its message holds it: a range of the message's bytes in a
    transfer encoding, or (an attached message) a way to read it."""

    name: str  # as the sender wrote it, decoded ("" when it has none)
    ctype: str = "application/octet-stream"
    data: bytes = b""  # the whole message file: the attachment is [start, end) of it
    start: int = 0
    end: int = 0
    encoding: str | None = None  # Content-Transfer-Encoding
    # An attached message: its documents (it, then its attachments), given its path.
    open_message: Callable[[Path], list[ParsedDocument]] | None = None


def skipped(att: Attachment) -> bool:
    """Not a document (an image, an invite, a signature …): passed over without a word."""
    name = att.name.strip().lower()
    ctype = att.ctype.lower()
    return (
        name in _SKIP_NAMES
        or PurePosixPath(name).suffix in _SKIP_SUFFIXES
        or ctype.startswith(_SKIP_PREFIXES)
        or ctype in _SKIP_TYPES
    )


def with_attachments(
    path: Path, message: ParsedDocument, attachments: Sequence[Attachment], taken: set[int]
) -> list[ParsedDocument]:
    """The message, then its attachments' documents, linked both ways. ``taken``: the
    parts already used in the file (the message's own among them)."""
    if not attachments:
        return [message]
    where = message.title or path.name
    problems = list(message.problems)
    docs: list[ParsedDocument] = []
    children: list[int] = []
    used: dict[str, int] = {}
    with inside("mail"):
        for i, att in enumerate(attachments):
            if skipped(att):
                continue
            label = _label(att, i)
            if i >= MAX_ATTACHMENTS:
                problems.append(f"{where}{SEP}{label}: more than {MAX_ATTACHMENTS} "
                                "attachments; the rest are not read")  # fmt: skip
                break
            try:
                group = _read(path, att, label)
            except IngestError as exc:
                problems.append(f"{where}{SEP}{label}: {exc.reason}")
                continue
            # Two attachments of one name (ATT00001.txt twice) are told apart by order.
            used[label] = used.get(label, 0) + 1
            key = label if used[label] == 1 else f"{label}#{used[label]}"
            member = f"{message.member}{SEP}{label}" if message.member else label
            for doc in _placed(path, group, member, f"{message.part}{SEP}{key}", taken):
                if doc.parent_part is None:  # the attachment (or a member of a zip one)
                    doc = dataclasses.replace(doc, attached_to=message.title,
                                              parent_part=message.part)  # fmt: skip
                    children.append(doc.part)
                docs.append(doc)
    head = dataclasses.replace(message, attachment_parts=(*message.attachment_parts, *children),
                               problems=tuple(problems))  # fmt: skip
    return [head, *docs]


def _label(att: Attachment, index: int) -> str:
    label = clean_label(att.name)
    if label:
        return label
    if att.open_message is not None:
        return f"attached message {index + 1}.eml"
    ext = mimetypes.guess_extension(att.ctype.lower(), strict=False) or ""
    return f"attachment {index + 1}{ext}"


def _placed(
    path: Path, group: list[ParsedDocument], member: str, key: str, taken: set[int]
) -> list[ParsedDocument]:
    """An attachment's documents as documents of the message's file, renumbered."""
    renumbered: dict[int, int] = {}
    placed = []
    for doc in group:
        inner = f"{member}{SEP}{doc.member}" if doc.member else member
        renumbered[doc.part] = member_part(f"{key}{SEP}{doc.member or ''}", doc.part, taken)
        placed.append(dataclasses.replace(doc, path=str(path), member=inner,
                                          part=renumbered[doc.part]))  # fmt: skip
    return relink(placed, renumbered)


def _read(path: Path, att: Attachment, label: str) -> list[ParsedDocument]:
    """The attachment's documents ([] when it is nothing Cellsight reads)."""
    inner = member_path(path, label)
    if att.open_message is not None:
        _check_depth()
        return att.open_message(inner)
    head = _head(att)
    if not head:
        return []  # an empty attachment
    reader = choose_reader(inner, head)
    if reader is None:
        return []
    if reader.name in MAIL_KINDS:
        _check_depth()
    limit = getattr(reader, "max_bytes", TEXT_MAX_BYTES)
    size = least_decoded(att.end - att.start, att.encoding)
    if size > limit:
        raise IngestError(str(inner), f"too large for {reader.name} (about {size / 1e6:.1f} "
                          f"MB; the limit is {limit / 1e6:.3g} MB)")  # fmt: skip
    budget = tree().budget
    if size > budget[0]:
        raise IngestError(str(inner), "the message's attachments unpack to over "
                          f"{TREE_BYTES / 1e6:.0f} MB in all")  # fmt: skip
    if reader.sniff(inner, head) < _BY_NAME_ONLY and att.end - att.start > _SNIFF_ENCODED:
        # Only its name says what it is: not decoded in full to be refused by the reader.
        raise IngestError(str(inner), f"not a readable {reader.name} file (its content is "
                          "not what its name says)")  # fmt: skip
    payload = decode_transfer(att.data[att.start : att.end], att.encoding)
    if len(payload) > limit:
        raise IngestError(str(inner), f"too large for {reader.name} ({len(payload) / 1e6:.1f} "
                          f"MB; the limit is {limit / 1e6:.3g} MB)")  # fmt: skip
    budget[0] -= len(payload)
    return parse_bytes(inner, payload)


def _check_depth() -> None:
    if tree().depth("mail") >= MAX_MESSAGE_DEPTH:
        raise IngestError("", f"messages attached inside messages more than "
                          f"{MAX_MESSAGE_DEPTH} deep are not read")  # fmt: skip


def _head(att: Attachment) -> bytes:
    """The attachment's first bytes, decoded from a few KB of it (cut at a line end, so
    base64 groups stay whole), to sniff it by."""
    end = min(att.end, att.start + _SNIFF_ENCODED)
    if end < att.end:
        nl = att.data.rfind(b"\n", att.start, end)
        end = nl + 1 if nl > att.start else end
    return decode_transfer(att.data[att.start : end], att.encoding)[:SNIFF_BYTES]


def least_decoded(encoded: int, encoding: str | None) -> int:
    """About the fewest bytes ``encoded`` bytes decode to: base64 and uuencoding carry
    3 bytes in 4 characters plus line ends, quoted-printable at worst 1 in 3."""
    label = (encoding or "").lower()
    if "base64" in label or "uu" in label:
        return encoded * 57 // 78
    if "quoted" in label or label == "qp":
        return encoded // 3
    return encoded
