"""The array query engine against Whoosh itself, on a generated multi-segment library.

Whoosh's own ``docs_for_query`` over the same index generation is the oracle: every
query must find exactly the documents Whoosh finds (deleted and replaced ones never),
hits must come best first (or newest first), and the pieces underneath (``top``, day
bounds, phrase positions, the posting-array cache) are checked on their own.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import os
import random
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from whoosh import query as wq
from whoosh.util.times import datetime_to_long

from cellsight.core.library import Library
from cellsight.core.model import SearchRequest, SearchResult
from cellsight.core.paths import resources_dir
from cellsight.core.query import engine
from cellsight.core.query.engine import Context, _day_bounds, evaluate, top
from cellsight.core.query.postings import ArrayCache

# --- the generated corpus -----------------------------------------------------------

# Words that share stems ("battery"/"batteries", "charge"/"charging") or only a prefix
# ("lithium"/"lithography"/"lithe"), so stemming, prefixes and fuzzy terms all matter.
WORDS = (
    "lithium lithography lithe lithic battery batteries batter storage store stored storing "
    "energy energies energetic charge charging charged charger licence licensing licensed "
    "plant plants planting price prices pricing priced cell cells cellular cathode cathodes "
    "anode supply supplies supplier happy happiness happily generation generator general "
    "grid grids capacity gigafactory gigafactories partnership partner recycling recycled "
    "tariff tariffs demand sales mining mined refinery refining export exports subsidy "
    "subsidies nickel cobalt ladder lemon"
).split()
STOPS = "the of and to in a for with on".split()
PHRASES = ("energy storage", "storage energy", "grid storage. Energy prices", "lithium prices")
# Dates on and next to the bounds the range queries below use, besides random ones.
EDGE_DATES = tuple(
    dt.date.fromisoformat(d)
    for d in (
        "2021-12-31", "2022-01-01", "2022-01-02", "2022-12-31", "2023-01-01", "2023-06-30",
        "2023-07-01", "2024-01-01", "2024-02-29", "2024-12-31", "2025-01-01", "2025-01-02",
    )
)  # fmt: skip
ENTITY_TYPES = ("company", "material", "place", "organisation", "person", "policy")


def _catalogue_names() -> dict[str, list[str]]:
    data = tomllib.loads((resources_dir() / "catalogue.toml").read_text(encoding="utf-8"))
    names: dict[str, list[str]] = {}
    for e in data["entity"]:
        if not e.get("exact"):  # names whose matching depends on case are left out
            names.setdefault(e["type"], []).append(e["name"])
    return names


class Corpus:
    """Writes seeded random text articles ("Title:/Date:/Source:" header + body)."""

    def __init__(self, src: Path, seed: int = 20240607) -> None:
        self.src = src
        self.rng = random.Random(seed)
        self.names = _catalogue_names()
        self.count = 0
        self.version: dict[Path, int] = {}

    def words(self, n: int) -> str:
        rng = self.rng
        return " ".join(rng.choice(STOPS) if rng.random() < 0.2 else rng.choice(WORDS)
                        for _ in range(n))  # fmt: skip

    def text(self, n: int, draft: str) -> str:
        rng = self.rng
        head = f"Title: {self.words(rng.randint(2, 5)).capitalize()} report {n}\n"
        roll = rng.random()
        if roll < 0.2:
            head += f"Date: {rng.choice(EDGE_DATES).isoformat()}\n"
        elif roll < 0.85:
            day = dt.date(2019, 6, 1) + dt.timedelta(days=rng.randrange(0, 7 * 365))
            head += f"Date: {day.isoformat()}\n"
        head += f"Source: {rng.choice(['Test Wire', 'Cell Daily', 'Grid Weekly'])}\n\n"
        ents = [rng.choice(self.names[t]) for t in ENTITY_TYPES if rng.random() < 0.5]
        parts = [self.words(rng.randint(12, 40)).capitalize() + "."]
        if ents:
            parts.append(f"Analysts mentioned {', '.join(ents)}.")
        if rng.random() < 0.35:
            parts.append(f"Talk turned to {rng.choice(PHRASES)} again.")
        parts.append(self.words(rng.randint(8, 30)).capitalize() + f" {draft} doc{n}.")
        return head + " ".join(parts) + "\n"

    def add(self, k: int) -> list[Path]:
        out = []
        for _ in range(k):
            path = self.src / f"a{self.count:04d}.txt"
            path.write_text(self.text(self.count, "firstdraft"), encoding="utf-8")
            self.count += 1
            out.append(path)
        return out

    def modify(self, path: Path) -> None:
        n = int(path.stem[1:])
        path.write_text(self.text(n, "seconddraft"), encoding="utf-8")
        bump = self.version[path] = self.version.get(path, 0) + 1
        os.utime(path, ns=(1, 1_700_000_000_000_000_000 + bump * 1_000_000_000))


@dataclass
class Built:
    lib: Library
    corpus: Corpus
    deleted_ids: set[str] = field(default_factory=set)  # of files removed for good
    modified: set[Path] = field(default_factory=set)
    stage_checks: list[tuple[int, str, int, int]] = field(default_factory=list)


_RAW: dict[tuple[int, int, str], frozenset[int]] = {}


def whoosh_raw(lib: Library, text: str) -> frozenset[int]:
    """Whoosh's own answer for a query text, memoised per index generation."""
    gen = lib.searcher._current()
    key = (id(lib), gen.number, text)
    if key not in _RAW:
        _RAW[key] = frozenset(gen.searcher.docs_for_query(lib.searcher.parse(text)))
    return _RAW[key]


