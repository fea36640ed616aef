"""Saved web pages: metadata from the page itself, body without the chrome.

Body text comes from the soup extractor (html_body), with trafilatura as the
fallback when the soup finds nothing or much less; the choice rests on the
measurements in benchmarks/html_extraction/RESULTS.md. Pages that embed a Nuxt
payload (``__NUXT_DATA__``) go to the payload parser first.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import warnings
from pathlib import Path
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

from ..errors import CellsightError, IngestError
from ..model import ParsedDocument
from .encoding import BinaryDataError, clean_text, decode_bytes, looks_binary
from .html_body import soup_paragraphs, trafilatura_paragraphs
from .html_meta import PageMeta, byline_lines, extract_meta
from .registry import register
from .text import derive_title
from .text_meta import stated_meta

log = logging.getLogger("cellsight.ingest.html")

HTML_SUFFIXES = {".html": 80, ".htm": 80, ".xhtml": 80, ".shtml": 80}
_CHARSET = re.compile(
    rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_:.\-]+)"
    rb"|<\?xml[^>]+encoding\s*=\s*[\"']([A-Za-z0-9_.\-]+)",
    re.I,
)
_HTML_START = re.compile(
    rb"^\s*(<!--.*?-->\s*)*(<\?xml[^>]*>\s*)?<(!doctype\s+html|html)", re.I | re.S
)
_NUXT_DATA = re.compile(
    r"<script\b[^>]*\bid\s*=\s*[\"']__NUXT_DATA__[\"'][^>]*>(.*?)</script\s*>", re.I | re.S
)
# The soup extractor wins unless it returns under this share of trafilatura's text
# (then it probably picked a sidebar or a teaser block instead of the story).
_FALLBACK_SHARE = 0.5
_TRAFILATURA_MAX_CHARS = 2_000_000


class HtmlReader:
    name = "html"

    def sniff(self, path: Path, head: bytes) -> int:
        stripped = head.removeprefix(b"\xef\xbb\xbf")
        if _HTML_START.match(stripped):
            return 85
        if looks_binary(head):
            return 0
        score = HTML_SUFFIXES.get(path.suffix.lower(), 0)
        if not score and re.search(rb"<html[\s>]", head[:1024], re.I):
            return 60
        return score

    def read(self, path: Path, data: bytes) -> list[ParsedDocument]:
        try:
            raw, _encoding = decode_bytes(data, declared_charset(data))
        except BinaryDataError as exc:
            raise IngestError(str(path), str(exc)) from exc
        page = clean_text(raw)
        soup = _soup(page)
        meta = extract_meta(soup)
        nuxt = _nuxt_documents(path, page, meta.url)
        if nuxt:
            return nuxt
        if meta.date is None or meta.author is None:
            # The page's tags are silent: read the byline and dateline under its headline.
            stated = stated_meta(byline_lines(soup))
            meta.date = meta.date or stated.date
            meta.author = meta.author or stated.author
        paragraphs = extract_paragraphs(page, soup)
        if not paragraphs and meta.article_body:
            lines = (" ".join(x.split()) for x in meta.article_body.split("\n"))
            paragraphs = [line for line in lines if line]
        return [_document(path, meta, paragraphs)]


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in <meta charset>, http-equiv or its XML prolog."""
    m = _CHARSET.search(data[:8192])
    if not m:
        return None
    return (m.group(1) or m.group(2)).decode("ascii", errors="replace")


def extract_paragraphs(page: str, soup: BeautifulSoup) -> list[str]:
    """Body paragraphs: the soup extractor, unless trafilatura finds far more."""
    # Trafilatura returns part of the page's text, so when the soup extractor already
    # kept at least _FALLBACK_SHARE of all of it, trafilatura cannot win and its
    # pass (a quarter of a page's indexing time) is skipped. Measured before the soup
    # extractor prunes the tree.
    visible = len(" ".join(soup.get_text(" ").split()))
    try:
        primary = soup_paragraphs(soup)
    except RecursionError:
        log.warning("soup extraction hit the recursion limit; using trafilatura only")
        primary = []
    if primary and len(page) > _TRAFILATURA_MAX_CHARS:
        return primary  # a second pass over a huge page costs seconds per megabyte
    if primary and sum(len(p) for p in primary) >= _FALLBACK_SHARE * visible:
        return primary
    fallback = trafilatura_paragraphs(page)
    size = sum(len(p) for p in primary)
    if size and size >= _FALLBACK_SHARE * sum(len(p) for p in fallback):
        return primary
    return fallback or primary


def _soup(page: str) -> BeautifulSoup:
    with warnings.catch_warnings():
        # Odd inputs (XHTML, a bare URL) make bs4 warn; the page is parsed anyway.
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(page, "lxml")


def _document(path: Path, meta: PageMeta, paragraphs: list[str]) -> ParsedDocument:
    # Invalid character references (&#0;, lone surrogates) decode to U+FFFD:
    # noise for search and reading, so they go.
    paragraphs = [" ".join(p.replace("\ufffd", " ").split()) for p in paragraphs]
    paragraphs = [p for p in paragraphs if p]
    title = " ".join((meta.title or "").replace("\ufffd", " ").split())
    # The headline usually opens the body too; keep it once, as the title.
    while paragraphs and title and _same(paragraphs[0], title):
        paragraphs = paragraphs[1:]
    if not paragraphs:
        raise IngestError(str(path), "html: no article text found on the page")
    derived = False
    if not title:
        title, derived = derive_title(paragraphs[0]), True
    return ParsedDocument(
        path=str(path),
        kind="html",
        title=title,
        text="\n\n".join(paragraphs),
        title_derived=derived,
        date=meta.date,
        source=meta.source,
        author=meta.author,
        url=meta.url,
        tags=meta.tags,
        categories=meta.categories,
        excerpt=meta.excerpt,
        image=meta.image,
    )


def _same(a: str, b: str) -> bool:
    return re.sub(r"\W+", "", a.lower()) == re.sub(r"\W+", "", b.lower())


def _nuxt_documents(path: Path, page: str, page_url: str | None) -> list[ParsedDocument]:
    match = _NUXT_DATA.search(page)
    if match is None:
        return []
    try:
        from .payload import parse_nuxt_payload
    except ImportError:
        log.info("payload parser unavailable; reading %s as a plain page", path)
        return []
    try:
        parts = urlsplit(page_url) if page_url else None
        base_url = f"{parts.scheme}://{parts.netloc}" if parts and parts.netloc else None
        result = parse_nuxt_payload(path, match.group(1).strip(), base_url=base_url)
    # The payload parser is a separate module with its own failure modes; any of
    # them means "no story here" and the page is read as ordinary HTML instead.
    except (CellsightError, ValueError, TypeError, KeyError, IndexError, RecursionError) as exc:
        log.info("embedded payload in %s not usable (%s); reading as HTML", path, exc)
        return []
    docs = [result] if isinstance(result, ParsedDocument) else list(result or [])
    return [dataclasses.replace(d, path=str(path)) for d in docs if isinstance(d, ParsedDocument)]


register(HtmlReader())
