"""Analysis of text fields: the Whoosh analyzer queries use, and the same analysis in
one loop for indexing.

The analyzer is Whoosh's tokenizer and lowercase filter followed by ``WordFilter``:
stop words and one-letter words out, Porter stems, and CJK runs as character grams in
simplified script (see ``cellsight.core.cjk``). Whoosh runs it as a generator chain with
a Token object per word, which was a third of a document's indexing time; ``analyse``
produces exactly the same terms and positions (a test compares them) with one regex
pass and a memo per spelling. Queries are analysed by the Whoosh analyzer, so both
sides keep agreeing.
"""

from __future__ import annotations

import re
import sys
from array import array
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer
from whoosh.analysis.analyzers import CompositeAnalyzer
from whoosh.analysis.tokenizers import default_pattern
from whoosh.formats import Positions
from whoosh.lang.porter import stem

from ..cjk import CJK_RUN, fold, has_cjk, index_grams, query_grams
from ..enrich.language import stemmer

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


class LangText(str):
    """A field value that knows its language: the body of a German article is stemmed
    as German (``Batterien`` and ``Batterie`` both index as ``batteri``)."""

    __slots__ = ("lang",)

    def __new__(cls, text: str, lang: str) -> LangText:
        self = super().__new__(cls, text)
        self.lang = lang
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (LangText, (str(self), self.lang))


def analyse(value: str, stops: frozenset[str]) -> dict[str, list[int]]:
    """Term → positions, numbered as Whoosh's StopFilter renumbers them: the first kept
    word keeps its token index, each later kept word takes the next number (a CJK run
    takes one number per character)."""
    poses: dict[str, list[int]] = {}
    pos = -1
    lang = getattr(value, "lang", "")
    memo = _token_memo(stops, lang)
    stem = _stem_for(lang)
    for i, token in enumerate(_TOKENS.findall(value)):
        # One look-up per token as written: lowercasing, the stop and length checks and
        # the stem are done once per distinct spelling, not once per occurrence.
        s = memo.get(token)
        if s is None:
            if len(memo) > _STEMS_MAX:
                memo.clear()
            s = _analyse_token(token.lower(), stops, stem)
            if type(s) is not tuple or len(token) < 8:
                memo[token] = s  # a CJK token is mostly a whole clause: rarely seen twice
        if s is False:
            continue
        base = i if pos < 0 else pos + 1
        if type(s) is tuple:
            width, grams = s
            for offset, term, _, _ in grams:
                got = poses.get(term)
                if got is None:
                    poses[term] = [base + offset]
                else:
                    got.append(base + offset)
            pos = base + width - 1
            continue
        pos = base
        got = poses.get(s)
        if got is None:
            poses[s] = [pos]
        else:
            got.append(pos)
    return poses


def _analyse_token(word: str, stops: frozenset[str], stem: Any = None
                   ) -> str | bool | tuple[int, tuple]:  # fmt: skip
    """A lowercased token's stem, False when it is dropped, or for a token holding CJK
    characters (width in positions, ((offset, term), ...))."""
    if not has_cjk(word):
        return False if len(word) < 2 or word in stops else (stem or stem_of)(word)
    return _cjk_parts(word, stops, query=False)


def _stem_for(lang: str) -> Any:
    """The stem function for a document's language: Porter for English and unknown."""
    if not lang:
        return stem_of
    snowball = stemmer(lang)
    return snowball.stemWord if snowball is not None else stem_of


def _cjk_parts(word: str, stops: frozenset[str], *, query: bool) -> tuple[int, tuple]:
    """A token that mixes CJK runs and other letters (电池2023年, CATL宁德时代): each run
    as grams, each other part as a word of its own. Returns (width in positions,
    ((position offset, term, character offset, characters), ...))."""
    word = fold(word)
    grams: list[tuple[int, str, int, int]] = []
    at = width = 0
    for m in CJK_RUN.finditer(word):
        width = _latin_part(word, at, m.start(), stops, grams, width)
        run, start = m.group(), m.start()
        if query:
            grams += [(width + k, g, start + k, len(g))
                      for k, g in enumerate(query_grams(run))]  # fmt: skip
            width += len(query_grams(run))
        else:
            grams += [(width + k, g, start + k, len(g)) for k, g in index_grams(run)]
            width += len(run)
        at = m.end()
    width = _latin_part(word, at, len(word), stops, grams, width)
    return width, tuple(grams)


def _latin_part(word: str, lo: int, hi: int, stops: frozenset[str],
                grams: list[tuple[int, str, int, int]], width: int) -> int:  # fmt: skip
    part = word[lo:hi]
    if len(part) >= 2 and part not in stops:
        grams.append((width, stem_of(part), lo, hi - lo))
        return width + 1
    return width


class WordFilter(Filter):
    """Stop words and words under two letters out (positions renumbered as Whoosh's
    StopFilter does), Porter stems, CJK runs as grams: index grams at index time, the
    bigram phrase (or the single character) at query time."""

    def __init__(self, stops: frozenset[str]) -> None:
        self.stops = frozenset(stops)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordFilter) and other.stops == self.stops

    def __hash__(self) -> int:
        return hash(self.stops)

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        stops = self.stops
        pos: int | None = None
        for t in tokens:
            text = t.text
            if has_cjk(text):
                width, grams = _cjk_parts(text, stops, query=t.mode == "query")
                if not width:
                    continue
                base = (t.pos if pos is None else pos + 1) if t.positions else 0
                start = t.startchar if t.chars else 0
                for offset, term, char, chars in grams:
                    t.text, t.stopped = term, False
                    if t.positions:
                        t.pos = base + offset
                    if t.chars:
                        t.startchar = start + char
                        t.endchar = start + char + chars
                    yield t
                if t.positions:
                    pos = base + width - 1
                continue
            if len(text) >= 2 and text not in stops:
                if t.positions:
                    if pos is None:
                        pos = t.pos
                    else:
                        pos += 1
                        t.pos = pos
                t.stopped = False
                t.text = stem_of(text)
                yield t
            elif not t.removestops:
                t.stopped = True
                yield t


def make_analyzer(stops: frozenset[str]) -> CompositeAnalyzer:
    return CompositeAnalyzer(RegexTokenizer(default_pattern), LowercaseFilter(),
                             WordFilter(stops))  # fmt: skip


# Per stop list and language: token as written → its analysis, or False for a token
# the analyzer drops.
_TOKEN_MEMOS: dict[tuple[frozenset[str], str], dict[str, Any]] = {}


def _token_memo(stops: frozenset[str], lang: str = "") -> dict[str, Any]:
    key = (stops, lang if stemmer(lang) is not None else "")
    memo = _TOKEN_MEMOS.get(key)
    if memo is None:
        memo = _TOKEN_MEMOS[key] = {}
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
    """The stop words when ``analyzer`` is ``make_analyzer``'s, else None."""
    items = getattr(analyzer, "items", None)
    if not items or len(items) != 3:
        return None
    tok, low, words = items
    if (
        type(tok) is not RegexTokenizer
        or tok.expression.pattern != default_pattern.pattern
        or tok.gaps
        or type(low) is not LowercaseFilter
        or type(words) is not WordFilter
    ):
        return None
    return words.stops
