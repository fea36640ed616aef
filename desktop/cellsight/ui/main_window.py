"""The main window: lays out the panels and wires their signals. No domain logic here.

Start-up order (what the first paint waits for is kept to the widgets themselves):

1. The window is built without a library and painted (``painted``). This module
   imports no search engine, no numpy and no pyqtgraph.
2. The caller opens the library off the UI thread and hands it to
   :meth:`MainWindow.attach_library`; the request restored from the settings (or
   typed meanwhile) runs then.
3. Once the first results are shown (``ready``) and the user pauses (``quiet``:
   no search or indexing for ``QUIET_MS``), the secondary parts load in the ``background``
   lane: price book, entity choices, and the chart library for the price panel,
   which is then built on the UI thread. Someone who starts typing at once gets
   their results first; the price book takes seconds on a large library and, being
   Python, would share the interpreter with every search made meanwhile.

Searches and document loads have the ``search`` lane to themselves, so typing never
waits behind prices, news markers or the chart library.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QPaintEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from .. import APP_NAME, __version__
from ..core.model import Document, Hit, IndexReport, SearchRequest, SearchResult
from ..core.progress import Cancelled
from .messages import ERROR, Message, MessageBus
from .models.results_model import ResultsModel
from .search_controller import SearchController
from .tasks import TaskRunner
from .theme import apply_theme
from .widgets.facet_panel import FacetPanel
from .widgets.filter_bar import FilterBar
from .widgets.progress_panel import ProgressPanel
from .widgets.reader_view import ReaderView
from .widgets.results_view import ResultsView
from .widgets.search_bar import SearchBar

if TYPE_CHECKING:
    # Imported when needed: the library pulls in the search engine and numpy, the
    # price panel pyqtgraph; neither is needed to paint the window.
    from ..core.library import Library
    from ..core.prices_view import PriceBook
    from .indexing import IndexingController
    from .widgets.price_panel import PricePanel

SEARCH_LANE = "search"  # searches and opening documents: what the user waits for
BACKGROUND_LANE = "background"  # prices, markers, catalogue, chart library
# News markers follow the results once typing pauses: each update reads every listed
# document and redraws the chart, which is wasted on a result list about to change.
MARKERS_DELAY_MS = 400
QUIET_MS = 300  # after ``ready``: this long without a new search means the user paused

WELCOME = ("Welcome to Cellsight. This is the bundled sample library. Add your own folders "
           "with File → Add folder… (Ctrl+O) or drop them onto this window.")


class MainWindow(QMainWindow):
    # The library's first results are shown and no indexing they depend on (first
    # run, rebuild) is running: the library is usable.
    ready = Signal()
    painted = Signal()  # the window's first frame has been painted
    # Once: after ``ready``, no search or indexing for QUIET_MS; time for background work.
    quiet = Signal()
    price_panel_ready = Signal()  # the price panel exists (it is built after ``quiet``)

    def __init__(
        self,
        library: Library | None,
        *,
        tasks: TaskRunner,
        messages: MessageBus,
        settings: QSettings,
    ) -> None:
        """``library`` may be None: the window paints first; see :meth:`attach_library`."""
        super().__init__()
        self.library: Library | None = None
        self.tasks = tasks
        self.messages = messages
        self.settings = settings
        self._current_doc_id: str | None = None
        self._ready_sent = False
        self._painted = False
        self._secondary_started = False
        self._searching = False
        self._quiet_timer = QTimer(self)
        self._quiet_timer.setSingleShot(True)
        self._quiet_timer.setInterval(QUIET_MS)
        self._quiet_timer.timeout.connect(self._on_quiet)
        self._markers_generation = 0
        self._markers_timer = QTimer(self)
        self._markers_timer.setSingleShot(True)
        self._markers_timer.setInterval(MARKERS_DELAY_MS)
        self._markers_timer.timeout.connect(
            lambda: self._update_markers(self.prices.selected_ids()) if self.prices else None)
        self._index_changed_library = True
        self._when_open: list[Callable[[], None]] = []
        self.setWindowTitle(f"{APP_NAME}")
        self.setAcceptDrops(True)
        self.resize(1400, 880)

        self.search = SearchController(None, tasks, self)
        self.indexing: IndexingController | None = None
        self._build_widgets()
        self._build_menus()
        self._wire()
        self.ready.connect(self._quiet_timer.start)
        self.search.request_changed.connect(self._postpone_quiet)
        self.search_bar.edit.textEdited.connect(self._postpone_quiet)
        self.search.busy_changed.connect(self._search_busy)
        self.quiet.connect(self._start_secondary)
        if library is not None:
            self.attach_library(library)
        else:
            self.statusBar().showMessage("Opening the library…")

    def attach_library(self, library: Library) -> None:
        """Use ``library`` from now on: indexing, the pending search, queued actions."""
        from .indexing import IndexingController

        self.library = library
        self.indexing = IndexingController(library, self.tasks, self)
        self._wire_indexing(self.indexing)
        self.search.set_library(library)
        queued, self._when_open = self._when_open, []
        for action in queued:
            action()

    def _with_library(self, action: Callable[[], None]) -> None:
        """Run ``action`` now, or as soon as the library is open."""
        if self.library is None:
            self._when_open.append(action)
            self.statusBar().showMessage("Opening the library…", 3000)
        else:
            action()

    def settled(self) -> bool:
        """Library open, results shown, nothing running, the price panel built."""
        return (self.library is not None and self._ready_sent and self.indexing is not None
                and not self.indexing.busy and not self.tasks.active()
                and self.prices is not None and not self._markers_timer.isActive())

    # -- layout ------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.search_bar = SearchBar(self)
        self.filter_bar = FilterBar(self)
        self.banner = QLabel(self)
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        self.banner.setAccessibleName("Notice")
        self.facets = FacetPanel(self)
        self.results_model = ResultsModel(self)
        self.results = ResultsView(self.results_model, self)
        self.empty_label = QLabel(self)
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setVisible(False)
        self.reader = ReaderView(self)
        # Built after the first results, once the user pauses: pyqtgraph costs ~0.4 s
        # to import, which is done off the UI thread first (see _start_secondary).
        self.prices: PricePanel | None = None
        self._book: PriceBook | None = None

        results_box = QWidget(self)
        rl = QVBoxLayout(results_box)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.results)
        rl.addWidget(self.empty_label)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.facets)
        self.splitter.addWidget(results_box)
        self.splitter.addWidget(self.reader)
        self.splitter.setSizes([240, 430, 730])
        self.splitter.setChildrenCollapsible(False)

        central = QWidget(self)
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.search_bar)
        lay.addWidget(self.banner)
        lay.addWidget(self.filter_bar)
        lay.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.price_dock = QDockWidget("Prices", self)
        self.price_dock.setObjectName("pricesDock")
        self.price_dock.setWidget(QLabel("Loading prices…", self.price_dock))
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.price_dock)
        self.resizeDocks([self.price_dock], [300], Qt.Orientation.Vertical)

        self.progress = ProgressPanel(self)
        self.statusBar().addPermanentWidget(self.progress)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._action(file, "&Add folder…", self.add_folder, QKeySequence("Ctrl+O"))
        self._action(file, "Add &files…", self.add_files, QKeySequence("Ctrl+Shift+O"))
        self._action(file, "&Import prices (CSV)…", self.import_prices)
        self._action(file, "&Export results (CSV)…", self.export_results, QKeySequence("Ctrl+E"))
        file.addSeparator()
        self._action(file, "&Re-index", lambda: self.index_paths([]), QKeySequence("F5"))
        self._action(file, "&Problems…", self.show_problems)
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit, "Ctrl+Q")

        edit = bar.addMenu("&Edit")
        self._action(edit, "&Search", self.search_bar.focus_search)
        self._action(edit, "&Find in article", self.reader.open_find, QKeySequence("Ctrl+F"))
        self._action(edit, "&Clear filters", self.search.clear_filters,
                     QKeySequence("Ctrl+Shift+Backspace"))

        view = bar.addMenu("&View")
        toggle = self.price_dock.toggleViewAction()
        toggle.setText("&Price panel")
        toggle.setShortcut(QKeySequence("Ctrl+P"))
        view.addAction(toggle)
        theme_menu = view.addMenu("&Theme")
        self.theme_group = QActionGroup(self)
        for key, label in (("system", "Follow system"), ("light", "Light"), ("dark", "Dark")):
            act = theme_menu.addAction(label)
            act.setCheckable(True)
            act.setData(key)
            self.theme_group.addAction(act)
            act.triggered.connect(lambda _c=False, k=key: self.set_theme(k))

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Query syntax", self.search_bar.show_help, QKeySequence("F1"))
        self._action(help_menu, "&About Cellsight", self.show_about)

    def _action(
        self, menu, text, slot, shortcut=None, fallback: str | None = None  # type: ignore[no-untyped-def]
    ) -> QAction:
        act = menu.addAction(text)
        if shortcut is not None:
            seq = QKeySequence(shortcut)
            if seq.isEmpty() and fallback:
                seq = QKeySequence(fallback)
            act.setShortcut(seq)
        act.triggered.connect(lambda _c=False: slot())
        return act

    # -- wiring ------------------------------------------------------------------------
    def _wire(self) -> None:
        s = self.search
        self.search_bar.query_changed.connect(s.set_query)
        self.search_bar.sort_changed.connect(s.set_sort)
        s.results_ready.connect(self._show_results)
        s.query_failed.connect(self._query_failed)
        s.request_changed.connect(self.filter_bar.show_request)
        self.facets.toggled.connect(s.toggle_filter)
        self.facets.excluded.connect(s.exclude)
        self.filter_bar.removed.connect(s.remove)
        self.filter_bar.cleared.connect(s.clear_filters)
        self.results.opened.connect(self.open_hit)
        self.results.near_end.connect(s.load_more)

        self.reader.entity_clicked.connect(self.filter_by_entity)
        self.reader.series_clicked.connect(self.show_series)
        self.reader.add_entity_requested.connect(self.add_entity)
        self.reader.add_alias_requested.connect(self.add_alias)
        self.reader.hide_entity_requested.connect(self.hide_entity)
        self.search_bar.suggestion_accepted.connect(self._accept_suggestion)
        self.messages.posted.connect(self._show_message)

    def _wire_indexing(self, ix: IndexingController) -> None:
        ix.started.connect(self._index_started)
        ix.progress.connect(self.progress.update_progress)
        ix.finished.connect(self._index_finished)
        ix.failed.connect(lambda exc: self.messages.from_exception(exc, "Indexing"))
        ix.cancelled.connect(lambda: self.messages.info("Indexing cancelled; what was done "
                                                        "so far is kept."))
        ix.library_changed.connect(self._library_changed)
        self.progress.cancel_requested.connect(ix.cancel)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            # Queued: the children are painted and the frame flushed before it runs.
            QTimer.singleShot(0, self.painted.emit)

    def _postpone_quiet(self, _request: object = None) -> None:
        if self._quiet_timer.isActive():
            self._quiet_timer.start()  # still typing: wait for the next pause

    def _search_busy(self, busy: bool) -> None:
        self._searching = busy
        if not busy:
            self._postpone_quiet()

    def _on_quiet(self) -> None:
        if self._searching or (self.indexing is not None and self.indexing.busy):
            # A search is running (not a pause yet), or the index is changing: the
            # price book built now would be stale at once and slow the indexer down.
            self._quiet_timer.start()
            return
        self.quiet.emit()

    def _start_secondary(self) -> None:
        """After the first results, once the user pauses: prices, entities, price panel.

        All in the background lane, one after the other, so they never hold up a
        search; only building the panel's widgets runs on the UI thread.
        """
        if self._secondary_started or self.library is None:
            return
        self._secondary_started = True
        self._reload_prices()
        self._refresh_entity_choices()
        if self.prices is None:
            def import_chart(_p: object, _c: object) -> None:
                # Module imports only (no widgets): safe off the UI thread, and the
                # ~0.4 s of pyqtgraph no longer freezes the window.
                from .widgets import price_panel  # noqa: F401

            handle = self.tasks.run("load chart library", import_chart, lane=BACKGROUND_LANE)
            handle.done.connect(self.ensure_price_panel)

    def ensure_price_panel(self) -> PricePanel:
        if self.prices is not None:
            return self.prices
        from .widgets.price_panel import PricePanel

        panel = self.prices = PricePanel(self)
        panel.selection_changed.connect(self._update_markers)
        panel.marker_clicked.connect(self.open_doc_id)
        panel.import_requested.connect(self._import_prices_from)
        panel.exported.connect(lambda path: self.messages.info(f"Saved {path}."))
        panel.export_failed.connect(lambda why: self.messages.warning(why))
        self.price_dock.setWidget(panel)
        if self._book is not None:
            panel.set_book(self._book)
        self.price_panel_ready.emit()
        return panel

    def _set_book(self, book: PriceBook) -> None:
        first = self._book is None
        self._book = book
        if self.prices is not None:
            self.prices.set_book(book)
        doc = self.reader.document()
        if first and doc is not None:
            self._load_market_context(doc)  # it waited for the book (see there)

    # -- search results ---------------------------------------------------------------------
    def _show_results(self, result: SearchResult) -> None:
        self.results_model.set_result(result)
        req = result.request
        if result.request.with_facets:
            selected = set(self.search.request.filters)
            self.facets.set_facets(result.facets, selected)
        count = f"{result.total} document{'s' if result.total != 1 else ''}"
        self.search_bar.set_suggestion(result.suggestion if req.offset == 0 else None)
        self.search_bar.set_count(count)
        self.statusBar().showMessage(f"{count} · {result.elapsed_ms:.0f} ms", 4000)
        self._show_empty(result)
        if result.hits and req.offset == 0:
            keep = self.results_model.row_of(self._current_doc_id or "")
            row = keep if keep >= 0 else 0
            self.results.setCurrentIndex(self.results_model.index(row))
        elif not result.hits:
            self.reader.clear()
            self._current_doc_id = None
        if self.prices is not None:
            self._markers_generation += 1  # markers of the old list are no use now
            self._markers_timer.start()
        if not self._ready_sent and self.indexing is not None and not self.indexing.busy:
            self._ready_sent = True
            self.ready.emit()

    def _show_empty(self, result: SearchResult) -> None:
        empty = result.total == 0
        self.results.setVisible(not empty)
        self.empty_label.setVisible(empty)
        if not empty:
            return
        if self.library is None or self.library.count() == 0:
            text = "The library is empty. Add a folder with File → Add folder… (Ctrl+O)."
        else:
            text = "No documents match."
            if result.suggestion:
                text += f"\n\nDid you mean: {result.suggestion}?"
            if result.request.filters or result.request.excludes:
                text += "\n\nTry removing a filter (Ctrl+Shift+Backspace clears them)."
            else:
                text += "\n\nTry fewer words, a prefix like licens*, or OR between words."
        self.empty_label.setText(text)

    def _accept_suggestion(self, text: str) -> None:
        self.search_bar.set_text(text)
        self.search_bar.remember(text)
        self.search.set_query(text)

    def _query_failed(self, text: str) -> None:
        self.empty_label.setText(f"{text}\n\nPress F1 for the query syntax.")
        self.empty_label.setVisible(True)
        self.results.setVisible(False)
        self.search_bar.set_count("query error")

    def open_hit(self, hit: Hit) -> None:
        self.open_doc_id(hit.id)

    def open_doc_id(self, doc_id: str) -> None:
        self._current_doc_id = doc_id
        lib = self.library
        if lib is None:
            return
        query = self.search.request.query

        def load(_p: object, _c: object) -> object:
            if doc_id != self._current_doc_id:
                raise Cancelled  # another result was selected while this one waited
            doc = lib.document(doc_id)
            if doc is None:
                return None
            return doc, lib.highlights(doc, query)

        handle = self.tasks.run("open document", load, lane=SEARCH_LANE)
        handle.finished.connect(lambda r: self._show_doc(doc_id, r))
        handle.failed.connect(lambda exc: self.messages.from_exception(exc, "Opening document"))

    def _show_doc(self, doc_id: str, loaded: object) -> None:
        if doc_id != self._current_doc_id or loaded is None:
            return
        doc, spans = loaded  # type: ignore[misc]
        self.reader.show_document(doc, spans)
        self._load_market_context(doc)
        row = self.results_model.row_of(doc_id)
        if row >= 0 and self.results.currentIndex().row() != row:
            self.results.blockSignals(True)
            self.results.setCurrentIndex(self.results_model.index(row))
            self.results.blockSignals(False)

    def _load_market_context(self, doc: Document) -> None:
        # The prices around the article come from the price book, which takes seconds
        # to build on a large library: the text is shown without waiting, and until the
        # book has been loaded (after the user pauses, see ``quiet``) the strip waits.
        lib = self.library
        if lib is None or self._book is None:
            return

        def load(_p: object, _c: object) -> object:
            if doc.id != self._current_doc_id:
                raise Cancelled
            return lib.market_context(doc)

        handle = self.tasks.run("market context", load, lane=BACKGROUND_LANE)
        handle.finished.connect(lambda ctx: self.reader.set_market_context(doc.id, ctx))

    def filter_by_entity(self, etype: str, name: str) -> None:
        if etype in ("company", "person", "place", "organisation", "policy", "material",
                     "product"):
            self.search.toggle_filter(etype, name, True)

    def show_series(self, series_id: str) -> None:
        self.price_dock.show()
        self.ensure_price_panel().select_series(series_id)

    def _update_markers(self, series_ids: list[str]) -> None:
        if self.prices is None:
            return
        self._markers_timer.stop()
        self._markers_generation += 1
        gen = self._markers_generation
        lib = self.library
        if not series_ids or lib is None:
            self.prices.set_markers([])
            return
        doc_ids = [h.id for h in self.results_model.hits()]

        def load(_p: object, _c: object) -> object:
            if gen != self._markers_generation:
                raise Cancelled  # newer results (typing) came while this one waited
            return lib.news_markers(series_ids, doc_ids)

        handle = self.tasks.run("news markers", load, lane=BACKGROUND_LANE)
        handle.finished.connect(lambda m: self._set_markers(gen, m))

    def _set_markers(self, gen: int, markers: object) -> None:
        if gen == self._markers_generation and self.prices is not None:
            self.prices.set_markers(markers)  # type: ignore[arg-type]

    # -- library ---------------------------------------------------------------------------
    def index_paths(self, paths: list[Path]) -> None:
        """Add ``paths`` (may be empty) and index incrementally, once the library is open."""
        self._with_library(lambda: self.indexing.update(paths) if self.indexing else None)

    def _index_started(self, label: str) -> None:
        self._index_changed_library = True  # until a report says otherwise
        self.progress.start(label)

    def _library_changed(self) -> None:
        if not self._index_changed_library:
            return  # a catch-up that found nothing new: results and prices still hold
        self.search.run()
        if self._secondary_started:
            self._reload_prices()
            self._refresh_entity_choices()

    def _reload_prices(self) -> None:
        lib = self.library
        if lib is None:
            return
        handle = self.tasks.run("prices", lambda _p, _c: lib.prices(), lane=BACKGROUND_LANE)
        handle.finished.connect(self._set_book)
        handle.failed.connect(lambda exc: self.messages.from_exception(exc, "Loading prices"))

    def _refresh_entity_choices(self) -> None:
        lib = self.library
        if lib is None:
            return

        def load(_p: object, _c: object) -> object:
            cat = lib.catalogue()
            return [(e.id, e.name, e.type) for e in cat.entities], {
                e.id: (e.type, e.name, e.aliases) for e in cat.entities}

        handle = self.tasks.run("catalogue", load, lane=BACKGROUND_LANE)
        handle.finished.connect(self._set_entity_choices)

    def _set_entity_choices(self, loaded: object) -> None:
        choices, info = loaded  # type: ignore[misc]
        self.reader.set_entity_choices(choices)
        self.reader.set_alias_lookup(lambda eid: info.get(eid, (None, None, ()))[2])

    def _index_finished(self, result: object) -> None:
        from .indexing import summarise

        if isinstance(result, IndexReport):
            self._index_changed_library = bool(
                result.added or result.updated or result.removed or result.cancelled)
            text = summarise(result)
            if result.failed:
                self.messages.warning(text)
            else:
                self.statusBar().showMessage(text, 8000)
        self.progress.stop()

    def add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of documents")
        if folder:
            self.index_paths([Path(folder)])

    def add_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, "Add documents", "", "Documents (*.txt *.md *.html *.htm *.json);;All files (*)")
        if files:
            self.index_paths([Path(f) for f in files])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.index_paths(paths)
            event.acceptProposedAction()

    def import_prices(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import price series", "", "CSV (*.csv)")
        if path:
            self._import_prices_from(path)

    def _import_prices_from(self, path: str) -> None:
        lib = self.library
        if lib is None:
            self._with_library(lambda: self._import_prices_from(path))
            return
        handle = self.tasks.run("import prices", lambda _p, _c: lib.import_prices(Path(path)))
        handle.finished.connect(lambda n: (self.messages.info(f"Imported {n} price series."),
                                           self._reload_prices()))
        handle.failed.connect(lambda exc: self.messages.from_exception(exc, "Importing prices"))

    def export_results(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export results", "cellsight-results.csv",
                                              "CSV (*.csv)")
        lib, req = self.library, self.search.request
        if not path or lib is None:
            return
        handle = self.tasks.run("export", lambda _p, _c: lib.export_results(req, Path(path)))
        handle.finished.connect(lambda n: self.messages.info(f"Exported {n} results to {path}."))
        handle.failed.connect(lambda exc: self.messages.from_exception(exc, "Export"))

    def show_problems(self) -> None:
        from .widgets.problems_dialog import ProblemsDialog

        if self.library is not None:
            ProblemsDialog(self.library.failures(), self).exec()

    # -- catalogue edits -------------------------------------------------------------------
    # Only reachable from a shown document, so the library is open.
    def add_entity(self, text: str, etype: str, name: str) -> None:
        assert self.library is not None and self.indexing is not None
        self.library.add_user_entity(text, etype, name)
        self.messages.info(f"Added “{name}” as a {etype}; updating the library…")
        self.indexing.apply_catalogue()

    def add_alias(self, entity_id: str, alias: str) -> None:
        assert self.library is not None and self.indexing is not None
        self.library.add_alias(entity_id, alias)
        self.messages.info(f"Added alias “{alias}”; updating the library…")
        self.indexing.apply_catalogue()

    def hide_entity(self, entity_id: str) -> None:
        assert self.library is not None and self.indexing is not None
        self.library.hide_entity(entity_id)
        self.messages.info("Entity hidden; updating the library…")
        self.indexing.apply_catalogue()

    # -- messages, theme, about --------------------------------------------------------------
    def _show_message(self, msg: Message) -> None:
        self.statusBar().showMessage(msg.text, 10000)
        if msg.level != "info" or msg.text.startswith("Welcome"):
            colour = "#b3261e" if msg.level == ERROR else "#8a5a00"
            if msg.level == "info":
                colour = "#1a57c7"
            self.banner.setStyleSheet(f"QLabel#banner {{ border: 1px solid {colour}; }}")
            self.banner.setText(msg.text)
            self.banner.setVisible(True)

    def show_welcome(self) -> None:
        self.messages.info(WELCOME)

    def set_theme(self, mode: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, mode)
        self.settings.setValue("theme", mode)
        for act in self.theme_group.actions():
            act.setChecked(act.data() == mode)
        self.reader.refresh_theme()
        if self.prices is not None:
            self.prices.refresh_theme()
        self.results.viewport().update()

    def show_about(self) -> None:
        QMessageBox.about(
            self, f"About {APP_NAME}",
            f"<b>{APP_NAME} {__version__}</b><br>A research browser for the battery and "
            "electric-vehicle supply chain.<br><br>Library: "
            + (f"{self.library.folder}<br>{self.library.count()} documents."
               if self.library is not None else "opening…"))

    def open_url(self, url: QUrl) -> None:
        from PySide6.QtGui import QDesktopServices

        if url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)

    # -- settings --------------------------------------------------------------------------
    def restore_state(self) -> None:
        s = self.settings
        geo = s.value("geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        state = s.value("windowState")
        if state is not None:
            self.restoreState(state)
        splitter = s.value("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        recent = s.value("recent")
        if recent:
            self.search_bar.set_recent(json.loads(str(recent)))
        theme = str(s.value("theme", "system"))
        for act in self.theme_group.actions():
            act.setChecked(act.data() == theme)
        raw = s.value("request")
        req = SearchRequest()
        if raw:
            try:
                d = json.loads(str(raw))
                req = SearchRequest(
                    query=d.get("query", ""), sort=d.get("sort", "relevance"),
                    filters=tuple(tuple(x) for x in d.get("filters", [])),  # type: ignore[misc]
                    excludes=tuple(tuple(x) for x in d.get("excludes", [])),  # type: ignore[misc]
                )
            except (ValueError, TypeError):
                req = SearchRequest()
        self.search_bar.set_text(req.query)
        self.search_bar.set_sort(req.sort)
        self.search.restore(req)

    def save_state(self) -> None:
        s = self.settings
        s.setValue("geometry", self.saveGeometry())
        s.setValue("windowState", self.saveState())
        s.setValue("splitter", self.splitter.saveState())
        s.setValue("recent", json.dumps(self.search_bar.recent()))
        r = self.search.request
        s.setValue("request", json.dumps({"query": r.query, "sort": r.sort,
                                          "filters": r.filters, "excludes": r.excludes}))
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        if self.indexing is not None:
            self.indexing.cancel()
        self.tasks.shutdown()
        super().closeEvent(event)
