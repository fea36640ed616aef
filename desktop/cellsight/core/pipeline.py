"""Incremental indexing: scan → read → enrich → write, in batches.

Crash safety comes from ordering: the Whoosh commit of a batch happens before the
store records its files, so a kill between the two only makes the next run re-read
those files (document ids are deterministic, so the re-add replaces, never doubles).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .enrich.enricher import Enricher
from .errors import IngestError
from .index.schema import to_fields
from .index.whoosh_index import IndexStore
from .ingest.registry import DEFAULT_MAX_BYTES, parse_bytes
from .model import Document, Failure, IndexReport
from .progress import CancelToken, Progress, ProgressSink, null_sink
from .scan import SourceFile, scan, sidecar_for, under_any
from .store import DocumentStore, FileRecord

log = logging.getLogger("cellsight.index")

BATCH_DOCS = 1000
BATCH_SECONDS = 5.0


def doc_id_for(path: str, part: int) -> str:
    return hashlib.blake2b(f"{path}#{part}".encode(), digest_size=8).hexdigest()


def _hash(data: bytes, sidecar: Path | None) -> str:
    h = hashlib.blake2b(data, digest_size=16)
    if sidecar is not None:
        h.update(sidecar.read_bytes())
    return h.hexdigest()


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
    ) -> None:
        self.store = store
        self.index = index
        self._enricher_factory = enricher_factory
        self.max_bytes = max_bytes
        self._bad_names: set[str] = set()

    def run(
        self,
        roots: Iterable[Path],
        *,
        progress: ProgressSink = null_sink,
        cancel: CancelToken | None = None,
        prune: bool = True,
    ) -> IndexReport:
        """Bring the index in line with the files under ``roots``."""
        t0 = time.monotonic()
        roots = [Path(r).absolute() for r in roots]
        progress(Progress(0, 0, "scanning"))
        files, self._bad_names = _storable(scan(roots))
        known = self.store.files()
        counts = {"added": 0, "updated": 0, "removed": 0, "unchanged": 0}
        failures: list[Failure] = []
        batch = _Batch()
        enricher: Enricher | None = None
        cancelled = False

        current = {f.path for f in files}
        if prune:
            for path in known:
                if path not in current and under_any(path, roots):
                    batch.dropped_paths.append(path)
                    counts["removed"] += len(self.store.doc_ids_for_path(path))

        todo = [f for f in files if _changed(known.get(f.path), f)]
        counts["unchanged"] = len(files) - len(todo)
        total = len(todo)
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
        path = Path(src.path)
        try:
            if src.path in self._bad_names:
                raise IngestError(src.path, "the file name is not valid UTF-8 text; rename "
                                  "the file to index it")
            if src.size > self.max_bytes:
                raise IngestError(
                    src.path,
                    f"too large ({src.size / 1e6:.1f} MB; the limit is "
                    f"{self.max_bytes / 1e6:.3g} MB)",  # .3g: a small limit read "0 MB"
                )
            try:
                data = path.read_bytes()
                # Inside the try: an unreadable (or vanished) sidecar aborted the whole
                # run with a bare OSError instead of failing this one file.
                digest = _hash(data, sidecar_for(path))
            except OSError as exc:
                raise IngestError(src.path, f"cannot read: {exc.strerror or exc}") from exc
            if rec is not None and rec.hash == digest and rec.ok:
                batch.files.append(FileRecord(src.path, src.mtime_ns, src.size, digest, True))
                return "unchanged"
            parsed = parse_bytes(path, data)
        except IngestError as exc:
            log.info("skipped %s: %s", exc.path, exc.reason)
            batch.failures.append(Failure(exc.path, exc.reason))
            batch.deletes.extend(self.store.doc_ids_for_path(src.path))
            batch.files.append(FileRecord(src.path, src.mtime_ns, src.size, "", False))
            return "failed"
        old_ids = set(self.store.doc_ids_for_path(src.path))
        for p in parsed:
            doc_id = doc_id_for(src.path, p.part)
            batch.adds.append(enricher.enrich(doc_id, p))
            old_ids.discard(doc_id)
        batch.deletes.extend(old_ids)
        batch.files.append(FileRecord(src.path, src.mtime_ns, src.size, digest, True))
        return "updated" if rec is not None else "added"

    def _flush(self, batch: _Batch) -> None:
        if not batch.size() and not batch.failures:
            return
        dropped_ids = [i for p in batch.dropped_paths for i in self.store.doc_ids_for_path(p)]
        writer = self.index.writer()
        try:
            for doc_id in (*batch.deletes, *dropped_ids):
                writer.delete_by_term("id", doc_id)
            for doc in batch.adds:
                writer.update_document(**to_fields(doc))
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        self.store.begin()
        try:
            for path in batch.dropped_paths:
                self.store.delete_file(path)
            self.store.delete_documents(batch.deletes)
            for doc in batch.adds:
                self.store.put_document(doc)
            for rec in batch.files:
                self.store.put_file(rec)
                if rec.ok:
                    self.store.clear_failure(rec.path)
            for failure in batch.failures:
                self.store.put_failure(failure.path, failure.reason)
            self.store.commit()
        except BaseException:
            self.store.rollback()
            raise

    def reenrich(
        self,
        enricher: Enricher,
        *,
        progress: ProgressSink = null_sink,
        cancel: CancelToken | None = None,
    ) -> int:
        """Re-apply the catalogue to stored documents without reading source files."""
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
        return n


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
