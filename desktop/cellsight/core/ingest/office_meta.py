"""What Word and PowerPoint files share: telling them apart by content, refusing the
old binary formats, and their core properties (title, author, created).

Core properties lie often: a title left as "PowerPoint Presentation" or "Microsoft
Word - draft3.docx", an author who is "Administrator", a created date inherited from
a template. ``is_real_title`` and ``is_real_author`` keep such values out, so that
the reader falls back to what the document itself states.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import IngestError
from .zip_limits import is_zip, open_zip, read_member

# An XML part is parsed whole into a tree ten times its size: a 1,000-page report's
# document.xml is about 20 MB, so a larger one is refused rather than held in memory.
XML_PART_MAX = 48 * 1024 * 1024
# The package's own parts, and the root element each must have: python-docx and
# python-pptx give these roots classes of their own and fail with AttributeError on
# any other root (found by fuzzing), so a wrong one is refused here.
_TYPES_ROOT = "{http://schemas.openxmlformats.org/package/2006/content-types}Types"
_RELS_ROOT = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationships"
CORE_ROOT = (
    "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}coreProperties"
)
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The main part's content type names the application (macro-enabled and template
# variants included); embedded packages are listed without ".main+xml".
_MAIN_TYPES = {
    "word": re.compile(rb"wordprocessingml\.(?:document|template)\.main\+xml|"
                       rb"ms-word\.(?:document|template)\.macroEnabled(?:Template)?\.main\+xml"),
    "powerpoint": re.compile(rb"presentationml\.(?:presentation|slideshow|template)\.main\+xml|"
                             rb"ms-powerpoint\.(?:presentation|slideshow|template)\.macroEnabled"
                             rb"\.main\+xml"),
    "excel": re.compile(rb"spreadsheetml\.(?:sheet|template)\.main\+xml|"
                        rb"ms-excel\.\w+\.macroEnabled"),
}  # fmt: skip
_FOLDERS = {"word/": "word", "ppt/": "powerpoint", "xl/": "excel"}
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_PLACEHOLDER_TITLE = re.compile(
    r"^(?:(?:microsoft\s+)?(?:power\s*point|word|office)\s*(?:presentation|document|"
    r"-?präsentation|dokument)?|présentation\s+powerpoint|presentaci[oó]n\s+de\s+powerpoint|"
    r"presentation\s*\d*|document\s*\d*|dokument\s*\d*|untitled(?:\s+document)?|title|titel|"
    r"slide\s*\d*|click to (?:add|edit) (?:master )?title.*|"
    r"(?:powerpoint\s*)?演示文稿\s*\d*|文档\s*\d*|幻灯片\s*\d*|无标题|標題|标题|"
    r"word\s+document|powerpoint\s+presentation|untitled\s+presentation)$",
    re.I,
)
_APP_PREFIX = re.compile(r"^microsoft\s+(?:word|powerpoint|excel)\s*-\s*", re.I)
_FILE_NAME = re.compile(r"\.(?:docx?|docm|dotx?|pptx?|pptm|ppsx?|potx?|pdf|xlsx?|rtf|odt|txt)$",
                        re.I)  # fmt: skip
_PLACEHOLDER_AUTHORS = frozenset((
    "administrator", "admin", "user", "owner", "author", "unknown", "python-docx",
    "python-pptx", "microsoft", "microsoft office user", "windows user", "office user",
    "a satisfied microsoft office user", "用户", "管理员", "作者", "benutzer",
))  # fmt: skip


@dataclass(frozen=True)
class CoreMeta:
    title: str | None
    author: str | None
    created: dt.date | None
    keywords: tuple[str, ...]


def sniff_office(path: Path, head: bytes, kind: str, old_suffixes: tuple[str, ...]) -> int:
    """The Word and PowerPoint readers' confidence: sure of their own OOXML package;
    low for an OLE file with their old extension (an old binary or encrypted file
    they refuse with a reason), so the msg reader wins Outlook messages."""
    if head.startswith(OLE_MAGIC):
        return 20 if path.suffix.lower() in old_suffixes else 0
    return 95 if office_kind(path, head) == kind else 0


def office_kind(path: Path, head: bytes) -> str | None:
    """What a ZIP file holds: "word", "powerpoint", "excel" or "zip" (read from the head
    or, failing that, from the file's central directory); None for a file not a ZIP."""
    if not is_zip(head):
        return None
    kind = _kind_from_head(head)
    if kind is None:
        kind = _kind_from_directory(path)
    return kind or "zip"


def _kind_from_head(head: bytes) -> str | None:
    """From the local headers in ``head``: [Content_Types].xml (usually the first
    member, a few hundred bytes deflated) is inflated as far as the head goes."""
    at = 0
    found: str | None = None
    while at + _LOCAL_HEADER.size <= len(head):
        (sig, _v, flags, method, _t, _d, _crc, csize, _usize, nlen, xlen) = (
            _LOCAL_HEADER.unpack_from(head, at)
        )
        if sig != b"PK\x03\x04":
            break
        start = at + _LOCAL_HEADER.size
        name = head[start : start + nlen].decode("utf-8", errors="replace")
        data_at = start + nlen + xlen
        if name == "[Content_Types].xml":
            kind = _kind_from_types(head[data_at : data_at + csize if csize else None], method)
            if kind is not None:
                return kind
        for folder, folder_kind in _FOLDERS.items():
            if name.startswith(folder):
                found = found or folder_kind
        if flags & 0x8 or (not csize and method):
            # Sizes follow the data (a streamed member): the next header is searched for.
            at = head.find(b"PK\x03\x04", data_at)
            if at < 0:
                break
        else:
            at = data_at + csize
    return found


def _kind_from_types(raw: bytes, method: int) -> str | None:
    if method == 8:
        try:
            raw = zlib.decompressobj(-15).decompress(raw, 64 * 1024)
        except zlib.error:
            return None
    elif method != 0:
        return None
    for kind, pattern in _MAIN_TYPES.items():
        if pattern.search(raw):
            return kind
    return None


def _kind_from_directory(path: Path) -> str | None:
    # Only when the head did not tell (a thumbnail stored first, sizes in data
    # descriptors): the central directory is at the end, a few KB to read.
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()[:20_000]
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError):
        return None
    for folder, kind in _FOLDERS.items():
        if any(n.startswith(folder) for n in names):
            return kind
    return None


