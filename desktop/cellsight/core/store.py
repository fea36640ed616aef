"""The library's document store: one SQLite file (WAL) of what was read from sources.

Everything here can be rebuilt from the source files; it exists so that re-indexing
unchanged files costs a ``stat`` and catalogue changes re-enrich without re-reading.
Text lives here rather than in the Whoosh postings, which keeps the index small.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import store_checks
from .model import Document, Failure, SeriesSnapshot
from .serialize import (
    enrichment_from_json,
    enrichment_to_json,
    parsed_from_dict,
    parsed_to_dict,
    series_from_dict,
)
from .store_checks import SQL_CRC, Damage, RowChecks, row_crc

log = logging.getLogger("cellsight.store")

IN_CHUNK = 900  # bound parameters per statement (SQLite's limit was 999 before 3.32)
WRITTEN_LOG = 50_000  # ids kept for take_written; past it the arrivals diff every id
SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL,
    hash TEXT NOT NULL,
    ok INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    part INTEGER NOT NULL,
    parsed TEXT NOT NULL,
    enrichment TEXT NOT NULL,
    crc INTEGER
);
CREATE INDEX IF NOT EXISTS documents_path ON documents(path);
CREATE TABLE IF NOT EXISTS failures (
    path TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class FileRecord:
    path: str
    mtime_ns: int
    size: int
    hash: str
    ok: bool


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        conn = connect_read_only(path)
    else:
        conn = sqlite3.connect(path, timeout=30.0, isolation_level=None,
                               check_same_thread=False)  # fmt: skip
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    store_checks.register(conn)
    return conn


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that writes nothing, not even the -shm and -wal files beside it.

    ``immutable=1`` reads the database file alone, with no locks and no shared memory:
    right for a read-only medium, where nothing can change it (a WAL database opened
    any other way needs a writable -shm file, or one it can create). It does not read a
    write-ahead log a killed process left behind, so with such a log ``mode=ro`` is
    tried first: SQLite 3.40 reads the log when its -shm file is there too (both opened
    read-only), and cannot open the database at all ("unable to open database file")
    when the -shm is missing. Then the log's commits stay unread: the data as of the
    last checkpoint is shown, and the loss is logged.
    """
    uri = Path(path).absolute().as_uri()
    wal = Path(f"{path}-wal")
    try:
        pending = wal.stat().st_size > 0
    except OSError:
        pending = False
    if pending:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30.0,
                               isolation_level=None, check_same_thread=False)  # fmt: skip
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError as exc:
            conn.close()
            log.warning("%s: its write-ahead log cannot be read here (%s); what was saved "
                        "after its last checkpoint is not shown", Path(path).name, exc)
    # mode=ro as well: immutable alone still creates a missing file.
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None,
                           check_same_thread=False)  # fmt: skip


def rows_in(conn: sqlite3.Connection, select: str, ids: Iterable[str]) -> Iterator[tuple[Any, ...]]:
    """The rows of ``select`` (ending in "WHERE <column> IN") for ``ids``, asked in
    chunks of IN_CHUNK bound parameters."""
    ids = list(ids)
    for at in range(0, len(ids), IN_CHUNK):
        part = ids[at : at + IN_CHUNK]
        yield from conn.execute(f"{select} ({','.join('?' * len(part))})", part)


