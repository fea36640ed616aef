"""The window on a read-only library: it searches and reads, says why it cannot write,
and offers nothing that would write.

Root writes through permission bits, so read-only mode is forced on the library here
(the detection itself and real read-only mounts are tested in
tests/reliability/test_read_only_library.py); every write would have succeeded, so a
library left unchanged shows that none was attempted.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent, QTextCursor
from PySide6.QtWidgets import QApplication

from cellsight.core import library as library_module
from cellsight.core.library import Library
from cellsight.ui.main_window import MainWindow
from cellsight.ui.messages import WARNING, MessageBus
from cellsight.ui.tasks import TaskRunner

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in [folder, *folder.rglob("*")]}  # fmt: skip


@pytest.fixture
def read_only_lib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Library]:
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    with Library(tmp_path / "lib") as lib:
        lib.update([src])
    monkeypatch.setattr(library_module, "_read_only_reason", lambda folder: (
        f"The library at {folder} is read-only (a read-only file system): you can "
        "search and read, but not index, edit the catalogue or import prices."))
    library = Library(tmp_path / "lib")
    assert library.read_only
    yield library
    library.close()


def test_window_on_a_read_only_library(qtbot, tmp_path: Path, read_only_lib: Library) -> None:  # type: ignore[no-untyped-def]
    lib = read_only_lib
    before = tree(lib.folder)
    app = QApplication.instance()
    messages = MessageBus(app)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(None, tasks=TaskRunner(app), messages=messages, settings=settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000,
                          check_params_cb=lambda r: r.request.query == "lithium"):
        window.search_bar.set_text("lithium")
        window.search.set_query("lithium")
        window.attach_library(lib)

    # It searches and shows results; the banner says it is read-only, and why.
    assert window.results_model.rowCount() == lib.search("lithium").total > 0
    assert window.banner.isVisible()
    assert window.banner.text() == lib.read_only_reason
    assert "read-only file system" in window.banner.text()

    # What would write is disabled, with the reason as its status tip.
    acts = window.library_actions.writing_actions
    assert set(acts) == {"add_folder", "add_files", "import_prices", "reindex"}
    for name, action in acts.items():
        assert not action.isEnabled(), name
        assert action.statusTip() == lib.read_only_reason
    assert acts["reindex"].shortcut().toString() == "F5"

    # Asked for anyway (a drop, a queued or programmatic request): refused, in words.
    warned = len(messages.history)
    window.index_paths([])
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(SEEDS))])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    window.library_actions.import_prices_from(str(tmp_path / "prices.csv"))
    window.add_alias("catl", "Ningde")
    window.hide_entity("catl")
    assert window.indexing is not None
    window.indexing.update([])  # e.g. the start-up catch-up, had it been asked for
    window.indexing.apply_catalogue()
    refusals = messages.history[warned:]
    assert len(refusals) == 7
    assert all(m.level == WARNING and lib.read_only_reason in m.text for m in refusals)
    assert not window.indexing.busy and not window.indexing.watcher.directories()
    window.indexing.watch_sources()
    assert not window.indexing.watcher.directories() and not window.indexing.watcher.files()

    # The reader shows the document; its catalogue edits are greyed, with the reason.
    qtbot.waitUntil(lambda: window.reader.document() is not None, timeout=120_000)
    cursor = window.reader.browser.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.Start)
    cursor.movePosition(QTextCursor.MoveOperation.EndOfWord, QTextCursor.MoveMode.KeepAnchor)
    window.reader.browser.setTextCursor(cursor)
    menu = window.reader.context_menu(QPoint(1, 1))
    edits = [a for a in menu.actions() if a.text().startswith(("Add as", "Hide this"))]
    assert edits and all(not a.isEnabled() and a.toolTip() == lib.read_only_reason
                         for a in edits)  # fmt: skip
    menu.deleteLater()

    # The price panel comes up after the first pause; its import is disabled too.
    window.ensure_price_panel()
    assert window.prices is not None and not window.prices.import_action.isEnabled()
    qtbot.waitUntil(lambda: not window.tasks.active(), timeout=120_000)
    assert tree(lib.folder) == before
