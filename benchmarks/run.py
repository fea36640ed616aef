"""Cellsight benchmark suite: ``python benchmarks/run.py --sizes 1000,10000 [--smoke] [--recoll]``.

For each size: generate (or reuse) the corpus, build a library from scratch in a child
process, then measure incremental updates, the query mix, the app's cold start and
keystroke-to-results. Once per run: cold start on the seeds and the longest UI stall
while the window indexes a corpus (10k, or the largest size below it). Writes
``results-<date>.json`` and ``results-<date>.md`` to ``--out``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import app_bench
import core_bench
import format_pace
import recoll_bench
from corpus import OUT_ROOT, ensure_corpus
from report import markdown

STALL_SIZE = 10_000
SMOKE_STALL_SIZE = 200


def machine() -> dict[str, object]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines()
                      if ln.startswith("MemTotal"))
    except (OSError, StopIteration):
        mem_kb = 0
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(mem_kb / 1e6, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "loadavg_at_start": os.getloadavg()}


def repeats(smoke: bool, size: int) -> dict[str, int]:
    if smoke:
        return {"build": 1, "incremental": 2, "queries": 1, "cold": 1, "keys": 1}
    return {"build": 3 if size <= 1000 else 1, "incremental": 5, "queries": 5, "cold": 3,
            "keys": 3}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def bench_size(size: int, out: Path, smoke: bool, recoll: bool) -> dict[str, object]:
    r = repeats(smoke, size)
    src = ensure_corpus(size, out)
    work = out / f"work-{size}"
    work.mkdir(parents=True, exist_ok=True)
    result: dict[str, object] = {"size": size, "repeats": r}
    log(f"{size}: full build ×{r['build']}")
    build, lib_dir = core_bench.measure_build(src, work, r["build"])
    result["build"] = build
    log(f"{size}: {build['docs_per_s']:.1f} docs/s; queries")
    result["open"] = core_bench.open_first_results(lib_dir, max(1, r["cold"]))
    result["queries"] = core_bench.measure_queries(lib_dir, r["queries"])
    log(f"{size}: app cold start and keystrokes")
    result["app_cold_start"] = app_bench.cold_start(lib_dir, r["cold"])
    result["keystrokes"] = app_bench.keystrokes(lib_dir, "lithium", r["keys"])
    log(f"{size}: incremental updates")
    # Last: it adds a scratch source to the library, which the app runs above never see.
    result["incremental"] = core_bench.measure_incremental(lib_dir, work, r["incremental"])
    if recoll:
        why = recoll_bench.available()
        if why:
            result["recoll"] = {"unavailable": why}
        else:
            log(f"{size}: recoll")
            rb = recoll_bench.measure_build(src, work, 1)
            rb["queries"] = recoll_bench.measure_queries(Path(str(rb["conf"])), r["queries"])
            result["recoll"] = rb
    log(f"{size}: PDF and e-mail folders on their own")
    result["formats"] = format_pace.measure(src, work, recoll=recoll)
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="1000,10000,50000",
                   help="comma-separated corpus sizes (source files)")
    p.add_argument("--smoke", action="store_true", help="one repeat of everything, small stall")
    p.add_argument("--recoll", action="store_true", help="also build and query with Recoll")
    p.add_argument("--out", type=Path, default=OUT_ROOT, help="corpora, work and result files")
    p.add_argument("--no-stall", action="store_true", help="skip the indexing-stall run")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now()
    results: dict[str, object] = {
        "date": started.isoformat(timespec="seconds"),
        "command": "python benchmarks/run.py " + shlex.join(argv if argv is not None
                                                             else sys.argv[1:]),
        "machine": machine(), "smoke": args.smoke, "sizes": {},
    }  # fmt: skip
    log("app cold start on the seeds (first run indexes them)")
    first = app_bench.cold_start(out, 1 if args.smoke else 3, fresh=True)
    seeds_lib = out / "work-seeds" / "library"
    if not seeds_lib.exists():
        app_bench.cold_start(seeds_lib, 1)  # first run: indexes the seeds
    results["seeds_cold_start"] = {"first_run": first,
                                   "second_run": app_bench.cold_start(seeds_lib, 1 if args.smoke
                                                                      else 3)}
    for size in sizes:
        results["sizes"][str(size)] = bench_size(size, out, args.smoke, args.recoll)  # type: ignore[index]
    if not args.no_stall:
        below = [s for s in sizes if s <= STALL_SIZE]
        stall_size = SMOKE_STALL_SIZE if args.smoke else max(below, default=STALL_SIZE)
        base = None
        if not below and not args.smoke:
            # Only large sizes: 10k more files into a copy of the largest library, so
            # the stall is measured where the window lives with 200k documents.
            big = max(sizes)
            base = out / f"work-{big}" / "library"
            log(f"UI stall while the window adds {stall_size} files to the {big} library")
        else:
            log(f"UI stall while the window indexes {stall_size} files")
        results["stall"] = {"size": stall_size, "into": str(base) if base else None,
                            **app_bench.indexing_stall(out / f"work-{stall_size}",
                                                       ensure_corpus(stall_size, out), base)}
    results["seconds"] = (dt.datetime.now() - started).total_seconds()
    stem = f"results-{started:%Y-%m-%d}"
    (out / f"{stem}.json").write_text(json.dumps(results, indent=2, default=str))
    (out / f"{stem}.md").write_text(markdown(results))
    log(f"wrote {out / stem}.json and .md")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
