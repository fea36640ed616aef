"""Finding the source files under the folders a user added.

Two ways in: ``scan`` walks every source (a full update), ``targets`` + ``scan_target``
look only at what a file-system watcher reported (a targeted update). Both list each
folder once and find sidecars in that listing, so they agree on every file they see.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

SIDECAR = ".meta.json"
SKIP_SUFFIXES = (SIDECAR,)
# "Web page, complete" saves NAME.html and, beside it, a folder of the page's images,
# scripts, styles and frames: NAME_files (Chromium: save_package.cc; Firefox, which
# no longer localises it). Older Firefox versions named it in the user's language
# (filesFolder in contentAreaCommands.properties): de "%S-Dateien", nl "%S_bestanden",
# pt-BR "%S_arquivos". Those files are parts of the page, not documents, so such a
# folder is not scanned when its page is beside it.
PAGE_ASSET_SUFFIXES = ("_files", "-Dateien", "_bestanden", "_arquivos")
PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".xht", ".shtml")


@dataclass(frozen=True)
class SourceFile:
    path: str
    mtime_ns: int  # newest of the file and its sidecar, so sidecar edits re-read
    size: int


def sidecar_for(path: Path) -> Path | None:
    name = path.name
    if not name:  # "/", "": with_suffix raises, as it always did
        return _sidecar_by_path(path)
    # Checked by name with one os.stat each: making and stat'ing two Path objects
    # costs several times more, and the indexer and the text reader both ask per file.
    folder = str(path)[: -len(name)]
    for cand in sidecar_names(name):
        if _is_file(folder + cand):
            return path.with_name(cand)
    return None


def _sidecar_by_path(path: Path) -> Path | None:
    for cand in (path.with_name(path.name + SIDECAR), path.with_suffix(SIDECAR)):
        if cand != path and cand.is_file():
            return cand
    return None


# Path.is_file's rule: these errors mean "not a file"; any other OSError is raised.
_NOT_THERE = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP})
_NOT_THERE_WINDOWS = frozenset({21, 123, 1921})  # not ready, invalid name, unresolvable


def _is_file(path: str) -> bool:
    """``Path(path).is_file()`` without making a Path."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError as exc:
        if exc.errno in _NOT_THERE or getattr(exc, "winerror", None) in _NOT_THERE_WINDOWS:
            return False
        raise
    except ValueError:  # a name the OS cannot take (an embedded NUL …)
        return False


def sidecar_names(name: str) -> tuple[str, str]:
    """The names ``sidecar_for`` tries, in its order, as plain strings.

    Spelled out rather than built with ``Path.with_suffix`` because a folder walk
    would otherwise construct two Path objects per file, which was most of the
    cost of re-scanning unchanged sources.
    """
    i = name.rfind(".")
    stem = name[:i] if 0 < i < len(name) - 1 else name  # Path.suffix's rule
    return name + SIDECAR, stem + SIDECAR


def _entry(path: Path, st: os.stat_result) -> SourceFile:
    mtime, size = st.st_mtime_ns, st.st_size
    side = sidecar_for(path)
    if side is not None:
        sst = side.stat()
        mtime = max(mtime, sst.st_mtime_ns)
        size += sst.st_size
    return SourceFile(str(path), mtime, size)


def _wanted(name: str) -> bool:
    return not name.startswith(".") and not name.endswith(SKIP_SUFFIXES)


def page_assets_stem(name: str) -> str | None:
    """NAME when ``name`` is spelled like the assets folder of a page NAME.html."""
    if name.endswith(PAGE_ASSET_SUFFIXES):
        for suffix in PAGE_ASSET_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                return name[: -len(suffix)]
    return None


def is_page_assets(name: str, has_file: Callable[[str], bool]) -> bool:
    """Whether the folder ``name`` holds the parts of a saved page beside it;
    ``has_file`` says whether a file of a given name is in the same folder."""
    stem = page_assets_stem(name)
    return stem is not None and any(has_file(stem + ext) for ext in PAGE_SUFFIXES)


def _listed(entry: os.DirEntry[str], sidecars: dict[str, os.DirEntry[str]]) -> SourceFile:
    st = entry.stat()
    mtime, size = st.st_mtime_ns, st.st_size
    if sidecars:  # most folders have none: then no per-file name work at all
        for cand in sidecar_names(entry.name):
            side = sidecars.get(cand)
            if side is not None:
                sst = side.stat()
                mtime = max(mtime, sst.st_mtime_ns)
                size += sst.st_size
                break
    return SourceFile(entry.path, mtime, size)


def list_folder(folder: str) -> tuple[list[SourceFile], list[str]]:
    """The wanted files directly in ``folder`` (sorted by name) and its subfolders.

    Raises OSError if the folder cannot be listed; a file that vanishes or cannot be
    stat'ed while listing is left out.
    """
    with os.scandir(folder) as it:
        entries = sorted(it, key=lambda e: e.name)
    plain: list[os.DirEntry[str]] = []
    sidecars: dict[str, os.DirEntry[str]] = {}
    subdirs: list[str] = []
    assets: list[os.DirEntry[str]] = []  # folders named like a saved page's parts
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        try:
            if name.endswith(SIDECAR):
                if entry.is_file():
                    sidecars[name] = entry
            elif entry.is_dir():
                if name.endswith(PAGE_ASSET_SUFFIXES):
                    assets.append(entry)
                else:
                    subdirs.append(entry.path)
            elif entry.is_file():
                plain.append(entry)
        except OSError:
            continue
    if assets:  # rare: only then are the file names collected
        names = {e.name for e in plain}
        kept = [e.path for e in assets if not is_page_assets(e.name, names.__contains__)]
        subdirs = sorted(subdirs + kept) if kept else subdirs
    files: list[SourceFile] = []
    for entry in plain:
        try:
            files.append(_listed(entry, sidecars))
        except OSError:
            continue
    return files, subdirs


