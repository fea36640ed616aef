"""Query-term spans and snippets, computed from the stored text (never in the UI).

Terms are matched after the same analysis the index used (stemming, case folding),
so "licences" in the text lights up for a query on "licensing" exactly when the
search engine considered it a match.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..index.schema import analyzer
from ..model import HighlightSpan

_ANALYZER = analyzer()
MARK_OPEN, MARK_CLOSE = "«", "»"


def term_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Character spans of every token of ``text`` whose analysed form is in ``terms``."""
    wanted = set(terms)
    if not wanted or not text:
        return []
    spans: list[tuple[int, int]] = []
    for tok in _ANALYZER(text, chars=True, positions=False, removestops=False):
        if tok.text in wanted:
            spans.append((tok.startchar, tok.endchar))
    return spans


def highlight_spans(text: str, terms: Iterable[str]) -> list[HighlightSpan]:
    return [HighlightSpan(s, e, "term") for s, e in term_spans(text, terms)]


def snippet(
    text: str, terms: Iterable[str], *, width: int = 220
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The window of ``text`` with the most distinct query terms, with their offsets.

    Returns plain text (no markup) and the spans of the terms inside it, so the UI can
    paint them its own way and the CLI can wrap them in markers.
    """
    flat = " ".join(text.split())
    spans = term_spans(flat, terms)
    if not spans:
        cut = _cut(flat, 0, width)
        return cut[0], ()
    best_start, best_score = spans[0][0], -1
    for i, (start, _) in enumerate(spans):
        window = [s for s in spans[i:] if s[1] <= start + width]
        distinct = len({flat[s:e].lower() for s, e in window})
        score = distinct * 100 + len(window)
        if score > best_score:
            best_start, best_score = start, score
    begin = max(0, best_start - width // 4)
    snip, offset = _cut(flat, begin, width)
    inside = tuple(
        (s - offset, e - offset) for s, e in spans if s >= offset and e <= offset + len(snip)
    )
    return snip, inside


def _cut(flat: str, begin: int, width: int) -> tuple[str, int]:
    """Cut at word boundaries; returns the text (with ellipses) and where it began."""
    if begin > 0:
        space = flat.find(" ", begin)
        begin = space + 1 if 0 <= space < begin + 30 else begin
    end = min(len(flat), begin + width)
    if end < len(flat):
        space = flat.rfind(" ", begin, end)
        end = space if space > begin else end
    body = flat[begin:end]
    prefix = "… " if begin > 0 else ""
    suffix = " …" if end < len(flat) else ""
    # Offsets of terms are shifted by the prefix the caller will see.
    return prefix + body + suffix, begin - len(prefix)


def mark(snip: str, spans: Iterable[tuple[int, int]]) -> str:
    """Wrap spans in «» for plain-text output (CLI, JSON)."""
    out, last = [], 0
    for s, e in sorted(spans):
        out.append(snip[last:s])
        out.append(f"{MARK_OPEN}{snip[s:e]}{MARK_CLOSE}")
        last = e
    out.append(snip[last:])
    return "".join(out)
