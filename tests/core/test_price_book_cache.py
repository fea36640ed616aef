"""The merged price series kept beside the library (core/prices/book_cache.py): the
same book as a fresh merge, and never stale after documents or imports change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cellsight.core.library import Library
from cellsight.core.prices.book_cache import FILE_NAME
from cellsight.core.prices_view import build_price_book

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _fresh(lib: Library):  # type: ignore[no-untyped-def]
    return build_price_book(lib.store.series_snapshots() + lib.user.imported_series(),
                            lib.catalogue())


@pytest.fixture()
def library(tmp_path: Path):  # type: ignore[no-untyped-def]
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    lib = Library(tmp_path / "lib")
    lib.update([src])
    yield lib
    lib.close()


def test_a_second_start_reads_the_same_book_from_the_file(library: Library) -> None:
    first = library.prices()
    assert first.series, "the seeds carry price series"
    assert (library.folder / FILE_NAME).is_file()
    library.close()
    again = Library(library.folder)
    try:
        assert again.prices() == first == _fresh(again)
    finally:
        again.close()


def test_new_documents_and_imports_are_merged_again(library: Library, tmp_path: Path) -> None:
    before = library.prices()
    csv = tmp_path / "extra.csv"
    csv.write_text("date,Spodumene test index\n2026-01-05,100\n2026-02-05,112\n", encoding="utf-8")
    library.import_prices(csv)
    after_import = library.prices()
    assert len(after_import.series) == len(before.series) + 1
    assert after_import == _fresh(library)
    # A removed source: its documents (and their series) go, the book follows.
    payload = next(p for p in (tmp_path / "src").iterdir() if "ticker-data" in p.read_text())
    payload.unlink()
    library.update([tmp_path / "src"])
    gone = library.prices()
    assert gone == _fresh(library)
    assert len(gone.series) < len(after_import.series)


@pytest.mark.parametrize("damage", [
    "not json", "[]", '{"key": 1}', "{\"key\": KEY, \"series\": [{\"id\": 1}]}",
    "{\"key\": KEY, \"series\": [7]}",
])
def test_a_damaged_or_foreign_file_is_ignored_and_replaced(library: Library, damage: str) -> None:
    good = library.prices()
    path = library.folder / FILE_NAME
    key = json.loads(path.read_text())["key"]
    path.write_text(damage.replace("KEY", json.dumps(key)), encoding="utf-8")
    library.close()
    again = Library(library.folder)
    try:
        assert again.prices() == good
        assert json.loads(path.read_text())["key"] == key  # written anew
    finally:
        again.close()


def test_a_read_only_library_merges_without_writing(library: Library) -> None:
    library.close()
    ro = Library(library.folder, read_only=True)
    try:
        assert ro.prices() == _fresh(ro)
        assert not (library.folder / FILE_NAME).exists()
    finally:
        ro.close()
