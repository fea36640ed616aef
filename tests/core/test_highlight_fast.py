"""Highlight spans and snippets against the index's own analyzer.

``term_spans`` prefilters tokens by stem heads and stems only those; whatever the
shortcut, it must light up exactly the tokens the Whoosh StemmingAnalyzer maps to a
query term (and, for a typed prefix, every token starting with it). ``snippet`` must
show the window with the most distinct terms and point its spans at them.
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

from cellsight.core.index.schema import analyzer
from cellsight.core.library import Library
from cellsight.core.model import SearchRequest
from cellsight.core.query.highlight import (
    MARK_CLOSE,
    MARK_OPEN,
    highlight_spans,
    mark,
    snippet,
    term_spans,
)

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SEED_FILES = sorted(SEEDS.glob("*"))
ANALYZER = analyzer()


def _tokens(text: str) -> list[tuple[str, str, int, int, bool]]:
    """(indexed form, lowercased surface, start, end, stopped) per token, as Whoosh cuts.

    A CJK run is several tokens (its characters and bigrams), each with its own span.
    """
    # Whoosh reuses one Token object while iterating, so fields are copied out.
    stemmed = [(t.text, t.startchar, t.endchar, t.stopped)
               for t in ANALYZER(text, chars=True, removestops=False)]  # fmt: skip
    return [(st, text[s:e].lower(), s, e, stop) for st, s, e, stop in stemmed]


def reference_spans(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """What the analyzer says: tokens whose indexed form is a term, or that start with
    a typed prefix (``lith*``)."""
    wanted = {t for t in terms if t and not t.endswith("*")}
    prefixes = tuple(t[:-1] for t in terms if t.endswith("*") and t != "*")
    return sorted({(s, e) for st, low, s, e, _ in _tokens(text)
                   if st in wanted or (prefixes and low.startswith(prefixes))})  # fmt: skip


def indexed_terms(text: str) -> set[str]:
    """Every term the index would hold for ``text`` (stop words and 1-letter words drop)."""
    return {st for st, _, _, _, stopped in _tokens(text) if not stopped}


def _seed_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# --- term_spans == the analyzer ---------------------------------------------------------


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_seed_spans_match_the_analyzer_for_every_term(path: Path) -> None:
    text = _seed_text(path)
    terms = indexed_terms(text)
    assert len(terms) > 50
    assert term_spans(text, terms) == reference_spans(text, terms)


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_seed_spans_match_for_random_term_sets_and_prefixes(path: Path) -> None:
    text = _seed_text(path)
    rng = random.Random(path.name)
    terms = sorted(indexed_terms(text))
    others = sorted(set().union(*(indexed_terms(_seed_text(p)) for p in SEED_FILES)))
    for k in (1, 1, 2, 3, 5, 10, 40):
        chosen = set(rng.sample(terms, k)) | set(rng.sample(others, min(k, 3)))
        assert term_spans(text, chosen) == reference_spans(text, chosen), chosen
    for prefix in ("lith*", "l*", "bat*", "licen*", "c*", "2*", "catl*", "tesla*", "zzz*"):
        chosen = {prefix, "market"}
        assert term_spans(text, chosen) == reference_spans(text, chosen), prefix


def test_licensing_lights_up_every_inflection_in_a_seed() -> None:
    text = _seed_text(SEED_FILES[0])
    words = {text[s:e].lower() for s, e in term_spans(text, {"licens"})}
    assert {"license", "licensing"} <= words
    assert all(w.startswith("licens") for w in words)


TRICKY = [
    "The U.S. and the U.K. signed; U.S.-China talks (U.S) resume. u.s. too.",
    "A x.lithium token, lithium.ion, 3.5 GWh and v2.0.1 are single tokens.",
    "Lithium-ion, lithium–ion and LITHIUM ION; co-operation and re-charging.",
    "Batteries, battery, BATTERY and batteries' prices; happy, happiness, HAPPILY, happier.",
    "Generalisation, generalization, generously, generation, generator, generals.",
    "Relational, conditional, rational, valency, hopefully, goodness, formality.",
    "Zürich, ÉNERGIE, énergie, naïve, Straße, STRASSE, Ωmega, ωmega, σίσυφος, ΣΊΣΥΦΟΣ.",
    "İstanbul, İSTANBUL and istanbul; ǅungla; the ﬁre; Kelvin 10K.",
    "宁德时代 CATL 电池 battery; 한국어 LG에너지솔루션 cells.",
    "Footnote lithium* and *cobalt, lith*um, snake_case_words and __dunder__.",
    "Digits 2024 2024-06-07 4680cells 4680 cells, 0.61% and 75,85.",
    "...lithium...cobalt... nickel?!manganese;graphite:anode/cathode\\electrolyte",
    "Stop words: the and of to in a is it be are as was were this that an",
    "",
    "   ",
    "a",
]


@pytest.mark.parametrize("text", TRICKY, ids=range(len(TRICKY)))
def test_tricky_text_matches_the_analyzer(text: str) -> None:
    terms = indexed_terms(text)
    assert term_spans(text, terms) == reference_spans(text, terms)
    for term in sorted(terms):  # one at a time: each head on its own in the pattern
        assert term_spans(text, {term}) == reference_spans(text, {term}), term


@pytest.mark.parametrize(
    ("text", "terms", "expected"),
    [
        ("Batteries and a battery", {"batteri"}, ["Batteries", "battery"]),
        ("Happy happiness, HAPPILY", {"happi"}, ["Happy", "happiness"]),
        ("HAPPILY ever after", {"happili"}, ["HAPPILY"]),
        ("x.lithium and lithium", {"lithium"}, ["lithium"]),
        ("Lithium-ion LITHIUM", {"lithium", "ion"}, ["Lithium", "ion", "LITHIUM"]),
        ("lithium* is not lithium", {"lithium"}, ["lithium"]),
        ("The U.S. market", {"u."}, ["U.S"]),
        ("İstanbul and İSTANBUL", {"i̇stanbul"}, ["İstanbul", "İSTANBUL"]),
        ("lithography, lithium, Lithe, alithium", {"lith*"}, ["lithography", "lithium", "Lithe"]),
        ("l lo La x.lo", {"l*"}, ["l", "lo", "La"]),
        # "storage" stems to "storag", "stored" and "storing" to "store".
        ("storage stored storing", {"store"}, ["stored", "storing"]),
        ("storage stored storing", {"storag", "store"}, ["storage", "stored", "storing"]),
        ("anything", {"*", ""}, []),
    ],
)
def test_known_cases(text: str, terms: set[str], expected: list[str]) -> None:
    spans = term_spans(text, terms)
    assert [text[s:e] for s, e in spans] == expected
    assert spans == reference_spans(text, terms)
    assert [(h.start, h.end, h.kind) for h in highlight_spans(text, terms)] == [
        (s, e, "term") for s, e in spans
    ]


_VOCAB = (
    "lithium lithography lithe battery batteries happy happiness happily generation "
    "general generous relational rational conditional valency storage stored storing "
    "charging charger recharge U.S. U.K. e.g. x.lithium lithium* *cobalt co-operation "
    "Zürich ÉNERGIE İstanbul Straße naïve 4680 2024-06-07 v2.0 the of and a an L l"
).split()
_GLUE = [" ", " ", " ", ", ", ". ", "-", "/", " (", ") ", "'", '"', "…", "\n", "  "]


def _random_text(rng: random.Random, n: int) -> str:
    out = []
    for _ in range(n):
        word = rng.choice(_VOCAB)
        roll = rng.random()
        if roll < 0.15:
            word = word.upper()
        elif roll < 0.3:
            word = word.capitalize()
        out.append(word + rng.choice(_GLUE))
    return "".join(out)


def test_random_texts_match_the_analyzer() -> None:
    rng = random.Random(99)
    for _ in range(150):
        text = _random_text(rng, rng.randint(1, 60))
        pool = sorted(indexed_terms(" ".join(_VOCAB)) | indexed_terms(text))
        terms = set(rng.sample(pool, rng.randint(1, 6)))
        if rng.random() < 0.4:
            terms.add(rng.choice(["lith*", "l*", "hap*", "gen*", "zü*", "ü*", "4*"]))
        assert term_spans(text, terms) == reference_spans(text, terms), (text, terms)


# --- snippet -------------------------------------------------------------------------


def _filler(rng: random.Random, chars: int) -> str:
    words = "alpha beta gamma delta epsilon zeta theta kappa sigma omega report market".split()
    out: list[str] = []
    while sum(len(w) + 1 for w in out) < chars:
        out.append(rng.choice(words))
    return " ".join(out)


def _body(snip: str) -> tuple[int, int]:
    start = 2 if snip.startswith("… ") else 0
    end = len(snip) - 2 if snip.endswith(" …") else len(snip)
    return start, end


def _check_snippet(text: str, terms: set[str], width: int = 220) -> tuple[str, list[str]]:
    """The invariants every snippet keeps; returns it and the words its spans mark."""
    snip, spans = snippet(text, terms, width=width)
    flat = " ".join(text.split())
    lo, hi = _body(snip)
    body = snip[lo:hi]
    assert body in flat
    assert len(body) <= width
    assert list(spans) == sorted(spans)
    for s, e in spans:
        assert lo <= s < e <= hi, (snip, s, e)  # never on the ellipses
    # Exactly the term tokens of the whole text that lie inside the body are marked.
    marked = [(s - lo, e - lo) for s, e in spans]
    everywhere = reference_spans(flat, terms)
    assert any(
        marked == [(s - at, e - at) for s, e in everywhere if at <= s and e <= at + len(body)]
        for at in (m.start() for m in re.finditer(re.escape(body), flat))
    ), (snip, spans)
    return snip, [snip[s:e] for s, e in spans]


def test_snippet_prefers_the_window_with_most_distinct_terms() -> None:
    rng = random.Random(1)
    text = (
        _filler(rng, 300) + " lithium lithium lithium lithium lithium " + _filler(rng, 600)
        + " lithium and cobalt with nickel " + _filler(rng, 600)
        + " cobalt " + _filler(rng, 400)
    )  # fmt: skip
    _, words = _check_snippet(text, {"lithium", "cobalt", "nickel"})
    assert {w.lower() for w in words} == {"lithium", "cobalt", "nickel"}
    assert len(words) == 3  # the window of five "lithium" is not the one shown


def test_snippet_counts_distinct_terms_not_distinct_spellings() -> None:
    # Four spellings of one term must not outweigh two different terms.
    rng = random.Random(2)
    text = (
        _filler(rng, 400) + " Battery batteries BATTERY Batteries battery " + _filler(rng, 600)
        + " lithium prices and cobalt " + _filler(rng, 600)
    )  # fmt: skip
    _, words = _check_snippet(text, {"batteri", "lithium", "cobalt"})
    assert {w.lower() for w in words} >= {"lithium", "cobalt"}


def test_snippet_counts_a_prefix_as_one_term() -> None:
    rng = random.Random(3)
    text = (
        _filler(rng, 400) + " lithium lithography lithe lithic " + _filler(rng, 600)
        + " lithium with cobalt " + _filler(rng, 600)
    )  # fmt: skip
    _, words = _check_snippet(text, {"lith*", "cobalt"})
    assert "cobalt" in words


def test_snippet_shows_all_terms_of_the_window_it_chose() -> None:
    # "lithium lithium" and "cobalt" ~185 characters apart share a 220-character window,
    # but a snippet (which starts a quarter width before its window) cannot show both;
    # "nickel cobalt" elsewhere can be shown whole and must win.
    rng = random.Random(4)
    for lead in (0, 40, 300, 800):
        text = (_filler(rng, lead) + " lithium lithium " + _filler(rng, 185) + " cobalt "
                + _filler(rng, 900) + " nickel cobalt " + _filler(rng, 500))  # fmt: skip
        snip, words = _check_snippet(text, {"lithium", "cobalt", "nickel"})
        assert {"nickel", "cobalt"} <= set(words), (lead, snip)


def _most_distinct(flat: str, terms: set[str], width: int) -> int:
    """Brute force: the most distinct terms any ``width`` characters of ``flat`` hold."""
    spans = reference_spans(flat, terms)
    keys = [_key(flat[s:e], terms) for s, e in spans]
    best = 0
    for i, (start, _) in enumerate(spans):
        best = max(best, len({k for k, (_, e) in zip(keys[i:], spans[i:], strict=True)
                              if e <= start + width}))  # fmt: skip
    return best


def _key(word: str, terms: set[str]) -> str:
    word = word.lower()
    for t in sorted(terms):
        if t.endswith("*") and word.startswith(t[:-1]):
            return t
    return indexed_terms(word).pop() if indexed_terms(word) else word


def test_snippet_without_terms_or_text() -> None:
    text = "First words here. " + "more words " * 50
    snip, spans = snippet(text, {"absent"})
    assert spans == () and snip.startswith("First words here.") and snip.endswith(" …")
    assert snippet(text, ()) == (snip, ())
    assert snippet("", {"lithium"}) == ("", ())
    short = "Lithium prices rose."
    assert snippet(short, {"lithium"}) == (short, ((0, 7),))


def test_snippet_flattens_whitespace_and_spans_follow() -> None:
    text = "Cobalt\n\n  supply\tfrom   Congo;\n lithium  from Chile."
    snip, words = _check_snippet(text, {"cobalt", "lithium"})
    assert snip == "Cobalt supply from Congo; lithium from Chile."
    assert words == ["Cobalt", "lithium"]


def test_snippet_invariants_on_random_texts() -> None:
    rng = random.Random(5)
    for _ in range(200):
        text = _random_text(rng, rng.randint(1, 140))
        pool = sorted(indexed_terms(text) | {"lithium", "batteri"}) or ["lithium"]
        terms = set(rng.sample(pool, min(len(pool), rng.randint(1, 4))))
        if rng.random() < 0.5:
            terms.add(rng.choice(["l*", "lith*", "hap*"]))
        width = rng.choice([120, 160, 220])  # the lead-in (width // 4) must be >= 30
        snip, words = _check_snippet(text, terms, width=width)
        # Whatever window it picks, no half-width stretch of the text has more terms.
        shown = {_key(w, terms) for w in words}
        assert len(shown) >= _most_distinct(" ".join(text.split()), terms, width // 2), snip


def test_mark_wraps_spans() -> None:
    snip, spans = snippet("Lithium and cobalt prices", {"lithium", "cobalt"})
    assert (
        mark(snip, spans)
        == f"{MARK_OPEN}Lithium{MARK_CLOSE} and {MARK_OPEN}cobalt{MARK_CLOSE} prices"
    )
    assert mark(snip, reversed(spans)) == mark(snip, spans)
    assert mark("plain", ()) == "plain"


# --- through a library: the engine's terms drive the snippets -------------------------


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Library:
    root = tmp_path_factory.mktemp("hl")
    shutil.copytree(SEEDS, root / "src")
    lib = Library(root / "lib")
    lib.update([root / "src"])
    yield lib
    lib.close()


@pytest.mark.parametrize(
    ("query", "check"),
    [
        ("licensing", lambda w: re.match(r"licen[sc]", w.lower())),
        ("batteries", lambda w: w.lower().startswith("batter")),
        ("lith*", lambda w: w.lower().startswith("lith")),
        ('"battery technology"', lambda w: w.lower().startswith(("batter", "technolog"))),
        ("catl AND NOT tesla", lambda w: w.lower() == "catl"),
    ],
)
def test_search_snippets_mark_the_query_terms(seeded: Library, query: str, check) -> None:  # type: ignore[no-untyped-def]
    res = seeded.search(SearchRequest(query=query, limit=10, with_facets=False))
    assert res.total and res.hits
    assert any(h.snippet_spans for h in res.hits)
    for hit in res.hits:
        for s, e in hit.snippet_spans:
            word = hit.snippet[s:e]
            assert check(word), (query, word)
            assert reference_spans(word, set(res.terms)) == [(0, len(word))]


def test_document_highlights_use_the_same_terms(seeded: Library) -> None:
    hit = seeded.search("lith* licensing").hits[0]
    doc = seeded.document(hit.id)
    assert doc is not None
    spans = seeded.highlights(doc, "lith* licensing")
    text = doc.full_text
    assert spans
    assert {text[h.start : h.end].lower()[:4] for h in spans} <= {"lith", "lice"}


def test_find_path_lights_what_the_regex_path_lights() -> None:
    """``term_spans`` by str.find on heads against the regex path it stands in for, on
    text full of the token rules' corners: dots, underscores, asterisks, digits, and
    letters with case folds of their own (ſ, K, İ, ß)."""
    from cellsight.core.query import highlight

    def by_regex(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
        wanted = {t for t in terms if not t.endswith("*")}
        prefixes = tuple(t[:-1] for t in terms if t.endswith("*"))
        return [m.span() for m in highlight._pattern(terms).finditer(text)
                if (prefixes and m.group().lower().startswith(prefixes))
                or (wanted and highlight.stem_of(m.group().lower()) in wanted)]  # fmt: skip

    rng = random.Random(5)
    words = ["lithium", "Lith", "lithograph", "li", "U.S", "e.g", "a_b", "x*y", "4680",
             "3.5", "GIGA", "gigafactory", "cell", "cells", "li.th", "_li", "*li", "ſtrong",
             "strong", "\u212aelvin", "kelvin", "İstanbul", "straße", "Zürich", "€5bn"]
    glue = [" ", ".", ". ", "..", "_", "*", "-", ",", "\n", "", "'", "’", " — ", "€", "¥"]
    pool = ["lith*", "li*", "l*", "gig*", "cell", "lithium", "4*", "a_b", "x*", "strong",
            "st*", "kelvin", "k*", "istanbul", "i*", "z*"]
    tried = 0
    for _ in range(600):
        text = "".join(rng.choice(words) + rng.choice(glue) for _ in range(rng.randint(1, 30)))
        terms = frozenset(rng.sample(pool, rng.randint(1, 4)))
        tried += highlight._plain_heads(terms) and len(text.lower()) == len(text)
        assert term_spans(text, terms) == by_regex(text, terms), (text, terms)
    assert tried > 200
