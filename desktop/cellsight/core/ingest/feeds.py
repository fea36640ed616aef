"""RSS 0.9x/1.0/2.0 and Atom feeds: every entry a document.

feedparser reads the entries, but never the file itself: it is handed a stream of
bytes we decoded and re-encoded as UTF-8 (so a GB2312 feed without a declaration
reads as Chinese, not as cp1252), with the DOCTYPE cut out beforehand, so no entity
(external or nested) can be declared. Given a string, feedparser would open a URL
or a path; given bytes it would try them as a file name first; a stream it only
reads.

An entry's part number is a hash of its id (or link): a feed re-saved with new
entries on top keeps every old entry's document id.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import io
import logging
import re
import time
from pathlib import Path
from typing import Any

from lxml import etree
from lxml.html import HTMLParser

from ..errors import IngestError
from ..model import ParsedDocument
from .datelines import line_dates
from .dates import parse_date
from .encoding import BinaryDataError, clean_text, decode_bytes
from .html import declared_charset
from .registry import TEXT_MAX_BYTES, register
from .text import derive_title

log = logging.getLogger("cellsight.ingest.feeds")

MAX_ENTRIES = 20_000  # a feed export beyond this is read in part (logged)
EXCERPT_MAX = 500
# What may stand before the root element: whitespace, the XML declaration, style
# sheet instructions, comments and a DOCTYPE with its internal subset.
_PROLOG = re.compile(r"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)*", re.S | re.I)
_DOCTYPE = re.compile(r"<!DOCTYPE(?:[^\[>]|\[.*?\])*>", re.S | re.I)
_XML_DECL = re.compile(r"\A\s*<\?xml\b.*?\?>", re.S)
_ROOT = re.compile(r"<(?:[\w.-]+:)?(rss|feed|RDF)\b([^>]*)", re.I)
_ATOM_NS = ("http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#")
_RSS_RDF_NS = ("http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/")
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
_MARKUP = re.compile(r"<[A-Za-z/!]|&#?\w+;")
_EMAIL = re.compile(r"^\S+@\S+\.\w+$")
# Blocks in entry HTML become paragraphs; the rest of its elements are inline.
_BLOCKS = frozenset((
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "tr", "table",
    "ul", "ol", "dl", "dt", "dd", "section", "article", "figure", "figcaption", "header",
    "footer", "hr", "center",
))  # fmt: skip
_DROPPED = frozenset((
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math",
    "head", "form", "button", "select", "textarea", "canvas",
))  # fmt: skip
_BREAK = "\u2029"
_HTML_PARSER = HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                          no_network=True, recover=True)  # fmt: skip
_FR_MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
}  # fmt: skip
_FR_DATE = re.compile(rf"(\d{{1,2}})(?:er)?\s+({'|'.join(_FR_MONTHS)})\.?\s+(\d{{4}})", re.I)


class FeedReader:
    name = "feed"
    max_bytes = TEXT_MAX_BYTES

    def sniff(self, path: Path, head: bytes) -> int:
        text = _head_text(head)
        prolog = _PROLOG.match(text)
        rest = text[prolog.end() :] if prolog else text
        root = _ROOT.match(rest)
        if root is None:
            # A prolog longer than the sniffed head (a licence comment): trust the name.
            unfinished = rest == "" or rest.startswith(("<!--", "<?", "<!DOCTYPE"))
            suffix = path.suffix.lower()
            return 50 if unfinished and suffix in (".rss", ".atom", ".rdf") else 0
        tag, attrs = root.group(1).lower(), root.group(2)
        if tag == "rss":
            return 95
        if tag == "feed":
            if any(ns in attrs for ns in _ATOM_NS):
                return 95
            return 60 if path.suffix.lower() == ".atom" else 0
        return 95 if any(ns in text for ns in _RSS_RDF_NS) else 0

    def read(self, path: Path, data: bytes) -> list[ParsedDocument]:
        try:
            raw, _encoding = decode_bytes(data, declared_charset(data))
        except BinaryDataError as exc:
            raise IngestError(str(path), str(exc)) from exc
        parsed = _parse(raw)
        entries = list(parsed.entries)
        if not entries:
            why = _get(parsed, "bozo_exception")
            detail = f" (damaged XML: {why})" if _get(parsed, "bozo") and why else ""
            raise IngestError(str(path), f"feed has no entries{detail}")
        if len(entries) > MAX_ENTRIES:
            log.info("%s: reading the first %d of %d entries", path, MAX_ENTRIES, len(entries))
            entries = entries[:MAX_ENTRIES]
        source = _plain(_get(parsed.feed, "title")) or None
        feed_author = _person(parsed.feed)
        docs: dict[str, ParsedDocument] = {}
        stamps: dict[str, tuple[int, ...]] = {}
        parts: set[int] = set()
        for i, entry in enumerate(entries):
            key = _entry_key(entry, i)
            stamp = _stamp(entry)
            if key in docs and stamp <= stamps[key]:
                continue  # the same entry again, no newer: the first (top) one stays
            part = docs[key].part if key in docs else _part_for(key, parts)
            doc = _document(path, entry, part, source, feed_author)
            if doc is not None:
                docs[key], stamps[key] = doc, stamp
        if not docs:
            raise IngestError(str(path), "feed has no entries with a title or text")
        return list(docs.values())


def _head_text(head: bytes) -> str:
    """Enough of the head as text to find its root element, in any Unicode form."""
    for bom, name in ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
                      (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                      (codecs.BOM_UTF16_BE, "utf-16-be")):  # fmt: skip
        if head.startswith(bom):
            return head[len(bom) :].decode(name, errors="replace")
    sample = head[:512] if len(head) >= 512 else head[: len(head) & ~1]
    if sample.count(0) > len(sample) // 4:  # ASCII markup in UTF-16: every other byte NUL
        odd = sample[1::2].count(0) > sample[0::2].count(0)
        return head.decode("utf-16-le" if odd else "utf-16-be", errors="replace")
    return head.decode("latin-1")  # markup is ASCII; the rest only needs to survive


def _parse(raw: str) -> Any:
    text = clean_text(raw)
    prolog = _PROLOG.match(text)
    end = prolog.end() if prolog else 0
    # The DOCTYPE goes (entities with it); the declaration is ours: UTF-8.
    head = _DOCTYPE.sub("", _XML_DECL.sub("", text[:end], count=1))
    body = '<?xml version="1.0" encoding="utf-8"?>\n' + head.strip() + "\n" + text[end:]
    if "&#" in body:
        # feedparser decodes "&#xD800;" to a lone surrogate and then fails to encode it.
        body = _CHAR_REF.sub(_valid_ref, body)
    stream = io.BytesIO(body.encode("utf-8", errors="replace"))
    import feedparser  # on first use: sniffing loads every reader (64 ms here)

    return feedparser.parse(stream, sanitize_html=False, resolve_relative_uris=False)


def _valid_ref(m: re.Match[str]) -> str:
    code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
    if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return "&#xFFFD;"
    return m.group(0)


def _get(item: Any, key: str) -> Any:
    """A field as feedparser stored it. FeedParserDict's own lookup maps missing keys
    to others (updated_parsed to published_parsed) and warns each time it does."""
    return dict.get(item, key) if isinstance(item, dict) else None


def _entry_key(entry: Any, index: int) -> str:
    for field in ("id", "link"):
        value = _get(entry, field)
        if isinstance(value, str) and value.strip():
            return f"{field}:{value.strip()}"
    title = _plain(_get(entry, "title"))
    if title:
        return f"title:{title}|{_get(entry, 'published') or _get(entry, 'updated') or ''}"
    return f"position:{index}"  # nothing identifies it: only its place in the file


def _part_for(key: str, taken: set[int]) -> int:
    # 48 bits: collisions are vanishingly rare, and still resolved (in file order).
    part = int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=6).digest(), "big")
    while part in taken:
        part += 1
    taken.add(part)
    return part


def _stamp(entry: Any) -> tuple[int, ...]:
    for field in ("updated_parsed", "published_parsed"):
        value = _get(entry, field)
        if isinstance(value, time.struct_time):
            return tuple(value[:6])
    return ()


def _document(
    path: Path, entry: Any, part: int, source: str | None, feed_author: str | None
) -> ParsedDocument | None:
    body_html, excerpt_html = _body(entry)
    paragraphs = _paragraphs(body_html)
    title = _plain(_get(entry, "title"))
    derived = False
    if not paragraphs:
        if not title:
            return None
        paragraphs = [title]  # a headline-only entry (link lists) is still findable
    elif not title:
        title, derived = derive_title(paragraphs[0]), True
    excerpt = " ".join(_paragraphs(excerpt_html))[:EXCERPT_MAX] if excerpt_html else None
    link = _get(entry, "link")
    return ParsedDocument(
        path=str(path),
        kind="feed",
        title=title,
        text="\n\n".join(paragraphs),
        title_derived=derived,
        date=_date(entry),
        source=source,
        author=_person(entry) or feed_author,
        url=link if isinstance(link, str) and link.startswith(("http://", "https://")) else None,
        tags=_tags(entry),
        excerpt=excerpt or None,
        image=_image(entry),
        part=part,
        member=title,
    )


def _body(entry: Any) -> tuple[str, str | None]:
    """The entry's content (its longest version) and, beside it, the summary as an
    excerpt; the summary alone when there is no content."""
    contents = [c.get("value") or "" for c in _get(entry, "content") or () if isinstance(c, dict)]
    summary = _get(entry, "summary") or ""
    best = max(contents, key=len, default="")
    if best.strip():
        return best, summary if summary.strip() and summary.strip() != best.strip() else None
    return summary, None


def _paragraphs(value: str) -> list[str]:
    # feedparser decodes character references: "&#0;" arrives as a NUL (dropped here),
    # an invalid one as U+FFFD: noise for search and reading, so it goes too.
    value = clean_text(value or "").replace("\ufffd", " ")
    if not value.strip():
        return []
    if not _MARKUP.search(value):
        return [" ".join(p.split()) for p in re.split(r"\n\s*\n|\n", value) if p.strip()]
    text = _html_text(value).replace("\ufffd", " ")  # lxml decodes its own references
    pieces = (" ".join(p.split()).strip(" |").strip() for p in text.split(_BREAK))
    return [p for p in pieces if p]


def _html_text(markup: str) -> str:
    """Entry HTML as text, blocks split by _BREAK, scripts and styles dropped. lxml's
    HTML parser, walked in C (iterwalk): BeautifulSoup took three quarters of a feed's
    reading time, feedparser's sanitizer (off: nothing here is rendered) the rest."""
    try:
        root = etree.fromstring(f"<div>{markup}</div>".encode("utf-8", "ignore"), _HTML_PARSER)
    except (etree.LxmlError, ValueError):
        return ""
    if root is None:
        return ""
    parts: list[str] = []
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _DROPPED:
                walker.skip_subtree()  # its end event still comes, for the tail
                continue
            if tag in _BLOCKS or tag == "br":
                parts.append(_BREAK)
            if el.text:
                parts.append(el.text)
            continue
        if tag in _BLOCKS:
            parts.append(_BREAK)
        elif tag in ("td", "th"):
            parts.append(" | ")
        if el.tail and el is not root:
            parts.append(el.tail)
    return "".join(parts)


