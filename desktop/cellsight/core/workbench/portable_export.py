"""Writing a portable library's zip from a snapshot of the library (see ``portable``).

Members: the two databases, the index files, the source files when bundled (each
source's files under ``sources/<bundle>/``, with their modification times in the
manifest), and the manifest last. Each member passes the fault-injection point
``library-member``, so kill tests stop an export inside its work.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import sqlite3
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ... import __version__
from .. import faults
from ..paths import seeds_dir
from ..progress import Progress, ProgressSink
from ..scan import sidecar_for
from .portable_files import publish_file
from .portable_manifest import (
    DATABASES,
    INDEX_DIR,
    MANIFEST_NAME,
    SOURCES_DIR,
    Manifest,
    SourceRoot,
    unsafe_name,
)

log = logging.getLogger("cellsight.portable")
MEMBER = "library-member"  # the fault-injection point passed per member (core/faults.py)
# Already compressed: deflating them again costs time and saves nothing.
_ZIP_FIRST, _ZIP_LAST = 315_619_200.0, 4_354_819_199.0  # 1980-01-02 .. 2107-12-31
_STORED = (".pdf", ".zip", ".docx", ".xlsx", ".pptx", ".gz", ".png", ".jpg", ".jpeg")


@dataclass(frozen=True)
class ExportReport:
    target: Path
    documents: int
    roots: tuple[str, ...]
    source_files: int  # bundled (0 without with_sources)
    skipped: tuple[str, ...]  # source files that could not be read, left out
    bytes: int


def write_zip(work: Path, target: Path, with_sources: bool,
              progress: ProgressSink) -> ExportReport:  # fmt: skip
    """The zip of the snapshot in ``work``, published as ``target``."""
    snap = work / "snapshot"
    roots, documents, files = _snapshot_facts(snap)
    sources = _source_roots(roots, with_sources)
    members: list[tuple[str, Path]] = [(n, snap / n) for n in DATABASES]
    members += [(INDEX_DIR + f.name, f) for f in sorted((snap / "index").iterdir())]
    if with_sources:
        members += _source_members(sources, files)
    total = len(members) + 1  # and the manifest
    faults.plan(MEMBER, total)
    sizes: dict[str, int] = {}
    mtimes: dict[str, int] = {}
    skipped: list[str] = []
    part = work / "library.zip"
    with zipfile.ZipFile(part, "w", allowZip64=True) as zf:
        for n, (name, path) in enumerate(members):
            progress(Progress(n, total, "exporting", name))
            try:
                size, mtime = _add(zf, name, path)
            except (FileNotFoundError, PermissionError) as exc:
                if not name.startswith(SOURCES_DIR):
                    raise
                log.warning("left out of the export: %s (%s)", path, exc.strerror)
                skipped.append(str(path))
                continue
            sizes[name] = size
            if mtime is not None and name.startswith(SOURCES_DIR):
                mtimes[name] = mtime
            faults.reached(MEMBER)
        manifest = Manifest(
            roots=tuple(r.path for r in sources), with_sources=with_sources,
            created=dt.datetime.now(dt.UTC), documents=documents, app_version=__version__,
            sep=os.sep, seeds=_seeds(), sources=tuple(sources), members=sizes, mtimes=mtimes)
        info = zipfile.ZipInfo(MANIFEST_NAME, manifest.created.timetuple()[:6])
        info.external_attr = (stat.S_IFREG | 0o644) << 16
        zf.writestr(info, manifest.to_json(), zipfile.ZIP_DEFLATED)
        faults.reached(MEMBER)
    progress(Progress(total, total, "exporting", "finishing"))
    publish_file(part, target)
    progress(Progress(total, total, "done"))
    bundled = sum(1 for n in sizes if n.startswith(SOURCES_DIR))
    return ExportReport(target, documents, manifest.roots, bundled, tuple(skipped),
                        target.stat().st_size)


def _snapshot_facts(snap: Path) -> tuple[list[str], int, list[str]]:
    """The sources, the number of documents and the recorded files, from the snapshot
    (not the live library: they must agree with what is in the zip)."""
    with sqlite3.connect(snap / "user.sqlite") as user:
        roots = [r[0] for r in user.execute("SELECT path FROM sources ORDER BY path")]
    with sqlite3.connect(snap / "documents.sqlite") as store:
        documents = int(store.execute("SELECT count(*) FROM documents").fetchone()[0])
        files = [r[0] for r in store.execute("SELECT path FROM files ORDER BY path")]
    return roots, documents, files


def _source_roots(roots: list[str], with_sources: bool) -> list[SourceRoot]:
    """Each source with its kind and, when bundled, its folder in the zip. A source
    inside another travels inside that one's folder."""
    out: list[SourceRoot] = []
    used: set[str] = set()
    for root in roots:
        outer = any(root.startswith(o.rstrip(os.sep) + os.sep) for o in roots if o != root)
        label = None
        if with_sources and not outer:
            # One step of a zip name on any system: no separator of either kind.
            base = Path(root).name.replace("\\", "_").replace(":", "_") or "source"
            label, k = base, 2
            while label.lower() in used or unsafe_name(label):
                label, k = f"{base}-{k}", k + 1
            used.add(label.lower())
        out.append(SourceRoot(root, "file" if os.path.isfile(root) else "folder", label))
    return out


def _source_members(sources: list[SourceRoot], files: list[str]) -> list[tuple[str, Path]]:
    """Every recorded file of a bundled source, with its sidecar: for a folder, what is
    below it (sources inside it included); for a file, the file."""
    bundled = sorted((r for r in sources if r.bundle), key=lambda r: -len(r.path))
    out: dict[str, Path] = {}
    for path in files:
        root = next((r for r in bundled if path == r.path
                     or path.startswith(r.path.rstrip(os.sep) + os.sep)), None)  # fmt: skip
        if root is None:
            continue
        base = root.path if root.kind == "folder" else os.path.dirname(root.path)
        prefix = base.rstrip(os.sep) + os.sep
        for p in (Path(path), sidecar_for(Path(path))):
            if p is None or not str(p).startswith(prefix):
                continue
            name = f"{SOURCES_DIR}{root.bundle}/" + str(p)[len(prefix):].replace(os.sep, "/")
            if unsafe_name(name):
                log.warning("left out of the export (its name): %s", p)
                continue
            out.setdefault(name, p)
    return list(out.items())


def _add(zf: zipfile.ZipFile, name: str, path: Path) -> tuple[int, int | None]:
    """Write one file; returns its size and its modification time (None when the file
    changed while it was copied: then the import does not claim it is unchanged)."""
    before = os.stat(path)
    when = min(max(before.st_mtime, _ZIP_FIRST), _ZIP_LAST)  # what a zip date can hold
    info = zipfile.ZipInfo(name, dt.datetime.fromtimestamp(when).timetuple()[:6])
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    info.compress_type = (zipfile.ZIP_STORED if name.lower().endswith(_STORED)
                          else zipfile.ZIP_DEFLATED)  # fmt: skip
    info.file_size = before.st_size
    with open(path, "rb") as src, zf.open(info, "w", force_zip64=before.st_size > 1 << 30) as out:
        shutil.copyfileobj(src, out, 1 << 20)
    after = os.stat(path)
    same = (before.st_mtime_ns, before.st_size) == (after.st_mtime_ns, info.file_size)
    return info.file_size, before.st_mtime_ns if same else None


def _seeds() -> str:
    try:
        return str(seeds_dir())
    except FileNotFoundError:
        return ""
