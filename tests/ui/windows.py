"""What the window tests share: a library indexed from the seeds, settings in the test's
folder, and a shown main window on them."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from cellsight.core.library import Library
from cellsight.ui.main_window import MainWindow
from cellsight.ui.messages import MessageBus
from cellsight.ui.tasks import TaskRunner

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def seeded_library(tmp_path: Path) -> Library:
    """A library of a copy of the seeds (``tmp_path/src``), indexed."""
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    lib = Library(tmp_path / "lib")
    lib.update([src])
    return lib


def settings_in(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def new_window(qtbot, lib: Library, settings: QSettings, *,  # type: ignore[no-untyped-def]
               size: tuple[int, int] | None = None, show: bool = True) -> MainWindow:
    app = QApplication.instance()
    window = MainWindow(lib, tasks=TaskRunner(app), messages=MessageBus(app), settings=settings)
    qtbot.addWidget(window)
    if size is not None:
        window.resize(*size)
    if show:
        window.show()
        qtbot.waitExposed(window)
    return window
