"""Filters and facets of a team search: the request's selections as DSL clauses, and
the aggregations that count each facet as query/searcher.py does (team_searcher.py).

A facet's count leaves out its own selection (a ``filter`` aggregation over the other
facets' selections), so its other values stay choosable; the selections themselves
are the search's ``post_filter``. Facet values sort by count, then name, as the
embedded FacetTable sorts them; figure columns are ``range`` aggregations over the
embedded buckets (enrich/units.py), user tags and stars ``filters`` aggregations over
the ids user data holds.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

from ..enrich import units
from ..errors import QueryError
from ..model import FacetCount, SearchRequest
from .numeric_syntax import Range, facet_name, is_numeric_field, parse_value
from .searcher import FACETS_SHOWN, _field
from .team_dsl import Clause
from .user_fields import UserIndex, is_user_field
from .user_fields import canonical as user_field

BUCKETS = 65535  # search.max_buckets: every value of a facet


class TeamFilters:
    def __init__(self, user: UserIndex | None, values: Callable[[str], dict[str, str]],
                 columns: Callable[[], tuple[str, ...]]) -> None:
        """``values(field)``: lowercased → stored value; ``columns()``: figure columns."""
        self.user = user
        self.values = values
        self.columns = columns

    def user_clause(self, field: str, value: str) -> Clause:
        parts: list[Clause] = []
        if self.user is None and field != "tag":
            raise QueryError(f"{field}: is not available in this library.")
        if self.user is not None:
            ids = self.user.ids_for(field, value)
            if ids:
                parts.append({"terms": {"id": sorted(ids)}})
        if field == "tag":
            stored = self.values("tag").get(value.lower())
            if stored is not None:
                parts.append({"term": {"tag": stored}})
        return {"bool": {"should": parts, "minimum_should_match": 1}} if parts else {
            "match_none": {}}

    def masks(self, req: SearchRequest) -> dict[str, Clause]:
        by_field: dict[str, list[Clause]] = {}
        for field, value in req.filters:
            if is_user_field(field):
                key, clause = user_field(field), self.user_clause(user_field(field), value)
            elif is_numeric_field(field):
                rng = parse_value(field, value)
                key, clause = facet_name(rng.column), figure_range(rng)
            else:
                key = _field(field)
                clause = {"term": {key: value}}
            by_field.setdefault(key, []).append(clause)
        return {f: (cs[0] if len(cs) == 1 else {"bool": {"should": cs,
                                                         "minimum_should_match": 1}})
                for f, cs in by_field.items()}

    def facet_aggs(self, masks: dict[str, Clause]) -> dict[str, Any]:
        def others(name: str) -> Clause:
            return all_of([m for f, m in masks.items() if f != name])

        aggs: dict[str, Any] = {}
        for field in FACETS_SHOWN:
            aggs[f"f:{field}"] = {"filter": others(field), "aggs": {"v": {"terms": {
                "field": field, "size": BUCKETS}}}}
        if self.user is not None:
            tags = {t: self.user_clause("tag", t) for t in self.user.tags()}
            if tags:
                aggs["u:tag"] = {"filter": others("tag"), "aggs": {"v": {"filters": {
                    "filters": tags}}}}
            aggs["u:starred"] = {"filter": others("starred"), "aggs": {"v": {"filters": {
                "filters": {"yes": self.user_clause("starred", "yes")}}}}}
        for column in self.columns():
            edges = units.edges(column)
            spans = [{"to": edges[0]}, *({"from": a, "to": b} for a, b in pairwise(edges)),
                     {"from": edges[-1]}]
            aggs[f"n:{column}"] = {"filter": others(facet_name(column)), "aggs": {"v": {
                "range": {"field": f"figures.{column}", "ranges": spans}}}}
        return aggs

    def facets(self, aggs: dict[str, Any], req: SearchRequest
                ) -> dict[str, tuple[FacetCount, ...]]:
        out: dict[str, tuple[FacetCount, ...]] = {}
        for field in FACETS_SHOWN:
            buckets = aggs[f"f:{field}"]["v"]["buckets"]
            counts = sorted(((str(b["key"]), int(b["doc_count"])) for b in buckets),
                            key=lambda c: (-c[1], c[0].lower()))
            if req.facet_limit is not None:
                counts = counts[: req.facet_limit]
            out[field] = tuple(FacetCount(v, n) for v, n in counts)
        for name in ("tag", "starred"):
            got = aggs.get(f"u:{name}")
            if got is None:
                continue
            counts = sorted((FacetCount(v, int(b["doc_count"]))
                             for v, b in got["v"]["buckets"].items() if b["doc_count"]),
                            key=lambda c: (-c.count, c.value))
            if counts:
                out[name] = tuple(counts[: req.facet_limit] if req.facet_limit is not None
                                  else counts)
        for column in self.columns():
            labels = units.bucket_labels(column)
            buckets = aggs[f"n:{column}"]["v"]["buckets"]
            counts = tuple(FacetCount(labels[i], int(b["doc_count"]))
                           for i, b in enumerate(buckets) if b["doc_count"])
            if counts:
                out[facet_name(column)] = counts
        return out


def all_of(clauses: list[Clause]) -> Clause:
    return {"bool": {"filter": clauses}} if clauses else {"match_all": {}}


def figure_range(rng: Range) -> Clause:
    bounds: dict[str, float] = {}
    if rng.lo is not None:
        bounds["gte" if rng.lo_incl else "gt"] = rng.lo
    if rng.hi is not None:
        bounds["lte" if rng.hi_incl else "lt"] = rng.hi
    return {"range": {f"figures.{rng.column}": bounds}} if bounds else {
        "exists": {"field": f"figures.{rng.column}"}}