def whoosh_docnums(lib: Library, q: wq.Query | str) -> set[int]:
    """Whoosh's matches, less deleted documents.

    Whoosh's own ``InverseMatcher`` (a top-level NOT) can yield the deleted document
    right after the child's last match in a segment (it stops checking ``missing``
    once the child is exhausted), so its raw answer is only trusted on live documents;
    ``test_whoosh_differs_only_by_deleted_documents`` pins that down.
    """
    s = lib.searcher._current().searcher
    raw = whoosh_raw(lib, q) if isinstance(q, str) else s.docs_for_query(q)
    reader = s.reader()
    return {n for n in raw if not reader.is_deleted(n)}


def whoosh_ids(lib: Library, q: wq.Query | str) -> set[str]:
    s = lib.searcher._current().searcher
    return {s.stored_fields(n)["id"] for n in whoosh_docnums(lib, q)}


def keyword_ids(lib: Library, fieldname: str, value: str) -> set[str]:
    return whoosh_ids(lib, wq.Term(fieldname, value))


# The query mix; each must be accepted by the parser (checked below).
QUERIES = [
    # terms, stems
    "lithium", "batteries", "battery", "storage", "energy", "happy", "happiness", "charging",
    "nosuchwordanywhere", "firstdraft", "seconddraft",
    # boolean
    "lithium AND cobalt", "lithium cobalt", "storage energy grid", "lithium OR nickel",
    "happy OR happily OR tariff", "lithium NOT cobalt", "NOT lithium", "NOT nosuchword",
    "storage AND NOT (grid OR tariff)",
    "(lithium OR nickel) AND (storage OR (grid AND NOT tariff))",
    "((charging OR charger) AND (plant OR plants)) OR gigafactory",
    "(happy AND NOT (cobalt OR (nickel AND grid))) OR (lemon AND ladder)",
    # phrases, including a reversed one, one across a sentence end and a stop word
    '"energy storage"', '"storage energy"', '"grid storage energy"',
    '"storage energy prices"', '"energy prices storage"', '"lithium prices"',
    '"lithium price"', '"the energy"', '"energy of storage"', '"talk turned to"',
    '"energy storage" AND NOT "storage energy"', '"energy storage" OR "lithium prices"',
    # fields (keyword values resolved case-insensitively, aliases too)
    "title:lithium", 'title:"energy storage"', "title:report", "text:lithium",
    "company:CATL", "company:catl", "co:BYD", 'company:"LG Energy Solution"',
    'topic:"Energy storage"', 'topic:"raw materials and prices"', "material:cobalt",
    "material:lithium", "place:China", "year:2024", 'source:"Test Wire"',
    "company:CATL OR material:nickel", "lithium AND NOT material:lithium",
    # prefixes, wildcards, fuzzy
    "lith*", "Lith*", "l", "batter*", "char*", "title:lith*", "lith?um", "b*ies", "*ing",
    "c?ll*", "lithum~", "batery~2", "storag~", "happy~1",
    # dates
    "date:2024", "date:2022", "date:[2023-01-01 to 2023-06-30]", "date:>2025-01-01",
    "date:<2022-01-01", "date:>=2025-01-01", "date:<=2021-12-31",
    "date:{2023-01-01 to 2023-06-30}", "date:{2022-12-31 to 2023-07-01}",
    "date:[2025-01-01 to]", "date:[to 2021-06-30]", "date:[2024-02 to 2024-03]",
    "date:[2021 to 2022]", "lithium date:2024", "NOT date:2024",
    "(date:2023 OR date:2025) AND storage", "date:2024 AND NOT company:CATL",
]  # fmt: skip
# Queries whose scoring is plain BM25F sums, where Whoosh's own scores must be matched.
SCORED = [
    "lithium", "batteries", "energy storage", "lithium OR nickel", "title:lithium",
    "happy happiness", "storage AND (grid OR tariff)", "firstdraft",
]  # fmt: skip
# Searched after each update run but the last (which the parametrized tests cover), so
# arrays of segments that later gain deletions sit in the cache.
WARM = QUERIES[::2]


def _stage(built: Built, stage: int) -> None:
    lib = built.lib
    for text in WARM:
        res = lib.search(SearchRequest(query=text, limit=5, with_facets=False))
        built.stage_checks.append((stage, text, res.total, len(whoosh_docnums(lib, text))))


