"""Team backend at scale (issue 18): an embedded library copied to one local OpenSearch
node, then the benchmark query mix on both backends in the same run.

    python benchmarks/team_bench.py --library benchmarks/out/work-200000/library

The library is copied first (opening it as a team cache writes locks and user data;
the original stays untouched), a node is started with the given heap and the JVM's
full JIT, and the copy's store is bulk-copied to it by team.indexer (docs/s, with
``--bulks`` choosing how many bulks are on the wire: 0 builds each bulk only after the
last was answered). Then ``core_bench.QUERY_MIX`` + ``FILTERED`` (top 20 + snippets +
all facets) runs on the team index and the embedded library, alternating, with a warm
pass first: median/p95 per side, the server's own ``took`` beside the wall time, the
team query without facets and without hits (what dominates), top-20 overlap with the
embedded ranking, and the same on the built-in BM25 similarity (the index closed, its
similarities switched, reopened: the norms are the same). Prints a table and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT / "tests" / "team"), str(ROOT / "desktop")]

from core_bench import FILTERED, QUERY_MIX  # noqa: E402
from team_node import build, request, start_node  # noqa: E402

from cellsight.core.model import SearchRequest  # noqa: E402

BM25 = {"type": "BM25", "k1": 1.2, "b": 0.75, "discount_overlaps": False}


def requests() -> list[tuple[str, SearchRequest]]:
    out = [(c, SearchRequest(query=q, limit=20)) for c, qs in QUERY_MIX.items() for q in qs]
    out += [("filter", SearchRequest(query=q, filters=f, limit=20)) for q, f in FILTERED]
    return out


def summary(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    p95 = values[max(0, int(len(values) * 0.95 + 0.5) - 1)]
    return {"median": round(statistics.median(values), 1), "p95": round(p95, 1)}


def overlap(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    return 1.0 if not a and not b else len(set(a) & set(b)) / max(len(a), len(b))


class Took:
    """The server's ``took`` of every search the searcher sends (wraps ``_search``)."""

    def __init__(self, searcher: Any) -> None:
        self.ms: list[float] = []
        inner = searcher._search

        def timed(body: dict[str, Any]) -> dict[str, Any]:
            answer = inner(body)
            self.ms.append(float(answer.get("took", 0)))
            return answer  # type: ignore[no-any-return]

        searcher._search = timed


