"""What only the user created: sources, catalogue changes, imported price series.

Kept in its own SQLite file (WAL, one transaction per change) so that wiping or
rebuilding the index and document store can never touch it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .enrich.catalogue import Entity, UserChanges
from .model import SeriesSnapshot
from .serialize import series_from_dict, series_to_dict
from .store import connect
from .workbench.schema import SCHEMA as WORKBENCH_SCHEMA

SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (path TEXT PRIMARY KEY, added TEXT DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE IF NOT EXISTS added_entities (id TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS added_aliases (
    entity_id TEXT NOT NULL, alias TEXT NOT NULL, PRIMARY KEY (entity_id, alias)
);
CREATE TABLE IF NOT EXISTS hidden_entities (id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS imported_series (
    id TEXT PRIMARY KEY, origin TEXT NOT NULL, json TEXT NOT NULL
);
"""


class UserData:
    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        """``read_only``: the library cannot be written; the tables are taken as they are."""
        self.conn = connect(path, read_only=read_only)
        self.read_only = read_only
        if read_only:
            # Reads the tables, so a damaged or foreign file fails here, not later.
            self.conn.execute("SELECT count(*) FROM sources").fetchone()
        else:
            self.conn.executescript(SCHEMA + WORKBENCH_SCHEMA)
        self._lock = threading.RLock()

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One change, all or nothing.

        A change of several statements (an entity added *and* unhidden, a CSV of many
        series) ran as separate autocommits, so a kill between them left half of it.
        The lock matters because the connection is shared between threads: another
        thread's statement must not land inside (and be rolled back with) this one.
        """
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    # -- sources ------------------------------------------------------------------
    def sources(self) -> list[Path]:
        return [Path(r[0]) for r in self.conn.execute("SELECT path FROM sources ORDER BY path")]

    def add_source(self, path: Path) -> None:
        with self.transaction():
            self.conn.execute("INSERT OR IGNORE INTO sources(path) VALUES (?)", (str(path),))

    def remove_source(self, path: Path) -> None:
        with self.transaction():
            self.conn.execute("DELETE FROM sources WHERE path=?", (str(path),))

    # -- catalogue changes -----------------------------------------------------------
    def changes(self) -> UserChanges:
        added = tuple(
            _entity_from_json(r[0]) for r in self.conn.execute("SELECT json FROM added_entities")
        )
        aliases = tuple(
            (r[0], r[1]) for r in self.conn.execute("SELECT entity_id, alias FROM added_aliases")
        )
        hidden = frozenset(r[0] for r in self.conn.execute("SELECT id FROM hidden_entities"))
        return UserChanges(added=added, aliases=aliases, hidden=hidden)

    def add_entity(self, entity: Entity) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO added_entities VALUES (?, ?)",
                (entity.id, _entity_to_json(entity)),
            )
            self.conn.execute("DELETE FROM hidden_entities WHERE id=?", (entity.id,))

    def add_alias(self, entity_id: str, alias: str) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO added_aliases VALUES (?, ?)", (entity_id, alias)
            )

    def hide_entity(self, entity_id: str) -> None:
        with self.transaction():
            self.conn.execute("INSERT OR IGNORE INTO hidden_entities VALUES (?)", (entity_id,))

    def unhide_entity(self, entity_id: str) -> None:
        with self.transaction():
            self.conn.execute("DELETE FROM hidden_entities WHERE id=?", (entity_id,))

    # -- imported prices -------------------------------------------------------------
    def put_imported_series(self, origin: str, series: SeriesSnapshot) -> None:
        self.put_imported_series_many(origin, [series])

    def put_imported_series_many(self, origin: str, series: Iterable[SeriesSnapshot]) -> None:
        with self.transaction():
            self.conn.executemany(
                "INSERT OR REPLACE INTO imported_series VALUES (?, ?, ?)",
                [(s.id, origin, json.dumps(series_to_dict(s))) for s in series],
            )

    def imported_series(self) -> list[tuple[str, SeriesSnapshot]]:
        rows = self.conn.execute("SELECT origin, json FROM imported_series")
        return [(f"import:{r[0]}", series_from_dict(json.loads(r[1]))) for r in rows]


def _entity_to_json(e: Entity) -> str:
    return json.dumps(
        {
            "id": e.id,
            "type": e.type,
            "name": e.name,
            "aliases": list(e.aliases),
            "exact": list(e.exact),
            "ticker": e.ticker,
            "series": list(e.series),
        },
        ensure_ascii=False,
    )


def _entity_from_json(raw: str) -> Entity:
    d = json.loads(raw)
    return Entity(
        id=d["id"],
        type=d["type"],
        name=d["name"],
        aliases=tuple(d.get("aliases") or ()),
        exact=tuple(d.get("exact") or ()),
        ticker=d.get("ticker"),
        series=tuple(d.get("series") or ()),
    )
