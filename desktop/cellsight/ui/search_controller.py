"""The current search (query, filters, exclusions, sort) and running it off-thread.

Every run carries a generation number; an answer that arrives after a newer
request was made is dropped, so fast typing never shows stale results. A run that
is still queued when a newer request is made is skipped before it starts.

The controller can exist before the library is open (the window paints first and
opens the library right after): requests made until then are kept, and the latest
one runs as soon as :meth:`set_library` is called.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from ..core.errors import QueryError
from ..core.model import SearchRequest, SearchResult
from ..core.progress import Cancelled
from ..core.query.date_clause import FIELD as DATE_FIELD
from ..core.query.date_clause import date_clauses, with_date_range, without_clause
from .lanes import SEARCH_LANE
from .tasks import TaskRunner

if TYPE_CHECKING:
    from ..core.library import Library

# The first page fills a tall window; snippets are most of a search's cost (200 hits:
# 47 ms at 50k, 25: 12 ms), so further pages come as the list is scrolled.
FIRST_PAGE = 25
PAGE = 100


class SearchController(QObject):
    results_ready = Signal(object)  # SearchResult
    query_failed = Signal(str)  # a message for the user
    request_changed = Signal(object)  # SearchRequest (filters bar, settings)
    busy_changed = Signal(bool)
    # A team library's server could not be reached (the exception): the results on
    # screen stay, and the team status retries (ui/team_status.py).
    unreachable = Signal(object)

    def __init__(
        self, library: Library | None, tasks: TaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.tasks = tasks
        self.request = SearchRequest(limit=FIRST_PAGE, collapse=True)  # near-duplicates folded
        self.generation = 0
        self.last_result: SearchResult | None = None
        self._pending = False  # a run was asked for before the library was open
        self._prepared = False  # the library's first-query work is queued (prepare_search)

    def set_library(self, library: Library) -> None:
        """The library is open: run the request made while it was opening, if any."""
        self.library = library
        self._prepared = False
        if self._pending:
            self._pending = False
            self.run()

    # -- state changes -----------------------------------------------------------------
    def _set(self, request: SearchRequest) -> None:
        self.request = request
        self.request_changed.emit(request)
        self.run()

    def set_query(self, text: str, typing: bool = False) -> None:
        """``typing``: the last word may be unfinished and also matches as a prefix."""
        if text != self.request.query or typing != self.request.typing:
            self._set(replace(self.request, query=text, typing=typing, offset=0))

    def set_sort(self, sort: str) -> None:
        if sort != self.request.sort:
            self._set(replace(self.request, sort=sort))

    def toggle_filter(self, field: str, value: str, on: bool | None = None) -> None:
        pair = (field, value)
        active = pair in self.request.filters
        want = (not active) if on is None else on
        if want == active:
            return
        filters = (*self.request.filters, pair) if want else tuple(
            f for f in self.request.filters if f != pair)
        excludes = tuple(e for e in self.request.excludes if e != pair)
        self._set(replace(self.request, filters=filters, excludes=excludes))

    def exclude(self, field: str, value: str) -> None:
        pair = (field, value)
        if pair in self.request.excludes:
            return
        filters = tuple(f for f in self.request.filters if f != pair)
        self._set(replace(self.request, filters=filters, excludes=(*self.request.excludes, pair)))

    def set_date_range(self, first: dt.date, last: dt.date) -> None:
        """Narrow the search to these days (the histogram's brush, a price range)."""
        self._set(replace(self.request, query=with_date_range(self.request.query, first, last),
                          typing=False, offset=0))

    def remove(self, field: str, value: str) -> None:
        if field == DATE_FIELD:  # a date range chip: the clause is in the query
            self._set(replace(self.request, query=without_clause(self.request.query, value),
                              offset=0))
            return
        pair = (field, value)
        self._set(replace(
            self.request,
            filters=tuple(f for f in self.request.filters if f != pair),
            excludes=tuple(e for e in self.request.excludes if e != pair),
        ))

    def clear_filters(self) -> None:
        query = self.request.query
        for clause in date_clauses(query):  # shown as chips too, so cleared with them
            query = without_clause(query, clause)
        if self.request.filters or self.request.excludes or query != self.request.query:
            self._set(replace(self.request, filters=(), excludes=(), query=query))

    def restore(self, request: SearchRequest) -> None:
        self._set(replace(request, limit=FIRST_PAGE, offset=0, collapse=True))

    def load_more(self) -> None:
        """Fetch the next page and append it (paging has no cap)."""
        res = self.last_result
        if res is None or len(res.hits) >= res.total:
            return
        self._run(replace(res.request, offset=len(res.hits), limit=PAGE, with_facets=False,
                          with_histogram=None), append=res)

    # -- running -----------------------------------------------------------------------
    def run(self) -> None:
        self._run(self.request, append=None)

    def expand_cluster(self, cluster_id: str) -> None:
        """A folded hit's "N similar": this search within its cluster, unfolded. The
        request is not changed: the next query or filter folds again."""
        self._run(replace(self.request, offset=0), append=None, cluster=cluster_id)

    def _run(self, request: SearchRequest, append: SearchResult | None,
             cluster: str | None = None) -> None:  # fmt: skip
        if append is None and request.with_histogram is None:
            request = replace(request, with_histogram="auto")  # the date histogram
        self.generation += 1
        gen = self.generation
        library = self.library
        if library is None:
            self._pending = True
            return
        self.busy_changed.emit(True)

        def search(_p: object, _c: object) -> SearchResult:
            # Typing queues one search per pause; one overtaken while it waited for
            # the lane is not worth running (reading an int is safe off the UI thread).
            if gen != self.generation:
                raise Cancelled
            if cluster is not None:
                return library.cluster_search(request, cluster)
            return library.search(request)

        handle = self.tasks.run("search", search, lane=SEARCH_LANE)
        handle.finished.connect(lambda res: self._deliver(gen, res, append))
        handle.failed.connect(lambda exc: self._fail(gen, exc))

    def _deliver(self, gen: int, result: SearchResult, append: SearchResult | None) -> None:
        if gen != self.generation:
            return  # a newer request is on its way; this answer is stale
        if append is not None:
            result = replace(append, hits=append.hits + result.hits)
        self.last_result = result
        self.busy_changed.emit(False)
        self.results_ready.emit(result)
        if not self._prepared and self.library is not None:
            # Behind the first results, before the first keystroke's search.
            self._prepared = True
            library = self.library
            self.tasks.run("prepare search", lambda _p, _c: library.prepare_search(),
                           lane=SEARCH_LANE)  # fmt: skip

    def _fail(self, gen: int, exc: BaseException) -> None:
        if gen != self.generation:
            return
        self.busy_changed.emit(False)
        from ..core.team.client import TeamUnreachableError

        if isinstance(exc, TeamUnreachableError):
            self.unreachable.emit(exc)
        elif isinstance(exc, QueryError):
            self.query_failed.emit(str(exc))
        else:
            self.query_failed.emit(f"Search failed: {exc}")
