"""The worker side of a bulk build: files in, one finished Whoosh segment out.

Runs in a spawned process (never forked: the parent may be a Qt process). Each
worker keeps a private, empty Whoosh index in a scratch folder beside the real one
and writes every job's documents into a new segment there; the parent moves the
segment file into the index and lists it in a commit. Documents travel back already
serialised as store rows, so the parent only inserts them.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .dedup.clusters import signed as signed_docs
from .enrich.enricher import Enricher
from .file_outcome import FileOutcome, ReadFile, enrich_file, read_file
from .index.schema import build_schema, to_fields
from .model import Failure
from .scan import SourceFile
from .store import DocumentRow, FileRecord, document_row

INDEX_NAME = "main"  # must match the real index's name: it is part of the file name
CHUNK = 32  # files per stage pass (see _run_chunk), and per progress report
WORKER_NICE = 10  # added to a worker's niceness (see _lower_priority)


@dataclass(frozen=True)
class Job:
    number: int
    files: tuple[SourceFile, ...] = ()
    records: tuple[FileRecord | None, ...] = ()  # the store's record of each file, if any
    old_ids: tuple[tuple[str, ...], ...] = ()  # documents stored for each file
    bad_names: frozenset[str] = frozenset()
    max_bytes: int = 0
    # Stored documents to index again ("reindex") or to re-enrich first ("reenrich"),
    # read from the store at ``store_path``.
    mode: str = "files"
    doc_ids: tuple[str, ...] = ()
    store_path: str = ""


@dataclass
class JobResult:
    number: int
    segment: Any = None  # whoosh Segment, or None when no document was added
    segment_files: tuple[str, ...] = ()  # its files, in the worker's scratch folder
    rows: list[DocumentRow] = field(default_factory=list)
    enrichments: list[tuple[str, str]] = field(default_factory=list)  # (json, id) updates
    added_ids: list[str] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    records: list[FileRecord] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    # Files indexed with members that could not be read (an e-mail's attachments):
    # listed under Problems, not counted as failed.
    problems: list[Failure] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    cancelled: bool = False
    mode: str = "files"
    signed: list[tuple[str, bytes | None, int]] = field(default_factory=list)  # near-dups


class _State:
    enricher: Enricher
    ix: Any
    folder: str
    scratch_root: str
    progress: Any  # multiprocessing queue of finished-file counts
    cancel: Any  # multiprocessing event


_state = _State()


def init_worker(
    make_enricher: Callable[[], Enricher],
    scratch_root: str,
    progress: Any,
    cancel: Any,
    parent: int,
) -> None:
    from .index import whoosh_patches  # noqa: F401 - same fixes as the parent

    # ``parent`` comes from the parent itself: if it died while this process was still
    # starting, getppid() here would already be the re-parenting process.
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    _lower_priority()
    _state.enricher = make_enricher()
    _state.scratch_root = scratch_root
    _state.ix = None
    _state.progress = progress
    _state.cancel = cancel


def _lower_priority() -> None:
    """Workers yield the CPU to the app (and the rest of the desktop), as background
    indexers do: on 2 cores, two workers at the app's priority kept its UI thread
    waiting for a core, stalls of the window while it indexed."""
    try:
        os.nice(WORKER_NICE)
    except OSError:  # not allowed here: run at the same priority
        pass


def _exit_with_parent(parent: int) -> None:
    """A killed app must not leave workers behind: they would go on burning CPU and
    holding its pipes open until their job ended. When the parent dies the worker is
    re-parented, which this notices within a fraction of a second."""
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(1)


def _scratch_index() -> Any:
    """The worker's private index, made on first use: inside a job, a full disk or a
    read-only folder raises its OSError to the parent, which reports it plainly (an
    initializer failure only says the pool broke)."""
    if _state.ix is None:
        from whoosh.filedb.filestore import FileStorage

        _state.folder = tempfile.mkdtemp(prefix=f"w{os.getpid()}-", dir=_state.scratch_root)
        storage = FileStorage(_state.folder, supports_mmap=False)
        _state.ix = storage.create_index(build_schema(), indexname=INDEX_NAME)
    return _state.ix


def run_job(job: Job) -> JobResult:
    from .index.segment_writer import TermSegmentWriter

    res = JobResult(job.number, mode=job.mode)
    writer = TermSegmentWriter(_scratch_index(), _lk=False)
    try:
        if job.mode != "files":
            _stored(job, writer, res)
            return _finish(writer, res)
        files = list(zip(job.files, job.records, job.old_ids, strict=True))
        for lo in range(0, len(files), CHUNK):
            _run_chunk(files[lo : lo + CHUNK], job, writer, res)
            if res.cancelled:
                break
        return _finish(writer, res)
    except BaseException:
        writer.cancel()
        raise


def _run_chunk(files: list[tuple[SourceFile, FileRecord | None, tuple[str, ...]]], job: Job,
               writer: Any, res: JobResult) -> None:  # fmt: skip
    """Files read, then enriched, then indexed, a stage at a time: file by file, the
    stages evicted each other's code and tables from the CPU caches, and each cost
    about a sixth more."""
    reads: list[FileOutcome | ReadFile] = []
    for src, rec, old in files:
        if _state.cancel.is_set():  # a cancelled job is dropped whole: stop at once
            res.cancelled = True
            return
        reads.append(read_file(src, rec, list(old), bad_name=src.path in job.bad_names,
                               max_bytes=job.max_bytes))  # fmt: skip
    outs = [r if isinstance(r, FileOutcome) else enrich_file(r, _state.enricher) for r in reads]
    docs = [doc for out in outs for doc in out.docs]
    for doc in docs:
        writer.add_document(**to_fields(doc))
    res.rows.extend(map(document_row, docs))
    res.signed.extend(signed_docs(docs))  # MinHash here, in parallel (dedup/minhash.py)
    res.added_ids.extend(doc.id for doc in docs)
    for out in outs:
        res.deletes.extend(out.deletes)
        res.records.append(out.record)
        if out.failure is not None:
            (res.failures if out.kind == "failed" else res.problems).append(out.failure)
        res.counts[out.kind] = res.counts.get(out.kind, 0) + 1
    _state.progress.put(len(files))


def _stored(job: Job, writer: Any, res: JobResult) -> None:
    from .serialize import enrichment_to_json
    from .store import DocumentStore

    store = DocumentStore(Path(job.store_path))
    try:
        for n, doc in enumerate(store.documents(job.doc_ids), 1):
            if _state.cancel.is_set():
                res.cancelled = True
                return
            if job.mode == "reenrich":
                doc = _state.enricher.enrich(doc.id, doc.parsed)
                res.enrichments.append((enrichment_to_json(doc), doc.id))
            writer.add_document(**to_fields(doc))
            res.added_ids.append(doc.id)
            if n % 50 == 0:
                _state.progress.put(50)
        _state.progress.put(len(res.added_ids) % 50)
    finally:
        store.close()


def _finish(writer: Any, res: JobResult) -> JobResult:
    """Finalise the job's segment (none when cancelled or nothing was added)."""
    if res.cancelled or not res.added_ids:
        writer.cancel()
        return res
    segment = writer._finalize_segment()  # a segment, not a commit
    writer._finish()  # drops the writer's scratch pool files
    _derived_arrays(segment)
    res.segment = segment
    seg_id = segment.segment_id()
    res.segment_files = tuple(
        os.path.join(_state.folder, n) for n in os.listdir(_state.folder)
        if n.startswith(seg_id + ".") or n.startswith(f"cellsight-arrays-{seg_id}-")
    )  # fmt: skip
    return res


def _derived_arrays(segment: Any) -> None:
    """Facet arrays and the day column of the new segment, saved beside it: here they
    cost a worker a moment, in the app they were seconds on the first search."""
    from whoosh.reading import SegmentReader

    from .index.schema import KEYWORD_FIELDS
    from .query.facets import segment_postings
    from .query.numeric import segment_figures
    from .query.postings import ArrayCache, SegmentPostings

    folder = Path(_state.folder)
    reader = SegmentReader(_state.ix.storage, _state.ix.schema, segment)
    try:
        segment_postings(reader, KEYWORD_FIELDS, folder)
        SegmentPostings(reader, ArrayCache(disk=folder)).column("daynum")
        segment_figures(reader, folder)  # figure columns (range clauses and facets)
    finally:
        reader.close()
