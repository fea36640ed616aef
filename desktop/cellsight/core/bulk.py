"""Bulk builds: many changed files indexed by worker processes, a segment per job.

Whoosh writes postings in pure Python, so one process indexes ~100 documents a
second and holds the GIL while doing it. For a large run, spawned workers read,
parse, enrich and write finished segments in parallel; this process only moves
each segment into the index, commits, and inserts the rows the worker serialised.
Crash safety is the same as in-process: a job's index commit precedes its store
commit, and a worker's unfinished segment lives in a scratch folder that the next
run clears.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from . import faults, gc_pause
from .bulk_worker import Job, JobResult, init_worker, run_job
from .dedup.tracker import DupTracker
from .enrich.enricher import Enricher
from .index.segments import commit_with_segments
from .index.whoosh_index import IndexStore
from .model import Failure
from .progress import CancelToken, Progress, ProgressSink
from .scan import SourceFile
from .store import DocumentStore, FileRecord

BULK_MIN = 300  # fewer changed files than this are not worth starting processes
FIRST_JOB = 100  # small first jobs put the first results on screen quickly
MAX_JOB = 1500  # larger jobs mean fewer, larger segments, and more memory per worker
TAIL_JOB = 500  # the smallest job after the ramp: smaller segments would be merged again
SCRATCH = "building"


def worker_count() -> int:
    configured = os.environ.get("CELLSIGHT_INDEX_WORKERS")
    if configured is not None and configured.isdigit():
        return int(configured)
    return max(1, min(os.cpu_count() or 1, 8))


def job_sizes(total: int, workers: int) -> list[int]:
    """Doubling from FIRST_JOB up to MAX_JOB, and never more than a share of what is
    left, so the last jobs are small and the workers finish together (equal last
    jobs left one worker idle for most of a job: a job's pace varies with its
    files). After the ramp no job but the last is below TAIL_JOB: each is a segment
    and a commit."""
    sizes: list[int] = []
    left, size = total, FIRST_JOB
    share_of = 2 * max(1, workers)
    while left > 0:
        take = min(size, MAX_JOB, max(-(-left // share_of), TAIL_JOB), left)
        sizes.append(take)
        left -= take
        size *= 2
    return sizes


@dataclass
class BulkOutcome:
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    cancelled: bool = False
    done: int = 0  # files or documents the workers finished


class BulkBuild:
    def __init__(
        self,
        store: DocumentStore,
        index: IndexStore,
        make_enricher: Callable[[], Enricher],
        *,
        max_bytes: int,
        bad_names: set[str],
        dups: DupTracker | None = None,
    ) -> None:
        self.store = store
        self.index = index
        self.make_enricher = make_enricher
        self.max_bytes = max_bytes
        self.bad_names = frozenset(bad_names)
        self.dups = dups if dups is not None else DupTracker()
        self.scratch = index.folder.parent / SCRATCH
        self._indexed: set[str] = set()  # ids whose old copies a re-add replaces

    def run(
        self,
        todo: list[SourceFile],
        known: dict[str, FileRecord],
        progress: ProgressSink,
        cancel: CancelToken | None,
    ) -> BulkOutcome:
        """Index changed source files."""
        with gc_pause.building_tables():
            stored = self.store.ids_by_path()
            indexed = self._indexed_among(i for f in todo for i in stored.get(f.path, ()))
            jobs, start = [], 0
            for n, size in enumerate(job_sizes(len(todo), worker_count())):
                part = todo[start : start + size]
                start += size
                jobs.append(Job(n, tuple(part), tuple(known.get(f.path) for f in part),
                                tuple(tuple(stored.get(f.path, ())) for f in part),
                                self.bad_names, self.max_bytes))  # fmt: skip
        gc_pause.release([stored])  # 200k lists: freed in one go, a stall (see gc_pause)
        return self._execute(jobs, len(todo), "indexing", progress, cancel, indexed)

    def run_stored(
        self,
        ids: list[str],
        mode: str,
        progress: ProgressSink,
        cancel: CancelToken | None,
    ) -> BulkOutcome:
        """Index stored documents again: ``mode`` "reindex" as they are (into an empty
        index), "reenrich" with the current catalogue first."""
        jobs, start = [], 0
        for n, size in enumerate(job_sizes(len(ids), worker_count())):
            jobs.append(Job(n, mode=mode, doc_ids=tuple(ids[start : start + size]),
                            store_path=str(self.store.path)))  # fmt: skip
            start += size
        stage = "updating entities" if mode == "reenrich" else "rebuilding index"
        # "reindex" fills an empty index: nothing to replace.
        indexed = self._indexed_among(ids) if mode == "reenrich" else set()
        return self._execute(jobs, len(ids), stage, progress, cancel, indexed)

    def _indexed_among(self, stored: Iterable[str]) -> set[str]:
        """The ids whose documents the index may already hold, replaced when re-added:
        the stored ones. The index commits before the store, so it holds documents the
        store lacks only after a kill between the two (orphans); only then is the
        index's own id list read. Reading it for every run took 1.1 s at 200k, most of
        it holding the interpreter: UI stalls of up to 146 ms (stall_trace.py)."""
        out = set(stored)
        if self.index.doc_count() > self.store.count():
            out.update(self.index.live_ids_not_in(self.store.all_ids()))
        return out

    def _execute(
        self,
        jobs: list[Job],
        total: int,
        stage: str,
        progress: ProgressSink,
        cancel: CancelToken | None,
        indexed: set[str],
    ) -> BulkOutcome:
        t0 = time.monotonic()
        out = BulkOutcome()
        shutil.rmtree(self.scratch, ignore_errors=True)  # an earlier run's leftovers
        self.scratch.mkdir(parents=True)
        self._indexed = indexed
        ctx = multiprocessing.get_context("spawn")
        queue, stop = ctx.Queue(), ctx.Event()
        done = 0
        try:
            with ProcessPoolExecutor(
                worker_count(), mp_context=ctx, initializer=init_worker,
                initargs=(self.make_enricher, str(self.scratch), queue, stop, os.getpid()),
            ) as pool:  # fmt: skip
                pending: set[Future[JobResult]] = {pool.submit(run_job, j) for j in jobs}
                try:
                    while pending:
                        finished, pending = wait(pending, timeout=0.2,
                                                 return_when=FIRST_COMPLETED)  # fmt: skip
                        done += _drain(queue)
                        progress(Progress(done, total, stage, None, _eta(t0, done, total)))
                        if cancel is not None and cancel.is_set() and not stop.is_set():
                            stop.set()
                            out.cancelled = True
                            for f in pending:
                                f.cancel()
                        for f in finished:
                            if cancel is not None and cancel.is_set():
                                # Nothing more is committed once Cancel is pressed, even
                                # of jobs that finished together; the next run redoes them.
                                out.cancelled = True
                                stop.set()
                            elif not f.cancelled():
                                self._commit(f.result(), out)
                except BaseException:
                    # A failed job (disk full, a bug) stops the others at their next file
                    # instead of letting them finish work that will not be committed.
                    stop.set()
                    for f in pending:
                        f.cancel()
                    raise
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)
        out.done = done
        return out

    def _commit(self, res: JobResult, out: BulkOutcome) -> None:
        for kind, n in res.counts.items():
            out.counts[kind] = out.counts.get(kind, 0) + n
        out.failures.extend(res.failures)
        out.cancelled |= res.cancelled
        if res.cancelled:
            return  # nothing of a cancelled job is kept; the next run redoes its files
        for _ in res.records:  # read by the workers, not yet committed (see faults.py)
            faults.reached("file-processed")
        moved = [self.index.folder / Path(p).name for p in res.segment_files]
        for src, dst in zip(res.segment_files, moved, strict=True):
            os.replace(src, dst)
        writer = self.index.writer()
        try:
            found = self.index.deleting_searcher(writer)
            for doc_id in res.deletes:
                writer.delete_by_term("id", doc_id, searcher=found)
            for doc_id in res.added_ids:
                if doc_id in self._indexed:  # re-added: the old version goes
                    writer.delete_by_term("id", doc_id, searcher=found)
            commit_with_segments(writer, [res.segment] if res.segment is not None else [])
        except BaseException:
            writer.cancel()
            for p in moved:
                p.unlink(missing_ok=True)
            raise
        faults.reached("index-committed")
        # The workers signed their documents; the clusters are joined here, in order.
        hook = self.dups.hook(res.deletes, res.signed) if res.mode == "files" else None
        self.store.record_batch(rows=res.rows, deletes=res.deletes, files=res.records,
                                failures=[*res.failures, *res.problems],
                                enrichments=res.enrichments,
                                extra=hook)  # fmt: skip
        faults.reached("batch-committed")


def _drain(queue: multiprocessing.Queue) -> int:  # type: ignore[type-arg]
    n = 0
    while True:
        try:
            n += queue.get_nowait()
        except Exception:  # noqa: BLE001 - queue.Empty; the queue module differs per context
            return n


def _eta(t0: float, done: int, total: int) -> float | None:
    if done < 3 or total <= done:
        return None
    return (time.monotonic() - t0) / done * (total - done)
