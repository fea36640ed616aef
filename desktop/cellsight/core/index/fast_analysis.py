"""Indexing-time analysis of text fields in one loop instead of a generator chain.

Whoosh analyses a field through tokenizer → lowercase → stop → stem generators with
a Token object per word, which is a third of a document's indexing time. This format
produces exactly the same terms, positions and weights as ``StemmingAnalyzer`` (a test
compares them) with one regex pass and a memo of stems. Queries are still analysed by
Whoosh's analyzer, so both sides keep agreeing.
"""

from __future__ import annotations

import re
import sys
from array import array
from collections.abc import Iterator
from typing import Any

from whoosh.analysis.tokenizers import default_pattern
from whoosh.formats import Positions
from whoosh.lang.porter import stem

# Whoosh's default token pattern, without its capturing group so findall returns words.
_TOKENS = re.compile(default_pattern.pattern.replace("(\\.", "(?:\\."), re.UNICODE)
_BIG_ENDIAN = sys.byteorder == "big"
_STEMS: dict[str, str] = {}
_STEMS_MAX = 200_000
# The encoding of a single position, by position: most words occur once in a document.
SINGLE_POSITIONS: dict[int, bytes] = {}


class FastPositions(Positions):
    """``Positions`` whose ``word_values`` has a fast path for the stemming analyzer,
    and whose values are the positions as little-endian 32-bit integers: Whoosh
    pickles them, which costs a ``pickle.loads`` per posting to read back, where
    these are one ``numpy.frombuffer`` for a whole posting list (phrase queries)."""

    def encode(self, poslist: list[int]) -> bytes:
        a = array("I", poslist)
        if _BIG_ENDIAN:
            a.byteswap()
        return a.tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        a = array("I", valuestring)
        if _BIG_ENDIAN:
            a.byteswap()
        return a.tolist()

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) // 4

    def decode_weight(self, valuestring: bytes) -> float:
        return len(valuestring) // 4 * self.field_boost

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[Any]:
        stops = stoplist(analyzer)
        if stops is None or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        yield from postings(value, stops, self.encode, self.field_boost)


def postings(value: str, stops: frozenset[str], encode: Any,
             fb: float) -> Iterator[tuple[str, int, float, bytes]]:  # fmt: skip
    """(word, frequency, weight, encoded positions) for each stemmed word of ``value``."""
    single = SINGLE_POSITIONS
    for word, poslist in analyse(value, stops).items():
        if len(poslist) == 1:
            p = poslist[0]
            enc = single.get(p)
            if enc is None:
                enc = single[p] = encode(poslist)
            yield (word, 1, fb, enc)
        else:
            yield (word, len(poslist), len(poslist) * fb, encode(poslist))


def analyse(value: str, stops: frozenset[str]) -> dict[str, list[int]]:
    """Stemmed word → positions, numbered as Whoosh's StopFilter renumbers them: the
    first kept word keeps its token index, each later kept word takes the next number."""
    poses: dict[str, list[int]] = {}
    pos = -1
    memo = _token_memo(stops)
    for i, token in enumerate(_TOKENS.findall(value)):
        # One look-up per token as written: lowercasing, the stop and length checks and
        # the stem are done once per distinct spelling, not once per occurrence.
        s = memo.get(token)
        if s is None:
            if len(memo) > _STEMS_MAX:
                memo.clear()
            word = token.lower()
            s = memo[token] = False if len(word) < 2 or word in stops else stem_of(word)
        if s is False:
            continue
        pos = i if pos < 0 else pos + 1
        got = poses.get(s)
        if got is None:
            poses[s] = [pos]
        else:
            got.append(pos)
    return poses


# Per stop list: token as written → its stem, or False for a token the analyzer drops.
_TOKEN_MEMOS: dict[frozenset[str], dict[str, str | bool]] = {}


def _token_memo(stops: frozenset[str]) -> dict[str, str | bool]:
    memo = _TOKEN_MEMOS.get(stops)
    if memo is None:
        memo = _TOKEN_MEMOS[stops] = {}
    return memo


def stem_of(word: str) -> str:
    """Porter stem of a lowercased word, memoised (shared with highlighting)."""
    s = _STEMS.get(word)
    if s is None:
        if len(_STEMS) > _STEMS_MAX:
            _STEMS.clear()
        s = _STEMS[word] = stem(word)
    return s


def stoplist(analyzer: Any) -> frozenset[str] | None:
    """The stop words when ``analyzer`` is the plain StemmingAnalyzer, else None."""
    items = getattr(analyzer, "items", None)
    if not items or len(items) != 4:
        return None
    tok, low, stop, stemf = items
    if (
        type(tok).__name__ != "RegexTokenizer"
        or tok.expression.pattern != default_pattern.pattern
        or tok.gaps
        or type(low).__name__ != "LowercaseFilter"
        or type(stop).__name__ != "StopFilter"
        or stop.min != 2
        or stop.max is not None
        or not stop.renumber
        or type(stemf).__name__ != "StemFilter"
        or stemf.stemfn is not stem
        or stemf.ignore
    ):
        return None
    return frozenset(stop.stops)
