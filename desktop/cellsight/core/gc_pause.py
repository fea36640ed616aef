"""Indexing runs and Python's cyclic garbage collector.

A run's survey holds a record per source file: adding 10,000 files to a 200,000-file
library made 200k ``FileRecord`` and 210k ``SourceFile`` objects plus 200k id lists.
Every full collection walks all of them, holding the GIL: passes of 50-450 ms, each
a stall of every thread, the window's included (measured with a UI-thread tick,
benchmarks/app_probe.py stall). None of these objects can be part of a cycle.

While a run builds such tables the collector is off; the tables are then frozen
(``gc.freeze``: left out of later passes, still freed by reference counting) until
the last run in the process ends. Cyclic garbage made meanwhile is still collected;
only objects that were already alive at a freeze and become cyclic garbage wait for
the end of the run.

Freeing those tables in one go held the interpreter for 80-130 ms at the end of every
run over 200k files (``benchmarks/stall_trace.py``, four re-index runs of unchanged
files): ``release`` empties them a slice at a time instead.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_lock = threading.Lock()
_runs = 0  # indexing runs in progress
_building = 0  # of which building their tables now
_was_enabled = True  # the collector's state before the first table was built
SLICE = 5_000  # items freed per call: about 1 ms


@contextmanager
def indexing_run() -> Iterator[None]:
    global _runs
    with _lock:
        _runs += 1
    try:
        yield
    finally:
        with _lock:
            _runs -= 1
            if _runs == 0:
                gc.unfreeze()


@contextmanager
def building_tables() -> Iterator[None]:
    """Inside an ``indexing_run``: no collection while the block runs; what it made is
    frozen at its end."""
    global _building, _was_enabled
    with _lock:
        if _building == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _building += 1
    try:
        yield
    finally:
        with _lock:
            _building -= 1
            if _runs:
                gc.freeze()
            if _building == 0 and _was_enabled:
                gc.enable()


def release(tables: list[Any]) -> None:
    """Empty ``tables`` (lists, dicts and sets, each referenced only from here) a
    slice at a time, so that other threads run between the slices."""
    while tables:
        table = tables.pop()
        if isinstance(table, list):
            while table:
                del table[-SLICE:]
        else:
            pop = table.popitem if isinstance(table, dict) else table.pop
            while table:
                for _ in range(min(SLICE, len(table))):
                    pop()
