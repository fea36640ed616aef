"""E-mail files: one message (.eml) and mailboxes (.mbox), newsletters above all.

The MIME tree is walked over byte offsets of the file: each part's headers are read,
but only the text parts chosen as the body are sliced and decoded; attachments are
handed to mail_attachments as byte ranges, which decodes one only when a reader will
take it (a 50 MB attachment no reader takes costs nothing). Mailboxes are split at their
"From " lines, trusting a line only when it looks like a real separator (a postmark
date or a blank line before it, a header after it): bodies often hold an unquoted
"From " line. Each message's ``part`` comes from its Message-ID, so appending to a
mailbox keeps the ids of the messages already in it.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from email.policy import compat32
from pathlib import Path

from ..errors import IngestError
from ..model import ParsedDocument
from .mail_attachments import Attachment, with_attachments
from .mail_parts import (
    MailContent,
    decode_text,
    decode_transfer,
    header_text,
    html_charset,
    mail_date,
    mail_document,
    parse_from,
)
from .registry import register

log = logging.getLogger("cellsight.ingest.email")

MAX_PARTS = 500  # MIME parts looked at per message
MAX_DEPTH = 12  # multipart and attached-message nesting
MAX_HEADER_BYTES = 256 * 1024
MAX_TEXT_PART_BYTES = 16 * 1024 * 1024  # one text part; the rest of a longer one is dropped
MAX_MESSAGES = 20_000  # per mailbox
_HEADER_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")
# The postmark's date, as ctime() writes it: "From sender Mon Jun  1 04:28:28 2009".
_POSTMARK_DATE = re.compile(
    rb"From \S*\s+(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w*,?\s[^\n]*?\d{1,2}:\d{2}[^\n]*?\b\d{4}\b"
)
# A bounce's human-readable report is often labelled delivery-status.
_TEXT_TYPES = ("text/html", "text/plain", "message/delivery-status")
_LINE_END = (b"", b" ", b"\t", b"\r", b"\n")  # what may follow a boundary on its line
_OWN_BOUNDARY = re.compile(rb"\s*--([^\s]{1,200})[ \t]*\r?\n")
_QUOTED_FROM = re.compile(rb"^>(>*From )", re.M)
# Headers a mail transport or client writes; a text clipping's "Title:/Date:" block has none.
_MAIL_HEADERS = frozenset((
    b"received", b"return-path", b"message-id", b"mime-version", b"delivered-to", b"x-mailer",
    b"in-reply-to", b"references", b"reply-to", b"x-original-to", b"dkim-signature",
    b"authentication-results", b"x-received", b"content-transfer-encoding", b"list-id",
    b"list-unsubscribe", b"thread-topic", b"x-ms-exchange-organization-authas",
))  # fmt: skip
_ADDRESSING = frozenset((b"from", b"to", b"cc", b"subject", b"date", b"sender", b"content-type"))


@dataclass(frozen=True)
class _Leaf:
    kind: str  # "html" or "plain"
    level: int  # how many attached messages deep (a bounce quotes the original)
    charset: str | None
    encoding: str | None
    start: int
    end: int


def read_headers(data: bytes, start: int, end: int) -> tuple[dict[str, list[str]], int]:
    """Unfolded raw header values by lower-case name, and where the body starts.

    Values keep 8-bit bytes as surrogate escapes, for ``header_text`` to repair. A
    line that is neither a header nor a continuation ends the block (the body starts
    there, as mail clients read it).
    """
    lines: list[tuple[str, list[bytes]]] = []  # name, then the value's folded lines
    pos, limit = start, min(end, start + MAX_HEADER_BYTES)
    if is_postmark(data, start):  # an mbox "From " line kept in the file
        nl = data.find(b"\n", start, end)
        pos = end if nl < 0 else nl + 1
    while pos < limit:
        nl = data.find(b"\n", pos, end)
        line_end = end if nl < 0 else nl + 1
        line = data[pos:line_end].rstrip(b"\r\n")
        if not line:
            return _unfold(lines), line_end
        if line[:1] in b" \t" and lines:
            lines[-1][1].append(line)
        elif _HEADER_LINE.match(line):
            name, _, value = line.partition(b":")
            lines.append((name.strip().lower().decode("ascii"), [value]))
        else:
            return _unfold(lines), pos
        pos = line_end
    return _unfold(lines), pos


def is_postmark(data: bytes, pos: int) -> bool:
    """A "From " line at ``pos``, not an obsolete "From : name" header."""
    return data.startswith((b"From ", b">From "), pos) and not _HEADER_LINE.match(data, pos)


def _unfold(lines: list[tuple[str, list[bytes]]]) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, folded in lines:
        value = b"".join(folded).decode("ascii", "surrogateescape").strip()
        headers.setdefault(name, []).append(value)
    return headers


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0].strip() if values else None


def _mime(headers: dict[str, list[str]], default: str = "text/plain") -> Message:
    # A Message holding only the MIME headers: the stdlib parses their parameters
    # (quoting, RFC 2231 continuations) better than a regex would.
    msg = Message(policy=compat32)
    msg.set_default_type(default)
    for name in ("content-type", "content-disposition"):
        value = _first(headers, name)
        if value is not None:
            msg[name] = value
    return msg


def _walk(
    data: bytes, start: int, end: int, top: tuple[dict[str, list[str]], int]
) -> tuple[list[_Leaf], list[Attachment]]:
    """The body's text leaves in document order and the attachments; ``top`` is the
    message's own headers, already read."""
    leaves: list[_Leaf] = []
    attachments: list[Attachment] = []
    stack = [(start, end, 0, 0, "text/plain")]
    seen = 0
    while stack and seen < MAX_PARTS:
        s, e, depth, level, default = stack.pop()
        headers, body = top if not seen else read_headers(data, s, e)
        seen += 1
        mime = _mime(headers, default)
        ctype = mime.get_content_type()
        disposition = mime.get_content_disposition()
        if ctype.startswith("multipart/") and depth < MAX_DEPTH:
            parts = _split_multipart(data, body, e, _boundary(mime, data, body, e))
            if parts is not None:
                child = "message/rfc822" if ctype == "multipart/digest" else "text/plain"
                stack.extend((ps, pe, depth + 1, level, child) for ps, pe in reversed(parts))
                continue
            ctype = "text/plain"  # a multipart without parts: read it as text
        name = _param(mime.get_filename)
        encoding = _first(headers, "content-transfer-encoding")
        if ctype in ("message/rfc822", "message/global") and (disposition == "attachment"
                                                               or name):  # fmt: skip
            # Forwarded as an attachment: a document of its own, not this one's text.
            attachments.append(Attachment(
                header_text(name), ctype, open_message=_attached(data, body, e, encoding)))
        elif ctype in ("message/rfc822", "message/global") and depth < MAX_DEPTH:
            stack.append((body, e, depth + 1, level + 1, "text/plain"))  # bounced, inline
        elif ctype in _TEXT_TYPES and disposition != "attachment":
            leaves.append(_Leaf(
                "html" if ctype == "text/html" else "plain", level,
                _param(mime.get_content_charset), encoding, body, e,
            ))  # fmt: skip
        elif not ctype.startswith("multipart/"):
            attachments.append(Attachment(header_text(name), ctype, data, body, e, encoding))
    return leaves, attachments


