"""Facet counts from per-reader docnum→value arrays, built once per index generation.

Whoosh's ``groupedby`` rebuilds a per-document value list on every search and
scores every match; here each keyword field becomes two parallel int arrays
(posting docnum, value number) so a count over any set of documents is a single
``numpy.bincount`` on a boolean mask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh.reading import IndexReader, SegmentReader

from ..index import segment_arrays
from ..model import FacetCount
from .postings import read_ids


@dataclass(frozen=True)
class FieldPostings:
    values: tuple[str, ...]
    doc: np.ndarray  # int32 docnums, one per (doc, value) pair
    val: np.ndarray  # int32 index into ``values``, parallel to ``doc``
    lower: dict[str, str]  # case-folded value -> stored value

    def mask_for(self, wanted: set[str], ndocs: int) -> np.ndarray:
        idx = [i for i, v in enumerate(self.values) if v in wanted]
        mask = np.zeros(ndocs, dtype=bool)
        if idx:
            sel = np.isin(self.val, np.asarray(idx, dtype=np.int32))
            mask[self.doc[sel]] = True
        return mask

    def __post_init__(self) -> None:
        # Postings grouped by value, so a count is one gather and one segmented sum
        # (2.5x faster than bincount over a boolean selection at 50k documents).
        if len(self.val) and np.any(self.val[1:] < self.val[:-1]):
            order = np.argsort(self.val, kind="stable")
            object.__setattr__(self, "doc", self.doc[order])
            object.__setattr__(self, "val", self.val[order])
        starts = np.searchsorted(self.val, np.arange(len(self.values)))
        ends = np.append(starts[1:], len(self.val)) if len(starts) else starts
        object.__setattr__(self, "_starts", np.minimum(starts, max(len(self.val) - 1, 0)))
        object.__setattr__(self, "_empty", ends == starts)

    def docs_of(self, value: str) -> np.ndarray:
        """The docnums having ``value`` (postings are grouped by value: one slice)."""
        index = self.__dict__.get("_index")
        if index is None:
            index = {v: i for i, v in enumerate(self.values)}
            object.__setattr__(self, "_index", index)
        i = index.get(value)
        if i is None or self._empty[i]:  # type: ignore[attr-defined]
            return self.doc[:0]
        start = int(self._starts[i])  # type: ignore[attr-defined]
        end = start + int(np.searchsorted(self.val[start:], i, side="right"))
        return self.doc[start:end]

    def _name_rank(self) -> np.ndarray:
        """Each value's place in name order, so counts sort with numpy, not a Python key
        (made on the first count: most per-segment tables are only ever combined)."""
        rank = self.__dict__.get("_rank")
        if rank is None:
            by_name = sorted(range(len(self.values)), key=lambda i: self.values[i].lower())
            rank = np.empty(len(self.values), dtype=np.int64)
            rank[by_name] = np.arange(len(self.values))
            object.__setattr__(self, "_rank", rank)
        return rank

    def count(self, mask: np.ndarray, limit: int | None = None) -> tuple[FacetCount, ...]:
        if not len(self.values) or not len(self.doc):
            return ()
        # np.take and 32-bit sums: each about twice as fast as indexing and int64 sums.
        picked = np.take(mask.view(np.uint8), self.doc)
        counts = np.add.reduceat(picked, self._starts, dtype=np.int32)  # type: ignore[attr-defined]
        counts[self._empty] = 0  # type: ignore[attr-defined]
        nz = np.flatnonzero(counts)
        # Highest count first, then by name, so equal counts are stable and readable.
        order = nz[np.lexsort((self._name_rank()[nz], -counts[nz]))]
        if limit is not None:
            order = order[:limit]
        values = self.values
        return tuple(FacetCount(values[i], n)
                     for i, n in zip(order.tolist(), counts[order].tolist(), strict=True))


class FacetTable:
    """All keyword fields of one reader, assembled from per-segment arrays.

    Whoosh segments never change once written, so each segment's arrays are built
    once (and kept on disk); a later generation extends the combined fields with its
    new segments only. Deletions are applied through the ``live`` mask.
    """

    def __init__(
        self,
        reader: IndexReader,
        fields: tuple[str, ...],
        disk: Path | None = None,
        read_only: bool = False,
        previous: FacetTable | None = None,
    ) -> None:
        """``disk``: the index folder, where each segment's arrays are kept between runs;
        ``read_only``: they are loaded from there but neither saved nor pruned;
        ``previous``: the last generation's table, whose combined fields are extended
        where its first segments are still in place. The segments' own arrays are not
        kept once combined (≈50 MB at 200k documents): a later generation reads only
        its new segments' arrays, from disk."""
        self.ndocs = reader.doc_count_all()
        self.live = np.ones(self.ndocs, dtype=bool)
        leaves = reader.leaf_readers()
        for leaf, offset in leaves:
            if leaf.has_deletions():
                # The segment's own deletion set; the public reader API has only
                # a per-document is_deleted().
                dead = np.fromiter(leaf.segment().deleted_docs(), dtype=np.int64)
                self.live[dead + offset] = False
        self.layout = segment_layout(leaves)
        same = previous is not None and tuple(previous.fields) == fields
        kept, end = kept_prefix(previous.layout if same and previous else (), self.layout)
        parts: dict[str, list[tuple[FieldPostings, int]]] = {name: [] for name in fields}
        for leaf, offset in leaves[kept:]:
            if leaf.segment() is None:
                # An empty index's reader has no segment: every search of a new,
                # still empty library crashed here (reliability tests).
                for name in fields:
                    parts[name].append((_build(leaf, name), offset))
                continue
            built = segment_postings(leaf, fields, disk, keep=not read_only)
            for name in fields:
                parts[name].append((built[name], offset))
        if kept and previous is not None:
            self.fields = {name: _extend(previous.fields[name], end, parts[name])
                           for name in fields}  # fmt: skip
        else:
            self.fields = {name: _combine(parts[name]) for name in fields}
        segment_arrays.prune(None if read_only else disk,
                             {seg for seg, _, _ in self.layout if seg})  # fmt: skip

    def field(self, name: str) -> FieldPostings:
        return self.fields[name]

    def filter_mask(self, field: str, values: set[str]) -> np.ndarray:
        return self.fields[field].mask_for(values, self.ndocs)


