"""Arrays derived from one Whoosh segment (facet postings, sort columns), kept on disk.

A segment never changes once written, so what is computed from it stays true for as
long as it exists. Building the facet arrays means decoding every keyword posting
(seconds at 50k documents); loading them back is milliseconds, which is what makes
opening a large library quick. Files are named after the segment and removed once
the segment is merged away; a damaged or missing file is simply built again.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import numpy as np

log = logging.getLogger("cellsight.index")
_NAME = re.compile(r"^cellsight-arrays-(?P<seg>.+)-(?P<kind>[a-z]+)\.npz$")


def _path(folder: Path, segment_id: str, kind: str) -> Path:
    return folder / f"cellsight-arrays-{segment_id}-{kind}.npz"


def load(folder: Path | None, segment_id: str, kind: str) -> dict[str, np.ndarray] | None:
    if folder is None:
        return None
    path = _path(folder, segment_id, kind)
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - any unreadable cache file is rebuilt
        log.info("rebuilding %s: %s", path.name, exc)
        return None


def save(folder: Path | None, segment_id: str, kind: str, arrays: dict[str, np.ndarray]) -> None:
    if folder is None:
        return
    path = _path(folder, segment_id, kind)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only or full disk only costs the next open time
        log.info("cannot keep %s: %s", path.name, exc)
        tmp.unlink(missing_ok=True)


def prune(folder: Path | None, live: set[str]) -> None:
    """Remove the arrays of segments that no longer exist."""
    if folder is None:
        return
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        m = _NAME.match(name)
        if m and m.group("seg") not in live:
            try:
                os.unlink(folder / name)
            except OSError:
                pass
