"""The main window: lays out the panels and wires their signals. No domain logic here.

The work behind the panels lives in controllers the window only connects:
``SearchController`` (the current search), ``ReaderController`` (opening a document
and the market context around it), ``PricesController`` (the price panel, price book
and news markers), ``LibraryActions`` (sources, import/export, catalogue edits),
``IndexingController``, and ``StartupSequence`` (when the window is ``ready`` and when
the user first pauses, ``quiet``: see there for the start-up order). The menus (and
the About box) are in ``menus``; what is kept between runs is in ``window_state``.

This module imports no search engine, no numpy and no pyqtgraph: the window paints
before the library is open (see :meth:`MainWindow.attach_library`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QPaintEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .. import APP_NAME
from ..core.model import Hit, SearchResult
from . import window_state
from .alerts_controller import AlertsController
from .annotations_controller import AnnotationsController
from .entity_controller import EntityController
from .indexing_feedback import IndexingFeedback
from .library_actions import LibraryActions
from .library_switch import LibrarySwitch
from .menus import build_menus
from .messages import Message, MessageBus
from .prices_controller import PricesController
from .reader_controller import ReaderController
from .saved_controller import SavedController
from .search_controller import SearchController
from .startup import StartupSequence
from .tasks import TaskRunner
from .team_status import TeamStatus
from .team_sync import TeamSync
from .theme import apply_theme
from .widgets.facet_panel import FacetPanel
from .widgets.filter_bar import FilterBar
from .widgets.notice_banner import NoticeBanner
from .widgets.progress_panel import ProgressPanel
from .widgets.reader_view import ReaderView
from .widgets.results_pane import ResultsPane
from .widgets.search_bar import SearchBar
from .workbench_files import WorkbenchFiles

if TYPE_CHECKING:
    # Imported when needed: the library pulls in the search engine and numpy, the
    # price panel pyqtgraph; neither is needed to paint the window.
    from ..core.library import Library
    from .indexing import IndexingController
    from .widgets.price_panel import PricePanel

READER_FOLLOWS_MS = 300  # a pause in typing after which the reader shows the top hit


def dock_height(window_height: int) -> int:
    """The prices dock's first height: under a third of the window, 300 px at most."""
    return max(160, min(300, round(window_height * 0.28)))


WELCOME = ("Welcome to Cellsight. This is the bundled sample library. Add your own folders "
           "with File → Add folder… (Ctrl+O) or drop them onto this window.")