def _delete(built: Built, path: Path) -> None:
    ids = built.lib.store.doc_ids_for_path(str(path))
    assert ids, f"{path} should be in the store"
    built.deleted_ids.update(ids)  # file names are never reused, so neither are the ids
    path.unlink()
    built.modified.discard(path)


def _modify(built: Built, path: Path) -> None:
    # The new version keeps the document id; the "firstdraft" marker tells them apart.
    built.corpus.modify(path)
    built.modified.add(path)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("engine")
    src = root / "src"
    src.mkdir()
    corpus = Corpus(src)
    lib = Library(root / "lib")
    out = Built(lib, corpus)
    rng = random.Random(7)

    first = corpus.add(140)
    assert lib.update([src]).added == 140
    _stage(out, 1)

    second = corpus.add(90)
    for path in rng.sample(first, 12):
        _modify(out, path)
    for path in rng.sample([p for p in first if p not in out.modified], 10):
        _delete(out, path)
    report = lib.update()
    assert (report.added, report.updated, report.removed) == (90, 12, 10)
    _stage(out, 2)

    corpus.add(60)
    alive = [p for p in (*first, *second) if p.exists()]
    for path in rng.sample(alive, 8) + rng.sample(sorted(out.modified), 2):
        _modify(out, path)
    for path in rng.sample(alive, 8):
        _delete(out, path)
    lib.update()
    _stage(out, 3)

    indexed = sorted(src.glob("*.txt"))
    corpus.add(30)
    for path in rng.sample(indexed, 5):
        _delete(out, path)
    lib.update()
    yield out
    lib.close()


# --- the corpus is what the tests assume ------------------------------------------------


def test_corpus_spans_segments_with_deletions_and_fills_facets(built: Built) -> None:
    lib = built.lib
    reader = lib.searcher._current().searcher.reader()
    leaves = list(reader.leaf_readers())
    assert len(leaves) >= 3, "several update runs should leave several segments"
    assert any(leaf.has_deletions() for leaf, _ in leaves)
    assert reader.doc_count() < reader.doc_count_all()
    live = len(list(built.corpus.src.glob("*.txt")))
    browse = lib.search(SearchRequest(query="", limit=1))
    assert browse.total == live == reader.doc_count()
    assert 250 <= live <= 400
    for facet in ("company", "material", "topic", "place", "year", "source"):
        assert len(browse.facets[facet]) >= 2, facet
    assert {c.value for c in browse.facets["year"]} >= {"2021", "2022", "2023", "2024", "2025"}


def test_every_query_parses_to_something(built: Built) -> None:
    for text in QUERIES:
        q = built.lib.searcher.parse(text)
        assert q is not None and type(q).__name__ != "_NullQuery", text


def test_whoosh_differs_only_by_deleted_documents(built: Built) -> None:
    """The oracle's one correction: everything else Whoosh returns is counted as is."""
    lib = built.lib
    s = lib.searcher._current().searcher
    quirks = 0
    for text in QUERIES:
        raw = whoosh_raw(lib, text)
        extra = raw - whoosh_docnums(lib, text)
        assert all(s.reader().is_deleted(n) for n in extra), text
        quirks += bool(extra)
        if not text.startswith("NOT "):
            assert not extra, text  # only a top-level NOT goes through InverseMatcher
    # The corpus does hit the quirk, so the correction above is not hypothetical; the
    # engine leaves deleted documents out (test_query_finds_exactly_what_whoosh_finds).
    assert quirks >= 1


def test_totals_matched_whoosh_at_every_generation(built: Built) -> None:
    """Checked after each update run, with the cache holding earlier generations' arrays."""
    assert {stage for stage, *_ in built.stage_checks} == {1, 2, 3}
    wrong = [(stage, text, got, want) for stage, text, got, want in built.stage_checks
             if got != want]  # fmt: skip
    assert not wrong


# --- the query mix on the final generation ------------------------------------------------


def _all_hits(lib: Library, req: SearchRequest) -> SearchResult:
    res = lib.search(req)
    assert len(res.hits) == min(res.total, req.limit)
    return res


def _assert_best_first(res: SearchResult) -> None:
    scores = [h.score for h in res.hits]
    assert all(a >= b for a, b in itertools.pairwise(scores)), scores
    assert all(math.isfinite(s) for s in scores)


def _assert_newest_first(res: SearchResult) -> None:
    keys = [(h.date or dt.date.min, h.score) for h in res.hits]
    for (d1, s1), (d2, s2) in itertools.pairwise(keys):
        assert d1 >= d2
        if d1 == d2:
            assert s1 >= s2  # equal days: best first


