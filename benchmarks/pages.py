"""How one synthetic article is saved: a text file, a news page, or a Nuxt payload.

The payload variant edits a copy of the seed's devalue-flattened array by following
its references (story → content → rich-text doc), so the result stays a valid payload
with the seed's 15 ticker series and a new story title, date, excerpt and body.
"""

from __future__ import annotations

import copy
import html
import json
import random
import re
import uuid
from typing import Any, Protocol


class ArticleLike(Protocol):
    index: int
    title: str
    source: str
    author: str
    paragraphs: tuple[str, ...]

    @property
    def date(self) -> Any: ...


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def text_file(art: ArticleLike, rng: random.Random) -> str:
    """Most saved articles carry a small header; some are just a headline and text."""
    body = "\n\n".join(art.paragraphs)
    if rng.random() < 0.8:
        day = art.date
        date = rng.choice([day.isoformat(), f"{day:%B} {day.day}, {day.year}",
                           f"{day.day} {day:%B} {day.year}"])
        return (f"Title: {art.title}\nDate: {date}\nSource: {art.source}\n"
                f"Author: {art.author}\n\n{body}\n")
    return f"{art.title}\n\n{body}\n"


_NAV = ("Home", "Markets", "Batteries", "Mining", "Policy", "Energy storage", "Subscribe")


def html_page(art: ArticleLike) -> str:
    e = html.escape
    domain = slug(art.source).replace("-", "") + ".example"
    iso = art.date.isoformat()
    nav = "".join(f'<li><a href="/{slug(n)}">{e(n)}</a></li>' for n in _NAV)
    paras = "\n".join(f"<p>{e(p)}</p>" for p in art.paragraphs)
    related = "".join(
        f'<li><a href="/news/story-{art.index + k}">More on the battery supply chain '
        f"({k})</a></li>" for k in range(1, 5))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{e(art.title)} | {e(art.source)}</title>
<meta property="og:title" content="{e(art.title)}">
<meta property="og:site_name" content="{e(art.source)}">
<meta property="article:published_time" content="{iso}T08:00:00Z">
<meta name="author" content="{e(art.author)}">
<link rel="canonical" href="https://www.{domain}/news/{slug(art.title)}">
<script>window.dataLayer=[];function track(){{}}</script>
</head><body>
<header class="site-header"><a class="logo" href="/">{e(art.source)}</a>
<nav class="main-nav"><ul>{nav}</ul></nav></header>
<main><article>
<h1>{e(art.title)}</h1>
<p class="byline">By {e(art.author)} · <time datetime="{iso}">{art.date:%d %B %Y}</time></p>
{paras}
</article>
<aside class="related"><h2>Related</h2><ul>{related}</ul></aside></main>
<footer class="site-footer"><p>© {art.date.year} {e(art.source)}. All rights reserved.</p>
<ul><li><a href="/privacy">Privacy</a></li><li><a href="/terms">Terms</a></li>
<li><a href="/contact">Contact</a></li></ul></footer>
</body></html>
"""


def _append(arr: list[Any], value: Any) -> int:
    arr.append(value)
    return len(arr) - 1


def _find_story(arr: list[Any]) -> int:
    for i, node in enumerate(arr):
        if isinstance(node, dict) and {"name", "full_slug", "content"} <= node.keys():
            return i
    raise ValueError("seed payload has no Storyblok story")


def payload_variant(seed: list[Any], art: ArticleLike) -> str:
    """A copy of the seed payload telling ``art``'s story (old body nodes left orphaned)."""
    arr = copy.deepcopy(seed)
    story = arr[_find_story(arr)]
    content = arr[story["content"]]
    s = slug(art.title)
    arr[story["name"]] = art.title
    arr[story["slug"]] = s
    arr[story["full_slug"]] = f"article/{s}"
    arr[story["uuid"]] = str(uuid.UUID(int=random.Random(art.index).getrandbits(128)))
    arr[story["id"]] = 112469475349772 + art.index
    arr[content["date"]] = f"{art.date.isoformat()} 00:00"
    arr[content["excerpt"]] = art.paragraphs[0].split(". ")[0] + "."
    for key, fmt in (("formattedDate", "%b %d, %Y"), ("formattedArticleDate", "%d %B %Y")):
        if key in content:
            arr[content[key]] = art.date.strftime(fmt)
    for node in arr:  # the data map is keyed by the story's slug
        if isinstance(node, dict):
            for key in [k for k in node if k.startswith("story-article/")]:
                node[f"story-article/{s}"] = node.pop(key)
    doc = arr[content["content"]]
    old = arr[doc["content"]]
    first = arr[old[0]]
    para_type = first["type"]
    text_type = arr[arr[first["content"]][0]]["type"]
    refs = []
    for para in art.paragraphs:
        text_ref = _append(arr, para)
        node_ref = _append(arr, {"text": text_ref, "type": text_type})
        list_ref = _append(arr, [node_ref])
        refs.append(_append(arr, {"type": para_type, "content": list_ref}))
    arr[doc["content"]] = refs
    return json.dumps(arr, ensure_ascii=False, separators=(",", ":"))
