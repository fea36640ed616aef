"""A document body as safe rich text for the reader: paragraphs, entities, query terms.

Documents are untrusted input, so every character of them is HTML-escaped and the
only markup in the output is what this module writes: paragraphs, headings, line
breaks, ``entity:<n>`` anchors and highlight spans. No attribute ever carries text
from the document, so nothing in it can become a tag, a style or a URL.

Entity anchors and term highlights may overlap in any way. The text is cut at every
span boundary; consecutive pieces of one entity share an anchor and each term piece
gets its own span inside it, so elements always nest and the HTML is well-formed.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from itertools import pairwise
from typing import NamedTuple

from ..core.model import Document, HighlightSpan, page_at
from .theme import colours

ENTITY_SCHEME = "entity"
_PARA_SEP = re.compile(r"[^\S\n]*\n(?:[^\S\n]*\n)+")
_END_PUNCTUATION = tuple(".!?;:,…\"'”’)]»")
_HEADING_MAX_CHARS = 90
_HEADING_MAX_WORDS = 14


class _Anchor(NamedTuple):
    start: int
    end: int
    index: int  # position in Document.entities
    etype: str


def entity_href(index: int) -> str:
    return f"{ENTITY_SCHEME}:{index}"


def parse_entity_href(href: str) -> int | None:
    """The index into ``Document.entities`` an anchor names, or None for anything else."""
    scheme, _, rest = href.partition(":")
    if scheme != ENTITY_SCHEME or not rest.isdigit():
        return None
    return int(rest)


def paragraphs(body: str) -> list[tuple[int, int]]:
    """Offsets of the paragraphs of ``body``: text between blank lines, whitespace-only
    paragraphs dropped."""
    out: list[tuple[int, int]] = []
    start = 0
    for sep in _PARA_SEP.finditer(body):
        out.append((start, sep.start()))
        start = sep.end()
    out.append((start, len(body)))
    return [(s, e) for s, e in out if body[s:e].strip()]


def is_heading(paras: Sequence[str], i: int) -> bool:
    """A short title-case line between paragraphs, ending without punctuation.

    Deliberately strict: a caption or a one-line sentence rendered as a heading
    misleads more than a heading shown as a paragraph, so only the clear case counts
    ("Strategic Collaboration: CATL and Tesla Forge Ahead" followed by body text).
    """
    if i == 0 or i >= len(paras) - 1:
        return False
    text = paras[i].strip()
    words = text.split()
    if (
        "\n" in text
        or len(text) > _HEADING_MAX_CHARS
        or len(words) > _HEADING_MAX_WORDS
        or not text[0].isupper()
        or text.endswith(_END_PUNCTUATION)
        or ". " in text
        or len(paras[i + 1].strip()) < 2 * len(text)
    ):
        return False
    content = [w for w in words if len(w) > 3]
    capitalised = [w for w in content if w[0].isupper() or not w[0].isalpha()]
    return len(capitalised) * 3 >= len(content) * 2


def render_document_html(
    doc: Document, term_spans: Iterable[HighlightSpan], *, hidden_types: set[str], dark: bool
) -> str:
    """The body of ``doc`` (from ``doc.body_offset``) as HTML for a QTextBrowser."""
    c = colours(dark)
    full = doc.full_text
    base = min(doc.body_offset, len(full))
    body = full[base:]
    entities = _entity_ranges(doc, base, len(full), hidden_types)
    terms = _term_ranges(term_spans, base, len(full))
    spans = paragraphs(body)
    if not spans:
        return f'<p style="color:{c["muted"]}; font-style:italic">This document has no text.</p>'
    texts = [body[s:e] for s, e in spans]
    e_starts, e_ends = [a.start for a in entities], [a.end for a in entities]
    t_starts, t_ends = [t[0] for t in terms], [t[1] for t in terms]
    out: list[str] = []
    ocr = set(doc.parsed.ocr_pages)
    i = -1
    for block in _blocks(doc, spans):
        if isinstance(block, int):
            out.append(_page_break(block, block in ocr, c))
            continue
        i += 1
        lo, hi = block
        # Both lists are sorted and non-overlapping, so ends are sorted too.
        here_e = entities[bisect_right(e_ends, lo) : bisect_left(e_starts, hi)]
        here_t = terms[bisect_right(t_ends, lo) : bisect_left(t_starts, hi)]
        inner = _inline(full, lo, hi, here_e, here_t, c)
        if is_heading(texts, i):
            out.append(f'<h3 style="margin-top:14px; margin-bottom:4px">{inner}</h3>')
        else:
            out.append(f'<p style="margin-top:0px; margin-bottom:10px">{inner}</p>')
    return "\n".join(out)


def block_spans(doc: Document) -> list[tuple[int, int] | None]:
    """What each block of the rendered body shows, in order: its [start, end) in
    ``doc.full_text``, or None for a page label (and for the "no text" line).

    The reader maps a selection back to offsets in the document through this; it is
    the same sequence :func:`render_document_html` writes, one ``<p>``/``<h3>`` each.
    """
    full = doc.full_text
    spans = paragraphs(full[min(doc.body_offset, len(full)):])
    if not spans:
        return [None]
    return [None if isinstance(b, int) else b for b in _blocks(doc, spans)]


def _blocks(doc: Document, spans: list[tuple[int, int]]) -> Iterator[tuple[int, int] | int]:
    """The body's blocks: a paragraph's (start, end) in ``doc.full_text``, or the
    number of the page whose label precedes it."""
    base = min(doc.body_offset, len(doc.full_text))
    shown_page = 0
    for s, e in spans:
        page = page_at(doc.parsed.pages, s)
        if page is not None and page != shown_page:
            # Body offsets are offsets into the parsed text, where pages are counted.
            yield page
            shown_page = page
        yield base + s, base + e


def _page_break(page: int, ocr: bool, c: dict[str, str]) -> str:
    label = f"p. {page}" + (" · text read by OCR" if ocr else "")
    return (f'<p style="color:{c["muted"]}; font-size:small; margin-top:12px; '
            f'margin-bottom:6px">— {label} —</p>')  # fmt: skip


def render_title_html(doc: Document, term_spans: Iterable[HighlightSpan], *, dark: bool) -> str:
    """The title with query terms marked (entities are not linked in the header)."""
    title = doc.parsed.title
    terms = _term_ranges(term_spans, 0, len(title))
    return _inline(title, 0, len(title), [], terms, colours(dark))


def _entity_ranges(doc: Document, lo: int, hi: int, hidden: set[str]) -> list[_Anchor]:
    """Visible entity spans clipped to [lo, hi), non-overlapping, in text order.

    The matcher does not produce overlaps, but quantities come from a separate pass;
    where two spans collide the earlier (then the longer) one keeps its anchor.
    """
    candidates = sorted(
        (
            _Anchor(max(span.start, lo), min(span.end, hi), index, span.type)
            for index, span in enumerate(doc.entities)
            if span.type not in hidden
        ),
        key=lambda r: (r.start, r.start - r.end, r.index),
    )
    chosen: list[_Anchor] = []
    reach = lo
    for anchor in candidates:
        if anchor.start >= anchor.end or anchor.start < reach:
            continue
        chosen.append(anchor)
        reach = anchor.end
    return chosen


def _term_ranges(spans: Iterable[HighlightSpan], lo: int, hi: int) -> list[tuple[int, int]]:
    """Term spans clipped to [lo, hi) and merged where they touch or overlap."""
    clipped = sorted((max(s.start, lo), min(s.end, hi)) for s in spans if s.kind == "term")
    merged: list[tuple[int, int]] = []
    for start, end in clipped:
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _inline(
    text: str,
    lo: int,
    hi: int,
    entities: Sequence[_Anchor],
    terms: Sequence[tuple[int, int]],
    c: dict[str, str],
) -> str:
    """``text[lo:hi]`` escaped, with entity anchors around term spans.

    ``entities`` and ``terms`` are sorted and non-overlapping; parts outside
    [lo, hi) are ignored.
    """
    cuts = {lo, hi}
    for anchor in entities:
        if anchor.start < hi and anchor.end > lo:
            cuts.update((max(anchor.start, lo), min(anchor.end, hi)))
    for start, end in terms:
        if start < hi and end > lo:
            cuts.update((max(start, lo), min(end, hi)))
    points = sorted(cuts)
    out: list[str] = []
    mark = f'<span style="background-color:{c["mark"]}; color:{c["mark_text"]}">'
    open_entity: _Anchor | None = None
    ei = ti = 0
    for a, b in pairwise(points):
        while ei < len(entities) and entities[ei].end <= a:
            ei += 1
        while ti < len(terms) and terms[ti][1] <= a:
            ti += 1
        entity = entities[ei] if ei < len(entities) and entities[ei].start <= a else None
        in_term = ti < len(terms) and terms[ti][0] <= a
        if entity != open_entity:
            if open_entity is not None:
                out.append("</a>")
            if entity is not None:
                out.append(_anchor_open(entity, c))
            open_entity = entity
        piece = _escape(text[a:b])
        out.append(f"{mark}{piece}</span>" if in_term else piece)
    if open_entity is not None:
        out.append("</a>")
    return "".join(out)


def _anchor_open(anchor: _Anchor, c: dict[str, str]) -> str:
    background = c.get(anchor.etype, c["quantity"])
    style = f"background-color:{background}; color:{c['entity_text']}; text-decoration:none"
    return f'<a href="{entity_href(anchor.index)}" style="{style}">'


def _escape(text: str) -> str:
    # U+2029 would start a new block in Qt's document and break the one block per
    # paragraph that block_spans promises: it is a line break like "\n".
    return html.escape(text, quote=True).replace("\n", "<br/>").replace("\u2029", "<br/>")
