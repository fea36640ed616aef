"""Targeted updates: only what a watcher reported is scanned, and the result is what a
full rescan would give (every test ends by checking that a full update finds nothing
left to do)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from cellsight.core.library import Library
from cellsight.core.model import IndexReport
from cellsight.core.scan import _entry, list_folder, scan, sidecar_names

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _article(path: Path, title: str, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{title}\n\n{body}\n")
    return path


def _bump(path: Path) -> None:
    # Same-second rewrites can keep size and mtime on coarse file systems.
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


@pytest.fixture
def lib_src(tmp_path: Path) -> Iterator[tuple[Library, Path]]:
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    _article(src / "sub" / "cells.txt", "Cell plant", "A cell plant called zqvcellplant.")
    with Library(tmp_path / "lib") as lib:
        first = lib.update([src])
        assert first.added == 5 and not first.failed
        yield lib, src


def _hits(lib: Library, query: str) -> list[str]:
    return [Path(h.path).name for h in lib.search(query).hits]


def _counts(report: IndexReport) -> tuple[int, int, int, int]:
    return report.added, report.updated, report.removed, report.unchanged


def _assert_in_sync(lib: Library) -> None:
    full = lib.update()
    assert (full.added, full.updated, full.removed) == (0, 0, 0), "targeted update missed"
    assert not full.failed or all(f.path for f in full.failed)


def test_modified_file_alone_is_read_again(lib_src: tuple[Library, Path]) -> None:
    lib, src = lib_src
    target = next(src.glob("002_*"))
    target.write_text(target.read_text() + "\nA zqvmodified sentence.\n")
    _bump(target)
    report = lib.update(changed=[target])
    assert _counts(report) == (0, 1, 0, 0)  # nothing else was looked at
    assert _hits(lib, "zqvmodified") == [target.name]
    _assert_in_sync(lib)


def test_changed_folder_compares_its_own_files_only(lib_src: tuple[Library, Path]) -> None:
    lib, src = lib_src
    _article(src / "new.txt", "New", "A zqvnewfile note.")
    report = lib.update(changed=[src])
    # The four seeds are compared; sub/ is known and has a watch of its own.
    assert _counts(report) == (1, 0, 0, 4)
    assert _hits(lib, "zqvnewfile") == ["new.txt"]
    _assert_in_sync(lib)


def test_new_file_reported_by_itself(lib_src: tuple[Library, Path]) -> None:
    lib, src = lib_src
    new = _article(src / "sub" / "fresh.txt", "Fresh", "A zqvfresh note.")
    assert _counts(lib.update(changed=[new])) == (1, 0, 0, 0)
    assert _hits(lib, "zqvfresh") == ["fresh.txt"]
    _assert_in_sync(lib)


@pytest.mark.parametrize("report_folder", [False, True])
def test_deleted_file_is_removed(lib_src: tuple[Library, Path], report_folder: bool) -> None:
    lib, src = lib_src
    gone = src / "sub" / "cells.txt"
    gone.unlink()
    report = lib.update(changed=[gone.parent if report_folder else gone])
    assert report.removed == 1 and report.added == 0
    assert _hits(lib, "zqvcellplant") == []
    assert lib.count() == 4
    _assert_in_sync(lib)


def test_renamed_file_moves(lib_src: tuple[Library, Path]) -> None:
    lib, src = lib_src
    (src / "sub" / "cells.txt").rename(src / "sub" / "renamed.txt")
    report = lib.update(changed=[src / "sub"])
    assert (report.added, report.removed) == (1, 1)
    assert _hits(lib, "zqvcellplant") == ["renamed.txt"]
    _assert_in_sync(lib)


def test_new_subfolder_is_scanned_in_full(lib_src: tuple[Library, Path]) -> None:
    lib, src = lib_src
    _article(src / "2025" / "q1" / "deep.txt", "Deep", "A zqvdeep note.")
    _article(src / "2025" / "top.txt", "Top", "A zqvtop note.")
    report = lib.update(changed=[src])
    assert report.added == 2
    assert _hits(lib, "zqvdeep") == ["deep.txt"] and _hits(lib, "zqvtop") == ["top.txt"]
    _assert_in_sync(lib)


@pytest.mark.parametrize("rename", [False, True])
def test_vanished_subfolder_takes_its_records(
    lib_src: tuple[Library, Path], rename: bool
) -> None:
    lib, src = lib_src
    if rename:
        (src / "sub").rename(src / "moved")
    else:
        shutil.rmtree(src / "sub")
    report = lib.update(changed=[src])
    assert report.removed == 1 and report.added == (1 if rename else 0)
    assert _hits(lib, "zqvcellplant") == (["cells.txt"] if rename else [])
    _assert_in_sync(lib)


def test_vanished_folder_reported_by_itself(lib_src: tuple[Library, Path]) -> None:
    lib, src = lib_src
    shutil.rmtree(src / "sub")
    assert lib.update(changed=[src / "sub"]).removed == 1
    _assert_in_sync(lib)


@pytest.mark.parametrize("spelling", ["cells.txt.meta.json", "cells.meta.json"])
def test_sidecar_changes_reread_the_file_it_describes(
    lib_src: tuple[Library, Path], spelling: str
) -> None:
    lib, src = lib_src
    side = src / "sub" / spelling
    side.write_text(json.dumps({"title": "Zqvsidecar title"}))
    report = lib.update(changed=[side])
    assert _counts(report)[:3] == (0, 1, 0)
    assert _hits(lib, "title:zqvsidecar") == ["cells.txt"]
    _assert_in_sync(lib)
    side.unlink()  # dropping the sidecar drops its metadata
    assert lib.update(changed=[side]).updated == 1
    assert _hits(lib, "title:zqvsidecar") == []
    _assert_in_sync(lib)


def test_paths_outside_the_sources_are_ignored(
    lib_src: tuple[Library, Path], tmp_path: Path
) -> None:
    lib, src = lib_src
    outside = _article(tmp_path / "elsewhere" / "x.txt", "Out", "A zqvoutside note.")
    hidden = _article(src / ".cache" / "h.txt", "Hidden", "A zqvhidden note.")
    report = lib.update(changed=[outside, outside.parent, hidden, hidden.parent])
    assert _counts(report) == (0, 0, 0, 0)
    assert _hits(lib, "zqvoutside") == [] and _hits(lib, "zqvhidden") == []
    _assert_in_sync(lib)


def test_file_that_turns_bad_is_recorded_as_failed(lib_src: tuple[Library, Path]) -> None:
    lib, src = lib_src
    target = src / "sub" / "cells.txt"
    target.write_bytes(bytes(range(256)) * 40)
    _bump(target)
    report = lib.update(changed=[target])
    assert [Path(f.path).name for f in report.failed] == ["cells.txt"]
    assert [Path(f.path).name for f in lib.failures()] == ["cells.txt"]
    assert _hits(lib, "zqvcellplant") == []  # the old text is no longer found
    again = lib.update(changed=[target])  # unchanged: stays failed, not re-read
    assert _counts(again) == (0, 0, 0, 1) and not again.failed
    _assert_in_sync(lib)
    _article(target, "Cell plant", "Repaired zqvrepaired text.")
    _bump(target)
    assert lib.update(changed=[target]).updated == 1
    assert lib.failures() == []
    _assert_in_sync(lib)


def test_new_source_with_changed_is_scanned(lib_src: tuple[Library, Path], tmp_path: Path) -> None:
    lib, _ = lib_src
    extra = _article(tmp_path / "extra" / "e.txt", "Extra", "A zqvextra note.")
    report = lib.update([extra.parent], changed=[])
    assert _counts(report) == (1, 0, 0, 0)
    _assert_in_sync(lib)


def test_listing_finds_the_same_sidecars_as_sidecar_for(tmp_path: Path) -> None:
    names = ["a.txt", "b", "c.", "d.tar.gz", "e.txt", "f.md"]
    sidecars = ["a.meta.json", "b.meta.json", "c..meta.json", "d.tar.meta.json",
                "e.txt.meta.json", "e.meta.json", "f.md.meta.json"]
    for name in names:
        (tmp_path / name).write_text("x" * len(name))
    for i, name in enumerate(sidecars):
        (tmp_path / name).write_text("{}" + " " * i)
    files, _ = list_folder(str(tmp_path))
    expected = [_entry(tmp_path / n, (tmp_path / n).stat()) for n in sorted(names)]
    assert files == expected
    assert list(scan([tmp_path])) == expected
    assert sidecar_names("a.txt") == ("a.txt.meta.json", "a.meta.json")


def test_full_update_removes_index_documents_the_store_never_recorded(lib_src) -> None:  # type: ignore[no-untyped-def]
    """A kill between a batch's index commit and its store commit, then the file deleted
    before the next run: the index kept a document nothing named any more."""
    lib, src = lib_src
    # Index ahead of the store, as the kill leaves it: a document only the index has.
    lone = _article(src / "gone.txt", "Gone", "A zqvorphan note.")
    lib.update(changed=[lone])
    orphan = lib.search("zqvorphan").hits[0].id
    lib.store.delete_documents([orphan])
    lib.store.conn.commit()
    lone.unlink()
    lib.store.conn.execute("DELETE FROM files WHERE path=?", (str(lone),))
    lib.store.conn.commit()
    assert lib.search("zqvorphan").total == 1  # searchable, yet in no file or store row
    lib.update()
    assert lib.search("zqvorphan").total == 0
    with lib.index.index.searcher() as s:
        assert {f["id"] for f in s.all_stored_fields()} == lib.store.all_ids()
    assert lib.search("zqvcellplant").total == 1  # the rest untouched
