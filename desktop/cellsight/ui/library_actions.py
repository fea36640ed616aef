"""What the user does to the library besides searching it, from menus and the reader.

Adding sources, importing prices, exporting results, the Problems list, and the
catalogue edits made in the reader (add an entity or an alias, hide an entity).
Sources and imports asked for while the library is still opening (the window paints
first) wait for it rather than being refused. The catalogue edits are small and
saved at once; applying them to every document is an indexing job, run by the
:class:`IndexingController` like any other.

The entity choices the reader offers in its menus are read from the catalogue in
the ``background`` lane and come back as plain tuples.

A read-only library (a read-only mount, a folder the user cannot write) is searched
and read as any other; what would write to it is disabled (the menu entries in
``writing_actions``, the reader's catalogue edits) and, where it can still be asked
for (a drop, a queued request), refused with the library's reason as a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow

from ..core.model import SearchRequest
from .lanes import BACKGROUND_LANE
from .messages import MessageBus
from .tasks import TaskRunner
from .widgets.reader_view import ReaderView

if TYPE_CHECKING:
    from ..core.library import Library
    from .indexing import IndexingController

# id, canonical name, type: what the reader's "add alias" menu offers
EntityChoice = tuple[str, str, str]
# id -> (type, canonical name, aliases): what the reader's tooltips show
EntityInfo = dict[str, tuple[str, str, tuple[str, ...]]]

DOCUMENT_FILTER = ("Documents (*.txt *.md *.html *.htm *.json *.pdf *.eml *.mbox *.msg *.rss "
                   "*.atom *.xml *.docx *.pptx *.xlsx *.mht *.mhtml *.warc *.gz *.zip);;"
                   "All files (*)")
PRICE_FILTER = ("Price tables (*.csv *.tsv *.txt *.xlsx *.xlsm);;CSV (*.csv *.tsv *.txt);;"
                "Excel workbooks (*.xlsx *.xlsm);;All files (*)")


class LibraryActions(QObject):
    prices_imported = Signal()  # the price book is out of date

    def __init__(
        self,
        window: QMainWindow,
        reader: ReaderView,
        tasks: TaskRunner,
        messages: MessageBus,
    ) -> None:
        super().__init__(window)
        self._window = window  # parent of the dialogs; its status bar says "wait"
        self.reader = reader
        self.tasks = tasks
        self.messages = messages
        self.library: Library | None = None
        self.indexing: IndexingController | None = None
        self._when_open: list[Callable[[], None]] = []
        # The menu entries that write to the library (see menus.build_menus), by name.
        self.writing_actions: dict[str, QAction] = {}

    def set_library(self, library: Library, indexing: IndexingController) -> None:
        """The library is open: run what was asked for while it was opening."""
        self.library = library
        self.indexing = indexing
        if library.read_only:
            for action in self.writing_actions.values():
                action.setEnabled(False)
                action.setStatusTip(library.read_only_reason)
            self.reader.set_catalogue_editable(False, library.read_only_reason)
        queued, self._when_open = self._when_open, []
        for action in queued:
            action()

    def when_open(self, action: Callable[[], None]) -> None:
        """Run ``action`` now, or as soon as the library is open."""
        if self.library is None:
            self._when_open.append(action)
            self._window.statusBar().showMessage("Opening the library…", 3000)
        else:
            action()

    def refused(self) -> bool:
        """True (and the reason posted as a warning) if the library is read-only."""
        if self.library is not None and self.library.read_only:
            self.messages.warning(self.library.read_only_reason)
            return True
        return False

    # -- sources -----------------------------------------------------------------------
    def index_paths(self, paths: list[Path]) -> None:
        """Add ``paths`` (may be empty) and index incrementally, once the library is open."""
        self.when_open(lambda: self._index_now(paths))

    def _index_now(self, paths: list[Path]) -> None:
        if self.indexing is not None and not self.refused():
            self.indexing.update(paths)

    def add_folder(self) -> None:
        if self.refused():
            return
        folder = QFileDialog.getExistingDirectory(self._window, "Add a folder of documents")
        if folder:
            self.index_paths([Path(folder)])

    def add_files(self) -> None:
        if self.refused():
            return
        files, _ = QFileDialog.getOpenFileNames(self._window, "Add documents", "",
                                                DOCUMENT_FILTER)
        if files:
            self.index_paths([Path(f) for f in files])

    def show_problems(self) -> None:
        from .widgets.problems_dialog import ProblemsDialog

        if self.library is not None:
            ProblemsDialog(self.library.failures(), self._window).exec()

    # -- prices and results ------------------------------------------------------------
    def import_prices(self) -> None:
        if self.refused():
            return
        path, _ = QFileDialog.getOpenFileName(self._window, "Import price series", "",
                                              PRICE_FILTER)
        if path:
            self.import_prices_from(path)

    def import_prices_from(self, path: str) -> None:
        lib = self.library
        if lib is None:
            self.when_open(lambda: self.import_prices_from(path))
            return
        if self.refused():
            return
        handle = self.tasks.run("import prices", lambda _p, _c: lib.import_prices(Path(path)))
        handle.finished.connect(self._prices_imported)
        handle.failed.connect(lambda exc: self.messages.from_exception(exc, "Importing prices"))

    def _prices_imported(self, count: int) -> None:
        self.messages.info(f"Imported {count} price series.")
        self.prices_imported.emit()

    def export_results(self, request: SearchRequest) -> None:
        """Write every result of ``request`` to a CSV file the user chooses."""
        path, _ = QFileDialog.getSaveFileName(self._window, "Export results",
                                              "cellsight-results.csv", "CSV (*.csv)")
        lib = self.library
        if not path or lib is None:
            return
        handle = self.tasks.run("export",
                                lambda _p, _c: lib.export_results(request, Path(path)))
        handle.finished.connect(lambda n: self.messages.info(f"Exported {n} results to {path}."))
        handle.failed.connect(lambda exc: self.messages.from_exception(exc, "Export"))

    # -- catalogue edits ---------------------------------------------------------------
    # Only reachable from a shown document, so the library is open.
    def add_entity(self, text: str, etype: str, name: str) -> None:
        assert self.library is not None and self.indexing is not None
        if self.refused():
            return
        self.library.add_user_entity(text, etype, name)
        self.messages.info(f"Added “{name}” as a {etype}; updating the library…")
        self.indexing.apply_catalogue()

    def add_alias(self, entity_id: str, alias: str) -> None:
        assert self.library is not None and self.indexing is not None
        if self.refused():
            return
        self.library.add_alias(entity_id, alias)
        self.messages.info(f"Added alias “{alias}”; updating the library…")
        self.indexing.apply_catalogue()

    def hide_entity(self, entity_id: str) -> None:
        assert self.library is not None and self.indexing is not None
        if self.refused():
            return
        self.library.hide_entity(entity_id)
        self.messages.info("Entity hidden; updating the library…")
        self.indexing.apply_catalogue()

    def refresh_entity_choices(self) -> None:
        """Re-read the catalogue for the reader's menus and tooltips (background lane)."""
        lib = self.library
        if lib is None:
            return

        def load(_p: object, _c: object) -> tuple[list[EntityChoice], EntityInfo]:
            cat = lib.catalogue()
            return [(e.id, e.name, e.type) for e in cat.entities], {
                e.id: (e.type, e.name, e.aliases) for e in cat.entities}

        handle = self.tasks.run("catalogue", load, lane=BACKGROUND_LANE)
        handle.finished.connect(self._set_entity_choices)

    def _set_entity_choices(self, loaded: tuple[list[EntityChoice], EntityInfo]) -> None:
        choices, info = loaded
        self.reader.set_entity_choices(choices)
        self.reader.set_alias_lookup(lambda eid: info.get(eid, (None, None, ()))[2])
