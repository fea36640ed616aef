"""Prices as the app and CLI see them: merged series, their figures, and news links.

Ties the price series to the entity catalogue (lithium → the lithium series), so an
article that mentions lithium can show the market around its date, and a chart can
show which news mentioned what it plots.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .enrich.catalogue import Catalogue
from .model import Document, PricePoint, SeriesSnapshot
from .prices import PriceSeries, SeriesStats, compute_stats, library_newest, sparkline, value_at


@dataclass(frozen=True)
class SeriesView:
    series: PriceSeries
    stats: SeriesStats
    entity_ids: tuple[str, ...]  # catalogue entities linked to this series
    spark: tuple[float, ...]

    @property
    def id(self) -> str:
        return self.series.id

    @property
    def label(self) -> str:
        return self.series.label

    def to_json(self) -> dict[str, Any]:
        s, st = self.series, self.stats
        return {
            "id": s.id,
            "label": s.label,
            "unit": s.unit,
            "frequency": s.frequency,
            "published": s.published.isoformat() if s.published else None,
            "latest": st.latest.value if st.latest else None,
            "previous": st.previous.value if st.previous else None,
            "change_pct": _r(st.change_pct),
            "ytd_pct": _r(st.ytd_pct),
            "yoy_pct": _r(st.yoy_pct),
            "stale": st.stale,
            "mismatches": list(st.mismatches),
            "stated": {
                "latest": s.stated.latest, "previous": s.stated.previous,
                "change_pct": s.stated.change_pct, "ytd_pct": s.stated.ytd_pct,
                "yoy_pct": s.stated.yoy_pct,
            },
            "source": s.provider or s.url,
            "url": s.url,
            "entities": list(self.entity_ids),
            "points": [{"date": p.date.isoformat(), "value": p.value} for p in s.points],
        }


@dataclass(frozen=True)
class MarketContext:
    """One linked series as seen from an article: then, now, and the change since."""

    view: SeriesView
    at_date: PricePoint | None
    latest: PricePoint | None
    change_pct: float | None


@dataclass(frozen=True)
class NewsMarker:
    """A document in the current results that mentions something a series tracks."""

    doc_id: str
    date: dt.date
    title: str
    series_id: str
    entities: tuple[str, ...]  # canonical names that linked it


@dataclass(frozen=True)
class PriceBook:
    series: tuple[SeriesView, ...]
    newest: dt.date | None

    def get(self, series_id: str) -> SeriesView | None:
        for v in self.series:
            if v.id == series_id:
                return v
        return None

    def linked_to(self, entity_ids: set[str]) -> tuple[SeriesView, ...]:
        return tuple(v for v in self.series if entity_ids.intersection(v.entity_ids))

    def market_context(self, doc: Document) -> tuple[MarketContext, ...]:
        ids = {s.entity_id for s in doc.entities}
        out = []
        for view in self.linked_to(ids):
            at = value_at(view.series, doc.parsed.date) if doc.parsed.date else None
            latest = view.stats.latest
            change = None
            if at is not None and latest is not None and at.value:
                change = (latest.value / at.value - 1.0) * 100.0
            out.append(MarketContext(view, at, latest, change))
        return tuple(out)


def news_markers(
    book: PriceBook, series_ids: list[str], docs: list[Document]
) -> list[NewsMarker]:
    """Markers for ``docs`` (dated, mentioning a linked entity) on each charted series."""
    out: list[NewsMarker] = []
    for sid in series_ids:
        view = book.get(sid)
        if view is None:
            continue
        linked = set(view.entity_ids)
        for doc in docs:
            if doc.parsed.date is None:
                continue
            names = tuple(dict.fromkeys(s.name for s in doc.entities if s.entity_id in linked))
            if names:
                out.append(NewsMarker(doc.id, doc.parsed.date, doc.parsed.title, sid, names))
    return out


def build_price_book(
    snapshots: list[tuple[str, SeriesSnapshot]], catalogue: Catalogue
) -> PriceBook:
    from .prices import merge_snapshots

    return price_book_of(merge_snapshots(snapshots), catalogue)


def price_book_of(merged: dict[str, PriceSeries], catalogue: Catalogue) -> PriceBook:
    """The book of already merged series (see :mod:`.prices.book_cache`)."""
    newest = library_newest(merged.values())
    links: dict[str, list[str]] = {}
    for entity in catalogue.entities:
        for sid in entity.series:
            links.setdefault(sid, []).append(entity.id)
    views = tuple(
        SeriesView(
            series=s,
            stats=compute_stats(s, library_newest=newest),
            entity_ids=tuple(links.get(s.id, ())),
            spark=sparkline(s),
        )
        for s in sorted(merged.values(), key=lambda s: s.label.lower())
    )
    return PriceBook(views, newest)


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 2)
