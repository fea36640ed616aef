"""Where the window's UI thread stalls while it indexes: a trace, not a benchmark.

``python benchmarks/stall_trace.py BASE_LIBRARY SCRATCH_LIBRARY SOURCE`` copies
BASE_LIBRARY (``-``: start empty) to SCRATCH_LIBRARY, opens the real window on it,
indexes SOURCE and prints the longest gaps of a 10 ms UI tick, the long passes of
Python's cyclic collector (``gc.callbacks``, with what the oldest generation held),
and, for each late wake-up of a watchdog thread, every thread's stack. A thread that
holds the GIL through a long call starves the watchdog too: the stack it shows when it
wakes is where the holder just was. Run with QT_QPA_PLATFORM=offscreen and a temporary
HOME (as app_bench does).
"""

from __future__ import annotations

import collections
import gc
import itertools
import shutil
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))

LATE_S = 0.06  # a watchdog wake-up this late is a stall worth a stack
GC_LONG_MS = 20.0


def _stacks(skip: int, main_id: int) -> list[str]:
    out = []
    for tid, frame in sys._current_frames().items():
        if tid == skip:
            continue
        where = " < ".join(f"{Path(f.filename).name}:{f.lineno}:{f.name}"
                           for f in reversed(traceback.extract_stack(frame)[-7:]))  # fmt: skip
        out.append(f"{'UI' if tid == main_id else 'other'}: {where}")
    return out


def trace(base: str, scratch: Path, source: Path) -> None:
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
            started["t"] = time.perf_counter()
        elif "t" in started:
            ms = (time.perf_counter() - started["t"]) * 1000
            if ms > GC_LONG_MS:
                held = None
                if info["generation"] == 2 and len(passes) < 3:
                    held = collections.Counter(type(o).__name__
                                               for o in gc.get_objects(2)).most_common(6)
                passes.append((info["generation"], ms, held))

    def watchdog() -> None:
        me = threading.get_ident()
        while not stop.is_set():
            t = time.perf_counter()
            time.sleep(0.01)
            over = time.perf_counter() - t - 0.01
            if over > LATE_S:
                late.append((over * 1000, _stacks(me, main_id)))

    gc.callbacks.append(on_gc)
    reports: list[object] = []
    window.indexing.finished.connect(reports.append)
    threading.Thread(target=watchdog, daemon=True).start()
    timer.start()
    t0 = time.perf_counter()
    window.indexing.update([source])
    _wait(lambda: bool(reports) and not window.indexing.busy)
    timer.stop()
    stop.set()
    gc.callbacks.remove(on_gc)
    gaps = [(b - a) * 1000 for a, b in itertools.pairwise(ticks)]
    print(f"{time.perf_counter() - t0:.1f} s; longest UI gap {max(gaps, default=0):.0f} ms; "
          f"{sum(g > 100 for g in gaps)} over 100 ms")
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
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    trace(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
