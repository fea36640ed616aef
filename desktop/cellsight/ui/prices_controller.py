"""The price panel: building it late, feeding it the price book and news markers.

The panel is not on the way to the first paint: pyqtgraph costs ~0.4 s to import,
so :meth:`PricesController.load_chart_library` imports it off the UI thread once the
user pauses, and only then is the panel built (on the UI thread). Until then the
dock shows a placeholder.

News markers follow the results once typing pauses: each update reads every listed
document and redraws the chart, which is wasted on a result list about to change.
Every update carries a generation number, so markers of an older list are dropped.
Answers go to methods of this QObject, not to lambdas, so that one arriving after
the window is gone is dropped by Qt instead of reaching deleted widgets.

The chart's state of the last session (which series, rebased or not) is read from
the settings before the panel exists, so it is kept here and handed to the panel
when it is built; a session that never built the panel keeps it for the next one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QDockWidget

from ..core.progress import Cancelled
from .lanes import BACKGROUND_LANE
from .messages import MessageBus
from .models.results_model import ResultsModel
from .tasks import TaskRunner

if TYPE_CHECKING:
    # Imported when needed: the price book is built by the library (numpy) and the
    # panel pulls in pyqtgraph; neither is needed to paint the window.
    from ..core.library import Library
    from ..core.prices_view import NewsMarker, PriceBook
    from .widgets.price_panel import PricePanel

MARKERS_DELAY_MS = 400
MARKER_DOCS = 200  # the top results whose news is marked on the chart


class PricesController(QObject):
    panel_ready = Signal()  # the price panel exists
    book_loaded = Signal()  # a price book was loaded (and given to the panel, if built)
    document_requested = Signal(str)  # doc id: a news marker was clicked
    import_requested = Signal(str)  # path of a CSV the user chose in the panel

    def __init__(
        self,
        dock: QDockWidget,
        results: ResultsModel,
        tasks: TaskRunner,
        messages: MessageBus,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.dock = dock
        self.results = results  # markers are for the news in the current results
        self.tasks = tasks
        self.messages = messages
        self.library: Library | None = None
        self.panel: PricePanel | None = None
        self.book: PriceBook | None = None
        self._chart_state: tuple[list[str], bool] | None = None  # until the panel exists
        # Read by the marker task off the UI thread (an int: safe) to skip stale work.
        self._markers_generation = 0
        self._markers_timer = QTimer(self)
        self._markers_timer.setSingleShot(True)
        self._markers_timer.setInterval(MARKERS_DELAY_MS)
        self._markers_timer.timeout.connect(self._markers_due)

    def set_library(self, library: Library) -> None:
        self.library = library

    @property
    def markers_pending(self) -> bool:
        """A markers update is waiting for typing to pause."""
        return self._markers_timer.isActive()

    # -- the panel ---------------------------------------------------------------------
    def load_chart_library(self) -> None:
        """Import the chart library in the background lane, then build the panel."""
        if self.panel is not None:
            return

        def import_chart(_p: object, _c: object) -> None:
            # Module imports only (no widgets): safe off the UI thread, and the
            # ~0.4 s of pyqtgraph no longer freezes the window.
            from .widgets import price_panel  # noqa: F401

        handle = self.tasks.run("load chart library", import_chart, lane=BACKGROUND_LANE)
        handle.done.connect(self.ensure_panel)

    def ensure_panel(self) -> PricePanel:
        """The price panel, built now if it was not yet (the import blocks if needed)."""
        if self.panel is not None:
            return self.panel
        from .widgets.price_panel import PricePanel

        panel = self.panel = PricePanel(self.dock)
        panel.selection_changed.connect(self.update_markers)
        panel.marker_clicked.connect(self.document_requested)
        panel.import_requested.connect(self.import_requested)
        if self.library is not None and self.library.read_only:
            panel.import_action.setEnabled(False)
            panel.import_action.setToolTip(self.library.read_only_reason)
        panel.exported.connect(lambda path: self.messages.info(f"Saved {path}."))
        panel.export_failed.connect(lambda why: self.messages.warning(why))
        self.dock.setWidget(panel)
        if self._chart_state is not None:
            panel.restore(*self._chart_state)
            self._chart_state = None
        if self.book is not None:
            panel.set_book(self.book)
        self.panel_ready.emit()
        return panel

    def restore_chart(self, series_ids: list[str], rebased: bool) -> None:
        """Chart ``series_ids`` (rebased or not) as the last session did, now or once built."""
        if self.panel is not None:
            self.panel.restore(series_ids, rebased)
        else:
            self._chart_state = (list(series_ids), rebased)

    def chart_state(self) -> tuple[list[str], bool] | None:
        """(charted ids, rebased?) to keep; None when there is nothing to say."""
        if self.panel is not None:
            return self.panel.chart_state()
        return self._chart_state

    def select_series(self, series_id: str) -> None:
        """Show the dock and chart ``series_id`` (built on demand: a click waits)."""
        self.dock.show()
        self.ensure_panel().select_series(series_id)

    def refresh_theme(self) -> None:
        if self.panel is not None:
            self.panel.refresh_theme()

    # -- the price book ----------------------------------------------------------------
    def reload(self) -> None:
        """Rebuild the price book in the background (the library or its prices changed)."""
        lib = self.library
        if lib is None:
            return
        handle = self.tasks.run("prices", lambda _p, _c: lib.prices(), lane=BACKGROUND_LANE)
        handle.finished.connect(self._set_book)
        handle.failed.connect(lambda exc: self.messages.from_exception(exc, "Loading prices"))

    def _set_book(self, book: PriceBook) -> None:
        self.book = book
        if self.panel is not None:
            self.panel.set_book(book)
        self.book_loaded.emit()

    # -- news markers ------------------------------------------------------------------
    def results_changed(self) -> None:
        """New results: the markers shown are for the old list; update after a pause."""
        if self.panel is None:
            return
        self._markers_generation += 1  # markers of the old list are no use now
        self._markers_timer.start()

    def _markers_due(self) -> None:
        if self.panel is not None:
            self.update_markers(self.panel.selected_ids())

    def update_markers(self, series_ids: list[str]) -> None:
        """Mark on the chart the listed news that mentions what ``series_ids`` track."""
        if self.panel is None:
            return
        self._markers_timer.stop()
        self._markers_generation += 1
        gen = self._markers_generation
        lib = self.library
        if not series_ids or lib is None:
            self.panel.set_markers([])
            return
        request = self.results.request
        listed = [h.id for h in self.results.hits()]

        def load(_p: object, _c: object) -> tuple[int, list[NewsMarker]]:
            if gen != self._markers_generation:
                raise Cancelled  # newer results (typing) came while this one waited
            # The window lists a first page; the chart marks the top MARKER_DOCS results
            # (ids only: no snippets), whether or not the list has been scrolled to them.
            doc_ids = listed if request is None else list(lib.search(replace(
                request, ids_only=True, offset=0, limit=MARKER_DOCS, with_facets=False,
                with_histogram=None, within_ids=request.within_ids)).ids)
            return gen, lib.news_markers(series_ids, doc_ids)

        handle = self.tasks.run("news markers", load, lane=BACKGROUND_LANE)
        handle.finished.connect(self._set_markers)

    def _set_markers(self, loaded: tuple[int, list[NewsMarker]]) -> None:
        gen, markers = loaded
        if gen == self._markers_generation and self.panel is not None:
            self.panel.set_markers(markers)
