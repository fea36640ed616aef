"""Figures per document as value columns: range filters, range facets, largest first.

The index keeps each document's figures as ``figures`` keyword terms,
``capacity_gwh=100.0`` (``index.schema``). Per segment they become two parallel
arrays (docnum, value) per column, kept on disk beside the facet arrays (a segment
never changes); per index generation the segments are joined and sorted by value,
so a range is two binary searches and a scatter into a mask, and a facet bucket
count is one gather and a segmented sum over (document, bucket) pairs, as the
keyword facets do. An index from before the field has no columns: every range
matches nothing and no range facet is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from whoosh.reading import IndexReader

from ..enrich import units
from ..index import segment_arrays
from ..model import FacetCount
from .facets import kept_prefix, others_selected, segment_layout
from .numeric_syntax import NumericClauses, Range, facet_name, is_numeric_field, parse_value
from .postings import read_ids, unique

FIELD = "figures"  # the index field (index.schema)


@dataclass
class Column:
    """One column's figures over a reader: ``doc``/``val`` sorted by value."""

    doc: np.ndarray  # int32 docnums
    val: np.ndarray  # float64 values, ascending
    _buckets: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def docs_in(self, rng: Range) -> np.ndarray:
        lo = 0 if rng.lo is None else int(np.searchsorted(
            self.val, rng.lo, "left" if rng.lo_incl else "right"))  # fmt: skip
        hi = len(self.val) if rng.hi is None else int(np.searchsorted(
            self.val, rng.hi, "right" if rng.hi_incl else "left"))  # fmt: skip
        return self.doc[lo:hi] if hi > lo else self.doc[:0]

    def pairs(self, edges: tuple[float, ...]) -> np.ndarray:
        """(bucket << 32 | docnum), sorted and unique: each document once per bucket."""
        got = self.__dict__.get("_pairs")
        if got is None or got[0] != edges:
            got = (edges, unique(_pairs(self.doc, self.val, edges)))
            self.__dict__["_pairs"] = got
        return got[1]

    def extended(self, end: int, doc: np.ndarray, val: np.ndarray,
                 edges: tuple[float, ...]) -> Column:  # fmt: skip
        """This column's figures below docnum ``end`` plus (``doc``, ``val``): sorted
        but for the new tail, so the stable sorts merge two runs (timsort) instead of
        sorting every figure of the library again after each commit."""
        below = self.doc < end
        all_doc = np.concatenate([self.doc[below], doc.astype(np.int32)])
        all_val = np.concatenate([self.val[below], val])
        order = np.argsort(all_val, kind="stable")
        out = Column(all_doc[order], all_val[order])
        old = self.__dict__.get("_pairs")
        if old is not None and old[0] == edges:
            kept = old[1][(old[1] & 0xFFFFFFFF) < end]
            merged = np.sort(np.concatenate([kept, _pairs(doc, val, edges)]), kind="stable")
            if len(merged) > 1:
                merged = merged[np.concatenate(([True], merged[1:] != merged[:-1]))]
            out.__dict__["_pairs"] = (edges, merged)
        return out

    def buckets(self, edges: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(docs grouped by bucket, each bucket's start, empty buckets), each document
        once per bucket however many of its figures fall there."""
        if self._buckets is None:
            nb = len(edges) + 1
            pairs = self.pairs(edges)
            bucket = pairs >> 32
            docs = (pairs & 0xFFFFFFFF).astype(np.int32)
            starts = np.searchsorted(bucket, np.arange(nb))
            ends = np.append(starts[1:], len(bucket))
            # One zero past the end (count): reduceat needs every start inside the array.
            self._buckets = (docs, starts, ends == starts)
        return self._buckets


def _pairs(doc: np.ndarray, val: np.ndarray, edges: tuple[float, ...]) -> np.ndarray:
    b = np.searchsorted(np.asarray(edges, dtype=np.float64), val, "right")
    return b.astype(np.int64) * (1 << 32) + doc.astype(np.int64)


class NumericTable:
    """Every figure column of one reader, from per-segment arrays."""

    def __init__(self, reader: IndexReader, disk: Path | None = None, read_only: bool = False,
                 previous: NumericTable | None = None) -> None:  # fmt: skip
        """``previous``: the last table made, extended where its first segments are
        still in place; the segments' own columns are read from disk for the rest and
        not kept once combined (see FacetTable)."""
        self.ndocs = reader.doc_count_all()
        leaves = reader.leaf_readers()
        self.layout = segment_layout(leaves)
        kept, end = kept_prefix(previous.layout if previous is not None else (), self.layout)
        parts: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
        for leaf, offset in leaves[kept:]:
            if leaf.segment() is None or FIELD not in leaf.indexed_field_names():
                continue  # an empty index, or one from before figures were indexed
            for name, (doc, val) in segment_figures(leaf, disk, keep=not read_only).items():
                parts.setdefault(name, []).append((doc + offset, val))
        self.columns: dict[str, Column] = {}
        if kept and previous is not None:
            for name in sorted({*previous.columns, *parts}):
                pieces = parts.get(name, [])
                doc = np.concatenate([d for d, _ in pieces]) if pieces else np.zeros(0, np.int32)
                val = np.concatenate([v for _, v in pieces]) if pieces else np.zeros(0)
                old = previous.columns.get(name) or Column(np.zeros(0, np.int32), np.zeros(0))
                self.columns[name] = old.extended(end, doc, val, units.edges(name))
            return
        for name, pieces in sorted(parts.items()):
            doc = np.concatenate([d for d, _ in pieces]).astype(np.int32)
            val = np.concatenate([v for _, v in pieces])
            order = np.argsort(val, kind="stable")
            self.columns[name] = Column(doc[order], val[order])

    def mask(self, rng: Range) -> np.ndarray:
        out = np.zeros(self.ndocs, dtype=bool)
        col = self.columns.get(rng.column)
        if col is not None:
            out[col.docs_in(rng)] = True
        return out

    def largest(self, rng: Range) -> np.ndarray:
        """Per document its largest figure in ``rng`` (-inf: none), for sorting."""
        out = np.full(self.ndocs, -np.inf)
        col = self.columns.get(rng.column)
        if col is not None:
            lo = 0 if rng.lo is None else int(np.searchsorted(col.val, rng.lo))
            hi = len(col.val) if rng.hi is None else int(np.searchsorted(col.val, rng.hi,
                                                                         "right"))  # fmt: skip
            rng_docs, rng_vals = col.doc[lo:hi], col.val[lo:hi]
            keep = _inside(rng, rng_vals)
            rng_docs, rng_vals = rng_docs[keep], rng_vals[keep]
            # Values ascend: a document's last occurrence is its largest.
            rev_docs = rng_docs[::-1]
            uniq, first = np.unique(rev_docs, return_index=True)
            out[uniq] = rng_vals[::-1][first]
        return out

    def facet_names(self) -> dict[str, str]:
        """Facet name → column, for the columns this reader holds."""
        return {facet_name(c): c for c in self.columns}

    def count(self, column: str, mask: np.ndarray) -> tuple[FacetCount, ...]:
        """A column's buckets, lowest first, those with no matching document left out."""
        col = self.columns.get(column)
        if col is None or not len(col.doc):
            return ()
        docs, starts, empty = col.buckets(units.edges(column))
        picked = np.append(np.take(mask.view(np.uint8), docs), np.uint8(0))
        counts = np.add.reduceat(picked, starts, dtype=np.int32)[: len(starts)]
        counts[empty] = 0
        labels = units.bucket_labels(column)
        return tuple(FacetCount(labels[i], int(n)) for i, n in enumerate(counts.tolist()) if n)


class Figures:
    """What the searcher asks of the figures for one request (kept small there)."""

    def __init__(self, table: NumericTable) -> None:
        self.table = table

    def narrow(self, base: np.ndarray, clauses: NumericClauses,
               excludes: tuple[tuple[str, str], ...]) -> np.ndarray:  # fmt: skip
        """``base`` with the query's range clauses and the request's excluded buckets."""
        for rng in clauses.filters:
            base &= self.table.mask(rng)
        for rng in clauses.excludes:
            base &= ~self.table.mask(rng)
        for name, value in excludes:
            if is_numeric_field(name):
                base &= ~self.table.mask(parse_value(name, value))
        return base

    def filter_masks(self, filters: tuple[tuple[str, str], ...]) -> dict[str, np.ndarray]:
        """A mask per figure facet ticked in ``filters`` (OR within one facet)."""
        out: dict[str, np.ndarray] = {}
        for name, value in filters:
            if is_numeric_field(name):
                rng = parse_value(name, value)
                key = facet_name(rng.column)
                m = self.table.mask(rng)
                out[key] = out[key] | m if key in out else m
        return out

    def facets(self, base: np.ndarray, masks: dict[str, np.ndarray],
               fold: Callable[[np.ndarray], np.ndarray] | None = None,
               ) -> dict[str, tuple[FacetCount, ...]]:  # fmt: skip
        """Each column's buckets over ``base`` and every other facet's selection."""
        out: dict[str, tuple[FacetCount, ...]] = {}
        for name, column in self.table.facet_names().items():
            m = others_selected(base, masks, name, fold)
            counts = self.table.count(column, m)
            if counts:
                out[name] = counts
        return out

    def rank(self, sort: str, clauses: NumericClauses) -> np.ndarray | None:
        """For ``sort`` naming a figure field ("capacity", "money_usd"): each document's
        largest figure there, within the query's ranges on it; else None."""
        if not is_numeric_field(sort):
            return None
        column = parse_value(sort, "*").column if "_" not in sort else sort.lower()
        within = [r for r in clauses.filters if r.column == column]
        lo = max((r.lo for r in within if r.lo is not None), default=None)
        hi = min((r.hi for r in within if r.hi is not None), default=None)
        return self.table.largest(Range(column, lo, hi))


def _inside(rng: Range, vals: np.ndarray) -> np.ndarray:
    keep = np.ones(len(vals), dtype=bool)
    if rng.lo is not None:
        keep &= vals > rng.lo if not rng.lo_incl else vals >= rng.lo
    if rng.hi is not None:
        keep &= vals < rng.hi if not rng.hi_incl else vals <= rng.hi
    return keep


def segment_figures(leaf: IndexReader, disk: Path | None, *, keep: bool = True
                    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:  # fmt: skip
    """One segment's columns: from its saved arrays, or read from its terms and saved."""
    seg_id = leaf.segment().segment_id()
    saved = segment_arrays.load(disk, seg_id, FIELD)
    if saved is None:
        cols: list[str] = []
        vals: list[float] = []
        counts: list[int] = []
        docs: list[np.ndarray] = []
        for term in leaf.lexicon(FIELD):
            name, _, value = term.decode("utf-8").partition("=")
            try:
                number = float(value)
            except ValueError:
                continue
            ids = read_ids(leaf, FIELD, term)
            cols.append(name)
            vals.append(number)
            counts.append(len(ids))
            docs.append(np.asarray(ids, dtype=np.int32))
        saved = {"cols": np.array(cols, dtype=str), "vals": np.array(vals, dtype=np.float64),
                 "counts": np.array(counts, dtype=np.int64),
                 "doc": np.concatenate(docs) if docs else np.zeros(0, np.int32)}  # fmt: skip
        segment_arrays.save(disk if keep else None, seg_id, FIELD, saved)
    names, codes = np.unique(saved["cols"], return_inverse=True)
    per_doc = np.repeat(codes, saved["counts"])
    values = np.repeat(saved["vals"], saved["counts"])
    doc = saved["doc"].astype(np.int32)
    return {str(name): (doc[per_doc == i], values[per_doc == i])
            for i, name in enumerate(names.tolist())}
