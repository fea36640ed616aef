"""A portable library: the whole library in one zip, and back on another computer.

The zip holds a snapshot of the user data, the document store (with the price data
it read) and the index, optionally the source files, and a manifest
(``portable_manifest``). Importing builds the library in a hidden folder beside the
target and renames it into place only when it is complete; sources that moved are
re-rooted and every document id follows (``portable_reroot``). The index is rebuilt
from the store, never taken from the zip: Whoosh's table of contents is a pickle, and
unpickling a file from an archive of unknown origin would run whatever it says.
Nothing is read from the sources, and their files keep the times the store recorded,
so the first update finds every file unchanged.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import faults
from ..progress import Progress, ProgressSink, null_sink
from ..store import DocumentStore, connect
from ..userdata import UserData
from .portable_export import MEMBER, ExportReport, write_zip
from .portable_files import publish_folder, snapshot, work_folder
from .portable_manifest import (
    DATABASES,
    DEFAULT_LIMITS,
    INDEX_DIR,
    SOURCES_DIR,
    Manifest,
    MissingRootsError,
    PortableError,
    PortableLimits,
    check_archive,
    copy_member,
    open_archive,
    read_manifest,
)
from .portable_reroot import (
    RootPlan,
    Translator,
    check_database,
    plan_roots,
    translate_documents,
    translate_user,
)
from .store import WorkbenchStore

if TYPE_CHECKING:
    from ..library import Library

__all__ = ["ExportReport", "ImportReport", "Manifest", "MissingRootsError", "PortableError",
           "PortableLimits", "export_library", "import_library", "read_manifest"]
log = logging.getLogger("cellsight.portable")


@dataclass(frozen=True)
class ImportReport:
    folder: Path
    documents: int
    rerooted: tuple[tuple[str, str], ...]  # (source as exported, where it is now)
    missing_roots: tuple[str, ...]  # kept where they were, though not on this computer
    source_files: int  # taken out of the zip


def export_library(library: Library, target: Path, *, with_sources: bool = False,
                   progress: ProgressSink = null_sink) -> ExportReport:  # fmt: skip
    """Write the library to the zip ``target`` (replacing it only once complete)."""
    target = Path(target).expanduser().absolute()
    if target.is_dir():
        raise PortableError(f"{target} is a folder; name the zip file to write")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        work = work_folder(target)
    except OSError as exc:
        raise PortableError(f"Cannot write {target}: {exc.strerror or exc}") from exc
    try:
        progress(Progress(0, 0, "exporting", "taking a snapshot"))
        snapshot(library.folder, work / "snapshot", read_only=library.read_only)
        return write_zip(work, target, with_sources, progress)
    except (OSError, sqlite3.Error) as exc:  # a full disk, an unreadable library file
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise PortableError(f"Cannot export the library to {target}: {detail}") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)


def import_library(archive: Path, folder: Path, *, roots: Mapping[str, Path] | None = None,
                   progress: ProgressSink = null_sink,
                   limits: PortableLimits = DEFAULT_LIMITS) -> ImportReport:  # fmt: skip
    """Make the library in ``archive`` the library in ``folder`` (absent or empty).

    ``roots`` says where sources of the archive are now (exported path → folder);
    the rest are taken from the zip (if bundled) or stay where they were, and
    MissingRootsError lists those that are not on this computer.
    """
    archive = Path(archive).expanduser()
    folder = Path(folder).expanduser().absolute()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise PortableError(f"{folder} is not empty: a library is imported into a new or "
                            "empty folder")  # fmt: skip
    with open_archive(archive) as zf:
        manifest = check_archive(zf, archive, limits)
        plan = plan_roots(manifest, folder, roots)
        bundles = {r.bundle for r in manifest.sources if r.bundle in plan.extract}
        wanted = [n for n in manifest.members if n in DATABASES or (
            n.startswith(SOURCES_DIR) and n[len(SOURCES_DIR):].partition("/")[0] in bundles)]
        index_bytes = sum(s for n, s in manifest.members.items() if n.startswith(INDEX_DIR))
        _check_space(folder, sum(manifest.members[n] for n in wanted) + index_bytes)
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            work = work_folder(folder)
        except OSError as exc:
            raise PortableError(f"Cannot create {folder}: {exc.strerror or exc}") from exc
        try:
            files = _extract(zf, manifest, wanted, work, progress)
            documents = _finish(work, manifest, plan, progress)
            publish_folder(work, folder)
        except OSError as exc:
            shutil.rmtree(work, ignore_errors=True)
            raise PortableError(f"Cannot import the library into {folder}: "
                                f"{exc.strerror or exc}") from exc  # fmt: skip
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
    moved = tuple((old, new) for old, new in sorted(plan.new.items()) if old != new)
    return ImportReport(folder, documents, moved, plan.missing, files)


# -- import ---------------------------------------------------------------------------
def _check_space(folder: Path, needed: int) -> None:
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError:
        return
    needed = int(needed * 1.1) + (16 << 20)  # the write-ahead logs while re-rooting
    if free < needed:
        raise PortableError(f"Not enough space for the library at {folder}: it needs about "
                            f"{needed / 1e6:,.0f} MB and {free / 1e6:,.0f} MB are free")


def _extract(zf: zipfile.ZipFile, manifest: Manifest, wanted: list[str], work: Path,
             progress: ProgressSink) -> int:  # fmt: skip
    infos = sorted((zf.getinfo(n) for n in wanted), key=lambda i: i.header_offset)
    faults.plan(MEMBER, len(infos))
    inside = work.resolve()
    for n, info in enumerate(infos):
        progress(Progress(n, len(infos), "importing", info.filename))
        dest = work.joinpath(*info.filename.split("/"))
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.parent.resolve().is_relative_to(inside):
            raise PortableError(f"member {info.filename!r} would be written outside the "
                                "library")  # fmt: skip
        with open(dest, "xb") as out:
            copy_member(zf, info, out)
        mtime = manifest.mtimes.get(info.filename)
        if mtime is not None:  # as the store recorded it: the file reads as unchanged
            try:
                os.utime(dest, ns=(mtime, mtime))
            except (OverflowError, ValueError):  # a time no file can have: left as it is
                log.warning("%s: not restoring its modification time %s", dest, mtime)
        faults.reached(MEMBER)
    return sum(1 for i in infos if i.filename.startswith(SOURCES_DIR))


def _finish(work: Path, manifest: Manifest, plan: RootPlan, progress: ProgressSink) -> int:
    """Re-root the extracted databases, then open them as a library and rebuild its
    index from the store; returns the number of documents."""
    from ..library import Library

    check_database(work / "documents.sqlite", ("documents", "files", "failures", "meta"))
    check_database(work / "user.sqlite", ("sources",))
    try:
        DocumentStore(work / "documents.sqlite").close()  # today's schema: older archives
        user = UserData(work / "user.sqlite")
        WorkbenchStore(user)
        user.close()
        conn = connect(work / "documents.sqlite")
        try:
            ids = translate_documents(conn, Translator(plan.new, manifest.sep))
        finally:
            conn.close()
        conn = connect(work / "user.sqlite")
        try:
            translate_user(conn, plan.new, ids)
        finally:
            conn.close()
    except (sqlite3.Error, ValueError, TypeError, AttributeError, KeyError) as exc:
        raise PortableError(f"The archive's library data is malformed ({exc})") from exc
    progress(Progress(0, 0, "rebuilding index"))
    with Library(work) as lib:
        if lib.index.needs_rebuild:
            lib.index.rebuild_reason = "a library was imported"
            lib.rebuild_index(progress=progress)
        return lib.count()
