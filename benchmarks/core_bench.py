"""Core-library measurements: build, incremental updates, the query mix, more-like-this.

Builds run in a child process (``python core_bench.py build SRC LIB``) so each has a
clean interpreter and its own peak RSS; everything else runs in the harness process
against the built library.
"""

from __future__ import annotations

import resource
import shutil
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import child_report, folder_bytes, python, rss_mb, run_child, summary, time_ms

# Category -> queries, as an analyst types them. Prefix queries are what search-as-you-type
# sends while "lithium" is typed; the bare one-letter words are in the mix on purpose.
QUERY_MIX: dict[str, tuple[str, ...]] = {
    "term": ("lithium", "gigafactory", "recycling", "tariffs", "sodium"),
    "and2": ("lithium price", "CATL licensing", "cobalt refinery", "storage orders"),
    "phrase": ('"energy storage"', '"battery demand"', '"joint venture"'),
    "boolean": ("lithium OR cobalt", "battery NOT sodium", "(nickel OR cobalt) AND refinery"),
    "field": ("company:CATL", "material:lithium plant", "company:BYD OR company:Tesla"),
    "date": ("lithium date:[2023-01-01 to 2023-12-31]", "date:2024", "battery date:>2025-01-01"),
    "prefix": ("l", "li", "lit", "lith*", "lithi*", "g*", "gig*"),
    "chinese": ("电池", "宁德时代", "锂电池 工厂", '"储能"', "寧德時代"),
    "browse": ("",),
}
FILTERED: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("battery", (("company", "CATL"),)),
    ("prices", (("material", "lithium"), ("year", "2024"))),
)
MISSPELT = ("lithum", "gigafactroy", "catohde", "nikel price", "recyclng")


def build_child(src: Path, lib_dir: Path) -> None:
    from cellsight.core.bulk import worker_count
    from cellsight.core.library import Library

    t0 = time.perf_counter()
    with Library(lib_dir) as lib:
        report = lib.update([src])
        docs = lib.count()
    # Indexing workers are this process's children; RUSAGE_CHILDREN holds the largest
    # peak among them once they have exited.
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / 1e6
    child_report({"seconds": time.perf_counter() - t0, "docs": docs, "added": report.added,
                  "failed": len(report.failed), "worker_peak_rss_mb": workers,
                  "workers": worker_count()})


def measure_build(src: Path, work: Path, repeats: int) -> tuple[dict[str, object], Path]:
    """Full builds from scratch; the last library is kept for the other measurements."""
    src_bytes = folder_bytes(src)
    files = sum(1 for p in src.rglob("*") if p.is_file())
    runs = []
    lib_dir = work / "library"
    for _ in range(repeats):
        if lib_dir.exists():
            shutil.rmtree(lib_dir)
        child = run_child([python(), __file__, "build", str(src), str(lib_dir)])
        data = child.json()
        runs.append(data)
    secs = [float(r["seconds"]) for r in runs]
    med = summary(secs)["median"]
    docs = int(runs[-1]["docs"])
    return {
        "files": files, "docs": docs, "failed": int(runs[-1]["failed"]),
        "source_mb": src_bytes / 1e6, "seconds": summary(secs),
        "docs_per_s": docs / med, "mb_per_s": src_bytes / 1e6 / med,
        "index_mb": folder_bytes(lib_dir / "index") / 1e6,
        "library_mb": folder_bytes(lib_dir) / 1e6,
        "peak_rss_mb": max(float(r["peak_rss_mb"]) for r in runs),
        "worker_peak_rss_mb": max(float(r.get("worker_peak_rss_mb", 0)) for r in runs),
        "workers": int(runs[-1].get("workers", 0)),
    }, lib_dir  # fmt: skip


def measure_incremental(lib_dir: Path, work: Path, repeats: int) -> dict[str, object]:
    """Re-index of unchanged sources (a full rescan, as F5 does) and one changed file
    until searchable (the targeted update the app runs after a watcher event)."""
    from cellsight.core.library import Library
    from cellsight.core.model import SearchRequest

    scratch = work / "scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    probe = scratch / "probe.txt"
    unchanged: list[float] = []
    changed: list[float] = []
    with Library(lib_dir) as lib:
        probe.write_text("Probe article\n\nA first version about zqvbenchprobe cells.\n")
        lib.update([scratch])  # registers the scratch folder; not timed
        # The app has searched (its start-up browse list) before any watcher event; the
        # first search after opening a library loads caches and is not part of a change.
        lib.search(SearchRequest(query="zqvbenchprobe", limit=20))
        for n in range(repeats):
            ms, _ = time_ms(lib.update)
            unchanged.append(ms)
            token = "zqvprobe" + "".join(chr(97 + int(d)) for d in f"{n:04d}")
            probe.write_text(f"Probe article {n}\n\nThis version mentions {token} cells.\n")

            def until_searchable(token: str = token) -> int:
                # What the app does once its file watcher reports the change.
                lib.update(changed=[probe])
                return lib.search(SearchRequest(query=token, limit=20)).total

            ms, found = time_ms(until_searchable)
            if found != 1:
                raise RuntimeError(f"changed file not searchable: {token} found {found}")
            changed.append(ms)
        docs = lib.count()
    return {"docs": docs, "reindex_unchanged_ms": summary(unchanged),
            "changed_file_searchable_ms": summary(changed)}


