"""The window by keyboard (issue 17): ↓ into the results, Tab past the sort box, arrows
that never re-sort silently, recent queries only when asked and only matching, and a new
query's list from the top."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from windows import new_window, seeded_library, settings_in

from cellsight.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    lib = seeded_library(tmp_path)
    w = new_window(qtbot, lib, settings_in(tmp_path))
    with qtbot.waitSignal(w.search.results_ready, timeout=120_000):
        w.search.set_query("CATL")
    yield w
    qtbot.waitUntil(lambda: not w.tasks.active(), timeout=120_000)
    lib.close()


def test_down_in_the_search_box_moves_into_the_results(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    edit = window.search_bar.edit
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_Down)
    assert window.results.hasFocus() and window.results.currentIndex().isValid()


def test_tab_skips_the_sort_box_and_arrows_never_resort(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    edit = window.search_bar.edit
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_Tab)
    assert window.results.hasFocus()
    sort = window.search_bar.sort
    changed: list[str] = []
    window.search_bar.sort_changed.connect(changed.append)
    sort.setFocus()
    for key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_End):
        qtbot.keyClick(sort, key)
    assert changed == [] and sort.currentData() == "relevance"


def test_recent_queries_open_only_when_asked_and_only_matching(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    bar = window.search_bar
    bar.set_recent(["lithium price", "CATL Hungary", "sodium-ion"])
    bar.edit.clear()
    bar.edit.setFocus()
    qtbot.keyClicks(bar.edit, "CA")
    assert not bar.completer.popup().isVisible()  # typing never opens it
    qtbot.keyClick(bar.edit, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert bar.completer.popup().isVisible()
    shown = [bar.completer.completionModel().index(r, 0).data()
             for r in range(bar.completer.completionModel().rowCount())]
    assert shown == ["CATL Hungary"]


def test_a_new_query_starts_at_the_top(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    view = window.results
    window.resize(1400, 500)  # a list taller than its view, so it can scroll
    last = window.results_model.index(window.results_model.rowCount() - 1)
    view.setCurrentIndex(last)
    view.scrollToBottom()
    qtbot.waitUntil(lambda: view.verticalScrollBar().value() > 0, timeout=120_000)
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000):
        window.search.set_query("battery")
    assert view.verticalScrollBar().value() == 0