def check_package(path: Path, data: bytes) -> None:
    """The shared ZIP limits (member count, sizes, ratios), then the XML parts' sizes,
    before python-docx or python-pptx inflates anything."""
    with open_zip(path, data, package=True) as zf:
        for info in zf.infolist():
            if info.filename.endswith((".xml", ".rels")) and info.file_size > XML_PART_MAX:
                raise IngestError(str(path), f"{info.filename} unpacks to "
                                  f"{info.file_size / 1e6:.0f} MB of XML (the limit is "
                                  f"{XML_PART_MAX / 1e6:.0f} MB)")  # fmt: skip
            if info.filename == "[Content_Types].xml":
                _check_root(path, read_member(path, zf, info), info.filename, _TYPES_ROOT)
            elif info.filename.endswith(".rels"):
                _check_root(path, read_member(path, zf, info), info.filename, _RELS_ROOT)


def _check_root(path: Path, xml: bytes, name: str, expected: str) -> None:
    try:
        tag = etree.fromstring(xml, _SAFE_PARSER).tag
    except (etree.LxmlError, ValueError) as exc:
        raise IngestError(str(path), f"damaged package part {name} ({exc})") from exc
    if tag != expected:
        raise IngestError(str(path), f"damaged package part {name} (its root is {tag})")


def refuse_ole(path: Path, data: bytes, fmt: str, new: str) -> None:
    """The IngestError for a binary (OLE) file: an encrypted OOXML package, or the
    old .doc/.ppt format."""
    if "EncryptedPackage".encode("utf-16-le") in data[:1_000_000]:
        raise IngestError(str(path), f"password-protected {fmt} file: remove the password "
                          "(save it without encryption) to index it")  # fmt: skip
    old = path.suffix.lower() or ".doc"
    raise IngestError(str(path), f"old binary {fmt} format ({old}): save it as {new}")


def related_root(source: Any, reltype: str, parse: Callable[[bytes], Any]) -> Any | None:
    """The XML root of the part ``source`` (a package or a part of python-docx or
    python-pptx) relates to by ``reltype``; None when there is none or it is damaged.

    A part whose content type the package misstates is a plain Part holding bytes,
    not an XML part: its bytes are parsed here (the libraries' parser, no entities)."""
    try:
        part = source.part_related_by(reltype)
    except (KeyError, ValueError):
        return None
    return part_root(part, parse)


def part_root(part: Any, parse: Callable[[bytes], Any]) -> Any | None:
    for name in ("element", "_element"):  # python-docx, python-pptx
        root = getattr(part, name, None)
        if root is not None:
            return root
    blob = getattr(part, "blob", None)
    if not blob:
        return None
    try:
        return parse(blob)
    except (ValueError, etree.LxmlError):
        return None


def core_properties(package: Any, part_class: type) -> Any | None:
    """The package's core properties part's properties, if it has a real one (the
    libraries invent defaults otherwise: python-docx titles them "Word Document")."""
    try:
        part = package.part_related_by(
            "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
        )
    except (KeyError, ValueError):
        return None
    if not isinstance(part, part_class):
        return None
    root = getattr(part, "element", None)
    if root is None:
        root = getattr(part, "_element", None)
    if root is None or root.tag != CORE_ROOT:
        return None
    # python-docx's part holds a CoreProperties object; python-pptx's part is one.
    return getattr(part, "core_properties", part)


def core_meta(props: Any, path: Path) -> CoreMeta:
    """Title, author, created date and keywords from python-docx/python-pptx core
    properties (None: the file has none), with placeholders dropped."""
    title = _clean(getattr(props, "title", None))
    author = _clean(getattr(props, "author", None))
    keywords = _clean(getattr(props, "keywords", None)) or ""
    created = getattr(props, "created", None)
    return CoreMeta(
        title=title if title and is_real_title(title, path) else None,
        author=author if author and is_real_author(author) else None,
        created=plausible_date(created),
        keywords=tuple(k.strip() for k in re.split(r"[,;，；]", keywords) if k.strip())[:30],
    )


def is_real_title(title: str, path: Path | None = None) -> bool:
    """False for what applications and templates leave as a title."""
    text = " ".join(title.split())
    if len(text) < 3 or len(text) > 300:
        return False
    if _APP_PREFIX.match(text) or _FILE_NAME.search(text) or _PLACEHOLDER_TITLE.match(text):
        return False
    if path is not None and text.lower() in (path.stem.lower(), path.name.lower()):
        return False
    return any(ch.isalpha() for ch in text)


def is_real_author(name: str) -> bool:
    text = " ".join(name.split())
    if len(text) < 2 or len(text) > 200 or ("@" in text and " " not in text):
        return False
    return text.lower() not in _PLACEHOLDER_AUTHORS


def plausible_date(value: object, today: dt.date | None = None) -> dt.date | None:
    """A created date worth showing: not before word processors (1980), not the
    future; python-docx reports a missing one as None."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        return None
    latest = (today or dt.date.today()) + dt.timedelta(days=1)
    return value if dt.date(1980, 1, 1) <= value <= latest else None


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.replace("\x00", "").split())
    return text or None
