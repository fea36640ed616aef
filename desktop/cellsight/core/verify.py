"""A full check of a library's rebuildable parts, and their repair.

Opening a large library checks index files by size only (hashing them all delayed the
first results by ~60 ms at 50k documents) and stored rows are checked as they are
read; ``Library.verify`` looks at everything: every live index file against its
checksum, the store's structure (``quick_check``), every stored row against its own.
Damage is repaired as elsewhere: a damaged index is rebuilt from the store, a damaged
row's file is read again, a structurally damaged store is set aside and refilled from
the sources. User data (``user.sqlite``) is never touched.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .locking import WriteLock
from .progress import ProgressSink, null_sink

if TYPE_CHECKING:
    from .library import Library


@dataclass(frozen=True)
class VerifyReport:
    index_files: int  # live index files hashed
    documents: int  # stored rows checked
    index_damage: str  # why the index was rebuilt; "" when it was sound
    store_damage: str  # structural damage of documents.sqlite; "" when none
    damaged_documents: tuple[str, ...]  # ids of rows dropped and read again
    repaired: bool  # False: damage was found and is still there

    @property
    def clean(self) -> bool:
        return not (self.index_damage or self.store_damage or self.damaged_documents)


def verify_library(lib: Library, progress: ProgressSink = null_sink) -> VerifyReport:
    with lib._writing():
        with WriteLock(lib.folder):
            store_damage = _quick_check(lib.store.conn)
            files = rows = 0
            damaged: tuple[str, ...] = ()
            if store_damage:
                lib._reopen_store()  # checks it again: set aside, a fresh store
                with_reason = f"the document store was damaged ({store_damage})"
                lib.index.reset()  # it described documents the fresh store lacks
                lib.index.needs_rebuild = True
                lib.index.rebuild_reason = f"{with_reason}; the sources will be read again"
            else:
                files = lib.index.verify_files()
                rows, dropped = lib.store.verify_rows()
                damaged = tuple(d.doc_id for d in dropped)
            index_damage = lib.index.rebuild_reason if lib.index.needs_rebuild else ""
        if store_damage or index_damage or damaged:
            # A rebuild if the index needs one, then a full scan: it reads again every
            # file whose record went with a damaged row (or with the whole store).
            lib.update(progress=progress)
    return VerifyReport(files, rows, index_damage, store_damage, damaged,
                        repaired=not lib.index.needs_rebuild)  # fmt: skip


def _quick_check(conn: sqlite3.Connection) -> str:
    try:
        row = conn.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and "malformed" not in str(exc):
            raise  # locked, busy, disk I/O: not a verdict on the file
        return str(exc)
    return "" if row is not None and row[0] == "ok" else f"quick_check: {row[0] if row else '?'}"
