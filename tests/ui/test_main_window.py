"""The assembled window: search as you type, facets, reader, indexing, settings."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from cellsight.core import pipeline
from cellsight.core.library import Library
from cellsight.core.model import SearchRequest, SearchResult
from cellsight.ui.main_window import MainWindow
from cellsight.ui.messages import MessageBus
from cellsight.ui.models.facets_model import FacetRole
from cellsight.ui.tasks import TaskRunner

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Library, QSettings, Path]]:
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    lib = Library(tmp_path / "lib")
    lib.update([src])
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    yield lib, settings, src
    lib.close()


def make_window(qtbot, lib: Library, settings: QSettings, *, restore: bool = False) -> MainWindow:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    tasks = TaskRunner(app)
    window = MainWindow(lib, tasks=tasks, messages=MessageBus(app), settings=settings)
    qtbot.addWidget(window)
    if restore:  # as the app does: state first, then show
        window.restore_state()
    window.show()
    qtbot.waitExposed(window)
    return window


def test_opens_with_every_document_and_facets(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings, _ = env
    window = make_window(qtbot, lib, settings)
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as blocker:
        window.restore_state()
    result: SearchResult = blocker.args[0]
    assert result.total == 4
    assert window.results_model.rowCount() == 4
    groups = [window.facets.model.index(r, 0).data() for r in
              range(window.facets.model.rowCount())]
    assert "Company" in groups and "Topic" in groups
    assert window.search_bar.count_label.text() == "4 documents"


def test_search_as_you_type_drops_stale_answers(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings, _ = env
    window = make_window(qtbot, lib, settings)
    seen: list[str] = []
    window.search.results_ready.connect(lambda r: seen.append(r.request.query))
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000,
                          check_params_cb=lambda r: r.request.query == "licensing"):
        qtbot.keyClicks(window.search_bar.edit, "licensing")
    # Debounced: one search for the whole word, not one per keystroke.
    assert seen == ["licensing"]
    assert window.results_model.rowCount() == 2
    # Two requests in a row: only the newer answer is shown.
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as blocker:
        window.search.set_query("Musk")
        window.search.set_query("lithium")
    assert blocker.args[0].request.query == "lithium"
    qtbot.waitUntil(lambda: not window.tasks.active(), timeout=120_000)
    assert seen[-1] == "lithium" and "Musk" not in seen


def test_typing_matches_the_unfinished_word_and_enter_is_exact(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings, _ = env
    window = make_window(qtbot, lib, settings)
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000,
                          check_params_cb=lambda r: r.request.query == "licen") as typed:
        qtbot.keyClicks(window.search_bar.edit, "licen")
    assert typed.args[0].request.typing
    assert typed.args[0].total >= 2  # the licensing articles, before the word is finished
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as entered:
        qtbot.keyClick(window.search_bar.edit, Qt.Key.Key_Return)
    assert not entered.args[0].request.typing
    assert entered.args[0].total == 0  # Enter searches exactly what is written


def test_malformed_query_shows_a_message_not_a_traceback(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings, _ = env
    window = make_window(qtbot, lib, settings)
    with qtbot.waitSignal(window.search.query_failed, timeout=120_000) as blocker:
        window.search.set_query('"unclosed phrase')
    assert "quotation mark" in blocker.args[0]
    assert window.empty_label.isVisible()
    assert "F1" in window.empty_label.text()


def _facet_index(window: MainWindow, field: str, value: str):  # type: ignore[no-untyped-def]
    model = window.facets.model
    for g in range(model.rowCount()):
        group = model.index(g, 0)
        for r in range(model.rowCount(group)):
            idx = model.index(r, 0, group)
            if idx.data(FacetRole) == (field, value):
                return idx
    raise AssertionError(f"no facet {field}={value}")


def test_facet_drill_down_and_exclusion(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings, _ = env
    window = make_window(qtbot, lib, settings)
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000):
        window.search.run()
    idx = _facet_index(window, "person", "Elon Musk")
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as blocker:
        window.facets.model.setData(idx, Qt.CheckState.Checked.value,
                                    Qt.ItemDataRole.CheckStateRole)
    narrowed = blocker.args[0].total
    assert 0 < narrowed < 4
    assert window.filter_bar.isVisible() and len(window.filter_bar.chips()) == 1
    # Removing the chip restores everything.
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as blocker:
        window.filter_bar.chips()[0].click()
    assert blocker.args[0].total == 4
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as blocker:
        window.facets.excluded.emit("person", "Elon Musk")
    assert blocker.args[0].total == 4 - narrowed
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as blocker:
        window.search.clear_filters()
    assert blocker.args[0].total == 4 and not window.filter_bar.isVisible()


def test_selecting_a_result_opens_it_with_terms_marked(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings, _ = env
    window = make_window(qtbot, lib, settings)
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000):
        window.search.set_query("Megapack")
    qtbot.waitUntil(lambda: "Megapack" in window.reader.browser.toPlainText(), timeout=120_000)
    html = window.reader.browser.toHtml()
    assert "entity:" in html  # entities are anchors
    # Clicking an entity in the reader opens its page (a facet's tick still filters).
    with qtbot.waitSignal(window.entities.page_shown, timeout=120_000) as shown:
        window.reader.entity_clicked.emit("company", "Tesla")
    assert shown.args[0].name == "Tesla" and window.entities.showing_page()
    assert ("company", "Tesla") not in window.search.request.filters


def test_ctrl_f_opens_find_in_the_reader(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings, _ = env
    window = make_window(qtbot, lib, settings)
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000):
        window.search.run()
    qtbot.waitUntil(lambda: window.reader.browser.toPlainText() != "", timeout=120_000)
    window.activateWindow()
    qtbot.waitActive(window)
    window.results.setFocus()
    qtbot.keyClick(window.results, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.reader.find_bar.isVisible()


def test_indexing_a_folder_reports_progress_and_can_be_cancelled(  # type: ignore[no-untyped-def]
        qtbot, env, tmp_path, monkeypatch) -> None:
    lib, settings, _ = env
    window = make_window(qtbot, lib, settings)
    more = tmp_path / "more"
    more.mkdir()
    for i in range(60):
        (more / f"note{i}.txt").write_text(
            f"Lithium note {i}\n\nCATL and BYD discussed sodium-ion cells number {i}.\n")
    progress: list[object] = []
    window.indexing.progress.connect(progress.append)
    with qtbot.waitSignal(window.indexing.finished, timeout=120_000) as blocker:
        window.indexing.update([more])
    report = blocker.args[0]
    assert report.added == 60 and progress
    assert not window.progress.isVisible()
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as res:
        window.search.set_query("sodium")
    assert res.args[0].total == 60

    # Cancel: a second batch stops early, and what was done stays searchable. The run is
    # held at its sixth file until the window has asked it to stop, so the Cancel lands
    # inside the work however fast the machine is (a 400-file run once finished before
    # a Cancel sent at the fifth file's progress arrived).
    slow = tmp_path / "slow"
    slow.mkdir()
    for i in range(400):
        (slow / f"m{i}.txt").write_text(f"Graphite memo {i}\n\nNatural graphite supply {i}.\n")
    asked = threading.Event()
    calls = [0]
    real = pipeline.process_file

    def held(*args: object, **kwargs: object) -> object:
        calls[0] += 1
        if calls[0] == 6:
            assert asked.wait(120), "the window never asked the run to stop"
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "process_file", held)
    monkeypatch.setattr(pipeline, "BULK_MIN", 10**9)  # in this process, where it is held

    def cancel_at_five(p: object) -> None:
        if getattr(p, "done", 0) >= 5 and not asked.is_set():
            window.indexing.cancel()
            asked.set()

    window.indexing.progress.connect(cancel_at_five)
    with qtbot.waitSignal(window.indexing.cancelled, timeout=120_000):
        window.indexing.update([slow])
    assert 5 <= lib.search("graphite memo").total < 400


def test_settings_are_restored(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings, _ = env
    window = make_window(qtbot, lib, settings)
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000):
        window.search_bar.set_text("licensing")
        window.search.set_query("licensing")
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000):
        window.search.toggle_filter("company", "Tesla", True)
    window.search_bar.remember("licensing")
    window.splitter.setSizes([200, 500, 700])
    sizes = window.splitter.sizes()
    window.close()

    # Work still in flight finishes before the second window opens. (Waiting for a
    # results signal that no search was going to send cost the whole 120 s guard.)
    qtbot.waitUntil(lambda: not window.tasks.active(), timeout=120_000)
    again = make_window(qtbot, lib, settings, restore=True)
    qtbot.waitUntil(lambda: again.search.last_result is not None, timeout=120_000)
    assert again.search_bar.text() == "licensing"
    assert again.search.request.filters == (("company", "Tesla"),)
    assert again.search_bar.recent()[0] == "licensing"
    # The offscreen screen may clamp the restored window; the proportions must survive.
    restored = again.splitter.sizes()
    assert [round(x / sum(restored), 1) for x in restored] == [
        round(x / sum(sizes), 1) for x in sizes]


def test_problems_dialog_lists_failed_files(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    from cellsight.ui.widgets.problems_dialog import ProblemsDialog

    lib, _settings, src = env
    (src / "broken.json").write_text('[{"data":1},["Reactive"')
    lib.update()
    dialog = ProblemsDialog(lib.failures())
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 0).text().endswith("broken.json")
    assert dialog.table.item(0, 1).text()


def test_spelling_suggestion_is_offered_and_applied(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings, _ = env
    window = make_window(qtbot, lib, settings)
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as blocker:
        window.search.set_query("licensng")
    assert blocker.args[0].total == 0
    assert window.search_bar.suggestion.isVisible()
    assert "Did you mean" in window.empty_label.text()
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as blocker:
        window.search_bar.suggestion.linkActivated.emit("#")
    assert blocker.args[0].total >= 2
    assert window.search_bar.text() == blocker.args[0].request.query


def test_watched_folder_changes_are_indexed(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings, src = env
    window = make_window(qtbot, lib, settings)
    with qtbot.waitSignal(window.indexing.watching, timeout=60_000):
        window.indexing.watch_sources()
    assert str(src) in window.indexing.watcher.directories()
    with qtbot.waitSignal(window.indexing.finished, timeout=120_000) as blocker:
        (src / "new_note.txt").write_text("Sodium-ion pilot line\n\nBYD started a pilot line.\n")
    assert blocker.args[0].added == 1
    assert lib.search("pilot line").total == 1


def test_adding_an_entity_from_the_reader_applies_to_the_library(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings, _ = env
    window = make_window(qtbot, lib, settings)
    with qtbot.waitSignal(window.indexing.finished, timeout=120_000):
        window.reader.add_entity_requested.emit("installed battery volume", "product",
                                                "Installed volume")
    res = lib.search(SearchRequest(filters=(("product", "Installed volume"),)))
    assert res.total == 1
    assert lib.catalogue().get("user-installed-volume") is not None


def test_document_count_stays_in_the_status_bar(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings, _ = env
    window = make_window(qtbot, lib, settings)
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000):
        window.search.set_query("licensing")
    qtbot.waitUntil(lambda: window.documents.current_id is not None, timeout=120_000)
    assert window.count_status.text().startswith("2 documents · ")
    window.messages.info("Quote saved.")  # a message covers it for a while …
    window.statusBar().clearMessage()  # … and when it goes, the count is back
    assert window.count_status.isVisible() and window.count_status.text().startswith("2 doc")


def test_did_you_mean_only_when_nothing_is_found(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings, _ = env
    window = make_window(qtbot, lib, settings)
    found = SearchResult(request=SearchRequest(query="licensng"), total=1, hits=(), facets={},
                         suggestion="licensing")  # fmt: skip
    window._show_results(found)
    assert not window.search_bar.suggestion.isVisible()
    window._show_results(SearchResult(request=found.request, total=0, hits=(), facets={},
                                      suggestion="licensing"))  # fmt: skip
    assert window.search_bar.suggestion.isVisible()


def test_empty_results_while_the_first_index_runs_say_so() -> None:
    from cellsight.ui.widgets.results_pane import empty_text

    none = SearchResult(request=SearchRequest(), total=0, hits=(), facets={})
    assert empty_text(none, library_empty=True, indexing=True).startswith("Indexing the library")
    assert empty_text(none, library_empty=True).startswith("The library is empty")


def test_first_start_says_it_is_indexing_not_empty(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lib = Library(tmp_path / "lib")
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = make_window(qtbot, lib, settings)
    assert window.indexing is not None
    qtbot.waitUntil(lambda: not window.tasks.active(), timeout=120_000)
    window._show_results(SearchResult(request=SearchRequest(), total=0, hits=(), facets={}))
    assert window.empty_label.text().startswith("The library is empty")
    window.indexing.started.emit("Indexing the sample library")
    assert window.empty_label.text().startswith("Indexing the library")
    qtbot.waitUntil(lambda: not window.tasks.active(), timeout=120_000)
    lib.close()


def test_opening_message_goes_once_the_library_is_attached(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings, _ = env
    app = QApplication.instance()
    window = MainWindow(None, tasks=TaskRunner(app), messages=MessageBus(app), settings=settings)
    qtbot.addWidget(window)
    assert window.statusBar().currentMessage() == "Opening the library…"
    window.attach_library(lib)
    assert window.statusBar().currentMessage() == ""
    qtbot.waitUntil(lambda: not window.tasks.active(), timeout=120_000)
