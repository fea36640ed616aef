"""The enrich stage's fast paths give exactly what the plain algorithms give.

Each fast path (the quantity scan's start filter, the matcher's precomputed entries,
tokenising by whitespace chunk, the reused JSON encoders) is checked against a plain
reference written the obvious way.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cellsight.core.enrich import quantities, topics
from cellsight.core.enrich.catalogue import Catalogue, Entity
from cellsight.core.enrich.enricher import Enricher
from cellsight.core.enrich.matcher import EntityMatcher, _is_word, canonical, fold_key, fold_text
from cellsight.core.model import EntitySpan, ParsedDocument
from cellsight.core.serialize import enrichment_to_json, parsed_to_dict
from cellsight.core.store import document_row
from cellsight.core.store_checks import row_crc

# --- quantities ---------------------------------------------------------------------


def test_match_groups_are_in_the_order_match_to_span_unpacks() -> None:
    index = quantities._PATTERN.groupindex
    assert sorted(index, key=index.__getitem__) == [
        "sign", "cur", "lo", "hi", "scale", "sscale", "per", "cword", "per2", "pcur",
        "per3", "ccode", "unit", "lce",
    ]  # fmt: skip


# What may follow the first character of a match: the rest of a sign, of each currency
# and of each number the pattern knows, so any character that can open one is tried.
_REST = [
    "5", ".5", "$5", "5 GWh", "S$5", ".S. $5", ".S.$5", "K$5", "SD 5", "UR 5", "MB 5",
    "NY 5", "BP 5", "PY 5", "RW 5", "UD 5", "AD 5", "5 percent",
    *(w[1:] + " GWh" for w in quantities._WORD_VALUES),
]  # fmt: skip


def test_may_begin_admits_every_character_a_quantity_can_start_with() -> None:
    may_begin, pattern = quantities._MAY_BEGIN, quantities._PATTERN
    missed = []
    for code in range(0x10000):
        ch = chr(code)
        if 0xD800 <= code < 0xE000 or may_begin.match(ch + "5"):
            continue
        if any(pattern.match(ch + rest) for rest in _REST):
            missed.append(ch)
    assert missed == []


def _reference_candidates(text: str) -> list[int]:
    """Every digit run and every spelled-out root (all of them) at a word start."""
    starts = [m.start() for m in re.finditer(r"\d+", text)]
    lower = text.lower()
    if len(lower) != len(text):
        starts += [m.start() for m in quantities._WORD_START.finditer(text)]
        return sorted(starts)
    for root in quantities._WORD_ROOTS:
        starts += [
            m.start()
            for m in re.finditer(re.escape(root), lower)
            if m.start() == 0 or not lower[m.start() - 1].isalnum()
        ]
    return sorted(set(starts))


def _reference_scan(text: str) -> list[EntitySpan]:
    """Every back-off start tried with the full pattern, as before the start filter."""
    spans: list[EntitySpan] = []
    last_end = 0
    for pos in _reference_candidates(text):
        if pos < last_end:
            continue
        for start in range(max(last_end, pos - quantities._BACK_OFF), pos + 1):
            m = quantities._PATTERN.match(text, start)
            if m is None or not m.start("lo") <= pos < m.end("lo"):
                continue
            last_end = m.end()
            span = quantities._match_to_span(m)
            if span is not None:
                spans.append(span)
            break
    return spans


_PIECES = [
    *"0123456789", "٣", "３", "3.5", ",000", " ", "-", "−", "+", ".", ",", "$", "US$", "u.s. $",
    "HK$", "A$", "c$", "USD ", "RMB", "€", "£", "¥", "%", " GWh", " t", "Mt", " billion", "bn",
    " to ", "twenty", "-one", "fourteen", "ſix", "SEVEN", "often", "tension", "about ", "at ",
    "İ", "ß", "x", "_", " yuan", "/kWh", " LCE",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
def test_quantity_scan_matches_the_unfiltered_scan(text: str) -> None:
    assert sorted(set(quantities._candidates(text))) == _reference_candidates(text)
    assert quantities.find_quantities(text) == _reference_scan(text)


# --- matcher -------------------------------------------------------------------------


class _ReferenceMatcher:
    """Every catalogue key found with str.find, then the per-form rules one by one."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.table: dict[str, list[tuple[Entity, str | None]]] = {}
        for ent in catalogue.entities:
            for form in ent.forms:
                key = fold_key(form)
                if not key.strip():
                    continue
                exact = canonical(form) if form in set(ent.exact) else None
                forms = self.table.setdefault(key, [])
                if all(e.id != ent.id or x != exact for e, x in forms):
                    forms.append((ent, exact))

    def find(self, text: str) -> list[EntitySpan]:
        if not text:
            return []
        folded, offsets = fold_text(text)
        hits = []
        for key, forms in self.table.items():
            at = folded.find(key)
            while at != -1:
                hits.append((at, at + len(key) - 1, key, forms))
                at = folded.find(key, at + 1)
        candidates = []
        for fstart, fend, key, forms in hits:
            if offsets is None:
                start, end = fstart, fend + 1
            else:
                if fstart > 0 and offsets[fstart - 1] == offsets[fstart]:
                    continue
                if offsets[fend + 1] == offsets[fend]:
                    continue
                start, end = offsets[fstart], offsets[fend] + 1
            before = start > 0 and _is_word(text[start - 1])
            after = end < len(text) and _is_word(text[end])
            if (_is_word(key[0]) and before) or (_is_word(key[-1]) and after):
                continue
            chosen = None
            for ent, exact in forms:
                if exact is None:
                    chosen = chosen or ent
            for ent, exact in forms:
                if exact is not None and canonical(text[start:end]) == exact:
                    chosen = ent
                    break
            if chosen is not None:
                candidates.append((start, end, chosen))
        candidates.sort(key=lambda c: (c[0], c[0] - c[1]))
        spans, last_end = [], -1
        for start, end, ent in candidates:
            if start >= last_end:
                spans.append(EntitySpan(start, end, ent.type, ent.id, ent.name, text[start:end]))
                last_end = end
        return spans


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.fixture(scope="module")
def matchers(catalogue: Catalogue) -> tuple[EntityMatcher, _ReferenceMatcher]:
    return EntityMatcher(catalogue), _ReferenceMatcher(catalogue)


