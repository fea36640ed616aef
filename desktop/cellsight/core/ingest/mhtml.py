"""Web pages saved as one file: MHTML / .mht (Chrome's and Edge's "Save as single
file", Internet Explorer, Word, Firefox add-ons).

Such a file is a MIME message (multipart/related) whose parts are the page and its
resources. Only each part's headers are parsed and only the page's own HTML part is
decoded; images, stylesheets, scripts and frames are skipped, never decoded and never
fetched. The page goes through the HTML reader's article extractor, so a saved page
reads exactly as the same page saved as .html would.
"""

from __future__ import annotations

import binascii
import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from email.errors import MessageError
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import IngestError
from ..model import ParsedDocument
from .dates import parse_date
from .encoding import BinaryDataError, decode_bytes, normalise_charset
from .html import HtmlReader
from .registry import register

MHTML_SUFFIXES = (".mht", ".mhtml")
MAX_PARTS = 20_000  # a page with its images, fonts and frames has dozens to hundreds
MAX_DEPTH = 4  # related > alternative > related … (IE and Word nest one level)
MAX_HEADER = 64 * 1024  # a part's header block; past this it is not one
_HTML_TYPES = ("text/html", "application/xhtml+xml")
# What the saving browser writes into the top header: sure signs of a saved page.
_SAVED_BY = re.compile(rb"^(From:\s*<?\"?Saved by |Snapshot-Content-Location:)", re.I | re.M)
_MIME_VERSION = re.compile(rb"^MIME-Version:", re.I | re.M)
_RELATED = re.compile(rb"^Content-Type:\s*multipart/related", re.I | re.M)
_HTML_PART = re.compile(rb"^\s*type=\"?text/html|^Content-Type:\s*text/html", re.I | re.M)
# Headers only a mail transport writes: such a file is an e-mail, for the mail reader.
_MAIL_ONLY = re.compile(rb"^(Received|Message-ID|Return-Path|Delivered-To|To):", re.I | re.M)
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_HTML = HtmlReader()  # stateless; the registered instance is the same class
Buffer = bytes | memoryview


class MhtmlReader:
    name = "mhtml"
    max_bytes = 128 * 1024 * 1024  # pages with their images inlined as base64

    def sniff(self, path: Path, head: bytes) -> int:
        suffix = path.suffix.lower()
        top = _header_block(head.removeprefix(b"\xef\xbb\xbf"))
        if top is None or not _MIME_VERSION.search(top):
            # A .mht that is not MIME at all is claimed weakly, so the reason given is
            # "not a saved web page" rather than "unsupported file type".
            return 5 if suffix in MHTML_SUFFIXES else 0
        if _SAVED_BY.search(top):
            return 97  # a browser's signature outweighs an .eml name
        if suffix == ".eml" or _MAIL_ONLY.search(top):
            return 0
        if suffix in MHTML_SUFFIXES:
            return 95
        if _RELATED.search(top) and _HTML_PART.search(head):
            return 75
        return 0

    def read(self, path: Path, data: bytes) -> list[ParsedDocument]:
        data = data.removeprefix(b"\xef\xbb\xbf")
        # Views, not copies: a page saved with its images can run to 100 MB, and only
        # the headers and the one HTML part are ever turned into bytes.
        top_bytes, body = _split_head(memoryview(data))
        top = _headers(top_bytes)
        if top is None or (not top.get("MIME-Version") and not top.get("Content-Type")):
            raise IngestError(str(path), "not a saved web page (no MIME header at the top)")
        page = _find_page(path, top, body, 0, [0])
        if page is None:
            raise IngestError(str(path), "saved web page without an HTML page in it")
        headers, payload = page
        docs = read_html_part(path, decode_part(path, headers, payload), _charset(headers))
        url = _web_url(top.get("Snapshot-Content-Location")) or _web_url(
            headers.get("Content-Location")) or _web_url(top.get("Content-Location"))
        subject = _subject(top)
        # When the page states no date, the day it was saved is the best there is.
        saved = parse_date(str(top.get("Date") or ""))
        return [with_origin(d, path, self.name, url, saved, subject) for d in docs]


def with_origin(
    doc: ParsedDocument, path: Path, kind: str, url: str | None, date: dt.date | None,
    title: str | None = None,
) -> ParsedDocument:
    """The page as read, with what its container states filling the page's gaps."""
    url = doc.url or url
    derived = doc.title_derived and not title  # the page had no headline; the saver did
    return dataclasses.replace(
        doc, path=str(path), kind=kind, url=url, source=doc.source or _host(url),
        date=doc.date or date,
        title=title if doc.title_derived and title else doc.title, title_derived=derived,
    )


