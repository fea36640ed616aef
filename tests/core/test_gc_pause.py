"""An indexing run keeps its per-file tables out of the cyclic collector's passes and
leaves the collector as it found it (core/gc_pause.py)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from cellsight.core import gc_pause
from cellsight.core.library import Library


def test_tables_are_frozen_for_the_run_and_released_after() -> None:
    assert gc.isenabled() and gc.get_freeze_count() == 0
    with gc_pause.indexing_run():
        with gc_pause.building_tables():
            assert not gc.isenabled()
            table = [[n] for n in range(1000)]  # containers the collector would walk
        assert gc.isenabled()
        assert gc.get_freeze_count() >= len(table)
        with gc_pause.indexing_run():  # a second run in another thread, say
            pass
        assert gc.get_freeze_count() >= len(table)  # the first one is still running
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_failing_run_restores_the_collector() -> None:
    with pytest.raises(RuntimeError), gc_pause.indexing_run(), gc_pause.building_tables():
        raise RuntimeError("boom")
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    try:
        with gc_pause.indexing_run(), gc_pause.building_tables():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_cycles_made_during_a_run_are_still_collected() -> None:
    class Node:
        other: object = None

    with gc_pause.indexing_run():
        with gc_pause.building_tables():
            pass
        a, b = Node(), Node()
        a.other, b.other = b, a
        del a, b
        assert gc.collect() >= 2


def test_library_update_leaves_the_collector_as_it_was(tmp_path: Path, seeds: Path) -> None:
    with Library(tmp_path / "lib") as lib:
        lib.update([seeds])
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_release_empties_every_table_and_frees_what_only_it_held() -> None:
    import weakref

    class Rec:
        pass

    recs = [Rec() for _ in range(3 * gc_pause.SLICE + 1)]
    watched = [weakref.ref(r) for r in recs[:: gc_pause.SLICE]]
    by_name = {f"r{n}": r for n, r in enumerate(recs)}
    names = set(by_name)
    tables: list[object] = [recs, by_name, names]
    del recs
    assert all(w() is not None for w in watched)
    gc_pause.release(tables)  # type: ignore[arg-type]
    assert tables == [] and not by_name and not names
    assert all(w() is None for w in watched)  # freed by reference counting, not a pass


def test_an_indexing_run_releases_its_survey(tmp_path: Path, seeds: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    released: list[int] = []
    real = gc_pause.release

    def spy(tables: list[object]) -> None:
        released.append(sum(len(t) for t in tables))  # type: ignore[arg-type]
        real(tables)  # type: ignore[arg-type]

    monkeypatch.setattr(gc_pause, "release", spy)
    with Library(tmp_path / "lib") as lib:
        lib.update([seeds])
        assert released and released[-1] > lib.count() > 0  # records, files, paths
