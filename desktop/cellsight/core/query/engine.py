"""Evaluates a parsed Whoosh query as whole-array operations over every document.

Whoosh's own searcher scores matches one at a time in Python, and facet counts need
every match anyway, so here each query node becomes a dense pair over the reader's
docnums: a boolean match mask and a float32 BM25F score. And/Or/Not are array
operations, phrases are checked on cached position arrays, and date ranges are
filters on the day-number column. A node type this module does not know falls back
to Whoosh's ``docs_for_query`` with a constant score, so it is slower, never wrong.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
from whoosh import query as wq
from whoosh.reading import IndexReader
from whoosh.searching import Searcher as WSearcher
from whoosh.util.times import long_to_datetime

from ..cjk import surface
from .postings import ArrayCache, SegmentPostings, unique

K1, B = 1.2, 0.75  # Whoosh's BM25F defaults, so rankings match what it would give
TEXT_FIELDS = ("title", "body")


@dataclass
class Matches:
    mask: np.ndarray  # bool[ndocs]
    score: np.ndarray  # float32[ndocs], 0 where not matched


@dataclass
class Context:
    """One reader's segments and statistics, rebuilt per index generation."""

    searcher: WSearcher
    cache: ArrayCache
    live: np.ndarray
    segments: list[tuple[SegmentPostings, int]] = field(default_factory=list)
    terms: set[str] = field(default_factory=set)  # positive title/body terms, for highlighting

    def __post_init__(self) -> None:
        reader = self.searcher.reader()
        self.ndocs = reader.doc_count_all()
        self.reader: IndexReader = reader
        for leaf, offset in reader.leaf_readers():
            if leaf.segment() is not None:
                self.segments.append((SegmentPostings(leaf, self.cache), offset))
        self._avg: dict[str, float] = {}
        self._lengths: dict[str, np.ndarray] = {}

    def empty(self) -> Matches:
        return Matches(np.zeros(self.ndocs, bool), np.zeros(self.ndocs, np.float32))

    def all(self, score: float = 1.0) -> Matches:
        return Matches(self.live.copy(), np.where(self.live, np.float32(score), np.float32(0)))

    def avg_length(self, fieldname: str) -> float:
        if fieldname not in self._avg:
            # As Whoosh's avg_field_length: field_length() still counts the tokens of
            # deleted documents, so it is divided by doc_count_all(), not doc_count();
            # dividing by live documents inflated the average once anything was deleted
            # and scores drifted from Whoosh's BM25F. An average of 0 falls back to 1.
            docs = max(1, self.reader.doc_count_all())
            self._avg[fieldname] = self.reader.field_length(fieldname) / docs or 1.0
        return self._avg[fieldname]

    def lengths(self, fieldname: str) -> np.ndarray:
        """Every document's length in ``fieldname``, by global docnum."""
        got = self._lengths.get(fieldname)
        if got is None:
            got = self._lengths[fieldname] = np.zeros(self.ndocs, np.float32)
            for seg, offset in self.segments:
                got[offset : offset + seg.ndocs] = seg.lengths(fieldname)
        return got

    def column(self, fieldname: str) -> np.ndarray:
        out = np.zeros(self.ndocs, dtype=np.int64)
        for seg, offset in self.segments:
            out[offset : offset + seg.ndocs] = seg.column(fieldname)
        return out


def evaluate(ctx: Context, q: wq.Query) -> Matches:
    m = _eval(ctx, q)
    m.mask &= ctx.live
    m.score[~m.mask] = 0
    return m


def _eval(ctx: Context, q: wq.Query) -> Matches:
    if isinstance(q, wq.Term):
        return _term(ctx, q.fieldname, q.text, q.boost)
    if isinstance(q, wq.Phrase) and q.slop == 1:
        return _phrase(ctx, q)
    if isinstance(q, wq.NumericRange) and q.fieldname == "date":
        return _date_range(ctx, q)
    if isinstance(q, wq.Every):
        return ctx.all(q.boost)
    if type(q).__name__ == "_NullQuery":
        return ctx.empty()
    if isinstance(q, wq.Not):
        seen = set(ctx.terms)
        inner = _eval(ctx, q.query)
        ctx.terms = seen  # excluded words are not what the reader should light up
        return Matches(ctx.live & ~inner.mask, np.zeros(ctx.ndocs, np.float32))
    if isinstance(q, (wq.Prefix, wq.Wildcard, wq.FuzzyTerm, wq.Variations)):
        return _expanded(ctx, q)
    if isinstance(q, wq.And):
        parts = [_eval(ctx, s) for s in q.subqueries]
        return _combine(ctx, parts, all_needed=True, boost=q.boost)
    if isinstance(q, wq.DisjunctionMax):
        parts = [_eval(ctx, s) for s in q.subqueries]
        mask = np.logical_or.reduce([p.mask for p in parts])
        return Matches(mask, np.maximum.reduce([p.score for p in parts]) * q.boost)
    if isinstance(q, wq.Or) and not q.minmatch:
        parts = [_eval(ctx, s) for s in q.subqueries]
        return _combine(ctx, parts, all_needed=False, boost=q.boost)
    if isinstance(q, wq.AndNot):
        a, b = _eval(ctx, q.a), _eval(ctx, q.b)
        a.mask &= ~b.mask
        return a
    if isinstance(q, wq.AndMaybe):
        a, b = _eval(ctx, q.a), _eval(ctx, q.b)
        return Matches(a.mask, a.score + np.where(a.mask, b.score, 0))
    if isinstance(q, wq.Require):
        a, b = _eval(ctx, q.a), _eval(ctx, q.b)
        return Matches(a.mask & b.mask, a.score)
    if isinstance(q, wq.ConstantScoreQuery):
        inner = _eval(ctx, q.child)
        return Matches(inner.mask, np.where(inner.mask, np.float32(q.score), 0))
    return _fallback(ctx, q)