def open_first_results(lib_dir: Path, repeats: int) -> dict[str, object]:
    """Open the library and run the browse query, as the app does on start."""
    from cellsight.core.library import Library
    from cellsight.core.model import SearchRequest

    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        lib = Library(lib_dir)
        lib.search(SearchRequest(query="", limit=200))
        times.append((time.perf_counter() - t0) * 1000)
        lib.close()
    return {"open_first_results_ms": summary(times)}


def _search(lib: object, req: object) -> dict[str, object]:
    """One search; a query the parser refuses is a result too (the UI shows the error)."""
    from cellsight.core.errors import QueryError

    try:
        res = lib.search(req)  # type: ignore[attr-defined]
    except QueryError as exc:
        return {"error": str(exc), "total": 0, "hits": 0, "facets": 0}
    return {"total": res.total, "hits": len(res.hits), "facets": len(res.facets),
            "snippets": sum(bool(h.snippet) for h in res.hits)}


def measure_queries(lib_dir: Path, repeats: int) -> dict[str, object]:
    from cellsight.core.library import Library
    from cellsight.core.model import SearchRequest

    per_cat: dict[str, list[float]] = {}
    per_query: dict[str, dict[str, object]] = {}
    with Library(lib_dir) as lib:
        first_ms, _ = time_ms(lambda: lib.search(SearchRequest(query="", limit=20)))
        requests: list[tuple[str, str, SearchRequest]] = []
        for cat, queries in QUERY_MIX.items():
            requests += [(cat, q, SearchRequest(query=q, limit=20)) for q in queries]
        for q, filters in FILTERED:
            label = q + " | " + ", ".join(f"{f}={v}" for f, v in filters)
            requests.append(("filter", label, SearchRequest(query=q, filters=filters, limit=20)))
        for rep in range(repeats + 1):
            for cat, label, req in requests:
                ms, res = time_ms(lambda req=req: _search(lib, req))
                if rep == 0:  # warm-up pass: caches of this generation, OS page cache
                    per_query[label] = {"category": cat, "cold_ms": ms, "times": [], **res}
                    continue
                per_cat.setdefault(cat, []).append(ms)
                per_cat.setdefault("all", []).append(ms)
                per_query[label]["times"].append(ms)  # type: ignore[union-attr]
        cold: dict[str, list[float]] = {}
        for info in per_query.values():
            info["median_ms"] = summary(info.pop("times"))["median"]  # type: ignore[arg-type]
            # First run of each query on a freshly opened library: caches still empty.
            cold.setdefault(str(info["category"]), []).append(float(info["cold_ms"]))  # type: ignore[arg-type]
            cold.setdefault("all", []).append(float(info["cold_ms"]))  # type: ignore[arg-type]
        # "More like this" for documents an analyst would open: the top hits of a query.
        seeds = [h.id for h in lib.search(SearchRequest(query="lithium", limit=10)).hits]
        mlt: list[float] = []
        mlt_found = 0
        for _ in range(max(1, repeats // 2)):
            for doc_id in seeds:
                ms, similar = time_ms(lambda d=doc_id: lib.more_like(d))
                mlt.append(ms)
                mlt_found += bool(similar)
        spell: list[float] = []
        suggestions: dict[str, str | None] = {}
        for _ in range(repeats):
            for q in MISSPELT:
                ms, res = time_ms(lambda q=q: lib.search(SearchRequest(query=q, limit=20)))
                spell.append(ms)
                suggestions[q] = res.suggestion  # type: ignore[union-attr]
        rss = rss_mb()
    return {
        "first_query_after_open_ms": first_ms,
        "categories": {c: summary(v) for c, v in per_cat.items()},
        "cold_categories": {c: summary(v) for c, v in cold.items()},
        "queries": per_query,
        "more_like_ms": summary(mlt), "more_like_nonempty": mlt_found / max(1, len(mlt)),
        "suggest_ms": summary(spell), "suggestions": suggestions,
        "rss_after_queries_mb": rss,
    }  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "build":
        build_child(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        raise SystemExit("usage: core_bench.py build SRC_DIR LIBRARY_DIR")
