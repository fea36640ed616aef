"""What the user sees of indexing, and whether a run changed what the window shows.

Progress and Cancel go to the progress panel in the status bar; a run's summary to
the status bar, or as a warning when files could not be read; failures and
cancellations to the message channel. A run that added, updated and removed nothing
(the catch-up at start-up, usually) leaves results, prices and entity choices as
they are: re-running them would only slow down whatever the user is doing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QStatusBar

from ..core.model import IndexReport
from .messages import MessageBus
from .widgets.progress_panel import ProgressPanel

if TYPE_CHECKING:
    # The indexing module pulls in the library (search engine, numpy): not needed
    # to paint the window, so imported once there is a library to index.
    from .indexing import IndexingController

SUMMARY_MS = 8000  # how long a run's summary stays in the status bar


class IndexingFeedback(QObject):
    # A run ended that may have changed the index (or was cancelled, or failed,
    # part-way): searches, prices and entity choices should be read again.
    content_changed = Signal()

    def __init__(
        self,
        progress: ProgressPanel,
        status: QStatusBar,
        messages: MessageBus,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.progress = progress
        self.status = status
        self.messages = messages
        self._changed = True  # until the running job's report says otherwise

    def watch(self, ix: IndexingController) -> None:
        """Show the runs of ``ix`` from now on; the panel's Cancel cancels them."""
        ix.started.connect(self._started)
        ix.progress.connect(self.progress.update_progress)
        ix.finished.connect(self._finished)
        ix.failed.connect(lambda exc: self.messages.from_exception(exc, "Indexing"))
        ix.cancelled.connect(lambda: self.messages.info("Indexing cancelled; what was done "
                                                        "so far is kept."))
        ix.library_changed.connect(self._library_changed)
        self.progress.cancel_requested.connect(ix.cancel)

    def _started(self, label: str) -> None:
        self._changed = True  # until a report says otherwise
        self.progress.start(label)

    def _finished(self, result: object) -> None:
        from .indexing import summarise

        # Not every job reports (re-applying the catalogue returns a count): those
        # are taken to have changed the library.
        if isinstance(result, IndexReport):
            self._changed = bool(
                result.added or result.updated or result.removed or result.cancelled)
            text = summarise(result)
            if result.failed:
                self.messages.warning(text)
            else:
                self.status.showMessage(text, SUMMARY_MS)
        self.progress.stop()

    def _library_changed(self) -> None:
        if self._changed:
            self.content_changed.emit()
