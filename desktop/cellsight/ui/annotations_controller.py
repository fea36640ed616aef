"""Stars, tags, notes and quotes: the reader's annotation panel, results marks and menus.

Every write goes to the library's ``Workbench`` (user data, one transaction each).
A single edit is a ~1 ms SQLite write, done directly on the UI thread so the panel
shows it at once; tagging every result of a search reads all of them first, so it
runs as a background task. After a change the facet counts (tag, starred) are
refreshed by a facets-only search, which leaves the result list and the reader
where they are; a search whose own clauses name tags, stars or notes is run again
in full, since which documents it lists may have changed.

A read-only library shows what it holds with the controls disabled, the reason as
their tooltip.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from ..core.errors import CellsightError
from ..core.model import SearchRequest, SearchResult
from ..core.progress import Cancelled
from ..core.query.user_fields import is_user_field, split
from ..core.workbench.records import Annotations
from .dialogs.tag_dialog import TagDialog
from .lanes import SEARCH_LANE
from .models.results_model import HitRole, StarRole

if TYPE_CHECKING:
    from ..core.library import Library
    from ..core.workbench.service import Workbench
    from .main_window import MainWindow

log = logging.getLogger("cellsight.ui")
Change = Callable[["Workbench", str], object]  # a write to one document's annotations


def uses_user_fields(req: SearchRequest) -> bool:
    """Whether what ``req`` lists depends on tags, stars or notes."""
    try:
        clauses = split(req.query)
    except CellsightError:
        return False
    return bool(clauses.filters or clauses.excludes) or any(
        is_user_field(f) for f, _ in (*req.filters, *req.excludes))


class AnnotationsController(QObject):
    changed = Signal(str)  # doc id whose annotations changed ("" for many)
    bulk_tagged = Signal(str, int)  # tag, number of documents
    facets_refreshed = Signal()  # the facet counts follow the last change

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.reader = window.reader
        self.panel = window.reader.annotations
        self.library: Library | None = None
        self.dialog: TagDialog | None = None
        self.tag_all_action: QAction | None = None  # Edit → Tag all results… (menus.py)
        self._why_not = ""  # the library's read-only reason, "" when writable
        p = self.panel
        p.star_toggled.connect(lambda on: self._edit(lambda wb, d: wb.star(d, on)))
        p.tag_added.connect(lambda t: self._edit(lambda wb, d: wb.tag([d], t)))
        p.tag_removed.connect(lambda t: self._edit(lambda wb, d: wb.untag([d], t)))
        p.tag_clicked.connect(lambda t: window.search.toggle_filter("tag", t, True))
        p.note_added.connect(lambda text: self._edit(lambda wb, d: wb.note(d, text)))
        p.note_edited.connect(self._edit_note)
        p.note_removed.connect(lambda i: self._edit_note(i, ""))
        p.quote_activated.connect(self.reader.show_quote)
        p.quote_removed.connect(self._remove_quote)
        self.reader.quote_requested.connect(self.save_quote)
        window.documents.shown.connect(self.load)
        window.search.results_ready.connect(lambda _result: self._refresh_stars())
        results = window.results
        results.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        results.customContextMenuRequested.connect(self._results_menu)
        self.reader.set_quotes_enabled(False, "Opening the library…")

    @property
    def workbench(self) -> Workbench | None:
        return self.library.workbench if self.library is not None else None

    def set_library(self, library: Library) -> None:
        self.library = library
        self._why_not = library.read_only_reason if library.read_only else ""
        self.panel.set_writable(not self._why_not, self._why_not)
        self.reader.set_quotes_enabled(not self._why_not, self._why_not)
        if self.tag_all_action is not None and self._why_not:
            self.tag_all_action.setEnabled(False)
            self.tag_all_action.setStatusTip(self._why_not)
        self._refresh_tags()

    # -- the open document --------------------------------------------------------------
    def load(self, doc_id: str) -> None:
        """Show ``doc_id``'s annotations in the panel and its quotes in the text."""
        wb = self.workbench
        if wb is None:
            return
        try:
            ann = wb.annotations(doc_id)
        except sqlite3.Error as exc:
            # A read-only library made before the workbench existed has no such tables.
            log.info("no annotations for %s: %s", doc_id, exc)
            ann = Annotations(doc_id)
        self.panel.show_annotations(ann, self._note_authors(ann))
        self.reader.set_quotes(doc_id, [(q.start, q.end) for q in ann.quotes])

    def _note_authors(self, ann: Annotations) -> dict[int, str]:
        """On a team library, who wrote each synced note: "alice · 3 Dec 2026 14:05"."""
        author = getattr(self.library, "user_data_author", None)
        if author is None:
            return {}
        return {n.id: by.text() for n in ann.notes if (by := author("note", n.id)) is not None}

    def current_id(self) -> str | None:
        doc = self.reader.document()
        return doc.id if doc is not None else None

    def _edit(self, change: Change, doc_id: str | None = None) -> bool:
        """Apply ``change(workbench, doc_id)`` (default: the open document); then show it."""
        wb, doc_id = self.workbench, doc_id or self.current_id()
        if wb is None or doc_id is None:
            return False
        try:
            change(wb, doc_id)
        except (CellsightError, ValueError) as exc:
            self.window.messages.from_exception(exc, "Annotations")
            self._reload()  # e.g. the star button shows the stored state again
            return False
        self._after_change(doc_id)
        return True

    def _edit_note(self, note_id: int, text: str) -> None:
        self._edit(lambda wb, _d: wb.edit_note(note_id, text))

    def _remove_quote(self, quote_id: int) -> None:
        self._edit(lambda wb, _d: wb.remove_quote(quote_id))

    def save_quote(self, start: int, end: int) -> None:
        """Save [start, end) of the open document's full text as a quote."""
        if self._edit(lambda wb, d: wb.quote(d, start, end)):
            self.window.statusBar().showMessage("Quote saved.", 4000)

    # -- after a change -------------------------------------------------------------------
    def refresh(self) -> None:
        """After the team's changes were pulled: the panel, the tags offered, the stars
        and the facets follow; ``changed`` is not emitted (nothing was changed here)."""
        self._reload()
        self._refresh_tags()
        self._refresh_stars()
        self._refresh_search()

    def _reload(self) -> None:
        doc_id = self.current_id()
        if doc_id is not None:
            self.load(doc_id)

    def _after_change(self, doc_id: str) -> None:
        self._reload()  # the open document may be among those changed
        self._refresh_tags()
        self._refresh_stars()
        self._refresh_search()
        self.changed.emit(doc_id)

    def _refresh_tags(self) -> None:
        self.panel.set_known_tags(self._known_tags())

    def _refresh_stars(self) -> None:
        wb = self.workbench
        try:
            starred = wb.ids_for("starred", "yes") if wb is not None else frozenset()
        except sqlite3.Error:
            starred = frozenset()
        self.window.results_model.set_starred(starred)

    def _refresh_search(self) -> None:
        """Facet counts follow the change; the list too if the query depends on it."""
        search, lib = self.window.search, self.library
        if lib is None:
            return
        if uses_user_fields(search.request):
            search.run()
            return
        gen, req = search.generation, replace(search.request, limit=0, offset=0,
                                              with_facets=True)

        def facets(_p: object, _c: object) -> tuple[int, SearchResult]:
            if gen != search.generation:
                raise Cancelled  # a newer search brings its own facets
            return gen, lib.search(req)

        handle = self.window.tasks.run("facets", facets, lane=SEARCH_LANE)
        handle.finished.connect(self._show_facets)

    def _show_facets(self, loaded: tuple[int, SearchResult]) -> None:
        gen, result = loaded
        search = self.window.search
        if gen == search.generation:
            self.window.facets.set_facets(result.facets, set(search.request.filters))
            self.facets_refreshed.emit()

    # -- the result list -------------------------------------------------------------------
    def results_menu(self, pos: QPoint) -> QMenu | None:
        """The result list's menu for the hit at ``pos`` (viewport coordinates)."""
        view = self.window.results
        index = view.indexAt(pos)
        hit = index.data(HitRole)
        if hit is None:
            return None
        starred = bool(index.data(StarRole))
        menu = QMenu(view)
        menu.setToolTipsVisible(True)
        star = menu.addAction("Unstar" if starred else "Star",
                              lambda: self._edit(lambda wb, d: wb.star(d, not starred), hit.id))
        tag = menu.addAction("Tag…", lambda: self.ask_tag([hit.id], f"Tag “{hit.title}”"))
        menu.addSeparator()
        every = menu.addAction("Tag all results…", self.tag_all_results)
        for act in (star, tag, every):
            act.setEnabled(not self._why_not and self.library is not None)
            act.setToolTip(self._why_not)
        return menu

    def _results_menu(self, pos: QPoint) -> None:
        menu = self.results_menu(pos)
        if menu is not None:
            menu.exec(self.window.results.viewport().mapToGlobal(pos))
            menu.deleteLater()

    def _known_tags(self) -> list[str]:
        wb = self.workbench
        try:
            return wb.tags() if wb is not None else []
        except sqlite3.Error:
            return []

    def ask_tag(self, doc_ids: list[str], what: str) -> TagDialog | None:
        """Ask for a tag, then give it to ``doc_ids`` (window-modal, not blocking)."""
        if self._refused():
            return None
        dialog = TagDialog(what, self._known_tags(), self.window)
        ids = list(doc_ids)
        dialog.accepted.connect(lambda: self._tag_listed(ids, dialog.tag()))
        return self._open(dialog)

    def _tag_listed(self, ids: list[str], tag: str) -> None:
        if ids and tag:
            self._edit(lambda wb, _d: wb.tag(ids, tag), ids[0])

    def tag_all_results(self) -> TagDialog | None:
        """Edit → Tag all results…: ask for a tag, then tag every document of the search."""
        if self._refused():
            return None
        result = self.window.search.last_result
        if result is None or result.total == 0:
            self.window.messages.info("There are no results to tag.")
            return None
        request = self.window.search.request
        n = result.total
        dialog = TagDialog(f"Give a tag to all {n} result{'s' if n != 1 else ''} of the "
                           f"current search.", self._known_tags(), self.window)  # fmt: skip
        dialog.accepted.connect(lambda: self.tag_all(request, dialog.tag()))
        return self._open(dialog)

    def tag_all(self, request: SearchRequest, tag: str) -> None:
        """Tag every document ``request`` finds, in one transaction (background task)."""
        lib = self.library
        if lib is None or not tag or self._refused():
            return
        def run(_p: object, cancel: object) -> tuple[str, int]:
            ids = lib.matching_ids(request)
            cancel.raise_if_set()  # type: ignore[attr-defined]
            if ids:
                lib.workbench.tag(ids, tag)
            return tag, len(ids)

        self.window.messages.info(f"Tagging every result “{tag}”…")
        handle = self.window.tasks.run("tag results", run)
        handle.finished.connect(self._tagged_all)
        handle.failed.connect(lambda exc: self.window.messages.from_exception(exc, "Tagging"))

    def _tagged_all(self, done: tuple[str, int]) -> None:
        tag, n = done
        self.window.messages.info(f"Tagged {n} document{'s' if n != 1 else ''} “{tag}”.")
        self._after_change("")
        self.bulk_tagged.emit(tag, n)

    def _open(self, dialog: TagDialog) -> TagDialog:
        self.dialog = dialog
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _refused(self) -> bool:
        if self._why_not:
            self.window.messages.warning(self._why_not)
            return True
        return False
