"""The window fits 1024×700 with a document open (issue 17): no pane's minimum height
(the notes and quotes lists, the chart's overview strip) may push it taller."""

from __future__ import annotations

from pathlib import Path

from story_library import build
from windows import new_window, settings_in


def test_window_fits_1024_by_700_with_a_document_and_prices(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lib = build(tmp_path)
    window = new_window(qtbot, lib, settings_in(tmp_path))
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000):
        window.search.set_query("CATL")
    qtbot.waitUntil(lambda: window.documents.current_id is not None, timeout=120_000)
    window.ensure_price_panel()
    qtbot.waitUntil(lambda: window.settled(), timeout=120_000)
    hint = window.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 700, hint
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.height() <= 700, timeout=120_000)
    lib.close()
