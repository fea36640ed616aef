"""The one background-task helper: every long piece of work in the UI goes through it.

A task is a plain function that takes a progress sink and a CancelToken and returns
an immutable value. It runs on a QThreadPool worker; its progress, result and error
come back as queued signals on the UI thread, so no widget is ever touched off it.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from ..core.progress import Cancelled, CancelToken, Progress, ProgressSink

log = logging.getLogger("cellsight.ui")

TaskFn = Callable[[ProgressSink, CancelToken], Any]


class TaskHandle(QObject):
    """Signals of one task. Emitted on the UI thread (queued from the worker)."""

    progress = Signal(object)  # Progress
    finished = Signal(object)  # the function's return value
    failed = Signal(object)  # the exception (``.details`` holds the traceback text)
    cancelled = Signal()
    done = Signal()  # after any of finished/failed/cancelled

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.token = CancelToken()
        self.running = True

    def cancel(self) -> None:
        self.token.cancel()

    @Slot(object)
    def _on_progress(self, p: Progress) -> None:
        if self.running:
            self.progress.emit(p)

    @Slot(str, object)
    def _on_end(self, kind: str, payload: object) -> None:
        self.running = False
        if kind == "finished" and self.token.is_set():
            # Done on the worker, but cancelled before the UI thread got the result
            # (e.g. the window closed and shut the runner down): nobody wants it now,
            # and whoever asked for it may be gone.
            kind = "cancelled"
        if kind == "finished":
            self.finished.emit(payload)
        elif kind == "failed":
            self.failed.emit(payload)
        else:
            self.cancelled.emit()
        self.done.emit()


class _Bridge(QObject):
    # Lives on the UI thread; emitting from the worker queues the call there.
    progress = Signal(object)
    ended = Signal(str, object)


class _Runnable(QRunnable):
    def __init__(self, fn: TaskFn, bridge: _Bridge, token: CancelToken) -> None:
        super().__init__()
        self.fn = fn
        self.bridge = bridge
        self.token = token
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn(self.bridge.progress.emit, self.token)
        except Cancelled:
            self._end("cancelled", None)
        except RuntimeError as exc:
            if "Signal source has been deleted" in str(exc):
                return  # the window went away while we worked; nobody is listening
            self._fail(exc)
        except Exception as exc:  # noqa: BLE001 - delivered to the UI's error channel
            self._fail(exc)
        else:
            self._end("cancelled" if self.token.is_set() else "finished", result)
        finally:
            self.fn = None  # type: ignore[assignment]  # the closure may hold the library

    def _fail(self, exc: Exception) -> None:
        exc.details = traceback.format_exc()  # type: ignore[attr-defined]
        log.warning("background task failed: %s", exc)
        self._end("failed", exc)

    def _end(self, kind: str, payload: object) -> None:
        try:
            self.bridge.ended.emit(kind, payload)
        except RuntimeError:
            pass  # receiver deleted during shutdown


class TaskRunner(QObject):
    """Starts tasks; separate pools keep a long index run from delaying searches."""

    def __init__(self, parent: QObject | None = None, *, synchronous: bool = False) -> None:
        super().__init__(parent)
        self.synchronous = synchronous  # tests: run inline, signals still queued
        self._pools: dict[str, QThreadPool] = {}
        self._handles: set[TaskHandle] = set()

    def _pool(self, lane: str) -> QThreadPool:
        pool = self._pools.get(lane)
        if pool is None:
            pool = QThreadPool(self)
            pool.setMaxThreadCount(1)
            self._pools[lane] = pool
        return pool

    def run(self, name: str, fn: TaskFn, *, lane: str = "default") -> TaskHandle:
        handle = TaskHandle(name, self)
        # No Qt parent: the worker's own reference keeps the bridge alive until it has
        # emitted its last signal. As the handle's child it could be deleted with the
        # handle (window closing, runner torn down) while the worker emitted on it: a
        # segfault in a full test run, in _end's emit.
        bridge = _Bridge()
        handle._bridge = bridge  # type: ignore[attr-defined]
        # Queued even in synchronous mode, so callers can connect after run() returns.
        bridge.progress.connect(handle._on_progress, Qt.ConnectionType.QueuedConnection)
        bridge.ended.connect(handle._on_end, Qt.ConnectionType.QueuedConnection)
        self._handles.add(handle)
        handle.done.connect(lambda: self._forget(handle))
        runnable = _Runnable(fn, bridge, handle.token)
        if self.synchronous:
            runnable.run()
        else:
            self._pool(lane).start(runnable)
        return handle

    def _forget(self, handle: TaskHandle) -> None:
        self._handles.discard(handle)
        handle.deleteLater()

    def active(self) -> int:
        return len(self._handles)

    def shutdown(self, timeout_ms: int = 5000) -> None:
        for h in list(self._handles):
            h.cancel()
        for pool in self._pools.values():
            pool.waitForDone(timeout_ms)