def _plain(value: object) -> str:
    """A title or name that may hold markup, as plain text on one line."""
    if not isinstance(value, str) or not value.strip():
        return ""
    return " ".join(" ".join(_paragraphs(value)).split())


def _person(item: Any) -> str | None:
    detail = _get(item, "author_detail")
    name = _plain(detail.get("name")) if isinstance(detail, dict) else ""
    if not name:
        name = _plain(_get(item, "author"))
    return name if name and not _EMAIL.match(name) else None


def _date(entry: Any) -> dt.date | None:
    # The date as the feed spells it comes first: feedparser turns it into UTC (an
    # article of 07:00 in Beijing moves to the day before) and reads spellings it
    # does not know as something else ("2024年11月10日" came back as 1 December).
    for field in ("published", "updated", "created"):
        raw = _get(entry, field)
        stated = _stated_date(raw)
        if stated is not None:
            return stated
        parsed = _get(entry, f"{field}_parsed")
        if isinstance(parsed, time.struct_time) and parsed.tm_year >= 1900:
            return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
        if isinstance(raw, str) and len(raw) <= 200:
            guessed = parse_date(raw)
            if guessed is not None:
                return guessed
    return None


def _stated_date(value: object) -> dt.date | None:
    """A full date the string states: "Sun, 10 Nov 2024 08:00 +0800", "2024-11-10T…",
    "2024年5月3日", "Fr, 03 Mai 2024", "3 mai 2024" (the local calendar date)."""
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        return None
    found = line_dates(value)
    if found:
        return found[0].date
    m = _FR_DATE.search(value)
    if m:
        try:
            return dt.date(int(m.group(3)), _FR_MONTHS[m.group(2).lower()], int(m.group(1)))
        except ValueError:
            return None
    return None


def _tags(entry: Any) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for tag in _get(entry, "tags") or ():
        if isinstance(tag, dict):
            term = _plain(tag.get("term") or tag.get("label"))
            if term and len(term) <= 100:
                seen.setdefault(term, None)
    return tuple(seen)[:50]


def _image(entry: Any) -> str | None:
    candidates = [t.get("url") for t in _get(entry, "media_thumbnail") or () if isinstance(t, dict)]
    candidates += [
        e.get("href")
        for e in _get(entry, "enclosures") or ()
        if isinstance(e, dict) and str(e.get("type") or "").startswith("image/")
    ]
    for url in candidates:
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            return url
    return None


register(FeedReader())
