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

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from . import minhash

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


@dataclass
class Clusters:
    """The run's working copy: signatures, buckets and cluster membership."""

    sigs: dict[str, np.ndarray] = field(default_factory=dict)
    days: dict[str, int] = field(default_factory=dict)
    buckets: dict[int, list[str]] = field(default_factory=dict)
    cluster: dict[str, str] = field(default_factory=dict)  # id → cluster, not alone only
    groups: dict[str, set[str]] = field(default_factory=dict)  # cluster → its members
    changed: set[str] = field(default_factory=set)  # ids whose row must be written
    removed: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> Clusters:
        self = cls()
        rows = conn.execute("SELECT id, sig, day, cluster FROM dup_docs").fetchall()
        if rows:
            matrix = np.frombuffer(b"".join(r[1] for r in rows),
                                   dtype=np.uint32).reshape(len(rows), -1)  # fmt: skip
            keys = minhash.band_keys(matrix).tolist()
            for (doc_id, _sig, day, cl), sig, ks in zip(rows, matrix, keys, strict=True):
                self.sigs[doc_id] = sig
                self.days[doc_id] = day
                for k in ks:
                    self.buckets.setdefault(k, []).append(doc_id)
                if cl is not None:
                    self.cluster[doc_id] = cl
                    self.groups.setdefault(cl, set()).add(doc_id)
        return self

    # -- changes ----------------------------------------------------------------------
    def remove(self, doc_id: str) -> None:
        sig = self.sigs.pop(doc_id, None)
        if sig is None:
            return
        self.removed.add(doc_id)
        self.changed.discard(doc_id)
        self.days.pop(doc_id, None)
        for k in minhash.band_keys(sig)[0].tolist():
            ids = self.buckets.get(k)
            if ids is not None and doc_id in ids:
                ids.remove(doc_id)
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
        candidates = list(dict.fromkeys(i for k in keys for i in self.buckets.get(k, ())))
        self.sigs[doc_id] = sig
        self.days[doc_id] = day
        self.changed.add(doc_id)
        for k in keys:
            self.buckets.setdefault(k, []).append(doc_id)
        if not candidates:
            return
        scores = minhash.similarities(sig, np.stack([self.sigs[c] for c in candidates]))
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
        day = self.days.get(doc_id, 0)
        return (day if day else 1 << 30, doc_id)

    def _components(self, ids: set[str]) -> list[set[str]]:
        """The linked parts of a cluster's remaining members (all pairs: clusters are
        small, and the LSH buckets would miss no pair that is linked anyway)."""
        order = sorted(ids)
        if len(order) < 2:
            return [set(order)] if order else []
        matrix = np.stack([self.sigs[i] for i in order])
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
    def write(self, conn: sqlite3.Connection) -> None:
        """The changes since the last write, inside the caller's transaction."""
        if not self.changed and not self.removed:
            return
        conn.executemany("DELETE FROM dup_docs WHERE id=?", [(i,) for i in self.removed])
        conn.executemany(
            "INSERT OR REPLACE INTO dup_docs (id, sig, day, cluster) VALUES (?, ?, ?, ?)",
            [(i, self.sigs[i].tobytes(), self.days[i], self.cluster.get(i))
             for i in self.changed],
        )  # fmt: skip
        self.changed.clear()
        self.removed.clear()
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
    bump(conn)


def signed(docs: Iterable[object]) -> list[Signed]:
    """(id, signature, day) of Documents, computed here (the in-process indexer)."""
    out: list[Signed] = []
    for doc in docs:
        p = doc.parsed  # type: ignore[attr-defined]
        out.append((doc.id, minhash.signature_bytes(p.text),  # type: ignore[attr-defined]
                    p.date.toordinal() if p.date else 0))
    return out
