"""The parts of an Excel workbook checked before openpyxl reads it.

* Sniffing: a ZIP whose first local headers name ``xl/`` parts (or whose content
  types declare a workbook) is a workbook; ``word/``, ``ppt/`` or an ODF/EPUB
  ``mimetype`` belong to other readers. The central directory sits at the end of
  the file, so the sniffer sees only the first members' names.
* Refusals: ZIP limits (``zip_limits``); a ZIP without a workbook part; Strict Open
  XML, which openpyxl reads as a workbook without sheets; any XML part declaring a
  DTD (entities are never expanded or fetched); a part that openpyxl parses whole
  (shared strings, styles, the workbook) above ``WHOLE_PART_MAX``, or a shared-strings
  table of more than ``SHARED_STRINGS_MAX`` texts; a sheet row above ``ROW_XML_MAX``
  of XML, because openpyxl builds each row whole before yielding it.
* The sheet scan also counts formula cells saved without a value: openpyxl reads
  those as empty, indistinguishable from blank cells.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..errors import IngestError
from .encoding import clean_text
from .zip_limits import is_zip, open_zip, read_member

WHOLE_PART_MAX = 64_000_000  # bytes, so that messages in MB are exact
# openpyxl builds ~50,000 shared strings a second and keeps each as a Python object.
SHARED_STRINGS_MAX = 1_000_000
ROW_XML_MAX = 2_000_000  # bytes: 16,384 cells of 122 bytes
_OPC_COMMON = ("[Content_Types].xml", "_rels/", "docProps/")
_XML = (".xml", ".rels")
_WORKBOOK_TYPES = (
    b"spreadsheetml.sheet.main", b"ms-excel.sheet.macroEnabled.main",
    b"spreadsheetml.template.main", b"ms-excel.template.macroEnabled.main",
)  # fmt: skip
_STRICT = b"purl.oclc.org/ooxml/spreadsheetml/main"
_DOCTYPES = (b"<!DOCTYPE", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))
_SHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
# Formula cells (<c …><f>…), and those followed by a saved value (<v>x). Bounded
# repeats keep every match short, so a scan in chunks with an overlap finds each once.
_FORMULA = re.compile(rb"<(?:\w+:)?c\b[^<>]{0,400}>\s{0,64}<(?:\w+:)?f[\s>/]")
_CACHED = re.compile(
    rb"<(?:\w+:)?c\b[^<>]{0,400}>\s{0,64}<(?:\w+:)?f\b(?:[^<>]{0,400}/>|[^<>]{0,400}>"
    rb"[^<]{0,40000}</(?:\w+:)?f>)\s{0,64}<(?:\w+:)?v>\s{0,64}[^<\s]"
)
_ROW_TAG = re.compile(rb"<(/?)(?:\w+:)?row[\s>/]")
_STRING = re.compile(rb"<(?:\w+:)?si[\s>/]")
_ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError,
               RuntimeError, zlib.error)  # fmt: skip
_CHUNK = 4 * 1024 * 1024
_OVERLAP = 64 * 1024
_DEFAULT_TITLE = re.compile(
    r"(book|sheet|workbook|mappe|classeur|libro|untitled|feuil|tabelle|hoja|лист|工作簿)"
    r"\s*\d*|microsoft excel\b.*|excel worksheet",
    re.I,
)
_PROGRAMS = {"openpyxl", "apache poi", "xlsxwriter", "unknown", "microsoft office user",
             "user", "administrator", "admin", "author", "windows user", "python"}  # fmt: skip
_DC = "{http://purl.org/dc/elements/1.1/}"
_DCTERMS = "{http://purl.org/dc/terms/}"
_W3CDTF = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True)
class _Chunk:
    buf: bytes
    cut: int
    offset: int  # of buf[0] in the part
    final: bool


@dataclass(frozen=True)
class PartsScan:
    uncalculated: int  # formula cells saved without a value, all sheets
    title: str | None = None
    author: str | None = None
    date: dt.date | None = None


def is_workbook_zip(head: bytes, workbook_suffix: bool) -> int:
    """Sniff score for a ZIP ``head``: 95 when its first members show a workbook,
    60 for a workbook suffix whose first members are only package parts, else 0."""
    if not is_zip(head):
        return 0
    names = local_names(head)
    if any(n.startswith(("word/", "ppt/")) or n == "mimetype" for n in names):
        return 0
    if any(n.startswith("xl/") for n in names) or any(t in head for t in _WORKBOOK_TYPES):
        return 95
    if workbook_suffix and all(n.startswith(_OPC_COMMON) or n.endswith(_XML) for n in names):
        return 60  # read() checks the central directory and says if it is not one
    return 0


def local_names(head: bytes, limit: int = 64) -> list[str]:
    """Member names from the local file headers within ``head``."""
    names: list[str] = []
    pos = head.find(b"PK\x03\x04")
    while pos != -1 and len(names) < limit and pos + 30 <= len(head):
        size = int.from_bytes(head[pos + 26 : pos + 28], "little")
        name = head[pos + 30 : pos + 30 + size].decode("utf-8", "replace")
        names.append(name.replace("\\", "/"))  # some writers use Windows separators
        pos = head.find(b"PK\x03\x04", pos + 30 + size)
    return names


def check_parts(path: Path, data: bytes) -> PartsScan:
    """Refuse what must not reach openpyxl (see the module's docstring)."""
    with open_zip(path, data, package=True) as zf:
        infos = zf.infolist()
        names = {i.filename for i in infos}
        types = _small_part(path, zf, "[Content_Types].xml", names)
        if "xl\\workbook.xml" in names:
            raise IngestError(str(path), "damaged workbook: its ZIP names parts with “\\” "
                              "(xl\\workbook.xml); open it in Excel and save it again")  # fmt: skip
        if "xl/workbook.xml" not in names and not any(t in types for t in _WORKBOOK_TYPES):
            raise IngestError(str(path), "not an Excel workbook (the ZIP holds no xl/workbook.xml)")
        if _STRICT in _small_part(path, zf, "xl/workbook.xml", names)[:4096]:
            raise IngestError(str(path), "Strict Open XML workbook, which Cellsight cannot "
                              "read; save it in Excel as “Excel Workbook (.xlsx)”")  # fmt: skip
        uncalculated = 0
        for info in infos:
            if not info.filename.endswith(_XML):
                continue
            if info.flag_bits & 0x1:
                raise IngestError(str(path), f"ZIP member {info.filename!r} is password-protected")
            if _SHEET.fullmatch(info.filename):
                uncalculated += _scan_sheet(path, zf, info)
                continue
            if info.filename.endswith("sharedStrings.xml"):
                _count_strings(path, zf, info)
            if info.file_size > WHOLE_PART_MAX:
                raise IngestError(str(path), f"workbook part {info.filename!r} unpacks to "
                                  f"{info.file_size / 1e6:.0f} MB (the limit is "
                                  f"{WHOLE_PART_MAX / 1e6:.0f} MB)")  # fmt: skip
            _refuse_dtd(path, info.filename, _head(path, zf, info))
        title, author, date = core_properties(
            _small_part(path, zf, "docProps/core.xml", names, limit=1 << 20)
        )
    return PartsScan(uncalculated, title, author, date)


def _small_part(
    path: Path, zf: zipfile.ZipFile, name: str, names: set[str], limit: int = WHOLE_PART_MAX
) -> bytes:
    if name not in names:
        return b""
    info = zf.getinfo(name)
    return read_member(path, zf, info) if info.file_size <= limit else b""


def _head(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        with zf.open(info) as fh:
            return fh.read(1024)
    except _ZIP_ERRORS as exc:
        raise IngestError(str(path), f"damaged ZIP member {info.filename!r} ({exc})") from exc


def _refuse_dtd(path: Path, name: str, head: bytes) -> None:
    # A DTD can only stand before the root element, so the first kilobyte shows it.
    if any(d in head for d in _DOCTYPES):
        raise IngestError(str(path), f"workbook part {name!r} declares a DTD (entities "
                          "are not expanded); refused")  # fmt: skip


def _chunks(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[_Chunk]:
    """A part in overlapping chunks: a match starting before ``cut`` is counted in
    this chunk, and any match of the scans' bounded patterns ends within it."""
    offset, buf = 0, b""
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(_CHUNK)
                buf += chunk
                final = not chunk
                cut = len(buf) if final else max(0, len(buf) - _OVERLAP)
                if final or cut:
                    if offset == 0:
                        _refuse_dtd(path, info.filename, buf[:1024])
                    yield _Chunk(buf, cut, offset, final)
                if final:
                    return
                offset += cut
                buf = buf[cut:]
    except _ZIP_ERRORS as exc:
        raise IngestError(str(path), f"damaged ZIP member {info.filename!r} ({exc})") from exc


def _scan_sheet(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """Formula cells without a saved value in one sheet; refuses an over-long row."""
    formulas = cached = 0
    row_start: int | None = None
    for c in _chunks(path, zf, info):
        formulas += sum(1 for m in _FORMULA.finditer(c.buf) if m.start() < c.cut)
        cached += sum(1 for m in _CACHED.finditer(c.buf) if m.start() < c.cut)
        for m in _ROW_TAG.finditer(c.buf):
            if m.start() >= c.cut:
                break
            at = c.offset + m.start()
            if row_start is not None:
                _check_row(path, info, at - row_start)
            row_start = None if m.group(1) else at
        if c.final and row_start is not None:
            _check_row(path, info, c.offset + len(c.buf) - row_start)
    return max(0, formulas - cached)


def _count_strings(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuses a shared-strings table openpyxl would take minutes to build."""
    count = 0
    for c in _chunks(path, zf, info):
        count += sum(1 for m in _STRING.finditer(c.buf) if m.start() < c.cut)
        if count > SHARED_STRINGS_MAX:
            raise IngestError(str(path), f"the workbook holds more than "
                              f"{SHARED_STRINGS_MAX:,} distinct texts (the limit)")  # fmt: skip


def _check_row(path: Path, info: zipfile.ZipInfo, size: int) -> None:
    if size > ROW_XML_MAX:
        raise IngestError(str(path), f"a row of {info.filename!r} holds {size / 1e6:.1f} MB "
                          f"of XML (the limit is {ROW_XML_MAX / 1e6:.0f} MB)")  # fmt: skip


def core_properties(raw: bytes) -> tuple[str | None, str | None, dt.date | None]:
    """Title, author and date from docProps/core.xml, defaults and programs dropped;
    the date is the last-modified date, else the creation date: a price workbook is
    kept up to date for years (the World Bank's Pink Sheet was created in 2005 and
    holds data to last month), so its last save says how current it is."""
    if not raw:
        return None, None, None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError:
        return None, None, None
    title = clean_text(" ".join((root.findtext(f"{_DC}title") or "").split()))
    author = clean_text(" ".join((root.findtext(f"{_DC}creator") or "").split()))
    modified = _w3c_date(root.findtext(f"{_DCTERMS}modified"))
    return (
        title if title and not _DEFAULT_TITLE.fullmatch(title) else None,
        author if re.search(r"[^\W\d_]", author) and author.casefold() not in _PROGRAMS else None,
        modified or _w3c_date(root.findtext(f"{_DCTERMS}created")),
    )


def _w3c_date(text: str | None) -> dt.date | None:
    m = _W3CDTF.match(text or "")
    if m is None:
        return None
    try:
        day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    # Excel appeared in 1985; earlier stamps are a program's placeholder.
    return day if dt.date(1985, 1, 1) <= day <= dt.date(2100, 12, 31) else None
