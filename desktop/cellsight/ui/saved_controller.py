"""Saved searches in the window: the sidebar list, saving, opening, what arrived, What's new.

The counting is the core Workbench's (``library.workbench``). Every call to it runs in
the ``background`` lane of the task helper and hands back frozen values, so the UI
thread never touches the database or runs a search for it; the lane being one
thread, refreshes, saves and drains are applied in the order they were asked for.

After every index pass (watched folders too) and price import the controller drains
``take_arrived()``: badges refresh, one notice says what came in and which alerts
fired, and a desktop notification repeats it when the window is not active.

Opening a saved search runs its request in the window's ``SearchController`` at
once, and marks what is new in the results (``ResultsModel.set_new_ids``) until the
user searches for something else; the store marks it seen in the background.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction

from ..core.model import SearchRequest
from .dialogs.save_search_dialog import SaveSearchDialog
from .dialogs.whats_new_dialog import WhatsNewDialog, since_datetime
from .lanes import BACKGROUND_LANE
from .models.saved_model import SavedModel, count_text, same_search
from .notifier import Notifier, arrival_summary
from .tasks import TaskHandle
from .widgets.saved_list import SavedList, install_above

if TYPE_CHECKING:
    from ..core.library import Library
    from ..core.workbench.records import SavedSearch
    from ..core.workbench.service import SavedStatus, Workbench
    from .indexing import IndexingController
    from .main_window import MainWindow

log = logging.getLogger("cellsight.ui.saved")


class SavedController(QObject):
    refreshed = Signal(object)  # list[SavedStatus]: the list and its badges were updated
    opened = Signal(str, object)  # name, frozenset of the ids marked new in the results
    arrivals_shown = Signal(object, object)  # list[Arrived], (title, text) of the notice or None
    whats_new_shown = Signal(object)  # WhatsNew, as the dialog now shows it
    saved = Signal(str)  # the current search was saved under this name
    edited = Signal()  # a saved search was saved, renamed or deleted here

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.tasks = window.tasks
        self.messages = window.messages
        self.library: Library | None = None
        self.model = SavedModel(self)
        self.list = SavedList(self.model)
        self.sidebar = install_above(window.splitter, window.facets, self.list)
        self.notifier = Notifier(window, window.messages)
        self.current: SavedSearch | None = None  # the saved search on screen, if any
        self.save_dialog: SaveSearchDialog | None = None
        self.save_action: QAction | None = None  # Edit → Save search… (set by the menus)
        self.whats_new_dialog: WhatsNewDialog | None = None
        self._whats_new_gen = 0

        self.list.opened.connect(self.open)
        self.list.save_requested.connect(self.save_current)
        self.list.rename_requested.connect(self.rename)
        self.list.delete_requested.connect(self.delete)
        self.list.mark_seen_requested.connect(self.mark_seen)
        window.search.request_changed.connect(self._request_changed)

    def set_library(self, library: Library, indexing: IndexingController) -> None:
        self.library = library
        indexing.library_changed.connect(self.drain)
        self.window.library_actions.prices_imported.connect(self.drain)
        if library.read_only:
            self.list.set_read_only(library.read_only_reason)
            if self.save_action is not None:
                self.save_action.setEnabled(False)
                self.save_action.setStatusTip(library.read_only_reason)
        self.refresh()

    # -- running in the background -------------------------------------------------------
    def _run(self, label: str, work: Callable[[Workbench], Any],
             done: Callable[[Any], None]) -> TaskHandle | None:  # fmt: skip
        lib = self.library
        if lib is None:
            return None
        handle = self.tasks.run(label, lambda _p, _c: work(lib.workbench), lane=BACKGROUND_LANE)
        handle.finished.connect(done)
        handle.failed.connect(lambda exc: self.messages.from_exception(exc, "Saved searches"))
        return handle

    def _statuses(self, wb: Workbench) -> list[SavedStatus]:
        try:
            return wb.statuses()
        except sqlite3.OperationalError:
            if not wb.library.read_only:
                raise
            # A read-only library from before saved searches has no tables for them.
            return []

    def refresh(self) -> TaskHandle | None:
        return self._run("saved searches", self._statuses, self._show_statuses)

    def drain(self) -> TaskHandle | None:
        """After an index pass or price import: what arrived, and the new counts."""
        return self._run("arrivals", lambda wb: (wb.take_arrived(), self._statuses(wb)),
                         self._show_arrivals)  # fmt: skip

    def _show_statuses(self, statuses: list[SavedStatus], *, why: str = "") -> None:
        """``why``: for the log, which says what the badges showed and when."""
        self.model.set_statuses(statuses, self._authors(statuses))
        cur = self.current
        self.list.select(cur.name if cur else None)
        if cur is not None and (st := self.model.find(cur.name)) is not None and st.new_ids:
            # Arrived while it is on screen: marked too, and badged until opened again.
            self.window.results_model.set_new_ids(self.window.results_model.new_ids()
                                                  | st.new_ids)  # fmt: skip
        log.info("saved searches%s: %s", why, "; ".join(
            f"{st.saved.name}: {count_text(st.total, st.new)}" for st in statuses) or "none")
        self.refreshed.emit(statuses)

    def _authors(self, statuses: list[SavedStatus]) -> dict[str, str]:
        author = getattr(self.library, "user_data_author", None)
        if author is None:
            return {}
        return {st.saved.name: by.text() for st in statuses
                if (by := author("saved", st.saved.name)) is not None}

    def _show_edited(self, statuses: list[SavedStatus]) -> None:
        self._show_statuses(statuses)
        self.edited.emit()

    def _show_arrivals(self, result: tuple[list[Any], list[SavedStatus]]) -> None:
        arrived, statuses = result
        self._show_statuses(statuses, why=" after a library change")
        summary = arrival_summary(arrived)
        if summary is not None:
            self.notifier.notify(*summary)
        self.arrivals_shown.emit(arrived, summary)

    # -- opening ---------------------------------------------------------------------------
    def open(self, name: str) -> None:
        """Show ``name``'s results with its new documents marked; then it is seen."""
        st, lib = self.model.find(name), self.library
        if st is None or lib is None:
            return
        results = self.window.results_model
        again = self.current is not None and self.current.name == name
        keep = results.new_ids() if again else frozenset()  # a second click keeps the marks
        saved = st.saved
        self.current = saved  # before the request changes: it is this search's
        results.set_new_ids(keep | st.new_ids)
        if not lib.read_only:
            self.model.clear_new(name)
        self.list.select(name)
        bar = self.window.search_bar
        bar.set_text(saved.query)
        bar.set_sort(saved.sort)
        self.window.search.restore(saved.request())
        read_only = lib.read_only

        def work(wb: Workbench) -> tuple[SavedStatus, SavedStatus]:
            before = wb.status(wb.saved(name))
            if read_only:
                return before, before
            wb.mark_seen(name)
            return before, replace(before, saved=wb.saved(name), new=0, new_ids=frozenset())

        self._run("open saved search", work, lambda res: self._opened(name, keep, res))

    def _opened(self, name: str, keep: frozenset[str],
                result: tuple[SavedStatus, SavedStatus]) -> None:  # fmt: skip
        before, after = result
        self.model.update_status(after)
        marked = keep | before.new_ids
        if self.current is not None and self.current.name == name:
            self.current = after.saved
            self.window.results_model.set_new_ids(marked)
        self.opened.emit(name, marked)

    def _request_changed(self, request: SearchRequest) -> None:
        if self.current is not None and not same_search(request, self.current):
            self.current = None
            self.window.results_model.set_new_ids(frozenset())
            self.list.select(None)

    # -- saving, renaming, deleting ------------------------------------------------------
    def _writable(self) -> Library | None:
        lib = self.library
        if lib is None:
            self.messages.info("The library is still opening; try again in a moment.")
            return None
        if lib.read_only:
            self.messages.warning(lib.read_only_reason)
            return None
        return lib

    def save_current(self) -> None:
        """Edit → Save search…: ask for a name, then save the search on screen."""
        if self._writable() is None:
            return
        dlg = SaveSearchDialog(self.window.search.request, self.model.names(), self.window)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: self.save(dlg.name(), dlg.request))
        self.save_dialog = dlg
        dlg.open()

    def save(self, name: str, request: SearchRequest) -> TaskHandle | None:
        if self._writable() is None:
            return None

        def work(wb: Workbench) -> tuple[SavedSearch, list[SavedStatus]]:
            return wb.save_search(name, request), self._statuses(wb)

        return self._run("save search", work, self._saved)

    def _saved(self, result: tuple[SavedSearch, list[SavedStatus]]) -> None:
        saved, statuses = result
        if same_search(self.window.search.request, saved):
            self.current = saved
        self._show_statuses(statuses)
        st = self.model.find(saved.name)
        total = count_text(st.total, 0) if st else "saved"
        self.messages.info(f"Saved search “{saved.name}”: {total}.")
        self.saved.emit(saved.name)
        self.edited.emit()

    def rename(self, old: str, new: str) -> TaskHandle | None:
        """Renamed in one change, keeping when it was seen and the alerts that name it."""
        new = " ".join(new.split())
        if self._writable() is None or not new or new == old:
            return None
        if new in self.model.names():
            self.messages.warning(f"A saved search named “{new}” exists; choose another name.")
            return None

        def work(wb: Workbench) -> list[SavedStatus]:
            wb.rename_saved(old, new)
            return self._statuses(wb)

        if self.current is not None and self.current.name == old:
            self.current = replace(self.current, name=new)
        return self._run("rename saved search", work, self._show_edited)

    def delete(self, name: str) -> TaskHandle | None:
        if self._writable() is None:
            return None
        if self.current is not None and self.current.name == name:
            self.current = None
            self.window.results_model.set_new_ids(frozenset())

        def work(wb: Workbench) -> list[SavedStatus]:
            wb.remove_saved(name)
            return self._statuses(wb)

        return self._run("delete saved search", work, self._show_edited)

    def mark_seen(self, name: str) -> TaskHandle | None:
        if self._writable() is None:
            return None
        self.model.clear_new(name)

        def work(wb: Workbench) -> list[SavedStatus]:
            wb.mark_seen(name)
            return self._statuses(wb)

        return self._run("mark saved search seen", work, self._show_statuses)

    # -- what's new ------------------------------------------------------------------------
    def show_whats_new(self) -> WhatsNewDialog | None:
        """View → What's new…: the dialog, filled in the background from the last visit."""
        if self.library is None:
            self.messages.info("The library is still opening; try again in a moment.")
            return None
        dlg = self.whats_new_dialog
        if dlg is None:
            dlg = self.whats_new_dialog = WhatsNewDialog(self.window)
            dlg.since_changed.connect(self.load_whats_new)
            dlg.document_requested.connect(self.window.open_doc_id)
            dlg.saved_requested.connect(self.open)
        dlg.show()
        dlg.raise_()
        dlg.activateWindow()
        self.load_whats_new(None)
        return dlg

    def load_whats_new(self, day: dt.date | None) -> None:
        """``day``: since the start of that day; None: since the last visit."""
        dlg = self.whats_new_dialog
        if dlg is None:
            return
        self._whats_new_gen += 1
        gen = self._whats_new_gen
        since = since_datetime(day) if day is not None else None
        dlg.set_loading()

        def show(wn: Any) -> None:
            if gen != self._whats_new_gen or self.whats_new_dialog is None:
                return  # another day was chosen meanwhile
            self.whats_new_dialog.show_whats_new(wn, last_visit=day is None)
            self.whats_new_shown.emit(wn)

        self._run("what's new", lambda wb: wb.whats_new(since), show)
