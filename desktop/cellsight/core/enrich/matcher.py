"""Find catalogue entities in text with one Aho-Corasick pass.

The text is folded (case, hyphens, odd spaces and apostrophes) into a search
string; every alias is folded the same way and put in one automaton. Hits are then
checked against word boundaries and per-alias case rules on the *original* text, and
resolved leftmost-longest. When folding changes the length of the text ("ß" → "ss",
"İ" → "i̇", a hyphen at a line break removed) an offset table maps positions back, so
spans always index the original string.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import ahocorasick

from ..cjk import fold as cjk_fold
from ..model import EntitySpan
from .catalogue import Catalogue, Entity

_SPACES = "\t\n\r\v\f\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
_HYPHENS = "-\u2010\u2011\u00ad"
_APOSTROPHES = "\u2019\u2018\u02bc\uff07"
_REPLACEMENTS: tuple[tuple[str, str], ...] = (
    *((c, " ") for c in _SPACES + _HYPHENS),
    *((c, "'") for c in _APOSTROPHES),
)
# A hyphen at a line end; whether it is a soft break depends on the letters around it.
_LINE_END_HYPHEN = re.compile(r"-[ \t]*\r?\n[ \t]*")


def _normalise(text: str) -> str:
    """Spaces, hyphens and apostrophes to one form each, keeping the length.

    Chained ``str.replace`` calls, skipped for absent characters, are about ten
    times faster than ``str.translate`` with a mapping on non-ASCII text.
    """
    for old, new in _REPLACEMENTS:
        if old in text:
            text = text.replace(old, new)
    return text


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3040 <= code <= 0x30FF  # kana
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xAC00 <= code <= 0xD7AF  # hangul
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x2FA1F
    )


_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _is_word(ch: str) -> bool:
    """A character that would continue a Latin-script word (CJK never does)."""
    if ch < "\x80":
        return ch in _ASCII_WORD
    return (ch.isalnum() or unicodedata.combining(ch) != 0) and not _is_cjk(ch)


def _soft_breaks(text: str) -> dict[int, int]:
    """Start → end of each simple line-break hyphen: a letter before it and a lower-case
    letter after it, so "bat-⏎tery" joins but "Mercedes-⏎Benz" keeps its hyphen."""
    if "-" not in text:
        return {}
    breaks: dict[int, int] = {}
    for m in _LINE_END_HYPHEN.finditer(text):
        start, end = m.start(), m.end()
        if start > 0 and text[start - 1].isalpha() and end < len(text) and text[end].islower():
            breaks[start] = end
    return breaks


def canonical(text: str) -> str:
    """Spelling-level normal form without case folding: used for exact-case checks."""
    breaks = _soft_breaks(text)
    for start, end in sorted(breaks.items(), reverse=True):
        text = text[:start] + text[end:]
    return " ".join(_normalise(text).split())


def fold_key(alias: str) -> str:
    """The automaton key of an alias: folded exactly as the searched text is (寧德時代
    and 宁德时代 are one key: Chinese is folded to simplified script)."""
    return cjk_fold(" ".join(canonical(alias).casefold().split()))


def fold_text(text: str) -> tuple[str, list[int] | None]:
    """Fold ``text`` for searching; return it with an offset table if lengths differ.

    ``offsets[i]`` is the index in ``text`` of the character that produced folded
    character ``i``; a final sentinel equals ``len(text)``. ``None`` means identity.
    """
    folded = text.casefold()
    breaks = _soft_breaks(text)
    if len(folded) == len(text) and not breaks:
        return cjk_fold(_normalise(folded)), None
    pieces: list[str] = []
    offsets: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        skip_to = breaks.get(i)
        if skip_to is not None:
            i = skip_to
            continue
        piece = text[i].casefold()
        pieces.append(piece)
        offsets.extend([i] * len(piece))
        i += 1
    offsets.append(n)
    return cjk_fold(_normalise("".join(pieces))), offsets


class _WordChars(dict[str, bool]):
    """``_is_word`` memoised per character: a boundary check becomes one dict look-up."""

    def __missing__(self, ch: str) -> bool:
        value = self[ch] = _is_word(ch)
        return value


_WORD_CHARS = _WordChars()


@dataclass(frozen=True)
class _Form:
    entity: Entity
    exact: str | None  # canonical spelling required, or None when any case matches
    first_word: bool  # does the alias start with a word character (needs a boundary)?
    last_word: bool


# What the automaton stores per key, so that checking a hit takes a few comparisons:
# (key length, first_word, last_word, fallback, exacts). A key's forms share its first
# and last character, hence its boundary rules; ``exacts`` holds (spelling, entity) of
# its case-exact forms in catalogue order, ``fallback`` its first any-case form.
_Entry = tuple[int, bool, bool, Entity | None, tuple[tuple[str, Entity], ...]]


def _entry(key: str, forms: list[_Form]) -> _Entry:
    fallback = next((f.entity for f in forms if f.exact is None), None)
    exacts = tuple((f.exact, f.entity) for f in forms if f.exact is not None)
    return (len(key), _is_word(key[0]), _is_word(key[-1]), fallback, exacts)


# Characters by how often they occur in folded English text. pyahocorasick finds a
# node's child by a linear scan of its children in insertion order, and at the root
# (~160 first characters) that scan is most of the matching time. So keys go in by
# first character in this order, and frequent characters that start no key get a
# placeholder key that never yields an entity: a space costs one comparison, not 160.
_SCAN_ORDER = " etaoinsrhldcumfpgwybvk.,0123456789xjqz'"
_PLACEHOLDER: _Entry = (2, False, False, None, ())


def _build_automaton(entries: dict[str, _Entry]) -> ahocorasick.Automaton:
    rank = {ch: i for i, ch in enumerate(_SCAN_ORDER)}
    starts = {key[0] for key in entries}
    ordered = [(f"{ch}\x00", _PLACEHOLDER) for ch in _SCAN_ORDER if ch not in starts]
    ordered += entries.items()
    ordered.sort(key=lambda item: rank.get(item[0][0], len(rank)))  # stable
    automaton = ahocorasick.Automaton()
    for key, entry in ordered:
        automaton.add_word(key, entry)
    return automaton


class EntityMatcher:
    """Recognises every visible entity of a catalogue in text."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        table: dict[str, list[_Form]] = {}
        for ent in catalogue.entities:
            exact = set(ent.exact)
            for form in ent.forms:
                key = fold_key(form)
                if not key.strip():
                    continue
                spelled = canonical(form)
                entry = _Form(
                    entity=ent,
                    exact=spelled if form in exact else None,
                    first_word=_is_word(key[0]),
                    last_word=_is_word(key[-1]),
                )
                forms = table.setdefault(key, [])
                if all(f.entity.id != ent.id or f.exact != entry.exact for f in forms):
                    forms.append(entry)
        self._automaton = _build_automaton({k: _entry(k, f) for k, f in table.items()})
        self._empty = not table
        if not self._empty:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[EntitySpan]:
        """Non-overlapping entity mentions, leftmost-longest, sorted by start."""
        if self._empty or not text:
            return []
        folded, offsets = fold_text(text)
        n = len(text)
        word = _WORD_CHARS
        # Leftmost-longest needs only the longest accepted hit at each start: a shorter
        # one there overlaps it. Two hits never share (start, end), as that would be
        # one key; keeping the first of equals is only a safeguard.
        longest: dict[int, tuple[int, Entity]] = {}
        for fend, (klen, first_word, last_word, fallback, exacts) in self._automaton.iter(
            folded
        ):
            fstart = fend - klen + 1
            if offsets is None:
                start, end = fstart, fend + 1
            else:
                # A hit must begin and end on whole original characters.
                if fstart > 0 and offsets[fstart - 1] == offsets[fstart]:
                    continue
                if offsets[fend + 1] == offsets[fend]:
                    continue
                start, end = offsets[fstart], offsets[fend] + 1
            if first_word and start > 0 and word[text[start - 1]]:
                continue
            if last_word and end < n and word[text[end]]:
                continue
            ent = fallback
            if exacts:
                surface = text[start:end]
                if surface != exacts[0][0]:
                    surface = canonical(surface)
                for spelled, exact_ent in exacts:
                    if surface == spelled:
                        ent = exact_ent  # a case-exact form is the most specific reading
                        break
            if ent is None:
                continue
            prev = longest.get(start)
            if prev is None or end > prev[0]:
                longest[start] = (end, ent)
        spans: list[EntitySpan] = []
        last_end = -1
        for start in sorted(longest):
            if start < last_end:
                continue
            end, ent = longest[start]
            spans.append(EntitySpan(start, end, ent.type, ent.id, ent.name, text[start:end]))
            last_end = end
        return spans
