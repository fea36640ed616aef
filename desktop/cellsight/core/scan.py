"""Finding the source files under the folders a user added."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

SKIP_SUFFIXES = (".meta.json",)


@dataclass(frozen=True)
class SourceFile:
    path: str
    mtime_ns: int  # newest of the file and its sidecar, so sidecar edits re-read
    size: int


def sidecar_for(path: Path) -> Path | None:
    for cand in (path.with_name(path.name + ".meta.json"), path.with_suffix(".meta.json")):
        if cand != path and cand.is_file():
            return cand
    return None


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
        stack = [root]
        while stack:
            folder = stack.pop()
            try:
                st = folder.stat()
                key = (st.st_dev, st.st_ino)
                if key in seen_dirs:
                    continue
                seen_dirs.add(key)
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            subdirs = []
            for entry in entries:
                if not _wanted(entry.name):
                    continue
                try:
                    if entry.is_dir():
                        subdirs.append(Path(entry.path))
                    elif entry.is_file() and entry.path not in seen_files:
                        seen_files.add(entry.path)
                        yield _entry(Path(entry.path), entry.stat())
                except OSError:
                    continue
            stack.extend(reversed(subdirs))


def under_any(path: str, roots: Iterable[Path]) -> bool:
    p = Path(path)
    for root in roots:
        root = Path(root).absolute()
        if p == root or root in p.parents:
            return True
    return False
