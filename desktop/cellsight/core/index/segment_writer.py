"""A Whoosh segment writer that gathers postings per term instead of in a sorted pool.

Whoosh's ``SegmentWriter`` pushes every posting through a pool of tuples, sorts the
pool, and then feeds the postings one at a time to the codec, which re-checks and
re-buffers each one: about half of a bulk worker's time at ~300 postings per
document. Here ``add_document`` appends each posting to its term's arrays, and the
segment is written term by term in whole blocks. The files are the W3 codec's own,
with the same blocks, statistics and term table the stock writer produces (a test
compares both writers' segments posting by posting); readers cannot tell them apart.

Used where a new segment is written from nothing (bulk workers). Merges still go
through the stock writer, which reads old segments into its pool.
"""

from __future__ import annotations

import zlib
from array import array
from pickle import dumps
from typing import Any

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3FieldWriter, W3TermInfo
from whoosh.filedb.filetables import OrderedHashWriter, _lengths
from whoosh.system import _INT_SIZE, pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from .fast_analysis import SINGLE_POSITIONS, FastPositions, analyse, stoplist

BLOCK = 128  # postings per block: the W3 codec's default, which readers expect
COMPRESSION = 3  # the W3 codec's default zlib level for posting blocks
# Blocks whose pickle is shorter are stored as it is (level 0 in the block's head,
# which both readers honour): on 1000 bench files 25k of 40k blocks are this small,
# and zlib made them 21 KB larger in all, at ~5 µs a call.
COMPRESS_FROM = 64
# Whoosh pickles a block's ids, weights and values with protocol 2, which has no
# opcode for bytes: each position value becomes a latin-1 string and a call of
# _codecs.encode to turn it back. Protocol 4 stores bytes as bytes: blocks are half
# the size compressed, half the time to write and a third quicker to read. Readers
# take any protocol, so old and new segments mix. (2 writes exactly Whoosh's bytes.)
DATA_PROTOCOL = 4
MEMO_MAX = 20_000  # analysed values kept per non-text field


# One term's postings in document order: document numbers, weights, encoded values.
_Postings = tuple[list[int], list[float], list[bytes]]


class TermSegmentWriter(SegmentWriter):
    """``SegmentWriter`` for a fresh segment; ``_finalize_segment`` writes it."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        if not isinstance(self.fieldwriter, W3FieldWriter):
            raise TypeError("TermSegmentWriter writes the W3 codec only")
        for name, field in self.schema.items():
            if field.vector or field.separate_spelling():
                raise TypeError(f"field {name!r}: vectors and spelling are not supported")
        # Field → term → postings; terms are str (the text fields' words, encoded when
        # written: UTF-8 keeps their order) or bytes (every other field).
        self._terms: dict[str, dict[Any, _Postings]] = {}
        # Per field, each document's length: the blocks' and terms' length bounds.
        self._lengths: dict[str, array[int]] = {}
        self._stops: dict[str, frozenset[str] | None] = {}
        self._indexed: dict[str, dict[Any, tuple[Any, ...]]] = {}
        self._fieldnames: dict[frozenset[str], list[str]] = {}

    def add_document(self, **fields: Any) -> None:
        self._check_state()
        key = frozenset(fields)
        names = self._fieldnames.get(key)
        if names is None:
            if any(n.startswith("_") for n in fields):
                raise ValueError("boosts and custom stored values are not supported")
            self._check_fields(self.schema, fields)
            names = self._fieldnames[key] = sorted(fields)
        perdoc = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = self._index_field(name, field, value, docnum) if field.indexed else 0
                perdoc.add_field(name, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdoc.add_column_value(name, column, field.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _index_field(self, name: str, field: Any, value: Any, docnum: int) -> int:
        terms = self._terms.get(name)
        if terms is None:
            terms = self._terms[name] = {}
            self._lengths[name] = array("I")
        stops = self._stoplist(name, field)
        if stops is not None:
            length = self._index_words(terms, field, value, stops, docnum)
        else:
            # Keyword, date and id values repeat across documents (sources, years,
            # companies): their analysis is looked up, not redone.
            memo = self._indexed.setdefault(name, {})
            items = memo.get(value)
            if items is None:
                if len(memo) > MEMO_MAX:
                    memo.clear()
                items = memo[value] = tuple(field.index(value))
            length = _add_items(terms, items, docnum)
        if not field.scorable:
            length = 0
        lengths = self._lengths[name]
        while len(lengths) < docnum:
            lengths.append(0)
        lengths.append(length)
        return length

    @staticmethod
    def _index_words(terms: dict[Any, _Postings], field: Any, value: Any,
                     stops: frozenset[str], docnum: int) -> int:  # fmt: skip
        """A FastPositions field: ``fast_analysis.postings`` inlined, the hottest loop."""
        if not isinstance(value, str):
            return _add_items(terms, ((b.decode(), *rest) for b, *rest in field.index(value)),
                              docnum)  # fmt: skip
        fmt = field.format
        fb = fmt.field_boost
        encode = fmt.encode
        single = SINGLE_POSITIONS
        length = 0
        for word, poslist in analyse(value, stops).items():
            n = len(poslist)
            if n == 1:
                enc = single.get(poslist[0])
                if enc is None:
                    enc = single[poslist[0]] = encode(poslist)
            else:
                enc = encode(poslist)
            p = terms.get(word)
            if p is None:
                p = terms[word] = ([], [], [])
            p[0].append(docnum)
            p[1].append(n * fb)
            p[2].append(enc)
            length += n
        return length

    def _stoplist(self, name: str, field: Any) -> frozenset[str] | None:
        if name not in self._stops:
            fmt = field.format
            stops = None
            if isinstance(fmt, FastPositions):
                stops = stoplist(field.analyzer)
            self._stops[name] = stops
        return self._stops[name]

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fw = self.fieldwriter
        for name in sorted(self._terms):
            field = self.schema[name]
            fw.start_field(name, field)
            _write_field(fw, field, self._terms[name], self._lengths[name])
            fw.finish_field()
        fw.close()
        self._terms.clear()


def _add_items(terms: dict[Any, _Postings], items: Any, docnum: int) -> int:
    """Add one document's (term, frequency, weight, value) items; return its length."""
    length = 0
    for term, freq, weight, vbytes in items:
        p = terms.get(term)
        if p is None:
            p = terms[term] = ([], [], [])
        p[0].append(docnum)
        p[1].append(weight)
        p[2].append(vbytes)
        length += freq
    return length


