"""Text as the embedded index analyses it, written out as a stream of terms for OpenSearch.

The team index must find exactly what the embedded index finds, so words are analysed
here, by the embedded analysis itself (fast_analysis: Whoosh's tokenizer, its stop
words, one-letter words out, Porter for English and titles, Snowball in a body's own
language, CJK folded to simplified script): the server never stems. What it receives
is the terms separated by spaces, with each CJK run written out whole, and its
``cellsight_terms`` analyser (standard tokenizer + ``cjk_bigram`` with unigrams) turns a
run into the same characters and bigrams at the same positions as the embedded index.
Stop words leave no gap in either (Whoosh's StopFilter renumbers), so phrases agree.
"""

from __future__ import annotations

from ..cjk import has_cjk
from ..index.fast_analysis import _TOKENS, _analyse_token, _stem_for, _token_memo

# Whoosh's stop words are the query parser's too (index.schema.analyzer).
try:
    from whoosh.analysis import STOP_WORDS as _WHOOSH_STOPS
except ImportError:  # pragma: no cover - whoosh is a dependency
    _WHOOSH_STOPS = frozenset()

STOPS: frozenset[str] = frozenset(_WHOOSH_STOPS)


def term_stream(text: str, lang: str = "") -> str:
    """``text`` as its index terms, space-separated (CJK runs as folded runs)."""
    memo = _token_memo(STOPS, lang)
    stem = _stem_for(lang)
    out: list[str] = []
    for token in _TOKENS.findall(text):
        s = memo.get(token)
        if s is None:
            s = _analyse_token(token.lower(), STOPS, stem)
            if type(s) is not tuple or len(token) < 8:
                memo[token] = s
        if s is False:
            continue
        if type(s) is tuple:
            out.extend(_runs(s[1]))
        else:
            out.append(server_term(s))  # type: ignore[arg-type]
    return " ".join(out)


def server_term(term: str) -> str:
    """A Latin term as the server holds it. The standard tokenizer drops a dot at a
    term's end (Porter stems "u.s" to "u."), so dots are written as "_", which it keeps
    inside and at the end of a word; queries translate their terms the same way."""
    return term.replace(".", "_") if "." in term else term


def _runs(grams: tuple) -> list[str]:  # type: ignore[type-arg]
    """The pieces of one mixed token: each CJK run whole (its unigrams joined), each other
    part as its term, in order. Bigrams are the server's to make again."""
    pieces: list[str] = []
    run: list[str] = []
    last_char = -2
    for _offset, term, char, chars in sorted(grams, key=lambda g: (g[0], g[3])):
        if chars == 1 and has_cjk(term):
            if run and char != last_char + 1:
                pieces.append("".join(run))
                run = []
            run.append(term)
            last_char = char
        elif not has_cjk(term):  # a Latin part of the token, already stemmed
            if run:
                pieces.append("".join(run))
                run = []
            pieces.append(server_term(term))
            last_char = -2
    if run:
        pieces.append("".join(run))
    return pieces