@pytest.mark.parametrize("text", QUERIES)
def test_query_finds_exactly_what_whoosh_finds(built: Built, text: str) -> None:
    lib = built.lib
    expected = whoosh_ids(lib, text)
    res = _all_hits(lib, SearchRequest(query=text, limit=10_000, with_facets=False))
    ids = [h.id for h in res.hits]
    assert res.total == len(expected)
    assert len(ids) == len(set(ids))
    assert set(ids) == expected
    assert not set(ids) & built.deleted_ids
    _assert_best_first(res)
    # A short page is the head of the full ranking.
    page = lib.search(SearchRequest(query=text, limit=7, with_facets=False))
    assert page.total == res.total
    assert [h.id for h in page.hits] == ids[:7]
    nxt = lib.search(SearchRequest(query=text, limit=7, offset=7, with_facets=False))
    assert [h.id for h in nxt.hits] == ids[7:14]


@pytest.mark.parametrize(
    "text", ["lithium", "storage AND NOT grid", '"energy storage"', "lith*", "date:2023",
             "company:CATL OR material:nickel"],
)  # fmt: skip
def test_date_sort_is_newest_first_with_the_same_matches(built: Built, text: str) -> None:
    lib = built.lib
    expected = whoosh_ids(lib, text)
    res = _all_hits(lib, SearchRequest(query=text, sort="date", limit=10_000,
                                       with_facets=False))  # fmt: skip
    assert res.total == len(expected)
    assert {h.id for h in res.hits} == expected
    _assert_newest_first(res)
    page = lib.search(SearchRequest(query=text, sort="date", limit=5, offset=3,
                                    with_facets=False))  # fmt: skip
    assert [h.id for h in page.hits] == [h.id for h in res.hits][3:8]


def test_browse_lists_every_live_document_newest_first(built: Built) -> None:
    lib = built.lib
    s = lib.searcher._current().searcher
    live = {s.stored_fields(n)["id"] for n in range(s.doc_count_all())
            if not s.reader().is_deleted(n)}  # fmt: skip
    res = _all_hits(lib, SearchRequest(query="", limit=10_000, with_facets=False))
    assert res.total == len(live)
    assert {h.id for h in res.hits} == live
    assert not live & built.deleted_ids
    _assert_newest_first(res)
    assert res.hits[-1].date is None  # undated documents come last
    star = lib.search(SearchRequest(query="*", limit=10_000, with_facets=False))
    assert [h.id for h in star.hits] == [h.id for h in res.hits]


def test_replaced_and_deleted_versions_never_match(built: Built) -> None:
    lib = built.lib
    live = list(built.corpus.src.glob("*.txt"))
    modified = {p for p in built.modified if p.exists()}
    assert len(modified) > 10 and len(built.deleted_ids) > 20
    # Independent of Whoosh: the draft marker says which version of a file is indexed.
    assert lib.search("firstdraft").total == len(live) - len(modified)
    assert lib.search("seconddraft").total == len(modified)
    res = lib.search(SearchRequest(query="firstdraft OR seconddraft", limit=10_000,
                                   with_facets=False))  # fmt: skip
    assert {Path(h.path) for h in res.hits} == set(live)  # type: ignore[arg-type]
    for path in sorted(modified)[:5]:
        n = int(path.stem[1:])
        assert lib.search(f"doc{n} AND firstdraft").total == 0
        assert lib.search(f"doc{n} AND seconddraft").total == 1


def _facet_values(built: Built, fieldname: str) -> list[str]:
    res = built.lib.search(SearchRequest(query=""))
    return [c.value for c in res.facets[fieldname]]


def test_filters_and_excludes_match_whoosh(built: Built) -> None:
    lib = built.lib
    companies = _facet_values(built, "company")
    topics = _facet_values(built, "topic")
    a, b = companies[0], companies[1]
    t = topics[-1]
    cases = [
        ("lithium", ((("company", a),)), ()),
        ("lithium", (("company", a), ("company", b)), ()),  # OR within a field
        ("storage OR grid", (("companies", a), ("topic", t)), ()),  # AND across, alias
        ("storage", (), (("material", "cobalt"),)),
        ("", (("year", "2024"),), (("company", a),)),
        ("lith* date:[2022 to 2024]", (("topic", t),), (("material", "nickel"),)),
        ("NOT lithium", (), (("year", "2023"), ("year", "2024"))),
    ]
    for text, filters, excludes in cases:
        base = whoosh_ids(lib, text) if text else whoosh_ids(lib, wq.Every())
        by_field: dict[str, set[str]] = {}
        for f, v in filters:
            by_field.setdefault("company" if f == "companies" else f, set()).add(v)
        expected = set(base)
        for f, values in by_field.items():
            expected &= set().union(*(keyword_ids(lib, f, v) for v in values))
        for f, v in excludes:
            expected -= keyword_ids(lib, f, v)
        req = SearchRequest(query=text, filters=filters, excludes=excludes, limit=10_000)
        res = _all_hits(lib, req)
        assert res.total == len(expected), (text, filters, excludes)
        assert {h.id for h in res.hits} == expected
        if text:
            _assert_best_first(res)
        else:
            _assert_newest_first(res)
        # A facet's own selection is left out of its counts; others apply.
        for f, values in by_field.items():
            others = set(base)
            for g, gv in by_field.items():
                if g != f:
                    others &= set().union(*(keyword_ids(lib, g, v) for v in gv))
            for x in excludes:
                others -= keyword_ids(lib, *x)
            counts = {c.value: c.count for c in res.facets[f]}
            for v in values:
                assert counts.get(v, 0) == len(others & keyword_ids(lib, f, v))


