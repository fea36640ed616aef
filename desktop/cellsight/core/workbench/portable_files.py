"""Files of a portable-library export or import: the work folder beside the target, the
snapshot of a live library, and the atomic step that publishes the result.

The work folder is hidden (a dot name, so a scan of a source folder skips it too) and
named after the target and the process; a kill leaves it behind, and the next export
or import to the same target sweeps the ones whose process is gone. The target itself
only ever appears complete: a rename of a finished file or folder.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sqlite3
from pathlib import Path

from ..locking import WriteLock
from ..store import connect

_PARTIAL = ".partial-"
# Whoosh's own lock and ours: nothing a copy of the index needs.
_NOT_INDEX = ("main_WRITELOCK",)


def work_folder(target: Path) -> Path:
    """A new, empty hidden folder beside ``target`` for building it."""
    sweep(target)
    work = target.with_name(f".{target.name}{_PARTIAL}{os.getpid()}-{secrets.token_hex(4)}")
    work.mkdir()
    return work


def sweep(target: Path) -> None:
    """Remove work folders an export or import to ``target`` left when it was killed."""
    try:
        found = list(target.parent.glob(f".{_glob_escape(target.name)}{_PARTIAL}*"))
    except OSError:
        return
    for old in found:
        pid = old.name.rpartition(_PARTIAL)[2].partition("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)


def publish_file(part: Path, target: Path) -> None:
    """Make the finished ``part`` the file ``target`` (replacing an older one)."""
    with part.open("rb+") as fh:
        os.fsync(fh.fileno())  # the zip's bytes on disk before the name points at them
    os.replace(part, target)
    _sync_folder(target.parent)


def publish_folder(work: Path, target: Path) -> None:
    """Make the finished folder ``work`` the folder ``target`` (absent or empty)."""
    if target.exists():
        target.rmdir()  # refuses (OSError) if something arrived in it meanwhile
    os.replace(work, target)
    _sync_folder(target.parent)


def snapshot(library_folder: Path, out: Path, *, read_only: bool) -> None:
    """A consistent copy of the library's databases and index into ``out``.

    Under the library's write lock nobody indexes, so the document store and the index
    agree; SQLite's backup API copies each database as of one transaction, whatever
    else reads or writes it. A read-only library has no lock to take (and no writer).
    """
    out.mkdir()
    lock = contextlib.nullcontext() if read_only else WriteLock(library_folder)
    with lock:
        for name in ("documents.sqlite", "user.sqlite"):
            backup(library_folder / name, out / name, read_only=read_only)
        index = out / "index"
        index.mkdir()
        for f in sorted((library_folder / "index").iterdir()):
            if f.is_file() and not f.is_symlink() and f.name not in _NOT_INDEX:
                shutil.copyfile(f, index / f.name)


def backup(src: Path, dst: Path, *, read_only: bool) -> None:
    source = connect(src, read_only=read_only)
    target = sqlite3.connect(dst)
    try:
        source.backup(target)  # all pages in one step: one consistent snapshot
        # One file, no write-ahead log beside it; the library turns WAL on when it opens.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()


def _alive(pid: int) -> bool:
    if os.name == "nt":
        return True  # os.kill(pid, 0) would terminate it there; such folders stay
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process: leave its folder alone
    return True


def _sync_folder(folder: Path) -> None:
    if os.name == "nt":
        return  # no directory handles to fsync there; NTFS journals the rename
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)
