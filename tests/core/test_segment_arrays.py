"""Per-segment facet arrays and columns kept on disk: reused, rebuilt when damaged,
removed with their segment."""

from __future__ import annotations

import shutil
from pathlib import Path

from cellsight.core.library import Library
from cellsight.core.model import SearchRequest


def _facets(lib: Library) -> dict[str, list[tuple[str, int]]]:
    res = lib.search(SearchRequest(query="", limit=5))
    return {f: [(c.value, c.count) for c in v] for f, v in res.facets.items()}


def test_arrays_are_saved_reused_rebuilt_and_pruned(tmp_path: Path, seeds: Path) -> None:
    shutil.copytree(seeds, tmp_path / "src")
    folder = tmp_path / "lib"
    with Library(folder) as lib:
        lib.update([tmp_path / "src"])
        first = _facets(lib)
    saved = sorted((folder / "index").glob("cellsight-arrays-*.npz"))
    assert {p.name.rsplit("-", 1)[1] for p in saved} == {"facets.npz", "columns.npz",
                                                         "figures.npz"}
    with Library(folder) as lib:
        assert _facets(lib) == first  # loaded back, same counts
    for p in saved:
        p.write_bytes(b"not an npz file")  # damaged: built again, never an error
    with Library(folder) as lib:
        assert _facets(lib) == first
        assert lib.search(SearchRequest(query="", limit=5)).hits[0].date is not None
        lib.rebuild_index()  # every segment replaced: the old arrays must go
        assert _facets(lib) == first
    names = {p.name for p in (folder / "index").glob("cellsight-arrays-*.npz")}
    assert names and not names & {p.name for p in saved}
