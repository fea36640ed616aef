"""Whole posting lists of one Whoosh segment as numpy arrays, cached while it lives.

Whoosh reads postings one at a time through Python matcher objects, which is what
makes its scoring slow. A segment never changes once written (deletions are kept
beside it), so a term's postings can be decoded a block at a time once and reused
by every later query and index generation. Deletions are not applied here; the
caller masks them with the reader's live-document array.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from pickle import loads
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.formats import Positions
from whoosh.reading import SegmentReader
from whoosh.util.numeric import byte_to_length

from ..index import segment_arrays
from ..index.fast_analysis import FastPositions
from .w3blocks import prefix_items, read_postings

# Whoosh stores each document's field length as one byte on a log scale.
_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)
_EMPTY_I = np.zeros(0, dtype=np.int32)
_EMPTY_F = np.zeros(0, dtype=np.float32)
MAX_EXPANSION = 100_000  # terms one prefix/wildcard/fuzzy node may expand to per segment


MAX_KEPT_WORDS = 20_000  # a prefix with more words per segment is read but not kept
FREQUENT_SHARE = 20  # a word in 1/20 of a segment's documents counts as common there
FREQUENT_MIN = 32


@dataclass(frozen=True)
class PrefixWords:
    """The words of one segment starting with some prefix, in term order, with their
    docnums end to end (``starts``: where each word's begin, one past the end last)."""

    texts: tuple[bytes, ...]
    docs: np.ndarray
    starts: np.ndarray

    @classmethod
    def of(cls, texts: list[bytes], parts: list[np.ndarray]) -> PrefixWords:
        sizes = np.fromiter(map(len, parts), np.int64, len(parts))
        starts = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        docs = np.concatenate(parts).astype(np.int32) if parts else _EMPTY_I
        return cls(tuple(texts), docs, starts)

    def union(self, prefix: bytes) -> tuple[np.ndarray, tuple[bytes, ...]]:
        """Docnums having any word that starts with ``prefix`` (at least as long as the
        prefix these words were read for), and those words."""
        a = bisect_left(self.texts, prefix)
        b = bisect_left(self.texts, True, lo=a, key=lambda t: not t.startswith(prefix))
        if a == b:
            return _EMPTY_I, ()
        return unique(self.docs[self.starts[a] : self.starts[b]]), self.texts[a:b]


class ArrayCache:
    """Least-recently-used arrays with a byte budget, keyed by segment and term."""

    def __init__(self, budget_bytes: int = 96 << 20, disk: Path | None = None,
                 read_only: bool = False) -> None:  # fmt: skip
        self.budget = budget_bytes
        self.disk = disk  # where per-segment columns are kept between runs
        self.read_only = read_only  # columns are loaded from ``disk`` but not saved there
        self.used = 0
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
            return item[0]
        value = build()
        size = _nbytes(value)
        self._items[key] = (value, size)
        self.used += size
        while self.used > self.budget and len(self._items) > 1:
            _, (_, old) = self._items.popitem(last=False)
            self.used -= old
        return value

    def peek(self, key: Hashable) -> Any:
        """The cached value, or None (nothing is built)."""
        item = self._items.get(key)
        if item is None:
            return None
        self._items.move_to_end(key)
        return item[0]

    def retain(self, segment_ids: set[str]) -> None:
        """Forget the arrays of segments that were merged away."""
        for key in [k for k in self._items if k[0] not in segment_ids]:  # type: ignore[index]
            self.used -= self._items.pop(key)[1]


def _nbytes(value: Any) -> int:
    if isinstance(value, PrefixWords):
        return (int(value.docs.nbytes + value.starts.nbytes) + 96
                + sum(len(t) + 41 for t in value.texts))  # fmt: skip
    if isinstance(value, np.ndarray):
        return int(value.nbytes) + 96
    if isinstance(value, tuple):
        return sum(_nbytes(v) for v in value) + 56
    return 64


def read_ids(leaf: SegmentReader, field: str, btext: bytes) -> np.ndarray:
    """All docnums of a term in one segment, deletions included, decoded by block."""
    return decode(leaf, field, btext, values=False)[0]


def decode(
    leaf: SegmentReader, field: str, btext: bytes, *, values: bool
) -> tuple[np.ndarray, np.ndarray, list[bytes]]:
    """A term's docnums, weights and (if asked) raw values in one segment.

    The raw matcher, without the reader's deletion filter: deletions change while the
    segment lives, so callers apply them with the live-document mask.
    """
    direct = read_postings(leaf, field, btext, values=values)
    if direct is not None:
        return direct
    if (field, btext) not in leaf:
        return _EMPTY_I, _EMPTY_F, []
    m = leaf._terms.matcher(field, btext, leaf.schema[field].format)
    ids: list[Any] = []
    weights: list[Any] = []
    vals: list[bytes] = []
    if hasattr(m, "_read_ids") and hasattr(m, "_next_block"):
        # Block-at-a-time decoding of the on-disk format (up to 128 postings each).
        while not m._atend:
            m._read_ids()
            m._read_weights()
            ids.append(np.asarray(m._ids, dtype=np.int32))
            weights.append(np.asarray(m._weights, dtype=np.float32))
            if values:
                m._read_values()
                vals.extend(m._values)
            m._next_block()
        return np.concatenate(ids), np.concatenate(weights), vals
    # Short lists are inlined in the term dictionary and come as a plain matcher.
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        if values:
            vals.append(m.value())
        m.next()
    return np.asarray(ids, np.int32), np.asarray(weights, np.float32), vals


def numeric_column(reader: Any, ndocs: int, dtype: Any) -> np.ndarray:
    """All values of a Whoosh numeric column in one read, not one ``reader[i]`` each
    (a second per 100,000 documents)."""
    typecode = getattr(reader, "_typecode", None)
    if (typecode is None or not hasattr(reader, "_dbfile") or getattr(reader, "_reverse", False)
            or np.dtype(typecode).itemsize != reader._fixedlen):  # fmt: skip
        return np.fromiter((reader[i] for i in range(ndocs)), dtype, ndocs)
    stored = min(reader._count, ndocs)  # the writer leaves off trailing defaults
    raw = reader._dbfile.get(reader._basepos, stored * reader._fixedlen)
    out = np.full(ndocs, reader._default, dtype=dtype)
    out[:stored] = np.frombuffer(raw, dtype=np.dtype(typecode).newbyteorder(">"))
    return out


class SegmentPostings:
    """Array views of one segment's postings, lengths and sort columns."""

    def __init__(self, leaf: SegmentReader, cache: ArrayCache) -> None:
        self.leaf = leaf
        self.cache = cache
        self.id = leaf.segment().segment_id()
        self.ndocs = leaf.doc_count_all()

    def has(self, field: str, btext: bytes) -> bool:
        return (field, btext) in self.leaf

    def weights(self, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """Local docnums (ascending) and term weights (frequency × field boost)."""
        return self.cache.get(  # type: ignore[no-any-return]
            (self.id, "w", field, btext), lambda: decode(self.leaf, field, btext, values=False)[:2]
        )

    def positions(self, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """One row per occurrence: (local docnum, token position)."""
        return self.cache.get(  # type: ignore[no-any-return]
            (self.id, "p", field, btext), lambda: self._positions(field, btext)
        )

    def lengths(self, field: str) -> np.ndarray:
        """Each document's token count in ``field`` (Whoosh's one-byte approximation)."""

        def build() -> np.ndarray:
            perdoc = self.leaf._perdoc
            reader = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
            if reader is None:
                return np.zeros(self.ndocs, dtype=np.float32)
            return _LENGTHS[numeric_column(reader, self.ndocs, np.uint8)]

        return self.cache.get((self.id, "len", field), build)  # type: ignore[no-any-return]

    def column(self, field: str, dtype: type = np.int64) -> np.ndarray:
        """A sortable column (e.g. the day number) as one array."""

        def build() -> np.ndarray:
            saved = segment_arrays.load(self.cache.disk, self.id, "columns")
            if saved is not None and field in saved and len(saved[field]) == self.ndocs:
                return saved[field].astype(dtype)
            if not self.leaf.has_column(field):
                return np.zeros(self.ndocs, dtype=dtype)
            reader = self.leaf.column_reader(field, translate=False)
            out = numeric_column(reader, self.ndocs, dtype)
            if not self.cache.read_only:
                segment_arrays.save(self.cache.disk, self.id, "columns", {field: out})
            return out

        return self.cache.get((self.id, "col", field), build)  # type: ignore[no-any-return]

    def expansion(
        self, key: tuple[object, ...], expand: Callable[[Any], Any], field: str,
        prefix: bytes | None = None,
    ) -> tuple[np.ndarray, tuple[bytes, ...]]:
        """Docnums matching any term ``expand(segment reader)`` yields, and the terms.

        ``prefix``: the terms are those starting with it, read with their term infos
        in one pass over the term table instead of a lookup each. Only the union is
        cached, not each expanded term's postings: "s*" would otherwise fill the cache
        with thousands of lists used once.
        """

        def build() -> tuple[np.ndarray, tuple[bytes, ...]]:
            if prefix is not None:
                words = self._prefix_words(field, prefix)
                if words is not None:
                    return words.union(prefix)
            texts, parts = self._read_words(field, (
                (t if isinstance(t, bytes) else str(t).encode("utf-8"), None)
                for t in expand(self.leaf)))  # fmt: skip
            ids = unique(np.concatenate(parts)) if parts else _EMPTY_I
            return ids, tuple(texts)

        return self.cache.get((self.id, "x", *key), build)  # type: ignore[no-any-return]

    def _prefix_words(self, field: str, prefix: bytes) -> PrefixWords | None:
        """The words starting with ``prefix`` and their docnums: sliced from a shorter
        prefix's (typing "lith" after "lit" reads nothing), else read and, unless there
        are too many, kept for the next keystroke. None: not a W3 segment."""
        for n in range(len(prefix), 0, -1):
            got = self.cache.peek((self.id, "pw", field, prefix[:n]))
            if got is not None:
                return got  # type: ignore[no-any-return]
        items = prefix_items(self.leaf, field, prefix)
        if items is None:
            return None
        texts, parts = self._read_words(field, items, keep_common=True)
        words = PrefixWords.of(texts, parts)
        if len(texts) <= MAX_KEPT_WORDS:
            self.cache.get((self.id, "pw", field, prefix), lambda: words)
        return words

    def _read_words(self, field: str, items: Iterable[tuple[bytes, Any]], *,
                    keep_common: bool = False) -> tuple[list[bytes], list[np.ndarray]]:  # fmt: skip
        """The words of ``items`` (word, term info or None) and each one's docnums, up
        to MAX_EXPANSION words. ``keep_common``: a common word is likely typed to its
        end ("lit" → lithium) and then asked for as a word, so its weights, decoded
        here anyway, are kept for that."""
        texts: list[bytes] = []
        parts: list[np.ndarray] = []
        frequent = max(FREQUENT_MIN, self.ndocs // FREQUENT_SHARE)
        for n, (t, info) in enumerate(items):
            if n >= MAX_EXPANSION:
                break
            texts.append(t)
            got = read_postings(self.leaf, field, t, values=False, info=info)
            parts.append(got[0] if got is not None else read_ids(self.leaf, field, t))
            if keep_common and got is not None and len(got[0]) >= frequent:
                self.cache.get((self.id, "w", field, t), lambda got=got: (got[0], got[1]))
        return texts, parts

    def _positions(self, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        ids, weights, vals = decode(self.leaf, field, btext, values=True)
        # The same blocks hold the weights: a phrase's terms need both.
        self.cache.get((self.id, "w", field, btext), lambda: (ids, weights))
        if not len(ids):
            return _EMPTY_I, _EMPTY_I
        fmt = self.leaf.schema[field].format
        if type(fmt) is FastPositions:
            flat = np.frombuffer(b"".join(vals), dtype="<u4").astype(np.int32)
            counts = np.fromiter(map(len, vals), np.int64, len(vals)) // 4
            return np.repeat(ids, counts), flat
        if type(fmt) is not Positions:
            return _grouped(ids, [fmt.decode_positions(v) for v in vals], gaps=False)
        # Whoosh's encoding: the gaps between positions, pickled after a 4-byte count,
        # unpickled in C and summed up with numpy. Equal values are common.
        seen: dict[bytes, list[int]] = {}
        per_doc = []
        for v in vals:
            gaps = seen.get(v)
            if gaps is None:
                gaps = seen[v] = loads(v[4:] if v.endswith(b".") else v[4:] + b".")
            per_doc.append(gaps)
        return _grouped(ids, per_doc, gaps=True)


def _grouped(ids: np.ndarray, per_doc: list[list[int]], *,
             gaps: bool) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(docnum, position) rows from each document's list of positions (or gaps)."""
    counts = np.fromiter(map(len, per_doc), np.int64, len(per_doc))
    flat = np.fromiter(chain.from_iterable(per_doc), np.int64, int(counts.sum()))
    if gaps and len(flat):
        total = np.cumsum(flat)
        starts = np.cumsum(counts) - counts  # every posting has at least one position
        before = np.where(starts > 0, total[np.maximum(starts - 1, 0)], 0)
        flat = total - np.repeat(before, counts)
    return np.repeat(ids, counts), flat.astype(np.int32)


def unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of a 1-D array, by sorting. numpy 2's hash-based unique took 18-49 ms
    for 200k int64 values where this takes 2-3 ms, and its first call imports numpy.ma
    (10 ms of a CLI search, issue 17)."""
    out = np.sort(values)
    if len(out) > 1:
        out = out[np.concatenate(([True], out[1:] != out[:-1]))]
    return out