def _attached(
    data: bytes, start: int, end: int, encoding: str | None
) -> Callable[[Path], list[ParsedDocument]]:
    """How to read a message attached at [start, end): read only if it is not skipped."""

    def read(path: Path) -> list[ParsedDocument]:
        label = (encoding or "").lower()
        if "base64" in label or "quoted" in label:  # against the RFC, but it happens
            raw = decode_transfer(data[start:end], encoding)
            return message_documents(path, "email", raw, 0, len(raw))
        return message_documents(path, "email", data, start, end)

    return read


def _param(getter: Callable[[], object]) -> str | None:
    # The stdlib's parameter parsing raises on some malformed RFC 2231 values.
    try:
        value = getter()
    except (ValueError, LookupError, TypeError, UnicodeError):
        return None
    return value if isinstance(value, str) and value else None


def _boundary(mime: Message, data: bytes, start: int, end: int) -> bytes | None:
    value = _param(mime.get_boundary)
    if value:
        return value.encode("utf-8", "surrogateescape")
    # No boundary stated: a body whose first line is "--something" names its own.
    m = _OWN_BOUNDARY.match(data, start, min(end, start + 4096))
    return m.group(1) if m else None


def _split_multipart(
    data: bytes, start: int, end: int, boundary: bytes | None
) -> list[tuple[int, int]] | None:
    """Byte ranges of the parts between the boundary lines (no part is copied)."""
    if not boundary:
        return None
    delim = b"--" + boundary
    parts: list[tuple[int, int]] = []
    pos, open_at = start, None
    while len(parts) < MAX_PARTS:
        i = data.find(delim, pos, end)
        if i < 0:
            break
        after = i + len(delim)
        tail = data[after : after + 2]
        at_line_start = i == start or data[i - 1] == 0x0A
        if not at_line_start or (tail[:1] not in _LINE_END and tail != b"--"):
            pos = after  # a longer boundary that starts with ours, or mid-line text
            continue
        if open_at is not None:
            close = i - 1 if i > start and data[i - 1] == 0x0A else i
            close -= 1 if close > open_at and data[close - 1] == 0x0D else 0
            parts.append((open_at, max(open_at, close)))
        nl = data.find(b"\n", after, end)
        pos = end if nl < 0 else nl + 1
        if tail == b"--":
            open_at = None
            break
        open_at = pos
    if open_at is not None and open_at < end:
        parts.append((open_at, end))  # a truncated message: its last part runs to the end
    return parts or None