@pytest.mark.parametrize("text", SCORED)
def test_scores_are_whoosh_bm25f(built: Built, text: str) -> None:
    """Plain term/AND/OR queries rank as Whoosh's BM25F does (deletions included)."""
    lib = built.lib
    gen = lib.searcher._current()
    q = lib.searcher.parse(text)
    ctx = Context(gen.searcher, ArrayCache(), gen.facets.live)
    found = evaluate(ctx, q)
    want = {hit.docnum: hit.score for hit in gen.searcher.search(q, limit=None)}
    assert set(np.flatnonzero(found.mask).tolist()) == set(want)
    for docnum, score in want.items():
        assert found.score[docnum] == pytest.approx(score, rel=1e-4), docnum


# --- node types the parser does not produce, straight through evaluate() ------------------


def _direct(built: Built, q: wq.Query) -> tuple[set[int], set[int], np.ndarray]:
    gen = built.lib.searcher._current()
    ctx = Context(gen.searcher, ArrayCache(), gen.facets.live)
    found = evaluate(ctx, q)
    got = set(np.flatnonzero(found.mask).tolist())
    assert not (found.score[~found.mask]).any()
    return got, set(gen.searcher.docs_for_query(q)), found.score


def _b(f: str, t: str) -> wq.Term:
    return wq.Term(f, t)


DIRECT = [
    wq.AndNot(_b("body", "lithium"), _b("body", "cobalt")),
    wq.AndMaybe(_b("body", "storag"), _b("body", "energi")),
    wq.Require(_b("body", "storag"), _b("body", "grid")),
    wq.DisjunctionMax([_b("title", "lithium"), _b("body", "lithium")]),
    wq.ConstantScoreQuery(_b("body", "nickel"), 3.0),
    wq.Every(),
    wq.NullQuery,
    wq.Or([_b("body", "lithium"), _b("body", "cobalt"), _b("body", "nickel")], minmatch=2),
    wq.Phrase("body", ["energi", "storag"], slop=2),  # not slop 1: Whoosh answers it
    wq.TermRange("body", "lemon", "lithographi"),
    wq.Term("body", "nosuchterm"),
    wq.Term("nosuchfield", "x"),
    wq.Term("company", "Panasonic", boost=2.0),
    wq.Term("material", "lithium"),
    wq.Phrase("body", ["storag", "energi", "price"]),
    wq.Phrase("body", ["storag", "nosuchterm"]),
    wq.And([wq.Prefix("body", "lith"), wq.Not(wq.Wildcard("body", "lith?c"))]),
    wq.Variations("body", "batteri"),
    wq.NumericRange("date", datetime_to_long(dt.datetime(2025, 1, 1)), None, startexcl=True),
    wq.NumericRange("date", None, datetime_to_long(dt.datetime(2023, 7, 1)), endexcl=True),
    wq.NumericRange("date", datetime_to_long(dt.datetime(2023, 1, 1)),
                    datetime_to_long(dt.datetime(2023, 6, 30)), startexcl=True, endexcl=True),
    wq.NumericRange("date", datetime_to_long(dt.datetime(2022, 1, 1, 12)),
                    datetime_to_long(dt.datetime(2022, 12, 31, 12))),
]  # fmt: skip


@pytest.mark.parametrize("q", DIRECT, ids=[repr(q)[:60] for q in DIRECT])
def test_direct_nodes_match_whoosh(built: Built, q: wq.Query) -> None:
    got, want, _ = _direct(built, q)
    live = built.lib.searcher._current().facets.live
    assert got == {n for n in want if live[n]}


def test_exclusive_date_bounds_drop_the_boundary_day(built: Built) -> None:
    """The corpus has documents dated exactly on these days; exclusivity must bite."""
    lo = datetime_to_long(dt.datetime(2025, 1, 1))
    incl, _, _ = _direct(built, wq.NumericRange("date", lo, None))
    excl, _, _ = _direct(built, wq.NumericRange("date", lo, None, startexcl=True))
    on_day, _, _ = _direct(built, wq.NumericRange("date", lo, datetime_to_long(
        dt.datetime(2025, 1, 1, 23, 59, 59, 999999))))  # fmt: skip
    assert on_day and incl - excl == on_day


def test_constant_score_and_boosts(built: Built) -> None:
    got, _, score = _direct(built, wq.ConstantScoreQuery(_b("body", "nickel"), 3.0))
    assert got and set(np.unique(score[list(got)]).tolist()) == {3.0}
    company = _facet_values(built, "company")[0]
    got, _, score = _direct(built, wq.Term("company", company, boost=2.0))
    assert got and set(np.unique(score[list(got)]).tolist()) == {2.0}
    plain, _, s1 = _direct(built, _b("body", "lithium"))
    _, _, s2 = _direct(built, wq.Term("body", "lithium", boost=2.0))
    idx = sorted(plain)
    assert np.allclose(s2[idx], 2 * s1[idx])


