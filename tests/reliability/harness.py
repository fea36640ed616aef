"""Shared helpers of the reliability suite: time and memory limits, corpora, mounts.

Example counts come from ``CELLSIGHT_FUZZ_EXAMPLES`` (default 200) so that the same
tests serve as the in-suite check and as the long offline fuzz run:

    CELLSIGHT_FUZZ_EXAMPLES=10000 .venv/bin/pytest -q tests/reliability -k fuzz
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest
from hypothesis import HealthCheck, settings

FUZZ_EXAMPLES = int(os.environ.get("CELLSIGHT_FUZZ_EXAMPLES", "200"))
PYTHON = sys.executable
REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"

settings.register_profile(
    "reliability",
    max_examples=FUZZ_EXAMPLES,
    # Our own per-case alarm replaces Hypothesis' deadline: two busy cores make
    # wall-clock deadlines of a few hundred milliseconds flaky.
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
    print_blob=True,
)
fuzz = settings.get_profile("reliability")


class Hang(BaseException):  # BaseException: no `except Exception` in the code eats it
    """A case ran past its time limit."""


@contextlib.contextmanager
def limits(seconds: float = 10.0, max_mb: float | None = None) -> Iterator[None]:
    """Fail a case that runs longer than ``seconds`` or allocates over ``max_mb``.

    The alarm interrupts pure-Python loops (the usual shape of a hang: a cycle being
    followed); a C call that never returns would still block, but then the whole
    test run's timeout reports it. Memory is Python's own allocations (tracemalloc),
    measured from the start of the case.
    """

    def on_alarm(_sig: int, _frame: FrameType | None) -> None:
        raise Hang(f"case ran longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    tracing = max_mb is not None and not tracemalloc.is_tracing()
    if tracing:
        tracemalloc.start()
    try:
        yield
        if max_mb is not None:
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            assert peak <= max_mb, f"case allocated {peak:.0f} MB (limit {max_mb} MB)"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if tracing:
            tracemalloc.stop()


WORDS = (
    "lithium cobalt nickel cathode anode battery CATL Tesla BYD graphite refinery Chile "
    "Indonesia price output capacity plant supply demand market tonnes spodumene LFP "
    "Albemarle Ganfeng Glencore sodium-ion recycling gigafactory Hungary Morocco"
).split()


def write_corpus(folder: Path, n: int, *, seed: int = 1, start: int = 0) -> list[Path]:
    """``n`` small news-like text files, each with a unique searchable marker word."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(start, start + n):
        paras = [" ".join(rng.choice(WORDS) for _ in range(25)) + "." for _ in range(3)]
        path = folder / f"note{i:05d}.txt"
        path.write_text(f"Market note {i} on batteries\n\nmarker{i}x " + "\n\n".join(paras))
        out.append(path)
    return out


def cli(*args: str) -> list[str]:
    return [PYTHON, "-m", "cellsight", *args]


# The real CLI with smaller batches set from outside, so that a short run passes
# through many Whoosh and SQLite commits (and segment merges).
_RUNNER = (
    "import sys, cellsight.core.pipeline as p; p.BATCH_DOCS = int(sys.argv[1]); "
    "from cellsight.cli import main; sys.exit(main(sys.argv[2:]))"
)


def indexer(lib: Path, src: Path, batch: int) -> list[str]:
    return [PYTHON, "-c", _RUNNER, str(batch), "--library", str(lib), "index", str(src)]


def run_cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli(*args), capture_output=True, text=True, timeout=timeout, env=child_env()
    )


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CELLSIGHT_LIBRARY", None)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A size-limited tmpfs at ``folder``; skips the test where mounting is not allowed."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True, text=True,
    ) if os.geteuid() == 0 else None
    if done is None or done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@contextlib.contextmanager
def read_only_view(source: Path, view: Path) -> Iterator[Path]:
    """``source`` seen through a read-only bind mount at ``view``."""
    view.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root")
    ok = subprocess.run(["mount", "--bind", str(source), str(view)], capture_output=True)
    if ok.returncode != 0:
        pytest.skip("cannot bind-mount here (needs CAP_SYS_ADMIN)")
    try:
        ro = subprocess.run(["mount", "-o", "remount,ro,bind", str(view)], capture_output=True)
        if ro.returncode != 0:
            pytest.skip("cannot remount read-only here")
        yield view
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)


def tree(folder: Path) -> set[str]:
    """Every path under ``folder`` (a snapshot to compare before and after)."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}
