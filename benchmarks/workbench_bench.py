"""What the workbench costs: saved-search counts, the index pass's arrivals and alerts,
user-field queries and bulk tagging, on a generated corpus.

    python benchmarks/workbench_bench.py --size 20000 [--library DIR]

Prints one JSON object (medians of repeated runs, in milliseconds).
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

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import ensure_corpus

QUERIES = ("lithium", "CATL", "cathode plant", "company:Tesla", "sodium-ion", "recycling",
           "Indonesia nickel", "LFP", "price", "")  # fmt: skip


def ms(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 2)


def main(argv: list[str] | None = None) -> int:
    from cellsight.core.library import Library
    from cellsight.core.model import SearchRequest
    from cellsight.core.workbench.records import AlertRule

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", type=int, default=20_000)
    p.add_argument("--library", type=Path, help="reuse (and keep) this library folder")
    args = p.parse_args(argv)
    files = ensure_corpus(args.size)
    folder = args.library or Path(tempfile.mkdtemp(prefix="cellsight-wb-"))
    out: dict[str, object] = {"size": args.size}
    with Library(folder) as lib:
        if not lib.count():
            t = time.perf_counter()
            lib.update([files])
            out["build_s"] = round(time.perf_counter() - t, 1)
        wb = lib.workbench
        out["documents"] = lib.count()
        for i, q in enumerate(QUERIES):
            wb.save_search(f"s{i}", SearchRequest(query=q))
        series = lib.prices().series
        if series:
            wb.add_alert(AlertRule("move", series[0].id, "change", pct=1.0, saved="s0"))
        out["statuses_10_saved_ms"] = ms(wb.statuses)
        extra = folder / "extra"
        extra.mkdir(exist_ok=True)
        for i, src in enumerate(sorted(files.rglob("*.txt"))[:50]):
            shutil.copy(src, extra / f"new{i}.txt")
        t = time.perf_counter()
        lib.update([extra])
        out["update_50_new_files_ms"] = round((time.perf_counter() - t) * 1000, 1)
        t = time.perf_counter()
        wb.after_change()
        out["after_change_nothing_new_ms"] = round((time.perf_counter() - t) * 1000, 1)
        arrived = wb.take_arrived()
        out["arrived"] = [a.documents for a in arrived]
        out["statuses_with_new_ms"] = ms(wb.statuses)
        out["whats_new_ms"] = ms(wb.whats_new, repeat=3)
        plain = ms(lambda: lib.search("lithium"))
        ids = [h.id for h in lib.search(SearchRequest(query="lithium", limit=100_000,
                                                      with_facets=False)).hits]  # fmt: skip
        t = time.perf_counter()
        wb.tag(ids, "bulk")
        out["bulk_tag_ms"] = round((time.perf_counter() - t) * 1000, 1)
        out["bulk_tagged"] = len(ids)
        lib.search("tag:bulk")  # the tag's mask, once per change
        out["search_lithium_ms"] = plain
        out["search_lithium_with_tag_facet_ms"] = ms(lambda: lib.search("lithium"))
        out["search_tag_clause_ms"] = ms(lambda: lib.search("tag:bulk cathode"))
        wb.note(ids[0], "Check the Hungary plant ramp-up")
        out["search_note_clause_ms"] = ms(lambda: lib.search("note:hungary"))
    print(json.dumps(out, indent=2))
    if args.library is None:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
