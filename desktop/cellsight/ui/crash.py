"""Last-resort handling of bugs: log them and show a dialog with copyable details."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox

log = logging.getLogger("cellsight.ui")


class CrashReporter(QObject):
    _show = Signal(str)

    def __init__(self, parent: QObject | None = None, *, show_dialog: bool = True) -> None:
        super().__init__(parent)
        self.show_dialog = show_dialog
        self.reports: list[str] = []
        self._show.connect(self._dialog, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        sys.excepthook = self._hook
        threading.excepthook = lambda a: self._hook(a.exc_type, a.exc_value, a.exc_traceback)

    def _hook(
        self, etype: type[BaseException], value: BaseException | None, tb: TracebackType | None
    ) -> None:
        details = "".join(traceback.format_exception(etype, value, tb))
        log.critical("unhandled exception:\n%s", details)
        self.reports.append(details)
        if self.show_dialog and QApplication.instance() is not None:
            self._show.emit(details)  # queued: the hook may run on any thread

    @Slot(str)
    def _dialog(self, details: str) -> None:
        box = QMessageBox(QApplication.activeWindow())
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("Cellsight hit a bug")
        box.setText("Something went wrong inside Cellsight. Your library is safe.\n"
                    "You can keep working; please send the details to the developers.")
        box.setDetailedText(details)
        copy = box.addButton("Copy details", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Close)
        copy.clicked.disconnect()
        copy.clicked.connect(lambda: QApplication.clipboard().setText(details))
        box.setModal(False)
        box.show()


__all__ = ["CrashReporter"]