def time_ms(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def query_mix(team: Any, repeats: int, *, embedded: bool = True,
              variant: Callable[[SearchRequest], SearchRequest] = lambda r: r
              ) -> dict[str, Any]:
    """Both backends, alternating per request; the first pass warms and is not kept."""
    took = Took(team.searcher)
    wall: dict[str, list[float]] = {"team": [], "embedded": []}
    server: list[float] = []
    by_cat: dict[str, list[float]] = {}
    cat_ms: dict[str, list[float]] = {}
    equal_totals = equal_facets = 0
    reqs = [(c, variant(r)) for c, r in requests()]
    for rep in range(repeats + 1):
        for cat, req in reqs:
            took.ms.clear()
            ms, mine = time_ms(lambda req=req: team.search(req))
            if rep:
                wall["team"].append(ms)
                server.append(sum(took.ms))
                cat_ms.setdefault(cat, []).append(ms)
            if not embedded:
                continue
            ms, theirs = time_ms(lambda req=req: team.local.search(req))
            if rep:
                wall["embedded"].append(ms)
            else:
                by_cat.setdefault(cat, []).append(overlap(
                    tuple(h.id for h in mine.hits), tuple(h.id for h in theirs.hits)))
                equal_totals += mine.total == theirs.total
                equal_facets += mine.facets == theirs.facets
    out: dict[str, Any] = {"team_ms": summary(wall["team"]), "server_took_ms": summary(server),
                           "team_median_by_category": {
                               c: summary(v)["median"] for c, v in cat_ms.items()}}
    if embedded:
        out |= {"embedded_ms": summary(wall["embedded"]), "requests": len(reqs),
                "equal_totals": equal_totals, "equal_facets": equal_facets,
                "top20_overlap": {c: round(statistics.mean(v), 3) for c, v in by_cat.items()},
                "top20_overlap_mean": round(statistics.mean(
                    x for v in by_cat.values() for x in v), 3)}
    return out


def set_similarity(node: str, index: str, kind: str) -> None:
    """Switch the index's two similarities (closed, updated, reopened; green again)."""
    from cellsight.core.team.mapping import TITLE_BOOST, _similarity

    flat: dict[str, Any] = {}
    for name, boost in (("cellsight_title", TITLE_BOOST), ("cellsight_body", 1.0)):
        key = f"index.similarity.{name}"
        # Settings merge: what the other kind had is cleared (null), or it is refused.
        if kind == "bm25":
            flat |= {f"{key}.{k}": v for k, v in BM25.items()} | {f"{key}.script.source": None}
        else:
            sim = _similarity(boost)
            flat |= {f"{key}.type": sim["type"], f"{key}.script.source": sim["script"]["source"],
                     f"{key}.discount_overlaps": False, f"{key}.k1": None, f"{key}.b": None}
    assert request("POST", f"{node}/{index}/_close")[0] == 200
    status, answer = request("PUT", f"{node}/{index}/_settings", flat)
    assert status == 200, answer
    assert request("POST", f"{node}/{index}/_open")[0] == 200
    request("GET", f"{node}/_cluster/health/{index}",
            params={"wait_for_status": "green", "timeout": "120s"})


def build_only(team: Any, limit: int) -> float:
    """Seconds per 1,000 documents to build bulk lines (term streams + JSON), no sending."""
    from cellsight.core.team.indexer import TeamIndexer, _local_rows

    store = team.local.store
    local = _local_rows(store)
    ids = sorted(local)[:limit]
    t0 = time.perf_counter()
    batches = TeamIndexer(team.client)._batches(store, local, ids, [])
    n = sum(len(ids_) for _lines, ids_ in batches)
    return (time.perf_counter() - t0) / max(1, n) * 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--library", type=Path, required=True, help="an embedded library")
    ap.add_argument("--work", type=Path, help="default: benchmarks/out/team-<library name>")
    ap.add_argument("--heap", default="2g")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--bulks", default="1", help="bulks in flight per copy, e.g. 0,1,2 "
                    "(each a fresh index; the last is searched)")
    ap.add_argument("--no-bm25", action="store_true", help="skip the built-in BM25 pass")
    ap.add_argument("--shards", type=int, default=0, help="then copy again into an index of "
                    "this many shards on the same node: the mix with and without dfs")
    args = ap.parse_args(argv)

    from cellsight.core.team import open_team_library
    from cellsight.core.team.indexer import TeamIndexer

    work = args.work or ROOT / "benchmarks" / "out" / f"team-{args.library.parent.name}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    t0 = time.perf_counter()
    shutil.copytree(args.library, work / "library", symlinks=True)
    print(f"[team-bench] copied the library in {time.perf_counter() - t0:.0f} s", flush=True)
    build()
    node = start_node(work / "node", heap=args.heap, java_opts="")
    results: dict[str, Any] = {"library": str(args.library), "heap": args.heap}
    try:
        base = node.wait_ready()
        results["opensearch"] = node.info.get("version", "")
        index = "bench"
        url = base.replace("http://", "opensearch+http://") + "/" + index
        with open_team_library(url, cache=work / "library") as team:
            docs = team.local.count()
            results["docs"] = docs
            results["build_only_s_per_1000"] = round(build_only(team, 5000), 3)
            copies = []
            for in_flight in [int(x) for x in args.bulks.split(",")]:
                request("DELETE", f"{base}/{index}")
                sync = TeamIndexer(team.client, in_flight=in_flight).sync(team.local.store)
                copies.append({"in_flight": in_flight, "docs": sync.indexed,
                               "seconds": round(sync.seconds, 1), "bulks": sync.bulks,
                               "docs_per_s": round(sync.indexed / sync.seconds, 1),
                               "mb": round(sync.bytes_sent / 1e6, 1),
                               "failed": len(sync.failed)})
                print(f"[team-bench] copy, {in_flight} in flight: {copies[-1]}", flush=True)
            results["copies"] = copies
            # As copied (no force-merge): what a team sees after its first index run.
            _s, stats = request("GET", f"{base}/{index}/_stats/store,segments")
            prim = stats["_all"]["primaries"]
            results["index_mb"] = round(prim["store"]["size_in_bytes"] / 1e6, 1)
            results["segments"] = prim["segments"]["count"]
            team.searcher.refresh()
            for name, variant, embedded in variants():
                print(f"[team-bench] query mix: {name}", flush=True)
                results[name] = query_mix(team, args.repeats, embedded=embedded,
                                          variant=variant)
            # dfs on one shard: what multi-shard searches add, measured where it is moot
            team.searcher._shards = 2
            results["scripted_dfs"] = query_mix(team, args.repeats, embedded=False)
            team.searcher.refresh()
            if not args.no_bm25:
                set_similarity(base, index, "bm25")
                team.searcher.refresh()
                results["bm25"] = query_mix(team, args.repeats)
                set_similarity(base, index, "scripted")
            if args.shards > 1:
                request("DELETE", f"{base}/{index}")
                sync = TeamIndexer(team.client, shards=args.shards).sync(team.local.store)
                team.searcher.refresh()
                results["sharded"] = {"shards": args.shards,
                                      "docs_per_s": round(sync.indexed / sync.seconds, 1)}
                results["sharded_dfs"] = query_mix(team, args.repeats)
                team.searcher._shards = 1  # as if one shard: each scores by its own stats
                results["sharded_no_dfs"] = query_mix(team, args.repeats)
    finally:
        node.stop()
    out = work / "team_bench.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(table(results))
    print(f"wrote {out}")
    return 0


