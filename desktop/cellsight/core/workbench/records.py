"""The workbench's records: frozen dataclasses of plain values (safe across threads)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..model import SearchRequest


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def stamp(t: dt.datetime) -> str:
    """Stored times: UTC, microseconds always written, so text order is time order (an
    arrival in the same second as "last seen" must still compare after it)."""
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def parse_time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    t = dt.datetime.fromisoformat(text)
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class SavedSearch:
    name: str
    query: str
    filters: tuple[tuple[str, str], ...] = ()
    excludes: tuple[tuple[str, str], ...] = ()
    sort: str = "relevance"
    created: dt.datetime | None = None
    last_seen: dt.datetime | None = None  # when the user last opened it

    def request(self, *, limit: int = 20, offset: int = 0, with_facets: bool = True,
                within: frozenset[str] | None = None) -> SearchRequest:  # fmt: skip
        return SearchRequest(query=self.query, filters=self.filters, excludes=self.excludes,
                             sort=self.sort, limit=limit, offset=offset,
                             with_facets=with_facets, within_ids=within)  # fmt: skip


@dataclass(frozen=True)
class Note:
    id: int
    doc_id: str
    text: str
    at: dt.datetime


@dataclass(frozen=True)
class Quote:
    id: int
    doc_id: str
    start: int  # offsets into the document's full text (title + body), as highlights
    end: int
    text: str
    at: dt.datetime


@dataclass(frozen=True)
class AlertRule:
    """One price rule, optionally tied to news.

    ``kind``: "above" / "below" (``level``), "change" (``pct`` over the last
    ``points`` points, or since ``since``; a negative pct means a fall of at least
    that much, a positive one a move either way of at least that much unless
    ``direction`` says "up"/"down"), "stale" (no new point for ``days``).
    ``saved``: the alert fires only if that saved search has new documents in the
    move's window too.
    """

    name: str
    series: str
    kind: str
    level: float | None = None
    pct: float | None = None
    points: int = 1
    since: dt.date | None = None
    days: int | None = None
    direction: str = "any"  # "any", "up", "down" (change rules)
    saved: str | None = None
    created: dt.datetime | None = None

    def describe(self) -> str:
        if self.kind == "above":
            text = f"above {self.level:g}"
        elif self.kind == "below":
            text = f"below {self.level:g}"
        elif self.kind == "stale":
            text = f"no new point for {self.days} days"
        else:
            arrow = {"up": "up ", "down": "down "}.get(self.direction, "")
            span = f"since {self.since.isoformat()}" if self.since else (
                f"over the last {self.points} point{'s' if self.points != 1 else ''}")
            text = f"moves {arrow}≥ {abs(self.pct or 0):g} % {span}"
        if self.saved:
            text += f", with new documents in “{self.saved}”"
        return text


@dataclass(frozen=True)
class AlertState:
    """A rule evaluated against the current prices (and news)."""

    rule: AlertRule
    triggered: bool
    value: float | None = None  # the series' latest value
    change_pct: float | None = None
    since: dt.date | None = None  # the start of the window the rule looked at
    at: dt.date | None = None  # the date of the point that decided
    message: str = ""
    documents: tuple[str, ...] = ()  # doc ids of the news the rule required
    missing: bool = False  # the series is not in the library


@dataclass(frozen=True)
class Annotations:
    """What the user attached to one document."""

    doc_id: str
    tags: tuple[str, ...] = ()
    starred: bool = False
    notes: tuple[Note, ...] = ()
    quotes: tuple[Quote, ...] = ()
