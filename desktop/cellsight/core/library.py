"""The library facade: one folder holding the index, the document store and user data.

This is the composition root of the core; the CLI and the desktop app talk only to
it. Long operations take a progress sink and a cancel token and never touch Qt.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import LibraryBusyError, LibraryError, LibraryReadOnlyError
from .index.schema import ENTITY_FACETS
from .index.whoosh_index import IndexStore, rebuild_refused
from .ingest.registry import DEFAULT_MAX_BYTES
from .locking import WriteLock
from .model import Document, Failure, HighlightSpan, Hit, IndexReport, SearchRequest, SearchResult
from .progress import CancelToken, ProgressSink, null_sink
from .query.highlight import highlight_spans
from .query.names import Named, NameLookup, name_table
from .query.searcher import Searcher
from .store import DocumentStore
from .store_checks import Damage
from .userdata import UserData

if TYPE_CHECKING:
    # Enrichment and prices load only when used: a CLI search needs neither (issue 17).
    from .dedup.tracker import DupTracker
    from .enrich.catalogue import Catalogue, Entity
    from .enrich.enricher import Enricher
    from .enrich.topics import TopicClassifier
    from .prices_view import MarketContext, NewsMarker, PriceBook
    from .verify import VerifyReport
    from .workbench.service import Workbench

log = logging.getLogger("cellsight.library")
# What the stored enrichment holds; 2: each document's language. An index rebuilt over
# an older store re-enriches it. 3: figures written the Chinese way (50亿元, 1.2万吨) and
# next to CJK characters, "bn yuan", tpa.
ENRICHMENT_VERSION = "3"


class Library:
    def __init__(self, folder: Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                 read_only: bool = False) -> None:  # fmt: skip
        """``read_only``: open for reading only even where it could be written (the CLI's
        search server: it never consumes the clean-close mark or locks anything)."""
        self.folder = Path(folder).expanduser().absolute()
        self.max_bytes = max_bytes
        self._store_damage = ""
        # A library that is there but cannot be written opens for reading only (a
        # read-only mount, someone else's folder): decided before anything is created,
        # locked or written, and then nothing ever is.
        self.read_only_reason = _read_only_reason(self.folder) or (
            f"The library at {self.folder} was opened for reading only." if read_only else "")
        self.read_only = bool(self.read_only_reason)
        ro = self.read_only
        try:
            if not ro:
                self.folder.mkdir(parents=True, exist_ok=True)
            with nullcontext() if ro else _creating(self.folder):
                self.user = UserData(self.folder / "user.sqlite", read_only=ro)
                store_file = self.folder / "documents.sqlite"
                # A store file that was there (and not emptied to zero bytes) was not
                # lost, even with no documents: a first batch's index commit may have
                # gone through and its store commit not (a full disk, a kill between).
                self._store_existed = store_file.is_file() and store_file.stat().st_size > 0
                self.store = self._open_store()
                self.index = IndexStore(self.folder / "index", read_only=ro)
        # OSError, not only PermissionError: a read-only file system (EROFS) or a full
        # disk escaped as a traceback (reliability tests). DatabaseError, not only
        # OperationalError: a damaged user.sqlite must stop with a message and never be
        # replaced, because what the user created cannot be rebuilt from sources.
        except OSError as exc:
            raise LibraryError(_cannot_read(self.folder, exc) if ro
                               else _cannot_write(self.folder, exc)) from exc
        except sqlite3.DatabaseError as exc:
            raise LibraryError(_cannot_read(self.folder, exc) if ro
                               else _cannot_open(self.folder, exc)) from exc
        self._searcher: Searcher | None = None
        self._dups: DupTracker | None = None  # the indexing runs' near-duplicate state
        self._workbench: Workbench | None = None
        self._enricher: Enricher | None = None
        self._price_book: tuple[tuple[int, int], PriceBook] | None = None
        self._enricher_lock = threading.Lock()
        self._alias_table: tuple[Enricher, dict[tuple[str, str], str]] | None = None
        self._name_table: tuple[int, NameLookup] | None = None
        self._catalogue_version = 0  # bumped by every catalogue change
        if not self._store_damage and self._store_lost():
            # documents.sqlite deleted or emptied: the index points at nothing, and every
            # hit showed as "(missing document)" (reliability tests).
            self._store_damage = "it was missing or empty"
        if self._store_damage:
            # The index describes documents the fresh store no longer holds; empty it
            # (the next update re-reads every source) and say why, as for any rebuild.
            with WriteLock(self.folder):  # reset() deletes the index: never under a writer
                self.index.reset()
            self.index.needs_rebuild = True
            self.index.rebuild_reason = (
                f"the document store was damaged ({self._store_damage}); the sources "
                "will be read again"
            )
        elif self.index.needs_rebuild and self.store.count() == 0:
            self.index.needs_rebuild = False  # nothing to refill; a fresh index is right
        elif not self.index.needs_rebuild and self.index.doc_count() == 0 and self.store.count():
            # An empty index over a full store: a deleted TOC or index folder, or a kill
            # during rebuild_index (reset, then killed before its one commit). Whoosh
            # opens such an index without complaint, so searches silently found nothing.
            self.index.needs_rebuild = True
            self.index.rebuild_reason = "the search index was missing or empty"
        if ro and self.index.needs_rebuild:
            self.close()
            raise LibraryReadOnlyError(rebuild_refused(self.folder, self.index.rebuild_reason))

    def _store_lost(self) -> bool:
        if self.read_only:
            return False  # it opened, so it is there; and there is no lock to look under
        if self._store_existed or self.store.count() or not self.index.doc_count():
            return False
        # Another process between its index commit and its store commit looks the
        # same for a moment; only a look under the write lock is conclusive.
        try:
            with WriteLock(self.folder, timeout=0.5):
                return self.store.count() == 0 and self.index.doc_count() > 0
        except LibraryBusyError:
            return False  # someone is writing right now; not the time to judge

    def _open_store(self) -> DocumentStore:
        path = self.folder / "documents.sqlite"
        if self.read_only:
            # No quick_check: damage it found could not be repaired, and it reads the
            # whole file. Reading the table catches a missing or foreign file; damage
            # inside rows is caught by their checksums as they are read.
            readable = DocumentStore(path, read_only=True)
            readable.conn.execute("SELECT count(*) FROM documents").fetchone()
            return readable
        store: DocumentStore | None = None
        try:
            trusted = _store_unchanged_since_close(path)
            store = DocumentStore(path)
            if trusted:
                store.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return store
            # quick_check reads the whole file (seconds at 50k documents), so it runs only
            # when the store was not closed cleanly by us or changed since.
            row = store.conn.execute("PRAGMA quick_check").fetchone()
            if row is None or row[0] != "ok":
                # quick_check reports most damage as a row, not as an exception.
                raise sqlite3.DatabaseError(f"quick_check: {row[0] if row else 'no answer'}")
            return store
        except sqlite3.OperationalError as exc:
            if _is_environment(exc):
                raise  # a full disk or locked file is not damage; never discard the store
            damage: Exception = exc
        except sqlite3.DatabaseError as exc:
            damage = exc
        # The store is rebuildable from sources; keep the damaged copy for inspection.
        log.warning("document store damaged (%s); starting a fresh one", damage)
        if store is not None:
            store.close()
        # The WAL and shared-memory files go with it: a fresh database next to the old
        # WAL would have SQLite replay the old frames into it.
        for suffix in ("", "-wal", "-shm"):
            old = path.with_name(path.name + suffix)
            if old.exists():
                os.replace(old, path.with_name(f"documents.damaged{suffix}"))
        self._store_damage = str(damage)
        return DocumentStore(path)

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self.index.close()
        self.store.close()
        self.user.close()
        if not self.read_only:
            _remember_clean_close(self.folder / "documents.sqlite")

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sources ----------------------------------------------------------------------
    def sources(self) -> list[Path]:
        return self.user.sources()

    def add_sources(self, paths: list[Path]) -> None:
        self.refuse_writing()
        for p in paths:
            self.user.add_source(Path(p).expanduser().absolute())

    def remove_source(self, path: Path) -> None:
        self.refuse_writing()
        self.user.remove_source(Path(path).absolute())

    def ensure_default_sources(self) -> bool:
        """A library with no sources gets the bundled seeds; True if it did."""
        if self.read_only or self.sources():
            return False  # read-only: what it holds is all it can show
        from .paths import seeds_dir

        self.add_sources([seeds_dir()])
        return True

    # -- enrichment --------------------------------------------------------------------
    @cached_property
    def topics(self) -> TopicClassifier:
        from .enrich.topics import TopicClassifier

        return TopicClassifier.load()

    def catalogue(self) -> Catalogue:
        return self.enricher().catalogue

    def enricher(self) -> Enricher:
        with self._enricher_lock:
            if self._enricher is None:
                from .enrich.catalogue import Catalogue
                from .enrich.enricher import Enricher

                cat = Catalogue.load(user=self.user.changes())
                self._enricher = Enricher(cat, self.topics)
            return self._enricher

    def _indexer(self):  # type: ignore[no-untyped-def]
        from .enrich.enricher import Enricher
        from .pipeline import Indexer

        recipe = partial(Enricher.default, self.user.changes())
        if self._dups is None:
            from .dedup.tracker import DupTracker

            self._dups = DupTracker()
        return Indexer(self.store, self.index, self.enricher, max_bytes=self.max_bytes,
                       worker_enricher=recipe, dups=self._dups)

    # -- writing -----------------------------------------------------------------------
    def update(
        self,
        paths: list[Path] | None = None,
        *,
        changed: list[Path] | None = None,
        progress: ProgressSink = null_sink,
        cancel: CancelToken | None = None,
        lock_timeout: float = 10.0,
    ) -> IndexReport:
        """Add ``paths`` as sources (if given) and bring the index up to date.

        ``changed`` (files or folders a watcher reported) limits the work to them and to
        the new ``paths``; paths outside the sources are ignored. Without it every
        source is scanned.
        """
        with self._writing():
            if paths:
                self.add_sources(paths)
            with WriteLock(self.folder, timeout=lock_timeout):
                added = [Path(p).expanduser() for p in paths or []]
                only = None if changed is None else [*changed, *added]
                # Files whose damaged rows were dropped are read again, whatever changed.
                unread = [Path(p) for p in self.store.take_unread()]
                # Mail indexed before its attachments were read: read again, once.
                from .ingest.rereads import REREAD

                unread += [Path(p) for p in self.store.reread_once(*REREAD)]
                if only is not None:
                    only += unread
                self.index.check_pending()  # the hashing a large index's opening deferred
                self.store.fill_checksums()  # once, for a store from before checksums
                if not self.store.count():  # a new store: enriched the current way
                    self.store.set_meta("enrichment", ENRICHMENT_VERSION)
                if self.index.needs_rebuild:
                    self.rebuild_index(progress=progress, _locked=True)
                    # A damaged store was replaced by an empty one: only a full scan
                    # reads back the sources nothing changed in.
                    only = None
                roots = self.sources()
                report = self._indexer().run(roots, progress=progress, cancel=cancel,
                                             only=only)  # fmt: skip
            if report.added or report.updated:
                self.workbench.after_change()
            return report

    def rebuild_index(self, *, progress: ProgressSink = null_sink, _locked: bool = False) -> int:
        self.refuse_writing()
        if not _locked:
            with self._writing(), WriteLock(self.folder):
                return self.rebuild_index(progress=progress, _locked=True)
        log.warning("rebuilding the index: %s", self.index.rebuild_reason or "requested")
        if self.store.count() and self.store.get_meta("enrichment") != ENRICHMENT_VERSION:
            # Stored documents from before language detection: enriched again (their
            # language decides how their bodies are stemmed), not only re-indexed.
            self.index.reset()
            self.index.mark_rebuilding(True)
            n = self._indexer().reenrich(self.enricher(), progress=progress)
            self.index.mark_rebuilding(False)
        else:
            n = self._indexer().rebuild_index(progress=progress)
        self.store.set_meta("enrichment", ENRICHMENT_VERSION)
        self.index.needs_rebuild = False
        return n

    def refuse_writing(self) -> None:
        """Raise LibraryReadOnlyError (saying why) if the library can only be read."""
        if self.read_only:
            raise LibraryReadOnlyError(self.read_only_reason)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Environment failures while writing become one clear LibraryError.

        A full disk or a read-only folder surfaced as a bare sqlite3/OSError traceback
        (reliability tests). Nothing partial is left: the Whoosh writer is cancelled
        and the store's transaction rolled back, so the next run picks up from the
        last complete batch. A read-only library refuses before anything is touched.
        """
        self.refuse_writing()
        try:
            yield
        except OSError as exc:
            raise LibraryError(_cannot_write(self.folder, exc)) from exc
        except sqlite3.OperationalError as exc:
            raise LibraryError(_cannot_write(self.folder, exc)) from exc

    def apply_catalogue_changes(
        self, *, progress: ProgressSink = null_sink, cancel: CancelToken | None = None
    ) -> int:
        """Re-enrich every stored document with the current catalogue."""
        self._enricher = None
        self._catalogue_version += 1
        with self._writing(), WriteLock(self.folder):
            return self._indexer().reenrich(self.enricher(), progress=progress, cancel=cancel)

    def add_entity(self, entity: Entity) -> None:
        with self._writing():
            self.user.add_entity(entity)
        self._enricher = None
        self._catalogue_version += 1

    def forget_catalogue(self) -> None:
        """The catalogue edits in the user data changed behind this object (a team
        library's pull): the enricher and name tables are built again when next used."""
        self._enricher = None
        self._catalogue_version += 1

    def add_user_entity(self, surface: str, etype: str, name: str) -> Entity:
        """Add what the user selected in an article as a new entity; returns it."""
        from .enrich.catalogue import Entity
        from .slug import slug

        entity = Entity(id=f"user-{slug(name)}", type=etype, name=name,
                        aliases=(surface,) if surface != name else (), exact=(), ticker=None,
                        series=())
        self.add_entity(entity)
        return entity

    def add_alias(self, entity_id: str, alias: str) -> None:
        with self._writing():
            self.user.add_alias(entity_id, alias)
        self._enricher = None
        self._catalogue_version += 1

    def hide_entity(self, entity_id: str) -> None:
        with self._writing():
            self.user.hide_entity(entity_id)
        self._enricher = None
        self._catalogue_version += 1

    # -- reading -----------------------------------------------------------------------
    @property
    def workbench(self) -> Workbench:
        """Saved searches, alerts, tags, stars, notes and quotes (user data)."""
        if self._workbench is None:
            from .workbench.service import Workbench

            # The search lane and the index lane may ask first at the same moment: two
            # instances would each queue arrivals the window drains from only one.
            with self._enricher_lock:
                if self._workbench is None:
                    self._workbench = Workbench(self)
        return self._workbench

    @property
    def searcher(self) -> Searcher:
        if self._searcher is None:
            self._searcher = Searcher(self.index, self.store, self._alias_lookup,
                                      self._name_lookup, self.workbench)
        return self._searcher

    def prepare_search(self) -> None:
        """The one-off work of the first worded query, done before anyone types: the
        catalogue's names (its TOML parsed) and the Chinese script table; 80-150 ms of
        the first keystroke's answer otherwise."""
        from .cjk import fold

        self._name_lookup("")
        fold("寧")

    def _name_lookup(self, word: str) -> tuple[Named, ...]:
        """Entities a query word names, in any of their names (names across languages).

        From the catalogue alone: building the enricher (its matcher) for this cost the
        first search 120 ms."""
        cached = self._name_table
        if cached is None or cached[0] != self._catalogue_version:
            from .enrich.catalogue import Catalogue

            enricher = self._enricher
            cat = enricher.catalogue if enricher is not None else Catalogue.load(
                user=self.user.changes())
            facet_of = {etype: field for field, etype in ENTITY_FACETS.items()}
            # The name as the facet stores it (index.schema drops commas).
            rows = [(facet_of[e.type], e.name.replace(",", " ").strip(), tuple(e.aliases),
                     tuple(e.exact)) for e in cat.entities
                    if e.type in facet_of and '"' not in e.name]  # fmt: skip
            cached = self._name_table = (self._catalogue_version, name_table(rows))
        return cached[1](word)

    def _alias_lookup(self, field: str, typed: str) -> str | None:
        """``company:"Contemporary Amperex"`` finds CATL: aliases resolve to names."""
        enricher = self.enricher()
        table = self._alias_table
        if table is None or table[0] is not enricher:
            names: dict[tuple[str, str], str] = {}
            for e in enricher.catalogue.entities:
                for alias in (e.name, *e.aliases):
                    names.setdefault((e.type, alias.lower()), e.name)
            table = self._alias_table = (enricher, names)
        return table[1].get((field, typed.lower()))

    def search(self, request: SearchRequest | str) -> SearchResult:
        if isinstance(request, str):
            request = SearchRequest(query=request)
        return self.searcher.search(request)

    def matching_ids(self, request: SearchRequest) -> tuple[str, ...]:
        """Every document ``request`` finds, in its order (no snippets: bulk actions)."""
        every = replace(request, ids_only=True, limit=max(1, self.index.doc_count()),
                        offset=0, with_facets=False, typing=False)  # fmt: skip
        return self.searcher.search(every).ids

    def cluster_search(self, request: SearchRequest, cluster_id: str) -> SearchResult:
        """``request`` within one near-duplicate cluster, unfolded: a folded hit's
        "N similar" expanded."""
        members = self.searcher.cluster_members(cluster_id)
        return self.search(replace(request, within_ids=members, collapse=False, offset=0))

    def document(self, doc_id: str) -> Document | None:
        return self.store.document(doc_id)

    def has_document(self, doc_id: str) -> bool:
        return self.store.hit_row(doc_id) is not None

    def highlights(self, doc: Document, query: str) -> list[HighlightSpan]:
        """Query-term spans over ``doc.full_text``."""
        return highlight_spans(doc.full_text, self.searcher.terms_for(query),
                               (doc.language,) if doc.language else ())

    def more_like(self, doc_id: str, n: int = 8) -> list[Hit]:
        return self.searcher.more_like(doc_id, n)

    def failures(self) -> list[Failure]:
        return self.store.failures()

    @property
    def store_repairs(self) -> list[Damage]:
        """Stored rows found damaged this session and dropped; their files are read
        again by the next update."""
        return list(self.store.repairs)

    def verify(self, *, progress: ProgressSink = null_sink) -> VerifyReport:
        """Check every index file and stored row against its checksum, and repair."""
        from .verify import verify_library

        return verify_library(self, progress)

    def _reopen_store(self) -> None:
        """Open the store again (checking it: a damaged one is set aside); for verify."""
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self.store.close()
        self.store = self._open_store()
        self._price_book = None

    def count(self) -> int:
        return self.store.count()

    def prices(self) -> PriceBook:
        gen = (id(self.index.index), self.index.generation())  # a reset restarts the count
        if self._price_book is None or self._price_book[0] != gen:
            from .prices.book_cache import cache_key, merged_series
            from .prices_view import price_book_of

            key = cache_key(self.store.conn, self.user.conn, gen[1])
            merged = merged_series(
                self.folder, key,
                lambda: self.store.series_snapshots() + self.user.imported_series(),
                read_only=self.read_only)  # fmt: skip
            self._price_book = (gen, price_book_of(merged, self.catalogue()))
        return self._price_book[1]

    def market_context(self, doc: Document) -> tuple[MarketContext, ...]:
        return self.prices().market_context(doc)

    def news_markers(self, series_ids: list[str], doc_ids: list[str]) -> list[NewsMarker]:
        from .prices_view import NewsMarker

        book = self.prices()
        entity_pair = self._entity_facet_pairs()
        linked = {sid: {entity_pair[e]: e for e in view.entity_ids if e in entity_pair}
                  for sid in series_ids if (view := book.get(sid)) is not None}  # fmt: skip
        wanted = {pair for pairs in linked.values() for pair in pairs}
        # The facet arrays say who mentions what: no document is read (60 ms → 1 ms).
        found = self.searcher.mentions(doc_ids, wanted) if wanted else []
        names = self._entity_names()
        out: list[NewsMarker] = []
        for sid, pairs in linked.items():
            for m in found:
                have = set(m.pairs)  # named in the series' own order of links
                hit = tuple(dict.fromkeys(names[e] for p, e in pairs.items() if p in have))
                if hit and m.date is not None:
                    out.append(NewsMarker(m.doc_id, m.date, m.title, sid, hit))
        return out

    def _entity_facet_pairs(self) -> dict[str, tuple[str, str]]:
        """Each catalogue entity's (facet field, value) as the index stores it."""
        facet_of = {etype: field for field, etype in ENTITY_FACETS.items()}
        return {e.id: (facet_of[e.type], e.name.replace(",", " ").strip())
                for e in self.catalogue().entities if e.type in facet_of}  # fmt: skip

    def _entity_names(self) -> dict[str, str]:
        return {e.id: e.name for e in self.catalogue().entities}

    def export_results(self, request: SearchRequest, path: Path) -> int:
        from .export import export_results_csv

        return export_results_csv(self.searcher, self.store, request, path)

    def import_prices(self, path: Path) -> int:
        from .ingest.xlsx_reader import XLSX_SUFFIXES, import_xlsx
        from .prices.csv_import import import_csv

        self.refuse_writing()  # before reading the file: its problems would be moot
        reader = import_xlsx if Path(path).suffix.lower() in XLSX_SUFFIXES else import_csv
        snaps = reader(Path(path))
        with self._writing():
            # One transaction: a kill mid-import leaves all of the file's series or none.
            self.user.put_imported_series_many(Path(path).name, snaps)
        self._price_book = None
        self.workbench.after_change(documents=False)  # new points: the alerts look again
        return len(snaps)