def _walk(
    top: str, seen_dirs: set[tuple[int, int]], seen_files: set[str]
) -> Iterator[SourceFile]:
    """Depth first, each folder's files before its subfolders, in name order."""
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:  # a symlink loop, or a folder reached twice
                continue
            seen_dirs.add(key)
            files, subdirs = list_folder(folder)
        except OSError:
            continue
        for f in files:
            if f.path not in seen_files:
                seen_files.add(f.path)
                yield f
        stack.extend(reversed(subdirs))


def scan(roots: Iterable[Path]) -> Iterator[SourceFile]:
    """Yield every candidate file once; symlink loops and unreadable folders are skipped."""
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[str] = set()
    for root in roots:
        root = Path(root).absolute()
        if root.is_file():
            if str(root) not in seen_files:
                seen_files.add(str(root))
                yield _entry(root, root.stat())
            continue
        yield from _walk(str(root), seen_dirs, seen_files)


def under_any(path: str, roots: Iterable[Path]) -> bool:
    p = Path(path)
    for root in roots:
        root = Path(root).absolute()
        if p == root or root in p.parents:
            return True
    return False


# -- targeted scans -------------------------------------------------------------------
class Reach(Enum):
    TREE = "tree"  # the path and everything below it
    FOLDER = "folder"  # the folder's own files; subfolders only if they are new


@dataclass(frozen=True)
class Target:
    path: str
    reach: Reach


def targets(changed: Iterable[Path], roots: Iterable[Path]) -> list[Target]:
    """What to look at for paths a watcher reported, limited to what ``scan`` would see.

    A changed folder is listed on its own (its known subfolders have watches of their
    own); a changed file, or a path that no longer exists, is looked at with everything
    below it, so a vanished folder takes its records along. A changed sidecar re-lists
    its folder, because the file it describes may be any of several names. Paths
    outside the sources, or hidden from ``scan``, are dropped.
    """
    roots = [Path(r).absolute() for r in roots]
    found: dict[str, Reach] = {}
    for raw in changed:
        for target in _targets_for(Path(raw).absolute(), roots):
            if found.get(target.path) is not Reach.TREE:
                found[target.path] = target.reach
    return _outermost(found)


def _targets_for(path: Path, roots: list[Path]) -> list[Target]:
    if path in roots:
        return [Target(str(path), _reach(path))]
    # A source that is a single file has its sidecar next to it, outside every root.
    out = [Target(str(r), Reach.TREE) for r in roots if _describes(path, r)]
    if any(r in path.parents and _visible(path, r) for r in roots):
        if path.name.endswith(SIDECAR):
            out.append(Target(str(path.parent), Reach.FOLDER))
        else:
            out.append(Target(str(path), _reach(path)))
    elif not out:
        # A folder holding sources (say, a root's parent) stands for those sources.
        out = [Target(str(r), Reach.TREE) for r in roots if path in r.parents]
    return out


def _reach(path: Path) -> Reach:
    return Reach.FOLDER if path.is_dir() else Reach.TREE


def _describes(sidecar: Path, root: Path) -> bool:
    return (
        sidecar.parent == root.parent
        and sidecar.name in sidecar_names(root.name)
        and root.is_file()
    )


def _visible(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    # The last part may be a sidecar: that is a change to the file it describes.
    if not all(_wanted(p) for p in parts[:-1]) or parts[-1].startswith("."):
        return False
    # Inside a saved page's assets folder (or that folder itself): not scanned either.
    folder = root
    for i, part in enumerate(parts):
        if page_assets_stem(part) is not None and (i < len(parts) - 1 or path.is_dir()):
            if is_page_assets(part, lambda n, f=folder: _is_file(os.path.join(f, n))):
                return False
        folder = folder / part
    return True


def _outermost(found: dict[str, Reach]) -> list[Target]:
    """Drop targets inside a TREE target: that one already covers them."""
    trees = [Path(p) for p, reach in found.items() if reach is Reach.TREE]
    out = []
    for path, reach in sorted(found.items()):
        p = Path(path)
        if not any(t in p.parents for t in trees):
            out.append(Target(path, reach))
    return out


def scan_tree(path: str, seen_dirs: set[tuple[int, int]], seen_files: set[str]) -> list[SourceFile]:
    """What ``scan`` finds at ``path``: the file itself, everything below a folder, or
    nothing if it is gone."""
    p = Path(path)
    try:
        if p.is_file():
            if path in seen_files:
                return []
            seen_files.add(path)
            return [_entry(p, p.stat())]
    except OSError:
        return []
    return list(_walk(path, seen_dirs, seen_files))
