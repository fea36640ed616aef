"""The benchmark harness end to end at 1k files (``--smoke``), so it cannot rot.

Asserts that every measurement ran and produced sane values; it sets no timing
thresholds (those belong in benchmarks/RESULTS.md, not in a pass/fail test).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RUN = REPO / "benchmarks" / "run.py"


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and value > 0 and not math.isnan(value)


@pytest.mark.slow
def test_bench_smoke_produces_sane_numbers(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path / "home"))
    proc = subprocess.run(
        [sys.executable, str(RUN), "--sizes", "1000", "--smoke", "--out", str(tmp_path)],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=1800, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    [results_file] = tmp_path.glob("results-*.json")
    results = json.loads(results_file.read_text())
    assert (tmp_path / results_file.name.replace(".json", ".md")).is_file()
    s = results["sizes"]["1000"]

    build = s["build"]
    assert build["files"] == 1000 and build["failed"] == 0
    assert build["docs"] == 1000  # one document per file (payload prices ride on the story)
    for key in ("docs_per_s", "mb_per_s", "index_mb", "peak_rss_mb"):
        assert _positive(build[key]), key
    assert 1 < build["source_mb"] < 50

    inc = s["incremental"]
    assert inc["docs"] == 1001  # the corpus plus the probe file
    assert _positive(inc["changed_file_searchable_ms"]["median"])
    assert _positive(inc["reindex_unchanged_ms"]["median"])

    q = s["queries"]
    for cat in ("term", "and2", "phrase", "boolean", "field", "filter", "date", "prefix"):
        assert _positive(q["categories"][cat]["median"]), cat
    lithium = q["queries"]["lithium"]
    assert 0 < lithium["total"] <= 1000
    assert lithium["hits"] == 20 and lithium["snippets"] == 20 and lithium["facets"] >= 9
    catl = q["queries"]["company:CATL"]
    assert 0 < catl["total"] < 1000  # the Zipf head: frequent but not universal
    assert q["queries"]["battery | company=CATL"]["total"] <= catl["total"]
    assert q["queries"]["date:2024"]["total"] < q["queries"][""]["total"] == 1000
    assert q["more_like_nonempty"] > 0.5 and _positive(q["more_like_ms"]["median"])
    assert q["suggestions"]["lithum"] is not None

    assert s["app_cold_start"]["docs"] == 1000
    assert _positive(s["app_cold_start"]["ready_ms"]["median"])
    keys = s["keystrokes"]
    assert keys["key_to_results_ms"]["n"] == len("lithium")
    assert keys["key_to_results_ms"]["median"] >= keys["search_to_results_shown_ms"]["median"]
    assert _positive(keys["peak_rss_mb"])

    seeds = results["seeds_cold_start"]
    assert seeds["first_run"]["docs"] >= 4 and _positive(seeds["second_run"]["ready_ms"]["median"])
    stall = results["stall"]
    assert stall["docs"] == stall["size"] and stall["ticks"] > 10
    assert stall["max_gap_ms"] >= stall["gap_ms"]["median"] > 0
