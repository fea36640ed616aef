"""Recoll on the same corpus: build with ``recollindex``, query in-process and via recollq.

In-process timings use Debian's python3-recoll under the system interpreter (the
module is not installable into the venv), running ``recoll_probe.py``; the recollq
timings include process start and opening the Xapian database.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from measure import run_child, summary

PROBE = Path(__file__).resolve().parent / "recoll_probe.py"
SYSTEM_PYTHON = "/usr/bin/python3"
# The Cellsight query mix in Recoll's language; categories Recoll cannot express
# (entity fields, facet filters, the browse-everything view) are left out, and so are
# dates: Recoll dates plain-text files by mtime, which is the same for the whole corpus.
RECOLL_MIX: dict[str, tuple[str, ...]] = {
    "term": ("lithium", "gigafactory", "recycling", "tariffs", "sodium"),
    "and2": ("lithium price", "CATL licensing", "cobalt refinery", "storage orders"),
    "phrase": ('"energy storage"', '"battery demand"', '"joint venture"'),
    "boolean": ("lithium OR cobalt", "battery -sodium", "nickel OR cobalt refinery"),
    "prefix": ("l", "li", "lit", "lith*", "lithi*", "g*", "gig*"),
}


def available() -> str | None:
    """None when Recoll can run here, else why not."""
    for tool in ("recollindex", "recollq"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install recollcmd)"
    return None


def write_config(conf: Path, src: Path) -> None:
    if conf.exists():
        shutil.rmtree(conf)
    conf.mkdir(parents=True)
    (conf / "recoll.conf").write_text(
        f"topdirs = {src}\n"
        "indexStemmingLanguages = english\n"
        "loglevel = 1\n"
        "skippedNames+ = *.manifest.json\n"
    )


def measure_build(src: Path, work: Path, repeats: int) -> dict[str, object]:
    conf = work / "recoll"
    secs: list[float] = []
    peak = 0.0
    for _ in range(repeats):
        write_config(conf, src)
        child = run_child(["recollindex", "-c", str(conf), "-z"], timeout=7200)
        if child.returncode != 0:
            raise RuntimeError(f"recollindex failed:\n{child.stderr[-2000:]}")
        secs.append(child.seconds)
        peak = max(peak, child.peak_rss_mb)
    docs = _doc_count(conf, src)
    med = summary(secs)["median"]
    return {"docs": docs, "seconds": summary(secs), "docs_per_s": docs / med,
            "peak_rss_mb": peak, "conf": str(conf),
            "index_mb": sum(p.stat().st_size for p in (conf / "xapiandb").rglob("*")
                            if p.is_file()) / 1e6}


def _doc_count(conf: Path, src: Path) -> int:
    out = subprocess.run(["recollq", "-c", str(conf), "-Q", "-E", f"dir:{src}"],
                         capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        if "results" in line:
            digits = "".join(ch for ch in line.split("results")[0] if ch.isdigit())
            if digits:
                return int(digits)
    return 0


def measure_queries(conf: Path, repeats: int) -> dict[str, object]:
    result: dict[str, object] = {}
    if Path(SYSTEM_PYTHON).exists():
        import json

        args = [SYSTEM_PYTHON, str(PROBE), str(conf), str(repeats), json.dumps(RECOLL_MIX)]
        child = run_child(args, timeout=3600)
        if child.returncode == 0:
            result["in_process"] = child.json()
        else:
            result["in_process_error"] = child.stderr.strip().splitlines()[-1:]
    per_cat: dict[str, list[float]] = {}
    for _ in range(max(1, repeats // 2)):
        for cat, queries in RECOLL_MIX.items():
            for q in queries:
                child = run_child(["recollq", "-c", str(conf), "-n", "20", "-A", q], timeout=600)
                per_cat.setdefault(cat, []).append(child.seconds * 1000)
                per_cat.setdefault("all", []).append(child.seconds * 1000)
    result["recollq_process"] = {c: summary(v) for c, v in per_cat.items()}
    return result