class MainWindow(QMainWindow):
    # The library's first results are shown and no indexing they depend on (first
    # run, rebuild) is running: the library is usable.
    ready = Signal()
    painted = Signal()  # the window's first frame has been painted
    # Once: after ``ready``, the user's first pause (see startup.py); time for background work.
    quiet = Signal()
    price_panel_ready = Signal()  # the price panel exists (it is built after ``quiet``)

    def __init__(self, library: Library | None, *, tasks: TaskRunner, messages: MessageBus,
                 settings: QSettings) -> None:
        """``library`` may be None: the window paints first; see :meth:`attach_library`."""
        super().__init__()
        self.library: Library | None = None
        self.tasks = tasks
        self.messages = messages
        self.settings = settings
        self._painted = False
        self._shown_key: tuple[object, ...] | None = None  # the question the list answers
        # While typing, the reader follows the list once typing pauses: rendering a long
        # article on every keystroke held the interpreter from the next search (up to
        # 300 ms at 50k documents).
        self._follow_timer = QTimer(self)
        self._follow_timer.setSingleShot(True)
        self._follow_timer.setInterval(READER_FOLLOWS_MS)
        self._follow_timer.timeout.connect(self._open_listed)
        self._secondary_started = False
        self.setWindowTitle(f"{APP_NAME}")
        self.setAcceptDrops(True)
        self.resize(1400, 880)

        self.search = SearchController(None, tasks, self)
        self.indexing: IndexingController | None = None
        self._build_widgets()
        self.documents = ReaderController(self.reader, tasks, messages, self)
        self.price_data = PricesController(self.price_dock, self.results_model, tasks,
                                           messages, self)
        self.library_actions = LibraryActions(self, self.reader, tasks, messages)
        self.indexing_feedback = IndexingFeedback(self.progress, self.statusBar(), messages,
                                                  self)
        # Saved searches: the list above the facets, notices of arrivals, What's new.
        self.saved_searches = SavedController(self)
        # Stars, tags, notes and quotes (reader panel, result marks); price alerts.
        self.annotations = AnnotationsController(self)
        self.alerts = AlertsController(self)
        self.workbench_files = WorkbenchFiles(self)  # briefs, library export and import
        # Entity pages in the reader's place, back/forward, the date brush.
        self.entities = EntityController(self, self.reader_area)
        self.startup = StartupSequence(
            lambda: self.indexing is not None and self.indexing.busy, self)
        self.library_switch = LibrarySwitch(self)  # File → Connect to team library…
        self.theme_group = build_menus(self)
        self._wire()
        if library is not None:
            self.attach_library(library)
        else:
            self.statusBar().showMessage("Opening the library…")

    def attach_library(self, library: Library) -> None:
        """Use ``library`` from now on: indexing, the pending search, queued actions."""
        from .indexing import IndexingController

        self.library = library
        self.statusBar().clearMessage()  # "Opening the library…" had no timeout
        self.indexing = IndexingController(library, self.tasks, self)
        # An empty list shown before the first pass started said "the library is empty".
        self.indexing.started.connect(self._indexing_started)
        self.indexing_feedback.watch(self.indexing)
        self.documents.set_library(library)
        self.price_data.set_library(library)
        self.search.set_library(library)
        self.saved_searches.set_library(library, self.indexing)
        self.annotations.set_library(library)
        self.alerts.set_library(library)
        self.entities.set_library(library)
        self.team_status.set_library(library)
        self.team_sync.set_library(library)
        if self.team_status.address is not None:
            self.setWindowTitle(f"{APP_NAME} — {self.team_status.address}")
        if library.read_only:
            # In the banner until another warning replaces it (a refusal repeats it).
            self.messages.warning(library.read_only_reason)
        # Last: what was asked for while the library opened runs after the search.
        self.library_actions.set_library(library, self.indexing)

    @property
    def prices(self) -> PricePanel | None:
        """The price panel; None until it is built (after ``quiet``)."""
        return self.price_data.panel

    def settled(self) -> bool:
        """Library open, results shown, nothing running, the price panel built."""
        return (self.library is not None and self.startup.is_ready and self.indexing is not None
                and not self.indexing.busy and not self.tasks.active()
                and self.prices is not None and not self.price_data.markers_pending)

    # -- layout ------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.search_bar = SearchBar(self)
        self.filter_bar = FilterBar(self)
        self.banner = NoticeBanner(self)
        self.facets = FacetPanel(self)
        self.results_pane = ResultsPane(self)
        self.results_model = self.results_pane.model
        self.results = self.results_pane.view
        self.empty_label = self.results_pane.empty_label
        self.reader = ReaderView(self)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.facets)
        self.splitter.addWidget(self.results_pane)
        # The reader, or in its place an entity's page (EntityController adds it).
        self.reader_area = QStackedWidget(self)
        self.reader_area.addWidget(self.reader)
        self.splitter.addWidget(self.reader_area)
        self.splitter.setSizes([240, 430, 730])
        self.splitter.setChildrenCollapsible(False)

        central = QWidget(self)
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.search_bar)
        lay.addWidget(self.banner)
        # A team library's server lost: its own notice, so the banner above keeps its own.
        self.team_status = TeamStatus(self)
        lay.addWidget(self.team_status.banner)
        self.team_sync = TeamSync(self)  # the others' notes, saved searches … while open
        lay.addWidget(self.filter_bar)
        lay.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        # The panel itself is built after the first results, once the user pauses
        # (see PricesController); the dock holds its place meanwhile.
        self.price_dock = QDockWidget("Prices", self)
        self.price_dock.setObjectName("pricesDock")
        self.price_dock.setWidget(QLabel("Loading prices…", self.price_dock))
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.price_dock)
        self.dock_sized = False  # set when a saved layout sized it, or on the first show

        self.progress = ProgressPanel(self)
        self.statusBar().addPermanentWidget(self.progress)
        # The count is a widget, not a timed message: messages (a saved quote, an index
        # pass) cover it while they show and it comes back, where a message replaced it.
        self.count_status = QLabel(self)
        self.count_status.setObjectName("countStatus")
        self.statusBar().addWidget(self.count_status)

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
        self.results.expand_cluster.connect(lambda hit: s.expand_cluster(hit.cluster[0]))

        self.reader.series_clicked.connect(self.show_series)
        self.reader.add_entity_requested.connect(self.add_entity)
        self.reader.add_alias_requested.connect(self.add_alias)
        self.reader.hide_entity_requested.connect(self.hide_entity)
        self.documents.shown.connect(self.results_pane.follow)

        p = self.price_data
        p.book_loaded.connect(self.documents.book_loaded)
        p.panel_ready.connect(self.price_panel_ready)
        p.document_requested.connect(self.open_doc_id)
        p.import_requested.connect(self.library_actions.import_prices_from)
        self.library_actions.prices_imported.connect(p.reload)
        self.search_bar.suggestion_accepted.connect(self._accept_suggestion)
        self.search_bar.to_results.connect(self.results_pane.focus_list)
        # Tab from the search box goes to the results, not to the sort box beside it.
        QWidget.setTabOrder(self.search_bar.edit, self.results)
        self.messages.posted.connect(self._show_message)
        self.indexing_feedback.content_changed.connect(self._library_changed)

        self.startup.watch_activity(s, self.search_bar.edit)
        self.startup.ready.connect(self.ready)
        # Connected before anyone outside can: the secondary parts are queued before
        # whatever the app starts on ``quiet`` (the catch-up index run).
        self.quiet.connect(self._start_secondary)
        self.startup.quiet.connect(self.quiet)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.dock_sized:
            self.dock_sized = True
            # A fixed 300 px left a 700 px window a few lines of article (issue 17).
            self.resizeDocks([self.price_dock], [dock_height(self.height())],
                             Qt.Orientation.Vertical)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            # Queued: the children are painted and the frame flushed before it runs.
            QTimer.singleShot(0, self.painted.emit)

    def _start_secondary(self) -> None:
        """After the first results, once the user pauses: prices, entities, price panel.

        Queued in this order in the one-thread background lane, so they never hold
        up a search; only building the panel's widgets runs on the UI thread.
        """
        if self._secondary_started or self.library is None:
            return
        self._secondary_started = True
        self._reload_secondary()
        self.price_data.load_chart_library()

    def _reload_secondary(self) -> None:
        self.price_data.reload()
        self.library_actions.refresh_entity_choices()

    # -- search results ---------------------------------------------------------------------
    def _show_results(self, result: SearchResult) -> None:
        req = result.request
        self.results_model.set_result(result)
        if req.with_facets:
            self.facets.set_facets(result.facets, set(self.search.request.filters))
        count = f"{result.total} document{'s' if result.total != 1 else ''}"
        # Only when nothing was found: beside results, "Did you mean" read as a correction.
        self.search_bar.set_suggestion(
            result.suggestion if req.offset == 0 and not result.total else None)
        self.search_bar.set_count(count)
        self.count_status.setText(f"{count} · {result.elapsed_ms:.0f} ms")
        self.results_pane.show_empty(
            result, lambda: self.library is None or self.library.count() == 0,
            indexing=self.library is None or (self.indexing is not None and self.indexing.busy))
        if result.hits and req.offset == 0:
            if req.typing:
                self.results_pane.mark_current(self.documents.current_id)
                self._follow_timer.start()
            else:
                self._follow_timer.stop()
                self.results_pane.select(self.documents.current_id)  # opens it
            key = (req.query, req.filters, req.excludes, req.sort, req.collapse)
            if key != self._shown_key:
                # A new question's list starts at the top (it stayed scrolled where the
                # old one was); the open document stays open if it is listed.
                self._shown_key = key
                self.results_pane.view.scrollToTop()
        elif not result.hits:
            self.documents.clear()
        self.price_data.results_changed()
        self.startup.results_shown(self.indexing is not None and not self.indexing.busy)

    def _indexing_started(self, _what: str) -> None:
        if self.empty_label.isVisible() and self.library is not None and not self.library.count():
            self.empty_label.setText("Indexing the library… documents appear here as they "
                                     "are read.")  # fmt: skip

    def _accept_suggestion(self, text: str) -> None:
        self.search_bar.set_text(text)
        self.search_bar.remember(text)
        self.search.set_query(text)

    def _query_failed(self, text: str) -> None:
        self.results_pane.show_error(text)
        self.search_bar.set_count("query error")

    # -- what panels ask for -------------------------------------------------------------
    def _open_listed(self) -> None:
        """Typing paused: open the list's current hit (if it is not open already)."""
        hit = self.results_pane.current_hit()
        if hit is not None and hit.id != self.documents.current_id:
            self.open_hit(hit)

    def open_hit(self, hit: Hit) -> None:
        self.open_doc_id(hit.id)

    def open_doc_id(self, doc_id: str) -> None:
        self.documents.open(doc_id, self.search.request.query)

    def filter_by_entity(self, etype: str, name: str) -> None:
        if etype in ("company", "person", "place", "organisation", "policy", "material",
                     "product"):
            self.search.toggle_filter(etype, name, True)

    def show_series(self, series_id: str) -> None:
        self.price_data.select_series(series_id)

    def ensure_price_panel(self) -> PricePanel:
        return self.price_data.ensure_panel()

    def add_entity(self, text: str, etype: str, name: str) -> None:
        self.library_actions.add_entity(text, etype, name)

    def add_alias(self, entity_id: str, alias: str) -> None:
        self.library_actions.add_alias(entity_id, alias)

    def hide_entity(self, entity_id: str) -> None:
        self.library_actions.hide_entity(entity_id)

    def import_prices(self) -> None:
        self.library_actions.import_prices()

    def show_facts(self) -> None:
        """View → Facts table: the figures in the current search's documents."""
        if self.library is None:
            return
        from .dialogs.facts_dialog import FactsDialog

        dialog = FactsDialog(self.library, self.tasks, self.search.request, self)
        dialog.document_requested.connect(self.open_doc_id)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.facts_dialog = dialog
        dialog.show()

    def export_results(self) -> None:
        self.library_actions.export_results(self.search.request)

    # -- library ---------------------------------------------------------------------------
    def index_paths(self, paths: list[Path]) -> None:
        """Add ``paths`` (may be empty) and index incrementally, once the library is open."""
        self.library_actions.index_paths(paths)

    def _library_changed(self) -> None:
        self.search.run()
        if self._secondary_started:
            self._reload_secondary()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.index_paths(paths)
            event.acceptProposedAction()

    # -- messages, theme, about --------------------------------------------------------------
    def _show_message(self, msg: Message) -> None:
        if self.team_status.absorbs(msg):
            return  # "cannot reach the team library": said once, in its own banner
        self.statusBar().showMessage(msg.text, 10000)
        self.banner.show_message(msg)

    def show_welcome(self) -> None:
        self.messages.info(WELCOME)

    def set_theme(self, mode: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, mode)
        self.settings.setValue("theme", mode)
        self.check_theme(mode)
        self.reader.refresh_theme()
        self.price_data.refresh_theme()
        self.results.viewport().update()

    def check_theme(self, mode: str) -> None:
        """Tick ``mode`` in View → Theme (the theme itself is applied elsewhere)."""
        for act in self.theme_group.actions():
            act.setChecked(act.data() == mode)

    # -- settings --------------------------------------------------------------------------
    def restore_state(self) -> None:
        window_state.restore_state(self.settings, self)

    def save_state(self) -> None:
        window_state.save_state(self.settings, self)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self.team_status.stop()
        self.team_sync.stop()
        if self.indexing is not None:
            self.indexing.cancel()
        self.tasks.shutdown()
        super().closeEvent(event)
