"""The team's user data kept in step while the window is open on a team library.

The library pulls the others' saved searches, notes, tags, alerts and catalogue edits
when it opens and after each index pass (``TeamLibrary.sync_user_data``); while the
window stays open this controller syncs again every ``interval_ms`` and, debounced by
``settle_ms``, after each change made here, so a note written here reaches the others
within seconds and theirs arrive without a restart. Each sync is one task on its own
lane (HTTP requests never on the UI thread, never queued behind prices or searches);
a change made while one runs starts one more after it. Nothing is tried while the
server is unreachable: the team status's probe brings the window back, then this syncs.
What was pulled is shown by refreshing the saved searches, the open document's
annotations, the facets, the alerts and, for catalogue edits, the entity menus and the
results' highlights.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    from ..core.team.userdata_sync import UserSyncReport
    from .main_window import MainWindow

log = logging.getLogger("cellsight.ui")
SYNC_LANE = "team-sync"


def _interval_ms() -> int:
    # CELLSIGHT_TEAM_SYNC_SECONDS: how often others' changes are fetched (default 60 s).
    try:
        seconds = float(os.environ.get("CELLSIGHT_TEAM_SYNC_SECONDS") or 60)
    except ValueError:
        seconds = 60.0
    return max(1000, int(seconds * 1000))


class TeamSync(QObject):
    synced = Signal(object)  # UserSyncReport, after each sync that got through
    sync_failed = Signal(str)  # why a sync did not get through

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.library: Any = None  # the TeamLibrary, None on an embedded library
        self.interval_ms = _interval_ms()
        self.settle_ms = 2000
        self.running = False
        self._again = False  # a change arrived while a sync ran
        self._told_read_only = False
        self._period = QTimer(self)
        self._period.timeout.connect(self.sync_now)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.timeout.connect(self.sync_now)

    def set_library(self, library: object) -> None:
        if not hasattr(library, "sync_user_data"):
            return
        self.library = library
        w = self.window
        w.annotations.changed.connect(self.soon)
        w.saved_searches.edited.connect(self.soon)
        w.alerts.edited.connect(self.soon)
        w.team_status.offline_changed.connect(self._offline_changed)
        self._period.start(self.interval_ms)

    def stop(self) -> None:
        self._period.stop()
        self._settle.stop()
        self.library = None

    # -- when ------------------------------------------------------------------------------
    def soon(self, *_args: object) -> None:
        """A change made here: sent once the user pauses (one sync for a burst of edits)."""
        if self.library is not None:
            self._settle.start(self.settle_ms)

    def _offline_changed(self, offline: bool) -> None:
        if not offline:
            self.sync_now()  # what changed on either side while the server was away

    def sync_now(self) -> None:
        lib = self.library
        if lib is None or self.window.team_status.offline:
            return
        if self.running:
            self._again = True
            return
        self.running = True
        handle = self.window.tasks.run("team user data", lambda _p, _c: lib.sync_user_data(),
                                       lane=SYNC_LANE)
        handle.finished.connect(self._done)
        handle.failed.connect(self._failed)
        handle.cancelled.connect(self._ended)

    # -- outcome ---------------------------------------------------------------------------
    def _ended(self) -> None:
        self.running = False
        if self._again and self.library is not None:
            self._again = False
            self.sync_now()

    def _done(self, report: UserSyncReport) -> None:
        log.info("team user data synced: %d pulled, %d pushed, %d conflicts, %d pending",
                 report.pulled, report.pushed, report.conflicts, report.pending)
        if report.pulled:
            self._show_pulled(report)
        self.synced.emit(report)
        self._ended()

    def _failed(self, exc: BaseException) -> None:
        # Here, not at the top: the window's start does not load the HTTP client.
        from ..core.team.client import TeamReadOnlyError, TeamUnreachableError

        why = str(exc)
        if isinstance(exc, TeamUnreachableError):
            self.window.team_status.lost(exc)  # its banner says it; its probe retries
        elif isinstance(exc, TeamReadOnlyError):
            # A reader's own edits stay on this machine; said once, not every minute.
            if not self._told_read_only:
                self._told_read_only = True
                self.window.messages.warning(f"Your changes stay on this computer: {why}")
        else:
            self.window.messages.from_exception(exc, "Team library")
        log.warning("team user data not synced: %s", why)
        self.sync_failed.emit(why)
        self._ended()

    def _show_pulled(self, report: UserSyncReport) -> None:
        w = self.window
        w.saved_searches.refresh()
        w.annotations.refresh()
        w.alerts.refresh()
        if report.catalogue_changed:
            w.library_actions.refresh_entity_choices()
            w.search.run()  # the highlights follow the others' entities
        n = report.pulled
        w.statusBar().showMessage(f"{n} change{'s' if n != 1 else ''} from your team.", 5000)
