"""Nuxt page payloads (``_payload.json``, ``__NUXT_DATA__``) holding Storyblok stories.

A payload is decoded with ``devalue.unflatten``; stories and price tickers are then
found by shape anywhere in it, never at a fixed key, because every site (and every
page of one site) keys its async data differently. Metadata is taken only where the
payload states it: no source name or site address is guessed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import IngestError, PayloadError
from ..model import ParsedDocument, SeriesSnapshot
from .devalue import unflatten, walk
from .encoding import BinaryDataError, decode_bytes
from .registry import register
from .storyblok import is_rich_text, render
from .tickers import find_series, summary_text, to_date

log = logging.getLogger("cellsight.ingest")

_STRONG_SIGNS = re.compile(r'^\[\s*\{\s*"data"\s*:\s*\d|\[\s*"(Shallow)?Reactive"\s*,\s*\d')
_DEVALUE_START = re.compile(r'^\[\s*\{\s*"[^"\\]{1,200}"\s*:\s*-?\d+\s*[,}]')
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_ABSOLUTE = re.compile(r"https?://[^\s/]+\S*", re.I)

_AUTHOR_KEYS = ("reporter", "reporters", "author", "authors", "byline", "editor", "editors")
_DATE_KEYS = ("date", "publish_date", "published_date", "published")
_STORY_DATE_KEYS = ("first_published_at", "published_at", "created_at")
_IMAGE_KEYS = ("featured_image", "image", "og_image", "thumbnail", "hero_image")
_SITE_URL_KEYS = frozenset({"siteUrl", "siteURL", "site_url", "baseUrl", "baseURL", "base_url"})
_SITE_NAME_KEYS = frozenset({"siteName", "site_name", "og:site_name", "publisher", "publisherName"})
_CANONICAL_KEYS = ("canonical", "canonical_url", "canonicalUrl")
_NOT_BODY_KEYS = frozenset({"excerpt", "seo_description", "seo", "meta", "teaser", "summary"})
PRICE_TITLE_LABELS = 3


class PayloadReader:
    name = "payload"

    def sniff(self, path: Path, head: bytes) -> int:
        text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
        if not text.startswith("["):
            return 0
        if _STRONG_SIGNS.search(text):
            return 90
        return 60 if _DEVALUE_START.match(text) else 0

    def read(self, path: Path, data: bytes) -> list[ParsedDocument]:
        try:
            text, _encoding = decode_bytes(data)
        except BinaryDataError as exc:
            raise IngestError(str(path), str(exc)) from exc
        return parse_nuxt_payload(path, text)


def parse_nuxt_payload(
    path: Path | str, json_text: str, *, base_url: str | None = None
) -> list[ParsedDocument]:
    """Documents from a payload's JSON text: one per story, else one of price indices.

    ``base_url`` (e.g. the page's origin, known to the HTML reader) turns relative
    story and price links into absolute ones; without it the payload's own evidence
    is used, and links stay relative when there is none.
    """
    try:
        root = unflatten(json_text, fallback=_keep_inner)
    except PayloadError as exc:
        raise IngestError(str(path), f"page payload: {exc}") from exc
    nodes = list(walk(root))
    base_url = base_url or _stated(nodes, _SITE_URL_KEYS, absolute=True)
    source = _stated(nodes, _SITE_NAME_KEYS)
    series = find_series(nodes, base_url=base_url)
    docs = []
    for story in find_stories(nodes):
        doc = story_document(
            path, story, part=len(docs), series=series, base_url=base_url, source=source
        )
        if doc is not None:
            docs.append(doc)
    if docs:
        return docs
    if series:
        return [price_document(path, series, source=source)]
    raise IngestError(str(path), "JSON payload holds no article or price data")


def _keep_inner(marker: str, value: Any) -> Any:
    # A site's own payload reducer: keep what it wraps rather than fail the page.
    log.debug("payload: unknown type marker %r kept as its inner value", marker)
    return value


def find_stories(nodes: Iterable[Any]) -> list[dict[str, Any]]:
    """Storyblok stories among a payload's containers (``devalue.walk(root)``), each once."""
    stories: list[dict[str, Any]] = []
    keys: set[str] = set()
    for node in nodes:
        if isinstance(node, dict) and is_story(node):
            key = _story_key(node)
            if key not in keys:
                keys.add(key)
                stories.append(node)
    return stories


def is_story(node: dict[str, Any]) -> bool:
    content = node.get("content")
    return (
        isinstance(content, dict)
        and isinstance(content.get("component"), str)
        and any(isinstance(node.get(k), str) for k in ("name", "slug", "full_slug"))
        and bool(body_docs(content))
    )


def _story_key(story: dict[str, Any]) -> str:
    for key in ("uuid", "id", "full_slug", "slug"):
        value = story.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool):
            return f"{key}:{value}"
    return f"object:{id(story)}"


