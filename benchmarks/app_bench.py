"""Desktop-app measurements, each in its own process with a throwaway HOME.

Cold start runs the installed ``cellsight`` entry point with ``--exit-when-ready`` and
reads its "ready" line and the "window painted" log line; keystrokes and the indexing
stall drive the real MainWindow through ``app_probe.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from measure import REPO, python, run_child, summary

PROBE = Path(__file__).resolve().parent / "app_probe.py"
_READY = re.compile(r"cellsight ready: (\d+) documents in (\d+) ms")
# "window painted after 480 ms (650 ms since the process started)": the first figure
# counts from the app module's import (comparable with older runs), the second from exec.
_PAINTED = re.compile(r"window painted after (\d+) ms(?: \((\d+) ms since the process)?")


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(home / ".config"),
               XDG_STATE_HOME=str(home / ".local" / "state"),
               XDG_DATA_HOME=str(home / ".local" / "share"))
    env.pop("CELLSIGHT_LIBRARY", None)
    return env


def _cellsight() -> str:
    exe = REPO / ".venv" / "bin" / "cellsight"
    return str(exe) if exe.exists() else shutil.which("cellsight") or "cellsight"


def cold_start(lib_dir: Path, repeats: int, *, fresh: bool = False) -> dict[str, object]:
    """Process start to "ready" (results shown, no indexing running).

    ``fresh``: every run gets a new library folder, so the run includes the first-run
    indexing of the bundled seeds; otherwise ``lib_dir`` is opened as it is.
    """
    ready: list[float] = []
    painted: list[float] = []
    painted_exec: list[float] = []
    wall: list[float] = []
    peak = 0.0
    docs = 0
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="cellsight-bench-home-") as tmp:
            home = Path(tmp)
            lib = home / "library" if fresh else lib_dir
            child = run_child([_cellsight(), "--library", str(lib), "--exit-when-ready"],
                              env=_env(home), timeout=1800)
            m = _READY.search(child.stderr)
            if child.returncode != 0 or m is None:
                raise RuntimeError(f"app did not report ready:\n{child.stderr[-3000:]}")
            docs = int(m.group(1))
            ready.append(float(m.group(2)))
            wall.append(child.seconds * 1000)
            peak = max(peak, child.peak_rss_mb)
            logs = list(home.rglob("cellsight.log"))
            if logs:
                p = _PAINTED.search(logs[0].read_text(encoding="utf-8", errors="replace"))
                if p:
                    painted.append(float(p.group(1)))
                    if p.group(2):
                        painted_exec.append(float(p.group(2)))
    return {"docs": docs, "ready_ms": summary(ready), "painted_ms": summary(painted),
            "painted_since_exec_ms": summary(painted_exec), "process_wall_ms": summary(wall),
            "peak_rss_mb": peak}


def keystrokes(lib_dir: Path, text: str, repeats: int, *, busy: bool = False) -> dict[str, object]:
    """Keystroke → results; ``busy``: while the price book and chart load (worst case)."""
    with tempfile.TemporaryDirectory(prefix="cellsight-bench-home-") as tmp:
        child = run_child([python(), str(PROBE), "keystrokes", str(lib_dir), text, str(repeats),
                           *(["busy"] if busy else [])], env=_env(Path(tmp)), timeout=1800)
        return child.json()


def indexing_stall(work: Path, src: Path, base: Path | None = None) -> dict[str, object]:
    """The longest UI stall while the window indexes ``src``: into a new library, or
    into a copy of the library ``base`` (10k more files into a 200k library)."""
    lib_dir = work / "stall-library"
    shutil.rmtree(lib_dir, ignore_errors=True)
    if base is not None:
        shutil.copytree(base, lib_dir)
    with tempfile.TemporaryDirectory(prefix="cellsight-bench-home-") as tmp:
        child = run_child([python(), str(PROBE), "stall", str(lib_dir), str(src)],
                          env=_env(Path(tmp)), timeout=7200)
        data = child.json()
    shutil.rmtree(lib_dir, ignore_errors=True)
    return data
