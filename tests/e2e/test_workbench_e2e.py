"""The real app under Xvfb on a library with a saved search and a price alert (made with
the CLI): a new payload dropped into the watched folder raises the saved search's count
and fires the alert, and the window says so.

Every wait reads the app's own log lines from its stderr (``--log-level INFO``), in
order: ready; the catch-up pass over the sources done (after which they are watched);
the new file's pass with its counts and notice. Nothing waits for a time to pass and
nothing is killed on a clock: each step is a line the app writes when it gets there.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _app_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)  # a real X window
    env.update(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "home" / "config"),
               XDG_DATA_HOME=str(tmp_path / "home" / "data"),
               XDG_STATE_HOME=str(tmp_path / "home" / "state"))
    return env


def _cli(lib: Path, env: dict[str, str], *args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "cellsight", "--library", str(lib), *args],
                         capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout


def devalue(root: Any) -> str:
    """``root`` flattened the way Nuxt serialises a page payload (see seeds/003_*)."""
    flat: list[Any] = []

    def add(value: Any) -> int:
        i = len(flat)
        flat.append(None)
        if isinstance(value, dict):
            flat[i] = {k: add(v) for k, v in value.items()}
        elif isinstance(value, list):
            flat[i] = [add(v) for v in value]
        else:
            flat[i] = value
        return i

    add(root)
    return json.dumps(flat)


def price_payload() -> str:
    """A CATL article with a Lithium Carbonate ticker whose new point is 11 % up on the
    series' last one (449.85 on 2026-05-27 in the seed payload)."""
    ticker = {"publishedDate": "2026-06-10", "updateFrequency": "2wk",
              "updateFrequencyText": "Updated every 2 weeks", "label": "Lithium Carbonate",
              "today": 500.0, "last": 449.85, "percentageChange": 11.15,
              "oneYearIndexTrend": [{"date": "2026-05-27", "value": 449.85},
                                    {"date": "2026-06-10", "value": 500.0}],
              "url": "/lithium/prices"}
    text = ("CATL confirmed a second European cell plant in Debrecen, Hungary, as lithium "
            "carbonate prices jumped on restocking by cathode makers.")
    story = {"name": "CATL expands in Europe as lithium carbonate jumps",
             "slug": "catl-europe-plant", "full_slug": "news/catl-europe-plant",
             "first_published_at": "2026-06-10 08:00",
             "content": {"component": "article", "body": {"type": "doc", "content": [
                 {"type": "paragraph", "content": [{"type": "text", "text": text}]}]}}}
    return devalue({"data": {"ticker-data": [ticker],
                             "story-article/catl-europe-plant": {"story": story}},
                    "prerenderedAt": 1780500949256})


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed")
def test_new_file_in_a_watched_folder_raises_the_count_and_fires_the_alert(
        tmp_path: Path) -> None:
    env = _app_env(tmp_path)
    src, lib = tmp_path / "src", tmp_path / "library"
    shutil.copytree(SEEDS, src)
    _cli(lib, env, "index", str(src))
    _cli(lib, env, "saved", "add", "CATL Europe", "CATL")
    _cli(lib, env, "alert", "add", "Lithium jump", "--series", "lithium-carbonate",
         "--change", "10", "--points", "1")
    assert '"triggered": false' in _cli(lib, env, "alert", "list", "--json")

    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, "-m",
           "cellsight", "--library", str(lib), "--log-level", "INFO"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, encoding="utf-8", start_new_session=True)
    seen: list[str] = []

    def wait_for(wanted: Callable[[str], bool]) -> str:
        assert proc.stderr is not None
        for line in proc.stderr:
            seen.append(line)
            if wanted(line):
                return line
        raise AssertionError("the app ended first:\n" + "".join(seen[-40:]))

    try:
        wait_for(lambda line: "cellsight ready: 4 documents" in line)
        # The catch-up pass over the sources ends by watching them; its drain comes after.
        wait_for(lambda line: "saved searches after a library change: CATL Europe: 4 "
                              "documents" in line)
        drop = tmp_path / "catl_europe.json.part"
        drop.write_text(price_payload(), encoding="utf-8")
        os.replace(drop, src / "catl_europe.json")  # whole, in one step
        counts = wait_for(lambda line: "saved searches after a library change: CATL Europe: 5"
                                       in line)
        assert "CATL Europe: 5 documents, 1 new" in counts
        notice = wait_for(lambda line: "new document in “CATL Europe”" in line)
        assert "1 new document in “CATL Europe”." in notice
        assert "Alert “Lithium jump”: Lithium Carbonate moved +11.1 %" in notice
        assert "449.85 → 500" in notice
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()
    log = "".join(seen)
    assert "Traceback" not in log, log[-4000:]
    assert not [line for line in seen if line.startswith(("ERROR", "CRITICAL"))], log[-4000:]

    # The CLI sees the same library: one new document, the alert triggered.
    saved = json.loads(_cli(lib, env, "saved", "list", "--json"))["saved"]
    assert [(s["name"], s["total"], s["new"]) for s in saved] == [("CATL Europe", 5, 1)]
    alerts = json.loads(_cli(lib, env, "alert", "list", "--json"))["alerts"]
    assert alerts[0]["name"] == "Lithium jump" and alerts[0]["triggered"] is True
