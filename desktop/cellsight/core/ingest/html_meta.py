"""Article metadata a saved page states about itself.

Sources, most trusted first: JSON-LD (schema.org Article types, incl. ``@graph``),
OpenGraph / ``article:*`` / Dublin Core / Parse.ly ``<meta>`` tags, ``<time
datetime>``, then ``<title>`` and ``<h1>``. Nothing is guessed beyond what the
page says, except a source taken from the host of its canonical URL.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from .dates import parse_date

ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "blogposting",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "scholarlyarticle",
    "techarticle",
    "report",
    "liveblogposting",
}
_TITLE_KEYS = ("og:title", "twitter:title", "parsely-title", "sailthru.title", "dc.title", "title")
_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publication_date",
    "dc.date",
    "dc.date.issued",
    "dcterms.date",
    "date",
    "article:modified_time",
)
_AUTHOR_KEYS = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator")
_SOURCE_KEYS = ("og:site_name", "application-name", "dc.publisher", "publisher", "source")
_BY_PREFIX = re.compile(r"^\s*(?:by|von)\s+", re.I)
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·»]\s+|\s*[_|｜]\s*")


@dataclass
class PageMeta:
    title: str | None = None
    date: dt.date | None = None
    source: str | None = None
    author: str | None = None
    url: str | None = None
    excerpt: str | None = None
    image: str | None = None
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    article_body: str | None = None  # JSON-LD articleBody, a last-resort body


def extract_meta(soup: BeautifulSoup) -> PageMeta:
    meta = PageMeta()
    by_name = _by_name(soup)
    ld = _first_article(_json_ld_items(by_name))
    tags = _meta_tags(by_name)
    if ld is not None:
        meta.title = _text(ld.get("headline")) or _text(ld.get("name"))
        meta.date = parse_date(_text(ld.get("datePublished")) or _text(ld.get("dateCreated")))
        meta.author = _names(ld.get("author"))
        meta.source = _names(ld.get("publisher"))
        meta.url = _url(ld.get("url")) or _url(_id_of(ld.get("mainEntityOfPage")))
        meta.excerpt = _text(ld.get("description"))
        meta.image = _image(ld.get("image"))
        meta.tags = _keywords(ld.get("keywords"))
        meta.categories = _keywords(ld.get("articleSection"))
        meta.article_body = _text(ld.get("articleBody"))
    meta.title = meta.title or _first(tags, _TITLE_KEYS) or _heading(by_name) or _title_tag(by_name)
    meta.source = meta.source or _first(tags, _SOURCE_KEYS)
    meta.date = meta.date or _first_date(tags, by_name)
    meta.author = meta.author or _author_from_tags(tags)
    meta.url = meta.url or _canonical(by_name) or _url(tags.get("og:url"))
    meta.excerpt = meta.excerpt or _first(tags, ("og:description", "description"))
    meta.image = meta.image or _url(tags.get("og:image"))
    meta.tags = meta.tags or _keywords(_all_content(by_name, "article:tag") or tags.get("keywords"))
    meta.categories = meta.categories or _keywords(tags.get("article:section"))
    if meta.source is None and meta.url:
        host = urlsplit(meta.url).hostname or ""
        meta.source = host.removeprefix("www.") or None
    if meta.title:
        meta.title = strip_site_suffix(meta.title, meta.source)
    if meta.author:
        meta.author = _BY_PREFIX.sub("", meta.author).strip() or None
    return meta


def byline_lines(soup: BeautifulSoup, limit: int = 60) -> list[str]:
    """The headline and the strings that follow it: where a byline or dateline stands.

    For pages whose meta tags and JSON-LD name no author or date; bounded, as the
    byline sits within a few lines of the headline."""
    h1 = soup.find("h1")
    if not isinstance(h1, Tag):
        return []
    lines = [" ".join(h1.get_text(" ").split())]
    for text in h1.find_all_next(string=True, limit=limit):
        parent = text.parent.name if text.parent is not None else ""
        line = " ".join(str(text).split())
        if line and parent not in ("script", "style", "noscript", "template") and line != lines[0]:
            lines.append(line)
    return lines


def strip_site_suffix(title: str, source: str | None) -> str:
    """ "Headline | Site Name" → "Headline" when the cut-off part names the site."""
    seps = list(_TITLE_SEPARATORS.finditer(title))
    if not seps or not source:
        return title
    site = _squash(source)
    last, first = seps[-1], seps[0]
    if _squash(title[last.end() :]) in (site, site.removeprefix("www")):
        return title[: last.start()].strip() or title
    if _squash(title[: first.start()]) in (site, site.removeprefix("www")):
        return title[first.end() :].strip() or title
    return title


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


_LD_JSON = re.compile(r"ld\+json", re.I)
_LOOKED_AT = ("script", "meta", "link", "time", "h1", "title")
_Tags = dict[str, list[Tag]]


def _by_name(soup: BeautifulSoup) -> _Tags:
    """The tags extract_meta reads, by name, in document order: one walk of the tree
    instead of a find()/find_all() walk, with its SoupStrainer, per question. (With
    lxml's HTML builder tags have no namespace prefix; then a find by plain name
    matches exactly the tags of that ``name``.)"""
    found: _Tags = {name: [] for name in _LOOKED_AT}
    for element in soup.descendants:
        if isinstance(element, Tag) and element.name in found:
            found[element.name].append(element)
    return found


def _attr_is(value: Any, test: Callable[[str | None], bool]) -> bool:
    """bs4's attribute filter: one value of a multi-valued attribute, or all joined."""
    values = value if isinstance(value, list) else [value]
    return any(test(v) for v in values) or (len(values) != 1 and test(" ".join(values)))


