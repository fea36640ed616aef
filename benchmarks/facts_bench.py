"""What figures cost: range clauses, range facets and the facts table, on a built library.

    python benchmarks/facts_bench.py --library DIR [--repeat 21]

``DIR`` is copied first (never modified). A library from before figures (index schema
8) is searched once as it is (range clauses must match nothing, not fail), then brought
up to date, which re-enriches and rebuilds it: that time is reported too. Prints one
JSON object, times in milliseconds: per query the search as the window runs it (with
facets), the range facets alone over the same matches, and per facts table the first
call and the median and p95 of the calls after it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "desktop"))

QUERIES = ("", "lithium", "CATL", "capacity:>20", "capacity:>20 date:>2023-01-01",
           "capacity:[10 to 50]", "money:>1bn", "CATL capacity:>20", "price:<150")  # fmt: skip
TABLES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("", {}),
    ("CATL", {}),
    ("", {"unit": "GWh", "sort": "value"}),
    ("capacity:>20 date:>2023-01-01", {"unit": "GWh"}),
    ("", {"unit": "USD", "min": 1e9, "sort": "value"}),
    ("lithium", {"unit": "CNY/t", "sort": "value"}),
)


def _ms(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 2), "p95": round(_p95(values), 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--library", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=21)
    args = ap.parse_args()

    from cellsight.core.facts import facts
    from cellsight.core.library import Library
    from cellsight.core.model import SearchRequest

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "lib"
        shutil.copytree(args.library, folder)
        with Library(folder) as lib:
            old = lib.search(SearchRequest(query="capacity:>20", limit=5))
            out["before_update"] = {"rebuild_needed": lib.index.needs_rebuild,
                                    "capacity_over_20": old.total}  # fmt: skip
            t = time.perf_counter()
            lib.update()
            out["update_s"] = round(time.perf_counter() - t, 1)
            out["documents"] = lib.count()
            t = time.perf_counter()
            lib.search(SearchRequest(query="", limit=20))
            out["first_search_ms"] = round((time.perf_counter() - t) * 1000, 1)
            searcher = lib.searcher
            figures = searcher._figures(searcher._current())
            out["columns"] = {c: len(col.val) for c, col in figures.table.columns.items()}
            queries: dict[str, Any] = {}
            for q in QUERIES:
                req = SearchRequest(query=q, limit=20)
                res = lib.search(req)
                times = [_ms(lambda req=req: lib.search(req)) for _ in range(args.repeat)]
                base = lib.searcher._current().facets.live.copy()
                if q:  # the matches, as the facets see them
                    ids = lib.search(SearchRequest(query=q, limit=res.total, ids_only=True,
                                                   with_facets=False)).ids  # fmt: skip
                    base = searcher._ids_mask(searcher._current(), set(ids))
                facet_times = [_ms(lambda base=base: figures.facets(base, {}))
                               for _ in range(args.repeat)]  # fmt: skip
                queries[q or "*"] = {
                    "total": res.total, "search": _summary(times),
                    "range_facets": _summary(facet_times),
                    "capacity": [[c.value, c.count] for c in res.facets.get("capacity", ())],
                }  # fmt: skip
            out["queries"] = queries
            tables: dict[str, Any] = {}
            for q, kw in TABLES:
                first = _ms(lambda q=q, kw=kw: facts(lib, q, **kw))
                times = [_ms(lambda q=q, kw=kw: facts(lib, q, **kw)) for _ in range(args.repeat)]
                got = facts(lib, q, **kw)
                tables[f"{q or '*'} {json.dumps(kw)}"] = {
                    "facts": len(got), "first": round(first, 1), **_summary(times),
                    "top": [[f.value, f.unit, f.quantity] for f in got[:3]],
                }  # fmt: skip
            out["facts"] = tables
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
