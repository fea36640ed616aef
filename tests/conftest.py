"""Shared test setup: offscreen Qt, isolated user folders, the seed corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# `cellsight search` processes run cold in tests, never through a resident search server
# left by an earlier test (cli_serve.py; its own tests turn it back on).
os.environ.setdefault("CELLSIGHT_NO_SEARCH_SERVER", "1")

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # No test may read or write the developer's real library, settings or logs.
    home = tmp_path_factory.getbasetemp() / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.delenv("CELLSIGHT_LIBRARY", raising=False)


@pytest.fixture
def seeds() -> Path:
    return SEEDS