def _write_field(fw: W3FieldWriter, field: Any, terms: dict[Any, _Postings],
                 lengths: array[int]) -> None:  # fmt: skip
    fixed = field.format.fixed_value_size()
    postfile = fw._postfile
    prefix = pack_ushort(fw._fieldid)
    # The offsets are counted here: a file's tell() is an lseek() each time (a
    # buffered file asks the raw one), twice a term for the postings (5 % of a
    # worker's time) and twice more in the term table's add (3 %).
    at = postfile.tell()
    table = _TermTable(fw._tindex)
    for term in sorted(terms):
        ids_list, weights_list, values = terms[term]
        btext = term.encode() if isinstance(term, str) else term
        info = W3TermInfo()
        start = at
        postfile.write(WHOOSH3_HEADER_MAGIC)
        at += len(WHOOSH3_HEADER_MAGIC)
        # Stored as the W3 writer's block buffers: 32-bit ids and float weights.
        ids, weights = array("I", ids_list), array("f", weights_list)
        total = len(ids)
        for lo in range(0, total, BLOCK):
            hi = min(lo + BLOCK, total)
            at += _write_block(postfile, info, ids[lo:hi], weights[lo:hi], values[lo:hi],
                               lengths, fixed, last=hi == total)  # fmt: skip
        info.set_extent(start, at - start)
        table.add(prefix + btext, info.to_bytes())
    table.close()


class _TermTable:
    """``OrderedHashWriter.add`` for one field's terms, with the file offset counted
    instead of asked for: the same bytes, hashes and key index."""

    def __init__(self, writer: OrderedHashWriter) -> None:
        self.writer = writer
        self.file = writer.dbfile
        self.at = self.file.tell()
        self.last = writer.lastkey
        self.positions = writer.index.append
        self.buckets = writer.buckets
        self.hash = writer.hashfn

    def add(self, key: bytes, value: bytes) -> None:
        if key <= self.last:
            raise ValueError(f"Keys must increase: {self.last!r}..{key!r}")
        at = self.at
        self.positions(at)
        self.file.write(_lengths.pack(len(key), len(value)))
        self.file.write(key)
        self.file.write(value)
        h = self.hash(key)
        self.buckets[h & 255].append((h, at))
        self.at = at + _lengths.size + len(key) + len(value)
        self.last = key

    def close(self) -> None:
        self.writer.lastkey = self.last


def _write_block(postfile: Any, info: W3TermInfo, ids: array[int], weights: array[float],
                 values: list[bytes], lengths: array[int], fixed: int | None,
                 *, last: bool) -> int:  # fmt: skip
    """Write one block; returns the bytes written."""
    lens = [n for n in (lengths[i] for i in ids) if n]
    minlength = min(lens) if lens else None
    maxlength = max(lens) if lens else 0
    maxweight = max(0, max(weights))
    # Block statistics, accumulated into the term's as the W3 writer does.
    info._weight += sum(weights)
    info._df += len(ids)
    if info._minlength is None:
        info._minlength = minlength
    elif minlength is not None:
        info._minlength = min(info._minlength, minlength)
    info._maxlength = max(info._maxlength, maxlength)
    info._maxweight = max(info._maxweight, maxweight)
    if info._minid is None:
        info._minid = ids[0]
    info._maxid = ids[-1]

    prev = 0
    deltas = []
    for i in ids:
        deltas.append(i - prev)
        prev = i
    first = weights[0]
    if first == 1.0 and weights.count(1.0) == len(weights):
        mini_weights: Any = None
    elif weights.count(first) == len(weights):
        mini_weights = first
    else:
        mini_weights = tuple(weights)
    kept = [v for v in values if v]  # the W3 writer drops empty values
    if fixed is None or fixed < 0:
        mini_values: Any = tuple(kept)
    elif fixed == 0:
        mini_values = None
    else:
        mini_values = b"".join(kept)
    data = dumps((tuple(deltas), mini_weights, mini_values), DATA_PROTOCOL)
    level = COMPRESSION if len(data) >= COMPRESS_FROM else 0
    if level:
        data = zlib.compress(data, level)
    head = dumps((len(ids), ids[-1], maxweight, level, length_to_byte(minlength),
                  length_to_byte(maxlength)), 2)  # fmt: skip
    size = len(head) + len(data)
    postfile.write_int(-size if last else size)
    postfile.write(head)
    postfile.write(data)
    return _INT_SIZE + size