class DocumentStore(RowChecks):
    """One SQLite connection per thread: the indexer's open transaction must not be
    visible to (or interleaved with) a search running on another thread."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        """``read_only``: the library cannot be written; nothing is created or migrated."""
        self.path = path
        self.read_only = read_only
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.repairs: list[Damage] = []  # see store_checks.RowChecks
        self._unread: set[str] = set()
        # Ids of document rows written here, committed and pending (per thread): new
        # arrivals are looked for among them, not among every stored id (see
        # take_written). None once too many piled up: then the caller diffs all.
        self._written: set[str] | None = set()
        if not read_only:
            self.conn.executescript(SCHEMA)
            store_checks.migrate(self.conn)

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path, read_only=self.read_only)
            if self.read_only:
                _without_checksums(conn)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    # -- transactions -------------------------------------------------------------
    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.conn.execute("COMMIT")
        self._log_written(self._pending_written())

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        self._pending_written().clear()

    def _pending_written(self) -> set[str]:
        pending: set[str] | None = getattr(self._local, "written", None)
        if pending is None:
            pending = self._local.written = set()
        return pending

    def _log_written(self, ids: set[str]) -> None:
        with self._lock:
            if self._written is not None:
                self._written |= ids
                if len(self._written) > WRITTEN_LOG:
                    self._written = None
        ids.clear()

    def take_written(self) -> set[str] | None:
        """The ids of document rows committed through this store since the last call
        (None: too many to list, or unknown). Rows other connections wrote are not in
        it: the caller checks ``PRAGMA data_version`` for those."""
        with self._lock:
            got, self._written = self._written, set()
        return got

    # -- meta ---------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- files --------------------------------------------------------------------
    def files(self) -> dict[str, FileRecord]:
        rows = self.conn.execute("SELECT path, mtime_ns, size, hash, ok FROM files")
        return {r[0]: FileRecord(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows}

    # A targeted update compares only the part of the library it looked at. Paths below
    # a folder are a key range of the primary-key index, [folder + sep, folder + sep+1),
    # so these cost what that part holds, not what the whole library holds.
    def files_under(self, path: str) -> dict[str, FileRecord]:
        """The record of ``path`` itself and of every file below it."""
        lo, hi = _below(path)
        rows = self.conn.execute(
            f"SELECT {_FILE_COLS} FROM files WHERE path = ? OR (path > ? AND path < ?)",
            (path, lo, hi),
        )
        return {r[0]: _row_to_file(r) for r in rows}

    def files_in(self, folder: str) -> dict[str, FileRecord]:
        """The records of the files directly in ``folder`` (not in its subfolders), and
        of ``folder`` itself in case a file of that name was replaced by the folder."""
        lo, hi = _below(folder)
        rows = self.conn.execute(
            f"SELECT {_FILE_COLS} FROM files WHERE path = ? OR (path > ? AND path < ? "
            "AND instr(substr(path, ?), ?) = 0)",
            (folder, lo, hi, len(lo) + 1, os.sep),
        )
        return {r[0]: _row_to_file(r) for r in rows}

    def folders_in(self, folder: str) -> set[str]:
        """The subfolders of ``folder`` (full paths) that hold at least one record.

        Steps from one subfolder to the next through the index instead of reading
        every record below ``folder``: a source root can hold the whole library.
        """
        lo, hi = _below(folder)
        found: set[str] = set()
        cursor = lo
        sql = ("SELECT path FROM files WHERE path >= ? AND path < ? "
               "AND instr(substr(path, ?), ?) > 0 ORDER BY path LIMIT 1")
        while True:
            row = self.conn.execute(sql, (cursor, hi, len(lo) + 1, os.sep)).fetchone()
            if row is None:
                return found
            sub = lo + row[0][len(lo):].split(os.sep, 1)[0]
            found.add(sub)
            cursor = _below(sub)[1]

    def put_file(self, rec: FileRecord) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)",
            (rec.path, rec.mtime_ns, rec.size, rec.hash, int(rec.ok)),
        )

    def delete_file(self, path: str) -> list[str]:
        """Forget a file; returns the ids of the documents it held."""
        ids = self.doc_ids_for_path(path)
        self.conn.execute("DELETE FROM documents WHERE path=?", (path,))
        self.conn.execute("DELETE FROM files WHERE path=?", (path,))
        self.conn.execute("DELETE FROM failures WHERE path=?", (path,))
        return ids

    def reread_once(self, key: str, version: str, kinds: Iterable[str]) -> list[str]:
        """Files whose documents a reader of ``kinds`` gave, marked to be read again, once
        for each ``version`` of ``key``: that reader now gets more out of them (e-mail:
        its attachments). Their paths, for an update limited to what changed."""
        if self.get_meta(key) == version:
            return []
        kinds = tuple(kinds)
        marks = ",".join("?" * len(kinds))
        self.begin()
        try:
            paths = [r[0] for r in self.conn.execute(
                "SELECT DISTINCT path FROM documents WHERE json_extract(parsed, '$.kind') "
                f"IN ({marks})", kinds)]  # fmt: skip
            # A size and hash no file has: the next scan sees them changed and reads them.
            self.conn.executemany("UPDATE files SET size=-1, hash='' WHERE path=?",
                                  ((p,) for p in paths))  # fmt: skip
            self.set_meta(key, version)
            self.commit()
        except BaseException:
            self.rollback()
            raise
        return paths

    # -- documents ----------------------------------------------------------------
    def doc_ids_for_path(self, path: str) -> list[str]:
        rows = self.conn.execute("SELECT id FROM documents WHERE path=?", (path,))
        return [r[0] for r in rows]

    def put_document(self, doc: Document) -> None:
        self.put_rows([document_row(doc)])

    def put_rows(self, rows: Iterable[DocumentRow]) -> None:
        """Documents already serialised (by a bulk-build worker process)."""
        rows = list(rows)
        self.conn.executemany(
            "INSERT OR REPLACE INTO documents (id, path, part, parsed, enrichment, crc) "
            "VALUES (?, ?, ?, ?, ?, ?)", rows)  # fmt: skip
        ids = {r[0] for r in rows}
        if self.conn.in_transaction:
            self._pending_written().update(ids)
        else:
            self._log_written(ids)

    def record_batch(
        self,
        *,
        rows: Iterable[DocumentRow] = (),
        deletes: Iterable[str] = (),
        files: Iterable[FileRecord] = (),
        failures: Iterable[Failure] = (),
        dropped_paths: Iterable[str] = (),
        enrichments: Iterable[tuple[str, str]] = (),
        extra: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        """One indexing batch in one transaction; the caller commits the index first.
        ``extra`` runs inside it last (the batch's near-duplicate changes)."""
        self.begin()
        try:
            for path in dropped_paths:
                self.delete_file(path)
            self.delete_documents(deletes)
            self.put_rows(rows)
            self.put_enrichments(enrichments)
            for rec in files:
                self.put_file(rec)
                if rec.ok:
                    self.clear_failure(rec.path)
            for failure in failures:
                self.put_failure(failure.path, failure.reason)
            if extra is not None:
                extra(self.conn)
            self.commit()
        except BaseException:
            self.rollback()
            raise

    def fill_checksums(self) -> None:
        store_checks.fill_missing(self.conn)

    def put_enrichments(self, rows: Iterable[tuple[str, str]]) -> None:
        """(enrichment JSON, document id) pairs, serialised by a worker process."""
        self.conn.executemany(_SET_ENRICHMENT, rows)

    def all_ids_sorted(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM documents ORDER BY id")]

    def ids_by_path(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for path, doc_id in self.conn.execute("SELECT path, id FROM documents"):
            out.setdefault(path, []).append(doc_id)
        return out

    def put_enrichment(self, doc: Document) -> None:
        self.conn.execute(_SET_ENRICHMENT, (enrichment_to_json(doc), doc.id))

    def delete_documents(self, ids: Iterable[str]) -> None:
        self.conn.executemany("DELETE FROM documents WHERE id=?", [(i,) for i in ids])

    def document(self, doc_id: str) -> Document | None:
        texts = self._checked(doc_id)
        return _row_to_doc((texts[0], texts[2], texts[3])) if texts else None

    def hit_row(self, doc_id: str) -> HitRow | None:
        """Just what a result row shows: building the whole Document (every entity
        span, every price point) was most of a search's time. ``parsed`` is decoded
        once here; SQLite 3.40's json_extract parses the whole text per field."""
        texts = self._checked(doc_id)
        if texts is None:
            return None
        p = json.loads(texts[2])
        summary = store_checks.hit_summary(texts[3])
        if summary is not None:
            topics, companies = summary
        else:  # stored before the summary existed: derive it the slow way
            topics, companies = (json.loads(v) for v in self.conn.execute(
                _HIT_SUMMARY_SQL, (doc_id,)).fetchone())  # fmt: skip
        date = p.get("date")
        return HitRow(
            id=doc_id, path=p["path"], kind=p["kind"], title=p["title"],
            date=dt.date.fromisoformat(date) if date else None,
            source=p.get("source"), author=p.get("author"), text=p["text"],
            topics=tuple(topics), companies=tuple(companies),
            pages=tuple(p.get("pages") or ()), member=p.get("member"),
        )  # fmt: skip

    def documents(self, ids: Iterable[str] | None = None) -> Iterator[Document]:
        if ids is None:
            for page in self._checked_pages():
                for doc_id, _path, parsed, enrichment in page:
                    yield _row_to_doc((doc_id, parsed, enrichment))
            return
        for doc_id in ids:
            doc = self.document(doc_id)
            if doc is not None:
                yield doc

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM documents").fetchone()[0])

    def present(self, ids: Iterable[str]) -> set[str]:
        """Those of ``ids`` the store holds."""
        return {r[0] for r in rows_in(self.conn, "SELECT id FROM documents WHERE id IN", ids)}

    def all_ids(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT id FROM documents")}

    def series_snapshots(self) -> list[tuple[str, SeriesSnapshot]]:
        # json_extract keeps this from decoding every body when only prices are wanted.
        try:
            rows = self.conn.execute(_SERIES_SQL).fetchall()
        except sqlite3.OperationalError as exc:
            if "JSON" not in str(exc):
                raise
            # A damaged row's text no longer parses: find and drop it, then ask again.
            self.verify_rows()
            rows = self.conn.execute(_SERIES_SQL).fetchall()
        out: list[tuple[str, SeriesSnapshot]] = []
        damaged: list[str] = []
        for doc_id, raw, sound in rows:
            if not sound:
                damaged.append(doc_id)
                continue
            out.extend((doc_id, series_from_dict(s)) for s in json.loads(raw))
        for doc_id in damaged:
            self._checked(doc_id)  # repairs it
        return out

    # -- failures -----------------------------------------------------------------
    def put_failure(self, path: str, reason: str) -> None:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.conn.execute("INSERT OR REPLACE INTO failures VALUES (?, ?, ?)", (path, reason, now))

    def clear_failure(self, path: str) -> None:
        self.conn.execute("DELETE FROM failures WHERE path=?", (path,))

    def failures(self) -> list[Failure]:
        rows = self.conn.execute("SELECT path, reason, at FROM failures ORDER BY path")
        return [Failure(r[0], r[1], dt.datetime.fromisoformat(r[2])) for r in rows]


def _without_checksums(conn: sqlite3.Connection) -> None:
    """A store from before row checksums cannot be migrated while read-only: a
    temporary view (in memory, shadowing the table for unqualified names) gives its
    rows a NULL ``crc``, which every read takes as "not checked yet"."""
    columns = {r[1] for r in conn.execute("PRAGMA main.table_info(documents)")}
    if columns and "crc" not in columns:
        conn.execute("CREATE TEMP VIEW documents AS "
                     "SELECT rowid AS rowid, *, NULL AS crc FROM main.documents")


DocumentRow = tuple[str, str, int, str, str, int]  # ..., parsed, enrichment, crc

# The price rows, each with whether it matches its checksum (the SQL function copies
# just these rows' text into Python; json_extract spares decoding the rest).
_SERIES_SQL = (
    "SELECT id, json_extract(parsed, '$.series'), crc IS NULL OR crc = "
    f"{SQL_CRC.format(enrichment='enrichment')} FROM documents "
    "WHERE json_array_length(json_extract(parsed, '$.series')) > 0"
)
# A new enrichment, with the checksum made from the row's stored text: only where that
# text still matches the old checksum, so damage is never sealed in (such a row keeps
# its old enrichment and is caught when read).
_SET_ENRICHMENT = (
    f"UPDATE documents SET enrichment=?1, crc={SQL_CRC.format(enrichment='?1')} "
    f"WHERE id=?2 AND (crc IS NULL OR crc={SQL_CRC.format(enrichment='enrichment')})"
)


# json.dumps(..., ensure_ascii=False), made once (see serialize._COMPACT_JSON).
_PARSED_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False)


def document_row(doc: Document) -> DocumentRow:
    parsed = _PARSED_JSON.encode(parsed_to_dict(doc.parsed))
    enrichment = enrichment_to_json(doc)
    crc = row_crc(doc.id, doc.parsed.path, doc.parsed.part, parsed, enrichment)
    return (doc.id, doc.parsed.path, doc.parsed.part, parsed, enrichment, crc)


@dataclass(frozen=True)
class HitRow:
    id: str
    path: str
    kind: str
    title: str
    date: dt.date | None
    source: str | None
    author: str | None
    text: str
    topics: tuple[str, ...]
    companies: tuple[str, ...]
    pages: tuple[int, ...] = ()
    member: str | None = None


_HIT_SUMMARY_SQL = """
SELECT (SELECT json_group_array(json_extract(t.value, '$[0]'))
          FROM json_each(enrichment, '$.topics') AS t),
       (SELECT json_group_array(DISTINCT json_extract(e.value, '$[4]'))
          FROM json_each(enrichment, '$.entities') AS e
         WHERE json_extract(e.value, '$[2]') = 'company')
FROM documents WHERE id = ?
"""


_FILE_COLS = "path, mtime_ns, size, hash, ok"


def _row_to_file(row: tuple[str, int, int, str, int]) -> FileRecord:
    return FileRecord(row[0], row[1], row[2], row[3], bool(row[4]))


def _below(folder: str) -> tuple[str, str]:
    """The key range holding every path below ``folder``: [lo, hi)."""
    folder = folder.rstrip(os.sep) or os.sep  # "/" itself must not become ""
    lo = folder if folder.endswith(os.sep) else folder + os.sep
    return lo, lo[:-1] + chr(ord(os.sep) + 1)


def _row_to_doc(row: tuple[str, str, str]) -> Document:
    entities, topics, language = enrichment_from_json(row[2])
    return Document(
        id=row[0], parsed=parsed_from_dict(json.loads(row[1])), entities=entities, topics=topics,
        language=language,
    )
