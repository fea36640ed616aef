"""A kill during any workbench save leaves the old or the new version, never a mix.

Each kind of save (a saved search, bulk tags, a star, a note, a quote, an alert, "seen",
arrivals) is killed before each of its SQL statements in turn; afterwards every save is
either wholly there or wholly absent, in order, and the database is intact.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from harness import SEEDS
from test_userdata_atomic import in_child, integrity, kill_at_statement

from cellsight.core.library import Library
from cellsight.core.model import SearchRequest
from cellsight.core.workbench.records import AlertRule


def saves(lib: Library, ids: list[str]) -> None:
    wb = lib.workbench
    wb.save_search("lithium", SearchRequest(query="lithium", filters=(("topic", "Prices"),)))
    wb.tag(ids, "Europe", "watch")  # several rows: one transaction
    wb.star(ids[0])
    wb.note(ids[1], "Call the cathode analyst")
    wb.quote(ids[0], 0, 12)
    wb.add_alert(AlertRule("li up", lib.prices().series[0].id, "change", pct=5.0))
    wb.mark_seen("lithium")
    wb.store.record_arrivals(["future-1", "future-2", "future-3"])


def state(lib: Library, ids: list[str]) -> list[str]:
    """Which saves are there: each must be all or nothing."""
    wb = lib.workbench
    out = []
    if wb.store.saved("lithium") is not None:
        s = wb.store.saved("lithium")
        assert s is not None and s.filters == (("topic", "Prices"),)
        out.append("saved")
    tags = wb.store.all_tags()
    assert set(tags) in (set(), {"Europe", "watch"}), tags
    if tags:
        assert tags == {"Europe": frozenset(ids), "watch": frozenset(ids)}
        out.append("tags")
    if wb.store.starred():
        out.append("star")
    notes = wb.annotations(ids[1]).notes
    if notes:
        assert [n.text for n in notes] == ["Call the cathode analyst"]
        out.append("note")
    if wb.annotations(ids[0]).quotes:
        out.append("quote")
    if wb.store.alerts():
        assert wb.store.alerts()[0].pct == 5.0
        out.append("alert")
    s = wb.store.saved("lithium")
    if s is not None and s.created is not None and s.last_seen != s.created:
        out.append("seen")
    arrived = wb.store.arrived_since(None) & {"future-1", "future-2", "future-3"}
    assert len(arrived) in (0, 3)
    if arrived:
        out.append("arrivals")
    return out


ORDER = ["saved", "tags", "star", "note", "quote", "alert", "seen", "arrivals"]


def test_every_workbench_save_killed_at_every_statement_is_all_or_nothing(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    pristine = tmp_path / "pristine"
    with Library(pristine) as lib:
        lib.update([src])
        ids = sorted(lib.store.all_ids())[:3]
    outcomes: list[int] = []
    for n in range(1, 200):
        lib_dir = tmp_path / f"lib{n}"
        shutil.copytree(pristine, lib_dir)

        def run(n: int = n, lib_dir: Path = lib_dir) -> None:
            lib = Library(lib_dir)
            lib.prices()  # loaded before the kill counter starts
            kill_at_statement(lib, n)
            saves(lib, ids)

        killed = in_child(run)
        integrity(lib_dir / "user.sqlite")
        with Library(lib_dir) as lib:
            got = state(lib, ids)
        assert got == ORDER[: len(got)], (n, got)  # in order, none half-made
        outcomes.append(len(got))
        if not killed:
            assert got == ORDER
            break
    print(f"\n{len(outcomes)} kill points, saves kept: {outcomes}")
    assert len(outcomes) > len(ORDER) and set(outcomes) == set(range(len(ORDER) + 1))
