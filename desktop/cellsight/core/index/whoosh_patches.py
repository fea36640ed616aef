"""Targeted fixes for whoosh-reloaded 2.7.5 hot spots, applied once at import.

``W3PerDocReader._cached_reader`` caches column readers but not their absence, so
every length lookup for a field without a length column (keyword fields, which
are not scorable) stats the file system again. At commit time that is one
``os.stat`` per posting: 94k stats for 400 documents, 16% of the whole build.
Segment files never change once written, so caching "no column" is safe.

``W3PerDocReader.doc_field_length`` decodes one byte through a column reader per
call, and the codec calls it for every posting it writes (block length statistics):
12% of writing a segment. The lengths of a finished segment are read once instead.

``SortingPool.items`` sorts a pool that never went to disk with one ``sorted()`` call,
which holds the interpreter throughout: merging 1,000 small-segment documents in the
app (≈300k postings) sorted for ≈360 ms in one piece, a stall of the window while it
indexed. Slices are sorted apart and merged lazily instead (heapq.merge, the same
order); 300k postings took 375 ms against 411 ms, no single call over ≈15 ms. A smaller pool
(runs on disk) cut the calls too but made in-process indexing 25 % slower.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from typing import Any

from whoosh import externalsort
from whoosh.codec import whoosh3
from whoosh.util.numeric import byte_to_length

_MISSING = object()
SORT_SLICE = 20_000  # postings per sorted() call: ≈13 ms
_pool_items = externalsort.SortingPool.items


def _cached_reader(self: Any, fieldname: str, column: Any) -> Any:
    reader = self._readers.get(fieldname, _MISSING)
    if reader is _MISSING:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
    return reader


def _doc_field_length(self: Any, docnum: int, fieldname: str, default: Any = 0) -> Any:
    if docnum > self._doccount:
        raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
    cache = self.__dict__.setdefault("_cellsight_lengths", {})
    lengths = cache.get(fieldname, _MISSING)
    if lengths is _MISSING:
        reader = self._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
        lengths = cache[fieldname] = (
            None if reader is None else bytes(reader[i] for i in range(self._doccount))
        )
    if lengths is None:
        return default
    lbyte = lengths[docnum] if docnum < len(lengths) else 0
    # As the original: a zero byte (no tokens) gives None, not 0.
    return byte_to_length(lbyte) if lbyte else None


def sorted_in_slices(items: list[Any]) -> Iterable[Any]:
    if len(items) <= SORT_SLICE:
        return sorted(items)
    return heapq.merge(*(sorted(items[at : at + SORT_SLICE])
                         for at in range(0, len(items), SORT_SLICE)))  # fmt: skip


def _items(self: Any, maxfiles: int = 128) -> Iterable[Any]:
    if not self.runs:
        return sorted_in_slices(self.current)
    return _pool_items(self, maxfiles)


def apply() -> None:
    if getattr(whoosh3.W3PerDocReader, "_cellsight_patched", False):
        return
    whoosh3.W3PerDocReader._cached_reader = _cached_reader
    whoosh3.W3PerDocReader.doc_field_length = _doc_field_length
    whoosh3.W3PerDocReader._cellsight_patched = True
    externalsort.SortingPool.items = _items


apply()
