"""The facts stated with an entity: figures in the same sentence as one of its mentions.

"CATL will build a 100 GWh plant in Debrecen" states 100 GWh with CATL; a figure two
sentences later, about someone else, does not. Sentences are cut on full stops (not
inside a recognised name: "Contemporary Amperex Technology Co. Limited" is one
mention, not two sentences), on CJK full stops and at line breaks, except where a line
wraps inside a sentence.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from .model import QUANTITY, Document, EntitySpan

# Where a sentence may end: after . ! ? followed by space (closing quotes and
# brackets stay with the sentence), after a CJK full stop, and at a line break (not
# one inside a sentence wrapped across lines, as PDFs have: "up 7% from\na year").
_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s)|[。！？；]|\n\s*")
# Words a full stop follows without ending the sentence ("Co. Limited", "Feb. 13").
_ABBREVIATIONS = frozenset(
    "co inc ltd corp plc mr mrs ms dr st no nos vs approx est dept gov sen rep jr sr fig "
    "jan feb mar apr jun jul aug sep sept oct nov dec e.g i.e u.s u.k u.n".split()
)
_WORD_BEFORE = re.compile(r"[\w.]+$")
MAX_SENTENCE = 400  # a "sentence" longer than this (a table row run-on) is cut around
LOOK_BACK = 600  # how far back a sentence's start is looked for


@dataclass(frozen=True)
class Fact:
    """A figure stated with the entity: where, when, and the sentence saying it."""

    doc_id: str
    title: str
    path: str
    date: dt.date | None  # the document's date
    value: float | None  # scaled ("$3.5 billion" → 3.5e9)
    unit: str | None  # normalised ("GWh", "USD", "USD/kWh", "%", "t")
    quantity: str  # as displayed ("100 GWh", "$3.5 billion")
    text: str  # the sentence
    entities: tuple[str, ...] = ()  # the other entities named in the sentence


class Sentences:
    """Finds the sentence around an offset of one document's text, looking only near
    it: cutting the whole text into sentences cost 0.3 ms a document, most of a fact
    table's time."""

    def __init__(self, text: str, spans: Iterable[EntitySpan]) -> None:
        self.text = text
        self._spans = sorted((s.start, s.end) for s in spans)
        self._starts = [a for a, _ in self._spans]

    def around(self, offset: int) -> tuple[int, int]:
        """(start, end) of the sentence holding ``offset``."""
        text = self.text
        end = len(text)
        for m in _END.finditer(text, offset):
            if self._ends(m):
                end = m.end()
                break
        lo = max(0, offset - LOOK_BACK)
        start = lo  # a sentence longer than that is cut where the look stopped
        for m in reversed(list(_END.finditer(text, lo, offset))):
            if m.end() <= offset and self._ends(m):
                start = m.end()
                break
        return start, end

    def _ends(self, m: re.Match[str]) -> bool:
        text, at, ch = self.text, m.end(), m.group()[0]
        if ch == "\n":
            # A line wrapped inside a sentence, as PDFs have ("up 7% from\na year").
            return "\n" in m.group()[1:] or not text[at : at + 1].islower()
        if ch == ".":
            word = _WORD_BEFORE.search(text[max(0, m.start() - 12) : m.start()])
            before = word.group().lower() if word else ""
            if len(before) == 1 or before in _ABBREVIATIONS:
                return False  # an initial or an abbreviation: "U.S." "Co." "Feb."
            if text[at : at + 3].lstrip()[:1].islower():
                return False  # "approx. two", "the No. 2 maker": the sentence goes on
        i = bisect_right(self._starts, m.start()) - 1
        # A stop inside a recognised name or figure is part of it.
        return not (i >= 0 and self._spans[i][1] > m.start())


def facts_in(doc: Document, entity_id: str) -> list[Fact]:
    """The figures stated in the same sentence as a mention of ``entity_id``, in
    text order."""
    mentions = [s for s in doc.entities if s.entity_id == entity_id and s.type != QUANTITY]
    figures = [s for s in doc.entities if s.type == QUANTITY]
    if not mentions or not figures:
        return []
    sentences = Sentences(doc.full_text, doc.entities)
    bounds: list[tuple[int, int]] = []
    for m in mentions:
        if not bounds or m.start >= bounds[-1][1]:  # mentions come in text order
            bounds.append(sentences.around(m.start))
    p = doc.parsed
    out = []
    for start, end in bounds:
        inside = [s for s in doc.entities if start <= s.start < end]
        others = tuple(dict.fromkeys(s.name for s in inside
                                     if s.type != QUANTITY and s.entity_id != entity_id))
        for q in inside:
            if q.type == QUANTITY:
                out.append(Fact(
                    doc_id=doc.id, title=p.title, path=p.path, date=p.date, value=q.value,
                    unit=q.unit, quantity=q.name, text=_sentence(sentences.text, start, end, q),
                    entities=others,
                ))  # fmt: skip
    return out


def _sentence(text: str, start: int, end: int, q: EntitySpan) -> str:
    if end - start > MAX_SENTENCE:
        half = MAX_SENTENCE // 2
        lo, hi = max(start, q.start - half), min(end, q.end + half)
        body = " ".join(text[lo:hi].split())
        return ("… " if lo > start else "") + body + (" …" if hi < end else "")
    return " ".join(text[start:end].split())


def gather_facts(docs: Iterable[Document], entity_id: str, limit: int,
                 seen: set[tuple[str, str]] | None = None) -> list[Fact]:  # fmt: skip
    """Facts from ``docs`` in their order, each figure-and-sentence once (a syndicated
    copy states the same thing again), at most ``limit``."""
    seen = set() if seen is None else seen
    out: list[Fact] = []
    for doc in docs:
        for fact in facts_in(doc, entity_id):
            key = (fact.quantity, fact.text)
            if key in seen:
                continue
            seen.add(key)
            out.append(fact)
            if len(out) >= limit:
                return out
    return out
