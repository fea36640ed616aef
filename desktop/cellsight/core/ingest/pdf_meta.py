"""Title, author, date and keywords a PDF states in its Info dictionary or XMP packet.

Much of what the Info dictionary holds is what the producing program filled in, not
what the author meant: "Microsoft Word - Q3 draft.docx", "PowerPoint Presentation",
"Untitled", the file's own name, an account name as author, 1970 or 0000 as the date.
Those are refused here, so that the reader falls back to what page 1 shows.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from pathlib import Path

XMP_MAX = 256 * 1024  # an XMP packet is a few KB; a larger one is not read
FIRST_YEAR = 1990  # PDF dates from before there were PDFs are defaults, not dates

_PDF_DATE = re.compile(r"^\s*(?:D:)?(\d{4})(\d{2})?(\d{2})?")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
_FILE_NAME = re.compile(
    r"\.(?:docx?|xlsx?|pptx?|rtf|odt|ods|odp|pdf|txt|text|html?|ps|eps|ai|indd|qxd|qxp|pages|"
    r"key|numbers|tex|dvi|graffle|vsdx?|pub|wpd|cdr|psd|tiff?|jpe?g|png|bmp|gif|csv|md|xml)\s*$",
    re.I,
)
_PRODUCER_PREFIX = re.compile(
    r"^(?:microsoft\s+(?:word|powerpoint|excel|publisher|visio)|powerpoint|word|excel|"
    r"adobe\s+\w+)\s+-\s+",
    re.I,
)
_PLACEHOLDER = re.compile(
    r"^(?:untitled(?:[\s_-]*\d*)?(?:\s*-\s*\w+)?|no\s+title|title|document\s*\d*|doc\d*|"
    r"powerpoint\s+presentation|presentation\s*\d*|slide\s*\d*|book\s*\d*|sheet\s*\d*|"
    r"layout\s*\d*|print|default|blank|empty|unknown|none|null|test|draft|new\s+document|"
    r"microsoft\s+word\s+document|word\s+document|pdf|\(?anonymous\)?|titel|sans\s+titre|"
    r"無題|无标题|無標題|未命名|文档\s*\d*|文件\s*\d*|ドキュメント\s*\d*)$",
    re.I,
)
_PATH_LIKE = re.compile(r"^(?:[a-z]:\\|\\\\|/|~/|file:|https?:)", re.I)
_ACCOUNT = re.compile(
    r"^(?:admin(?:istrator)?|user\d*|owner|unknown|author|default|guest|root|pc|"
    r"microsoft office user|windows user|office|staff|test|none)$",
    re.I,
)
_XMP_START, _XMP_END = b"<x:xmpmeta", b"</x:xmpmeta>"
_TAGS = re.compile(r"<[^>]*>")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class PdfMeta:
    title: str | None = None
    author: str | None = None
    date: dt.date | None = None
    keywords: tuple[str, ...] = ()


def read_meta(info: dict[str, str], data: bytes, path: Path) -> PdfMeta:
    """What the Info dictionary states, the XMP packet filling its gaps."""
    xmp = xmp_fields(data)
    title = good_title(info.get("Title", ""), path) or good_title(xmp.get("title", ""), path)
    author = good_author(info.get("Author", "")) or good_author(xmp.get("creator", ""))
    date = (
        pdf_date(info.get("CreationDate"))
        or pdf_date(xmp.get("created"))
        or pdf_date(info.get("ModDate"))
    )
    words = info.get("Keywords") or xmp.get("keywords") or ""
    keywords = tuple(dict.fromkeys(
        w.strip() for w in re.split(r"[,;，；]", words) if 1 < len(w.strip()) <= 60
    ))[:20]  # fmt: skip
    return PdfMeta(title=title, author=author, date=date, keywords=keywords)


def good_title(value: str, path: Path | None = None) -> str | None:
    """``value`` when it reads as a title someone gave the document, else None."""
    title = " ".join(_printable(value).split()).strip(" \"'")
    if not title or len(title) > 300 or _PRODUCER_PREFIX.match(title):
        return None
    if _PLACEHOLDER.match(title) or _FILE_NAME.search(title) or _PATH_LIKE.match(title):
        return None
    if path is not None and title.lower() in (path.name.lower(), path.stem.lower()):
        return None
    letters = sum(1 for c in title if c.isalpha())
    wide = len(_CJK.findall(title))  # a Chinese headline of two characters is a title
    if letters + wide < 3 or letters < 0.5 * len(title.replace(" ", "")):
        return None  # "1", "12/03/2024", "---", "$$##"
    if re.fullmatch(r"[a-z0-9_.-]+", title) or (
        re.fullmatch(r"[\w.-]+", title) and ("_" in title or re.search(r"\d{3,}", title))
    ):
        return None  # "personwithdog", "Q3_report_final", "scan0001": a file's name
    return title


def good_author(value: str) -> str | None:
    author = " ".join(_printable(value).split()).strip(" ;,")
    if not author or len(author) > 200 or _ACCOUNT.match(author):
        return None
    if sum(1 for c in author if c.isalpha()) < 2:
        return None
    return author


def pdf_date(value: str | None, today: dt.date | None = None) -> dt.date | None:
    """A date from a PDF date string ("D:20240315093000+08'00'") or an ISO one."""
    if not value:
        return None
    m = _PDF_DATE.match(value) if not _ISO_DATE.match(value) else _ISO_DATE.match(value)
    if m is None:
        return None
    year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return None
    latest = (today or dt.date.today()) + dt.timedelta(days=2)
    return date if FIRST_YEAR <= year and date <= latest else None


def xmp_fields(data: bytes) -> dict[str, str]:
    """Title, creator, creation date and keywords from the last XMP packet left in
    the clear (an encrypted file's packet is not readable, and is skipped). Read by
    pattern, never by an XML parser: nothing in the packet is resolved or fetched."""
    end = data.rfind(_XMP_END)
    start = data.rfind(_XMP_START, max(0, end - XMP_MAX), end) if end > 0 else -1
    if start < 0:
        return {}
    packet = data[start:end].decode("utf-8", errors="replace")
    fields = {
        "title": _xmp_value(packet, "dc:title"),
        "creator": _xmp_value(packet, "dc:creator"),
        "created": _xmp_value(packet, "xmp:CreateDate") or _xmp_value(packet, "dc:date"),
        "keywords": _xmp_value(packet, "pdf:Keywords"),
    }
    return {k: v for k, v in fields.items() if v}


def _xmp_value(packet: str, tag: str) -> str:
    m = re.search(rf"<{tag}\b[^>]*>(.*?)</{tag}>", packet, re.S)
    if m is None:
        m = re.search(rf"\b{tag}\s*=\s*\"([^\"]*)\"", packet)  # the attribute form
        return html.unescape(m.group(1)).strip() if m else ""
    inner = m.group(1)
    items = re.findall(r"<rdf:li\b[^>]*>(.*?)</rdf:li>", inner, re.S)
    text = "; ".join(items) if items else inner
    return html.unescape(_TAGS.sub("", text)).strip()


def _printable(value: str) -> str:
    return "".join(c for c in value if c.isprintable() and c not in "\ufffd\ufffe\ufeff")
