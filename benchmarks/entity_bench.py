"""What entity pages and the search's date histogram cost, on a generated corpus.

    python benchmarks/entity_bench.py --size 20000 [--library DIR] [--repeat 11]

``--library`` reuses a library built from the corpus (it is only read; give a copy of
one you keep). Prints one JSON object, times in milliseconds: per entity the first page
after opening the library and the median and p95 of the pages after it; per query the
search as the window runs it with and without ``with_histogram="auto"``, and the
difference per pair of runs.
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
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import ensure_corpus

# From the head of the Zipf curve (CATL is in three documents of four) to its tail,
# one of each kind, and CATL again by its Chinese name.
ENTITIES = ("CATL", "宁德时代", "Gotion", "lithium", "Robin Zeng", "Hungary", "IRA",
            "Sigma Lithium")  # fmt: skip
QUERIES = ("", "lithium", "CATL", "cathode plant", "company:Tesla", "sodium-ion",
           "Indonesia nickel", "date:2024")  # fmt: skip


def _ms(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 2), "p95": round(_p95(values), 2)}


def bench_entity_pages(lib: Any, names: tuple[str, ...] = ENTITIES,
                       repeat: int = 11) -> dict[str, Any]:  # fmt: skip
    """Each entity's page: the first after opening, then ``repeat`` more."""
    from cellsight.core.entity_page import entity_page

    out: dict[str, Any] = {}
    t = time.perf_counter()
    lib.prices()  # built once per index generation, for every page and the price panel
    out["price_book_first_ms"] = round((time.perf_counter() - t) * 1000, 1)
    for name in names:
        first = _ms(lambda name=name: entity_page(lib, name))
        times = [_ms(lambda name=name: entity_page(lib, name)) for _ in range(repeat)]
        page = entity_page(lib, name)
        out[name] = {"documents": page.documents, "facts": len(page.facts),
                     "cooccurring": len(page.cooccurring), "series": len(page.series),
                     "periods": len(page.timeline.periods), "first_ms": round(first, 2),
                     **_summary(times)}  # fmt: skip
    return out


def bench_histogram(lib: Any, queries: tuple[str, ...] = QUERIES,
                    repeat: int = 21) -> dict[str, Any]:  # fmt: skip
    """A search as the window runs it (20 hits, facets), with and without the histogram."""
    from cellsight.core.model import SearchRequest

    out: dict[str, Any] = {}
    added_all: list[float] = []
    for q in queries:
        plain = SearchRequest(query=q, limit=20)
        with_h = SearchRequest(query=q, limit=20, with_histogram="auto")
        lib.search(plain)  # warm: postings and columns cached
        lib.search(with_h)
        without, withs, added = [], [], []
        for _ in range(repeat):
            a = _ms(lambda r=plain: lib.search(r))
            b = _ms(lambda r=with_h: lib.search(r))
            without.append(a)
            withs.append(b)
            added.append(b - a)
        added_all += added
        res = lib.search(with_h)
        out[q or "(everything)"] = {"total": res.total, "periods": len(res.histogram),
                                    "undated": res.undated, "without": _summary(without),
                                    "with": _summary(withs), "added": _summary(added)}
    out["added_all_queries"] = _summary(added_all)
    return out


def main(argv: list[str] | None = None) -> int:
    from cellsight.core.library import Library

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", type=int, default=20_000)
    p.add_argument("--library", type=Path, help="reuse (and keep) this library folder")
    p.add_argument("--repeat", type=int, default=11)
    args = p.parse_args(argv)
    folder = args.library or Path(tempfile.mkdtemp(prefix="cellsight-entity-"))
    out: dict[str, Any] = {"size": args.size}
    with Library(folder) as lib:
        if not lib.count():
            files = ensure_corpus(args.size)
            t = time.perf_counter()
            lib.update([files])
            out["build_s"] = round(time.perf_counter() - t, 1)
        out["documents"] = lib.count()
        lib.search("")  # the first search opens the index and loads its arrays
        out["entity_pages"] = bench_entity_pages(lib, repeat=args.repeat)
        out["histogram"] = bench_histogram(lib, repeat=max(args.repeat, 21))
    print(json.dumps(out, indent=2, ensure_ascii=False))
    if args.library is None:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
