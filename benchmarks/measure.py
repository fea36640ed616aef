"""Timing statistics and process helpers shared by the benchmark modules."""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent


def median(values: Sequence[float]) -> float:
    if not values:
        return math.nan
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def p95(values: Sequence[float]) -> float:
    """Nearest-rank 95th percentile: with few samples it is simply the maximum."""
    if not values:
        return math.nan
    s = sorted(values)
    return s[min(len(s) - 1, math.ceil(0.95 * len(s)) - 1)]


def summary(values: Sequence[float]) -> dict[str, float]:
    return {"median": median(values), "p95": p95(values), "max": max(values, default=math.nan),
            "n": len(values)}


def time_ms(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def rss_mb() -> float:
    """Current resident set of this process (Linux /proc), in MB."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return math.nan


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB on Linux


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@dataclass(frozen=True)
class ChildRun:
    seconds: float
    peak_rss_mb: float  # the child's maximum resident set, from wait4
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, object]:
        lines = [ln for ln in self.stdout.splitlines() if ln.startswith("{")]
        if self.returncode != 0 or not lines:
            raise RuntimeError(
                f"benchmark child failed ({self.returncode}):\n{self.stderr[-3000:]}")
        return json.loads(lines[-1])


def run_child(args: Sequence[str], *, env: dict[str, str] | None = None,
              timeout: float = 3600) -> ChildRun:
    """Run a process to completion; wall time and the child's own peak RSS (wait4)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(args), stdout=out, stderr=err, text=True, env=env,
                                cwd=REPO)
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
            time.sleep(0.005)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ChildRun(seconds, usage.ru_maxrss * 1024 / 1e6, proc.returncode, out.read(),
                        err.read())


def child_report(data: dict[str, object]) -> None:
    """Print a child's result as one JSON line, with its own peak RSS."""
    data.setdefault("peak_rss_mb", peak_rss_mb())
    print(json.dumps(data), flush=True)
    sys.stdout.flush()


def python() -> str:
    venv = REPO / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable
