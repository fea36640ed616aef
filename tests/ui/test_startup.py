"""Start-up order: the window paints before the library is open, then fills itself in."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from cellsight.core.library import Library
from cellsight.ui.main_window import MainWindow
from cellsight.ui.messages import MessageBus
from cellsight.ui.tasks import TaskRunner

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    library = Library(tmp_path / "lib")
    library.update([src])
    yield library
    library.close()


def _window(qtbot, tmp_path: Path, library: Library | None) -> MainWindow:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(library, tasks=TaskRunner(app), messages=MessageBus(app),
                        settings=settings)
    qtbot.addWidget(window)
    return window


def test_window_paints_without_a_library_and_runs_the_search_once_attached(
    qtbot, tmp_path: Path, lib: Library
) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, tmp_path, None)
    with qtbot.waitSignal(window.painted, timeout=120_000):
        window.show()
    # Typed while the library was still opening: kept, not lost, not an error.
    window.search_bar.set_text("licensing")
    window.search.set_query("licensing")
    assert window.indexing is None and window.search.last_result is None
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as blocker:
        window.attach_library(lib)
    assert blocker.args[0].request.query == "licensing"
    assert blocker.args[0].total == 2
    assert window.indexing is not None


def test_price_panel_is_built_after_the_first_results_and_gets_the_book(
    qtbot, tmp_path: Path, lib: Library
) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, tmp_path, lib)
    window.show()
    qtbot.waitExposed(window)
    assert window.prices is None  # not on the way to the first paint
    with qtbot.waitSignal(window.price_panel_ready, timeout=120_000):
        window.search.run()
    qtbot.waitUntil(lambda: window.settled(), timeout=120_000)
    assert window.prices is not None
    assert window.prices.model.rowCount() > 0  # the seeds carry price series


def test_a_catch_up_that_finds_nothing_does_not_search_again(
    qtbot, tmp_path: Path, lib: Library
) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, tmp_path, lib)
    window.show()
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000):
        window.search.run()
    assert window.indexing is not None
    searches = window.search.generation
    with qtbot.waitSignal(window.indexing.library_changed, timeout=120_000):
        window.indexing.update([])
    assert window.search.generation == searches


def test_app_that_cannot_open_its_library_says_so_and_exits_1(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "library"
    not_a_folder.write_text("a file where the library folder should be")
    home = tmp_path / "home"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(home),
               XDG_CONFIG_HOME=str(home / "config"), XDG_STATE_HOME=str(home / "state"),
               XDG_DATA_HOME=str(home / "data"))
    ran = subprocess.run(
        [sys.executable, "-m", "cellsight", "--library", str(not_a_folder), "--exit-when-ready"],
        env=env, capture_output=True, text=True, timeout=600)
    assert ran.returncode == 1
    assert "cannot open its library" in ran.stderr
    assert "Traceback" not in ran.stderr


def test_market_context_follows_the_text_once_the_price_book_is_loaded(
    qtbot, tmp_path: Path, lib: Library
) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, tmp_path, lib)
    window.show()
    with qtbot.waitSignal(window.quiet, timeout=120_000):
        window.search.set_query("lithium")
    qtbot.waitUntil(lambda: window.settled() and window.reader.document() is not None,
                    timeout=120_000)
    doc = window.reader.document()
    assert doc is not None
    expected = lib.market_context(doc)
    assert expected, "the top lithium article should have prices around it"
    qtbot.waitUntil(lambda: len(window.reader.market_strip.cards()) == len(expected),
                    timeout=120_000)


def test_a_search_overtaken_while_queued_is_not_run(
    qtbot, tmp_path: Path, lib: Library, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import threading

    window = _window(qtbot, tmp_path, lib)
    asked: list[str] = []
    real_search = lib.search
    monkeypatch.setattr(lib, "search", lambda req: asked.append(req.query) or real_search(req))
    gate = threading.Event()
    window.tasks.run("hold the lane", lambda _p, _c: gate.wait(120), lane="search")
    window.search.set_query("Musk")
    window.search.set_query("lithium")  # typed on before "Musk" got its turn
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as blocker:
        gate.set()
    assert blocker.args[0].request.query == "lithium"
    assert asked == ["lithium"]


def test_a_result_cancelled_before_delivery_is_not_delivered(qtbot) -> None:  # type: ignore[no-untyped-def]
    # What a closing window relies on: its shutdown cancels every task, and a result
    # still on its way to the UI thread must not reach the (deleted) widgets.
    tasks = TaskRunner(QApplication.instance(), synchronous=True)
    delivered: list[object] = []
    handle = tasks.run("done already", lambda _p, _c: 42)
    handle.finished.connect(delivered.append)
    with qtbot.waitSignal(handle.cancelled, timeout=120_000):
        tasks.shutdown()
    assert delivered == []
