"""Main article text of a page, without navigation, ads, comments or scripts.

Two extractors: trafilatura, and a readability-style one over a BeautifulSoup
tree (``soup_paragraphs``). Every walk here is iterative, because hostile pages
nest elements a hundred thousand deep and recursion would overflow.
See benchmarks/html_extraction for how the two compare.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from bs4 import BeautifulSoup, NavigableString, Tag

log = logging.getLogger("cellsight.ingest.html")

# Never article text; removed with everything inside them.
_DROP_TAGS = frozenset((
    "script", "style", "noscript", "template", "iframe", "svg", "canvas", "form", "button",
    "input", "select", "textarea", "nav", "aside", "footer", "header", "object", "embed",
    "video", "audio", "picture", "figure", "figcaption", "dialog", "menu", "head", "title",
))  # fmt: skip
_DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog"}
_BOILERPLATE = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|menu|breadcrumbs?|footer|sidebar|widgets?|related|recommended|"
    r"comments?|comment-list|replies|share|sharing|social|advert|advertisement|ads?|ad-slot|"
    r"adunit|sponsored|promo|newsletter|subscribe|signup|cookie|consent|popup|modal|banner|"
    r"byline|author-bio|tags|tag-list|pagination|pager|most-popular|popular|trending|"
    r"outbrain|taboola|disqus|sr-only|visually-hidden|skip-link|toolbar|masthead|caption|"
    r"read-more|more-stories)(?:$|[-_\s])",
    re.I,
)
_BODY_HINTS = re.compile(
    r"(?:^|[-_\s])(?:article-?body|articlebody|story-?body|entry-content|post-content|"
    r"article-content|article__body|field--name-body|content-body|post-body|article-text|"
    r"text-content)(?:$|[-_\s])",
    re.I,
)
_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dd", "dt", "td",
           "th", "div", "section", "article", "main", "ul", "ol", "table", "tr", "tbody", "dl",
           "center"}  # fmt: skip
_ALWAYS_LEAF = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre"}
_JUNK_LINE = re.compile(
    r"^(advertisement|advertisment|story continues below( advertisement)?|scroll to continue|"
    r"continue reading|read more|related( articles| stories| coverage)?|also read|sponsored|"
    r"share this article|share|tweet|print|email|广告|相关阅读|相关新闻)\b.{0,80}$",
    re.I,
)


# Stands in for <br>: old pages separate paragraphs with breaks, not <p>.
_BREAK = "\u2029"


def trafilatura_paragraphs(html_text: str) -> list[str]:
    """Paragraphs trafilatura finds; empty when it finds nothing or fails."""
    import trafilatura  # heavy import; only pages need it

    try:
        out = trafilatura.extract(
            html_text, include_comments=False, include_tables=True, deduplicate=False
        )
    # trafilatura is third-party and hostile pages can break it in any way; the
    # soup extractor is the fallback, so a failure here is logged, not fatal.
    except (RecursionError, ValueError, TypeError, AttributeError, IndexError) as exc:
        log.warning("trafilatura failed: %s", exc)
        return []
    if not out:
        return []
    return [_tidy(line.removeprefix("- ")) for line in out.split("\n") if _tidy(line)]


def soup_paragraphs(soup: BeautifulSoup) -> list[str]:
    """Readability-style extraction; mutates ``soup`` (boilerplate is removed)."""
    # soup.body is a find("body"): the first tag of that name, here without a strainer.
    root = next(_named(soup, "body"), None) or soup
    for br in list(_named(root, "br")):  # all found before any is replaced
        br.replace_with(_BREAK)
    _remove_boilerplate(root)
    order = _preorder(root)
    container = _best_container(root, order)
    if container is None:
        return []
    return _collect(container)


def _named(node: Tag, name: str) -> Iterator[Tag]:
    """``node.find_all(name)`` for a plain tag name, which bs4 answers by comparing
    names over ``descendants``, without the SoupStrainer it builds for every call."""
    return (d for d in node.descendants if isinstance(d, Tag) and d.name == name)


def _preorder(root: Tag) -> list[Tag]:
    out: list[Tag] = []
    stack: list[Tag] = [root]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(c for c in reversed(node.contents) if isinstance(c, Tag))
    return out


def _remove_boilerplate(root: Tag) -> None:
    doomed: list[Tag] = []
    paragraph_text = sum(len(p.get_text()) for p in _named(root, "p")) or 1
    for node in _preorder(root):
        if node is root:
            continue
        if node.name in _DROP_TAGS or _hidden(node) or node.get("role") in _DROP_ROLES:
            doomed.append(node)
            continue
        label = " ".join([*(node.get("class") or []), str(node.get("id") or "")])
        if label.strip() and _BOILERPLATE.search(label) and not _BODY_HINTS.search(label):
            # A wrapper like "page has-sidebar" may hold the article itself.
            held = sum(len(p.get_text()) for p in _named(node, "p"))
            if held < 0.5 * paragraph_text or node.name in ("li", "a", "span"):
                doomed.append(node)
    for node in doomed:
        if node.parent is not None:  # already gone with an ancestor otherwise
            node.extract()


def _hidden(node: Tag) -> bool:
    if node.has_attr("hidden") or node.get("aria-hidden") == "true":
        return True
    style = str(node.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _best_container(root: Tag, order: list[Tag]) -> Tag | None:
    scores: dict[int, float] = {}
    nodes: dict[int, Tag] = {}
    for node in order:
        if node.name in ("p", "pre", "blockquote"):
            text = _tidy(node.get_text(" "))
        elif _direct_text(node) >= 25 and not _has_block_child(node):
            text = _tidy(node.get_text(" "))  # a div, td or font used as a paragraph
        else:
            continue
        if len(text) < 25:
            continue
        commas = text.count(",") + text.count("，")
        score = (1 + commas + min(len(text) / 100, 3)) * (1 - _link_density(node, text))
        parent = node.parent
        for weight in (1.0, 0.5):
            if not isinstance(parent, Tag):
                break
            scores[id(parent)] = scores.get(id(parent), 0.0) + score * weight
            nodes[id(parent)] = parent
            parent = parent.parent
    if not scores:
        return None
    for key, node in nodes.items():
        label = " ".join([*(node.get("class") or []), str(node.get("id") or "")])
        if _BODY_HINTS.search(label) or node.get("itemprop") == "articleBody":
            scores[key] *= 1.5
    best_key = max(scores, key=lambda k: scores[k])
    best = nodes[best_key]
    # Bodies split across sibling sections (in-body ads, "chunks"): climb one
    # level when a sibling carries a comparable share of the text.
    parent = best.parent
    if isinstance(parent, Tag) and parent is not root.parent:
        siblings = [c for c in parent.contents if isinstance(c, Tag) and c is not best]
        if any(scores.get(id(s), 0.0) >= 0.3 * scores[best_key] for s in siblings):
            return parent
    return best


def _direct_text(node: Tag) -> int:
    return sum(len(c.strip()) for c in node.contents if type(c) is NavigableString and c.strip())


def _link_density(node: Tag, text: str) -> float:
    linked = sum(len(_tidy(a.get_text(" "))) for a in _named(node, "a"))
    return min(1.0, linked / max(1, len(text)))


def _collect(container: Tag) -> list[str]:
    """Text blocks in document order; loose text between blocks counts too."""
    out: list[str] = []
    stack: list[Tag | str] = [container]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.extend(p for p in _pieces(item) if not (len(p) < 120 and _JUNK_LINE.match(p)))
            continue
        if item is not container and (item.name in _ALWAYS_LEAF or not _has_block_child(item)):
            text = item.get_text(" ")
            if not _junk(item, _tidy(text)):
                out.extend(_pieces(text))
            continue
        stack.extend(reversed(_split_children(item)))
    return out


def _split_children(node: Tag) -> list[Tag | str]:
    # Block children stay elements; runs of inline content between them become
    # text, later split at the <br> markers.
    items: list[Tag | str] = []
    run: list[str] = []

    def flush() -> None:
        text = " ".join(run)
        if text.strip():
            items.append(text)
        run.clear()

    for child in node.contents:
        if isinstance(child, Tag) and child.name in _BLOCKS:
            flush()
            items.append(child)
        elif isinstance(child, Tag):
            run.append(child.get_text(" "))
        elif isinstance(child, NavigableString) and type(child) is NavigableString:
            run.append(str(child))
    flush()
    return items


def _has_block_child(node: Tag) -> bool:
    return any(isinstance(c, Tag) and c.name in _BLOCKS for c in node.contents)


def _junk(node: Tag, text: str) -> bool:
    if len(text) < 120 and _JUNK_LINE.match(text):
        return True
    # Lists of links ("Related: …", tag clouds) are navigation, not prose.
    return len(text) < 200 and _link_density(node, text) > 0.6


def _pieces(text: str) -> list[str]:
    return [t for t in (_tidy(p) for p in text.split(_BREAK)) if t]


def _tidy(text: str) -> str:
    return " ".join(text.split())
