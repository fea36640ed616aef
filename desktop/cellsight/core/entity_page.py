"""An entity's page: what the library says about one company, person, place, material …

Everything comes through the library's search (``SearchRequest`` in, ``SearchResult``
out) and its document store, never from the index itself, so another search backend
gives the same page. The entity's documents are those its facet holds, which the
enricher fills from every name and alias in any language: 宁德时代 and Contemporary
Amperex count as CATL. They are selected with the query clause ``company:"CATL"``
rather than a filter, because a search leaves a facet's own filter out of that facet's
counts (so its other values stay choosable), and the co-occurring companies must be
counted within the entity's documents.
"""

from __future__ import annotations

import difflib
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .enrich.catalogue import Catalogue, Entity
from .entity_facts import Fact, gather_facts
from .entity_related import Related, Timeline, associations, default_min_support, stack_timeline
from .errors import CellsightError
from .index.schema import ENTITY_FACETS
from .model import Hit, SearchRequest, SearchResult
from .prices_view import NewsMarker, SeriesView
from .query.histogram import period_unit
from .query.names import name_key

if TYPE_CHECKING:
    from .library import Library

FIELD_OF: dict[str, str] = {etype: field for field, etype in ENTITY_FACETS.items()}
FACT_BATCH = 25  # documents read per round while gathering facts, newest first
MAX_FACT_DOCUMENTS = 100  # and no more than this many in all: a page is not a report


class UnknownEntityError(CellsightError):
    """No entity has that name or id; ``suggestions`` holds close names."""

    def __init__(self, typed: str, suggestions: tuple[str, ...]) -> None:
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"No entity is called {typed!r}.{hint}")
        self.typed = typed
        self.suggestions = suggestions


@dataclass(frozen=True)
class LinkedSeries:
    """A price series the entity is linked to, with its documents marked on it."""

    view: SeriesView
    markers: tuple[NewsMarker, ...]  # the newest of its documents inside the series' dates


@dataclass(frozen=True)
class EntityPage:
    id: str
    name: str
    type: str
    aliases: tuple[str, ...]
    documents: int  # documents mentioning it, under any name
    library_documents: int
    timeline: Timeline
    cooccurring: tuple[Related, ...]  # by lift, with at least ``min_support`` shared
    min_support: int
    series: tuple[LinkedSeries, ...]
    facts: tuple[Fact, ...]  # newest documents first
    latest: tuple[Hit, ...]  # newest first
    elapsed_ms: float = 0.0


def facet_value(name: str) -> str:
    """An entity's name as its facet stores it (index.schema drops commas)."""
    return name.replace(",", " ").strip()


def find_entity(catalogue: Catalogue, name_or_id: str) -> Entity:
    """The entity with this id, name or alias (any case, either Chinese script).

    Several entities sharing a name: the one the catalogue lists first (its order is
    prominence). Raises UnknownEntityError with close names."""
    typed = name_or_id.strip()
    if typed and catalogue.is_visible(typed):
        entity = catalogue.get(typed)
        if entity is not None:
            return entity
    key = name_key(typed)
    by_name = [e for e in catalogue.entities if name_key(e.name) == key]
    if by_name:
        exact = [e for e in by_name if e.name == typed]
        return (exact or by_name)[0]
    for e in catalogue.entities:
        if any(name_key(a) == key for a in e.aliases) or name_key(facet_value(e.name)) == key:
            return e
    raise UnknownEntityError(typed, suggest_entities(catalogue, typed))


def suggest_entities(catalogue: Catalogue, typed: str, n: int = 5) -> tuple[str, ...]:
    """Names close to ``typed``: those containing it first, then similar spellings."""
    key = name_key(typed)
    if not key:
        return ()
    forms: dict[str, str] = {}  # folded form → canonical name
    for e in catalogue.entities:
        for form in e.forms:
            forms.setdefault(name_key(form), e.name)
    found = [name for form, name in forms.items() if key in form and len(key) >= 3]
    found += [forms[f] for f in difflib.get_close_matches(key, list(forms), n=n, cutoff=0.6)]
    return tuple(dict.fromkeys(found))[:n]


