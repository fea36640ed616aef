"""Document ids ↔ docnums for one index generation: the id sets of user data (tags,
arrivals, clusters) become masks over the searcher's documents.

One lookup (``document_number``) costs 80 µs; the whole id table, 17 µs a document
(measured at 5k documents), and its per-segment parts are kept across generations
(Whoosh segments never change), so a large set goes through the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.searching import Searcher as WSearcher

from ..index import segment_arrays
from .postings import read_ids

TABLE_FROM = 200  # ids in one set: above this, the whole table beats single lookups


class SegmentIds:
    """(ids, docnums in segment) per segment, shared by the generations and kept on
    disk beside the facet arrays: a CLI search over a library with a tag on 16k
    documents rebuilt the table in every process (1.1 s at 20k; loading it: ms)."""

    def __init__(self, disk: Path | None = None, read_only: bool = False) -> None:
        self._parts: dict[str, tuple[list[str], np.ndarray]] = {}
        self._disk, self._read_only = disk, read_only

    def _part(self, leaf: Any, key: str) -> tuple[list[str], np.ndarray]:
        got = self._parts.get(key) if key else None
        if got is not None:
            return got
        saved = segment_arrays.load(self._disk, key, "ids") if key else None
        if saved is not None and "ids" in saved and "nums" in saved:
            return saved["ids"].tolist(), saved["nums"].astype(np.int64)
        ids: list[str] = []
        nums: list[int] = []
        for btext in leaf.lexicon("id"):
            found = read_ids(leaf, "id", btext)
            ids.extend([btext.decode("utf-8")] * len(found))
            nums.extend(int(n) for n in found)
        part = (ids, np.asarray(nums, dtype=np.int64))
        if key and not self._read_only:
            segment_arrays.save(self._disk, key, "ids", {
                "ids": np.asarray(ids, dtype=str), "nums": part[1].astype(np.int32)})
        return part

    def table(self, searcher: WSearcher, live: np.ndarray) -> dict[str, int]:
        out: dict[str, int] = {}
        kept: dict[str, tuple[list[str], np.ndarray]] = {}
        for leaf, offset in searcher.reader().leaf_readers():
            segment = leaf.segment()
            key = segment.segment_id() if segment is not None else ""
            ids, nums = self._part(leaf, key)
            if key:
                kept[key] = (ids, nums)
            for doc_id, n in zip(ids, (nums + offset).tolist(), strict=True):
                if live[n] or doc_id not in out:  # a live copy wins
                    out[doc_id] = n
        self._parts = kept  # segments merged away are dropped
        return out


class DocIds:
    def __init__(self, searcher: WSearcher, live: np.ndarray, segments: SegmentIds) -> None:
        self._searcher, self._live, self._segments = searcher, live, segments
        self._single: dict[str, int | None] = {}
        self._table: dict[str, int] | None = None
        self._by_number: dict[int, str] | None = None

    def number(self, doc_id: str) -> int | None:
        """The live docnum of ``doc_id``, or None."""
        if self._table is not None:
            n = self._table.get(doc_id)
        else:
            n = self._single.get(doc_id, -1)
            if n == -1:
                n = self._single[doc_id] = self._searcher.document_number(id=doc_id)
        return n if n is not None and self._live[n] else None

    def mask(self, ids: Iterable[str]) -> np.ndarray:
        ids = ids if isinstance(ids, (set, frozenset)) else set(ids)
        mask = np.zeros(len(self._live), dtype=bool)
        if len(ids) > TABLE_FROM:
            table = self.table()
            found = [table[i] for i in ids if i in table]
            mask[np.asarray(found, dtype=np.int64)] = True
        else:
            for doc_id in ids:
                n = self.number(doc_id)
                if n is not None:
                    mask[n] = True
        return mask & self._live

    def table(self) -> dict[str, int]:
        if self._table is None:
            self._table = self._segments.table(self._searcher, self._live)
        return self._table

    def by_number(self) -> dict[int, str]:
        if self._by_number is None:
            self._by_number = {n: i for i, n in self.table().items()}
        return self._by_number