def body_docs(content: dict[str, Any]) -> list[dict[str, Any]]:
    """The story's own rich-text trees: not excerpts, nor linked authors' or tags' bios."""
    docs: list[dict[str, Any]] = []
    seen: set[int] = set()
    stack: list[Any] = [content]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if is_rich_text(node):
            docs.append(node)
            continue
        if isinstance(node, dict):
            if node is not content and _is_linked_entry(node):
                continue
            children = [v for k, v in node.items() if k not in _NOT_BODY_KEYS]
        elif isinstance(node, list):
            children = node
        else:
            continue
        stack.extend(reversed([c for c in children if isinstance(c, dict | list)]))
    return docs


def _is_linked_entry(node: dict[str, Any]) -> bool:
    # Resolved relations (authors, tags, related stories) carry a slug and a name.
    return isinstance(node.get("slug"), str) and isinstance(node.get("name"), str)


def story_document(
    path: Path | str,
    story: dict[str, Any],
    *,
    part: int,
    series: tuple[SeriesSnapshot, ...],
    base_url: str | None,
    source: str | None,
) -> ParsedDocument | None:
    content: dict[str, Any] = story["content"]
    blocks = [block for doc in body_docs(content) for block in render(doc).blocks]
    excerpt = _excerpt(content)
    body = "\n\n".join(text for _, text in blocks) or excerpt or ""
    title = _first_text(story.get("name"), content.get("title"), content.get("seo_title"))
    if not body or not title:
        return None
    date = _first_date(content, _DATE_KEYS) or _first_date(story, _STORY_DATE_KEYS)
    return ParsedDocument(
        path=str(path),
        kind="payload",
        title=title,
        text=body,
        date=date,
        source=source,
        author=", ".join(_names(content, _AUTHOR_KEYS)) or None,
        url=_story_url(story, content, base_url),
        tags=_names(content, ("tags",)) + _plain_names(story.get("tag_list")),
        categories=_names(content, ("categories", "category")),
        excerpt=excerpt,
        image=_image(content),
        series=series,
        part=part,
    )


def price_document(
    path: Path | str, series: tuple[SeriesSnapshot, ...], *, source: str | None
) -> ParsedDocument:
    labels = [snap.label for snap in series]
    title = "Price indices: " + ", ".join(labels[:PRICE_TITLE_LABELS])
    if len(labels) > PRICE_TITLE_LABELS:
        title += f" and {len(labels) - PRICE_TITLE_LABELS} more"
    dates = [snap.published for snap in series if snap.published is not None]
    return ParsedDocument(
        path=str(path),
        kind="payload",
        title=title,
        text=summary_text(series).replace("\n", "\n\n"),
        date=max(dates) if dates else None,
        source=source,
        series=series,
    )


def _first_text(*values: Any) -> str | None:
    for value in values:
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return None


def _first_date(node: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        day = to_date(node.get(key))
        if day is not None:
            return day
    return None


def _excerpt(content: dict[str, Any]) -> str | None:
    for key in ("excerpt", "summary", "seo_description"):
        value = content.get(key)
        if is_rich_text(value):
            value = render(value).text
        text = _first_text(value)
        if text:
            return text
    return None


def _names(node: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, ...]:
    """Names of the people or terms under ``keys``: text, or entries with a ``name``."""
    found: dict[str, None] = {}
    for key in keys:
        value = node.get(key)
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, dict):
                inner = item.get("content")
                inner_name = inner.get("name") if isinstance(inner, dict) else None
                name = _first_text(item.get("name"), inner_name)
            else:
                name = _first_text(item)
            if name and not _UUID.fullmatch(name):  # an unresolved relation is only a uuid
                found.setdefault(name, None)
    return tuple(found)


def _plain_names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(t for item in value if (t := _first_text(item))))


def _image(content: dict[str, Any]) -> str | None:
    for key in _IMAGE_KEYS:
        value = content.get(key)
        if isinstance(value, dict):
            value = value.get("filename")
        text = _first_text(value)
        if text:
            return text
    return None


def _story_url(story: dict[str, Any], content: dict[str, Any], base_url: str | None) -> str | None:
    for key in _CANONICAL_KEYS:
        value = _first_text(content.get(key), story.get(key))
        if value and _ABSOLUTE.match(value):
            return value
    slug = _first_text(story.get("full_slug"), story.get("slug"))
    if slug is None:
        return None
    if _ABSOLUTE.match(slug):
        return slug
    path = "/" + slug.strip("/")
    return base_url.rstrip("/") + path if base_url else path


def _stated(nodes: list[Any], keys: frozenset[str], *, absolute: bool = False) -> str | None:
    """The first value the payload gives under one of ``keys`` (a site name or address)."""
    for node in nodes:
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            if key not in keys:
                continue
            text = _first_text(value.get("name") if isinstance(value, dict) else value)
            if text and not absolute:
                return text
            if text and _ABSOLUTE.fullmatch(text):
                return text.rstrip("/")
    return None


register(PayloadReader())
