"""Whole-process `cellsight search --json` times (issue 17): cold and served, interleaved.

    .venv/bin/python benchmarks/cli_start.py --library DIR [--runs 5] [--importtime]

Each round runs every query of the mix once cold (CELLSIGHT_NO_SEARCH_SERVER=1: the
process imports, opens and searches) and once answered by the library's resident
search server (cli_serve.py), alternating so both see the same machine load. Reports
median and nearest-rank p95 per mode, for `python -m cellsight` and the console
script. ``--importtime`` adds the slowest imports of one cold run. The library is
opened for writing by the cold runs: point it at a copy.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "desktop"))

QUERIES = ("lithium price", "lithium", '"energy storage"', "company:CATL", "lith*",
           "battery NOT sodium", "date:2024", "宁德时代", "lithum", "tag:bulk")


def _commands() -> dict[str, list[str]]:
    out = {"python -m cellsight": [sys.executable, "-m", "cellsight"]}
    script = Path(sys.executable).with_name("cellsight")
    if script.is_file():
        out["console script"] = [str(script)]
    return out


def _run(cmd: list[str], library: Path, query: str, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([*cmd, "--library", str(library), "search", "--json", query], env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)  # fmt: skip
    return (time.perf_counter() - t0) * 1000


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _wait_for_server(library: Path) -> None:
    from cellsight import cli_serve

    path = cli_serve.socket_path(library)
    for _ in range(200):  # a benchmark may poll; started by the first served run
        if cli_serve.ask(path, {"op": "ping"}) is not None:
            return
        time.sleep(0.05)
    raise SystemExit("the search server did not start")


def importtime(cmd: list[str], library: Path, env: dict[str, str], top: int = 15) -> list[str]:
    proc = subprocess.run([*cmd[:1], "-X", "importtime", *cmd[1:], "--library", str(library),
                           "search", "--json", "lithium price"], env=env, text=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          check=True)  # fmt: skip
    rows = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cum, name = (p.strip() for p in line.split(":", 1)[1].split("|"))
            if cum.isdigit():
                rows.append((int(cum), name))
    return [f"{cum / 1000:7.1f} ms  {name}" for cum, name in sorted(rows, reverse=True)[:top]]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--library", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=5, help="rounds over the query mix")
    ap.add_argument("--importtime", action="store_true")
    args = ap.parse_args()
    library = args.library.absolute()
    cold_env = {**os.environ, "CELLSIGHT_NO_SEARCH_SERVER": "1"}
    served_env = {k: v for k, v in os.environ.items() if k != "CELLSIGHT_NO_SEARCH_SERVER"}
    commands = _commands()
    first = next(iter(commands.values()))
    _run(first, library, "lithium", served_env)  # cold, and starts the server
    _wait_for_server(library)
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.runs):
        for query in QUERIES:
            for label, cmd in commands.items():
                for mode, env in (("cold", cold_env), ("served", served_env)):
                    times.setdefault((label, mode), []).append(_run(cmd, library, query, env))
    print(f"library {library}, {args.runs} rounds x {len(QUERIES)} queries, interleaved")
    print(f"{'command':<22} {'mode':<7} {'median ms':>10} {'p95 ms':>8} {'n':>4}")
    for (label, mode), values in times.items():
        print(f"{label:<22} {mode:<7} {statistics.median(values):>10.1f} "
              f"{_p95(values):>8.1f} {len(values):>4}")
    if args.importtime:
        print("\nslowest imports, one cold run (cumulative):")
        print("\n".join(importtime(first, library, cold_env)))
        print("\nslowest imports, one served run (cumulative):")
        print("\n".join(importtime(first, library, served_env)))
    from cellsight import cli_serve

    cli_serve.stop(library)
    return 0


if __name__ == "__main__":
    sys.exit(main())