def entity_page(
    library: Library, name_or_id: str, *, latest: int = 10, facts: int = 50,
    related: int = 20, markers: int = 50, topics: int = 12, min_support: int | None = None,
) -> EntityPage:  # fmt: skip
    """The page of the entity named ``name_or_id`` (see find_entity)."""
    t0 = time.perf_counter()
    catalogue = library.catalogue()
    entity = find_entity(catalogue, name_or_id)
    field, value = FIELD_OF[entity.type], facet_value(entity.name)
    # A name with a quotation mark cannot be written as a query clause: filtered
    # instead, its own field's co-occurrence is then left out (see the module doc).
    by_query = '"' not in value
    scope = (SearchRequest(query=f'{field}:"{value}"') if by_query
             else SearchRequest(filters=((field, value),)))  # fmt: skip
    main = library.search(replace(scope, sort="date", limit=max(latest, FACT_BATCH),
                                  with_histogram="auto"))  # fmt: skip
    everything = library.search(SearchRequest(limit=0))
    support = default_min_support(main.total) if min_support is None else min_support
    ids = {(e.type, facet_value(e.name)): e.id for e in catalogue.entities}
    fields = {f: t for f, t in ENTITY_FACETS.items() if by_query or f != field}
    cooccurring = associations(
        within=main.facets, library=everything.facets, fields=fields, documents=main.total,
        library_documents=everything.total, exclude=(field, value),
        lookup=lambda etype, name: ids.get((etype, name)), min_support=support, limit=related,
    )  # fmt: skip
    return EntityPage(
        id=entity.id, name=entity.name, type=entity.type, aliases=entity.aliases,
        documents=main.total, library_documents=everything.total,
        timeline=_timeline(library, scope, main, topics), cooccurring=cooccurring,
        min_support=support, series=_series(library, entity, scope, markers),
        facts=_facts(library, entity, scope, main, facts), latest=main.hits[:latest],
        elapsed_ms=(time.perf_counter() - t0) * 1000,
    )  # fmt: skip


def _timeline(library: Library, scope: SearchRequest, main: SearchResult,
              topics: int) -> Timeline:  # fmt: skip
    """Per period, stacked by the entity's most frequent topics (one count per topic:
    the topic's documents are the entity's documents filtered to it)."""
    unit = period_unit(main.histogram[0][0]) if main.histogram else None
    by_topic: dict[str, tuple[tuple[tuple[str, int], ...], int]] = {}
    for c in main.facets.get("topic", ())[:topics]:
        got = library.search(replace(
            scope, filters=(*scope.filters, ("topic", c.value)), limit=0, with_facets=False,
            with_histogram=unit or "month",
        ))  # fmt: skip
        by_topic[c.value] = (got.histogram, got.undated)
    return stack_timeline(unit, main.histogram, main.undated, by_topic)


def _series(library: Library, entity: Entity, scope: SearchRequest,
            markers: int) -> tuple[LinkedSeries, ...]:  # fmt: skip
    """Linked series (the entity's own links first), each with the newest of the
    entity's documents dated within the series' points marked."""
    book = library.prices()
    order = {sid: i for i, sid in enumerate(entity.series)}
    views = sorted(book.linked_to({entity.id}),
                   key=lambda v: (order.get(v.id, len(order)), v.label.lower()))  # fmt: skip
    out = []
    for view in views:
        points = view.series.points
        found: tuple[Hit, ...] = ()
        if points and markers > 0:
            dates = f"date:[{points[0].date.isoformat()} to {points[-1].date.isoformat()}]"
            query = f"{scope.query} {dates}".strip()
            found = library.search(replace(scope, query=query, sort="date", limit=markers,
                                           with_facets=False)).hits  # fmt: skip
        out.append(LinkedSeries(view, tuple(
            NewsMarker(h.id, h.date, h.title, view.id, (entity.name,))
            for h in found if h.date is not None
        )))  # fmt: skip
    return tuple(out)


def _facts(library: Library, entity: Entity, scope: SearchRequest, main: SearchResult,
           limit: int) -> tuple[Fact, ...]:  # fmt: skip
    """Facts from the newest documents on, until ``limit`` or MAX_FACT_DOCUMENTS read."""
    if limit <= 0:
        return ()
    seen: set[tuple[str, str]] = set()
    ids = tuple(h.id for h in main.hits)
    read = 0
    out: list[Fact] = []
    while ids:
        docs = (d for d in (library.document(i) for i in ids) if d is not None)
        out += gather_facts(docs, entity.id, limit - len(out), seen)
        read += len(ids)
        if len(out) >= limit or read >= min(MAX_FACT_DOCUMENTS, main.total):
            break
        # Hits, not ids_only: its id table costs 1.3 s at 50k the first time in an
        # index generation, the unread snippets of 75 hits 10 ms.
        ids = tuple(h.id for h in library.search(replace(
            scope, sort="date", offset=read, with_facets=False,
            limit=min(FACT_BATCH, MAX_FACT_DOCUMENTS - read))).hits)  # fmt: skip
    return tuple(out)
