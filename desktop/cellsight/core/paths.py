"""Where bundled resources and seeds live, in a checkout, a wheel or a frozen build."""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

import platformdirs

from .. import APP_NAME


def _candidates(name: str) -> list[Path]:
    here = Path(__file__).resolve()
    roots: list[Path] = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        roots.append(Path(frozen))
    roots.append(here.parents[3])  # source checkout: desktop/cellsight/core/paths.py
    roots.append(Path(sys.prefix) / "share" / "cellsight")
    return [root / name for root in roots]


@cache
def resources_dir() -> Path:
    for cand in _candidates("resources"):
        if (cand / "catalogue.toml").is_file():
            return cand
    raise FileNotFoundError("Cellsight resources folder not found")


@cache
def seeds_dir() -> Path:
    for cand in _candidates("seeds"):
        if cand.is_dir():
            return cand
    raise FileNotFoundError("Cellsight seeds folder not found")


def default_library_dir() -> Path:
    env = os.environ.get("CELLSIGHT_LIBRARY")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "library"


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
