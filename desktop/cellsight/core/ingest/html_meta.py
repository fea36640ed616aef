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
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from .text import parse_date

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
    ld = _first_article(_json_ld_items(soup))
    tags = _meta_tags(soup)
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
    meta.title = meta.title or _first(tags, _TITLE_KEYS) or _heading(soup) or _title_tag(soup)
    meta.source = meta.source or _first(tags, _SOURCE_KEYS)
    meta.date = meta.date or _first_date(tags, soup)
    meta.author = meta.author or _author_from_tags(tags)
    meta.url = meta.url or _canonical(soup) or _url(tags.get("og:url"))
    meta.excerpt = meta.excerpt or _first(tags, ("og:description", "description"))
    meta.image = meta.image or _url(tags.get("og:image"))
    meta.tags = meta.tags or _keywords(_all_content(soup, "article:tag") or tags.get("keywords"))
    meta.categories = meta.categories or _keywords(tags.get("article:section"))
    if meta.source is None and meta.url:
        host = urlsplit(meta.url).hostname or ""
        meta.source = host.removeprefix("www.") or None
    if meta.title:
        meta.title = strip_site_suffix(meta.title, meta.source)
    return meta


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


def _json_ld_items(soup: BeautifulSoup) -> Iterator[dict[str, Any]]:
    for script in soup.find_all("script", attrs={"type": re.compile(r"ld\+json", re.I)}):
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


def _meta_tags(soup: BeautifulSoup) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = tag.get("property") or tag.get("name") or tag.get("itemprop")
        value = tag.get("content")
        if isinstance(key, str) and isinstance(value, str) and value.strip():
            found.setdefault(key.strip().lower(), html.unescape(value).strip())
    return found


def _all_content(soup: BeautifulSoup, prop: str) -> list[str]:
    found = soup.find_all("meta", attrs={"property": prop, "content": True})
    return [str(t["content"]) for t in found]


def _first(tags: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if tags.get(key):
            return " ".join(tags[key].split())
    return None


def _first_date(tags: dict[str, str], soup: BeautifulSoup) -> dt.date | None:
    for key in _DATE_KEYS:
        date = parse_date(tags.get(key))
        if date is not None:
            return date
    times = soup.find_all("time")
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


def _heading(soup: BeautifulSoup) -> str | None:
    h1 = soup.find("h1")
    text = h1.get_text(" ", strip=True) if isinstance(h1, Tag) else ""
    return " ".join(text.split()) or None


def _title_tag(soup: BeautifulSoup) -> str | None:
    tag = soup.find("title")
    text = tag.get_text(" ", strip=True) if isinstance(tag, Tag) else ""
    return " ".join(text.split()) or None


def _canonical(soup: BeautifulSoup) -> str | None:
    for link in soup.find_all("link", href=True):
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
