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