def variants() -> Iterator[tuple[str, Callable[[SearchRequest], SearchRequest], bool]]:
    yield "scripted", lambda r: r, True
    yield "scripted_no_facets", lambda r: replace(r, with_facets=False), False
    yield "scripted_count_only", lambda r: replace(r, with_facets=False, limit=0), False


def table(r: dict[str, Any]) -> str:
    rows = [f"| {r['docs']:,} documents, one node, heap {r['heap']} | embedded | team |",
            "|---|---|---|"]
    for c in r["copies"]:
        rows.append(f"| copy to the server, {c['in_flight']} bulk(s) in flight (docs/s) | — | "
                    f"{c['docs_per_s']:.0f} ({c['seconds']:.0f} s, {c['mb']:.0f} MB) |")
    rows.append(f"| building bulk lines alone (s per 1,000 docs) | — | "
                f"{r['build_only_s_per_1000']:.2f} |")

    def ms(d: dict[str, float]) -> str:
        return f"{d['median']:.1f} / {d['p95']:.1f}"

    s = r["scripted"]
    rows.append(f"| query mix, top 20 + snippets + facets (ms, median / p95) | "
                f"{ms(s['embedded_ms'])} | {ms(s['team_ms'])} |")
    rows.append(f"| … of which the server's `took` | — | {ms(s['server_took_ms'])} |")
    rows.append(f"| team: no facets | — | {ms(r['scripted_no_facets']['team_ms'])} |")
    rows.append(f"| team: count only (no hits, no facets) | — | "
                f"{ms(r['scripted_count_only']['team_ms'])} |")
    rows.append(f"| team: dfs_query_then_fetch (1 shard) | — | "
                f"{ms(r['scripted_dfs']['team_ms'])} |")
    rows.append(f"| equal totals / facets of {s['requests']} | | {s['equal_totals']} / "
                f"{s['equal_facets']} |")
    rows.append(f"| top-20 overlap, mean | | {s['top20_overlap_mean']} |")
    if "bm25" in r:
        b = r["bm25"]
        rows.append(f"| built-in BM25: query mix (ms) | — | {ms(b['team_ms'])} |")
        rows.append(f"| built-in BM25: top-20 overlap, mean | | {b['top20_overlap_mean']} |")
    if "sharded" in r:
        n = r["sharded"]["shards"]
        for key, label in (("sharded_dfs", "dfs_query_then_fetch"),
                           ("sharded_no_dfs", "query_then_fetch")):
            q = r[key]
            rows.append(f"| {n} shards on the node, {label}: query mix (ms); top-20 overlap | "
                        f"— | {ms(q['team_ms'])}; {q['top20_overlap_mean']} |")
        rows.append(f"| {n} shards: copy (docs/s) | — | {r['sharded']['docs_per_s']:.0f} |")
    return "\n".join(rows)


if __name__ == "__main__":
    raise SystemExit(main())
