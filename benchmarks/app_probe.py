"""In-process measurements of the real MainWindow, one per child process.

``app_probe.py keystrokes LIB TEXT REPEATS [busy]``: type TEXT into the search box one
key at a time and time each key until ``search.results_ready`` has been handled for
that text (with and without the 150 ms debounce). The window loads its secondary parts
(price book, chart, markers) once typing pauses; ``busy`` starts them at "ready"
instead, so every key competes with them: the worst case, a user typing while the
price book is built.
``app_probe.py stall LIB SRC``: a 10 ms QTimer on the UI thread while the window
indexes SRC into LIB; the longest gap between ticks is the worst UI stall.
Both print one JSON line. Run with QT_QPA_PLATFORM=offscreen and a temporary HOME.
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import child_report, rss_mb, summary

TYPE_INTERVAL_MS = 250  # a steady typist; above the debounce, so every key searches
TIMEOUT_MS = 600_000


def _window(lib_dir: Path) -> tuple[Any, Any, Any]:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from cellsight.core.library import Library
    from cellsight.ui.main_window import MainWindow
    from cellsight.ui.messages import MessageBus
    from cellsight.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("CellsightBench")
    app.setApplicationName("CellsightBench")
    lib = Library(lib_dir)
    tasks = TaskRunner(app)
    window = MainWindow(lib, tasks=tasks, messages=MessageBus(app), settings=QSettings())
    return app, lib, window


def _wait(predicate: Any, timeout_ms: int = TIMEOUT_MS) -> None:
    """Run the event loop until ``predicate()``, as the app's own loop runs: blocked
    until an event comes. (Polling ``processEvents(AllEvents, 5)`` in a loop spun the
    UI thread and took the interpreter from the search thread: it had doubled the
    measured "debounced query → results shown".)"""
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    deadline = time.perf_counter() + timeout_ms / 1000
    tick = QTimer()
    tick.start(20)  # the predicate is looked at no later than 20 ms after it holds
    try:
        while not predicate():
            if time.perf_counter() > deadline:
                raise TimeoutError("the window did not get there in time")
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    finally:
        tick.stop()


def keystrokes(lib_dir: Path, text: str, repeats: int, busy: bool = False) -> None:
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtTest import QTest

    t_start = time.perf_counter()
    app, lib, window = _window(lib_dir)
    ready = {"at": 0.0}
    window.ready.connect(lambda: ready.__setitem__("at", time.perf_counter()))
    if busy:
        window.ready.connect(window.quiet.emit)
    window.show()
    window.search.run()
    _wait(lambda: ready["at"] > 0)
    startup_ms = (ready["at"] - t_start) * 1000
    edit = window.search_bar.edit
    seen: dict[str, float] = {}
    asked: dict[str, float] = {}
    # Connected after the window's own slot, so this runs once the results are shown.
    window.search.results_ready.connect(
        lambda r: seen.__setitem__(r.request.query, time.perf_counter()))
    failed: list[str] = []

    def on_fail(_msg: str) -> None:  # "l" has no indexable word: an error, not results
        failed.append(window.search.request.query)
        seen[window.search.request.query] = time.perf_counter()

    window.search.query_failed.connect(on_fail)
    painted: dict[str, float] = {}
    waiting = {"for": ""}  # the query whose results are due to be painted

    class _PaintSpy(QObject):
        # The list's first paint after its results were handed over: what the user sees.
        def eventFilter(self, _o: Any, event: Any) -> bool:
            q = waiting["for"]
            if event.type() == QEvent.Type.Paint and q in seen and q not in painted:
                painted[q] = time.perf_counter()
            return False

    spy = _PaintSpy()
    window.results_pane.view.viewport().installEventFilter(spy)
    window.search_bar.query_changed.connect(
        lambda q: asked.__setitem__(q, time.perf_counter()))
    with_debounce: list[float] = []
    search_and_show: list[float] = []
    key_painted: list[float] = []
    search_painted: list[float] = []
    for _ in range(repeats):
        if window.search.request.query:
            edit.clear()  # back to the browse view before the next word is typed
            _wait(lambda: "" in seen)
        seen.clear()
        asked.clear()
        painted.clear()
        for i, ch in enumerate(text):
            typed = text[: i + 1]
            waiting["for"] = typed
            t0 = time.perf_counter()
            QTest.keyClick(edit, ch)
            _wait(lambda typed=typed: typed in seen)
            with_debounce.append((seen[typed] - t0) * 1000)
            search_and_show.append((seen[typed] - asked[typed]) * 1000)
            _wait(lambda typed=typed: typed in painted)
            key_painted.append((painted[typed] - t0) * 1000)
            search_painted.append((painted[typed] - asked[typed]) * 1000)
            QTest.qWait(max(0, TYPE_INTERVAL_MS - int((time.perf_counter() - t0) * 1000)))
    result = {
        "docs": lib.count(), "startup_to_ready_ms": startup_ms,
        "key_to_results_ms": summary(with_debounce),
        "search_to_results_shown_ms": summary(search_and_show),
        "key_to_painted_ms": summary(key_painted),
        "search_to_painted_ms": summary(search_painted), "rss_mb": rss_mb(),
        "failed_queries": sorted(set(failed)), "busy": busy,
    }  # fmt: skip
    _finish(window, lib, result)
    del app


def _finish(window: Any, lib: Any, result: dict[str, Any]) -> None:
    window.close()
    window.tasks.shutdown()
    lib.close()
    child_report(result)


def stall(lib_dir: Path, src: Path) -> None:
    from PySide6.QtCore import QTimer

    app, lib, window = _window(lib_dir)
    window.show()
    window.search.run()
    _wait(lambda: window.search.last_result is not None)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    reports: list[object] = []
    window.indexing.finished.connect(reports.append)
    timer.start()
    t0 = time.perf_counter()
    window.indexing.update([src])
    _wait(lambda: bool(reports) and not window.indexing.busy)
    seconds = time.perf_counter() - t0
    timer.stop()
    gaps = [(b - a) * 1000 for a, b in itertools.pairwise(ticks)]
    result = {
        "docs": lib.count(), "seconds": seconds, "ticks": len(ticks),
        "max_gap_ms": max(gaps, default=0.0), "gaps_over_100ms": sum(g > 100 for g in gaps),
        "gap_ms": summary(gaps), "rss_mb": rss_mb(),
    }  # fmt: skip
    _finish(window, lib, result)
    del app


if __name__ == "__main__":
    cmd = sys.argv[1:2]
    if cmd == ["keystrokes"] and len(sys.argv) in (5, 6) and sys.argv[5:] in ([], ["busy"]):
        keystrokes(Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]), busy=len(sys.argv) == 6)
    elif cmd == ["stall"] and len(sys.argv) == 4:
        stall(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        raise SystemExit(__doc__)
