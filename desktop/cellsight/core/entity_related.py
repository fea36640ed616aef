"""Counts behind an entity page: the timeline stacked by topic, and association.

Plain arithmetic over what a search returns (histograms, facet counts), so it holds for
any search backend.

Association is *lift*: how much more often another entity appears in this entity's
documents than in the library at large,

    lift(A, B) = P(B | A) / P(B) = (n_AB / n_A) / (n_B / N)

with n_AB the documents mentioning both, n_A and n_B each one's documents, N the
library's. Raw co-occurrence ranks whatever is everywhere first (China, lithium); lift
ranks what is particular to A. Lift is noisy for rare pairs (two shared documents of a
name seen twice in the library make a huge lift), so a pair needs a minimum support:
at least ``min_support`` shared documents, by default 2 and 1 % of A's documents.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .model import FacetCount

Histogram = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Period:
    period: str  # "2024-03" (a month) or "2024-W09" (an ISO week)
    count: int  # documents mentioning the entity in it
    topics: tuple[tuple[str, int], ...] = ()  # (topic, documents), most first


@dataclass(frozen=True)
class Timeline:
    unit: str | None  # "month" or "week"; None when no document is dated
    periods: tuple[Period, ...]
    undated: int  # documents without a date: counted here, never put at a date
    undated_topics: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Related:
    """An entity that co-occurs with the page's entity."""

    id: str | None  # catalogue id (None for a facet value the catalogue lacks)
    name: str
    type: str
    count: int  # documents mentioning both
    documents: int  # documents mentioning it anywhere in the library
    score: float  # lift: 1.0 is what chance gives, 3.0 three times as often

    @property
    def pmi(self) -> float:
        """Pointwise mutual information in bits: log2 of the lift."""
        return math.log2(self.score) if self.score > 0 else float("-inf")


def stack_timeline(
    unit: str | None, total: Histogram, undated: int,
    by_topic: Mapping[str, tuple[Histogram, int]],
) -> Timeline:  # fmt: skip
    """The entity's periods with each topic's count in them.

    ``by_topic``: each topic's own histogram (same unit) and undated count. A document
    with two topics counts in both stacks, so the stacks may add up to more than the
    period's total: the total is the number of documents.
    """
    per: dict[str, list[tuple[str, int]]] = {}
    loose: list[tuple[str, int]] = []
    for topic, (hist, topic_undated) in by_topic.items():
        for period, n in hist:
            if n:
                per.setdefault(period, []).append((topic, n))
        if topic_undated:
            loose.append((topic, topic_undated))
    periods = tuple(
        Period(period, count, tuple(sorted(per.get(period, ()), key=_most_first)))
        for period, count in total
    )
    return Timeline(unit, periods, undated, tuple(sorted(loose, key=_most_first)))


def _most_first(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0].lower()


def default_min_support(documents: int) -> int:
    return max(2, math.ceil(documents / 100))


def associations(
    *,
    within: Mapping[str, tuple[FacetCount, ...]],
    library: Mapping[str, tuple[FacetCount, ...]],
    fields: Mapping[str, str],
    documents: int,
    library_documents: int,
    exclude: tuple[str, str],
    lookup: Callable[[str, str], str | None],
    min_support: int | None = None,
    limit: int = 20,
) -> tuple[Related, ...]:
    """Entities ranked by lift (highest first; then shared documents, then name).

    ``within``/``library``: facet counts over the entity's documents and over the
    whole library; ``fields``: facet field → entity type of the fields to look in;
    ``documents``/``library_documents``: n_A and N; ``exclude``: the entity's own
    (field, value); ``lookup(type, name)``: the catalogue id of a facet value.
    """
    if documents <= 0 or library_documents <= 0:
        return ()
    support = default_min_support(documents) if min_support is None else min_support
    out: list[Related] = []
    for field, etype in fields.items():
        everywhere = {c.value: c.count for c in library.get(field, ())}
        for c in within.get(field, ()):
            if (field, c.value) == exclude or c.count < support:
                continue
            n_b = max(everywhere.get(c.value, 0), c.count)  # never below what was seen
            lift = (c.count / documents) / (n_b / library_documents)
            out.append(Related(lookup(etype, c.value), c.value, etype, c.count, n_b, lift))
    out.sort(key=lambda r: (-r.score, -r.count, r.name.lower()))
    return tuple(out[:limit])
