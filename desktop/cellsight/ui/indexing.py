"""Background indexing: runs, progress, cancel, and re-indexing watched folders.

Folder changes are collected by a QFileSystemWatcher and coalesced by a timer, so a
burst of saves becomes one incremental run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from ..core.library import Library
from ..core.model import IndexReport
from ..core.progress import CancelToken, ProgressSink
from .tasks import TaskHandle, TaskRunner

WATCH_DELAY_MS = 1500


class IndexingController(QObject):
    started = Signal(str)  # what is running, for the progress panel
    progress = Signal(object)  # Progress
    finished = Signal(object)  # IndexReport or the int count of a re-enrich
    failed = Signal(object)
    cancelled = Signal()
    library_changed = Signal()  # the index has new content: searches should re-run

    def __init__(self, library: Library, tasks: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.tasks = tasks
        self.current: TaskHandle | None = None
        self._queued: list[tuple[str, Callable[[ProgressSink, CancelToken], Any]]] = []
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(self._on_fs_change)
        self.watcher.fileChanged.connect(self._on_fs_change)
        self._watch_timer = QTimer(self)
        self._watch_timer.setSingleShot(True)
        self._watch_timer.setInterval(WATCH_DELAY_MS)
        self._watch_timer.timeout.connect(lambda: self.update([]))

    @property
    def busy(self) -> bool:
        return self.current is not None

    # -- jobs ----------------------------------------------------------------------------
    def update(self, paths: list[Path]) -> None:
        """Add ``paths`` (may be empty) and index incrementally."""
        lib = self.library
        label = f"Indexing {len(paths)} new source(s)" if paths else "Updating the library"
        self._submit(label, lambda p, c: lib.update(paths, progress=p, cancel=c))

    def rebuild(self) -> None:
        lib = self.library
        self._submit("Rebuilding the search index", lambda p, c: lib.rebuild_index(progress=p))

    def apply_catalogue(self) -> None:
        lib = self.library
        self._submit("Updating entities in every document",
                     lambda p, c: lib.apply_catalogue_changes(progress=p, cancel=c))

    def _submit(self, label: str, fn: Callable[[ProgressSink, CancelToken], Any]) -> None:
        if self.current is not None:
            # One writer at a time; identical follow-ups collapse into one.
            if all(q[0] != label for q in self._queued):
                self._queued.append((label, fn))
            return
        self.current = handle = self.tasks.run(label, fn, lane="index")
        self.started.emit(label)
        handle.progress.connect(self.progress)
        handle.finished.connect(self._on_finished)
        handle.failed.connect(self.failed)
        handle.cancelled.connect(self.cancelled)
        handle.done.connect(self._on_done)

    def cancel(self) -> None:
        self._queued.clear()
        if self.current is not None:
            self.current.cancel()

    def _on_finished(self, result: object) -> None:
        self.finished.emit(result)

    def _on_done(self) -> None:
        self.current = None
        self.library_changed.emit()
        self.watch_sources()
        if self._queued:
            label, fn = self._queued.pop(0)
            self._submit(label, fn)

    # -- watching ------------------------------------------------------------------------
    def watch_sources(self) -> None:
        """Watch every source folder (and its subfolders) for added/changed/removed files."""
        wanted: list[str] = []
        for root in self.library.sources():
            if root.is_dir():
                wanted.append(str(root))
                wanted.extend(str(p) for p in root.rglob("*") if p.is_dir() and
                              not p.name.startswith("."))
            elif root.is_file():
                wanted.append(str(root))
        current = set(self.watcher.directories()) | set(self.watcher.files())
        new = [w for w in wanted[:2000] if w not in current]
        if new:
            self.watcher.addPaths(new)

    def _on_fs_change(self, _path: str) -> None:
        self._watch_timer.start()


def summarise(report: IndexReport) -> str:
    parts = [f"{report.added} added", f"{report.updated} updated", f"{report.removed} removed"]
    if report.failed:
        parts.append(f"{len(report.failed)} could not be read (see Problems)")
    text = "Indexing " + ("cancelled: " if report.cancelled else "done: ") + ", ".join(parts)
    return text + f" in {report.seconds:.1f} s."