def _json_ld_items(by_name: _Tags) -> Iterator[dict[str, Any]]:
    scripts = [s for s in by_name["script"]
               if _attr_is(s.get("type"), lambda v: v is not None and bool(_LD_JSON.search(v)))]
    for script in scripts:
        raw = script.string or script.get_text()
        raw = re.sub(r"^\s*(<!--|<!\[CDATA\[)|(-->|\]\]>)\s*$", "", raw.strip())
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        # Iterative walk: pages nest @graph inside lists inside objects.
        stack: list[Any] = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                yield item
                graph = item.get("@graph")
                if isinstance(graph, list | dict):
                    stack.append(graph)


def _first_article(items: Iterator[dict[str, Any]]) -> dict[str, Any] | None:
    for item in items:
        types = item.get("@type")
        names = types if isinstance(types, list) else [types]
        if any(isinstance(t, str) and t.lower() in ARTICLE_TYPES for t in names):
            return item
    return None


def _meta_tags(by_name: _Tags) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in by_name["meta"]:
        key = tag.get("property") or tag.get("name") or tag.get("itemprop")
        value = tag.get("content")
        if isinstance(key, str) and isinstance(value, str) and value.strip():
            found.setdefault(key.strip().lower(), html.unescape(value).strip())
    return found


def _all_content(by_name: _Tags, prop: str) -> list[str]:
    found = [t for t in by_name["meta"]
             if _attr_is(t.get("property"), lambda v: v == prop) and t.get("content") is not None]
    return [str(t["content"]) for t in found]


def _first(tags: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if tags.get(key):
            return " ".join(tags[key].split())
    return None


def _first_date(tags: dict[str, str], by_name: _Tags) -> dt.date | None:
    for key in _DATE_KEYS:
        date = parse_date(tags.get(key))
        if date is not None:
            return date
    times = by_name["time"]
    # A time marked as the publication date beats the first one on the page.
    marked = [t for t in times if t.get("itemprop") == "datePublished" or t.has_attr("pubdate")]
    for t in marked + times:
        value = t.get("datetime")
        date = parse_date(value if isinstance(value, str) else t.get_text(" ", strip=True))
        if date is not None:
            return date
    return None


def _author_from_tags(tags: dict[str, str]) -> str | None:
    for key in _AUTHOR_KEYS:
        value = tags.get(key)
        # article:author is often a profile URL, which is not a name.
        if value and not value.startswith(("http://", "https://", "/")):
            return " ".join(value.split())
    return None


def _heading(by_name: _Tags) -> str | None:
    h1 = by_name["h1"][0] if by_name["h1"] else None
    text = h1.get_text(" ", strip=True) if isinstance(h1, Tag) else ""
    return " ".join(text.split()) or None


def _title_tag(by_name: _Tags) -> str | None:
    tag = by_name["title"][0] if by_name["title"] else None
    text = tag.get_text(" ", strip=True) if isinstance(tag, Tag) else ""
    return " ".join(text.split()) or None


def _canonical(by_name: _Tags) -> str | None:
    # find_all(href=True): present means not None (a list value is never None).
    for link in (t for t in by_name["link"] if t.get("href") is not None):
        rel = link.get("rel") or []
        rels = rel if isinstance(rel, list) else str(rel).split()
        if "canonical" in (r.lower() for r in rels):
            return _url(link.get("href"))
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str | int | float) and str(value).strip():
        return " ".join(html.unescape(str(value)).split())
    return None


def _names(value: Any) -> str | None:
    values = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in values:
        name = _text(item.get("name")) if isinstance(item, dict) else _text(item)
        if name and not name.startswith(("http://", "https://")) and name not in names:
            names.append(name)
    return ", ".join(names) or None


def _id_of(value: Any) -> Any:
    return value.get("@id") or value.get("url") if isinstance(value, dict) else value


def _url(value: Any) -> str | None:
    text = _text(value)
    # Only web addresses: a javascript: or data: URL must never reach the UI.
    if text and re.match(r"^https?://[^\s<>\"]+$", text, re.I):
        return text
    return None


def _image(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return _url(value)


def _keywords(value: Any) -> tuple[str, ...]:
    items = (
        value
        if isinstance(value, list)
        else re.split(r"[,;]", value or "")
        if (isinstance(value, str))
        else []
    )
    seen: dict[str, None] = {}
    for item in items:
        text = _text(item)
        if text:
            seen.setdefault(text, None)
    return tuple(seen)
