"""File → Export brief…, Export library…, Import library…: the workbench's files.

Building a brief and writing a zip read the whole library, so they run in the
background lane; only a PDF brief is painted on the UI thread (Qt's text layout and
PDF writer are GUI-thread objects). An import that meets source folders missing on
this computer asks for each one once and tries again.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from ..core.progress import ProgressSink
from .lanes import BACKGROUND_LANE

if TYPE_CHECKING:
    from ..core.workbench.brief import Brief
    from ..core.workbench.portable import ExportReport, ImportReport
    from .main_window import MainWindow

BRIEF_FILTERS = "HTML (*.html);;Markdown (*.md);;PDF (*.pdf)"
CURRENT = "__current__"
STARRED = "__starred__"


class BriefDialog(QDialog):
    """What to brief (the current results or a saved search) and its title."""

    def __init__(self, parent: QWidget, results_label: str, saved: list[str],
                 current_saved: str | None, starred: int = 0) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle("Export brief")
        self.source = QComboBox(self)
        self.source.addItem(results_label, CURRENT)
        if starred:  # the analyst's own selection
            self.source.addItem(f"Starred documents ({starred})", STARRED)
        for name in saved:
            self.source.addItem(f"Saved search “{name}”", name)
        if current_saved in saved:
            self.source.setCurrentIndex(self.source.findData(current_saved))
        self.title = QLineEdit(self)
        self.title.setPlaceholderText("default: the search it is made from")
        form = QFormLayout(self)
        form.addRow("From:", self.source)
        form.addRow("Title:", self.title)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)  # fmt: skip
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Choose file…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(420)

    def saved_name(self) -> str | None:
        data = self.source.currentData()
        return None if data in (CURRENT, STARRED) else str(data)

    def starred_only(self) -> bool:
        return bool(self.source.currentData() == STARRED)


class WorkbenchFiles(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.tasks = window.tasks
        self.messages = window.messages

    # -- briefs ------------------------------------------------------------------------
    def export_brief(self) -> None:
        lib = self.window.library
        if lib is None:
            return
        saved = [s.name for s in lib.workbench.store.saved_searches()]
        current = getattr(getattr(self.window, "saved_searches", None), "current", None)
        query = self.window.search.request.query.strip() or "every document"
        starred = sorted(lib.workbench.store.starred())
        dialog = BriefDialog(self.window, f"Current results ({query})", saved,
                             current.name if current is not None else None,
                             len(starred))  # fmt: skip
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        name, title = dialog.saved_name(), dialog.title.text().strip() or None
        ids = starred if dialog.starred_only() else None
        path, chosen = QFileDialog.getSaveFileName(
            self.window, "Export brief", f"{_slug(title or name or 'brief')}.html", BRIEF_FILTERS)
        if not path:
            return
        if not Path(path).suffix:
            path += {"Markdown": ".md", "PDF": ".pdf"}.get(chosen.split(" ")[0], ".html")
        request = self.window.search.request

        def build(_p: object, _c: object) -> Brief:
            from ..core.workbench.brief import build_brief, format_for, write_brief

            if ids is not None:
                brief = build_brief(lib, doc_ids=ids, title=title or "Starred documents")
            elif name:
                brief = build_brief(lib, saved=name, title=title)
            else:
                brief = build_brief(lib, request=request, title=title)
            fmt = format_for(path)
            if fmt in ("html", "md"):
                write_brief(brief, path, fmt)
            return brief

        handle = self.tasks.run("export brief", build, lane=BACKGROUND_LANE)
        handle.finished.connect(lambda brief: self._brief_built(brief, path))
        handle.failed.connect(lambda exc: self.messages.from_exception(exc, "Export brief"))

    def _brief_built(self, brief: Brief, path: str) -> None:
        if path.lower().endswith(".pdf"):
            from .brief_pdf import write_pdf

            try:
                write_pdf(brief, Path(path))
            except OSError as exc:
                self.messages.from_exception(exc, "Export brief")
                return
        n = len(brief.selected)
        self.messages.info(f"Brief of {n} document{'s' if n != 1 else ''} written to {path}.")

    # -- the library as one zip -----------------------------------------------------------
    def export_library(self) -> None:
        lib = self.window.library
        if lib is None:
            return
        path, _ = QFileDialog.getSaveFileName(self.window, "Export library",
                                              "cellsight-library.zip", "Zip (*.zip)")
        if not path:
            return
        answer = QMessageBox.question(
            self.window, "Export library",
            "Include the source files? The zip then holds everything needed on another "
            "computer; without them, the other computer needs its own copy of the folders.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.No)  # fmt: skip
        if answer == QMessageBox.StandardButton.Cancel:
            return
        with_sources = answer == QMessageBox.StandardButton.Yes

        def work(p: ProgressSink, _c: object) -> ExportReport:
            from ..core.workbench.portable import export_library

            return export_library(lib, Path(path), with_sources=with_sources, progress=p)

        handle = self.tasks.run("export library", work, lane=BACKGROUND_LANE)
        handle.finished.connect(lambda r: self.messages.info(
            f"Exported {r.documents} documents to {r.target}"
            + (f" with {r.source_files} source files." if with_sources else ".")))
        handle.failed.connect(lambda exc: self.messages.from_exception(exc, "Export library"))

    def import_library(self) -> None:
        archive, _ = QFileDialog.getOpenFileName(self.window, "Import library", "",
                                                 "Cellsight library (*.zip)")
        if not archive:
            return
        folder = QFileDialog.getExistingDirectory(
            self.window, "Choose an empty folder for the imported library")
        if folder:
            self.import_into(Path(archive), Path(folder), {})

    def import_into(self, archive: Path, folder: Path, roots: dict[str, Path]) -> None:
        def work(p: ProgressSink, _c: object) -> ImportReport:
            from ..core.workbench.portable import import_library

            return import_library(archive, folder, roots=roots, progress=p)

        handle = self.tasks.run("import library", work, lane=BACKGROUND_LANE)
        handle.finished.connect(self._imported)
        handle.failed.connect(lambda exc: self._import_failed(exc, archive, folder, roots))

    def _import_failed(self, exc: BaseException, archive: Path, folder: Path,
                       roots: dict[str, Path]) -> None:  # fmt: skip
        missing = getattr(exc, "missing", None)
        if not missing:
            self.messages.from_exception(exc, "Import library")
            return
        for old in missing:  # the user picks each moved folder once
            new = QFileDialog.getExistingDirectory(
                self.window, f"Where is the folder that was {old} on the other computer?")
            if not new:
                self.messages.warning(f"Import cancelled: {exc}")
                return
            roots[old] = Path(new)
        self.import_into(archive, folder, roots)

    def _imported(self, report: ImportReport) -> None:
        folder, docs = report.folder, report.documents
        answer = QMessageBox.question(
            self.window, "Library imported",
            f"Imported {docs} documents into {folder}. Open it in a new window?")
        if answer == QMessageBox.StandardButton.Yes:
            subprocess.Popen([sys.executable, "-m", "cellsight", "--library", str(folder)])
        else:
            self.messages.info(f"Imported {docs} documents into {folder}.")


def _slug(text: str) -> str:
    keep = "".join(c if c.isalnum() else "-" for c in text.lower())
    return "-".join(p for p in keep.split("-") if p)[:60] or "brief"
