"""The facts table: every figure stated in the documents a search finds.

``facts(library, "CATL", unit="GWh", min=20)`` lists the capacities of 20 GWh and more
stated in CATL's documents, each with its sentence, the entities named in it, the
document and its date; newest first, or largest first with ``sort="value"``.

Only what the table shows is read: the index's figure columns (query/numeric.py)
narrow the search to documents holding a matching figure and, sorted by value, rank
them by their largest one, so the first ``limit`` documents hold the ``limit`` largest
figures; only those documents are loaded from the store. Sentences come from
``entity_facts.Sentences``, as on an entity's page.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .enrich.units import column_unit, figure
from .entity_facts import Fact, Sentences, _sentence
from .errors import QueryError
from .model import QUANTITY, Document, SearchRequest
from .query.numeric_syntax import Range, column_of, contains, facet_name, split

if TYPE_CHECKING:
    from .library import Library

SORTS = ("date", "value")
MAX_DOCUMENTS = 2000  # a table never reads more documents than this, whatever it finds


def facts(library: Library, request: SearchRequest | str, unit: str | None = None,
          min: float | None = None, max: float | None = None,
          limit: int = 50, sort: str = "date") -> list[Fact]:  # fmt: skip
    """Figures in the documents ``request`` finds: ``unit`` (a unit such as "GWh",
    "MWh", "USD", "CNY/t", or a family: "capacity", "money_cny") keeps one column and
    shows values in that unit; ``min``/``max`` bound them (inclusive, in that unit).
    ``sort``: "date" (newest first, undated last) or "value" (largest first)."""
    req = SearchRequest(query=request) if isinstance(request, str) else request
    if sort not in SORTS:
        raise QueryError(f"Sort facts by {' or '.join(SORTS)}, not “{sort}”.")
    if unit is None and (min is not None or max is not None or sort == "value"):
        raise QueryError("--min, --max and --sort value need --unit: figures in different "
                         "units do not compare.")  # fmt: skip
    if limit <= 0:
        return []
    rng: Range | None = None
    shown, factor = None, 1.0
    query = req.query.strip()
    if unit is not None:
        column, factor = column_of(unit)
        lo = None if min is None else float(f"{min * factor:.12g}")
        hi = None if max is None else float(f"{max * factor:.12g}")
        rng = Range(column, lo, hi)
        for clause in split(query).filters:  # "capacity:>20" in the query bounds it too
            if clause.column == column:
                rng = _both(rng, clause)
        # A figure unit ("MWh") shows values in it; a family or column, in the column's.
        shown = unit.strip() if factor != 1.0 else column_unit(column)
        # The clause keeps only documents with such a figure: none is read for nothing.
        query = f"{query} {column}:[{_end(lo)} to {_end(hi)}]".strip()
    order = "date" if sort == "date" or rng is None else facet_name(rng.column)
    scope = replace(req, query=query, with_facets=False, ids_only=False, with_histogram=None,
                    sort=order)  # fmt: skip
    out: list[Fact] = []
    seen: set[tuple[str, str]] = set()
    read = 0
    while read < MAX_DOCUMENTS:
        # Each document holds a matching figure: as many as facts still wanted.
        batch = limit - len(out) if limit > len(out) else 1
        hits = library.search(replace(scope, offset=read, limit=batch)).hits
        if not hits:
            break
        read += len(hits)
        for hit in hits:
            doc = library.document(hit.id)
            if doc is None:
                continue
            for fact in facts_in(doc, rng, shown, factor):
                key = (fact.quantity, fact.text)  # a syndicated copy says it again
                if key not in seen:
                    seen.add(key)
                    out.append(fact)
        if len(out) >= limit:
            break
    if sort == "value":
        out.sort(key=lambda f: -(f.value or 0.0))
    return out[:limit]


def _both(a: Range, b: Range) -> Range:
    """The figures in both ranges."""
    lo, lo_incl = a.lo, a.lo_incl
    if b.lo is not None and (lo is None or b.lo > lo or (b.lo == lo and not b.lo_incl)):
        lo, lo_incl = b.lo, b.lo_incl
    hi, hi_incl = a.hi, a.hi_incl
    if b.hi is not None and (hi is None or b.hi < hi or (b.hi == hi and not b.hi_incl)):
        hi, hi_incl = b.hi, b.hi_incl
    return Range(a.column, lo, hi, lo_incl, hi_incl)


def _end(value: float | None) -> str:
    return "*" if value is None else repr(value)


def facts_in(doc: Document, rng: Range | None = None, shown: str | None = None,
             factor: float = 1.0) -> list[Fact]:  # fmt: skip
    """The figures of ``doc`` (those of ``rng``'s column inside it, when given), in text
    order, each with its sentence and the entities named there. Values are in the
    column's unit, or in ``shown`` (divided by ``factor``) when given."""
    picked: list[tuple[int, float, str]] = []
    for i, span in enumerate(doc.entities):
        if span.type != QUANTITY:
            continue
        got = figure(span.unit, span.value)
        if got is None or (rng is not None and (got[0] != rng.column
                                                or not contains(rng, got[1]))):  # fmt: skip
            continue
        value, unit = got[1], column_unit(got[0])
        if shown is not None:
            value, unit = float(f"{value / factor:.12g}"), shown
        picked.append((i, value, unit))
    if not picked:
        return []
    sentences = Sentences(doc.full_text, doc.entities)
    p = doc.parsed
    out = []
    for i, value, unit in picked:
        span = doc.entities[i]
        start, end = sentences.around(span.start)
        names = tuple(dict.fromkeys(s.name for s in doc.entities
                                    if start <= s.start < end and s.type != QUANTITY))  # fmt: skip
        text = _sentence(sentences.text, start, end, span)
        out.append(Fact(doc_id=doc.id, title=p.title, path=p.path, date=p.date, value=value,
                        unit=unit, quantity=span.name, text=text, entities=names))  # fmt: skip
    return out
