"""Words of a PDF's text lines: hyphenation, CJK spacing, page numbers, page breaks.

A line-end hyphen splits a word ("bat-/tery") or belongs to it ("lithium-/ion"); the
document's own vocabulary tells which, with a few rules for what it cannot tell.
PDFium and Tesseract put spaces between CJK characters that are set apart on the
page; those are taken out, while a space the text itself has stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CJK = (  # ideographs, kana, CJK and fullwidth punctuation: written without spaces
    "\u2e80-\u2fff\u3001-\u303f\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff01-\uffef"
)
_CJK_GAP = re.compile(f"(?<=[{CJK}])[ \u3000\t]+(?=[{CJK}])")
_CJK_CHAR = re.compile(f"[{CJK}]")
_CJK_PAIR = re.compile(f"(?<=[{CJK}])(?=[{CJK}])")
_STOPS = "，。！？；：、,.!?;:"
TERMINAL = tuple('.!?:;。！？；…"”’)」』）')  # what ends a sentence or a paragraph
PAGE_NUMBER = re.compile(  # "3", "Page 3 of 10", "- 3 -", "第 3 页，共 10 页", "iv"
    r"^(?:(?:page|p\.|seite|pág\.?|página|pagina)\s*)?[-–—(\[]?\s*\d{1,4}\s*[-–—)\]]?"
    r"(?:\s*(?:of|/|von|de|di)\s*\d{1,4})?$"
    r"|^第\s*\d{1,4}\s*[页頁](?:\s*[,，/]?\s*共\s*\d{1,4}\s*[页頁])?$"
    r"|^[ivxlc]{1,7}$",
    re.I,
)
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_BREAK = re.compile(r"[-\u00ad][ \t]*\n|\ufffe")
_FULLWIDTH = str.maketrans(
    {c: chr(c - 0xFEE0) for lo, hi in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
     for c in range(lo, hi + 1)}
)  # fmt: skip
# Second halves of compounds that no hyphenation splits a word into: a line-end
# hyphen before one of them belongs to the compound (the list is the supply chain's).
COMPOUND_HEADS = frozenset(
    "ion ions based free specific level scale wide related oriented driven owned made sized "
    "grade rich".split()
)
# pdfium writes U+FFFE where it joined a word hyphenated across two lines.
HYPHEN_MARK = "\ufffe"


class Vocabulary:
    """Words a document spells whole, to tell a line-end hyphen that splits a word
    ("bat-/tery") from one that belongs to it ("lithium-/ion")."""

    def __init__(self, paragraphs: Iterable[tuple[str, ...]]) -> None:
        # One pass in C over the whole text: the halves of words broken at a line
        # end are cut out first, so that "bat" of "bat-/tery" is not a word.
        text = "\n\n".join("\n".join(lines) for lines in paragraphs)
        pieces, at = [], 0
        for m in _BREAK.finditer(text):  # few per page: walking to the word ends is cheap
            start, end = m.start(), m.end()
            while start > at and text[start - 1].isalpha():
                start -= 1
            while end < len(text) and text[end].isalpha():
                end += 1
            pieces.append(text[at:start])
            at = end
        pieces.append(text[at:])
        tokens = set(_WORD.findall(" ".join(pieces).lower()))
        self.compounds = {t for t in tokens if "-" in t}
        self.words = {t for t in tokens if "-" not in t}
        for compound in self.compounds:
            self.words.update(compound.split("-"))

    def keeps_hyphen(self, left: str, right: str) -> bool:
        joined, compound = (left + right).lower(), f"{left}-{right}".lower()
        if compound in self.compounds and joined not in self.words:
            return True
        if joined in self.words:
            return False
        if right[:1].isupper():
            return True  # "Anglo-/American", "CATL-/Tesla"
        low_left, low_right = left.lower(), right.lower()
        if low_right in COMPOUND_HEADS or (len(low_left) >= 6 and low_left.endswith("ing")):
            return True  # "lithium-/ion", "cobalt-/free", "cutting-/edge": never word halves
        return len(left) >= 3 and low_left in self.words and low_right in self.words


def join_lines(lines: tuple[str, ...] | list[str], vocab: Vocabulary) -> str:
    """One paragraph from its lines: hyphenated words joined, no space inside CJK."""
    out = ""
    for raw in lines:
        line = " ".join(_mend_marks(raw, vocab).split())
        if not line.isascii():
            line = clean_cjk(line)
        if not line:
            continue
        if not out:
            out = line
        elif out[-1] in "-\u00ad" and line[0].isalpha() and out[-2:-1].isalpha():
            soft = out[-1] == "\u00ad"
            left = _tail_word(out[:-1])
            right = _head_word(line)
            keep = not soft and vocab.keeps_hyphen(left, right)
            out = (out if keep else out[:-1]) + line
        elif out[-1] in "–—/" or _CJK_CHAR.match(out[-1]) or _CJK_CHAR.match(line[0]):
            out += line
        else:
            out += " " + line
    return out.replace("\u00ad", "")


def clean_cjk(line: str) -> str:
    """Fullwidth letters and digits as ASCII, and no spaces between CJK characters
    where they were injected: a line spaced out character by character (letter-spaced
    type, Tesseract's output) loses them all, one with a space here and there (the
    gap in "注重低碳环保 发展绿色产业") keeps its spaces."""
    line = line.translate(_FULLWIDTH)
    spaced = len(_CJK_GAP.findall(line))
    if spaced and spaced * 2 >= spaced + len(_CJK_PAIR.findall(line)):
        return _CJK_GAP.sub("", line)
    return line


def carry_over(pages: list[list[str]]) -> None:
    """Where a word or a Chinese phrase runs on to the next page, move its end up to
    the page it starts on, so that search finds it whole ("bat-" | "tery" → "battery")."""
    for i in range(len(pages) - 1):
        head, tail = pages[i], pages[i + 1]
        if not head or not tail:
            continue
        last, first = head[-1], tail[0]
        if last.endswith("-") and last[-2:-1].isalpha() and first[:1].islower():
            m = re.match(r"\S+\s*", first)
            word = m.group() if m else first
            head[-1] = last[:-1] + word.rstrip()
        elif _CJK_CHAR.match(last[-1]) and not last.endswith(TERMINAL) and _CJK_CHAR.match(first):
            m = re.match(f"[^\\s{_STOPS}]{{1,24}}[{_STOPS}]?", first)
            word = m.group() if m else ""
            head[-1] = last + word
        else:
            continue
        rest = first[len(word) :].lstrip()
        if rest:
            tail[0] = rest
        else:
            del tail[0]


def _mend_marks(line: str, vocab: Vocabulary) -> str:
    if HYPHEN_MARK not in line:
        return line
    line = line.rstrip()
    if line.endswith(HYPHEN_MARK):  # the word goes on in the next line: decided there
        line = line[:-1] + "-"
    parts = line.split(HYPHEN_MARK)
    out = parts[0]
    for part in parts[1:]:
        left, right = _tail_word(out), _head_word(part)
        out += ("-" if left and right and vocab.keeps_hyphen(left, right) else "") + part
    return out


def _tail_word(text: str) -> str:
    m = re.search(r"[^\W\d_]+$", text)
    return m.group() if m else ""


def _head_word(text: str) -> str:
    m = re.match(r"[^\W\d_]+", text)
    return m.group() if m else ""
