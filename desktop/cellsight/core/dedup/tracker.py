"""The indexer's side of near-duplicates: each batch's changes, inside its store
transaction, and the one-off pass that signs what a library already holds."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable

from ..progress import CancelToken, Progress, ProgressSink, null_sink
from . import clusters, minhash
from .clusters import Clusters, Signed

log = logging.getLogger("cellsight.index")
Hook = Callable[[sqlite3.Connection], None]


SAVE_AFTER = 2_000  # rows added before the keys file beside the store is written again


class DupTracker:
    """The clusters, loaded when the first batch needs them and kept for later runs of
    the same library while the stored rows are as this tracker left them: loading
    them took 230 ms at 200k documents, most of the wait for one changed file."""

    def __init__(self) -> None:
        self._state: Clusters | None = None
        self._version = ""  # the rows' version (clusters.bump) the state matches
        self.seconds = 0.0  # time spent here, for the benchmark's share of a build

    def hook(self, deletes: Iterable[str], signed: list[Signed]) -> Hook:
        """What to run inside the batch's transaction (see DocumentStore.record_batch)."""
        deletes = list(deletes)

        def apply(conn: sqlite3.Connection) -> None:
            t0 = time.perf_counter()
            try:
                state = self._load(conn)
                if state.unsaved >= SAVE_AFTER:
                    # Loaded and checked against the stored version: what it holds has
                    # committed (this batch's rows are not in yet).
                    state.save_keys(conn)
                for doc_id in deletes:
                    state.remove(doc_id)
                for doc_id, sig, day in signed:
                    state.add(doc_id, sig, day)
                state.write(conn)
                self._version = clusters.version(conn)
            except BaseException:
                self._state = None  # the transaction rolls back: reload next time
                raise
            finally:
                self.seconds += time.perf_counter() - t0

        return apply

    def _load(self, conn: sqlite3.Connection) -> Clusters:
        if self._state is not None and (self._state.conn is not conn
                                        or clusters.version(conn) != self._version):
            # Another process wrote rows, a rebuild reset them, or the transaction the
            # last batch ran in was rolled back after this state took its changes.
            self._state = None
        if self._state is None:
            clusters.ensure_tables(conn)
            if not clusters.is_current(conn):
                clusters.reset(conn)  # signed in another format: signed again by backfill
            self._state = Clusters.load(conn)
        return self._state

    def backfill(self, conn: sqlite3.Connection, *, progress: ProgressSink = null_sink,
                 cancel: CancelToken | None = None, force: bool = False) -> int:  # fmt: skip
        """Sign every stored document, if the rows are missing or of another format
        (a library from before near-duplicates), or always with ``force`` (a
        rebuild recomputes them all). Returns how many."""
        clusters.ensure_tables(conn)
        if clusters.is_current(conn) and not force:
            return 0
        t0 = time.perf_counter()
        rows = conn.execute("SELECT id, parsed FROM documents ORDER BY id").fetchall()
        state = Clusters(conn=conn)
        conn.execute("BEGIN IMMEDIATE")
        try:
            clusters.reset(conn)
            for n, (doc_id, parsed) in enumerate(rows):
                if cancel is not None and cancel.is_set():
                    conn.execute("ROLLBACK")
                    return 0
                if n % 200 == 0:
                    progress(Progress(n, len(rows), "finding near-duplicates"))
                p = json.loads(parsed)
                day = _day(p.get("date"))
                state.add(doc_id, minhash.signature_bytes(p.get("text") or ""), day)
            state.write(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._state = None
        self.seconds += time.perf_counter() - t0
        log.info("near-duplicates: %d documents signed in %.1f s", len(rows), self.seconds)
        return len(rows)


def _day(iso: str | None) -> int:
    import datetime as dt

    if not iso:
        return 0
    try:
        return dt.date.fromisoformat(iso).toordinal()
    except ValueError:
        return 0