def _leaf_text(data: bytes, leaf: _Leaf, mbox: bool) -> str:
    raw = data[leaf.start : min(leaf.end, leaf.start + MAX_TEXT_PART_BYTES)]
    if mbox:
        raw = _QUOTED_FROM.sub(rb"\1", raw)  # mboxrd quoting of body lines
    body = decode_transfer(raw, leaf.encoding)
    declared = html_charset(body, leaf.charset) if leaf.kind == "html" else leaf.charset
    return decode_text(body, declared)


def parse_message(data: bytes, start: int, end: int, *, mbox: bool = False) -> MailContent:
    return parse_parts(data, start, end, mbox=mbox)[0]


def message_documents(
    path: Path, kind: str, data: bytes, start: int, end: int, *, mbox: bool = False,
    part: int = 0, member: str | None = None, taken: set[int] | None = None,
) -> list[ParsedDocument]:
    """The message at [start, end) of ``data``, then the documents of its attachments."""
    try:
        mail, attachments = parse_parts(data, start, end, mbox=mbox)
        doc = mail_document(path, kind, mail, part=part, member=member)
    except (ValueError, UnicodeError, LookupError) as exc:
        raise IngestError(str(path), f"{kind}: {exc}") from exc
    return with_attachments(path, doc, attachments, {part} if taken is None else taken)


