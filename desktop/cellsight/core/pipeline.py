"""Incremental indexing: scan → read → enrich → write, in batches.

Crash safety comes from ordering: the Whoosh commit of a batch happens before the
store records its files, so a kill between the two only makes the next run re-read
those files (document ids are deterministic, so the re-add replaces, never doubles).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import faults, gc_pause
from .bulk import BULK_MIN, BulkBuild, job_sizes, worker_count
from .dedup.clusters import signed as signed_docs
from .dedup.tracker import DupTracker
from .enrich.enricher import Enricher
from .file_outcome import doc_id_for, process_file  # noqa: F401 - doc_id_for re-exported
from .index.schema import to_fields
from .index.segments import merge_small
from .index.whoosh_index import IndexStore
from .ingest.registry import DEFAULT_MAX_BYTES
from .model import Document, Failure, IndexReport
from .progress import CancelToken, Progress, ProgressSink, null_sink
from .scan import Reach, SourceFile, list_folder, scan, scan_tree, targets, under_any
from .store import DocumentStore, FileRecord, document_row

log = logging.getLogger("cellsight.index")

BATCH_DOCS = 1000
BATCH_SECONDS = 5.0


@dataclass
class _Batch:
    adds: list[Document] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    files: list[FileRecord] = field(default_factory=list)
    dropped_paths: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def size(self) -> int:
        return len(self.adds) + len(self.deletes) + len(self.files) + len(self.dropped_paths)


class Indexer:
    def __init__(
        self,
        store: DocumentStore,
        index: IndexStore,
        enricher_factory: Callable[[], Enricher],
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        worker_enricher: Callable[[], Enricher] | None = None,
        dups: DupTracker | None = None,
    ) -> None:
        """``worker_enricher`` is a picklable recipe for the enricher; given, large runs
        are indexed by worker processes (see bulk.py). ``dups``: the library's
        near-duplicate tracker, kept from run to run (else one for this run)."""
        self.store = store
        self.worker_enricher = worker_enricher
        self.index = index
        self._enricher_factory = enricher_factory
        self.max_bytes = max_bytes
        self._bad_names: set[str] = set()
        self.dups = dups if dups is not None else DupTracker()

    def run(
        self,
        roots: Iterable[Path],
        *,
        progress: ProgressSink = null_sink,
        cancel: CancelToken | None = None,
        prune: bool = True,
        only: list[Path] | None = None,
    ) -> IndexReport:
        """Bring the index in line with the files under ``roots``.

        ``only`` limits the run to what changed (a file-system watcher's report): those
        files and folders are looked at and compared, the rest of the library is not.
        """
        tables: list[Any] = []  # the run's survey, released a slice at a time
        with gc_pause.indexing_run():
            try:
                return self._run(roots, progress=progress, cancel=cancel, prune=prune,
                                 only=only, tables=tables)  # fmt: skip
            finally:
                gc_pause.release(tables)

    def _run(self, roots: Iterable[Path], *, progress: ProgressSink,
             cancel: CancelToken | None, prune: bool, only: list[Path] | None,
             tables: list[Any]) -> IndexReport:  # fmt: skip
        t0 = time.monotonic()
        roots = [Path(r).absolute() for r in roots]
        progress(Progress(0, 0, "scanning"))
        with gc_pause.building_tables():  # a record per source file (see gc_pause)
            found, known = _survey(self.store, roots, only)
            files, self._bad_names = _storable(found)
            tables += [known, files]
        counts = {"added": 0, "updated": 0, "removed": 0, "unchanged": 0}
        failures: list[Failure] = []
        batch = _Batch()
        enricher: Enricher | None = None
        cancelled = False

        # The index commits before the store, so it can only hold more live documents
        # than the store if some are orphans; counting is ms, the full look is ~0.6 s.
        if only is None and prune and self.index.doc_count() > self.store.count():
            orphans = self._index_orphans()
            if orphans:  # first, on their own: a file read again below may re-add one
                log.warning("removing %d indexed documents the store never recorded",
                            len(orphans))
                self._flush(_Batch(deletes=orphans))
        # A library from before near-duplicates (or of another signature format) is
        # signed once from its stored documents, before this run's batches join it.
        self.dups.backfill(self.store.conn, progress=progress, cancel=cancel)
        current = {f.path for f in files}
        tables.append(current)
        if prune:
            for path in known:
                if path not in current and under_any(path, roots):
                    batch.dropped_paths.append(path)
                    counts["removed"] += len(self.store.doc_ids_for_path(path))

        todo = [f for f in files if _changed(known.get(f.path), f)]
        tables.append(todo)
        counts["unchanged"] = len(files) - len(todo)
        total = len(todo)
        n = 0
        bulk = self._bulk() if total >= BULK_MIN else None
        _plan_faults(total, bulk is not None)
        if bulk is not None:
            outcome = bulk.run(todo, known, progress, cancel)
            for kind, k in outcome.counts.items():
                if kind in counts:
                    counts[kind] += k
            failures.extend(outcome.failures)
            cancelled, n = outcome.cancelled, sum(outcome.counts.values())
            todo = []  # every changed file went through the workers
        for n, src in enumerate(todo):
            if cancel is not None and cancel.is_set():
                cancelled = True
                break
            progress(Progress(n, total, "indexing", src.path, _eta(t0, n, total)))
            if enricher is None:
                enricher = self._enricher_factory()
            outcome = self._process(src, known.get(src.path), enricher, batch)
            if outcome == "failed":
                failures.append(batch.failures[-1])
            elif outcome in counts:
                counts[outcome] += 1
            faults.reached("file-processed")
            if batch.size() >= BATCH_DOCS or time.monotonic() - batch.started > BATCH_SECONDS:
                self._flush(batch)
                batch = _Batch()
        self._flush(batch)
        progress(Progress(total if not cancelled else n, total, "done"))
        return IndexReport(
            added=counts["added"],
            updated=counts["updated"],
            removed=counts["removed"],
            unchanged=counts["unchanged"],
            failed=tuple(failures),
            cancelled=cancelled,
            seconds=time.monotonic() - t0,
        )

    def _process(
        self, src: SourceFile, rec: FileRecord | None, enricher: Enricher, batch: _Batch
    ) -> str:
        out = process_file(
            src, rec, self.store.doc_ids_for_path(src.path), enricher,
            bad_name=src.path in self._bad_names, max_bytes=self.max_bytes,
        )  # fmt: skip
        batch.adds.extend(out.docs)
        batch.deletes.extend(out.deletes)
        batch.files.append(out.record)
        if out.failure is not None:
            batch.failures.append(out.failure)
        return out.kind

    def _index_orphans(self) -> list[str]:
        """Live index documents without a store row. A kill between a batch's index
        commit and its store commit leaves some; the next run reads their files again
        and replaces them, unless a file was deleted in between: then nothing named
        them any more and they stayed searchable for good (reliability test)."""
        return self.index.live_ids_not_in(self.store.all_ids())

    def _flush(self, batch: _Batch) -> None:
        if not batch.size() and not batch.failures:
            return
        dropped_ids = [i for p in batch.dropped_paths for i in self.store.doc_ids_for_path(p)]
        writer = self.index.writer()
        try:
            found = self.index.deleting_searcher(writer)
            for doc_id in (*batch.deletes, *dropped_ids):
                writer.delete_by_term("id", doc_id, searcher=found)
            for doc in batch.adds:
                # As update_document, but through the pooled searcher: its look-up
                # takes one match, which over a stale deletion set can be a dead copy.
                fields = to_fields(doc)
                writer.delete_by_term("id", fields["id"], searcher=found)
                writer.add_document(**fields)
            writer.commit(mergetype=merge_small)
        except BaseException:
            writer.cancel()
            raise
        faults.reached("index-committed")
        self.store.record_batch(
            rows=[document_row(d) for d in batch.adds], deletes=batch.deletes,
            files=batch.files, failures=batch.failures, dropped_paths=batch.dropped_paths,
            extra=self.dups.hook([*batch.deletes, *dropped_ids], signed_docs(batch.adds)),
        )  # fmt: skip
        faults.reached("batch-committed")

    def _bulk(self) -> BulkBuild | None:
        if self.worker_enricher is None or worker_count() == 0:
            return None
        return BulkBuild(self.store, self.index, self.worker_enricher,
                         max_bytes=self.max_bytes, bad_names=self._bad_names,
                         dups=self.dups)  # fmt: skip

    def reenrich(
        self,
        enricher: Enricher,
        *,
        progress: ProgressSink = null_sink,
        cancel: CancelToken | None = None,
    ) -> int:
        """Re-apply the catalogue to stored documents without reading source files.

        ``enricher`` is used in-process; worker processes build theirs from the
        ``worker_enricher`` recipe, which the library makes from the same catalogue.
        """
        bulk = self._bulk()
        if bulk is not None and self.store.count() >= BULK_MIN:
            outcome = bulk.run_stored(self.store.all_ids_sorted(), "reenrich", progress, cancel)
            progress(Progress(outcome.done, outcome.done, "done"))
            return outcome.done
        docs = list(self.store.documents())
        batch = _Batch()
        for n, doc in enumerate(docs):
            if cancel is not None and cancel.is_set():
                break
            if n % 50 == 0:
                progress(Progress(n, len(docs), "updating entities", doc.parsed.title))
            batch.adds.append(enricher.enrich(doc.id, doc.parsed))
            if len(batch.adds) >= BATCH_DOCS:
                self._flush(batch)
                batch = _Batch()
        self._flush(batch)
        progress(Progress(len(docs), len(docs), "done"))
        return len(docs)

    def rebuild_index(self, *, progress: ProgressSink = null_sink) -> int:
        """Refill an empty index from the store (after corruption or a schema change)."""
        self.index.reset()
        self.index.mark_rebuilding(True)  # a kill before the end must not look finished
        bulk = self._bulk()
        if bulk is not None and self.store.count() >= BULK_MIN:
            n = bulk.run_stored(self.store.all_ids_sorted(), "reindex", progress, None).done
            self.index.mark_rebuilding(False)
            self._recluster(progress)
            return n
        writer = self.index.writer()
        n = 0
        try:
            total = self.store.count()
            for n, doc in enumerate(self.store.documents(), 1):
                writer.add_document(**to_fields(doc))
                if n % 200 == 0:
                    progress(Progress(n, total, "rebuilding index", doc.parsed.title))
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        self.index.mark_rebuilding(False)
        self._recluster(progress)
        return n

    def _recluster(self, progress: ProgressSink) -> None:
        """A rebuild recomputes every near-duplicate cluster from the stored texts."""
        self.dups.backfill(self.store.conn, progress=progress, force=True)


def _plan_faults(total: int, bulk: bool) -> None:
    """Tell fault injection how many events this run passes at least (see faults.py)."""
    if not faults.armed() or not total:
        return
    commits = len(job_sizes(total, worker_count())) if bulk else -(-total // BATCH_DOCS)
    for point in ("segment-file", "index-committed", "batch-committed"):
        faults.plan(point, commits)  # every commit closes at least its TOC file
    faults.plan("file-processed", total)


def _storable(found: Iterable[SourceFile]) -> tuple[list[SourceFile], set[str]]:
    """The scanned files, with names SQLite can store; and the names that were replaced.

    Linux allows file names that are not UTF-8; Python carries them as lone surrogates,
    which SQLite refuses, so one such name crashed the whole run (reliability tests).
    They are kept under a readable stand-in name and reported as failed.
    """
    files: list[SourceFile] = []
    bad: set[str] = set()
    for f in found:
        try:
            f.path.encode("utf-8")
        except UnicodeEncodeError:
            shown = f.path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            f = SourceFile(shown, f.mtime_ns, f.size)
            bad.add(shown)
        files.append(f)
    return files, bad


def _changed(rec: FileRecord | None, src: SourceFile) -> bool:
    # A file that failed and has not changed stays failed; its reason is in the store.
    if rec is None:
        return True
    return rec.mtime_ns != src.mtime_ns or rec.size != src.size


def _eta(t0: float, done: int, total: int) -> float | None:
    if done < 3 or total <= done:
        return None
    elapsed = time.monotonic() - t0
    return elapsed / done * (total - done)


def _survey(
    store: DocumentStore, roots: list[Path], only: list[Path] | None
) -> tuple[Iterable[SourceFile], dict[str, FileRecord]]:
    """The files to compare, and the records to compare them with.

    ``known`` holds only records of the part of the library that was looked at: a
    record in it that is under a root and was not found counts as deleted.
    """
    if only is None:
        return scan(roots), store.files()
    files: list[SourceFile] = []
    known: dict[str, FileRecord] = {}
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[str] = set()
    for target in targets(only, roots):
        if target.reach is Reach.FOLDER:
            _survey_folder(store, target.path, files, known, seen_dirs, seen_files)
        else:
            files += scan_tree(target.path, seen_dirs, seen_files)
            known.update(store.files_under(_shown(target.path)))
    return files, known


def _survey_folder(
    store: DocumentStore,
    folder: str,
    files: list[SourceFile],
    known: dict[str, FileRecord],
    seen_dirs: set[tuple[int, int]],
    seen_files: set[str],
) -> None:
    """A changed folder: its own files, and in full any subfolder the library holds
    nothing from (created, moved in or renamed). Subfolders it knows are left alone:
    they have watches of their own, and re-reading them made one save cost a rescan
    of everything below a source root."""
    key = _shown(folder)
    try:
        found, subdirs = list_folder(folder)
    except OSError:
        # Gone (or unreadable, which a full scan skips too) since it was reported.
        files += scan_tree(folder, seen_dirs, seen_files)
        known.update(store.files_under(key))
        return
    for f in found:
        if f.path not in seen_files:
            seen_files.add(f.path)
            files.append(f)
    known.update(store.files_in(key))
    held = store.folders_in(key)
    present = {_shown(s): s for s in subdirs}
    for sub in held - present.keys():  # deleted, renamed away, or now a file
        known.update(store.files_under(sub))
    for shown, sub in present.items():
        if shown not in held:
            files += scan_tree(sub, seen_dirs, seen_files)


def _shown(path: str) -> str:
    """``path`` as the store spells it (see ``_storable``)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return path
