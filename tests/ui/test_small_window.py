"""The window fits 1024×700 with a document open (issue 17): no pane's minimum height
(the notes and quotes lists, the chart's overview strip) may push it taller."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication
from story_library import build
from windows import new_window, seeded_library, settings_in

from cellsight.ui.main_window import dock_height
from cellsight.ui.widgets.date_histogram import caption_for


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


def _open_catl(qtbot, tmp_path: Path, size: tuple[int, int]):  # type: ignore[no-untyped-def]
    lib = seeded_library(tmp_path)
    window = new_window(qtbot, lib, settings_in(tmp_path), size=size)
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000):
        window.search.set_query("CATL")
    qtbot.waitUntil(lambda: window.documents.current_id is not None, timeout=120_000)
    qtbot.waitUntil(lambda: window.settled(), timeout=120_000)
    qtbot.waitUntil(lambda: bool(window.reader.market_strip._cards), timeout=120_000)
    return lib, window


def test_a_1024_by_700_window_gives_the_article_its_room(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 17: at 1024×700 the article showed five lines. The prices dock starts under
    a third of the window, the entities/notes column folds away (a toggle brings it
    back), market context is one line per series, and its labels are cut in the middle."""
    lib, window = _open_catl(qtbot, tmp_path, (1024, 700))
    reader = window.reader
    assert window.price_dock.height() <= dock_height(700) + 40
    assert not reader.side.isVisible()
    assert not reader.side_button.isChecked()
    cards = reader.market_strip._cards
    assert all(card.compact for card in cards)
    assert all(not card.spark.isVisible() and not card.then_label.isVisible() for card in cards)
    lines = reader.browser.viewport().height() / reader.browser.fontMetrics().lineSpacing()
    assert lines >= 9, lines
    for card in cards:  # each label whole or visibly cut in the middle, in full as tooltip
        assert card.title_label.toolTip() == card.title_label.full_text
        shown = card.title_label.text()
        assert shown == card.title_label.full_text or "…" in shown[1:-1]
        assert card.geometry().right() <= reader.market_strip.width()  # wrapped, not cut
    reader.side_button.click()
    assert reader.side.isVisible()
    reader.side_button.click()
    assert not reader.side.isVisible()
    lib.close()


def test_a_1920_by_1080_window_shows_full_cards_and_the_side_column(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lib, window = _open_catl(qtbot, tmp_path, (1920, 1080))
    reader = window.reader
    assert reader.side.isVisible() and reader.side_button.isChecked()
    cards = reader.market_strip._cards
    assert cards and not any(card.compact for card in cards)
    assert all(card.spark.isVisible() and card.then_label.isVisible() for card in cards)
    lib.close()


def test_facet_names_are_cut_in_the_middle_and_keep_their_counts(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lib, window = _open_catl(qtbot, tmp_path, (1024, 700))
    view = window.facets.view
    assert view.textElideMode() == Qt.TextElideMode.ElideMiddle
    model = view.model()
    company = next(model.index(r, 0) for r in range(model.rowCount())
                   if model.index(r, 0).data() == "Company")
    first = model.index(0, 0, company)
    tip = first.data(Qt.ItemDataRole.ToolTipRole)
    assert tip and "document" in tip and first.data().split("  (")[0] in tip
    lib.close()


def test_histogram_caption_fits_its_width(qtbot) -> None:  # type: ignore[no-untyped-def]
    metrics = QFontMetrics(QApplication.font())
    for room in (60, 120, 200, 400, 1000):
        text = caption_for("month", room, metrics)
        assert metrics.horizontalAdvance(text) <= room, (room, text)
    assert "drag" in caption_for("week", 1000, metrics)


def test_while_typing_the_reader_follows_the_list_once_typing_pauses(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 17: rendering the top hit on every keystroke held up the next search. A
    typed query marks the top row at once and opens it when typing pauses; Enter (not
    typing) opens it at once."""
    lib = seeded_library(tmp_path)
    window = new_window(qtbot, lib, settings_in(tmp_path))
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000):
        window.search.set_query("Ford")
    qtbot.waitUntil(lambda: window.documents.current_id is not None, timeout=120_000)
    seen: list[tuple[str | None, str | None]] = []
    listed: list[list[str]] = []

    def shown(r) -> None:  # type: ignore[no-untyped-def]
        seen.append((window.documents.current_id, r.hits[0].id if r.hits else None))
        listed.append([h.id for h in r.hits])

    window.search.results_ready.connect(shown)
    before = window.documents.current_id
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000):
        window.search.set_query("CATL", typing=True)
    opened_then, top = seen[-1]
    assert opened_then == before  # not yet: the list shows, the reader waits
    # The open document stays if it is listed; otherwise the top hit is marked.
    want = before if before in listed[-1] else top
    assert window.results_pane.current_hit() is not None
    assert window.results_pane.current_hit().id == want
    qtbot.waitUntil(lambda: window.documents.current_id == want, timeout=120_000)
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000):
        window.search.set_query("Tesla")  # Enter: opened with the results
    opened_then, top = seen[-1]
    assert opened_then in (top, want) and window.results_pane.current_hit().id == opened_then
    lib.close()