def test_terms_for_highlighting_skip_excluded_words(built: Built) -> None:
    res = built.lib.search('lithium AND NOT cobalt lith* "energy storage"')
    assert "lithium" in res.terms and "lith*" in res.terms
    assert {"energi", "storag"} <= set(res.terms)
    assert "cobalt" not in res.terms


# --- engine.top -----------------------------------------------------------------------------


def _top_reference(scores: np.ndarray, mask: np.ndarray, n: int, days: np.ndarray | None):
    idx = np.flatnonzero(mask).tolist()
    if days is None:
        idx.sort(key=lambda i: (-float(scores[i]), i))
    else:
        idx.sort(key=lambda i: (-int(days[i]), -float(scores[i]), i))
    return idx[: max(n, 0)]


@pytest.mark.parametrize("seed", range(12))
def test_top_matches_a_full_sort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 300))
    # Few distinct values, so ties at the cut-off are the normal case.
    scores = rng.integers(0, 4, size).astype(np.float32) * np.float32(0.5)
    days = rng.integers(0, 5, size).astype(np.int64) * 1000
    mask = rng.random(size) < rng.choice([0.0, 0.1, 0.5, 1.0])
    for n in (0, 1, 2, 5, 17, int(mask.sum()), int(mask.sum()) + 3, size + 10):
        for d in (None, days):
            got = top(scores, mask, n, d)
            assert got.tolist() == _top_reference(scores, mask, n, d), (n, d is None)


def test_top_edge_cases() -> None:
    scores = np.array([1.0, 3.0, 3.0, 2.0], dtype=np.float32)
    mask = np.array([True, True, True, True])
    assert top(scores, mask, 0, None).tolist() == []
    assert top(scores, mask, -3, None).tolist() == []
    assert top(scores, np.zeros(4, bool), 5, None).tolist() == []
    assert top(scores, mask, 1, None).tolist() == [1]  # a tie goes to the lower docnum
    assert top(scores, mask, 2, None).tolist() == [1, 2]
    assert top(scores, mask, 10, None).tolist() == [1, 2, 3, 0]
    days = np.array([5, 0, 7, 7], dtype=np.int64)
    assert top(scores, mask, 2, days).tolist() == [2, 3]  # newest, then best
    assert top(scores, mask, 10, days).tolist() == [2, 3, 0, 1]  # undated (0) last
    only = np.array([False, False, False, True])
    assert top(scores, only, 3, days).tolist() == [3]
    assert top(np.zeros(0, np.float32), np.zeros(0, bool), 3, None).tolist() == []


# --- engine._day_bounds -----------------------------------------------------------------------


def _ord(y: int, m: int, d: int) -> int:
    return dt.date(y, m, d).toordinal()


def test_day_bounds_edges() -> None:
    midnight = dt.datetime(2024, 3, 10)
    noon = dt.datetime(2024, 3, 10, 12)
    tick = dt.datetime(2024, 3, 10, 0, 0, 0, 1)
    last = dt.datetime(2024, 3, 10, 23, 59, 59, 999999)
    day = _ord(2024, 3, 10)
    assert _day_bounds(None, None, False, False) == (None, None)
    assert _day_bounds(None, None, True, True) == (None, None)
    # Start: a midnight is inside unless excluded; any later instant starts next day.
    assert _day_bounds(midnight, None, False, False) == (day, None)
    assert _day_bounds(midnight, None, True, False) == (day + 1, None)
    assert _day_bounds(tick, None, False, False) == (day + 1, None)
    assert _day_bounds(noon, None, False, False) == (day + 1, None)
    assert _day_bounds(noon, None, True, False) == (day + 1, None)
    assert _day_bounds(last, None, False, False) == (day + 1, None)
    # End: the day's midnight is inside unless the end is that very midnight, excluded.
    assert _day_bounds(None, midnight, False, False) == (None, day)
    assert _day_bounds(None, midnight, False, True) == (None, day - 1)
    assert _day_bounds(None, noon, False, True) == (None, day)
    assert _day_bounds(None, last, False, False) == (None, day)
    assert _day_bounds(None, last, False, True) == (None, day)
    # Both, and a range that holds no midnight at all.
    assert _day_bounds(midnight, last, True, True) == (day + 1, day)
    assert _day_bounds(tick, noon, False, False) == (day + 1, day)
    # Month and year boundaries.
    assert _day_bounds(dt.datetime(2023, 12, 31, 6), dt.datetime(2024, 1, 1), False, True) == (
        _ord(2024, 1, 1), _ord(2023, 12, 31))  # fmt: skip
    assert _day_bounds(dt.datetime(2024, 2, 29), dt.datetime(2024, 3, 1), True, False) == (
        _ord(2024, 3, 1), _ord(2024, 3, 1))  # fmt: skip


