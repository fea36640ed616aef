"""Price series assembled from the snapshots that documents carry.

Analysts save the same price page every few weeks, so one series arrives as many
overlapping snapshots. Merging keeps one point per date; when two snapshots disagree
about a date, the newer snapshot wins and the disagreement is kept on the series so
the UI can show that a figure was revised rather than silently picking one.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from ..model import PricePoint, SeriesSnapshot, StatedFigures
from ..slug import slug

IMPORT_PREFIX = "import:"

_T = TypeVar("_T")



def series_id(label: str) -> str:
    """The stable id of a series: the slug of its label ("NCM High-Nickel" → "ncm-high-nickel")."""
    return slug(label)


@dataclass(frozen=True)
class PointConflict:
    """Two sources gave different values for the same date; ``kept`` is the newer one."""

    date: dt.date
    kept: PricePoint
    dropped: PricePoint


@dataclass(frozen=True)
class PriceSeries:
    id: str
    label: str
    unit: str = "index points"
    frequency: str | None = None
    frequency_text: str | None = None
    published: dt.date | None = None
    provider: str | None = None
    url: str | None = None
    points: tuple[PricePoint, ...] = ()  # sorted by date, one per date
    stated: StatedFigures = field(default_factory=StatedFigures)  # newest snapshot's
    sources: tuple[str, ...] = ()  # doc ids, oldest snapshot first
    conflicts: tuple[PointConflict, ...] = ()

    @property
    def first_date(self) -> dt.date | None:
        return self.points[0].date if self.points else None

    @property
    def last_date(self) -> dt.date | None:
        return self.points[-1].date if self.points else None


# A snapshot's rank decides which one is "newer". Publication date first; the
# newest data date breaks ties between same-day saves; the doc id makes the order
# total so the merge result never depends on input order.
_Rank = tuple[dt.date, dt.date, str]


def _rank(doc_id: str | None, snap: SeriesSnapshot) -> _Rank:
    newest_point = max((p.date for p in snap.points), default=dt.date.min)
    return (snap.published or dt.date.min, newest_point, doc_id or "")


def _same_value(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


def merge_snapshots(
    snapshots: Iterable[tuple[str | None, SeriesSnapshot]],
) -> dict[str, PriceSeries]:
    """Merge ``(doc_id, snapshot)`` pairs into one ``PriceSeries`` per series id.

    Points are merged by date; the point from the newest snapshot (see ``_rank``)
    wins, and differing values are recorded as ``PointConflict``s. Metadata and
    stated figures come from the newest snapshot; optional metadata the newest
    snapshot lacks (a CSV import has no URL) falls back to older ones. A pair's
    doc id is stamped on its points; with ``None`` the points keep their own.
    """
    by_id: dict[str, list[tuple[_Rank, str | None, SeriesSnapshot]]] = {}
    for doc_id, snap in snapshots:
        by_id.setdefault(snap.id, []).append((_rank(doc_id, snap), doc_id, snap))
    return {sid: _merge_one(sid, entries) for sid, entries in sorted(by_id.items())}


def _merge_one(sid: str, entries: list[tuple[_Rank, str | None, SeriesSnapshot]]) -> PriceSeries:
    # Oldest first, so each later snapshot overwrites what came before it. Ties in
    # rank (same doc re-read) are ordered by content so the outcome stays fixed.
    entries.sort(key=lambda e: (e[0], _content_key(e[2])))
    chosen: dict[dt.date, PricePoint] = {}
    dropped: dict[dt.date, list[PricePoint]] = {}
    for _, doc_id, snap in entries:
        for point in snap.points:
            if doc_id is not None and point.doc_id != doc_id:
                point = PricePoint(point.date, point.value, doc_id)
            previous = chosen.get(point.date)
            if previous is not None and not _same_value(previous.value, point.value):
                dropped.setdefault(point.date, []).append(previous)
            chosen[point.date] = point
    # A date overwritten more than once reports each loser against the final winner.
    conflicts = tuple(
        PointConflict(day, kept=chosen[day], dropped=loser)
        for day in sorted(dropped)
        for loser in dropped[day]
    )
    newest = entries[-1][2]
    newest_first = [e[2] for e in reversed(entries)]
    sources: dict[str, None] = {}
    for _, doc_id, snap in entries:
        ids = [doc_id] if doc_id is not None else [p.doc_id for p in snap.points]
        for d in ids:
            if d is not None:
                sources.setdefault(d, None)
    return PriceSeries(
        id=sid,
        label=newest.label,
        unit=newest.unit,
        frequency=_first_set(s.frequency for s in newest_first),
        frequency_text=_first_set(s.frequency_text for s in newest_first),
        published=_first_set(s.published for s in newest_first),
        provider=_first_set(s.provider for s in newest_first),
        url=_first_set(s.url for s in newest_first),
        points=tuple(chosen[d] for d in sorted(chosen)),
        stated=newest.stated,
        sources=tuple(sources),
        conflicts=conflicts,
    )


def _content_key(snap: SeriesSnapshot) -> tuple[tuple[str, float], ...]:
    return tuple((p.date.isoformat(), p.value) for p in snap.points)


def _first_set(values: Iterable[_T | None]) -> _T | None:
    for v in values:
        if v is not None:
            return v
    return None