def parse_parts(
    data: bytes, start: int, end: int, *, mbox: bool = False
) -> tuple[MailContent, list[Attachment]]:
    top = read_headers(data, start, end)
    headers = top[0]
    leaves, attachments = _walk(data, start, end, top)
    # The message's own text first; a message it forwards or bounces is the fallback.
    bodies = []
    for level in sorted({leaf.level for leaf in leaves})[:3]:
        html = next((x for x in leaves if x.kind == "html" and x.level == level), None)
        plain = next((x for x in leaves if x.kind == "plain" and x.level == level), None)
        bodies.append((_leaf_text(data, html, mbox) if html else None,
                       _leaf_text(data, plain, mbox) if plain else None))  # fmt: skip
    # Raw 8-bit headers are most likely in the charset the sender's text part uses.
    hint = next((leaf.charset for leaf in leaves if leaf.charset), None)
    name, addr = parse_from(_first(headers, "from") or _first(headers, "sender") or "", hint)
    keywords = header_text(_first(headers, "keywords"), hint)
    return MailContent(
        subject=header_text(_first(headers, "subject"), hint),
        from_name=name,
        from_addr=addr,
        date=mail_date(_first(headers, "date")),
        bodies=tuple(bodies),
        archived_at=(_first(headers, "archived-at") or "").strip("<> ") or None,
        list_name=_list_name(header_text(_first(headers, "list-id"), hint)),
        keywords=tuple(k.strip() for k in keywords.split(",") if k.strip()),
        attachments=tuple(
            a.name or "attached message" for a in attachments if a.name or a.open_message
        ),
        message_id=_message_id(headers),
    ), attachments


def _list_name(list_id: str) -> str | None:
    # "Lithium desk <lithium.lists.example.org>": the phrase, unless it is a code.
    phrase, _, ident = list_id.partition("<")
    phrase = phrase.strip().strip('"')
    if phrase and not re.search(r"[0-9a-f]{12}", phrase):
        return phrase
    return ident.strip(" >") or None


def _message_id(headers: dict[str, list[str]]) -> str | None:
    value = (_first(headers, "message-id") or "").strip().strip("<>").strip()
    return value or None


def header_score(head: bytes) -> int:
    """How surely ``head`` opens with a mail header block (0: it does not)."""
    headers, _body = read_headers(head, 0, len(head))
    names = {n.encode() for n in headers}
    if not names or not _HEADER_LINE.match(head.lstrip()[:80]):
        return 0
    if b"snapshot-content-location" in names or b"saved by " in head[:300].lower():
        return 0  # a web page saved as MHTML
    strong = len(names & _MAIL_HEADERS)
    ctype = (_first(headers, "content-type") or "").lower()
    if ctype.startswith("multipart/related") and not names & {b"received", b"message-id", b"to"}:
        return 0  # MHTML without the saving browser's name: the mhtml reader's
    if strong >= 2 or (strong and b"from" in names):
        return 90
    if {b"from", b"subject"} <= names and len(names & _ADDRESSING) >= 3:
        return 80
    return 0


def _postmark_end(data: bytes, pos: int) -> int | None:
    """End of the mbox "From " line at ``pos`` when it is a real separator."""
    nl = data.find(b"\n", pos)
    line_end = len(data) if nl < 0 else nl + 1
    blank_before = pos == 0 or data.endswith((b"\n\n", b"\n\r\n"), 0, pos)
    dated = _POSTMARK_DATE.match(data, pos, line_end) is not None
    if _HEADER_LINE.match(data, line_end):  # the next message's headers follow
        return line_end if blank_before or dated else None
    # A message without headers: only a dated postmark after a blank line counts.
    no_headers = data.startswith((b"\n", b"\r\n"), line_end)
    return line_end if no_headers and dated and blank_before else None


def split_mbox(data: bytes) -> list[tuple[int, int]]:
    """Byte ranges of the messages (after their "From " lines)."""
    starts: list[tuple[int, int]] = []
    pos = 0 if data.startswith(b"From ") else data.find(b"\nFrom ")
    while pos >= 0 and len(starts) < MAX_MESSAGES:
        at = pos if data.startswith(b"From ", pos) else pos + 1
        line_end = _postmark_end(data, at)
        if line_end is None and at == 0:  # the file's first line: a separator whatever it says
            nl = data.find(b"\n")
            line_end = len(data) if nl < 0 else nl + 1
        if line_end is not None:
            starts.append((at, line_end))
        pos = data.find(b"\nFrom ", at + 1)
    if pos >= 0:
        log.warning("mailbox holds more than %d messages; the rest is not read", MAX_MESSAGES)
    ranges = [(body, starts[i + 1][0] if i + 1 < len(starts) else len(data))
              for i, (_at, body) in enumerate(starts)]  # fmt: skip
    # Text before the first separator (a file not starting with "From "): a message
    # of its own when it opens with headers, else preamble.
    lead_end = starts[0][0] if starts else len(data)
    lead = len(data[:4096]) - len(data[:4096].lstrip(b"\r\n"))
    if lead < lead_end and header_score(data[lead : min(lead_end, lead + 4096)]):
        ranges.insert(0, (lead, lead_end))
    return ranges


