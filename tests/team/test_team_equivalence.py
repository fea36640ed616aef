"""The team backend finds what the embedded backend finds (issue 18), on a real node.

One corpus (the seeds and the benchmark's first 2,000 generated files, a fifth of them
Chinese) is read once by the local pipeline into a team library's cache library (an
ordinary embedded library) and copied to OpenSearch; both then answer the benchmark's
query mix: equal totals, equal facet counts, and top-20 overlap of at least 0.9 per
category (measured values printed, and in benchmarks/RESULTS.md).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from team_node import request

from cellsight.core.model import SearchRequest
from cellsight.core.paths import seeds_dir
from cellsight.core.team import open_team_library
from cellsight.core.team.library import TeamLibrary

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from core_bench import FILTERED, QUERY_MIX  # noqa: E402

SIZE = 2000
MEASURED: dict[str, object] = {}  # printed with -s; the figures in benchmarks/RESULTS.md


def corpus_folders(tmp: Path) -> list[Path]:
    """The first 2,000 files of the benchmark corpus: a cached larger corpus holds them
    (file i depends only on the seed and i), else they are generated."""
    from corpus import GENERATOR_VERSION, OUT_ROOT, write_corpus

    for cached in sorted(OUT_ROOT.glob("corpus-*/files")):
        stamp = cached.parent / "files.manifest.json"
        try:
            m = json.loads(stamp.read_text())
        except (OSError, ValueError):
            continue
        if m.get("version") == GENERATOR_VERSION and m.get("files", 0) >= SIZE:
            return [cached / "000", cached / "001"]
    out = tmp / "corpus"
    write_corpus(SIZE, out)
    return sorted(p for p in out.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def team(opensearch_node: str, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[TeamLibrary]:
    tmp = tmp_path_factory.mktemp("team-2k")
    url = opensearch_node.replace("http://", "opensearch+http://") + "/corpus-2k"
    lib = open_team_library(url, cache=tmp / "cache")
    t0 = time.perf_counter()
    report = lib.update([seeds_dir(), *corpus_folders(tmp)])
    total_s = time.perf_counter() - t0
    assert not report.failed, report.failed[:3]
    sync = lib.last_sync
    assert sync is not None and sync.indexed == lib.local.count() > SIZE
    MEASURED.update({
        "docs": sync.indexed, "local_read_enrich_index_s": round(total_s - sync.seconds, 2),
        "team_sync_s": round(sync.seconds, 2),
        "team_docs_per_s": round(sync.indexed / sync.seconds, 1),
        "bulk_mb": round(sync.bytes_sent / 1e6, 1), "bulks": sync.bulks})
    yield lib
    lib.close()


def _requests() -> Iterator[tuple[str, SearchRequest]]:
    for category, queries in QUERY_MIX.items():
        for q in queries:
            yield category, SearchRequest(query=q, limit=20)
    for q, filters in FILTERED:
        yield "filter", SearchRequest(query=q, filters=filters, limit=20)


def _overlap(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    if not a and not b:
        return 1.0
    return len(set(a) & set(b)) / max(len(a), len(b))


def test_same_totals_facets_and_top_twenty(team: TeamLibrary) -> None:
    by_category: dict[str, list[float]] = {}
    latency: dict[str, list[float]] = {"team": [], "embedded": []}
    for category, req in _requests():
        for _ in range(3):  # the first run of each warms caches on both sides
            t0 = time.perf_counter()
            mine = team.search(req)
            latency["team"].append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            embedded = team.local.search(req)
            latency["embedded"].append((time.perf_counter() - t0) * 1000)
        assert mine.total == embedded.total, (req.query, mine.total, embedded.total)
        assert mine.facets == embedded.facets, req.query
        overlap = _overlap(tuple(h.id for h in mine.hits), tuple(h.id for h in embedded.hits))
        by_category.setdefault(category, []).append(overlap)
        for h, e in zip(mine.hits, embedded.hits, strict=False):
            if h.id == e.id:  # the same highlight code on the same text: the same marks
                assert (h.snippet, h.snippet_spans) == (e.snippet, e.snippet_spans), req.query
    means = {c: round(statistics.mean(v), 3) for c, v in by_category.items()}
    measured = MEASURED
    for side, values in latency.items():
        values.sort()
        measured[f"{side}_query_ms_median"] = round(statistics.median(values), 1)
        measured[f"{side}_query_ms_p95"] = round(values[int(len(values) * 0.95) - 1], 1)
    measured["top20_overlap"] = means
    print("\nteam vs embedded:", json.dumps(measured))
    assert all(v >= 0.9 for v in means.values()), means


def test_chinese_in_either_script_and_histogram(team: TeamLibrary) -> None:
    simplified = team.search(SearchRequest(query="宁德时代", with_histogram="month"))
    traditional = team.search(SearchRequest(query="寧德時代", with_histogram="month"))
    embedded = team.local.search(SearchRequest(query="宁德时代", with_histogram="month"))
    assert simplified.total == traditional.total == embedded.total > 0
    assert simplified.histogram == embedded.histogram and simplified.undated == embedded.undated
    assert "宁德时代" in simplified.terms
    assert any("«" not in h.snippet and h.snippet_spans for h in simplified.hits)


def test_excludes_user_tags_and_figure_ranges(team: TeamLibrary) -> None:
    ids = [h.id for h in team.local.search(SearchRequest(query="lithium", limit=5)).hits]
    team.local.workbench.tag(ids[:3], "watch")
    for req in (SearchRequest(query="tag:watch"), SearchRequest(query="lithium -tag:watch"),
                SearchRequest(query="battery", excludes=(("company", "CATL"),)),
                SearchRequest(query="capacity:>20"), SearchRequest(query="money:>1bn"),
                SearchRequest(query="battery", filters=(("capacity", "≥50 GWh"),)),
                SearchRequest(query="battery", filters=(("tag", "watch"),)),
                SearchRequest(query="company:catl"),  # the stored case, as embedded
                SearchRequest(query="lithium", sort="date"),
                SearchRequest(query="lithium", sort="capacity")):
        mine, embedded = team.search(req), team.local.search(req)
        assert mine.total == embedded.total, req
        assert mine.facets == embedded.facets, req
        if req.sort != "capacity":  # the figure sort ranks by the largest figure only
            assert _overlap(tuple(h.id for h in mine.hits),
                            tuple(h.id for h in embedded.hits)) >= 0.9, req


def test_paging_past_the_result_window(team: TeamLibrary, opensearch_node: str) -> None:
    # The node's window lowered to 100 stands for the 10,000 default: pages past it
    # come by search_after, and every id comes exactly once.
    index = f"{opensearch_node}/corpus-2k"
    assert request("PUT", f"{index}/_settings", {"index.max_result_window": 100})[0] == 200
    team.searcher.refresh()
    try:
        assert team.searcher.window() == 100
        req = SearchRequest(query="", limit=20, offset=250, with_facets=False)
        mine, embedded = team.search(req), team.local.search(req)
        assert [h.id for h in mine.hits] == [h.id for h in embedded.hits]
        every = team.matching_ids(SearchRequest(query="battery"))
        assert len(every) == len(set(every)) == team.search("battery").total > 100
        assert set(every) == set(team.local.matching_ids(SearchRequest(query="battery")))
    finally:
        request("PUT", f"{index}/_settings", {"index.max_result_window": None})
        team.searcher.refresh()


def test_more_like_this_and_suggestion(team: TeamLibrary) -> None:
    first = team.search(SearchRequest(query="gigafactory", limit=1)).hits[0]
    similar = team.more_like(first.id, 5)
    assert similar and first.id not in {h.id for h in similar}
    assert team.search("lithum").suggestion == "lithium"
    doc = team.document(first.id)
    assert doc is not None and doc.parsed.title == first.title