def read_html_part(path: Path, payload: bytes, charset: str | None) -> list[ParsedDocument]:
    """An HTML page received with a transport-declared charset (a MIME part, an HTTP
    response) through the article extractor. The declared charset is tried after UTF-8
    and before detection, as decode_bytes does with a page's own <meta charset>."""
    if charset and normalise_charset(charset):
        try:
            text, _used = decode_bytes(payload, charset)
        except BinaryDataError as exc:
            raise IngestError(str(path), f"the saved page is not text ({exc})") from exc
        payload = text.encode("utf-8")  # strict UTF-8 is the extractor's first guess
    return _HTML.read(path, payload)


def decode_part(path: Path, headers: Message, payload: Buffer) -> bytes:
    """A MIME part's bytes with its Content-Transfer-Encoding undone."""
    cte = str(headers.get("Content-Transfer-Encoding") or "").strip().lower()
    try:
        if cte == "quoted-printable":
            return binascii.a2b_qp(payload)
        if cte == "base64":
            return binascii.a2b_base64(payload)
    except binascii.Error as exc:
        raise IngestError(str(path), f"the saved page's {cte} encoding is damaged") from exc
    return bytes(payload)  # 7bit, 8bit, binary or unstated


def split_content_type(value: str | None) -> tuple[str, str | None]:
    """("text/html", "utf-8") from an HTTP or MIME Content-Type value."""
    msg = Message()
    msg["Content-Type"] = value or "application/octet-stream"
    return msg.get_content_type(), _charset(msg)


def _find_page(
    path: Path, headers: Message, body: Buffer, depth: int, count: list[int]
) -> tuple[Message, Buffer] | None:
    """The page's HTML part: the one the root names with start=, else the first."""
    ctype = headers.get_content_type()
    if ctype in _HTML_TYPES:
        return headers, body
    if not ctype.startswith("multipart/") or depth >= MAX_DEPTH:
        return None
    boundary = headers.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise IngestError(str(path), "saved web page without a part boundary")
    start = headers.get_param("start")
    first: tuple[Message, Buffer] | None = None
    for part in _parts(body, boundary.encode("latin-1", "replace")):
        count[0] += 1
        if count[0] > MAX_PARTS:
            raise IngestError(str(path), f"saved web page has over {MAX_PARTS:,} parts")
        head, content = _split_head(part)
        sub = _headers(head)
        if sub is None:
            continue
        if isinstance(start, str) and str(sub.get("Content-ID") or "").strip() == start.strip():
            found = _find_page(path, sub, content, depth + 1, count)
            if found is not None:
                return found
        if first is None:
            first = _find_page(path, sub, content, depth + 1, count)
    return first


def _parts(body: Buffer, boundary: bytes) -> Iterator[Buffer]:
    # A delimiter is "--boundary" at the start of a line; the line break before it
    # belongs to the delimiter. A missing closing delimiter (a truncated save) ends
    # the last part at the end of the file, as browsers read it. The pattern starts
    # with the literal, so the search runs at memchr speed through image parts.
    delim = re.compile(re.escape(b"--" + boundary) + rb"(--)?[ \t]*(?:\r?\n|$)")
    start: int | None = None
    for m in delim.finditer(body):
        at = m.start()
        if at and body[at - 1] != 0x0A:  # not at the start of a line: part content
            continue
        if start is not None:
            end = at - 1 if at else at
            yield body[start : end - 1 if end > start and body[end - 1] == 0x0D else end]
        if m.group(1):
            return
        start = m.end()
    if start is not None and start < len(body):
        yield body[start:]


def _header_block(head: bytes) -> bytes | None:
    m = _HEAD_END.search(head)
    block = head[: m.start()] if m else head
    return block if re.match(rb"[A-Za-z][A-Za-z0-9-]*:", block) else None


def _split_head(data: Buffer) -> tuple[Buffer, Buffer]:
    m = _HEAD_END.search(data, 0, MAX_HEADER)
    if m is None:  # no header block at all, or one too long to be real
        return (data, b"") if len(data) <= MAX_HEADER else (b"", data)
    return data[: m.start()], data[m.end() :]


def _headers(block: Buffer) -> Message | None:
    text = bytes(block).lstrip()
    if not re.match(rb"[A-Za-z][A-Za-z0-9-]*:", text):
        return None
    return BytesHeaderParser(policy=compat32).parsebytes(text + b"\n\n")


def _charset(headers: Message) -> str | None:
    charset = headers.get_param("charset")
    return charset.strip() if isinstance(charset, str) and charset.strip() else None


def _subject(headers: Message) -> str | None:
    raw = headers.get("Subject")
    if not raw:
        return None
    try:
        text = str(make_header(decode_header(str(raw))))
    except (ValueError, LookupError, UnicodeError, MessageError):  # a damaged encoded-word
        text = str(raw)
    return " ".join(text.split()) or None


def _web_url(value: object) -> str | None:
    text = str(value or "").strip()
    return text if re.match(r"^https?://[^\s<>\"]+$", text, re.I) else None


def _host(url: str | None) -> str | None:
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


READER = register(MhtmlReader())
