"""Large conversions done a slice at a time, so that other threads run in between.

A thread gives up the interpreter only between bytecodes or around blocking calls, so
one C-level call over a whole table holds it from start to end. At 200k documents,
``ndarray.tolist()`` of the ids took 55 ms, ``dict(zip(ids, range(n)))`` 84 ms and
``np.array(ids, dtype=str)`` about 50 ms, each a stall of the window while an indexing
thread loaded its near-duplicate state (benchmarks/stall_trace.py). In slices of
SLICE items each call is a few milliseconds, under the 5 ms switch interval; the
total is the same.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SLICE = 10_000


def tolist(arr: np.ndarray) -> list:  # type: ignore[type-arg]
    out: list = []  # type: ignore[type-arg]
    for at in range(0, len(arr), SLICE):
        out += arr[at : at + SLICE].tolist()
    return out


def positions(items: Sequence[str]) -> dict[str, int]:
    """``{item: its position}``; a repeated item keeps its last position."""
    out: dict[str, int] = {}
    for at in range(0, len(items), SLICE):
        part = items[at : at + SLICE]
        out.update(zip(part, range(at, at + len(part)), strict=True))
    return out


def same(a: Sequence[object], b: Sequence[object]) -> bool:
    if len(a) != len(b):
        return False
    return all(a[at : at + SLICE] == b[at : at + SLICE] for at in range(0, len(a), SLICE))


def str_array(items: Sequence[str]) -> np.ndarray:
    out = np.empty(len(items), dtype=f"<U{max(map(len, items), default=1) or 1}")
    for at in range(0, len(items), SLICE):
        out[at : at + SLICE] = items[at : at + SLICE]
    return out
