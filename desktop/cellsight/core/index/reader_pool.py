"""Segment readers kept from one index generation to the next.

Opening a Whoosh reader opens every segment's files and reads each term table's
header: ≈0.8 ms a segment, ≈190 ms for the 280 segments of a 200k library. The first
search after each commit paid it, and so did each writer, for the searcher its
``update_document`` and ``delete_by_term`` use (``IndexStore.writer``).
A segment's files never change once written, only its deletion set, so a reader is
kept for as long as its segment is live. whoosh-reloaded's own ``reader(reuse=…)``
cannot be used: it adds merged-away segments back, and it keeps a reader whose
segment has new deletions.

A pool belongs to one thread of work (the searcher's lock, or the write lock): a
Whoosh reader seeks and reads its files, so two threads must never share one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from whoosh.index import Index
from whoosh.reading import EmptyReader, IndexReader, MultiReader, SegmentReader
from whoosh.searching import Searcher as WSearcher

OPEN_ATTEMPTS = 10  # as Whoosh: a writer elsewhere may delete a merged segment meanwhile
RETRY_PAUSE = 0.05


class _PooledReader(MultiReader):  # type: ignore[misc]
    """A generation's reader over pooled segment readers: closing it leaves them open
    for the next generation (the pool closes what is no longer live)."""

    def close(self) -> None:
        self.is_closed = True


def _same_deletions(a: Any, b: Any) -> bool:
    if a.deleted_count() != b.deleted_count():
        return False
    return not a.has_deletions() or set(a.deleted_docs()) == set(b.deleted_docs())


class ReaderPool:
    def __init__(self) -> None:
        self._ix: Index | None = None
        self._readers: dict[str, SegmentReader] = {}

    def searcher(self, ix: Index, *, segments: Sequence[Any] | None = None,
                 generation: int | None = None, exact: bool = True) -> WSearcher:  # fmt: skip
        """A searcher over ``ix``'s latest generation, or over ``segments`` (a writer's).

        ``exact`` False keeps a reader whose segment gained deletions since: enough
        for finding documents to delete (a deletion set only grows, and deleting a
        deleted document again changes nothing), not for answering queries."""
        return WSearcher(self.reader(ix, segments=segments, generation=generation,
                                     exact=exact), fromindex=ix)  # fmt: skip

    def reader(self, ix: Index, *, segments: Sequence[Any] | None = None,
               generation: int | None = None, exact: bool = True) -> IndexReader:  # fmt: skip
        if ix is not self._ix:
            # Another Index object (a reset recreates the folder): nothing carries over.
            self.close()
            self._ix = ix
        for attempt in range(OPEN_ATTEMPTS):
            try:
                if segments is None:
                    toc = ix._read_toc()
                    return self._open(ix, toc.schema, toc.segments, toc.generation, exact)
                return self._open(ix, ix.schema, segments, generation, exact)
            except OSError:
                if attempt == OPEN_ATTEMPTS - 1 or segments is not None:
                    raise
                time.sleep(RETRY_PAUSE)
        raise AssertionError("unreachable")

    def _open(self, ix: Index, schema: Any, segments: Sequence[Any], generation: int | None,
              exact: bool) -> IndexReader:  # fmt: skip
        live: dict[str, SegmentReader] = {}
        leaves: list[SegmentReader] = []
        try:
            for seg in segments:
                key = seg.segment_id()
                r = live.get(key) or self._readers.get(key)
                if r is not None and exact and not _same_deletions(r.segment(), seg):
                    r = None
                if r is None:
                    r = SegmentReader(ix.storage, schema, seg, generation=generation)
                live[key] = r
                leaves.append(r)
        except BaseException:
            for key, r in live.items():
                if self._readers.get(key) is not r:
                    r.close()  # opened by this attempt: the pool stays as it was
            raise
        for key, old in self._readers.items():
            if live.get(key) is not old and not old.is_closed:
                old.close()
        self._readers = live
        if not leaves:
            return EmptyReader(schema)
        return _PooledReader(leaves, generation=generation)

    def adopt(self, ix: Index, reader: IndexReader) -> None:
        """Takes over the segment readers of ``reader``, opened elsewhere (to validate
        the index on opening); ``reader`` itself must not be closed afterwards."""
        if ix is not self._ix:
            self.close()
            self._ix = ix
        for leaf, _offset in reader.leaf_readers():
            seg = leaf.segment()
            if isinstance(leaf, SegmentReader) and seg is not None:
                old = self._readers.get(seg.segment_id())
                if old is not None and old is not leaf and not old.is_closed:
                    old.close()
                self._readers[seg.segment_id()] = leaf

    def close(self) -> None:
        for r in self._readers.values():
            if not r.is_closed:
                r.close()
        self._readers = {}
        self._ix = None
