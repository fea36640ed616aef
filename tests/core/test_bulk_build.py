"""Bulk builds in worker processes give the same library as the in-process indexer."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from cellsight.core import pipeline
from cellsight.core.bulk import MAX_JOB, TAIL_JOB, BulkBuild, job_sizes
from cellsight.core.index.segments import SMALL_PILE
from cellsight.core.library import Library
from cellsight.core.model import SearchRequest
from cellsight.core.progress import CancelToken, Progress

WORDS = ("lithium cobalt nickel graphite cathode anode refinery gigafactory tariff "
         "recycling sodium storage demand price contract licensing plant export").split()
COMPANIES = ("CATL", "BYD", "Tesla", "Albemarle", "Ganfeng Lithium", "LG Energy Solution")
QUERIES = ("lithium", "cobalt refinery", '"energy storage"', "company:CATL", "date:2024",
           "nickel OR graphite", "lith*", "battery NOT sodium")


def _corpus(folder: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 120)))
        company = rng.choice(COMPANIES)
        year = rng.randint(2021, 2025)
        (folder / f"a{i:04d}.txt").write_text(
            f"Title: {company} report {i}\nDate: {year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
            f"\nSource: Wire\n\n{company} said energy storage {words}. {words[:80]}.\n",
            encoding="utf-8",
        )
    (folder / "junk.txt").write_bytes(bytes(range(256)) * 40)  # binary: must fail, not crash


def _snapshot(lib: Library) -> dict[str, object]:
    out: dict[str, object] = {"count": lib.count()}
    for q in QUERIES:
        res = lib.search(SearchRequest(query=q, limit=500))
        out[q] = (res.total, sorted(h.id for h in res.hits),
                  {f: sorted((c.value, c.count) for c in v) for f, v in res.facets.items()})
    return out


@pytest.fixture
def small_bulk(monkeypatch: pytest.MonkeyPatch) -> None:
    # Workers for runs of 20+ files, so tests stay small and quick.
    monkeypatch.setattr(pipeline, "BULK_MIN", 20)
    monkeypatch.setenv("CELLSIGHT_INDEX_WORKERS", "2")


def test_job_sizes_cover_everything_and_stay_bounded() -> None:
    for total in (1, 20, 299, 1000, 12345, 50000):
        for workers in (1, 2, 8):
            sizes = job_sizes(total, workers)
            assert sum(sizes) == total
            assert all(0 < s <= MAX_JOB for s in sizes)
    assert job_sizes(50000, 2)[0] == 100  # first results arrive early
    for total in (10_000, 50_000):
        sizes = job_sizes(total, 2)
        peak = sizes.index(max(sizes))
        tail = sizes[peak:]
        # The workers finish together: jobs shrink towards the end, none below
        # TAIL_JOB but the very last.
        assert tail == sorted(tail, reverse=True)
        assert all(s >= TAIL_JOB for s in tail[:-1])
        assert tail[-2] <= 2 * TAIL_JOB


def test_bulk_build_equals_in_process_build(tmp_path: Path, small_bulk: None,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _corpus(tmp_path / "src", 150)
    with Library(tmp_path / "bulk") as lib:
        report = lib.update([tmp_path / "src"])
        assert (report.added, len(report.failed)) == (150, 1)
        assert "junk.txt" in report.failed[0].path
        assert not (tmp_path / "bulk" / "building").exists()  # scratch folder cleared
        bulk = _snapshot(lib)
    monkeypatch.setenv("CELLSIGHT_INDEX_WORKERS", "0")
    with Library(tmp_path / "single") as lib:
        lib.update([tmp_path / "src"])
        single = _snapshot(lib)
    assert bulk == single
    assert bulk["count"] == 150


def test_bulk_updates_replace_and_prune(tmp_path: Path, small_bulk: None) -> None:
    src = tmp_path / "src"
    _corpus(src, 60)
    with Library(tmp_path / "lib") as lib:
        lib.update([src])
        _corpus(src, 60, seed=99)  # every file rewritten: a second bulk run
        for p in list(src.glob("a000*.txt")):
            p.unlink()
        report = lib.update()
        assert report.updated == 50 and report.removed == 10
        assert lib.count() == 50
        # No document twice: every hit id is unique and the index agrees with the store.
        res = lib.search(SearchRequest(query="", limit=1000))
        assert res.total == 50 == len({h.id for h in res.hits})
        assert lib.update().unchanged == 51


def test_bulk_rerun_replaces_what_only_the_index_holds(tmp_path: Path, small_bulk: None) -> None:
    """The workers re-add documents whose old copies the store forgot (a kill between
    the index commit and the store commit): no copy stays behind, even in a run
    limited to the changed folder, which skips the sweep for such orphans."""
    src = tmp_path / "src"
    _corpus(src, 40)
    with Library(tmp_path / "lib") as lib:
        lib.update([src])
        forgotten = sorted(lib.store.all_ids())[:25]
        lib.store.delete_documents(forgotten)
        lib.store.conn.execute("DELETE FROM files")  # every file is read again
        lib.store.conn.commit()
        report = lib.update(changed=[src])
        assert report.added == 40
        res = lib.search(SearchRequest(query="", limit=1000))
        assert res.total == 40 == len({h.id for h in res.hits})
        with lib.index.index.searcher() as s:
            ids = [f["id"] for f in s.all_stored_fields()]
        assert sorted(ids) == sorted(lib.store.all_ids())


def test_cancelled_bulk_run_keeps_a_consistent_library(
        tmp_path: Path, small_bulk: None, monkeypatch: pytest.MonkeyPatch) -> None:
    _corpus(tmp_path / "src", 400)
    cancel = CancelToken()
    real_commit = BulkBuild._commit

    def commit_then_cancel(self: BulkBuild, res: object, out: object) -> None:
        # Cancel once the first job is committed: whatever the machine's pace, the
        # rest is not committed (it was racy when Cancel came from the first progress).
        real_commit(self, res, out)  # type: ignore[arg-type]
        cancel.cancel()

    monkeypatch.setattr(BulkBuild, "_commit", commit_then_cancel)

    def progress(p: Progress) -> None:
        pass

    with Library(tmp_path / "lib") as lib:
        first = lib.update([tmp_path / "src"], progress=progress, cancel=cancel)
        assert first.cancelled
        partial = lib.count()
        assert partial < 400
        assert lib.search(SearchRequest(query="", limit=1)).total == partial
        second = lib.update()
        assert lib.count() == 400
        assert second.added == 400 - partial


def test_leftover_scratch_folder_from_a_crash_is_cleared(tmp_path: Path,
                                                         small_bulk: None) -> None:
    _corpus(tmp_path / "src", 30)
    scratch = tmp_path / "lib" / "building" / "w123-dead"
    scratch.mkdir(parents=True)
    (scratch / "main_deadbeef.seg").write_bytes(b"half a segment")
    with Library(tmp_path / "lib") as lib:
        lib.update([tmp_path / "src"])
        assert lib.count() == 30
    assert not (tmp_path / "lib" / "building").exists()


def test_small_commits_do_not_pile_up_segments(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CELLSIGHT_INDEX_WORKERS", "0")
    src = tmp_path / "src"
    src.mkdir()
    with Library(tmp_path / "lib") as lib:
        lib.update([src])
        for i in range(SMALL_PILE * 3):
            (src / f"n{i}.txt").write_text(f"Note {i}\n\nlithium note number {i}\n")
            lib.update()
        with lib.index.index.searcher() as s:
            segments = len(s.reader().leaf_readers())
        assert segments < SMALL_PILE + 1
        assert lib.search(SearchRequest(query="lithium", limit=100)).total == SMALL_PILE * 3


def test_bulk_build_of_the_seeds_copy(tmp_path: Path, seeds: Path, small_bulk: None,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Real formats (HTML, payload JSON with prices) through the workers.
    monkeypatch.setattr(pipeline, "BULK_MIN", 2)
    shutil.copytree(seeds, tmp_path / "seeds")
    with Library(tmp_path / "lib") as lib:
        report = lib.update([tmp_path / "seeds"])
        assert report.added == 4 and not report.failed
        assert lib.prices().series  # the payload's price indices reached the store
        assert lib.search(SearchRequest(query="licensing")).total >= 2


def test_rebuild_and_reenrich_through_workers(tmp_path: Path, small_bulk: None) -> None:
    from cellsight.core.enrich.catalogue import Entity

    _corpus(tmp_path / "src", 80)
    with Library(tmp_path / "lib") as lib:
        lib.update([tmp_path / "src"])
        before = _snapshot(lib)
        assert lib.rebuild_index() == 80
        assert _snapshot(lib) == before
        assert not (tmp_path / "lib" / "index" / "cellsight-rebuilding").exists()
        # A user entity reaches every stored document through the workers.
        lib.add_entity(Entity(id="user-ess", type="product", name="Stationary Storage",
                              aliases=("energy storage",), exact=(), ticker=None, series=()))
        assert lib.apply_catalogue_changes() == 80
        res = lib.search(SearchRequest(query='product:"Stationary Storage"', limit=200))
        assert res.total == 80
        assert lib.count() == 80 == lib.search(SearchRequest(query="", limit=1)).total


def test_an_unfinished_rebuild_is_redone_on_open(tmp_path: Path) -> None:
    _corpus(tmp_path / "src", 5)
    with Library(tmp_path / "lib") as lib:
        lib.update([tmp_path / "src"])
        lib.index.mark_rebuilding(True)  # as if killed between two rebuild commits
    with Library(tmp_path / "lib") as lib:
        assert lib.index.needs_rebuild
        lib.update()
        assert lib.search(SearchRequest(query="", limit=1)).total == 5
        assert not lib.index.needs_rebuild


def test_fast_analysis_matches_whoosh_analyzer(seeds: Path) -> None:
    from whoosh.formats import Positions

    from cellsight.core.index.fast_analysis import FastPositions
    from cellsight.core.index.schema import analyzer

    ana = analyzer()
    rng = random.Random(3)
    vocab = ("the", "a", "Lithium", "lithium-ion", "U.S.", "batteries", "happy", "of", "x",
             "99", "co2", "α-β", "e.g.", "Mr.", "*", "x.lithium", "İstanbul", "straße", "I",
             "ΟΔΟΣ'Α", "ΣΟΦΟΣ.", "ǅemal", "Kelvin")
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in seeds.iterdir()]
    texts += [" ".join(rng.choice(vocab) for _ in range(rng.randint(0, 60))) for _ in range(300)]
    texts += ["", "the the the", "a b c d"]
    for boost in (1.0, 2.5):
        slow, fast = Positions(field_boost=boost), FastPositions(field_boost=boost)
        for text in texts:
            # The same words, frequencies, weights and positions (encoded differently).
            got = sorted((w, f, wt, fast.decode_positions(v))
                         for w, f, wt, v in fast.word_values(text, ana))  # fmt: skip
            want = sorted((w, f, wt, slow.decode_positions(v))
                          for w, f, wt, v in slow.word_values(text, ana))  # fmt: skip
            assert got == want
            for _w, f, wt, v in fast.word_values(text, ana):
                assert (fast.decode_frequency(v), fast.decode_weight(v)) == (f, wt)


def test_workers_leave_the_facet_arrays_beside_their_segments(tmp_path: Path,
                                                              small_bulk: None) -> None:
    _corpus(tmp_path / "src", 40)
    with Library(tmp_path / "lib") as lib:
        lib.update([tmp_path / "src"])
        with lib.index.index.searcher() as s:
            segments = {leaf.segment().segment_id() for leaf, _ in s.reader().leaf_readers()}
        saved = {p.name for p in (tmp_path / "lib" / "index").glob("cellsight-arrays-*")}
        for seg in segments:  # present before any search asked for them
            assert f"cellsight-arrays-{seg}-facets.npz" in saved
            assert f"cellsight-arrays-{seg}-columns.npz" in saved
        assert _snapshot(lib)["company:CATL"][0] > 0


def test_workers_run_at_a_lower_priority() -> None:
    """On 2 cores, workers at the app's priority kept the window's thread waiting."""
    import subprocess
    import sys

    code = ("import os; from cellsight.core import bulk_worker as w; "
            "a = os.nice(0); w._lower_priority(); print(os.nice(0) - a, a)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()  # fmt: skip
    raised, before = int(out[0]), int(out[1])
    from cellsight.core.bulk_worker import WORKER_NICE

    assert raised == min(WORKER_NICE, 19 - before)
