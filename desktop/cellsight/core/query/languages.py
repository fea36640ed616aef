"""Query words searched in every language the library holds.

Bodies are stemmed in their own language (German ``Batterien`` → ``batteri``), while
the query parser stems as English. So each query word is also searched as its stem in
each other language present: ``Batterie`` finds German articles with ``Batterien``, and
an English word finds its German cognates' stems only where they coincide.
"""

from __future__ import annotations

from collections.abc import Iterable

from whoosh import query as wq

from ..cjk import has_cjk
from ..enrich.language import code_of, stemmer
from ..index.fast_analysis import _TOKENS, stem_of

TEXT_FIELDS = ("title", "body")


def present(language_names: Iterable[str]) -> tuple[str, ...]:
    """Codes of the languages (facet values) with a Snowball stemmer of their own."""
    codes = (code_of(n) for n in language_names)
    return tuple(sorted(c for c in codes if stemmer(c) is not None))


def widen(q: wq.Query, text: str, languages: tuple[str, ...],
          stops: frozenset[str]) -> wq.Query:  # fmt: skip
    """``q`` with each text term also searched as its stem in ``languages``."""
    if not languages:
        return q
    by_lang: dict[str, dict[str, str]] = {}
    for token in _TOKENS.findall(text):
        word = token.lower()
        if len(word) < 2 or word in stops or has_cjk(word):
            continue
        english = stem_of(word)
        for lang in languages:
            other = stemmer(lang).stemWord(word)
            if other != english:
                by_lang.setdefault(lang, {})[english] = other
    return _walk(q, by_lang) if by_lang else q


def _walk(q: wq.Query, by_lang: dict[str, dict[str, str]]) -> wq.Query:
    if isinstance(q, wq.Term) and q.fieldname in TEXT_FIELDS:
        alts = dict.fromkeys(m[q.text] for m in by_lang.values() if q.text in m)
        if not alts:
            return q
        return wq.Or([q, *(wq.Term(q.fieldname, a, boost=q.boost) for a in alts)])
    if isinstance(q, wq.Phrase) and q.fieldname in TEXT_FIELDS:
        variants = [q]
        for mapping in by_lang.values():
            words = [mapping.get(w, w) for w in q.words]
            if words != list(q.words):
                variants.append(wq.Phrase(q.fieldname, words, slop=q.slop, boost=q.boost))
        return wq.Or(variants) if len(variants) > 1 else q
    if isinstance(q, wq.Not):
        return wq.Not(_walk(q.query, by_lang))
    if isinstance(q, wq.CompoundQuery):
        return q.__class__([_walk(s, by_lang) for s in q.subqueries], boost=q.boost)
    return q
