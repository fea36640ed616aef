"""A parsed Cellsight query (Whoosh query objects from parser.py) as OpenSearch query DSL.

Only structured clauses are built: ``term``, ``span_near``, ``prefix``, ``wildcard``,
``fuzzy``, ``range`` and ``bool``; user text never reaches ``query_string``, so no
query syntax of the server's can be injected. Each node scores as query/engine.py
scores it: a text term by BM25F (the index's scripted similarity), a phrase as the sum
of its words' scores where they stand together, AND and OR as sums, NOT as nothing,
and keyword terms, prefixes, wildcards, fuzzy terms and date ranges as a constant (the
clause's boost), so rankings agree with the embedded backend.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from whoosh import query as wq
from whoosh.util.times import long_to_datetime

from ..cjk import surface
from ..errors import QueryError
from ..index.schema import KEYWORD_FIELDS
from ..team.mapping import TEXT_FIELDS
from ..team.terms import server_term
from .engine import _day_bounds

Clause = dict[str, Any]
MATCH_NONE: Clause = {"match_none": {}}
FUZZY_EXPANSIONS = 1024


def translate(q: wq.Query) -> Clause:
    """The DSL clause for ``q``; raises QueryError for a node it cannot express."""
    if isinstance(q, wq.Term):
        return _term(q.fieldname, q.text, q.boost)
    if isinstance(q, wq.Phrase):
        return _phrase(q)
    if isinstance(q, wq.NumericRange) and q.fieldname == "date":
        return _date_range(q)
    if isinstance(q, wq.Every):
        return {"match_all": {"boost": q.boost}} if q.boost != 1 else {"match_all": {}}
    if q is wq.NullQuery or type(q).__name__ == "_NullQuery":
        return MATCH_NONE
    if isinstance(q, wq.Not):
        return {"bool": {"must_not": [translate(q.query)]}}
    if isinstance(q, wq.Prefix):
        return _constant({"prefix": {_field(q.fieldname): _text_value(q.fieldname, q.text)}},
                         q.boost)
    if isinstance(q, wq.Wildcard):
        return _constant({"wildcard": {_field(q.fieldname): {
            "value": _text_value(q.fieldname, q.text)}}}, q.boost)
    if isinstance(q, wq.FuzzyTerm):
        return _constant({"fuzzy": {_field(q.fieldname): {
            "value": _text_value(q.fieldname, q.text), "fuzziness": int(q.maxdist),
            "prefix_length": int(q.prefixlength), "transpositions": False,
            "max_expansions": FUZZY_EXPANSIONS}}}, q.boost)
    if isinstance(q, wq.Variations):
        words = [_text_value(q.fieldname, w) for w in q._words(None)] if hasattr(
            q, "_words") else [_text_value(q.fieldname, q.text)]
        return _constant({"terms": {_field(q.fieldname): words}}, q.boost)
    if isinstance(q, wq.And):
        return _bool("must", [translate(s) for s in q.subqueries], q.boost)
    if isinstance(q, wq.DisjunctionMax):
        return {"dis_max": {"queries": [translate(s) for s in q.subqueries],
                            "tie_breaker": 0.0, "boost": q.boost}}
    if isinstance(q, wq.Or) and not q.minmatch:
        return _bool("should", [translate(s) for s in q.subqueries], q.boost)
    if isinstance(q, wq.AndNot):
        return {"bool": {"must": [translate(q.a)], "must_not": [translate(q.b)]}}
    if isinstance(q, wq.AndMaybe):
        return {"bool": {"must": [translate(q.a)], "should": [translate(q.b)]}}
    if isinstance(q, wq.Require):
        return {"bool": {"must": [translate(q.a)], "filter": [translate(q.b)]}}
    if isinstance(q, wq.ConstantScoreQuery):
        return _constant(translate(q.child), q.score)
    raise QueryError(f"This query cannot be run on a team library yet ({type(q).__name__}).")


def _field(name: str) -> str:
    if name in TEXT_FIELDS:
        return TEXT_FIELDS[name]
    if name in KEYWORD_FIELDS or name == "author":
        return name
    raise QueryError(f"Cannot search the field '{name}' on a team library.")


def _str(value: object) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _text_value(fieldname: str, value: object) -> str:
    text = _str(value)
    return server_term(text) if fieldname in TEXT_FIELDS else text


def _constant(inner: Clause, boost: float) -> Clause:
    return {"constant_score": {"filter": inner, "boost": float(boost)}}


def _bool(kind: str, parts: list[Clause], boost: float) -> Clause:
    if not parts:
        return MATCH_NONE
    body: dict[str, Any] = {kind: parts}
    if kind == "should":
        body["minimum_should_match"] = 1
    if boost != 1:
        body["boost"] = float(boost)
    return {"bool": body}


def _term(fieldname: str, value: object, boost: float) -> Clause:
    if fieldname in TEXT_FIELDS or fieldname == "author":
        return {"term": {_field(fieldname): {"value": _text_value(fieldname, value),
                                             "boost": float(boost)}}}
    if fieldname in KEYWORD_FIELDS:
        return _constant({"term": {fieldname: _str(value)}}, boost)
    raise QueryError(f"Cannot search the field '{fieldname}' on a team library.")


def _phrase(q: wq.Phrase) -> Clause:
    words = [_str(w) for w in q.words]
    if q.fieldname not in TEXT_FIELDS:
        return _term(q.fieldname, " ".join(words), q.boost)
    if not words:
        return MATCH_NONE
    if len(words) == 1:
        return _term(q.fieldname, words[0], q.boost)
    field = _field(q.fieldname)
    near = {"span_near": {"clauses": [{"span_term": {field: server_term(w)}} for w in words],
                          "slop": max(0, int(q.slop) - 1), "in_order": True}}
    if q.slop != 1:  # the engine's fallback: a sloppy phrase scores as one constant
        return _constant(near, q.boost)
    # As the engine: the words' own scores, where they stand together.
    return {"bool": {"must": [_term(q.fieldname, w, q.boost) for w in words],
                     "filter": [near]}}


def _date_range(q: wq.NumericRange) -> Clause:
    start = long_to_datetime(q.start) if q.start is not None else None
    end = long_to_datetime(q.end) if q.end is not None else None
    lo, hi = _day_bounds(start, end, q.startexcl, q.endexcl)
    bounds: dict[str, int] = {"gt": 0}  # undated documents (day 0) are in no range
    if lo is not None:
        bounds["gte"] = max(lo, 1)
    if hi is not None:
        bounds["lte"] = hi
    return _constant({"range": {"daynum": bounds}}, q.boost)


def highlight_terms(q: wq.Query) -> set[str]:
    """Positive title/body terms as the engine collects them for highlighting (a
    prefix as "lith*", a CJK phrase as its word); excluded words are left out."""
    found: set[str] = set()

    def walk(node: wq.Query) -> None:
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.Term) and node.fieldname in TEXT_FIELDS:
            found.add(_str(node.text))
        elif isinstance(node, wq.Phrase) and node.fieldname in TEXT_FIELDS:
            words = [_str(w) for w in node.words]
            word = surface(words)
            found.update([word] if word is not None else words)
        elif isinstance(node, wq.Prefix) and node.fieldname in TEXT_FIELDS:
            found.add(f"{_str(node.text)}*")
        for child in node.children():
            walk(child)

    walk(q)
    return found


def day_range(first: dt.date | None, last: dt.date | None) -> Clause:
    """Documents dated from ``first`` to ``last`` (either open)."""
    bounds: dict[str, int] = {"gt": 0}
    if first is not None:
        bounds["gte"] = first.toordinal()
    if last is not None:
        bounds["lte"] = last.toordinal()
    return {"range": {"daynum": bounds}}
