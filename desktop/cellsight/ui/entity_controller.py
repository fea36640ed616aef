"""Entity pages in the reader's place, and back/forward between them and searches.

A click on an entity in the reader (its text or *In this article*), a facet value's
*Open entity page*, or Go → Entity page… (what ``cellsight entity NAME`` shows) loads
the page with ``core.entity_page`` in the search lane and shows it where the reader
was. The history (``history.py``) records the places; Alt+Left/Alt+Right and the
toolbar's arrows restore a place's search and its page or reader.

Also here, being navigation of the search by date: the histogram's brush and the price
panel's *Find news in this range* narrow the search to a date range.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog, QStackedWidget, QToolBar

from ..core.model import SearchRequest
from ..core.progress import Cancelled
from .history import History, Place
from .lanes import SEARCH_LANE

if TYPE_CHECKING:
    from ..core.entity_page import EntityPage
    from ..core.library import Library
    from .main_window import MainWindow
    from .widgets.entity_page_view import EntityPageView

PAGE_CACHE = 32  # pages kept for back/forward, until the library changes


class EntityController(QObject):
    page_shown = Signal(object)  # EntityPage, now in the reader's place
    page_failed = Signal(str)  # why (no such entity, with close names)
    navigated = Signal()  # the history moved

    def __init__(self, window: MainWindow, area: QStackedWidget) -> None:
        super().__init__(window)
        self.window = window
        self.area = area  # holds the reader, and the page view once built
        self.library: Library | None = None
        self.history = History()
        self.view: EntityPageView | None = None
        self._cache: dict[str, EntityPage] = {}
        self._wanted = 0  # generation of the page asked for last
        self._restoring = False  # applying a place: its search is no new visit
        self.back_action = self._action("Back", "Alt+Left", self.back, "Go back (Alt+Left)")
        self.forward_action = self._action("Forward", "Alt+Right", self.forward,
                                           "Go forward (Alt+Right)")  # fmt: skip
        self.open_action = QAction("&Entity page…", self)
        self.open_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.open_action.triggered.connect(self.ask_entity)
        self.toolbar = QToolBar("Navigation", window)
        self.toolbar.setObjectName("navigationToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.addAction(self.back_action)
        self.toolbar.addAction(self.forward_action)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self._update_actions()

        s = window.search
        s.request_changed.connect(self._on_request)
        window.reader.entity_clicked.connect(lambda _t, name: self.open_entity(name))
        window.facets.entity_page_requested.connect(lambda _f, value: self.open_entity(value))
        window.results_pane.histogram.range_selected.connect(s.set_date_range)
        window.price_data.panel_ready.connect(self._connect_prices)
        window.indexing_feedback.content_changed.connect(self._cache.clear)

    def _action(self, text: str, keys: str, slot: object, tip: str) -> QAction:
        act = QAction(text, self)
        act.setShortcut(QKeySequence(keys))
        act.setToolTip(tip)
        act.triggered.connect(lambda _c=False: slot())  # type: ignore[operator]
        return act

    def set_library(self, library: Library) -> None:
        self.library = library
        self._cache.clear()

    def showing_page(self) -> bool:
        return self.view is not None and self.area.currentWidget() is self.view

    # -- opening pages ---------------------------------------------------------------------
    def open_entity(self, name_or_id: str) -> None:
        """Load the page of ``name_or_id`` and go there (a new place in the history)."""
        self._load(name_or_id, visit=True)

    def ask_entity(self) -> None:
        """Go → Entity page…: a name or alias in any language, as ``cellsight entity``."""
        names: list[str] = []
        if self.library is not None:
            names = sorted({e.name for e in self.library.catalogue().entities}, key=str.lower)
        name, ok = QInputDialog.getItem(self.window, "Entity page", "Name, alias or id:",
                                        names, 0, True)  # fmt: skip
        if ok and name.strip():
            self.open_entity(name.strip())

    def _load(self, name_or_id: str, *, visit: bool) -> None:
        lib = self.library
        if lib is None:
            return
        self._wanted += 1
        gen = self._wanted
        cached = self._cache.get(name_or_id)
        if cached is not None:
            self._arrive(gen, visit, cached)
            return
        from ..core.entity_page import entity_page

        def load(_p: object, _c: object) -> EntityPage:
            if gen != self._wanted:
                raise Cancelled  # another page (or place) was asked for meanwhile
            return entity_page(lib, name_or_id)

        handle = self.tasks_run("entity page", load)
        handle.finished.connect(lambda page: self._arrive(gen, visit, page))
        handle.failed.connect(lambda exc: self._fail(gen, exc))

    def tasks_run(self, name: str, fn: object):  # type: ignore[no-untyped-def]
        return self.window.tasks.run(name, fn, lane=SEARCH_LANE)  # type: ignore[arg-type]

    def _arrive(self, gen: int, visit: bool, page: EntityPage) -> None:
        if gen != self._wanted:
            return
        self._cache[page.id] = page
        while len(self._cache) > PAGE_CACHE:
            self._cache.pop(next(iter(self._cache)))
        if visit:
            if self.history.current is None:
                self.history.visit(self._search_place(self.window.search.request))
            self.history.visit(Place(self.window.search.request, page.id, page.name))
        self._show_page(page)
        self._update_actions()
        self.navigated.emit()

    def _fail(self, gen: int, exc: BaseException) -> None:
        if gen != self._wanted:
            return
        self.window.messages.warning(str(exc))
        self.page_failed.emit(str(exc))

    def _ensure_view(self) -> EntityPageView:
        if self.view is None:
            from .widgets.entity_page_view import EntityPageView

            self.view = EntityPageView(self.area)
            self.view.entity_requested.connect(self.open_entity)
            self.view.document_requested.connect(self.open_document)
            self.view.filter_requested.connect(self._filter_by)
            self.view.period_requested.connect(self._period)
            self.area.addWidget(self.view)
        return self.view

    def _show_page(self, page: EntityPage) -> None:
        view = self._ensure_view()
        view.show_page(page)
        self.area.setCurrentWidget(view)
        self.page_shown.emit(page)

    def show_reader(self) -> None:
        self.area.setCurrentWidget(self.window.reader)

    # -- what the page asks for ------------------------------------------------------------
    def open_document(self, doc_id: str) -> None:
        """A fact, a latest document or a news marker: read it (Back returns to the page)."""
        self.history.visit(self._search_place(self.window.search.request))
        self.show_reader()
        self.window.open_doc_id(doc_id)
        self._update_actions()
        self.navigated.emit()

    def _filter_by(self, field: str, value: str) -> None:
        self.window.search.toggle_filter(field, value, True)  # leaves the page (_on_request)

    def _period(self, field: str, value: str, first: dt.date, last: dt.date) -> None:
        # The bar counted the entity's documents in the period: list those.
        self.window.search.toggle_filter(field, value, True)
        self.window.search.set_date_range(first, last)

    def _connect_prices(self) -> None:
        panel = self.window.prices
        if panel is not None:
            panel.range_search_requested.connect(self.window.search.set_date_range)

    # -- history ---------------------------------------------------------------------------
    @staticmethod
    def _search_place(request: SearchRequest) -> Place:
        return Place(request, None, request.query or "all documents")

    def _on_request(self, request: SearchRequest) -> None:
        bar = self.window.search_bar
        if bar.text().strip() != request.query:  # a brush or a place changed the query
            bar.set_text(request.query)
        if self._restoring:
            return
        if self.showing_page():
            # A new search while a page is shown: a new place, with the reader.
            self.history.visit(self._search_place(request))
            self.show_reader()
        else:
            self.history.replace(self._search_place(request))
        self._update_actions()

    def back(self) -> None:
        place = self.history.back()
        if place is not None:
            self._go(place)

    def forward(self) -> None:
        place = self.history.forward()
        if place is not None:
            self._go(place)

    def _go(self, place: Place) -> None:
        search = self.window.search
        if place.request != search.request:
            self._restoring = True
            try:
                self.window.search_bar.set_sort(place.request.sort)
                search.restore(place.request)
            finally:
                self._restoring = False
        if place.entity is not None:
            self._load(place.entity, visit=False)
        else:
            self._wanted += 1  # a page still loading is no longer wanted
            self.show_reader()
        self._update_actions()
        self.navigated.emit()

    def _update_actions(self) -> None:
        for act, step, word in ((self.back_action, -1, "back"),
                                (self.forward_action, 1, "forward")):  # fmt: skip
            place = self.history.peek(step)
            act.setEnabled(place is not None)
            key = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            where = f" to {place.label}" if place is not None and place.label else ""
            act.setToolTip(f"Go {word}{where} ({key})")
