"""The Whoosh schema and how a Document becomes index fields.

Bodies are indexed but not stored: text lives in the document store, which keeps
the postings small and lets snippets be cut from the store for visible rows only.
"""

from __future__ import annotations

import datetime as dt

from whoosh.analysis import STOP_WORDS
from whoosh.analysis.analyzers import CompositeAnalyzer
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, TEXT, Schema

from ..enrich.language import SNOWBALL, name_of
from ..enrich.units import figure
from ..model import Document
from .fast_analysis import FastPositions, LangText, make_analyzer

# 5: no spelling field; 6: FastPositions; 7: positions as int32 arrays; 8: CJK grams in
# simplified script, multi-token words searched as phrases, language facet, bodies
# stemmed in their language; 9: figures (capacity_gwh=100.0 …) for range clauses and facets
SCHEMA_VERSION = 9

# Facet field -> entity type it is filled from (None: filled specially).
ENTITY_FACETS: dict[str, str] = {
    "company": "company",
    "person": "person",
    "place": "place",
    "organisation": "organisation",
    "policy": "policy",
    "material": "material",
    "product": "product",
}
KEYWORD_FIELDS: tuple[str, ...] = (*ENTITY_FACETS, "topic", "source", "year", "kind", "tag",
                                   "language")


def analyzer() -> CompositeAnalyzer:
    return make_analyzer(frozenset(STOP_WORDS))


def _text(ana: CompositeAnalyzer, *, stored: bool = False, field_boost: float = 1.0) -> TEXT:
    # A word that analyses into several terms (宁德时代 → its bigrams, lithium-ion) must
    # match them adjacent: a phrase, not an AND of terms anywhere in the document.
    field = TEXT(analyzer=ana, stored=stored, field_boost=field_boost,
                 multitoken_query="phrase")
    field.format = FastPositions(field_boost=field_boost)  # same postings, a third faster
    return field


def build_schema() -> Schema:
    ana = analyzer()
    fields = {
        "id": ID(stored=True, unique=True),
        "title": _text(ana, stored=True, field_boost=2.5),
        "body": _text(ana),
        "author": TEXT(stored=True),
        "date": DATETIME(stored=True),
        # Day number for sorting; undated documents get 0 so "newest first" puts them last.
        "daynum": NUMERIC(bits=32, sortable=True, signed=False),
    }
    for name in KEYWORD_FIELDS:
        # Values keep their case: facets show them as stored; queries resolve case first.
        fields[name] = KEYWORD(commas=True, lowercase=False, scorable=False)
    # Each figure as "column=value" in the column's unit (enrich/units.py), read back as
    # value arrays by query/numeric.py: not a facet field, not searched as words.
    fields["figures"] = KEYWORD(commas=True, lowercase=False, scorable=False)
    return Schema(**fields)


def figure_terms(doc: Document) -> list[str]:
    """"capacity_gwh=100.0", "money_usd=3500000000.0" … for each distinct figure."""
    out: dict[str, None] = {}
    for span in doc.entities:
        got = figure(span.unit, span.value) if span.value is not None else None
        if got is not None:
            out.setdefault(f"{got[0]}={got[1]!r}", None)
    return list(out)


def _clean(value: str) -> str:
    return value.replace(",", " ").strip()


def keyword_values(doc: Document) -> dict[str, list[str]]:
    p = doc.parsed
    values: dict[str, list[str]] = {}
    for field, etype in ENTITY_FACETS.items():
        values[field] = [_clean(v) for v in doc.entity_names(etype)]
    values["topic"] = [_clean(t.name) for t in doc.topics]
    values["source"] = [_clean(p.source)] if p.source else []
    values["year"] = [str(p.date.year)] if p.date else []
    values["kind"] = [p.kind]
    values["tag"] = [_clean(t) for t in (*p.tags, *p.categories)]
    values["language"] = [name_of(doc.language)] if doc.language else []
    return values


def to_fields(doc: Document) -> dict[str, object]:
    p = doc.parsed
    fields: dict[str, object] = {
        "id": doc.id,
        "title": p.title,
        # The body is stemmed in its own language (fast_analysis); the stored title is
        # kept a plain string, so it is stemmed as English.
        "body": LangText(p.text, doc.language) if doc.language in SNOWBALL else p.text,
        "author": p.author or "",
    }
    fields["daynum"] = p.date.toordinal() if p.date else 0
    if p.date:
        fields["date"] = dt.datetime.combine(p.date, dt.time())
    for name, vals in keyword_values(doc).items():
        if vals:
            fields[name] = ",".join(dict.fromkeys(v for v in vals if v))
    figures = figure_terms(doc)
    if figures:
        fields["figures"] = ",".join(figures)
    return fields
