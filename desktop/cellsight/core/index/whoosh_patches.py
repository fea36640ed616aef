"""Targeted fixes for whoosh-reloaded 2.7.5 hot spots, applied once at import.

``W3PerDocReader._cached_reader`` caches column readers but not their absence, so
every length lookup for a field without a length column (keyword fields, which
are not scorable) stats the file system again. At commit time that is one
``os.stat`` per posting: 94k stats for 400 documents, 16% of the whole build.
Segment files never change once written, so caching "no column" is safe.
"""

from __future__ import annotations

from typing import Any

from whoosh.codec import whoosh3

_MISSING = object()


def _cached_reader(self: Any, fieldname: str, column: Any) -> Any:
    reader = self._readers.get(fieldname, _MISSING)
    if reader is _MISSING:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
    return reader


def apply() -> None:
    if getattr(whoosh3.W3PerDocReader, "_cellsight_patched", False):
        return
    whoosh3.W3PerDocReader._cached_reader = _cached_reader
    whoosh3.W3PerDocReader._cellsight_patched = True


apply()
