"""Query-term spans and snippets, computed from the stored text (never in the UI).

Terms are matched after the same analysis the index used (stemming, case folding),
so "licences" in the text lights up for a query on "licensing" exactly when the
search engine considered it a match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from ..cjk import CJK_RUN, fold, has_cjk
from ..enrich.language import stemmer
from ..index.fast_analysis import stem_of
from ..model import HighlightSpan

MARK_OPEN, MARK_CLOSE = "«", "»"
# Tokens as the index's tokenizer cuts them; only tokens starting like a wanted term
# are lowercased and stemmed (memoised), instead of analysing the whole text.
_TOKEN_REST = r"[\w\*]*(?:\.?[\w\*]+)*"
_TOKEN_START = r"(?<![\w\*])(?<![\w\*]\.)"


@lru_cache(maxsize=256)
def _heads(terms: frozenset[str]) -> tuple[str, ...]:
    heads = set()
    for t in terms:
        # Stemming rewrites at most the last few letters, so a stem's head is also the
        # head of every word that stems to it.
        head = t[:-1] if t.endswith("*") else t[: max(1, min(len(t) - 3, 5))]
        # "İ" is the one character whose lowercase is two ("i" + U+0307), so no text
        # character matches a head holding U+0307 and "İstanbul" was never lit. Cut
        # the head before it: "i" matches "İ" case-insensitively.
        heads.add(head.split("\u0307", 1)[0] or head)
    return tuple(sorted(heads, key=len, reverse=True))


@lru_cache(maxsize=256)
def _pattern(terms: frozenset[str]) -> re.Pattern[str]:
    alternation = "|".join(re.escape(h) for h in _heads(terms))
    return re.compile(f"{_TOKEN_START}(?:{alternation}){_TOKEN_REST}", re.IGNORECASE)


def term_spans(text: str, terms: Iterable[str], languages: tuple[str, ...] = ()
               ) -> list[tuple[int, int]]:  # fmt: skip
    """Character spans of every token of ``text`` whose analysed form is in ``terms``.

    A term ending in ``*`` is a typed prefix and matches any word that starts with it.
    ``languages``: a word also matches by its stem in these languages (bodies are
    stemmed in their own language).
    """
    terms = frozenset(t for t in terms if t and t != "*")
    if not terms or not text:
        return []
    cjk = frozenset(t for t in terms if has_cjk(t))
    terms -= cjk
    spans: list[tuple[int, int]] = _cjk_spans(text, cjk) if cjk else []
    if not terms:
        return spans
    wanted = {t for t in terms if not t.endswith("*")}
    prefixes = tuple(t[:-1] for t in terms if t.endswith("*"))
    lower = text.lower()
    if len(lower) == len(text) and _plain_heads(terms):
        found = _plain_tokens(lower, terms)
    else:
        found = ((m.start(), m.end(), m.group().lower()) for m in _pattern(terms).finditer(text))
    stems = [s.stemWord for s in map(stemmer, languages) if s is not None]
    for token in found:
        for start, end, word in _latin_parts(*token):
            if (prefixes and word.startswith(prefixes)) or (wanted and stem_of(word) in wanted):
                spans.append((start, end))
            elif stems and wanted and any(st(word) in wanted for st in stems):
                spans.append((start, end))
    return sorted(spans) if cjk else spans


def _latin_parts(start: int, end: int, word: str) -> list[tuple[int, int, str]]:
    """A token as the index splits it: the letters around its CJK runs are words of
    their own (CATL宁德时代 holds the word "catl")."""
    if not has_cjk(word):
        return [(start, end, word)]
    parts, at = [], 0
    for m in (*CJK_RUN.finditer(word), None):
        lo, hi = at, m.start() if m is not None else len(word)
        if hi > lo:
            parts.append((start + lo, start + hi, word[lo:hi]))
        if m is not None:
            at = m.end()
    return parts


def _cjk_spans(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    """Every occurrence of the CJK words in ``text``, in either script. A query word is
    searched as the phrase of its bigrams, which matches exactly where the word occurs
    as written (folded to simplified script, which keeps every offset)."""
    folded = fold(text)
    spans: list[tuple[int, int]] = []
    for term in terms:
        at = folded.find(term)
        while at != -1:
            spans.append((at, at + len(term)))
            at = folded.find(term, at + 1)
    return spans


_PLAIN_HEAD = re.compile(r"[a-z0-9_]+")


@lru_cache(maxsize=256)
def _plain_heads(terms: frozenset[str]) -> bool:
    """Heads of plain ASCII word characters, which str.find finds exactly in lowercased
    text. (A head with a dot or another letter goes by the regex, whose matching and
    token rules it was written for.)"""
    return all(_PLAIN_HEAD.fullmatch(h) for h in _heads(terms))


_TOKEN_AT = re.compile(f"{_TOKEN_START}[\\w\\*]+(?:\\.?[\\w\\*]+)*")


def _plain_tokens(lower: str, terms: frozenset[str]) -> list[tuple[int, int, str]]:
    """The tokens ``_pattern(terms)`` would find and ``term_spans`` could keep, as
    (start, end, lowercased token), from ``lower``: the text lowercased, where each
    character kept its offset. The heads are found by str.find and only there is a
    token start tried; the regex tried its look-behinds at every character, which was
    most of a snippet's time. A token the regex alone finds (a head matched through
    a case fold lower() does not make, as "ſ" for "s") starts with other letters
    than every term, so term_spans would drop it anyway."""
    starts: set[int] = set()
    for head in _heads(terms):
        at = lower.find(head)
        while at != -1:
            starts.add(at)
            at = lower.find(head, at + 1)
    out: list[tuple[int, int, str]] = []
    end = 0
    for at in sorted(starts):
        if at < end:
            continue  # inside the token found before, as finditer goes on after a match
        m = _TOKEN_AT.match(lower, at)
        if m is not None:
            end = m.end()
            out.append((at, end, m.group()))
    return out


def highlight_spans(text: str, terms: Iterable[str], languages: tuple[str, ...] = ()
                    ) -> list[HighlightSpan]:  # fmt: skip
    return [HighlightSpan(s, e, "term") for s, e in term_spans(text, terms, languages)]


def snippet(
    text: str, terms: Iterable[str], *, width: int = 220, languages: tuple[str, ...] = ()
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The window of ``text`` with the most distinct query terms, with their offsets.

    Returns plain text (no markup) and the spans of the terms inside it, so the UI can
    paint them its own way and the CLI can wrap them in markers.
    """
    snip, spans, _at = snippet_at(text, terms, width=width, languages=languages)
    return snip, spans