@contextmanager
def _creating(folder: Path) -> Iterator[None]:
    """Two processes creating one new library are serialised: the first creates it, the
    others wait and open what it made. An existing library opens without this lock (an
    indexer holds the write lock for minutes; readers must not wait for it)."""
    if (folder / "index").is_dir() and (folder / "user.sqlite").is_file():
        yield
        return
    with WriteLock(folder, name="create.lock", timeout=60.0):
        yield


def _is_environment(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return any(w in text for w in ("disk is full", "locked", "readonly", "unable to open"))


def _cannot_write(folder: Path, exc: BaseException) -> str:
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    code = exc.errno if isinstance(exc, OSError) else None
    if code == errno.ENOSPC or "disk is full" in str(exc).lower():
        return (f"The disk holding the library at {folder} is full ({detail}). Free some "
                "space and index again; nothing already indexed was lost.")
    if code == errno.EROFS or "readonly" in str(exc).lower() or not os.access(folder, os.W_OK):
        return (f"The library folder {folder} is read-only ({detail}); Cellsight needs to "
                "write to it. Choose another library folder or make this one writable.")
    return f"Cannot write to the library folder {folder}: {detail}"


# What a library folder holds that a writer opens for writing.
_WRITTEN = ("user.sqlite", "documents.sqlite", "index")


def _read_only_reason(folder: Path) -> str:
    """Why the library in ``folder`` can only be read, as a sentence; "" when it can be
    written, or when there is no library there (creating one needs writing anyway)."""
    if not (folder / "user.sqlite").is_file():
        return ""
    why = ""
    for path in (folder, *(folder / name for name in _WRITTEN)):
        if path.exists() and not os.access(path, os.W_OK):
            why = _why_read_only(folder, None)
            break
    else:
        # access() answers from the permission bits, which a file system can overrule
        # (an NFS server mapping root to nobody, an ACL, a read-only remount it hides):
        # open the lock file every writer opens. It is there already in a library that
        # was ever indexed, so this changes nothing.
        try:
            os.close(os.open(folder / "write.lock", os.O_RDWR | os.O_CREAT, 0o644))
        except OSError as exc:
            if exc.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
                return ""  # something else; opening for writing reports it in words
            why = _why_read_only(folder, exc)
    if not why:
        return ""
    return (f"The library at {folder} is read-only ({why}): you can search and read, "
            "but not index, edit the catalogue or import prices.")


def _why_read_only(folder: Path, exc: OSError | None) -> str:
    if exc is not None and exc.errno == errno.EROFS:
        return "a read-only file system"
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "a read-only file system"
    except (OSError, AttributeError):  # no statvfs on Windows
        pass
    return "no permission to write to it"


def _cannot_read(folder: Path, exc: BaseException) -> str:
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return (f"Cannot open the read-only library at {folder}: {detail}. It may be damaged "
            "or incomplete, and cannot be repaired while it is read-only.")


def _cannot_open(folder: Path, exc: BaseException) -> str:
    if os.path.isdir(folder) and not os.access(folder, os.W_OK):
        return _cannot_write(folder, exc)
    return f"Cannot open the library at {folder}: {exc}"


# documents.sqlite as it was when a library last closed cleanly: (size, mtime in ns).
_CLEAN_MARK = "documents.closed"


def _fingerprint(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size} {st.st_mtime_ns}"


def _store_unchanged_since_close(path: Path) -> bool:
    """True when the store is byte-for-byte the file a clean close left (same size and
    modification time, no write-ahead log pending). The mark is consumed: a crash in
    this session leaves none, so the next open checks the file again."""
    mark = path.with_name(_CLEAN_MARK)
    try:
        expected = mark.read_text().strip()
        mark.unlink()
        wal = path.with_name(path.name + "-wal")
        return expected == _fingerprint(path) and (not wal.exists() or not wal.stat().st_size)
    except OSError:
        return False


def _remember_clean_close(path: Path) -> None:
    try:
        if path.exists():
            tmp = path.with_name(_CLEAN_MARK + ".tmp")
            tmp.write_text(_fingerprint(path))
            os.replace(tmp, path.with_name(_CLEAN_MARK))
    except OSError:
        pass  # only an optimisation: the next open runs the full check