def test_day_bounds_of_parsed_ranges(built: Built) -> None:
    def bounds(text: str) -> tuple[int | None, int | None]:
        q = built.lib.searcher.parse(text)
        assert isinstance(q, wq.NumericRange)
        start = engine.long_to_datetime(q.start) if q.start is not None else None
        end = engine.long_to_datetime(q.end) if q.end is not None else None
        return _day_bounds(start, end, q.startexcl, q.endexcl)

    assert bounds("date:[2023-01-01 to 2023-06-30]") == (_ord(2023, 1, 1), _ord(2023, 6, 30))
    assert bounds("date:2024") == (_ord(2024, 1, 1), _ord(2024, 12, 31))
    assert bounds("date:[2024-02 to 2024-03]") == (_ord(2024, 2, 1), _ord(2024, 3, 31))
    assert bounds("date:<2022-01-01") == (None, _ord(2022, 1, 1))
    assert bounds("date:[2025-01-01 to]") == (_ord(2025, 1, 1), None)


def test_single_full_date_is_one_day(built: Built) -> None:
    # The year-only shorthand once swallowed the year of a full date.
    q = built.lib.searcher.parse("date:2024-02-29")
    assert isinstance(q, wq.NumericRange)
    start, end = engine.long_to_datetime(q.start), engine.long_to_datetime(q.end)
    assert _day_bounds(start, end, q.startexcl, q.endexcl) == (_ord(2024, 2, 29),) * 2
    res = built.lib.search(SearchRequest(query="date:2024-02-29", limit=100))
    assert res.total == len(whoosh_ids(built.lib, "date:2024-02-29")) >= 1  # an edge date
    assert {h.date for h in res.hits} == {dt.date(2024, 2, 29)}


# --- phrases on positions -----------------------------------------------------------------


PHRASE_DOCS = {
    "forward.txt": "Title: Note one\n\nEnergy storage is growing fast.\n",
    "reverse.txt": "Title: Note two\n\nStorage energy is a reversed order.\n",
    "split.txt": "Title: Note three\n\nThe grid needs storage. Energy prices rose.\n",
    "apart.txt": "Title: Note four\n\nEnergy and storage, apart.\n",
    "repeat.txt": "Title: Note five\n\nStorage storage energy storage energy.\n",
    "titled.txt": "Title: Energy storage news\n\nNothing else here.\n",
}


@pytest.fixture(scope="module")
def phrase_lib(tmp_path_factory: pytest.TempPathFactory) -> Library:
    root = tmp_path_factory.mktemp("phrases")
    src = root / "src"
    src.mkdir()
    for name, text in PHRASE_DOCS.items():
        (src / name).write_text(text, encoding="utf-8")
    lib = Library(root / "lib")
    assert lib.update([src]).added == len(PHRASE_DOCS)
    yield lib
    lib.close()


def _names(lib: Library, text: str) -> set[str]:
    res = lib.search(SearchRequest(query=text, limit=100, with_facets=False))
    assert res.total == len(whoosh_ids(lib, text)), text
    assert {h.id for h in res.hits} == whoosh_ids(lib, text), text
    return {Path(h.path).name for h in res.hits}  # type: ignore[arg-type]


def test_phrase_word_order_matters(phrase_lib: Library) -> None:
    # Whoosh's StopFilter renumbers positions, so "Energy and storage" is a phrase match.
    assert _names(phrase_lib, '"energy storage"') == {"forward.txt", "repeat.txt",
                                                       "titled.txt", "apart.txt"}  # fmt: skip
    assert _names(phrase_lib, "energy storage") >= {"forward.txt", "reverse.txt", "apart.txt"}
    assert "reverse.txt" not in _names(phrase_lib, '"energy storage"')
    assert _names(phrase_lib, 'text:"energy storage"') == {"forward.txt", "repeat.txt",
                                                            "apart.txt"}  # fmt: skip
    assert _names(phrase_lib, 'title:"energy storage"') == {"titled.txt"}


def test_phrase_across_a_sentence_end_follows_whoosh(phrase_lib: Library) -> None:
    # The tokenizer drops the full stop, so "storage. Energy prices" is three neighbours.
    assert _names(phrase_lib, '"storage energy prices"') == {"split.txt"}
    assert _names(phrase_lib, '"storage energy"') == {"reverse.txt", "split.txt", "repeat.txt"}
    assert _names(phrase_lib, '"needs storage energy"') == {"split.txt"}
    assert _names(phrase_lib, '"grid needs storage energy prices"') == {"split.txt"}
    assert _names(phrase_lib, '"energy prices storage"') == set()
    assert _names(phrase_lib, '"storage storage energy"') == {"repeat.txt"}
    assert _names(phrase_lib, '"energy energy"') == set()


