"""When the window is usable (``ready``) and when the user first pauses (``quiet``).

Start-up order (what the first paint waits for is kept to the widgets themselves):

1. The window is built without a library and painted. The window module imports
   no search engine, no numpy and no pyqtgraph.
2. The caller opens the library off the UI thread and hands it to the window
   (``MainWindow.attach_library``); the request restored from the settings (or
   typed meanwhile) runs then.
3. Once the first results are shown and no indexing they depend on (first run,
   rebuild) is running, the library is usable: ``ready``.
4. Once the user pauses after that (no search or indexing for ``QUIET_MS``), the
   secondary parts may load: ``quiet``. The window then loads, in the ``background``
   lane, the price book, the entity choices and the chart library for the price
   panel, which is then built on the UI thread. Someone who starts typing at once
   gets their results first; the price book takes seconds on a large library and,
   being Python, would share the interpreter with every search made meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLineEdit

from .search_controller import SearchController

QUIET_MS = 300  # after ``ready``: this long without a new search means the user paused


class StartupSequence(QObject):
    ready = Signal()  # once: the first results are shown, over a settled index
    quiet = Signal()  # once: after ``ready``, no search or indexing for QUIET_MS

    def __init__(self, indexing_busy: Callable[[], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._indexing_busy = indexing_busy
        self.is_ready = False
        self._searching = False
        self._quiet_timer = QTimer(self)
        self._quiet_timer.setSingleShot(True)
        self._quiet_timer.setInterval(QUIET_MS)
        self._quiet_timer.timeout.connect(self._on_quiet)

    def watch_activity(self, search: SearchController, edit: QLineEdit) -> None:
        """Requests, keystrokes and running searches postpone ``quiet``."""
        search.request_changed.connect(self.user_active)
        edit.textEdited.connect(self.user_active)
        search.busy_changed.connect(self.search_busy)

    def results_shown(self, index_settled: bool) -> None:
        """Results are on screen; ``index_settled``: the library open, no indexing running."""
        if not self.is_ready and index_settled:
            self.is_ready = True
            self._quiet_timer.start()
            self.ready.emit()

    def user_active(self, _what: object = None) -> None:
        """A request or keystroke: not a pause yet."""
        if self._quiet_timer.isActive():
            self._quiet_timer.start()  # still typing: wait for the next pause

    def search_busy(self, busy: bool) -> None:
        self._searching = busy
        if not busy:
            self.user_active()

    def _on_quiet(self) -> None:
        if self._searching or self._indexing_busy():
            # A search is running (not a pause yet), or the index is changing: the
            # price book built now would be stale at once and slow the indexer down.
            self._quiet_timer.start()
            return
        self.quiet.emit()
