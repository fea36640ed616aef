"""Starts the real app process under Xvfb on a temp library and checks it is usable."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def _app_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)  # a real X window this time
    env.update(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "home" / "config"),
               XDG_DATA_HOME=str(tmp_path / "home" / "data"),
               XDG_STATE_HOME=str(tmp_path / "home" / "state"))
    return env


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed")
def test_app_indexes_the_seeds_searches_and_renders(tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    lib = tmp_path / "library"
    shot = tmp_path / "window.png"
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, "-m", "cellsight",
           "--library", str(lib), "--search", "licensing", "--screenshot", str(shot),
           "--exit-when-ready"]
    proc = subprocess.run(cmd, env=_app_env(tmp_path), capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "cellsight ready: 4 documents" in proc.stderr
    assert "Traceback" not in proc.stderr and "ERROR" not in proc.stderr
    image = QImage(str(shot))
    assert image.width() >= 1000 and image.height() >= 600
    # Not a blank frame: a rendered window has many distinct colours.
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37)
               for y in range(0, image.height(), 23)}
    assert len(colours) > 20
    # The library the app built is usable by the CLI.
    out = subprocess.run([sys.executable, "-m", "cellsight", "--library", str(lib), "search",
                          "--json", "licensing"], capture_output=True, text=True, timeout=600,
                         env=_app_env(tmp_path))
    assert out.returncode == 0 and '"total": 2' in out.stdout
    shutil.copy(shot, Path(os.environ.get("CELLSIGHT_E2E_SHOT", tmp_path / "copy.png")))
