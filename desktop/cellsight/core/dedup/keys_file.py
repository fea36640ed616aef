"""The LSH keys of the stored near-duplicate rows, kept in a file beside the store.

Computing them from every signature took 2.2 s at 200k documents (fetch 100 MB of
signatures, hash the bands, sort 4.2 M keys) at the start of each indexing run, so a
changed file waited for it. The file holds the sorted keys with the id and rowid of
the row each came from; a run loads it and signs only the rows it does not describe
(written since: a row written again gets a new rowid). The store's epoch (new when
all rows are dropped, as rowids then restart) must match. Plain numpy arrays
(``allow_pickle=False``): the file is data, never code; a damaged one is ignored.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import gil_slices

log = logging.getLogger("cellsight.index")

FILE_NAME = "near-dup-keys.npz"
STALE_AFTER = 5_000  # rows the file does not describe before it is made again


@dataclass(frozen=True)
class KeptKeys:
    ids: list[str]
    rowids: list[int]
    keys: np.ndarray  # int64, sorted
    key_rows: np.ndarray  # int64: index into ids of each key's row


def _path(conn: sqlite3.Connection) -> Path | None:
    for _seq, name, file in conn.execute("PRAGMA database_list"):
        if name == "main":
            return Path(file).with_name(FILE_NAME) if file else None
    return None


def load(conn: sqlite3.Connection, epoch: str) -> KeptKeys | None:
    path = _path(conn)
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["epoch"]) != epoch:
                return None
            ids, rowids = gil_slices.tolist(data["ids"]), gil_slices.tolist(data["rowids"])
            keys, key_rows = data["keys"], data["key_rows"]
        if (len(ids) != len(rowids) or keys.shape != key_rows.shape or keys.dtype != np.int64
                or (len(key_rows) and (key_rows.min() < 0 or key_rows.max() >= len(ids)))
                or np.any(keys[1:] < keys[:-1])):  # fmt: skip
            raise ValueError("inconsistent arrays")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.info("near-duplicate keys file ignored (%s): signing again", exc)
        return None
    return KeptKeys(ids, rowids, keys, key_rows.astype(np.int64, copy=False))


def save(conn: sqlite3.Connection, epoch: str, ids: list[str], rowids: list[int],
         keys: np.ndarray, key_rows: np.ndarray) -> None:  # fmt: skip
    path = _path(conn)
    if path is None:
        return
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".near-dup-", suffix=".npz")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, epoch=np.array(epoch), ids=gil_slices.str_array(ids),
                     rowids=np.asarray(rowids, dtype=np.int64), keys=keys,
                     key_rows=key_rows.astype(np.int32))
        os.replace(tmp, path)
    except OSError as exc:  # a full disk costs the next run a signing, nothing more
        log.warning("could not keep the near-duplicate keys: %s", exc)
        if tmp:
            Path(tmp).unlink(missing_ok=True)