Layout = tuple[tuple[str, int, int], ...]  # (segment id or "", first docnum, documents)


def segment_layout(leaves: list[tuple[IndexReader, int]]) -> Layout:
    return tuple((leaf.segment().segment_id() if leaf.segment() is not None else "", offset,
                  leaf.doc_count_all()) for leaf, offset in leaves)  # fmt: skip


def kept_prefix(previous: Layout, layout: Layout) -> tuple[int, int]:
    """How many leading segments are where they were in ``previous``, and the docnum
    they end at: a table made for ``previous`` is extended past there."""
    n = 0
    for a, b in zip(previous, layout, strict=False):
        if a != b or not a[0]:
            break
        n += 1
    return n, (layout[n - 1][1] + layout[n - 1][2]) if n else 0


def _extend(old: FieldPostings, end: int, parts: list[tuple[FieldPostings, int]]
            ) -> FieldPostings:  # fmt: skip
    """``old``'s postings below docnum ``end`` plus ``parts``: after a commit that adds
    a segment (and merges a few small ones), combining all ≈280 segments of a 200k
    library anew took 160 ms of the first search, a changed file's wait."""
    if len(old.doc) and int(old.doc.max()) >= end:
        below = old.doc < end
        doc, val = old.doc[below], old.val[below]
    else:
        doc, val = old.doc, old.val
    if not parts:
        return old if len(doc) == len(old.doc) else FieldPostings(old.values, doc, val, old.lower)
    values = list(old.values)
    index = {v: i for i, v in enumerate(values)}
    lower = dict(old.lower)
    docs, vals = _joined(parts, values, index, lower)
    # Sorted by value but for the new tail: the stable sort (a merge of two runs for
    # numpy's timsort) regroups it in linear time.
    return FieldPostings(tuple(values), np.concatenate([doc, *docs]),
                         np.concatenate([val, *vals]), lower)  # fmt: skip