def test_phrase_with_a_removed_stop_word_follows_whoosh(phrase_lib: Library) -> None:
    # "and" is dropped from both sides, leaving a position gap in the text; whatever
    # Whoosh makes of that, the engine must agree (checked inside _names).
    _names(phrase_lib, '"energy and storage"')
    _names(phrase_lib, '"the grid needs"')


# --- ArrayCache ------------------------------------------------------------------------------


def _arr(n: int = 100) -> np.ndarray:
    return np.zeros(n, dtype=np.uint8)  # counted as n + 96 bytes


class _Builds:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def __call__(self, key: tuple, n: int = 100):  # type: ignore[no-untyped-def]
        def build() -> np.ndarray:
            self.calls.append(key)
            return _arr(n)

        return build


def test_array_cache_evicts_least_recently_used_within_budget() -> None:
    cache = ArrayCache(budget_bytes=3 * 196)
    built = _Builds()
    for name in "abc":
        cache.get(("s1", name), built(("s1", name)))
    assert cache.used == 3 * 196 and len(built.calls) == 3
    cache.get(("s1", "a"), built(("s1", "a")))  # a hit refreshes "a"
    assert len(built.calls) == 3
    cache.get(("s1", "d"), built(("s1", "d")))  # over budget: "b" is the oldest
    assert cache.used <= cache.budget
    assert set(cache._items) == {("s1", "a"), ("s1", "c"), ("s1", "d")}
    cache.get(("s1", "b"), built(("s1", "b")))  # rebuilt, evicting "c" now
    assert built.calls[-1] == ("s1", "b")
    assert set(cache._items) == {("s1", "a"), ("s1", "d"), ("s1", "b")}
    assert cache.used == sum(size for _, size in cache._items.values())


def test_array_cache_keeps_one_oversized_item_and_counts_tuples() -> None:
    cache = ArrayCache(budget_bytes=500)
    cache.get(("s1", "small"), lambda: _arr())
    big = cache.get(("s1", "big"), lambda: _arr(2000))
    assert list(cache._items) == [("s1", "big")]  # the newest stays even if too big
    assert cache.get(("s1", "big"), lambda: pytest.fail("should be cached")) is big
    cache = ArrayCache(budget_bytes=10_000)
    cache.get(("s1", "pair"), lambda: (_arr(10), _arr(20)))
    assert cache.used == (10 + 96) + (20 + 96) + 56


def test_array_cache_retain_drops_merged_away_segments() -> None:
    cache = ArrayCache()
    for seg in ("s1", "s2", "s3"):
        for kind in ("w", "p"):
            cache.get((seg, kind, "body", b"x"), lambda: _arr())
    cache.retain({"s2", "s9"})
    assert {k[0] for k in cache._items} == {"s2"}
    assert cache.used == 2 * 196
    cache.retain(set())
    assert not cache._items and cache.used == 0


def _segment_ids(lib: Library) -> set[str]:
    reader = lib.searcher._current().searcher.reader()
    return {leaf.segment().segment_id() for leaf, _ in reader.leaf_readers()}


def test_cached_postings_honour_later_deletions_and_merges(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for i in range(4):
        (src / f"z{i}.txt").write_text(f"Title: Zoo {i}\n\nThe zebrafish swam in tank {i}.\n")
    with Library(tmp_path / "lib") as lib:
        lib.update([src])
        (src / "later.txt").write_text("Title: Later\n\nAnother zebrafish arrived.\n")
        lib.update()
        assert len(_segment_ids(lib)) == 2
        first = lib.search("zebrafish")
        assert first.total == 5
        cache = lib.searcher._postings
        cached = [k for k in cache._items if k[1:] == ("w", "body", b"zebrafish")]
        assert len(cached) == 2  # one per segment, reused below

        victim = next(h for h in first.hits if h.title == "Zoo 1")
        (src / "z1.txt").unlink()
        (src / "z2.txt").write_text("Title: Zoo 2\n\nThe tank is empty now.\n")
        os.utime(src / "z2.txt", ns=(1, 1_800_000_000_000_000_000))
        report = lib.update()
        assert (report.removed, report.updated) == (1, 1)
        assert all(k in cache._items for k in cached)  # the same arrays are still used
        after = lib.search(SearchRequest(query="zebrafish", limit=50))
        assert after.total == 3
        assert victim.id not in {h.id for h in after.hits}
        assert {h.title for h in after.hits} == {"Zoo 0", "Zoo 3", "Later"}
        assert lib.search('"zebrafish swam"').total == 2
        assert lib.search("zebrafish AND tank").total == 2
        assert lib.search("NOT zebrafish").total == 1  # "Zoo 2", now without the word

        # A merge replaces every segment; their arrays must go with them.
        writer = lib.index.index.writer()
        writer.commit(optimize=True)
        assert len(_segment_ids(lib)) == 1
        assert lib.search("zebrafish").total == 3
        alive = _segment_ids(lib)
        assert cache._items and {k[0] for k in cache._items} <= alive
