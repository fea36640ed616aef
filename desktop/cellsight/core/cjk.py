"""Chinese, Japanese and Korean text for search: script folding and character grams.

Whoosh's tokenizer takes a whole run of Chinese characters (a clause) as one word, so
电池 inside a sentence was never found. CJK runs are indexed as overlapping bigrams
plus single characters (Lucene's CJK analyzer with unigrams): every word a document
contains is found, because a query word becomes the phrase of its bigrams (宁德时代 →
宁德 德时 时代, adjacent), and a one-character word (锂) its unigram. Measured against
dictionary segmentation on real Chinese news in benchmarks/RESULTS.md ("Chinese
search"): jieba misses words it segments differently (电池 inside 锂电池组), bigrams
miss none.

Traditional and simplified Chinese are one language for search and entity matching:
text is folded to simplified script character by character, so offsets do not move
(the reader shows the original characters, marks land on them). The table comes from
OpenCC's t2s conversion, kept to the characters it maps one to one.
"""

from __future__ import annotations

import re
from functools import cache
from itertools import pairwise

# Han (with extension A and compatibility ideographs), kana and Hangul syllables.
CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af"
CJK_RUN = re.compile(f"[{CJK_CLASS}]+")
_HAS_CJK = re.compile(f"[{CJK_CLASS}]")


def has_cjk(text: str) -> bool:
    return not text.isascii() and _HAS_CJK.search(text) is not None


@cache
def _t2s() -> dict[int, str]:
    # One conversion call over every Han code point (20 ms), not one call per character.
    import opencc

    chars = [chr(c) for c in (*range(0x3400, 0xA000), *range(0xF900, 0xFB00))]
    out = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(out) != len(chars):  # a conversion that joined or split lines: be exact
        out = [opencc.OpenCC("t2s").convert(c) for c in chars]
    return {ord(a): b for a, b in zip(chars, out, strict=True) if a != b and len(b) == 1}


def fold(text: str) -> str:
    """``text`` with traditional Chinese characters in simplified script; same length."""
    if text.isascii() or not _HAS_CJK.search(text):
        return text
    return text.translate(_t2s())


def index_grams(run: str) -> list[tuple[int, str]]:
    """(offset, term) of a folded CJK run as indexed: each character, and each pair of
    neighbours at the offset of its first character."""
    return [*enumerate(run), *enumerate(map(str.__add__, run, run[1:]))]


def query_grams(run: str) -> list[str]:
    """The terms a typed CJK word is searched as: its bigrams in order (a phrase), or
    the character itself."""
    if len(run) < 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def surface(grams: list[str]) -> str | None:
    """The word a phrase of adjacent bigrams spells (宁德 德时 时代 → 宁德时代), or None
    when the grams are not such a chain."""
    if not grams or not all(len(g) <= 2 and has_cjk(g) for g in grams):
        return None
    if len(grams) == 1:
        return grams[0]
    if len(grams[0]) != 2 or any(len(g) != 2 or g[0] != prev[1] for prev, g in pairwise(grams)):
        return None
    return grams[0] + "".join(g[1] for g in grams[1:])
