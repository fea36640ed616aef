"""“Did you mean …?” for queries with few matches, in words a person typed.

The index holds stems ("recycl", "licens"), so a correction found in it is a stem;
it is shown as the commonest real word in a document that carries the stem. Only
the misspelt words of the query are replaced; operators and fields stay as typed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from whoosh import query as wq
from whoosh.searching import Searcher as WSearcher

from ..cjk import has_cjk
from ..index.fast_analysis import stem_of
from .highlight import term_spans

FIELD = "body"
_WORD = re.compile(r"\w+")


def suggest(
    s: WSearcher, q: wq.Query, text: str, sample_text: Callable[[bytes], str | None]
) -> str | None:
    """The corrected query string, or None when no word needs (or has) a correction.

    ``sample_text`` gives the text of some document containing a stem.
    """
    reader = s.reader()
    corrector = s.corrector(FIELD)
    edits: list[tuple[int, int, str]] = []
    for fieldname, term in sorted({(f, _str(t)) for f, t in q.iter_all_terms()}):
        if fieldname != FIELD or reader.doc_frequency(FIELD, term) or has_cjk(term):
            # A CJK word is found wherever it is written (bigrams); a correction for one
            # would glue a neighbour's character to it (宁德时代表示).
            continue
        typed = term
        found = corrector.suggest(typed, limit=1, maxdist=2, prefix=1)
        if not found:
            continue
        word = _surface(found[0], sample_text(found[0].encode("utf-8")))
        edits += [(a, b, _like(text[a:b], word)) for a, b in term_spans(text, [typed])]
    if not edits:
        return None
    out = text
    for a, b, word in sorted(set(edits), reverse=True):
        out = out[:a] + word + out[b:]
    return out if out != text else None


def _like(typed: str, word: str) -> str:
    """``word`` in the typed word's case pattern (Recyclng → Recycling)."""
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    return word.capitalize() if typed[:1].isupper() else word


def _str(term: object) -> str:
    return term.decode("utf-8", "replace") if isinstance(term, bytes) else str(term)


def _surface(stem: str, sample: str | None) -> str:
    """The commonest word in ``sample`` that stems to ``stem``."""
    if not sample:
        return stem
    words = Counter(w.lower() for w in _WORD.findall(sample) if stem_of(w.lower()) == stem)
    return words.most_common(1)[0][0] if words else stem
