"""What a commit leaves in place is reused by the next generation, and the answers are
what a library opened afresh gives: segment readers (core/index/reader_pool.py), the
combined facet and figure tables (extended, not rebuilt), the near-duplicate state and
the arrivals (kept from one indexing run to the next)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from cellsight.core.dedup import clusters
from cellsight.core.index import reader_pool, segments
from cellsight.core.library import Library
from cellsight.core.model import SearchRequest

COMPANIES = ("CATL", "BYD", "Tesla", "LG Energy Solution", "Panasonic", "Albemarle")
PLACES = ("Chile", "Hungary", "Nevada", "Sichuan", "Indonesia")


def _article(rng: random.Random, n: int) -> str:
    a, b = rng.sample(COMPANIES, 2)
    place = rng.choice(PLACES)
    gwh = rng.choice((0.5, 8, 15, 40, 120))
    return (f"{a} plans plant {n} in {place}\n\n{a} and {b} agreed on a {gwh} GWh cell "
            f"plant in {place}, worth ${rng.randint(1, 9)}bn, item zqv{n:04d}.\n")


def _wire(n: int) -> str:
    # Copies of one agency story: near-duplicates of each other.
    return ("Lithium prices fall again\n\nLithium carbonate prices fell for a fifth week "
            "as inventories at Chinese cathode makers rose and spodumene shipments from "
            f"Western Australia kept arriving at the ports, traders said. Copy {n}.\n")


def _facets(lib: Library, query: str) -> tuple[object, ...]:
    res = lib.search(SearchRequest(query=query, limit=500))
    return (res.total, sorted(h.id for h in res.hits),
            {k: v for k, v in sorted(res.facets.items())})


@pytest.fixture
def grown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
          ) -> Iterator[tuple[Library, Path, random.Random]]:  # fmt: skip
    """A library built by many small commits: nine segments of six documents (as a
    large library's are of hundreds), and one-file commits merged once they pile up."""
    monkeypatch.setattr(segments, "SMALL_DOCS", 5)
    rng = random.Random(17)
    src = tmp_path / "src"
    src.mkdir()
    with Library(tmp_path / "lib") as lib:
        n = 0
        for _ in range(9):
            paths = []
            for _ in range(6):
                p = src / f"a{n:04d}.txt"
                p.write_text(_article(rng, n))
                paths.append(p)
                n += 1
            lib.update([src], changed=paths)
            lib.search("plant")  # a generation per commit, as the window searches
        yield lib, src, rng


def _same_as_fresh(lib: Library, queries: tuple[str, ...]) -> None:
    with Library(lib.folder, read_only=True) as fresh:
        for q in queries:
            assert _facets(lib, q) == _facets(fresh, q), q


QUERIES = ("", "plant", "CATL", "capacity:>10", "Chile OR Nevada", "lithium")


def test_changes_answer_as_a_fresh_library(grown: tuple[Library, Path, random.Random]) -> None:
    lib, src, rng = grown
    files = sorted(src.glob("*.txt"))
    assert len(lib.index.index._segments()) > 2
    for step in range(8):
        changed = []
        victim = files[step * 5]
        victim.write_text(_article(rng, 1000 + step))  # rewritten: its old copy is deleted
        changed.append(victim)
        if step % 3 == 1:
            files[step * 5 + 1].unlink()
            changed.append(files[step * 5 + 1])
        new = src / f"n{step}.txt"
        new.write_text(_wire(step) if step % 2 else _article(rng, 2000 + step))
        changed.append(new)
        lib.update(changed=changed)
        _same_as_fresh(lib, QUERIES)


def test_one_changed_file_opens_one_segment_reader(
    grown: tuple[Library, Path, random.Random], monkeypatch: pytest.MonkeyPatch
) -> None:
    lib, src, rng = grown
    opened: list[str] = []
    real = reader_pool.SegmentReader

    def counting(storage, schema, segment, generation=None):  # type: ignore[no-untyped-def]
        opened.append(segment.segment_id())
        return real(storage, schema, segment, generation=generation)

    monkeypatch.setattr(reader_pool, "SegmentReader", counting)
    before = len(lib.index.index._segments())
    target = sorted(src.glob("*.txt"))[3]
    target.write_text(_article(rng, 3000))
    lib.update(changed=[target])
    assert lib.search("zqv3000").total == 1
    # The writer's: the new segment is not opened (nothing in it is replaced). The
    # searcher's: the new segment, and the one whose document was deleted.
    assert 1 <= len(opened) <= 3, opened
    assert before >= 9


def test_a_merge_drops_the_merged_segments_readers(
        grown: tuple[Library, Path, random.Random]) -> None:  # fmt: skip
    lib, src, rng = grown
    lib.search("plant")
    pool = lib._searcher._readers  # type: ignore[union-attr]
    for n in range(8):  # enough small commits for merge_small to merge a pile
        p = src / f"m{n}.txt"
        p.write_text(_article(rng, 4000 + n))
        lib.update(changed=[p])
        lib.search("plant")
    live = {s.segment_id() for s in lib.index.index._segments()}
    assert set(pool._readers) == live
    assert all(not r.is_closed for r in pool._readers.values())
    _same_as_fresh(lib, QUERIES)


def test_rebuild_starts_a_new_pool(grown: tuple[Library, Path, random.Random]) -> None:
    lib, _src, _rng = grown
    before = _facets(lib, "plant")
    lib.rebuild_index()
    assert _facets(lib, "plant") == before
    _same_as_fresh(lib, QUERIES)


def test_near_duplicate_state_kept_between_runs_and_reloaded_after_another_writer(
        tmp_path: Path) -> None:  # fmt: skip
    src = tmp_path / "src"
    src.mkdir()
    for n in range(3):
        (src / f"w{n}.txt").write_text(_wire(n))
    with Library(tmp_path / "lib") as lib:
        lib.update([src])
        tracker = lib._dups
        assert tracker is not None
        state = tracker._state
        (src / "w3.txt").write_text(_wire(3))
        lib.update(changed=[src / "w3.txt"])
        assert tracker._state is state  # not loaded again
        # Another process indexes a fourth copy and deletes the first.
        with Library(tmp_path / "lib") as other:
            (src / "w4.txt").write_text(_wire(4))
            (src / "w0.txt").unlink()
            other.update()
        (src / "w5.txt").write_text(_wire(5))
        lib.update(changed=[src / "w5.txt"])
        assert tracker._state is not state
        got = sorted(clusters.clustered(lib.store.conn))
        members = {Path(lib.store.document(d).parsed.path).name  # type: ignore[union-attr]
                   for d, _c in got}
        assert members == {"w1.txt", "w2.txt", "w3.txt", "w4.txt", "w5.txt"}
        assert len({c for _d, c in got}) == 1


def test_arrivals_from_this_run_and_from_another_process(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    rng = random.Random(3)
    (src / "a.txt").write_text(_article(rng, 1))
    with Library(tmp_path / "lib") as lib:
        lib.update([src])
        wb = lib.workbench
        assert len(wb.store.arrived_since(None)) == 1
        (src / "b.txt").write_text(_article(rng, 2))
        lib.update(changed=[src / "b.txt"])
        assert len(wb.store.arrived_since(None)) == 2
        with Library(tmp_path / "lib") as other:
            (src / "c.txt").write_text(_article(rng, 3))
            other.update(changed=[src / "c.txt"])
        # This library's next change also notes what the other process added.
        (src / "d.txt").write_text(_article(rng, 4))
        lib.update(changed=[src / "d.txt"])
        ids = set(wb.store.arrived_since(None))
        assert ids == lib.store.all_ids() and len(ids) == 4
        # A rewritten document is not a new arrival.
        (src / "a.txt").write_text(_article(rng, 5))
        lib.update(changed=[src / "a.txt"])
        assert set(wb.store.arrived_since(None)) == ids | lib.store.all_ids()


def test_keys_file_kept_current_so_the_next_process_loads_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from cellsight.core.dedup import keys_file, tracker
    from cellsight.core.dedup.clusters import Clusters

    monkeypatch.setattr(tracker, "SAVE_AFTER", 1)
    src = tmp_path / "src"
    src.mkdir()
    rng = random.Random(5)
    for n in range(4):
        (src / f"w{n}.txt").write_text(_wire(n))
        (src / f"a{n}.txt").write_text(_article(rng, n))
    with Library(tmp_path / "lib") as lib:
        lib.update([src])
        for n in range(4, 7):  # runs of their own, each saving what the last one added
            (src / f"w{n}.txt").write_text(_wire(n))
            lib.update(changed=[src / f"w{n}.txt"])
        (src / "w1.txt").unlink()
        lib.update(changed=[src / "w1.txt"])
        (src / "a0.txt").write_text(_article(rng, 99))  # written again: a new row
        lib.update(changed=[src / "a0.txt"])
        conn = lib.store.conn
        kept = keys_file.load(conn, clusters.epoch(conn))
        assert kept is not None
        state = Clusters.load(conn)
        assert state.unsaved <= 1  # only the last run's row is not in the file
        live = {d for d, _r in conn.execute("SELECT id, rowid FROM dup_docs")}
        assert {d for d, n in state.rows.items()} == live
        got = sorted(clusters.clustered(conn))
    # The clusters a full recompute gives are the ones kept.
    with Library(tmp_path / "lib") as again:
        again.rebuild_index()
        assert sorted(clusters.clustered(again.store.conn)) == got