def _combine(ctx: Context, parts: list[Matches], *, all_needed: bool, boost: float) -> Matches:
    if not parts:
        return ctx.empty()
    reduce = np.logical_and.reduce if all_needed else np.logical_or.reduce
    mask = reduce([p.mask for p in parts])
    score = np.add.reduce([p.score for p in parts])
    if boost != 1:
        score *= boost
    return Matches(mask, score)


def _btext(ctx: Context, fieldname: str, text: object) -> bytes | None:
    if fieldname not in ctx.reader.schema:
        return None
    if isinstance(text, bytes):
        return text
    try:
        return ctx.reader.schema[fieldname].to_bytes(text)  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - a value the field cannot hold matches nothing
        return None


def _term(ctx: Context, fieldname: str, text: object, boost: float) -> Matches:
    out = ctx.empty()
    btext = _btext(ctx, fieldname, text)
    if btext is None:
        return out
    if fieldname in TEXT_FIELDS:
        ctx.terms.add(btext.decode("utf-8", "replace"))
    scorable = ctx.reader.schema[fieldname].scorable
    lists = [(seg, offset, *seg.weights(fieldname, btext)) for seg, offset in ctx.segments]
    # Whoosh's doc_frequency is the segments' posting counts (deleted documents too):
    # the lists are at hand, where asking the reader looks the term up in each segment.
    df = sum(len(ids) for _, _, ids, _ in lists)
    idf = math.log(max(ctx.ndocs, 1) / (df + 1)) + 1.0
    avg = ctx.avg_length(fieldname) if scorable else 1.0
    found = [(offset, ids, weights) for _, offset, ids, weights in lists if len(ids)]
    if not found:
        return out
    # One set of array operations for all segments, not one per segment.
    g = np.concatenate([ids + offset for offset, ids, _ in found])
    out.mask[g] = True
    if scorable:
        weights = np.concatenate([w for _, _, w in found])
        dl = ctx.lengths(fieldname)[g]
        s = idf * weights * (K1 + 1) / (weights + K1 * (1 - B + B * dl / avg))
        out.score[g] = s * boost
    else:
        out.score[g] = boost
    return out


def _phrase(ctx: Context, q: wq.Phrase) -> Matches:
    words = [_btext(ctx, q.fieldname, w) for w in q.words]
    if not words or any(w is None for w in words):
        return ctx.empty()
    found = None
    if len(words) > 1:
        # First, as it decodes the words' blocks once for positions and weights both.
        found = np.zeros(ctx.ndocs, bool)
        key = (q.fieldname, *words)
        for seg, offset in ctx.segments:
            # A segment never changes: its documents holding the phrase are kept.
            docs = seg.cache.get((seg.id, "phrase", *key),
                                 lambda seg=seg: _phrase_docs(seg, q.fieldname, words))  # type: ignore[arg-type] # fmt: skip
            found[docs + offset] = True
    shown = set(ctx.terms)
    terms = [_term(ctx, q.fieldname, w, q.boost) for w in words]
    word = surface([w.decode("utf-8", "replace") for w in words if w is not None])
    if word is not None:  # a CJK word lights up as the word, not as its bigrams
        ctx.terms = shown | {word}
    both = _combine(ctx, terms, all_needed=True, boost=1.0)
    if found is not None:
        both.mask &= found
        both.score[~both.mask] = 0
    return both


