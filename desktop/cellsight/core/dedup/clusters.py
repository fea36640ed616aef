"""Near-duplicate clusters, kept in the document store and updated batch by batch.

Each document with a signature has a row in ``dup_docs``; ``cluster`` is NULL for a
document alone and otherwise the id of the cluster's earliest member (earliest date,
undated last, then the smallest id): the original wire story before its copies. A
cluster is single-linkage over "estimated Jaccard ≥ THRESHOLD": a new document joins
(and may merge) the clusters of every document it matches; a deleted one leaves its
cluster, whose remaining members are linked again among themselves (a removed bridge
splits it). The LSH buckets live in memory for one indexing run, made from the stored
signatures when its first batch needs them.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from .. import gil_slices
from ..store import rows_in
from . import keys_file, minhash

SCHEMA = """
CREATE TABLE IF NOT EXISTS dup_docs (
    id TEXT PRIMARY KEY,
    sig BLOB NOT NULL,
    day INTEGER NOT NULL,
    cluster TEXT
);
CREATE INDEX IF NOT EXISTS dup_docs_cluster ON dup_docs(cluster) WHERE cluster IS NOT NULL;
"""
VERSION_KEY = "near_dups_version"  # meta: bumped by every change, for the searcher's cache
FORMAT_KEY = "near_dups_format"  # meta: the signature format the rows were made with
EPOCH_KEY = "near_dups_epoch"  # meta: new whenever the rows are all dropped (rowids restart)
FORMAT = f"minhash-{minhash.NUM_PERM}-k{minhash.SHINGLE}-t{minhash.THRESHOLD}"

# (document id, signature bytes or None, day number: 0 when undated)
Signed = tuple[str, bytes | None, int]


def ensure_tables(conn: sqlite3.Connection) -> None:
    # Statement by statement: executescript() would commit the caller's transaction.
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


def is_current(conn: sqlite3.Connection) -> bool:
    """Whether the rows were made with this signature format (else: recompute all)."""
    try:
        row = conn.execute("SELECT value FROM meta WHERE key=?", (FORMAT_KEY,)).fetchone()
    except sqlite3.OperationalError:
        return False
    return row is not None and row[0] == FORMAT


def version(conn: sqlite3.Connection) -> str:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key=?", (VERSION_KEY,)).fetchone()
    except sqlite3.OperationalError:
        return ""
    return row[0] if row else ""


def clustered(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(document id, cluster id) of every document that is not alone."""
    try:
        return conn.execute("SELECT id, cluster FROM dup_docs WHERE cluster IS NOT NULL "
                            "ORDER BY cluster, id").fetchall()  # fmt: skip
    except sqlite3.OperationalError:  # a store from before near-duplicates
        return []


def members(conn: sqlite3.Connection, cluster: str) -> list[str]:
    try:
        rows = conn.execute("SELECT id FROM dup_docs WHERE cluster=? ORDER BY id", (cluster,))
        return [r[0] for r in rows] or [cluster]
    except sqlite3.OperationalError:
        return [cluster]


def cluster_of(conn: sqlite3.Connection, doc_id: str) -> str | None:
    try:
        row = conn.execute("SELECT cluster FROM dup_docs WHERE id=?", (doc_id,)).fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


MERGE_AT = 20_000  # documents added in a run before their keys join the sorted arrays