_MATCH_PIECES = [
    "CATL", "catl", "US", "us", "U.S.", "LG Energy Solution", "LG Energy", "lithium",
    "Lithium-ion", "lithium iron phosphate", "EU", "IRA", "Model 3", "Tesla", "Tesla's",
    "Tesla’s", "BYD", "Contemporary Amperex", " ", " ", "\n", "-\n", "bat", "-\ntery",
    "ß", "İ", "ﬁ", "x", ".", ",", "宁德时代", "比亚迪", "\x00", "e", "eve", "Steve",
]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_MATCH_PIECES), max_size=25).map("".join))
def test_matcher_agrees_with_a_plain_search(
    matchers: tuple[EntityMatcher, _ReferenceMatcher], text: str
) -> None:
    fast, reference = matchers
    assert fast.find(text) == reference.find(text)


def test_placeholder_keys_never_match(matchers: tuple[EntityMatcher, _ReferenceMatcher]) -> None:
    fast, _ = matchers
    assert fast.find(" \x00 e\x00 .\x00 7\x00") == []


# --- topics --------------------------------------------------------------------------

_TOKEN_PIECES = [
    "battery", "Batteries", "CATL’s", "don't", "rock 'n' roll", "it''s", "lithium-ion",
    "snake_case", "电池", "x", " ", "  ", "\n", "\t", "\u3000", "\u00a0", "\x1c", ",", "’",
]  # fmt: skip


@given(st.lists(st.sampled_from(_TOKEN_PIECES), max_size=30).map("".join))
def test_tokens_by_chunk_equal_tokens_of_the_whole_text(text: str) -> None:
    assert topics.tokens(text) == [topics.stem(w) for w in topics._WORD.findall(text)]


def test_chunk_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(topics, "_CHUNK_CACHE_MAX", 3)
    monkeypatch.setattr(topics, "_CHUNK_STEMS", topics._ChunkStems())
    text = "one two three four five six two one"
    assert topics.tokens(text) == [topics.stem(w) for w in text.split()]
    assert len(topics._CHUNK_STEMS) <= 3


# --- rows ----------------------------------------------------------------------------


def test_rows_are_the_json_dumps_text() -> None:
    parsed = ParsedDocument(
        path="/tmp/a.txt", kind="text", title="CATL’s “plan”", text="Profit rose 3.5% to $1bn\n\nΩ"
    )
    doc = Enricher.default().enrich("id1", parsed)
    assert doc.entities and doc.topics is not None
    expected_enrichment = json.dumps(
        {
            "entities": [
                [s.start, s.end, s.type, s.entity_id, s.name, s.text, s.value, s.unit]
                for s in doc.entities
            ],
            "topics": [[t.name, t.score, list(t.terms)] for t in doc.topics],
            "lang": "en",
            "hit": [
                [t.name for t in doc.topics],
                list(dict.fromkeys(s.name for s in doc.entities if s.type == "company")),
            ],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    assert enrichment_to_json(doc) == expected_enrichment
    row = document_row(doc)
    assert row[3] == json.dumps(parsed_to_dict(parsed), ensure_ascii=False)
    assert row[:5] == ("id1", "/tmp/a.txt", 0, row[3], expected_enrichment)
    assert row[5] == row_crc(*row[:5])  # the row's checksum (store_checks.py)
