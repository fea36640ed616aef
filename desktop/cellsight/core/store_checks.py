"""Checksums of the document store's rows.

SQLite's checks (``quick_check`` when the library opens) look at the file's structure,
not at what a row says: a byte flipped inside a row's text passed them and came back
as a wrong word, a wrong price, or JSON that no longer parsed (which crashed the
prices view). Each row carries ``crc``, an xxh3_64 of its id, path, part, parsed and
enrichment text. A row that does not match is damage: it is not returned, it is
dropped and its file's record removed, so that the next update reads the source file
again. Everything in the store is rebuildable from the sources.

Rows are read as BLOBs: a flipped byte can make the text invalid UTF-8, which
Python's sqlite3 raised as an OperationalError for the whole query.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import xxhash

log = logging.getLogger("cellsight.store")

# Every text column as stored, plus the rowid: a damaged id cannot be used to delete.
CHECKED = ("rowid, CAST(id AS BLOB), CAST(path AS BLOB), part, CAST(parsed AS BLOB), "
           "CAST(enrichment AS BLOB), crc")  # fmt: skip
CheckedRow = tuple[int, bytes, bytes, int, bytes, bytes, int | None]
# The same checksum computed by SQLite, for rows whose enrichment changes in place.
SQL_CRC = ("cellsight_crc(CAST(id AS BLOB), CAST(path AS BLOB), part, CAST(parsed AS BLOB), "
           "CAST({enrichment} AS BLOB))")  # fmt: skip
_SIGN = 1 << 63
_FILLED = "row-checksums-filled"


def row_crc(doc_id: str | bytes, path: str | bytes, part: int, parsed: str | bytes,
            enrichment: str | bytes) -> int:  # fmt: skip
    h = xxhash.xxh3_64()
    for value in (doc_id, path, str(part), parsed, enrichment):
        h.update(value.encode("utf-8") if isinstance(value, str) else value)
        h.update(b"\x00")  # so that no two different rows hash the same bytes
    n = h.intdigest()
    return n - (1 << 64) if n >= _SIGN else n  # SQLite integers are signed 64-bit


def register(conn: sqlite3.Connection) -> None:
    conn.create_function("cellsight_crc", 5, row_crc, deterministic=True)


@dataclass(frozen=True)
class Damage:
    rowid: int
    doc_id: str
    paths: tuple[str, ...]  # the path column and the path inside parsed, if readable


def verified(row: CheckedRow) -> tuple[str, str, str, str] | Damage:
    """(id, path, parsed, enrichment) of a row that matches its checksum, else what is
    known of the damaged row. A row without a checksum (written before there were
    any, not yet filled) is taken as it is."""
    _rowid, doc_id, path, part, parsed, enrichment, crc = row
    try:
        if crc is not None and crc != row_crc(doc_id, path, part, parsed, enrichment):
            raise ValueError("checksum mismatch")
        return doc_id.decode(), path.decode(), parsed.decode(), enrichment.decode()
    except (ValueError, TypeError, AttributeError):  # UnicodeDecodeError is a ValueError
        return _damage(row)


def _damage(row: CheckedRow) -> Damage:
    rowid, doc_id, path, _part, parsed, _enrichment, _crc = row
    paths = {_text(path)}
    try:
        paths.add(str(json.loads(_text(parsed))["path"]))
    except (ValueError, TypeError, KeyError):
        pass
    return Damage(rowid, _text(doc_id), tuple(sorted(p for p in paths if p)))


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


class RowChecks:
    """The checked reads and the repair of ``DocumentStore`` (mixed into it)."""

    conn: sqlite3.Connection
    _lock: threading.Lock
    # Rows found damaged and dropped this session, and the paths whose records went
    # with them, for the next update to read again.
    repairs: list[Damage]
    _unread: set[str]

    def _checked(self, doc_id: str) -> tuple[str, str, str, str] | None:
        """(id, path, parsed, enrichment) of a sound row; a damaged one is repaired."""
        row = self.conn.execute(f"SELECT {CHECKED} FROM documents WHERE id=?",
                                (doc_id,)).fetchone()  # fmt: skip
        if row is None:
            return None
        found = verified(row)
        if isinstance(found, Damage):
            self.repair([found])
            return None
        return found

    def _checked_pages(self) -> Iterator[list[tuple[str, str, str, str]]]:
        """Every sound row in id order, a page at a time; damaged ones repaired."""
        for rows in self._pages():
            sound: list[tuple[str, str, str, str]] = []
            damaged: list[Damage] = []
            for row in rows:
                found = verified(row)
                if isinstance(found, Damage):
                    damaged.append(found)
                else:
                    sound.append(found)
            self.repair(damaged)
            yield sound

    def repair(self, damaged: Iterable[Damage]) -> None:
        """Drop damaged rows and their files' records, so the next update reads those
        files again; the index entries are replaced (or pruned as orphans) by it."""
        damaged = list(damaged)
        if not damaged:
            return
        own = not self.conn.in_transaction  # else part of the caller's transaction
        try:
            if own:
                self.conn.execute("BEGIN IMMEDIATE")
            for d in damaged:
                log.warning("document %s in the store was damaged (checksum mismatch); "
                            "its file will be read again: %s", d.doc_id, ", ".join(d.paths))
                # The record first: a kill between the two re-reads the file anyway.
                self.conn.executemany("DELETE FROM files WHERE path=?", [(p,) for p in d.paths])
                self.conn.execute("DELETE FROM documents WHERE rowid=?", (d.rowid,))
            if own:
                self.conn.execute("COMMIT")
        except sqlite3.Error as exc:  # a busy or read-only store: still never shown
            log.warning("cannot drop damaged documents: %s", exc)
            if own and self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            return
        with self._lock:
            self.repairs.extend(damaged)
            self._unread.update(p for d in damaged for p in d.paths)

    def take_unread(self) -> list[str]:
        """Paths whose records a repair removed since the last call (to read again)."""
        with self._lock:
            out, self._unread = sorted(self._unread), set()
        return out

    def verify_rows(self) -> tuple[int, list[Damage]]:
        """Check every row, fill the checksums of rows from before there were any, and
        repair what fails. Returns (rows checked, rows dropped)."""
        checked, damaged, unfilled = 0, [], []
        for rows in self._pages():
            for row in rows:
                checked += 1
                found = verified(row)
                if isinstance(found, Damage):
                    damaged.append(found)
                elif row[6] is None:
                    unfilled.append((row_crc(*row[1:6]), row[0]))
        if unfilled:
            self.conn.executemany("UPDATE documents SET crc=? WHERE rowid=?", unfilled)
        self.repair(damaged)
        return checked, damaged

    def _pages(self, size: int = 256) -> Iterator[list[CheckedRow]]:
        """Every row in id order, a page at a time: no cursor stays open across a
        caller's work, so a repair may delete rows in between."""
        after = b""
        while True:
            rows = self.conn.execute(
                f"SELECT {CHECKED} FROM documents WHERE id > CAST(? AS TEXT) "
                f"ORDER BY id LIMIT {size}", (after,)).fetchall()  # fmt: skip
            if not rows:
                return
            yield rows
            after = rows[-1][1]


