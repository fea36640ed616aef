"""Where the window's UI thread stalls while it indexes: a trace, not a benchmark.

``python benchmarks/stall_trace.py BASE_LIBRARY SCRATCH_LIBRARY SOURCE [RUNS]`` copies
BASE_LIBRARY (``-``: start empty) to SCRATCH_LIBRARY, opens the real window on it,
indexes SOURCE (RUNS times: the later runs find nothing changed) and prints the
longest gaps of a 10 ms UI tick (and the UI thread's stack while its tick is overdue),
the long passes of Python's cyclic collector (``gc.callbacks``, with what they freed),
and, for each late wake-up of a watchdog thread, every thread's stack. A thread that
holds the GIL through a long call starves the watchdog too: the stack it shows when it
wakes is where the holder just was. The trace's own bookkeeping (a census of objects
at each full collection, the dumps) adds to the gaps it shows. Run with
QT_QPA_PLATFORM=offscreen and a temporary HOME (as app_bench does).
"""

from __future__ import annotations

import collections
import gc
import itertools
import os
import shutil
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))

LATE_S = 0.06  # a watchdog wake-up this late is a stall worth a stack
DUMP_S = 0.04  # with STALL_PY_SPY: a UI tick this overdue gets a native dump
GC_LONG_MS = 20.0


def _where(frame: Any, depth: int = 7) -> str:
    return " < ".join(f"{Path(f.filename).name}:{f.lineno}:{f.name}"
                      for f in reversed(traceback.extract_stack(frame)[-depth:]))  # fmt: skip


def _stacks(skip: int, main_id: int) -> list[str]:
    return [f"{'UI' if tid == main_id else 'other'}: {_where(frame)}"
            for tid, frame in sys._current_frames().items() if tid != skip]  # fmt: skip


def trace(base: str, scratch: Path, source: Path, runs: int = 1) -> None:
    from app_probe import _wait, _window
    from PySide6.QtCore import QTimer

    shutil.rmtree(scratch, ignore_errors=True)
    if base != "-":
        shutil.copytree(base, scratch)
    _app, lib, window = _window(scratch)
    window.show()
    window.search.run()
    _wait(lambda: window.search.last_result is not None)
    main_id = threading.get_ident()
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    late: list[tuple[float, list[str]]] = []
    passes: list[tuple[int, float, Any]] = []
    started: dict[str, float] = {}
    stop = threading.Event()

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started["n"] = len(gc.get_objects(info["generation"]))
            if info["generation"] == 2:  # what the pass frees: the types that go
                started["types"] = collections.Counter(type(o).__name__
                                                       for o in gc.get_objects())  # fmt: skip
            started["t"] = time.perf_counter()
        elif "t" in started:
            ms = (time.perf_counter() - started["t"]) * 1000
            if ms > GC_LONG_MS:
                held = (f"walked {started['n']:,}, collected {info['collected']:,}, "
                        f"frozen {gc.get_freeze_count():,}")
                if info["generation"] == 2:
                    gone = started["types"] - collections.Counter(
                        type(o).__name__ for o in gc.get_objects())  # fmt: skip
                    held += " freed " + str(gone.most_common(8))
                passes.append((info["generation"], ms, held))

    busy_ui: collections.Counter[str] = collections.Counter()
    dump_with = os.environ.get("STALL_PY_SPY", "")  # py-spy, for native stacks
    dumps: list[str] = []

    def watchdog() -> None:
        me = threading.get_ident()
        while not stop.is_set():
            t = time.perf_counter()
            time.sleep(0.01)
            now = time.perf_counter()
            over = now - t - 0.01
            if over > LATE_S:
                late.append((over * 1000, _stacks(me, main_id)))
            if dump_with and ticks and now - ticks[-1] > DUMP_S and len(dumps) < 3:
                # Native stacks too (a UI thread inside Qt shows no Python frame).
                dumps.append(subprocess.run(
                    [dump_with, "dump", "--native", "--pid", str(os.getpid())],
                    capture_output=True, text=True, check=False).stdout)  # fmt: skip
            if ticks and now - ticks[-1] > LATE_S:  # the UI tick is overdue: UI's stack
                frame = sys._current_frames().get(main_id)
                if frame is not None:
                    busy_ui[_where(frame, 6)] += 1

    gc.callbacks.append(on_gc)
    reports: list[object] = []
    window.indexing.finished.connect(reports.append)
    threading.Thread(target=watchdog, daemon=True).start()
    timer.start()
    t0 = time.perf_counter()
    for n in range(runs):
        window.indexing.update([source])
        _wait(lambda n=n: len(reports) > n and not window.indexing.busy)
        print(f"run {n + 1} ended at {time.perf_counter() - t0:.1f} s")
    timer.stop()
    stop.set()
    gc.callbacks.remove(on_gc)
    gaps = [(b - a) * 1000 for a, b in itertools.pairwise(ticks)]
    print(f"{time.perf_counter() - t0:.1f} s; longest UI gap {max(gaps, default=0):.0f} ms; "
          f"{sum(g > 100 for g in gaps)} over 100 ms")
    for g, at in sorted(((g, a - t0) for g, a in zip(gaps, ticks, strict=False)),
                        reverse=True)[:5]:  # fmt: skip
        print(f"  gap {g:.0f} ms at {at:.1f} s")
    print("UI thread's stacks while its tick was overdue (10 ms samples):")
    for stack, n in busy_ui.most_common(8):
        print(f"  {n}× {stack}")
    for text in dumps:
        print("py-spy dump while the UI tick was overdue:\n" + text)
    print(f"collector passes over {GC_LONG_MS:.0f} ms:")
    for gen, ms, held in sorted(passes, key=lambda p: -p[1])[:10]:
        print(f"  generation {gen}: {ms:.0f} ms {held or ''}")
    print("late watchdog wake-ups:")
    for ms, stacks in sorted(late, key=lambda x: -x[0])[:12]:
        print(f"  {ms:.0f} ms late")
        for s in stacks:
            if "wait" not in s or s.startswith("UI"):
                print("    " + s)
    window.close()
    window.tasks.shutdown()
    lib.close()


if __name__ == "__main__":  # the indexing workers are spawned: they import this module
    if len(sys.argv) not in (4, 5):
        raise SystemExit(__doc__)
    trace(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int((sys.argv[4:5] or ['1'])[0]))
