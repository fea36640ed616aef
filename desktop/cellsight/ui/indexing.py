"""Background indexing: runs, progress, cancel, and re-indexing watched folders.

Folder changes are collected by a QFileSystemWatcher and coalesced by a timer, so a
burst of saves becomes one incremental run over just the folders and files reported.
A folder's watch reports files added, removed, renamed or touched; a file rewritten
in place is reported only by a watch on the file itself, so files are watched too,
after every folder, as far as the watch budget goes.

A read-only library runs no job and watches nothing: a job asked for fails at once
with the library's reason (``failed``, which the window shows as a warning).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from ..core.errors import LibraryReadOnlyError
from ..core.library import Library
from ..core.model import IndexReport
from ..core.progress import CancelToken, ProgressSink
from .lanes import WATCH_LANE
from .tasks import TaskHandle, TaskRunner

WATCH_DELAY_MS = 1500
WATCH_LIMIT = 4000  # inotify watches are a per-user resource shared with other programs
WATCH_BATCH = 500  # watches added per turn of the event loop (~15 ms)
# More changed folders than this in one burst (a checkout, an unpacked archive): one
# full rescan is about as quick, and needs no bookkeeping of what was reported.
TARGETED_MAX = 64


class IndexingController(QObject):
    started = Signal(str)  # what is running, for the progress panel
    progress = Signal(object)  # Progress
    finished = Signal(object)  # IndexReport or the int count of a re-enrich
    failed = Signal(object)
    cancelled = Signal()
    library_changed = Signal()  # the index has new content: searches should re-run
    watching = Signal()  # the watches a watch_sources() asked for are in place

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
        self._watch_timer.timeout.connect(self._update_changed)
        self._changed: set[str] = set()  # reported by the watcher, not yet indexed
        self._rewatch: list[Path] | None = None  # where the running job may add folders
        self._listing = 0  # folder listings for watches still running (watch_sources)
        self._to_watch: list[str] = []  # watches not added yet (see _add_watches)

    @property
    def busy(self) -> bool:
        return self.current is not None

    # -- jobs ----------------------------------------------------------------------------
    def update(self, paths: list[Path]) -> None:
        """Add ``paths`` (may be empty) and index incrementally."""
        lib = self.library
        label = f"Indexing {len(paths)} new source(s)" if paths else "Updating the library"
        self._submit(label, lambda p, c: lib.update(paths, progress=p, cancel=c))

    def update_changed(self, paths: Iterable[Path]) -> None:
        """Index just these changed files or folders: now, or after the running job."""
        self._changed.update(str(p) for p in paths)
        self._update_changed()

    def _update_changed(self) -> None:
        if self.current is not None:
            return  # kept in _changed; _on_done comes back here, so nothing is lost
        changed, self._changed = sorted(self._changed), set()
        if not changed:
            return
        if self._needs_full_update(changed):
            self.update([])
            return
        lib = self.library
        paths = [Path(p) for p in changed]
        self._submit("Updating changed files",
                     lambda p, c: lib.update(changed=paths, progress=p, cancel=c),
                     rewatch=paths)

    def _needs_full_update(self, changed: list[str]) -> bool:
        if len(changed) > TARGETED_MAX:
            return True
        # A vanished source is rare and drastic: rescan and re-watch from the top.
        roots = {str(r) for r in self.library.sources()}
        return any(p in roots and not os.path.exists(p) for p in changed)

    def rebuild(self) -> None:
        lib = self.library
        self._submit("Rebuilding the search index", lambda p, c: lib.rebuild_index(progress=p))

    def apply_catalogue(self) -> None:
        lib = self.library
        self._submit("Updating entities in every document",
                     lambda p, c: lib.apply_catalogue_changes(progress=p, cancel=c))

    def _submit(
        self,
        label: str,
        fn: Callable[[ProgressSink, CancelToken], Any],
        *,
        rewatch: list[Path] | None = None,
    ) -> None:
        """``rewatch``: the folders to look for new subfolders in afterwards (None: all
        sources), so a targeted run does not walk the whole library on the UI thread."""
        try:
            self.library.refuse_writing()
        except LibraryReadOnlyError as exc:
            self.failed.emit(exc)
            return
        if self.current is not None:
            # One writer at a time; identical follow-ups collapse into one. Targeted
            # runs never queue: their reports wait in _changed and merge.
            if all(q[0] != label for q in self._queued):
                self._queued.append((label, fn))
            return
        self._rewatch = rewatch
        self.current = handle = self.tasks.run(label, fn, lane="index")
        self.started.emit(label)
        handle.progress.connect(self.progress)
        handle.finished.connect(self._on_finished)
        handle.failed.connect(self.failed)
        handle.cancelled.connect(self.cancelled)
        handle.done.connect(self._on_done)

    def cancel(self) -> None:
        self._queued.clear()
        self._changed.clear()
        if self.current is not None:
            self.current.cancel()

    def _on_finished(self, result: object) -> None:
        self.finished.emit(result)

    def _on_done(self) -> None:
        self.current = None
        self.library_changed.emit()
        self.watch_sources(self._rewatch)
        if self._queued:
            label, fn = self._queued.pop(0)
            self._submit(label, fn)
        if not self._watch_timer.isActive():  # else the timer comes back when quiet
            self._update_changed()

    # -- watching ------------------------------------------------------------------------
    def watch_sources(self, under: list[Path] | None = None) -> None:
        """Watch every source folder (and its subfolders) for added, removed and renamed
        files, then the files themselves, for rewrites in place, while the budget lasts.

        ``under`` limits the look to those folders or files (after a targeted run, the
        only places new subfolders can be). A watch goes away with its folder or file,
        so a source file replaced by a save is watched again here. The folders are
        listed in the ``watch`` lane: on the UI thread, listing 200,000 source files
        after each run held it for half a second. ``watching`` is emitted once the
        watches are in place.
        """
        if self.library.read_only:
            return  # what a watch reports could not be indexed
        tops = tuple(self.library.sources() if under is None else under)
        # Below a changed folder, a watched subfolder was there before: so were its own
        # subfolders, and any new one among them has been reported on its own.
        skip = frozenset(self._watched()) if under is not None else frozenset()
        self._listing += 1
        handle = self.tasks.run("listing watched folders",
                                lambda _p, _c: _listing(tops, skip), lane=WATCH_LANE)
        handle.finished.connect(self._listed)
        handle.failed.connect(lambda _exc: self._listed(((), ())))

    def _watched(self) -> set[str]:
        return set(self.watcher.directories()) | set(self.watcher.files())

    def _listed(self, found: tuple[tuple[str, ...], tuple[str, ...]]) -> None:
        self._listing -= 1
        folders, files = found
        current = self._watched()
        # Folders first: without its folder's watch a new file would go unseen.
        pending = set(self._to_watch)
        new = [w for w in dict.fromkeys(folders + files) if w not in current and w not in pending]
        self._to_watch += new[: max(0, WATCH_LIMIT - len(current) - len(pending))]
        if not pending:  # else a batch is already scheduled and takes these in turn
            self._add_watches()

    def _add_watches(self) -> None:
        """A batch of the pending watches, then the rest on later turns of the event loop:
        adding 4,000 at once held the UI thread for over 100 ms."""
        batch, self._to_watch = self._to_watch[:WATCH_BATCH], self._to_watch[WATCH_BATCH:]
        if batch:
            self.watcher.addPaths(batch)
        if self._to_watch:
            QTimer.singleShot(0, self, self._add_watches)
        elif not self._listing:
            self.watching.emit()

    def _on_fs_change(self, path: str) -> None:
        if self.library.read_only:
            return
        self._changed.add(path)
        self._watch_timer.start()


def _listing(tops: tuple[Path, ...], skip: frozenset[str]
             ) -> tuple[tuple[str, ...], tuple[str, ...]]:  # fmt: skip
    """The folders and (within the budget) files to watch under ``tops``; off the UI
    thread, so it touches no Qt object."""
    folders: list[str] = []
    files: list[str] = []
    for top in tops:
        if top.is_dir():
            _walk(top, skip, folders, files)
        elif top.is_file():  # a source file, or a file a targeted run re-read
            files.append(str(top))
    return tuple(folders), tuple(files)


def _walk(top: Path, skip: frozenset[str], folders: list[str], files: list[str]) -> None:
    """Add ``top``, its subfolders and their files to ``folders`` and ``files``, but
    not hidden ones (the scan skips those too) nor what is below a folder in ``skip``.

    os.walk reads only folder listings; Path.rglob plus is_dir() stat'ed every file
    of the library on the UI thread after each run.
    """
    for folder, dirs, names in os.walk(top):
        folders.append(folder)
        if len(files) < WATCH_LIMIT:  # past the budget only folders can still be used
            files.extend(os.path.join(folder, n) for n in sorted(names)
                         if not n.startswith("."))  # fmt: skip
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and os.path.join(folder, d) not in skip)


def summarise(report: IndexReport) -> str:
    parts = [f"{report.added} added", f"{report.updated} updated", f"{report.removed} removed"]
    if report.failed:
        parts.append(f"{len(report.failed)} could not be read (see Problems)")
    text = "Indexing " + ("cancelled: " if report.cancelled else "done: ") + ", ".join(parts)
    return text + f" in {report.seconds:.1f} s."
