"""A term's whole posting list read straight from a W3 postings file.

Whoosh reads postings through a matcher object that seeks and reads each block's
length, header and data separately through several layers of file wrappers: about
0.4 ms for a one-block list, most of a cold query's time when a prefix expands to
thousands of rare words. Here the list's bytes come in one read (its extent is in
the term info) and each block is one header unpickle, one decompress and one
unpickle. Terms in one or two documents need no read at all: the term info holds
their first and last document. The format is the one ``index.segment_writer``
writes (and Whoosh's own writer, byte for byte).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from io import BytesIO
from pickle import load, loads
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import W3TermInfo, W3TermsReader
from whoosh.reading import SegmentReader, TermNotFound

_MAGIC = 4  # b"W3Bl" before the first block
_EMPTY_I = np.zeros(0, dtype=np.int32)
_EMPTY_F = np.zeros(0, dtype=np.float32)

Postings = tuple[np.ndarray, np.ndarray, list[Any]]


def prefix_items(leaf: SegmentReader, field: str,
                 prefix: bytes) -> Iterator[tuple[bytes, W3TermInfo]] | None:  # fmt: skip
    """The terms of ``field`` starting with ``prefix`` and their term infos, from one
    ordered pass over the term table; None when the segment is not in W3 format."""
    terms = getattr(leaf, "_terms", None)
    if type(terms) is not W3TermsReader:
        return None
    return _prefix_items(terms, field, prefix)


def _prefix_items(terms: W3TermsReader, field: str,
                  prefix: bytes) -> Iterator[tuple[bytes, W3TermInfo]]:  # fmt: skip
    for (fname, btext), info in terms.items_from(field, prefix):
        if fname != field or not btext.startswith(prefix):
            return
        yield btext, info


def read_postings(leaf: SegmentReader, field: str, btext: bytes, *, values: bool,
                  info: W3TermInfo | None = None) -> Postings | None:  # fmt: skip
    """Docnums, weights and (if asked) raw values; None when this segment is not
    stored in the W3 format (the caller then uses Whoosh's matcher). ``info``: the
    term's info when the caller has it already."""
    terms = getattr(leaf, "_terms", None)
    if type(terms) is not W3TermsReader:
        return None
    if info is None:
        try:
            info = terms.term_info(field, btext)
        except TermNotFound:
            return _EMPTY_I, _EMPTY_F, []
    if info.is_inlined():
        return None
    df = info.doc_frequency()
    if not values and df <= 2 and info.max_weight() == 1.0 and info.weight() == df:
        # Both weights are 1.0 (they sum to df and none exceeds 1), and the ids are the
        # first and last: nothing to read.
        ids = [info.min_id()] if df == 1 else [info.min_id(), info.max_id()]
        return np.asarray(ids, np.int32), np.ones(df, np.float32), []
    offset, length = info.extent()
    if isinstance(length, tuple):  # whoosh-reloaded 2.7.5 reads it back as a 1-tuple
        length = length[0]
    raw = terms._postfile.get(offset, length)
    return _blocks(raw, leaf.schema[field].format.fixed_value_size(), values)


def _blocks(raw: bytes, fixed: int | None, values: bool) -> Postings:
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    vals: list[Any] = []
    buf = BytesIO(raw)
    pos = _MAGIC
    while True:
        size = int.from_bytes(raw[pos : pos + 4], "big", signed=True)
        end = pos + 4 + abs(size)
        buf.seek(pos + 4)
        count, _last, _maxw, compressed, _mnl, _mxl = load(buf)
        data = raw[buf.tell() : end]
        gaps, w, v = loads(zlib.decompress(data) if compressed else data)
        ids.append(np.cumsum(np.asarray(gaps, np.int64)).astype(np.int32))
        if w is None:
            weights.append(np.ones(count, np.float32))
        elif isinstance(w, float):
            weights.append(np.full(count, w, np.float32))
        else:
            weights.append(np.asarray(w, np.float32))
        if values:
            if fixed is None or fixed < 0:
                vals.extend(v)
            elif fixed == 0:
                vals.extend([None] * count)
            else:
                vals.extend(v[i : i + fixed] for i in range(0, len(v), fixed))
        if size < 0:
            break
        pos = end
    if len(ids) == 1:
        return ids[0], weights[0], vals
    return np.concatenate(ids), np.concatenate(weights), vals
