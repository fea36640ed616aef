"""A team library whose server stops answering: one notice, the results kept, retries.

A search (or any task) that fails with TeamUnreachableError puts the window in the
offline state: one banner under the notice line says so, the results, facets and the
open document stay as they were, and a probe (``TeamLibrary.ping``, on its own lane so
nothing queues behind it) is tried after ``first_retry_ms``, then at doubling pauses up
to ``max_retry_ms``. The pause is a QTimer and the next one is started by the probe's
own outcome, so the UI thread never waits on the network and no two probes overlap.
When a probe succeeds the banner goes and the current search runs again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel

from .messages import WARNING, Message
from .widgets.notice_banner import NoticeBanner

if TYPE_CHECKING:
    from .main_window import MainWindow

log = logging.getLogger("cellsight.ui")
PROBE_LANE = "team"
# How TeamUnreachableError's message begins (core/team/client.py): the other
# controllers report failures as text through the MessageBus.
UNREACHABLE_TEXT = "Cannot reach the team library server"


class TeamStatus(QObject):
    offline_changed = Signal(bool)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.address: str | None = None  # set while the window is on a team library
        self.offline = False
        self.first_retry_ms = 1000
        self.max_retry_ms = 30_000
        self.retries = 0  # probes that failed since the server was lost
        self._delay = self.first_retry_ms
        self._probing = False
        self.banner = NoticeBanner(window)
        self.banner.setAccessibleName("Team library status")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._probe)
        window.search.unreachable.connect(self.lost)
        # Which library this is, where the count is: the title bar is not always shown.
        self.where = QLabel(window)
        self.where.setObjectName("teamAddress")
        self.where.setVisible(False)

    def set_library(self, library: object) -> None:
        self.address = getattr(library, "address", None)
        if self.address is not None:
            reader = " (read only)" if getattr(library, "read_only", False) else ""
            self.where.setText(f"Team library {self.address}{reader}")
            self.window.statusBar().addPermanentWidget(self.where)
            self.where.setVisible(True)

    def absorbs(self, msg: Message) -> bool:
        """True for another task's "cannot reach" warning: this banner says it once."""
        if self.address is None or UNREACHABLE_TEXT not in msg.text:
            return False
        self.lost()
        return True

    # -- the state ---------------------------------------------------------------------
    def lost(self, _exc: object = None) -> None:
        if self.address is None:
            return
        if not self.offline:
            self.offline = True
            self.retries = 0
            self._delay = self.first_retry_ms
            text = f"Team library at {self.address} unreachable — retrying"
            log.warning("%s", text)
            self.banner.show_message(Message(WARNING, text))
            self.window.statusBar().showMessage(text, 10000)
            self.offline_changed.emit(True)
        if not self._timer.isActive() and not self._probing:
            self._timer.start(self._delay)

    def _probe(self) -> None:
        lib = self.window.library
        if lib is None or not hasattr(lib, "ping"):
            return
        self._probing = True
        handle = self.window.tasks.run("team probe", lambda _p, _c: lib.ping(), lane=PROBE_LANE)
        handle.finished.connect(self._back)
        handle.failed.connect(self._still_down)
        handle.cancelled.connect(self._cancelled)

    def _cancelled(self) -> None:
        self._probing = False  # the window is closing

    def _still_down(self, exc: BaseException) -> None:
        self._probing = False
        self.retries += 1
        self._delay = min(self._delay * 2, self.max_retry_ms)
        log.info("team library still unreachable (%s); next try in %d ms",
                 type(exc).__name__, self._delay)
        self._timer.start(self._delay)

    def _back(self, _result: object) -> None:
        self._probing = False
        if not self.offline:
            return
        self.offline = False
        self.banner.setVisible(False)
        self.window.statusBar().showMessage(f"Team library at {self.address} is reachable "
                                            "again.", 5000)
        self.offline_changed.emit(False)
        self.window.search.run()  # what was typed while offline, against the server

    def stop(self) -> None:
        self._timer.stop()
