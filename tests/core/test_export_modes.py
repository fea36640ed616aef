"""Every export is created with the user's umask, like a PNG the chart writes (issue 17):
the atomic temporary file (0600) used to keep its mode after the rename."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from cellsight.core.library import Library
from cellsight.core.model import SearchRequest
from cellsight.core.prices import export_csv

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_exports_follow_the_umask(tmp_path: Path, umask_022: None) -> None:
    from cellsight.core.workbench.brief import build_brief, write_brief
    from cellsight.core.workbench.portable import export_library

    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    with Library(tmp_path / "lib") as lib:
        lib.update([src])
        lib.export_results(SearchRequest(query="CATL"), tmp_path / "results.csv")
        export_csv([v.series for v in lib.prices().series[:2]], tmp_path / "prices.csv")
        write_brief(build_brief(lib, request=SearchRequest(query="CATL")),
                    tmp_path / "brief.html", "html")  # fmt: skip
        export_library(lib, tmp_path / "library.zip")
    for name in ("results.csv", "prices.csv", "brief.html", "library.zip"):
        assert mode(tmp_path / name) == 0o644, name
    os.umask(0o077)  # a private umask is honoured too
    export_csv([], tmp_path / "private.csv")
    assert mode(tmp_path / "private.csv") == 0o600
