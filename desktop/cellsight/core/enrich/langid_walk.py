"""py3langid's identifier with its byte walk done by numpy instead of a Python loop.

py3langid counts its features by walking an Aho-Corasick automaton one byte at a
time in Python: 0.2–0.6 ms a document, most of language identification and ~5 % of
a bulk worker's time. In such an automaton the state after a byte depends only on
the last ``depth`` bytes (the deepest pattern), so every position's state is found
at once by walking all positions together ``depth`` steps from the start state:
a handful of array gathers. The counts, their order and so the scores are the same
as py3langid's (tests/core/test_langid_walk.py compares them on real text in many
scripts and on random bytes); classify went from 312–391 to 187–238 µs on 3,150
real 600-character samples (benchmarks/RESULTS.md, issue 17).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from py3langid.langid import LanguageIdentifier

_UINT = {2: np.uint16, 4: np.uint32, 8: np.uint64}


class WalkingIdentifier(LanguageIdentifier):  # type: ignore[misc]
    __slots__ = ("_depth", "_moves", "_outputs", "_rows")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        moves = np.frombuffer(self.tk_nextmove, dtype=_UINT[self.tk_nextmove.itemsize])
        rows = np.frombuffer(self.tk_row, dtype=_UINT[self.tk_row.itemsize])
        self._moves = moves.astype(np.int32)
        self._rows = rows.astype(np.int32) << 8  # a state's row offset in _moves
        self._outputs = np.asarray(self.tk_output, dtype=np.int32)
        self._depth = _depth(self._moves.reshape(-1, 256), rows)

    def set_languages(self, langs: Any = None) -> None:
        super().set_languages(langs)
        # A column subset is strided: its row gathers cost more than the walk.
        self.nb_ptc = np.ascontiguousarray(self.nb_ptc)

    def _raw_score(self, text: bytes) -> Any:
        data = np.frombuffer(text, dtype=np.uint8).astype(np.int32)
        n = len(data)
        states = np.zeros(n, dtype=np.int32)
        moves, rows = self._moves, self._rows
        for back in range(min(self._depth, n) - 1, -1, -1):
            # position i takes byte i - back: the oldest of its window first
            states[back:] = moves[rows[states[back:]] + data[: n - back]]
        found = self._outputs[states]
        found = found[found >= 0]
        if not len(found):
            return super()._raw_score(b"")
        feats, first, counts = np.unique(found, return_index=True, return_counts=True)
        order = np.argsort(first, kind="stable")  # py3langid's order: first seen first
        feats, counts = feats[order], counts[order]
        return np.log1p(counts.astype(np.float32)) @ self.nb_ptc[feats] + self.nb_pc


def _depth(table: np.ndarray, rows: np.ndarray) -> int:
    """The longest shortest path from the start state: in an Aho-Corasick automaton,
    the length of the longest pattern. ``table[rows[state]]`` is a state's moves; the
    105k states share 38k rows, so a level gathers each of its distinct rows once
    (the states' own table would be a 107 MB copy and ~0.7 s more to start a worker)."""
    seen = np.zeros(len(rows), dtype=bool)
    seen[0] = True
    frontier, depth = np.zeros(1, dtype=np.int64), 0
    while True:
        reached = np.zeros(len(rows), dtype=bool)
        reached[table[np.unique(rows[frontier])].ravel()] = True
        reached &= ~seen
        frontier = np.flatnonzero(reached)
        if not len(frontier):
            return depth
        seen |= reached
        depth += 1
