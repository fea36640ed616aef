"""A team library: the shared OpenSearch index, and the local state beside it.

What the CLI and the window call on a Library, over a team index. The local
half lives in a cache folder per address (``team/<server>-<index>`` under the user's
data folder, or ``CELLSIGHT_TEAM_CACHE``): an ordinary library whose store remembers
the files read, so ``index`` reads only what changed through the one pipeline, and
whose user data holds this member's tags, stars and notes. ``update`` runs the local
pipeline and then copies the store's changes to the server (team.indexer).

What needs the server goes through the TeamSearcher; price series go to the team's
price index (team.prices_sync: every member's, attributed), news markers ask the
server (team.mentions). The rest is the cache library's for now: the catalogue, and
the workbench (saved searches, alerts, tags, notes: team indices for user data are
phase 3). ``count`` is answered from memory so
the window may ask on its UI thread; it is refreshed off it (open, search, update).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import Document, Failure, HighlightSpan, Hit, IndexReport, SearchRequest, SearchResult
from ..progress import CancelToken, ProgressSink, null_sink
from .client import Client, TeamError, TeamReadOnlyError
from .indexer import SyncReport, TeamIndexer
from .url import TeamURL, parse_team_url

if TYPE_CHECKING:
    from ..enrich.catalogue import Catalogue, Entity
    from ..index.whoosh_index import IndexStore
    from ..library import Library
    from ..model import SeriesSnapshot
    from ..prices_view import MarketContext, NewsMarker, PriceBook
    from ..query.team_searcher import TeamSearcher
    from ..workbench.service import Workbench
    from .prices_sync import PriceSource, TeamPrices
    from .retag import RetagReport
    from .userdata_sync import Attribution, TeamUserData, UserSyncReport

log = logging.getLogger("cellsight.team")
ENV_CACHE = "CELLSIGHT_TEAM_CACHE"
SEEN_IDS = 256  # documents opened lately, known to exist without asking the server


def cache_folder(url: TeamURL) -> Path:
    """The local folder for ``url``: one per server and index, never holding secrets."""
    root = os.environ.get(ENV_CACHE)
    if root:
        base = Path(root).expanduser()
    else:
        import platformdirs

        from .. import APP_NAME

        base = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "team"
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{url.host}-{url.port}-{url.index}")
    return base / name


def reader_reason(url: TeamURL) -> str:
    return (f"Your account may search and read the team library {url.display} but not "
            "change it: adding folders, re-indexing, importing prices, catalogue edits, "
            "saved searches and annotations are unavailable. Ask its administrator for "
            "an account that may write to it.")


class TeamLibrary:
    read_only = False
    read_only_reason = ""
    last_retag: RetagReport | None = None  # the last apply_catalogue_changes' re-tag
    last_user_sync: UserSyncReport | None = None  # the last sync_user_data's

    def __init__(self, url: TeamURL, *, client: Client | None = None,
                 cache: Path | None = None, check_access: bool = False) -> None:
        """``check_access``: find out now whether this member may write (the window
        greys out what it may not); the CLI learns it when it first writes."""
        from ..library import Library
        from ..query.team_searcher import TeamSearcher

        self.url = url
        self.client = client or Client(url)
        self.client.check_server()  # unreachable, credentials, version: said before anything
        self.local: Library = Library(cache or cache_folder(url))
        self.folder = self.local.folder
        if check_access:
            try:
                self._indexer().check_writable()
            except TeamReadOnlyError:
                self.read_only, self.read_only_reason = True, reader_reason(url)
        self.searcher: TeamSearcher = TeamSearcher(
            self.client, self.local._alias_lookup, self.local._name_lookup,
            self.local.workbench)
        self.store = _ServerDocuments(self)
        self._seen: OrderedDict[str, None] = OrderedDict()  # ids ``document`` found
        self._seen_lock = threading.Lock()
        # The cache's workbench keeps the user data; documents and writing are ours.
        self.local.workbench.owner = self
        self.last_sync: SyncReport | None = None
        self._count = self.searcher.count() if check_access else -1
        self._closed = False
        if check_access:  # the window's open, off its UI thread: others' user data now
            self._sync_user_data_quietly()

    @property
    def address(self) -> str:
        """What the window shows where a local library shows its folder: no secret."""
        return self.url.display

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.searcher.close()
        self.local.close()

    def ping(self) -> None:
        """Raise (TeamUnreachableError …) unless the server answers: the window's retry."""
        self.client.check_server()

    def __enter__(self) -> TeamLibrary:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ------------------------------------------------------------------------
    def refuse_writing(self) -> None:
        if self.read_only:
            raise TeamReadOnlyError(self.read_only_reason)

    def sources(self) -> list[Path]:
        return self.local.sources()

    def ensure_default_sources(self) -> bool:
        return False  # the bundled samples never go into a shared index

    def update(self, paths: list[Path] | None = None, *, changed: list[Path] | None = None,
               progress: ProgressSink = null_sink, cancel: CancelToken | None = None,
               lock_timeout: float = 10.0) -> IndexReport:
        """Read and enrich locally (the one pipeline), then bring the team index in line
        with the local store. A run killed in either half is finished by the next."""
        self.refuse_writing()
        indexer = self._indexer()
        # A foreign index or a member who may only search: said before reading a file.
        indexer.ensure_index()
        indexer.check_writable()
        report = self.local.update(paths, changed=changed, progress=progress, cancel=cancel,
                                   lock_timeout=lock_timeout)
        if report.cancelled:
            return report
        report = replace(report, failed=report.failed + self._publish_prices())
        self._sync_user_data_quietly()
        if not self.local.sources() and not indexer.owned_count():
            # This machine indexes nothing and never did (a window's catch-up pass, a
            # member who only searches): nothing to send or to delete.
            return report
        failed = self._sync(indexer, progress)
        return replace(report, failed=report.failed + failed)

    def _sync(self, indexer: TeamIndexer | None = None,
              progress: ProgressSink = null_sink) -> tuple[Failure, ...]:
        indexer = indexer or self._indexer()
        self.last_sync = indexer.sync(self.local.store, progress)
        self.searcher.refresh()
        self._count = self.searcher.count()
        return tuple(Failure(f"team:{doc_id}", reason)
                     for doc_id, reason in self.last_sync.failed)

    def _indexer(self) -> TeamIndexer:
        """This cache's writer: its syncs delete only the documents it sent."""
        from .writer import member_name, writer_id

        return TeamIndexer(self.client, writer=writer_id(self.folder),
                           member=member_name(self.url))

    @property
    def index(self) -> IndexStore:
        """The cache's index: whether it needs rebuilding (the window asks at start)."""
        return self.local.index

    def rebuild_index(self, *, progress: ProgressSink = null_sink) -> int:
        self.refuse_writing()
        n = self.local.rebuild_index(progress=progress)
        if self.local.sources():
            self._sync(progress=progress)  # a new enrichment changes stored documents
        return n

    def apply_catalogue_changes(self, *, progress: ProgressSink = null_sink,
                                cancel: CancelToken | None = None) -> int:
        """Re-enrich the cached documents with the catalogue, then send what changed."""
        self.refuse_writing()
        n = self.local.apply_catalogue_changes(progress=progress, cancel=cancel)
        if self.local.sources():
            self._sync(progress=progress)
        if cancel is None or not cancel.is_set():
            self.last_retag = self._retag(progress, cancel)
            self._sync_user_data_quietly()  # the edit itself, for the others' catalogues
        return n

    def _retag(self, progress: ProgressSink, cancel: CancelToken | None) -> RetagReport:
        """This member's catalogue edits since the last run, applied to every team
        document they change, whoever indexed it (team.retag)."""
        from .retag import retag_pending
        from .writer import member_name

        report = retag_pending(self.client, self.local.enricher(), self.local.user.changes(),
                               self.folder, member=member_name(self.url), progress=progress,
                               cancel=cancel)
        if report.retagged:
            self.searcher.refresh()
        return report

    # Catalogue edits are this machine's (the cache's user data); the documents they
    # change reach the team through apply_catalogue_changes.
    def add_user_entity(self, surface: str, etype: str, name: str) -> Entity:
        self.refuse_writing()
        return self.local.add_user_entity(surface, etype, name)

    def add_alias(self, entity_id: str, alias: str) -> None:
        self.refuse_writing()
        self.local.add_alias(entity_id, alias)

    def hide_entity(self, entity_id: str) -> None:
        self.refuse_writing()
        self.local.hide_entity(entity_id)

    def import_prices(self, path: Path) -> int:
        self.refuse_writing()
        self.team_prices.check_writable()  # a reader is told before anything is imported
        n = self.local.import_prices(path)
        self._publish_prices()  # kept here if this fails: the next publish sends it
        return n

    # -- reading ------------------------------------------------------------------------
    def prepare_search(self) -> None:
        """See Library.prepare_search: queries are parsed with the local catalogue."""
        self.local.prepare_search()

    def search(self, request: SearchRequest | str) -> SearchResult:
        if isinstance(request, str):
            request = SearchRequest(query=request)
        result = self.searcher.search(request)
        if not request.query.strip() and not request.filters and not request.excludes \
                and request.within_ids is None:
            self._count = result.total  # browsing everything counts the library
        return result

    def matching_ids(self, request: SearchRequest) -> tuple[str, ...]:
        every = replace(request, ids_only=True, limit=max(1, self.searcher.count()), offset=0,
                        with_facets=False, typing=False)
        return self.searcher.search(every).ids

    def cluster_search(self, request: SearchRequest, cluster_id: str) -> SearchResult:
        # Near-duplicate clusters are not on the server yet: a cluster is its document.
        return self.search(replace(request, within_ids=frozenset({cluster_id}),
                                   collapse=False, offset=0))

    def document(self, doc_id: str) -> Document | None:
        doc = self.searcher.document(doc_id)
        if doc is not None:
            with self._seen_lock:
                self._seen[doc_id] = None
                while len(self._seen) > SEEN_IDS:
                    self._seen.popitem(last=False)
        return doc

    def has_document(self, doc_id: str) -> bool:
        """Whether the team index holds ``doc_id``. The window tags and annotates the
        document it shows (opened through ``document``) on its UI thread: those ids are
        answered from memory, so a star or a note never waits on the network."""
        with self._seen_lock:
            if doc_id in self._seen:
                return True
        return self.local.has_document(doc_id) or self.document(doc_id) is not None

    def highlights(self, doc: Document, query: str) -> list[HighlightSpan]:
        from ..query.highlight import highlight_spans

        return highlight_spans(doc.full_text, self.searcher.terms_for(query),
                               (doc.language,) if doc.language else ())

    def more_like(self, doc_id: str, n: int = 8) -> list[Hit]:
        return self.searcher.more_like(doc_id, n)

    def count(self) -> int:
        """The documents last counted: never a request (the window asks on its UI
        thread); asked of the server when first needed off it."""
        if self._count < 0:
            self._count = self.searcher.count()
        return self._count

    def failures(self) -> list[Failure]:
        """Files this machine's index runs could not read (the team index has none)."""
        return self.local.failures()

    def export_results(self, request: SearchRequest, path: Path) -> int:
        from ..export import export_results_csv

        # The team searcher and the server's documents stand in for the local pair.
        return export_results_csv(self.searcher, self.store, request, path)  # type: ignore[arg-type]

    # -- the cache library's, for now -----------------------------------------------
    def catalogue(self) -> Catalogue:
        return self.local.catalogue()

    @property
    def workbench(self) -> Workbench:
        return self.local.workbench

    # -- user data: saved searches, alerts, annotations, catalogue edits (userdata_sync) --
    @cached_property
    def user_data(self) -> TeamUserData:
        from .userdata_sync import TeamUserData
        from .writer import member_name

        return TeamUserData(self.client, self.local.user, member_name(self.url))

    def sync_user_data(self) -> UserSyncReport:
        """Pull the others' changes, push this member's (requests: off the UI thread).
        A reader only pulls; local changes it holds raise TeamReadOnlyError with the
        reader's reason, after the pull. Unreachable: TeamUnreachableError, and what
        changed here is sent by the next sync. ``catalogue_changed``: re-tag."""
        from .userdata_sync import UserSyncReport

        report = UserSyncReport()
        try:
            self.user_data.sync(push=not self.read_only, report=report)
        except TeamReadOnlyError:
            self.read_only, self.read_only_reason = True, reader_reason(self.url)
        finally:
            self._user_data_pulled(report)
        if self.read_only and report.pending:
            raise TeamReadOnlyError(self.read_only_reason)
        return report

    def _user_data_pulled(self, report: UserSyncReport) -> None:
        self.last_user_sync = report
        if report.catalogue_changed:
            self.local.forget_catalogue()
        if report.pulled:
            # The workbench's caches (tag facet, masks) follow its store's version; the
            # pull wrote through the same connection, which data_version does not see.
            self.local.workbench.store._changed()

    def _sync_user_data_quietly(self) -> UserSyncReport | None:
        try:
            return self.sync_user_data()
        except TeamError as exc:
            log.warning("team user data not synced: %s", exc)
            return None

    def user_data_author(self, kind: str, ref: object) -> Attribution | None:
        """Who made the synced version of a saved search, note, tag …: "by alice · 3 Dec"."""
        return self.user_data.author(kind, ref)

    # -- prices: every member's series, in the team's price index (team.prices_sync) --
    @cached_property
    def team_prices(self) -> TeamPrices:
        from .prices_sync import TeamPrices
        from .writer import member_name, writer_id

        return TeamPrices(self.client, self.folder, writer_id(self.folder),
                          member_name(self.url))

    def _local_snapshots(self) -> list[tuple[str, SeriesSnapshot]]:
        return self.local.store.series_snapshots() + self.local.user.imported_series()

    def _publish_prices(self) -> tuple[Failure, ...]:
        """Send this machine's snapshots that changed, delete its own that are gone."""
        report = self.team_prices.publish(self._local_snapshots())
        return tuple(Failure(f"team-prices:{sid}", why) for sid, why in report.failed)

    def prices(self) -> PriceBook:
        """The book of every member's snapshots (a request or two: off the UI thread)."""
        from ..prices.book_cache import cache_key

        local = self.local
        key = cache_key(local.store.conn, local.user.conn, local.index.generation())
        return self.team_prices.book(key, self._local_snapshots, self.catalogue)

    def price_sources(self) -> dict[str, tuple[PriceSource, ...]]:
        """Per series id, which member sent which snapshot, and when."""
        return self.team_prices.sources()

    def market_context(self, doc: Document) -> tuple[MarketContext, ...]:
        return self.prices().market_context(doc)

    def news_markers(self, series_ids: list[str], doc_ids: list[str]) -> list[NewsMarker]:
        """As Library.news_markers, with the mentions asked of the team index."""
        from ..prices_view import NewsMarker
        from .mentions import server_mentions

        book = self.prices()
        entity_pair = self.local._entity_facet_pairs()
        linked = {sid: {entity_pair[e]: e for e in view.entity_ids if e in entity_pair}
                  for sid in series_ids if (view := book.get(sid)) is not None}  # fmt: skip
        wanted = {pair for pairs in linked.values() for pair in pairs}
        found = server_mentions(self.client, doc_ids, wanted) if wanted else []
        names = self.local._entity_names()
        out: list[NewsMarker] = []
        for sid, pairs in linked.items():
            for m in found:
                have = set(m.pairs)
                hit = tuple(dict.fromkeys(names[e] for p, e in pairs.items() if p in have))
                if hit and m.date is not None:
                    out.append(NewsMarker(m.doc_id, m.date, m.title, sid, hit))
        return out


class _ServerDocuments:
    """The two store calls briefs and exports make, answered by the server."""

    def __init__(self, library: TeamLibrary) -> None:
        self._library = library

    def document(self, doc_id: str) -> Document | None:
        return self._library.searcher.document(doc_id)

    def documents(self, ids: Iterable[str]) -> Iterator[Document]:
        for doc_id in ids:
            doc = self.document(doc_id)
            if doc is not None:
                yield doc


def open_team_library(address: str, *, cache: Path | None = None,
                      client: Client | None = None, check_access: bool = False) -> TeamLibrary:
    return TeamLibrary(parse_team_url(address), client=client, cache=cache,
                       check_access=check_access)
