"""A full disk or a read-only library folder: a clear message and nothing half-written
(a read-only library still opens for reading: see test_read_only_library.py).

The real cases use a 1 MB tmpfs and a read-only bind mount (root with CAP_SYS_ADMIN;
skipped elsewhere). The monkeypatched variants run everywhere.
"""

from __future__ import annotations

import errno
import sqlite3
import subprocess
from pathlib import Path

import pytest
from harness import SEEDS, read_only_view, run_cli, tmpfs, write_corpus

from cellsight.core.errors import LibraryError, LibraryReadOnlyError
from cellsight.core.index.whoosh_index import IndexStore
from cellsight.core.library import Library


def consistent(lib_dir: Path) -> int:
    """Open the library as after a restart; the store's documents are all searchable."""
    with Library(lib_dir) as lib:
        assert not lib.index.needs_rebuild, lib.index.rebuild_reason
        with lib.index.index.searcher() as s:
            assert lib.store.all_ids() <= {f["id"] for f in s.all_stored_fields()}
        assert lib.search("batteries").total >= lib.count()
        with sqlite3.connect(lib_dir / "user.sqlite") as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return lib.count()


def test_disk_full_during_indexing(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write_corpus(src, 1200)
    with tmpfs(tmp_path / "disk", "1m") as disk:
        lib_dir = disk / "lib"
        with Library(lib_dir) as lib, pytest.raises(LibraryError) as info:
            lib.update([src])
        assert "is full" in str(info.value) and "nothing already indexed was lost" in str(
            info.value)
        before = consistent(lib_dir)
        ran = run_cli("--library", str(lib_dir), "index", str(src))
        assert ran.returncode == 1, ran.stdout
        assert "is full" in ran.stderr and "Traceback" not in ran.stderr
        assert consistent(lib_dir) >= before
        # Space freed: the next run completes the rest.
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        with Library(lib_dir) as lib:
            report = lib.update([src])
            assert not report.failed
            assert lib.count() == 1200
        assert consistent(lib_dir) == 1200


def test_disk_full_at_commit_is_a_library_error(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "src"
    write_corpus(src, 30)
    with Library(tmp_path / "lib") as lib:
        lib.update([src])
    write_corpus(src, 30, start=30)
    real_writer = IndexStore.writer

    def full_writer(self: IndexStore):  # type: ignore[no-untyped-def]
        writer = real_writer(self)

        def commit(*_a: object, **_k: object) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        writer.commit = commit
        return writer

    monkeypatch.setattr(IndexStore, "writer", full_writer)
    with Library(tmp_path / "lib") as lib, pytest.raises(LibraryError, match="is full"):
        lib.update()
    monkeypatch.undo()
    assert consistent(tmp_path / "lib") == 30  # the failed batch left nothing behind
    with Library(tmp_path / "lib") as lib:
        assert lib.update().added == 30


def test_read_only_library_folder(tmp_path: Path) -> None:
    lib_dir = tmp_path / "lib"
    with Library(lib_dir) as lib:
        lib.update([SEEDS])
    files = {p.name: p.stat().st_mtime_ns for p in lib_dir.rglob("*")}
    with read_only_view(lib_dir, tmp_path / "view") as view:
        # It opens for reading (test_read_only_library.py has the rest); writing is
        # refused with the reason.
        with Library(view) as lib:
            assert lib.read_only and lib.search("licensing").total == 2
            with pytest.raises(LibraryReadOnlyError, match="is read-only"):
                lib.update()
        ran = run_cli("--library", str(view), "search", "licensing")
        assert ran.returncode == 0, ran.stderr
        ran = run_cli("--library", str(view), "index")
        assert ran.returncode == 1 and "is read-only" in ran.stderr
        assert "Traceback" not in ran.stderr
        with pytest.raises(LibraryError, match="is read-only"):
            Library(view / "new library")
    assert {p.name: p.stat().st_mtime_ns for p in lib_dir.rglob("*")} == files


def test_read_only_file_system_is_a_library_error(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def refuse(self: Path, *_a: object, **_k: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(LibraryError, match="is read-only"):
        Library(tmp_path / "lib")