@dataclass
class Clusters:
    """The run's working copy: the LSH keys of every signed document and the clusters.

    The keys are two numpy arrays sorted by key (key, row in ``ids``), plus a small dict
    for the documents added since the last merge. A dict of lists over every key cost
    4.2 M Python entries at 200k documents: 7.6 s and about 1 GB to load for each
    indexing run, so one changed file took 7 s to be searchable (issue 17). Signatures
    and days are read from the store when a candidate needs them (the rows written by
    this run's earlier batches are there too, inside the same transaction).
    """

    conn: sqlite3.Connection | None = None
    ids: list[str] = field(default_factory=list)  # row → document id
    rows: dict[str, int] = field(default_factory=dict)  # document id → its live row
    keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    key_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # key → rows, not merged yet: a row, or a tuple of them. Not a list per key: 10k
    # added documents made 200k lists, and every full pass of Python's cyclic collector
    # walked them (≈100 ms each, a stall of every thread; see core/gc_pause.py).
    fresh: dict[int, int | tuple[int, ...]] = field(default_factory=dict)
    fresh_count: int = 0
    sigs: dict[str, np.ndarray] = field(default_factory=dict)  # not yet in the store
    days: dict[str, int] = field(default_factory=dict)  # not yet in the store
    cluster: dict[str, str] = field(default_factory=dict)  # id → cluster, not alone only
    groups: dict[str, set[str]] = field(default_factory=dict)  # cluster → its members
    changed: set[str] = field(default_factory=set)  # ids whose row must be written
    unsaved: int = 0  # rows the keys file beside the store does not describe
    removed: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> Clusters:
        """The state of the stored rows: the keys from the file beside the store where it
        still describes them (rows are matched by id and rowid: a row written again has
        a new rowid), computed from the signatures for the rest."""
        self = cls(conn=conn)
        # Ids and rowids from the primary key's index alone (no signature pages read).
        live = conn.execute("SELECT id, rowid FROM dup_docs ORDER BY id").fetchall()
        for doc_id, cl in conn.execute("SELECT id, cluster FROM dup_docs "
                                       "WHERE cluster IS NOT NULL"):  # fmt: skip
            self.cluster[doc_id] = cl
            self.groups.setdefault(cl, set()).add(doc_id)
        if not live:
            return self
        kept = keys_file.load(conn, epoch(conn))
        if kept is not None:
            # In slices: one call over 200k ids held the interpreter (see gil_slices).
            at = gil_slices.positions(kept.ids)
            if gil_slices.same([r[0] for r in live], kept.ids) and gil_slices.same(
                    [r[1] for r in live], kept.rowids):  # fmt: skip
                known, rest = at, []
            else:
                known, rest = {}, []
                for doc_id, rowid in live:
                    n = at.get(doc_id)
                    if n is not None and kept.rowids[n] == rowid:
                        known[doc_id] = n
                    else:
                        rest.append(doc_id)
            if len(rest) <= keys_file.STALE_AFTER:
                self.ids = list(kept.ids)
                self.rows = known
                self.keys, self.key_rows = kept.keys, kept.key_rows
                self._sign_stored(rest)
                self.unsaved = len(rest)
                return self
        rows = conn.execute("SELECT id, rowid, sig FROM dup_docs ORDER BY id").fetchall()
        matrix = np.frombuffer(b"".join(r[2] for r in rows),
                               dtype=np.uint32).reshape(len(rows), -1)  # fmt: skip
        self.ids = [r[0] for r in rows]
        self.rows = {doc_id: i for i, doc_id in enumerate(self.ids)}
        self._sorted(minhash.band_keys(matrix).ravel(),
                     np.repeat(np.arange(len(rows), dtype=np.int64), minhash.BANDS))
        keys_file.save(conn, epoch(conn), self.ids, [r[1] for r in rows], self.keys,
                       self.key_rows)
        return self

    def _stored_sigs(self, ids: list[str]) -> dict[str, np.ndarray]:
        assert self.conn is not None
        return {i: minhash.from_bytes(raw)
                for i, raw in rows_in(self.conn, "SELECT id, sig FROM dup_docs WHERE id IN", ids)}

    def _sign_stored(self, ids: list[str]) -> None:
        """Stored rows the kept keys do not describe: their keys into the fresh part."""
        sigs = self._stored_sigs(ids)
        for doc_id in ids:
            row = len(self.ids)
            self.ids.append(doc_id)
            self.rows[doc_id] = row
            for k in minhash.band_keys(sigs[doc_id])[0].tolist():
                self._add_fresh(k, row)
            self.fresh_count += 1

    def _sorted(self, keys: np.ndarray, key_rows: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        self.keys, self.key_rows = keys[order], key_rows[order]

    def _add_fresh(self, key: int, row: int) -> None:
        got = self.fresh.get(key)
        if got is None:
            self.fresh[key] = row
        else:
            self.fresh[key] = (*got, row) if isinstance(got, tuple) else (got, row)

    def _fresh_rows(self, key: int) -> tuple[int, ...]:
        got = self.fresh.get(key)
        if got is None:
            return ()
        return got if isinstance(got, tuple) else (got,)

    def _merge_fresh(self) -> None:
        pairs = [(k, r) for k in self.fresh for r in self._fresh_rows(k)]
        if pairs:
            add = np.asarray(pairs, dtype=np.int64)
            self._sorted(np.concatenate([self.keys, add[:, 0]]),
                         np.concatenate([self.key_rows, add[:, 1]]))
        self.fresh.clear()
        self.fresh_count = 0

    def _candidates(self, keys: list[int]) -> list[str]:
        """Live documents sharing a key with ``keys``, first seen first."""
        found: list[int] = []
        if len(self.keys):
            wanted = np.asarray(keys, dtype=np.int64)
            lo = np.searchsorted(self.keys, wanted, side="left")
            hi = np.searchsorted(self.keys, wanted, side="right")
            for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
                if b > a:
                    found.extend(self.key_rows[a:b].tolist())
        for k in keys:
            found.extend(self._fresh_rows(k))
        out: list[str] = []
        for row in dict.fromkeys(found):
            doc_id = self.ids[row]
            if self.rows.get(doc_id) == row:  # not removed or re-added since
                out.append(doc_id)
        return out

    def _sig_rows(self, ids: list[str]) -> dict[str, np.ndarray]:
        out = {i: self.sigs[i] for i in ids if i in self.sigs}
        out.update(self._stored_sigs([i for i in ids if i not in out]))
        return out

    def _day_of(self, doc_id: str) -> int:
        if doc_id in self.days:
            return self.days[doc_id]
        row = None if self.conn is None else self.conn.execute(
            "SELECT day FROM dup_docs WHERE id=?", (doc_id,)).fetchone()
        day = self.days[doc_id] = int(row[0]) if row else 0
        return day

    # -- changes ----------------------------------------------------------------------
    def remove(self, doc_id: str) -> None:
        if self.rows.pop(doc_id, None) is None:
            return  # its keys stay in the arrays; a row no longer live is skipped
        self.removed.add(doc_id)
        self.changed.discard(doc_id)
        self.sigs.pop(doc_id, None)
        self.days.pop(doc_id, None)
        cl = self.cluster.pop(doc_id, None)
        if cl is None:
            return
        rest = self.groups.pop(cl, set()) - {doc_id}
        for part in self._components(rest):
            self._label(part)

    def add(self, doc_id: str, raw: bytes | None, day: int) -> None:
        self.remove(doc_id)  # a re-read document is matched afresh
        self.removed.discard(doc_id)
        if raw is None:
            return
        sig = minhash.from_bytes(raw)
        keys = minhash.band_keys(sig)[0].tolist()
        candidates = self._candidates(keys)
        row = len(self.ids)
        self.ids.append(doc_id)
        self.rows[doc_id] = row
        self.sigs[doc_id] = sig
        self.days[doc_id] = day
        self.changed.add(doc_id)
        self.unsaved += 1
        for k in keys:
            self._add_fresh(k, row)
        self.fresh_count += 1
        if self.fresh_count >= MERGE_AT:
            self._merge_fresh()
        if not candidates:
            return
        sigs = self._sig_rows(candidates)
        scores = minhash.similarities(sig, np.stack([sigs[c] for c in candidates]))
        matched = [c for c, s in zip(candidates, scores, strict=True)
                   if s >= minhash.THRESHOLD]  # fmt: skip
        if not matched:
            return
        group = {doc_id}
        for c in matched:
            cl = self.cluster.get(c)
            group |= self.groups.pop(cl, set()) if cl is not None else {c}
        self._label(group)

    def _label(self, group: set[str]) -> None:
        """Give ``group`` its earliest member's id (or make its one member alone)."""
        rep = min(group, key=self._age) if len(group) > 1 else None
        for doc_id in group:
            if self.cluster.get(doc_id) != rep:
                self.changed.add(doc_id)
            if rep is None:
                self.cluster.pop(doc_id, None)
            else:
                self.cluster[doc_id] = rep
        if rep is not None:
            self.groups[rep] = set(group)

    def _age(self, doc_id: str) -> tuple[int, str]:
        day = self._day_of(doc_id)
        return (day if day else 1 << 30, doc_id)

    def _components(self, ids: set[str]) -> list[set[str]]:
        """The linked parts of a cluster's remaining members (all pairs: clusters are
        small, and the LSH buckets would miss no pair that is linked anyway)."""
        order = sorted(ids)
        if len(order) < 2:
            return [set(order)] if order else []
        sigs = self._sig_rows(order)
        matrix = np.stack([sigs[i] for i in order])
        parent = list(range(len(order)))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for i, sig in enumerate(matrix[:-1]):
            close = np.flatnonzero(minhash.similarities(sig, matrix[i + 1 :])
                                   >= minhash.THRESHOLD) + i + 1  # fmt: skip
            for j in close.tolist():
                parent[root(j)] = root(i)
        parts: dict[int, set[str]] = {}
        for i, doc_id in enumerate(order):
            parts.setdefault(root(i), set()).add(doc_id)
        return list(parts.values())

    # -- persistence ------------------------------------------------------------------
    def save_keys(self, conn: sqlite3.Connection) -> None:
        """Write the keys file for the stored rows (their transaction has committed): a
        file left describing 200k of 210k rows made the next process sign all of them
        again, 6.6 s of a thread holding the interpreter most of the time."""
        self._merge_fresh()
        live = dict(conn.execute("SELECT id, rowid FROM dup_docs"))
        rowids = [live.get(doc_id, -1) if self.rows.get(doc_id) == n else -1
                  for n, doc_id in enumerate(self.ids)]  # fmt: skip
        keys_file.save(conn, epoch(conn), self.ids, rowids, self.keys, self.key_rows)
        self.unsaved = 0

    def write(self, conn: sqlite3.Connection) -> None:
        """The changes since the last write, inside the caller's transaction."""
        if not self.changed and not self.removed:
            return
        conn.executemany("DELETE FROM dup_docs WHERE id=?", [(i,) for i in self.removed])
        signed_now = [i for i in self.changed if i in self.sigs]
        conn.executemany(
            "INSERT OR REPLACE INTO dup_docs (id, sig, day, cluster) VALUES (?, ?, ?, ?)",
            [(i, self.sigs[i].tobytes(), self.days[i], self.cluster.get(i))
             for i in signed_now],
        )  # fmt: skip
        # Stored before: only its cluster changed (joined, merged, split).
        conn.executemany("UPDATE dup_docs SET cluster=? WHERE id=?",
                         [(self.cluster.get(i), i) for i in self.changed
                          if i not in self.sigs])  # fmt: skip
        self.changed.clear()
        self.removed.clear()
        # Now in the store: read from there when a later batch needs them.
        self.sigs.clear()
        self.days.clear()
        bump(conn)


def bump(conn: sqlite3.Connection) -> None:
    n = version(conn)
    conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                 (VERSION_KEY, str(int(n) + 1 if n.isdigit() else 1)))  # fmt: skip


def reset(conn: sqlite3.Connection) -> None:
    """Forget every row (a rebuild recomputes them all)."""
    ensure_tables(conn)
    conn.execute("DELETE FROM dup_docs")
    conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (FORMAT_KEY, FORMAT))
    # Rowids restart after the rows are gone: keys kept for the old rows must not match.
    conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (EPOCH_KEY, secrets.token_hex(8)))
    bump(conn)


def epoch(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key=?", (EPOCH_KEY,)).fetchone()
    if row is None:
        value = secrets.token_hex(8)
        conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (EPOCH_KEY, value))
        return value
    return str(row[0])


def signed(docs: Iterable[object]) -> list[Signed]:
    """(id, signature, day) of Documents, computed here (the in-process indexer)."""
    out: list[Signed] = []
    for doc in docs:
        p = doc.parsed  # type: ignore[attr-defined]
        out.append((doc.id, minhash.signature_bytes(p.text),  # type: ignore[attr-defined]
                    p.date.toordinal() if p.date else 0))
    return out
