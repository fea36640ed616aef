"""Outlook messages saved as .msg (OLE2 compound files), read from their streams with olefile.

A .msg file keeps each property of the message in a stream of its own
(``__substg1.0_<id><type>``) and the fixed-size ones (dates, code pages) in
``__properties_version1.0``. Unicode strings (type 001F) are UTF-16; 8-bit ones (001E)
are repaired with ``decode_bytes``, the message's code page being only a hint, since
Outlook writes Big5 or Windows-1251 strings into files that declare none.
Attachments (``__attach_version1.0_#…`` storages) become documents of their own
through mail_attachments: their data stream read as a file, an embedded message read
from its storage inside the same file like the message itself. The compressed RTF body
is only read when a message has neither an HTML nor a plain-text body.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import struct
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ..errors import IngestError
from ..model import ParsedDocument
from .email_reader import read_headers
from .encoding import clean_text
from .mail_attachments import Attachment, with_attachments
from .mail_parts import (
    MailContent,
    decode_text,
    header_text,
    html_charset,
    mail_date,
    mail_document,
    parse_from,
    plausible,
)
from .msg_rtf import codepage, deencapsulate
from .registry import register

if TYPE_CHECKING:
    import olefile

T = TypeVar("T")

log = logging.getLogger("cellsight.ingest.msg")

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Every Outlook item has property streams named so; Word and Excel files have none.
_MSG_STREAM = "__substg1.0_".encode("utf-16-le")
_PROPS_STREAM = "__properties_version1.0".encode("utf-16-le")
_PROPS = "__properties_version1.0"
_NAMEID = "__nameid_version1.0/__substg1.0_"
MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_TABLE_BYTES = 1024 * 1024  # the fixed-size property and named-property tables
# The RTF body is decompressed in pure Python (about 2 MB of RTF a second, up to 8 times
# its compressed size): larger compressed bodies are left.
MAX_COMPRESSED_RTF = 1024 * 1024
MAX_KEYWORDS = 100
# The top-level property stream: a 32-byte header, then 16-byte entries (tag, flags, value).
# (An embedded message's has a 24-byte header, an attachment's or recipient's an 8-byte one.)
_PROPS_HEADER = 32
_EMBEDDED_HEADER, _ATTACH_HEADER = 24, 8
_ATTACH = "__attach_version1.0_#"
_ATTACH_METHOD, _EMBEDDED_MSG = 0x37050003, 5
_SUBMIT_TIME, _DELIVERY_TIME = 0x00390040, 0x0E060040  # PT_SYSTIME: FILETIME, UTC
_CODEPAGE_TAGS = (0x3FFD0003, 0x3FDE0003)  # the message's code page, then the internet one
_FILETIME_DAY = 864_000_000_000  # 100-nanosecond ticks
_STGTY_STREAM = 2  # olefile.STGTY_STREAM: the directory entry type of a stream
# Outlook's categories: the named property "Keywords" in PS_PUBLIC_STRINGS (index 2 of
# the GUID table; 1 is PS_MAPI, 3 on are the GUID stream's).
_PS_PUBLIC_STRINGS = bytes.fromhex("2903020000000000c000000000000046")
# olefile and struct raise these for damaged directories, sector chains and streams.
_DAMAGE = (OSError, EOFError, struct.error, ValueError, IndexError)


class _Message:
    """A message's properties, read straight from the streams of its OLE storage."""

    def __init__(self, ole: olefile.OleFileIO, size: int, prefix: str = "",
                 header: int = _PROPS_HEADER) -> None:  # fmt: skip
        self.ole = ole
        self.size = size
        self.prefix = prefix  # the storage holding it: "" for the file's own message
        table = self.stream(_PROPS, MAX_TABLE_BYTES) or b""
        self.fixed: dict[int, bytes] = {}
        for off in range(header, len(table) - 15, 16):
            tag = int.from_bytes(table[off : off + 4], "little")
            self.fixed.setdefault(tag, table[off + 8 : off + 16])
        codecs = (codepage(self.long(tag)) for tag in _CODEPAGE_TAGS)
        self.hint = next((codec for codec in codecs if codec), None)

    def stream(self, name: str, limit: int = MAX_BODY_BYTES) -> bytes | None:
        name = self.prefix + name
        if self.ole.get_type(name) != _STGTY_STREAM:
            return None
        # olefile reads a whole stream when it opens it, following its sector chain: a
        # damaged size could have it read a looping chain for gigabytes.
        if self.ole.get_size(name) > self.size:
            raise OSError(f"stream {name} is larger than the file")
        with self.ole.openstream(name) as stream:
            return stream.read(limit)

    def string(self, prop: str) -> str:
        wide = self.stream(f"__substg1.0_{prop}001F")
        if wide is not None:  # UTF-16 by the type's definition; nothing to verify
            return (
                clean_text(wide.decode("utf-16-le", "replace"))
                .replace("\ufffd", " ")
                .strip("\x00 \n")
            )
        narrow = self.stream(f"__substg1.0_{prop}001E")
        if narrow is not None:
            return decode_text(narrow.rstrip(b"\x00"), self.hint).strip()
        return ""

    def strings(self, prop: int) -> list[str]:
        """A multi-valued string property: a stream of lengths, one stream per value."""
        for kind in ("101F", "101E"):
            base = f"__substg1.0_{prop:04X}{kind}"
            lengths = self.stream(base, 4 * MAX_KEYWORDS)
            if lengths is None:
                continue
            values = []
            for i in range(len(lengths) // 4):
                raw = self.stream(f"{base}-{i:08X}", 64 * 1024)
                if raw is None:
                    break
                if kind == "101F":
                    value = clean_text(raw.decode("utf-16-le", "replace"))
                else:
                    value = decode_text(raw, self.hint)
                values.append(" ".join(value.replace("\ufffd", " ").strip("\x00").split()))
            return [v for v in values if v]
        return []

    def long(self, tag: int) -> int | None:
        value = self.fixed.get(tag)
        return int.from_bytes(value[:4], "little") if value else None

    def day(self, tag: int) -> dt.date | None:
        value = self.fixed.get(tag)
        ticks = int.from_bytes(value, "little") if value else 0
        if not ticks:
            return None
        try:
            return plausible(dt.date(1601, 1, 1) + dt.timedelta(days=ticks // _FILETIME_DAY))
        except OverflowError:  # beyond year 9999
            return None


def _content(msg: _Message) -> MailContent:
    transport = msg.string("007D")  # the internet headers of a received message
    headers, _ = read_headers(transport.encode("utf-8", "surrogateescape"), 0, len(transport))
    first = {name: values[0] for name, values in headers.items() if values}
    name = msg.string("0C1A") or msg.string("0042")
    addr = msg.string("5D01") or msg.string("0C1F") or msg.string("0065")
    if first.get("from") and (not name or "@" not in addr):
        # Exchange stores an X.500 path as the sender's address; the headers have SMTP.
        stated_name, stated_addr = parse_from(first["from"])
        name, addr = name or stated_name, stated_addr if "@" in stated_addr else addr
    html_bytes = msg.stream("__substg1.0_10130102")
    if html_bytes is not None:
        html: str | None = decode_text(html_bytes, html_charset(html_bytes, msg.hint))
    else:
        html = msg.string("1013") or None
    text = msg.string("1000") or None
    if not (html and html.strip()) and not (text and text.strip()):
        html, text = _optional(_rtf_body, msg, (None, None))
    return MailContent(
        subject=" ".join(msg.string("0037").split()),
        from_name=name.strip("\"' "),
        from_addr=addr.lower() if "@" in addr else "",
        date=msg.day(_SUBMIT_TIME) or mail_date(first.get("date")) or msg.day(_DELIVERY_TIME),
        bodies=((html, text),),
        archived_at=(first.get("archived-at") or "").strip("<> ") or None,
        list_name=header_text(first.get("list-id")) or None,
        keywords=_optional(_keywords, msg, ()),
    )


def _optional(part: Callable[[_Message], T], msg: _Message, default: T) -> T:
    """A part a message is readable without (categories, the RTF body): damage there
    loses the part, not the message."""
    try:
        return part(msg)
    except _DAMAGE as exc:
        log.info("msg: %s not read: %s", part.__name__.strip("_"), exc)
        return default


def _keywords(msg: _Message) -> tuple[str, ...]:
    """Outlook's categories, from the named-property mapping: entries of 8 bytes (name
    offset, GUID index and kind, property index) over a stream of counted UTF-16 names."""
    entries = msg.stream(_NAMEID + "00030102", MAX_TABLE_BYTES) or b""
    names = msg.stream(_NAMEID + "00040102", MAX_TABLE_BYTES) or b""
    guids = msg.stream(_NAMEID + "00020102", MAX_TABLE_BYTES) or b""
    for off in range(0, len(entries) - 7, 8):
        name_at, index_kind, index = struct.unpack_from("<IHH", entries, off)
        guid = index_kind >> 1
        if not index_kind & 1 or guid < 2:  # a numeric name, or not a public string
            continue
        if guid > 2 and guids[(guid - 3) * 16 : (guid - 2) * 16] != _PS_PUBLIC_STRINGS:
            continue
        length = int.from_bytes(names[name_at : name_at + 4], "little")
        name = names[name_at + 4 : name_at + 4 + min(length, 64)]
        if name.decode("utf-16-le", "replace").lower() == "keywords":
            return tuple(msg.strings(0x8000 + index)[:MAX_KEYWORDS])
    return ()


def _rtf_body(msg: _Message) -> tuple[str | None, str | None]:
    """(HTML, text) de-encapsulated from the compressed RTF body (at times Outlook's only)."""
    import compressed_rtf  # only for the rare message that needs it

    compressed = msg.stream("__substg1.0_10090102", MAX_COMPRESSED_RTF + 1)
    if not compressed or len(compressed) > MAX_COMPRESSED_RTF:
        return None, None
    try:
        rtf = compressed_rtf.decompress(compressed)
    # The decompressor raises a bare Exception for a bad header or CRC (and struct or
    # index errors for a truncated body); a message without this body is still read.
    except Exception as exc:  # noqa: BLE001 - any failure means "no such body"
        log.info("RTF body not decompressed: %s", exc)
        return None, None
    found = deencapsulate(rtf)
    if found is None:
        return None, None
    kind, content = found
    content = clean_text(content)  # control characters an RTF text run can hold
    return (content, None) if kind == "html" else (None, content)


def _outlook_storage(data: bytes) -> bool | None:
    """Whether the OLE file has the property stream every Outlook item has (None:
    its header or directory is damaged), read leniently."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return bool(ole.exists(_PROPS))
    except _DAMAGE:
        return None


class MsgReader:
    name = "msg"
    max_bytes = 100 * 1024 * 1024

    def sniff(self, path: Path, head: bytes) -> int:
        if not head.startswith(OLE_MAGIC):
            return 0
        if _MSG_STREAM in head or _PROPS_STREAM in head:
            return 95
        # Outlook writes its directory right after the header; an OLE file named .msg
        # without it in sight is read, and refused there if it is a .doc or an .xls.
        return 40 if path.suffix.lower() == ".msg" else 0

    def read(self, path: Path, data: bytes) -> list[ParsedDocument]:
        import olefile  # only .msg files need it

        if len(data) < olefile.MINIMAL_OLEFILE_SIZE:  # a header and two sectors
            raise IngestError(str(path), "msg: damaged or truncated Outlook file")
        try:
            # Defects that olefile would only log (a stream referenced twice, a bad
            # sector index) make a message unreadable, not silently wrong.
            ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
        except _DAMAGE as exc:
            storage = _outlook_storage(data)
            if storage is None:
                raise IngestError(str(path), "msg: damaged or truncated Outlook file") from exc
            if not storage:
                raise _not_outlook(path) from exc
            raise IngestError(str(path), f"msg: not a readable Outlook message ({exc})") from exc
        try:
            if not ole.exists(_PROPS):
                raise _not_outlook(path)
            # Attachments are read while the file is open: an embedded message is in it.
            return _documents(path, self.name, _Message(ole, len(data)), {0})
        except _DAMAGE as exc:
            raise IngestError(str(path), f"msg: damaged Outlook message ({exc})") from exc
        finally:
            ole.close()


def _documents(path: Path, kind: str, msg: _Message, taken: set[int]) -> list[ParsedDocument]:
    """The message, then its attachments' documents."""
    if not msg.string("001A"):
        raise IngestError(str(path), "msg: an Outlook file without a message class")
    attachments = _optional(_attachments, msg, [])
    content = _content(msg)
    names = tuple(a.name for a in attachments if a.name)
    doc = mail_document(path, kind, dataclasses.replace(content, attachments=names))
    return with_attachments(path, doc, attachments, taken)


def _attachments(msg: _Message) -> list[Attachment]:
    ole = msg.ole
    depth = msg.prefix.count("/")
    below = tuple(p for p in msg.prefix.split("/") if p)
    storages = sorted({entry[depth] for entry in ole.listdir(streams=False, storages=True)
                       if len(entry) > depth and tuple(entry[:depth]) == below
                       and entry[depth].startswith(_ATTACH)})  # fmt: skip
    out = []
    for storage in storages:
        att = _Message(ole, msg.size, f"{msg.prefix}{storage}/", _ATTACH_HEADER)
        name = att.string("3707") or att.string("3704") or att.string("3001")
        ctype = att.string("370E").lower() or "application/octet-stream"
        embedded = f"{att.prefix}__substg1.0_3701000D"
        if att.long(_ATTACH_METHOD) == _EMBEDDED_MSG or ole.get_type(embedded) == 1:
            if ole.exists(f"{embedded}/{_PROPS}"):  # an OLE object (method 6) has none
                out.append(Attachment(name or att.string("3001"), "message/rfc822",
                                      open_message=_embedded(msg, embedded + "/")))  # fmt: skip
            continue
        blob = att.stream("__substg1.0_37010102", msg.size)
        if blob:
            out.append(Attachment(name, ctype, blob, 0, len(blob)))
    return out


def _embedded(msg: _Message, prefix: str) -> Callable[[Path], list[ParsedDocument]]:
    def read(path: Path) -> list[ParsedDocument]:
        try:
            inner = _Message(msg.ole, msg.size, prefix, _EMBEDDED_HEADER)
            return _documents(path, "msg", inner, {0})
        except _DAMAGE as exc:
            raise IngestError(str(path), f"msg: damaged attached message ({exc})") from exc

    return read


def _not_outlook(path: Path) -> IngestError:
    return IngestError(
        str(path), "msg: an OLE file but not an Outlook message (a Word or Excel file?)"
    )


register(MsgReader())