def _joined(parts: list[tuple[FieldPostings, int]], values: list[str], index: dict[str, int],
            lower: dict[str, str]) -> tuple[list[np.ndarray], list[np.ndarray]]:  # fmt: skip
    """Each part's postings at its docnum offset, its values numbered in ``values`` (and
    ``index``, ``lower``), new ones appended."""
    docs, vals = [], []
    for part, offset in parts:
        remap = np.empty(len(part.values), dtype=np.int32)
        for i, v in enumerate(part.values):
            j = index.get(v)
            if j is None:
                j = index[v] = len(values)
                values.append(v)
                lower.setdefault(v.lower(), v)
            remap[i] = j
        docs.append((part.doc + offset).astype(np.int32))
        vals.append(remap[part.val] if len(part.val) else part.val.astype(np.int32))
    return docs, vals


def _combine(parts: list[tuple[FieldPostings, int]]) -> FieldPostings:
    if len(parts) == 1 and parts[0][1] == 0:
        return parts[0][0]
    values: list[str] = []
    lower: dict[str, str] = {}
    docs, vals = _joined(parts, values, {}, lower)
    doc = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int32)
    val = np.concatenate(vals) if vals else np.zeros(0, dtype=np.int32)
    return FieldPostings(tuple(values), doc, val, lower)


def segment_postings(
    leaf: IndexReader, fields: tuple[str, ...], disk: Path | None, *, keep: bool = True
) -> dict[str, FieldPostings]:
    """Every keyword field of one segment: from its saved arrays, or built and saved
    (unless not ``keep``: a read-only library).

    Saved as six arrays (all fields concatenated): loading hundreds of small arrays
    from one file cost more than the loading itself.
    """
    seg_id = leaf.segment().segment_id()
    saved = segment_arrays.load(disk, seg_id, "facets")
    if saved is not None and tuple(saved["fields"].tolist()) == fields:
        out = {}
        d = v = n = 0
        for name, ndoc, nval in zip(fields, saved["ndoc"].tolist(), saved["nval"].tolist(),
                                    strict=True):  # fmt: skip
            values = tuple(str(x) for x in saved["values"][n : n + nval].tolist())
            lower: dict[str, str] = {}
            for x in values:
                lower.setdefault(x.lower(), x)
            out[name] = FieldPostings(values, saved["doc"][d : d + ndoc],
                                      saved["val"][v : v + ndoc], lower)  # fmt: skip
            d, v, n = d + ndoc, v + ndoc, n + nval
        return out
    out = {name: _build(leaf, name) for name in fields}
    parts = list(out.values())
    segment_arrays.save(disk if keep else None, seg_id, "facets", {
        "fields": np.array(fields, dtype=str),
        "ndoc": np.array([len(p.doc) for p in parts], dtype=np.int64),
        "nval": np.array([len(p.values) for p in parts], dtype=np.int64),
        "doc": np.concatenate([p.doc.astype(np.int32) for p in parts]),
        "val": np.concatenate([p.val.astype(np.int32) for p in parts]),
        "values": np.array([x for p in parts for x in p.values], dtype=str),
    })  # fmt: skip
    return out


def _build(reader: IndexReader, name: str) -> FieldPostings:
    values: list[str] = []
    docs: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    if name in reader.indexed_field_names():
        for term in reader.lexicon(name):
            value = term.decode("utf-8") if isinstance(term, bytes) else str(term)
            if isinstance(reader, SegmentReader):
                # Block decoding; deleted documents stay in and are masked by ``live``.
                ids = read_ids(reader, name, term)
            else:
                ids = np.fromiter(reader.postings(name, term).all_ids(), dtype=np.int32)
            docs.append(ids)
            vals.append(np.full(len(ids), len(values), dtype=np.int32))
            values.append(value)
    doc = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int32)
    val = np.concatenate(vals) if vals else np.zeros(0, dtype=np.int32)
    lower: dict[str, str] = {}
    for v in values:
        lower.setdefault(v.lower(), v)
    return FieldPostings(tuple(values), doc, val, lower)


def others_selected(base: np.ndarray, masks: dict[str, np.ndarray], name: str,
                    fold: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """``base`` under every facet's selection but ``name``'s own (so its other values stay
    choosable), near-duplicates folded by ``fold`` if given."""
    m = base.copy()
    for other, om in masks.items():
        if other != name:
            m &= om
    return fold(m) if fold is not None else m