def _phrase_docs(seg: SegmentPostings, field: str, words: list[bytes]) -> np.ndarray:
    """Local docnums of one segment where ``words`` occur one after the other."""
    # Keys (doc, position - i) of the i-th word must all coincide with the first's.
    keys = None
    for i, w in enumerate(words):
        docs, pos = seg.positions(field, w)
        k = (docs.astype(np.int64) << 32) + (pos.astype(np.int64) - i)
        keys = k if keys is None else keys[_contains(k, keys)]
        if not len(keys):
            break
    if keys is None or not len(keys):
        return np.zeros(0, np.int64)
    return unique(keys >> 32)


def _contains(sorted_keys: np.ndarray, probe: np.ndarray) -> np.ndarray:
    """``np.isin(probe, sorted_keys)`` for an ascending ``sorted_keys`` (postings come
    doc by doc, positions ascending), by binary search instead of sorting both."""
    if not len(sorted_keys):
        return np.zeros(len(probe), dtype=bool)
    at = np.searchsorted(sorted_keys, probe)
    at[at == len(sorted_keys)] = 0
    return sorted_keys[at] == probe


def _date_range(ctx: Context, q: wq.NumericRange) -> Matches:
    """A date range as a filter on the day-number column: as a scored query it expands
    to one term per indexed date in the range."""
    days = ctx.column("daynum")
    start = long_to_datetime(q.start) if q.start is not None else None
    end = long_to_datetime(q.end) if q.end is not None else None
    lo, hi = _day_bounds(start, end, q.startexcl, q.endexcl)
    mask = (days > 0) & ctx.live
    if lo is not None:
        mask &= days >= lo
    if hi is not None:
        mask &= days <= hi
    return Matches(mask, np.where(mask, np.float32(q.boost), np.float32(0)))


def _day_bounds(
    start: dt.datetime | None, end: dt.datetime | None, sx: bool, ex: bool
) -> tuple[int | None, int | None]:
    """Day numbers of the first and last midnight inside the range (documents are dated
    at midnight)."""
    lo = hi = None
    if start is not None:
        day = start.date()
        first = dt.datetime.combine(day, dt.time())
        lo = day.toordinal() + (1 if first < start or (sx and first == start) else 0)
    if end is not None:
        day = end.date()
        hi = day.toordinal() - (1 if ex and dt.datetime.combine(day, dt.time()) == end else 0)
    return lo, hi


def _expanded(ctx: Context, q: wq.MultiTerm) -> Matches:
    out = ctx.empty()
    key = (type(q).__name__, q.fieldname, q.text, getattr(q, "maxdist", 0),
           getattr(q, "prefixlength", 0))  # fmt: skip
    shown: set[bytes] = set()
    prefix = None
    if type(q) is wq.Prefix:
        prefix = q.text.encode("utf-8") if isinstance(q.text, str) else q.text
    for seg, offset in ctx.segments:
        # Expanded per segment and cached with it: a typed prefix repeats often and
        # the segment's lexicon never changes.
        ids, texts = seg.expansion(key, q._btexts, q.fieldname, prefix=prefix)
        out.mask[ids + offset] = True
        if len(shown) <= 64:
            shown.update(texts[:65])
    if q.fieldname in TEXT_FIELDS:
        if isinstance(q, wq.Prefix):
            ctx.terms.add(f"{q.text}*")  # highlight.term_spans reads this as a prefix
        elif len(shown) <= 64:
            ctx.terms.update(t.decode("utf-8", "replace") for t in shown)
    # Whoosh scores expansions as one constant, so no single expanded word outranks.
    out.score[out.mask] = q.boost
    return out


def _fallback(ctx: Context, q: wq.Query) -> Matches:
    out = ctx.empty()
    ids = np.fromiter(ctx.searcher.docs_for_query(q), dtype=np.int64)
    out.mask[ids] = True
    out.score[ids] = q.boost
    for t in q.iter_all_terms() if hasattr(q, "iter_all_terms") else ():
        if t[0] in TEXT_FIELDS:
            ctx.terms.add(t[1].decode("utf-8", "replace") if isinstance(t[1], bytes) else t[1])
    return out


def top(scores: np.ndarray, mask: np.ndarray, n: int, days: np.ndarray | None) -> np.ndarray:
    """Docnums of the best ``n`` matches: by score, or newest first when ``days`` given."""
    idx = np.flatnonzero(mask)
    if not len(idx) or n <= 0:
        return idx[:0]
    if days is None:
        key = -scores[idx].astype(np.float64)
        second = idx
    else:
        key = -days[idx].astype(np.float64)
        second = -scores[idx]
    if len(idx) > n:
        # Partial selection first: sorting every match of a broad query is the slow part.
        keep = np.argpartition(key, n - 1)[:n]
        cutoff = key[keep].max()
        keep = np.flatnonzero(key <= cutoff)
        idx, key, second = idx[keep], key[keep], second[keep]
    order = np.lexsort((idx, second, key))
    return idx[order][:n]
