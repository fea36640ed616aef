"""File → Connect to team library… and File → Use local library: the window changes library.

Every controller of the window was built for the one library it attached (read-only
greying, watched folders, caches of entities and prices), so switching builds a fresh
window on the new library where the old one was — same geometry, layout and search —
and closes the old one (its tasks finish first: MainWindow.closeEvent) and then the
library it showed, unless app.py opened that one (app.py closes it at exit). The
choice is kept in the settings as the team library's address only (``team/library``);
Use local library forgets it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from .dialogs.team_connect_dialog import SETTING, TeamConnectDialog

if TYPE_CHECKING:
    from .main_window import MainWindow

log = logging.getLogger("cellsight.ui")
_windows: list[Any] = []  # windows this module built: kept alive while shown
_opened: list[Any] = []  # libraries this module opened, closed when their window goes


class LibrarySwitch(QObject):
    switched = Signal(object)  # the new MainWindow

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.local_folder: Path | None = None  # what Use local library opens
        self.dialog: TeamConnectDialog | None = None

    @property
    def on_team(self) -> bool:
        return getattr(self.window.library, "address", None) is not None

    def connect_team(self) -> TeamConnectDialog:
        """Show the connect dialog (non-modal); on success, switch."""
        dialog = TeamConnectDialog(self.window.tasks, self.window.settings, self.window)
        dialog.connected.connect(self.switch_to)
        self.dialog = dialog
        dialog.open()
        return dialog

    def use_local(self) -> None:
        from ..core.paths import default_library_dir

        self.window.settings.remove(SETTING)
        if not self.on_team:
            return
        folder = self.local_folder or default_library_dir()
        self.window.statusBar().showMessage(f"Opening the local library {folder}…")

        def work(_p: object, _c: object) -> object:
            from ..core.library import Library

            return Library(folder)

        handle = self.window.tasks.run("open local library", work, lane="search")
        handle.finished.connect(self.switch_to)
        handle.failed.connect(
            lambda exc: self.window.messages.from_exception(exc, "Opening the local library"))

    def switch_to(self, library: Any) -> MainWindow:
        """A new window on ``library`` in this one's place; this one closes."""
        from .main_window import MainWindow
        from .messages import MessageBus
        from .tasks import TaskRunner

        old = self.window
        _opened.append(library)
        app = QApplication.instance()
        old.save_state()  # the new window starts with this one's layout and search
        new = MainWindow(None, tasks=TaskRunner(app), messages=MessageBus(app),
                         settings=old.settings)
        new.library_switch.local_folder = self.local_folder
        new.restore_state()
        new.setGeometry(old.geometry())
        _windows.append(new)
        new.show()
        new.attach_library(library)
        previous = old.library
        old.close()  # stops its retries, waits for its tasks
        if old in _windows:
            _windows.remove(old)
        # Not deleteLater: app.py (and a test) may still hold the closed window.
        if previous is not None and previous in _opened:
            _opened.remove(previous)
            previous.close()
        log.info("switched to %s", getattr(library, "address", None) or library.folder)
        self.switched.emit(new)
        return new


def close_all() -> None:
    """At exit: the libraries opened by switching (app.py closes its own)."""
    while _opened:
        _opened.pop().close()
    _windows.clear()