def hit_summary(enrichment: str) -> list[list[str]] | None:
    """The "hit" member, which serialize.enrichment_to_json writes last. Parsing just
    that tail keeps a checked result row as quick as SQLite's json_extract did
    (45-60 µs a row at 50k documents, before 51-66; json.loads of the whole
    enrichment made it 140 µs). None when the row predates the summary."""
    at = enrichment.rfind(',"hit":')
    if at < 0 or not enrichment.endswith("}"):
        return None
    try:
        found = json.loads(enrichment[at + 7 : -1])
    except ValueError:
        return None
    return found if isinstance(found, list) and len(found) == 2 else None


def migrate(conn: sqlite3.Connection) -> None:
    """Give a store from before checksums its ``crc`` column. Adding it is instant;
    filling it rewrites every row (8.7 s at 50k documents), so that waits for the next
    update (``fill_missing``) instead of holding up opening. Rows without one are
    read unchecked until then."""
    if _has_crc(conn):
        return
    with _immediate(conn):
        if not _has_crc(conn):  # another process may have migrated in the meantime
            conn.execute("ALTER TABLE documents ADD COLUMN crc INTEGER")
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, 'no')", (_FILLED,))


def fill_missing(conn: sqlite3.Connection) -> None:
    """Checksums for the rows a migration left without one, from the rows as they are
    (nothing older can be checked). Once; the caller holds the library's write lock."""
    row = conn.execute("SELECT value FROM meta WHERE key=?", (_FILLED,)).fetchone()
    if row is None or row[0] != "no":
        return
    with _immediate(conn):
        conn.execute(f"UPDATE documents SET crc = {SQL_CRC.format(enrichment='enrichment')} "
                     "WHERE crc IS NULL")  # fmt: skip
        conn.execute("DELETE FROM meta WHERE key=?", (_FILLED,))


@contextmanager
def _immediate(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction: committed, or rolled back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _has_crc(conn: sqlite3.Connection) -> bool:
    return any(r[1] == "crc" for r in conn.execute("PRAGMA table_info(documents)"))
