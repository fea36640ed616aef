"""The near-duplicate state over sorted key arrays (core/dedup/clusters.py): the same
clusters as all-pairs single linkage, across batches, merges, removals and a reload."""

from __future__ import annotations

import random
import sqlite3

import numpy as np
import pytest

from cellsight.core.dedup import clusters, minhash
from cellsight.core.dedup.clusters import Clusters

WORDS = [f"w{i}" for i in range(5000)]


def _story(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(120))


def _conn() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    clusters.ensure_tables(conn)
    return conn


def _expected(texts: dict[str, str]) -> set[frozenset[str]]:
    """All pairs: documents are one story when their signatures say so."""
    ids = sorted(texts)
    sigs = {i: minhash.signature(texts[i]) for i in ids}
    parent = {i: i for i in ids}

    def root(i: str) -> str:
        while parent[i] != i:
            i = parent[i]
        return i

    for a_i, a in enumerate(ids):
        for b in ids[a_i + 1:]:
            if minhash.similarity(sigs[a], sigs[b]) >= minhash.THRESHOLD:
                parent[root(b)] = root(a)
    groups: dict[str, set[str]] = {}
    for i in ids:
        groups.setdefault(root(i), set()).add(i)
    return {frozenset(g) for g in groups.values() if len(g) > 1}


def _stored(conn: sqlite3.Connection) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for doc_id, cl in clusters.clustered(conn):
        groups.setdefault(cl, set()).add(doc_id)
    return {frozenset(g) for g in groups.values()}


@pytest.mark.parametrize("merge_at", [2, 5, 20_000])
def test_batches_removals_and_reloads_give_all_pairs_clusters(merge_at: int, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clusters, "MERGE_AT", merge_at)
    rng = random.Random(merge_at)
    stories = [_story(rng) for _ in range(12)]
    texts: dict[str, str] = {}
    conn = _conn()
    state = Clusters.load(conn)
    for batch in range(6):
        for n in range(8):
            doc_id = f"d{batch}-{n}"
            base = rng.choice(stories)
            # A copy with a word changed here and there, or a story of its own.
            words = base.split() if rng.random() < 0.7 else _story(rng).split()
            words[rng.randrange(len(words))] = "edited"
            texts[doc_id] = " ".join(words)
            state.add(doc_id, minhash.signature_bytes(texts[doc_id]), 700_000 + batch)
        for doc_id in rng.sample(sorted(texts), 2):  # deletions: bridges may split
            state.remove(doc_id)
            del texts[doc_id]
        state.write(conn)
        assert _stored(conn) == _expected(texts)
        if batch % 2:  # a new indexing run: loaded from the store
            state = Clusters.load(conn)
    assert _stored(conn) == _expected(texts)


def test_a_re_read_document_is_matched_afresh() -> None:
    conn = _conn()
    rng = random.Random(3)
    a, b = _story(rng), _story(rng)
    state = Clusters.load(conn)
    state.add("x", minhash.signature_bytes(a), 1)
    state.add("y", minhash.signature_bytes(a), 2)
    state.write(conn)
    assert _stored(conn) == {frozenset({"x", "y"})}
    state = Clusters.load(conn)
    state.add("y", minhash.signature_bytes(b), 2)  # rewritten as another story
    state.write(conn)
    assert _stored(conn) == set()
    assert clusters.cluster_of(conn, "x") is None


def test_the_keys_file_serves_the_next_run_and_a_bad_one_is_ignored(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cellsight.core.dedup import keys_file

    conn = sqlite3.connect(str(tmp_path / "documents.sqlite"), isolation_level=None)
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    clusters.ensure_tables(conn)
    rng = random.Random(9)
    stories = [_story(rng) for _ in range(5)]
    texts = {f"a{n}": stories[n % 5] + f" v{n}" for n in range(30)}
    state = Clusters.load(conn)
    for doc_id, text in texts.items():
        state.add(doc_id, minhash.signature_bytes(text), 1)
    state.write(conn)
    Clusters.load(conn)  # a new run: signs the stored rows once and keeps their keys
    path = tmp_path / keys_file.FILE_NAME
    assert path.is_file()
    signed: list[int] = []
    real = minhash.band_keys
    def counted(sigs):  # type: ignore[no-untyped-def]
        signed.append(len(np.atleast_2d(sigs)))
        return real(sigs)

    monkeypatch.setattr(minhash, "band_keys", counted)
    state = Clusters.load(conn)  # from the file: nothing signed again
    assert signed == []
    texts["b0"] = stories[0] + " again"
    state.add("b0", minhash.signature_bytes(texts["b0"]), 2)
    state.remove("a1")
    del texts["a1"]
    state.write(conn)
    state = Clusters.load(conn)  # the file plus the one row written since
    assert signed == [1, 1]  # b0 when added, b0 when loaded
    state.write(conn)
    assert _stored(conn) == _expected(texts)
    path.write_bytes(b"not an npz")  # damaged: ignored, made again
    signed.clear()
    Clusters.load(conn)
    assert signed == [len(texts)]
    assert _stored(conn) == _expected(texts)
    clusters.reset(conn)  # rowids restart: the kept keys must not match new rows
    state = Clusters.load(conn)
    state.add("c0", minhash.signature_bytes(stories[1]), 1)
    state.add("c1", minhash.signature_bytes(stories[1]), 1)
    state.write(conn)
    assert _stored(conn) == {frozenset({"c0", "c1"})}