def snippet_at(
    text: str, terms: Iterable[str], *, width: int = 220, languages: tuple[str, ...] = ()
) -> tuple[str, tuple[tuple[int, int], ...], int]:
    """``snippet``, and the offset of its first marked term (of the window when nothing
    is marked) in ``text`` with its whitespace collapsed: ``flat_page_starts`` puts
    the page starts of a paged document on the same scale."""
    return _snippet(" ".join(text.split()), terms, width, languages)


def flat_page_starts(text: str, pages: tuple[int, ...]) -> tuple[int, ...]:
    """Where each page begins in ``" ".join(text.split())``. Readers end every page
    with a blank line, so flattening page by page gives the same string; each page's
    length is counted in C, never a Python loop over the characters."""
    starts, at = [], 0
    for lo, hi in zip(pages, (*pages[1:], len(text)), strict=True):
        starts.append(at)
        words = len(" ".join(text[lo:hi].split()))
        at += words + 1 if words else 0
    return tuple(starts)


def _snippet(
    flat: str, terms: Iterable[str], width: int, languages: tuple[str, ...]
) -> tuple[str, tuple[tuple[int, int], ...], int]:
    wanted = frozenset(terms)
    spans = term_spans(flat, wanted, languages)
    if not spans:
        cut = _cut(flat, 0, width)
        return cut[0], (), 0
    lead = width // 4
    # Windows are scored on what the snippet shows after its lead-in (less a little
    # for the cut back to a space): scored on the full width, the terms at the end of
    # the best window fell outside the text shown.
    window = max(1, width - lead - _CUT_SLACK)
    best_start = _best_window(_term_keys(flat, spans[:2000], wanted), spans[:2000], window)
    snip, offset, lo, hi = _cut(flat, max(0, best_start - lead), width)
    # Only spans inside the body: checking against the whole snippet let a term just
    # before or after the cut point at the "… " or " …" ellipsis.
    inside = tuple((s - offset, e - offset) for s, e in spans if s >= lo and e <= hi)
    return snip, inside, (inside[0][0] + offset) if inside else lo


_CUT_SLACK = 8  # punctuation after a window's last term, before the space _cut ends at


def _term_keys(flat: str, spans: list[tuple[int, int]], terms: frozenset[str]) -> list[str]:
    """The query term each span stands for, so "Battery" and "batteries" count as one
    distinct term (they were two, outweighing a window with two different terms), as
    do all words under one typed prefix."""
    prefixes = tuple(t[:-1] for t in terms if t.endswith("*") and t != "*")
    keys = []
    for s, e in spans:
        word = flat[s:e].lower()
        prefix = next((p for p in prefixes if word.startswith(p)), None)
        keys.append(f"{prefix}*" if prefix is not None else stem_of(word))
    return keys


def _best_window(words: list[str], spans: list[tuple[int, int]], width: int) -> int:
    """Start of the window with the most distinct terms (then the most terms), in one
    sliding pass over the spans; ``words`` holds each span's term."""
    inside: dict[str, int] = {}
    best_start, best_score, j = spans[0][0], -1, 0
    for i, (start, _) in enumerate(spans):
        while j < len(spans) and spans[j][1] <= start + width:
            inside[words[j]] = inside.get(words[j], 0) + 1
            j += 1
        score = len(inside) * 100 + (j - i)
        if score > best_score:
            best_start, best_score = start, score
        if j > i:  # drop span i before the window moves past it
            left = inside[words[i]] - 1
            if left:
                inside[words[i]] = left
            else:
                del inside[words[i]]
        else:
            j = i + 1
    return best_start


def _cut(flat: str, begin: int, width: int) -> tuple[str, int, int, int]:
    """Cut at word boundaries; returns the text (with ellipses), the offset of ``flat``
    in it, and where in ``flat`` the body without ellipses begins and ends."""
    if begin > 0:
        space = flat.find(" ", begin)
        begin = space + 1 if 0 <= space < begin + 30 else begin
    end = min(len(flat), begin + width)
    if end < len(flat) and flat[end] != " ":  # already at a word end: keep that word
        space = flat.rfind(" ", begin, end)
        end = space if space > begin else end
    body = flat[begin:end]
    prefix = "… " if begin > 0 else ""
    suffix = " …" if end < len(flat) else ""
    # Offsets of terms are shifted by the prefix the caller will see.
    return prefix + body + suffix, begin - len(prefix), begin, end


def mark(snip: str, spans: Iterable[tuple[int, int]]) -> str:
    """Wrap spans in «» for plain-text output (CLI, JSON)."""
    out, last = [], 0
    for s, e in sorted(spans):
        out.append(snip[last:s])
        out.append(f"{MARK_OPEN}{snip[s:e]}{MARK_CLOSE}")
        last = e
    out.append(snip[last:])
    return "".join(out)
