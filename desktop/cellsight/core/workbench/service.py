"""The workbench as the window and CLI use it: user data joined with searches and prices.

``Workbench`` is also the searcher's view of user fields (``UserIndex``): tag, star and
note clauses become sets of document ids, cached until the next change.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..errors import QueryError
from ..model import SearchRequest, SearchResult
from ..query.date_clause import date_clause
from .alerts import check_rule, evaluate
from .records import AlertRule, AlertState, Annotations, Note, Quote, SavedSearch, now
from .store import WorkbenchStore

if TYPE_CHECKING:
    from ..library import Library

log = logging.getLogger("cellsight.workbench")
NEWS_SCAN = 500  # a rule's news window looks at this many of the saved search's newest hits


@dataclass(frozen=True)
class SavedStatus:
    saved: SavedSearch
    total: int
    new: int
    new_ids: frozenset[str]  # arrivals since last seen that match


@dataclass(frozen=True)
class SeriesMove:
    series_id: str
    label: str
    unit: str
    first: float
    last: float
    change_pct: float
    since: dt.date
    at: dt.date


@dataclass(frozen=True)
class Arrived:
    """What one index pass or price import brought: for notices and badges."""

    documents: int = 0  # documents the library never held before
    saved: tuple[tuple[str, int], ...] = ()  # saved search → how many of them match it
    alerts: tuple[AlertState, ...] = ()  # alerts that fired

    def __bool__(self) -> bool:
        return bool(self.documents or self.alerts)


@dataclass(frozen=True)
class WhatsNew:
    since: dt.datetime
    saved: tuple[tuple[SavedStatus, SearchResult], ...]  # each saved search's new hits
    moves: tuple[SeriesMove, ...]
    alerts: tuple[AlertState, ...]  # triggered ones


class Workbench:
    def __init__(self, library: Library) -> None:
        self.library = library
        # Who knows the documents and whether writing is allowed: the library, or the
        # team library whose cache this is (the server holds documents the cache lacks).
        self.owner: Any = library
        self.store = WorkbenchStore(library.user)
        self._known: set[str] | None = None  # arrival ids, loaded on the first update
        self._diffed_at: tuple[int, int] | None = None  # (connection, data_version)
        self._pending: list[Arrived] = []
        self._tag_cache: tuple[int, dict[str, frozenset[str]]] | None = None
        self._lock = threading.Lock()

    # -- UserIndex ---------------------------------------------------------------------
    @property
    def version(self) -> int:
        """Changes with every edit, this process's or (``data_version``) another's."""
        other = self.store.conn.execute("PRAGMA data_version").fetchone()[0]
        return hash((self.store.version, other))

    def _tags(self) -> dict[str, frozenset[str]]:
        # Every search asks for the tag facet: reading 16k tag rows cost it 8 ms (20k docs).
        version = self.version
        if self._tag_cache is None or self._tag_cache[0] != version:
            self._tag_cache = (version, self.store.all_tags())
        return self._tag_cache[1]

    def ids_for(self, field: str, value: str) -> frozenset[str]:
        if field == "tag":
            want = " ".join(value.split()).lower()
            return next((ids for tag, ids in self._tags().items()
                         if tag.lower() == want), frozenset())  # fmt: skip
        if field == "starred":
            return self.store.starred()
        if field == "note":
            return self.store.notes_matching(value)
        raise QueryError(f"unknown user field {field!r}")

    def tags(self) -> list[str]:
        return sorted(self._tags(), key=str.lower)

    # -- arrivals -------------------------------------------------------------------------
    def record_arrivals(self, at: dt.datetime | None = None) -> frozenset[str]:
        """Note every document the store holds that the library never held before."""
        if self.library.read_only:
            return frozenset()
        if self._known is None:
            self._known = set(self.store.arrived_since(None))
        docs = self.library.store
        written = docs.take_written()
        # Nothing but this connection's own commits since the last look (their ids are
        # in ``written``): only those are new candidates. Diffing every stored id cost
        # ≈100 ms of each update at 200k documents, a changed file's wait included.
        seen = (id(docs.conn), docs.conn.execute("PRAGMA data_version").fetchone()[0])
        if written is not None and seen == self._diffed_at:
            fresh = frozenset(docs.present(written - self._known))
        else:
            fresh = frozenset(docs.all_ids() - self._known)
        self._diffed_at = seen
        if fresh:
            self.store.record_arrivals(fresh, at)
            self._known |= fresh
        return fresh

    def after_change(self, *, documents: bool = True) -> Arrived:
        """After an index pass (``documents``) or a price import: record arrivals, count
        them per saved search, evaluate the alerts; queued for ``take_arrived``."""
        fresh = self.record_arrivals() if documents else frozenset()
        saved: list[tuple[str, int]] = []
        if fresh:
            for s in self.store.saved_searches():
                n = self.library.search(s.request(limit=0, with_facets=False,
                                                  within=fresh)).total  # fmt: skip
                if n:
                    saved.append((s.name, n))
        try:
            # Without rules, no price book: building one costs a second at 20k documents.
            fired = tuple(self.check_alerts()) if self.store.alerts() else ()
        except Exception:
            log.exception("evaluating the price alerts failed")
            fired = ()
        out = Arrived(len(fresh), tuple(saved), fired)
        if out:
            with self._lock:
                self._pending.append(out)
        return out

    def take_arrived(self) -> list[Arrived]:
        """What arrived since the last call (the window's notices drain this)."""
        with self._lock:
            out, self._pending = self._pending, []
        return out

    # -- saved searches ---------------------------------------------------------------------
    def save_search(self, name: str, request: SearchRequest) -> SavedSearch:
        name = " ".join(name.split())
        if not name:
            raise ValueError("a saved search needs a name")
        self.library.refuse_writing()
        self.library.search(replace(request, limit=0, with_facets=False))  # a bad query fails now
        return self.store.save_search(SavedSearch(name, request.query, request.filters,
                                                  request.excludes, request.sort))

    def saved(self, name: str) -> SavedSearch:
        s = self.store.saved(name)
        if s is None:
            names = ", ".join(x.name for x in self.store.saved_searches()) or "none yet"
            raise QueryError(f"no saved search named “{name}” (saved: {names})")
        return s

    def status(self, saved: SavedSearch, since: dt.datetime | None = None) -> SavedStatus:
        """How many documents match, and how many of them arrived since ``since``
        (default: when the user last opened it)."""
        lib = self.library
        total = lib.search(saved.request(limit=0, with_facets=False)).total
        arrived = self.store.arrived_since(since or saved.last_seen)
        if not arrived:
            return SavedStatus(saved, total, 0, frozenset())
        res = lib.search(saved.request(limit=len(arrived), with_facets=False, within=arrived))
        return SavedStatus(saved, total, res.total, frozenset(h.id for h in res.hits))

    def statuses(self) -> list[SavedStatus]:
        return [self.status(s) for s in self.store.saved_searches()]

    def open_saved(self, name: str, *, limit: int = 20, offset: int = 0,
                   mark_seen: bool = True) -> tuple[SearchResult, frozenset[str]]:  # fmt: skip
        """The saved search's results and which of them are new; then marks it seen."""
        saved = self.saved(name)
        st = self.status(saved)
        res = self.library.search(saved.request(limit=limit, offset=offset))
        if mark_seen and not self.library.read_only:
            self.store.mark_seen(name)
        return res, st.new_ids

    def rename_saved(self, old: str, new: str) -> SavedSearch:
        self.library.refuse_writing()
        new = " ".join(new.split())
        if not new:
            raise ValueError("a saved search needs a name")
        if self.store.saved(new) is not None:
            raise QueryError(f"a saved search named “{new}” exists")
        self.store.rename_saved(self.saved(old).name, new)
        return self.saved(new)

    def remove_saved(self, name: str) -> None:
        self.library.refuse_writing()
        if not self.store.remove_saved(self.saved(name).name):
            raise QueryError(f"no saved search named “{name}”")

    def mark_seen(self, name: str) -> None:
        self.library.refuse_writing()
        self.store.mark_seen(self.saved(name).name)

    # -- alerts -----------------------------------------------------------------------------
    def add_alert(self, rule: AlertRule) -> AlertRule:
        self.library.refuse_writing()
        check_rule(rule)
        if self.library.prices().get(rule.series) is None:
            known = ", ".join(v.id for v in self.library.prices().series) or "none"
            raise QueryError(f"no price series “{rule.series}” (series: {known})")
        if rule.saved:
            self.saved(rule.saved)
        rule = replace(rule, created=rule.created or now())
        self.store.save_alert(rule)
        return rule

    def remove_alert(self, name: str) -> None:
        self.library.refuse_writing()
        if not self.store.remove_alert(name):
            raise QueryError(f"no alert named “{name}”")

    def alert_states(self, today: dt.date | None = None) -> list[AlertState]:
        book = self.library.prices()
        day = today or dt.date.today()
        out = []
        for rule in self.store.alerts():
            view = book.get(rule.series)
            out.append(evaluate(rule, view.series if view else None, today=day,
                                news=self._news))  # fmt: skip
        return out

    def check_alerts(self, today: dt.date | None = None) -> list[AlertState]:
        """Evaluate every rule; returns those that fired on a point not seen firing
        before (each fires once per deciding point, however often this runs)."""
        fresh = []
        for state in self.alert_states(today):
            if state.triggered and state.at is not None and not self.library.read_only and (
                    self.store.log_trigger(state.rule.name, state.at, state.message,
                                           state.documents)):  # fmt: skip
                fresh.append(state)
        return fresh

    def _news(self, saved_name: str, first: dt.date, last: dt.date) -> tuple[str, ...]:
        saved = self.store.saved(saved_name)
        if saved is None:
            return ()
        window = date_clause(first, last)
        query = f"({saved.query}) {window}" if saved.query.strip() else window
        res = self.library.search(replace(saved.request(limit=NEWS_SCAN, with_facets=False),
                                          query=query, sort="date"))  # fmt: skip
        return tuple(h.id for h in res.hits)

    # -- what's new ----------------------------------------------------------------------------
    def whats_new(self, since: dt.datetime | None = None, *, limit: int = 10) -> WhatsNew:
        """New documents per saved search since ``since`` (default: the oldest "last
        seen" of the saved searches), the series that moved since then, and alerts."""
        saved = self.store.saved_searches()
        if since is None:
            seen = [s.last_seen for s in saved if s.last_seen is not None]
            since = min(seen) if seen else now() - dt.timedelta(days=7)
        per: list[tuple[SavedStatus, SearchResult]] = []
        for s in saved:
            st = self.status(s, since)
            res = self.library.search(s.request(limit=limit, with_facets=False,
                                                within=st.new_ids))  # fmt: skip
            per.append((st, res))
        return WhatsNew(since, tuple(per), tuple(self.moves_since(since.date())),
                        tuple(a for a in self.alert_states() if a.triggered))

    def moves_since(self, day: dt.date, *, min_pct: float = 0.0) -> list[SeriesMove]:
        from ..prices import value_at

        out = []
        for view in self.library.prices().series:
            s = view.series
            if not s.points or s.points[-1].date <= day:
                continue
            base = value_at(s, day) or s.points[0]
            last = s.points[-1]
            if not base.value or base.date == last.date:
                continue
            pct = (last.value / base.value - 1.0) * 100.0
            if abs(pct) >= min_pct:
                out.append(SeriesMove(s.id, s.label, s.unit, base.value, last.value, pct,
                                      base.date, last.date))  # fmt: skip
        return sorted(out, key=lambda m: -abs(m.change_pct))

    # -- tags, stars, notes, quotes -------------------------------------------------------
    def _doc(self, doc_id: str) -> str:
        self.owner.refuse_writing()
        if not self.owner.has_document(doc_id):
            raise QueryError(f"no document with id {doc_id}")
        return doc_id

    def tag(self, doc_ids: Iterable[str], *tags: str) -> None:
        ids = [self._doc(d) for d in doc_ids]
        if not [t for t in tags if t.strip()]:
            raise ValueError("no tag given")
        self.store.tag(ids, *tags)

    def untag(self, doc_ids: Iterable[str], *tags: str) -> None:
        self.store.untag([self._doc(d) for d in doc_ids], *tags)

    def star(self, doc_id: str, starred: bool = True) -> None:
        self.store.set_star(self._doc(doc_id), starred)

    def note(self, doc_id: str, text: str) -> Note:
        if not text.strip():
            raise ValueError("the note is empty")
        return self.store.add_note(self._doc(doc_id), text)

    def quote(self, doc_id: str, start: int, end: int) -> Quote:
        """Save ``full_text[start:end]``; surrounding whitespace is trimmed from the
        offsets too, so the quote's text and its place agree."""
        doc = self.owner.document(self._doc(doc_id))
        if doc is None:
            raise QueryError(f"no document with id {doc_id}")
        full = doc.full_text
        if not 0 <= start < end <= len(full):
            raise ValueError(f"the quote {start}–{end} is outside the document (0–{len(full)})")
        while start < end and full[start].isspace():
            start += 1
        while end > start and full[end - 1].isspace():
            end -= 1
        if start == end:
            raise ValueError("the quote is empty")
        return self.store.add_quote(doc_id, start, end, full[start:end])

    def edit_note(self, note_id: int, text: str) -> None:
        """Empty text deletes the note."""
        self.library.refuse_writing()
        self.store.edit_note(note_id, text)

    def remove_quote(self, quote_id: int) -> None:
        self.library.refuse_writing()
        self.store.remove_quote(quote_id)

    def saved_searches(self) -> list[SavedSearch]:
        return self.store.saved_searches()

    def annotations(self, doc_id: str) -> Annotations:
        return self.store.annotations(doc_id)