def stable_part(key: str, used: set[int]) -> int:
    """A 31-bit part number from a message's key, unique among ``used``."""
    suffix = 0
    while True:
        digest = hashlib.blake2b(f"{key}#{suffix}".encode(), digest_size=4).digest()
        part = int.from_bytes(digest, "big") & 0x7FFF_FFFF or 1
        if part not in used:
            used.add(part)
            return part
        suffix += 1


class EmailReader:
    name = "email"
    max_bytes = 100 * 1024 * 1024

    def sniff(self, path: Path, head: bytes) -> int:
        suffix = path.suffix.lower()
        if suffix in (".mht", ".mhtml", ".mbox", ".mbx"):
            return 0
        body = head.removeprefix(b"\xef\xbb\xbf")
        if is_postmark(body, 0) and suffix == ".eml":
            return 96  # an .eml saved with its mbox postmark line
        score = header_score(body)
        if suffix == ".eml":
            return 95 if score or _HEADER_LINE.match(body) else 0
        return score

    def read(self, path: Path, data: bytes) -> list[ParsedDocument]:
        start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
        return message_documents(path, self.name, data, start, len(data))


class MboxReader:
    name = "mbox"
    max_bytes = 200 * 1024 * 1024

    def sniff(self, path: Path, head: bytes) -> int:
        suffix = path.suffix.lower()
        if head.startswith(b"From "):
            # A dated postmark, or a "From " line over a mail header block (not a text
            # that happens to start with "From").
            nl = head.find(b"\n")
            if _POSTMARK_DATE.match(head, 0, nl) or (nl > 0 and header_score(head[nl + 1 :])):
                return 95
        if suffix in (".mbox", ".mbx", ".mbs"):
            return 80 if header_score(head.lstrip(b"\r\n")) else 30
        return 0

    def read(self, path: Path, data: bytes) -> list[ParsedDocument]:
        ranges = split_mbox(data)
        if not ranges:
            raise IngestError(str(path), 'mbox: no messages found (no "From " lines)')
        docs: list[ParsedDocument] = []
        used: set[int] = set()
        first_error: str | None = None
        for ordinal, (start, end) in enumerate(ranges):
            mail = None
            try:
                mail, attachments = parse_parts(data, start, end, mbox=True)
                key = mail.message_id or f"ordinal:{ordinal}"
                # Taken before the message is built: a failing one still holds its part,
                # so the parts of the messages after it stay put.
                part = stable_part(key, used)
                label = mail.subject[:80] or f"message {ordinal + 1}"
                doc = mail_document(path, self.name, mail, part=part, member=label)
                docs.extend(with_attachments(path, doc, attachments, used))
            # One broken message must not lose the mailbox: it is skipped and logged,
            # with the errors the registry would turn into a reason for a whole file.
            except (IngestError, ValueError, UnicodeError, LookupError) as exc:
                if mail is None:
                    stable_part(_message_id(read_headers(data, start, end)[0])
                                or f"ordinal:{ordinal}", used)  # fmt: skip
                reason = exc.reason if isinstance(exc, IngestError) else str(exc)
                log.info("%s: message %d skipped: %s", path, ordinal + 1, reason)
                first_error = first_error or reason
        if not docs:
            raise IngestError(str(path), first_error or "mbox: no readable message")
        return docs


register(EmailReader())
register(MboxReader())
