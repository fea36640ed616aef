"""A member's user data as team records, and team records back into the local tables.

The cache library's ``user.sqlite`` stays the working copy (one transaction per change,
offline or not); team.userdata_sync exchanges it with the team's ``<index>-userdata``
index as one record per row: kind, key and a payload of plain JSON values. Shared
kinds: ``entity`` (added_entities), ``alias``, ``hide``, ``saved``, ``alert``, ``tag``,
``star``, ``note``, ``quote``. Sources, arrivals, the alert log and imported series are
this machine's (prices have their own index, team.prices_sync); a saved search's
``last_seen`` is personal ("new since I looked"), so it is neither hashed nor sent.

Three tables beside the user data, made by ``install``:
``team_records`` the state last synced per record (hash, who, when; '' hash: deleted),
the merge's common ancestor; ``team_keys`` the global key (uuid4 hex) of each note and
quote, whose integer ids are this machine's; ``team_changes`` when each row last changed
here, written by triggers, so "the later change wins" compares edit times, not sync
times. Triggers rather than calls in WorkbenchStore and UserData: every writer of the
file is covered, including a delete (which leaves no row to read a time from).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

KINDS = ("entity", "alias", "hide", "saved", "alert", "tag", "star", "note", "quote")
CATALOGUE_KINDS = frozenset({"entity", "alias", "hide"})
KEYED = frozenset({"note", "quote"})  # local integer ids; a uuid key is the record's
MAX_ID_BYTES = 500  # OpenSearch's _id holds 512 bytes
NOW_SQL = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

# Per table: its kind and the SQL of a row's local ref (``{r}`` is NEW or OLD); the same
# text as ``_records`` builds in Python, so a change's time is found by its record.
_REFS = {
    "added_entities": "'entity:' || {r}.id",
    "added_aliases": "'alias:' || {r}.entity_id || char(10) || {r}.alias",
    "hidden_entities": "'hide:' || {r}.id",
    "saved_searches": "'saved:' || {r}.name",
    "alerts": "'alert:' || {r}.name",
    "tags": "'tag:' || {r}.doc_id || char(10) || {r}.tag",
    "stars": "'star:' || {r}.doc_id",
    "notes": "'note#' || {r}.id",
    "quotes": "'quote#' || {r}.id",
}

SCHEMA = """
CREATE TABLE IF NOT EXISTS team_records (
    record_id TEXT PRIMARY KEY, hash TEXT NOT NULL, user TEXT NOT NULL, at TEXT NOT NULL,
    local_ref TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS team_records_ref ON team_records(local_ref);
CREATE TABLE IF NOT EXISTS team_keys (
    kind TEXT NOT NULL, local_id INTEGER NOT NULL, key TEXT NOT NULL UNIQUE,
    PRIMARY KEY (kind, local_id)
);
CREATE TABLE IF NOT EXISTS team_changes (local_ref TEXT PRIMARY KEY, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS team_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _triggers() -> Iterator[str]:
    touch = "INSERT OR REPLACE INTO team_changes VALUES ({ref}, " + NOW_SQL + ");"
    for table, ref in _REFS.items():
        name = f"team_{table}"
        new, old = touch.format(ref=ref.format(r="NEW")), touch.format(ref=ref.format(r="OLD"))
        yield f"CREATE TRIGGER IF NOT EXISTS {name}_ins AFTER INSERT ON {table} BEGIN {new} END"
        # A saved search opened (last_seen) is no edit: it must not make a change "later".
        cols = " OF name, query, filters, excludes, sort, created" if table == \
            "saved_searches" else ""
        yield (f"CREATE TRIGGER IF NOT EXISTS {name}_upd AFTER UPDATE{cols} ON {table} "
               f"BEGIN {old} {new} END")
        forget = ""
        if table in ("notes", "quotes"):
            # A deleted note's key goes with it: a reused rowid is a new note, not an edit.
            forget = (f"DELETE FROM team_keys WHERE kind='{table[:-1]}' "
                      "AND local_id=OLD.id;")
        yield (f"CREATE TRIGGER IF NOT EXISTS {name}_del AFTER DELETE ON {table} "
               f"BEGIN {old} {forget} END")


def install(conn: sqlite3.Connection) -> None:
    """The tables and triggers, one statement at a time (executescript would commit the
    caller's transaction)."""
    for stmt in [*(s for s in SCHEMA.split(";") if s.strip()), *_triggers()]:
        conn.execute(stmt)


def now_at() -> str:
    """The time format of ``at`` everywhere (the triggers' too): text order is time order."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Record:
    record_id: str
    kind: str
    key: str
    payload: dict[str, Any]
    local_ref: str

    @property
    def hash(self) -> str:
        return record_hash(self.kind, self.key, self.payload)


def record_hash(kind: str, key: str, payload: dict[str, Any]) -> str:
    raw = json.dumps([kind, key, payload], sort_keys=True, ensure_ascii=False)
    return hashlib.sha1(raw.encode()).hexdigest()


def record_id(kind: str, key: str) -> str:
    rid = f"{kind}:{key}"
    if len(rid.encode()) > MAX_ID_BYTES:  # a tag on a very long id: hashed, still unique
        rid = f"{kind}:sha1:{hashlib.sha1(key.encode()).hexdigest()}"
    return rid


def local_ref(kind: str, ref: object) -> str:
    """The local ref of a row as callers name it: an id, a name, (doc_id, tag) …"""
    if kind in KEYED:
        return f"{kind}#{int(ref)}"  # type: ignore[call-overload]
    if isinstance(ref, tuple):
        return f"{kind}:" + "\n".join(ref)
    return f"{kind}:{ref}"


def local_records(conn: sqlite3.Connection) -> dict[str, Record]:
    """Every shared row now, by record id; gives new notes and quotes their keys (the
    caller holds a transaction)."""
    out: dict[str, Record] = {}
    for kind, key, payload, ref in _records(conn):
        rid = record_id(kind, key)
        out[rid] = Record(rid, kind, key, payload, ref)
    return out


def _records(conn: sqlite3.Connection) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    for eid, raw in conn.execute("SELECT id, json FROM added_entities"):
        yield "entity", eid, {"entity": json.loads(raw)}, f"entity:{eid}"
    for eid, alias in conn.execute("SELECT entity_id, alias FROM added_aliases"):
        key = f"{eid}\n{alias}"
        yield "alias", key, {"entity_id": eid, "alias": alias}, f"alias:{key}"
    for (eid,) in conn.execute("SELECT id FROM hidden_entities"):
        yield "hide", eid, {"id": eid}, f"hide:{eid}"
    for name, query, filters, excludes, sort, created in conn.execute(
            "SELECT name, query, filters, excludes, sort, created FROM saved_searches"):
        yield "saved", name, {"query": query, "filters": json.loads(filters),
                              "excludes": json.loads(excludes), "sort": sort,
                              "created": created}, f"saved:{name}"
    for name, rule in conn.execute("SELECT name, rule FROM alerts"):
        yield "alert", name, {"rule": json.loads(rule)}, f"alert:{name}"
    for doc_id, tag, at in conn.execute("SELECT doc_id, tag, at FROM tags"):
        key = f"{doc_id}\n{tag}"
        yield "tag", key, {"doc_id": doc_id, "tag": tag, "at": at}, f"tag:{key}"
    for doc_id, at in conn.execute("SELECT doc_id, at FROM stars"):
        yield "star", doc_id, {"doc_id": doc_id, "at": at}, f"star:{doc_id}"
    keys = _keys(conn)
    # Read whole before keys are written on the same connection.
    for nid, doc_id, text, at in conn.execute("SELECT id, doc_id, text, at FROM notes"
                                              ).fetchall():
        yield ("note", keys["note"].get(nid) or _new_key(conn, "note", nid),
               {"doc_id": doc_id, "text": text, "at": at}, f"note#{nid}")
    for qid, doc_id, start, end, text, at in conn.execute(
            "SELECT id, doc_id, start, end, text, at FROM quotes").fetchall():
        yield ("quote", keys["quote"].get(qid) or _new_key(conn, "quote", qid),
               {"doc_id": doc_id, "start": start, "end": end, "text": text, "at": at},
               f"quote#{qid}")


def _keys(conn: sqlite3.Connection) -> dict[str, dict[int, str]]:
    out: dict[str, dict[int, str]] = {"note": {}, "quote": {}}
    for kind, local_id, key in conn.execute("SELECT kind, local_id, key FROM team_keys"):
        out.setdefault(kind, {})[int(local_id)] = key
    return out


def _new_key(conn: sqlite3.Connection, kind: str, local_id: int) -> str:
    key = uuid.uuid4().hex
    conn.execute("INSERT INTO team_keys VALUES (?, ?, ?)", (kind, local_id, key))
    return key


def apply(conn: sqlite3.Connection, kind: str, key: str,
          payload: dict[str, Any] | None) -> str:
    """Make the local tables hold ``payload`` for this record (None: delete it); returns
    the row's local ref. The caller holds the transaction."""
    p = payload or {}
    if kind in KEYED:
        return _apply_keyed(conn, kind, key, payload)
    if kind == "entity":
        if payload is None:
            conn.execute("DELETE FROM added_entities WHERE id=?", (key,))
        else:
            conn.execute("INSERT OR REPLACE INTO added_entities VALUES (?, ?)",
                         (key, json.dumps(p["entity"], ensure_ascii=False)))
    elif kind == "alias":
        eid, _, alias = key.partition("\n")
        conn.execute("DELETE FROM added_aliases WHERE entity_id=? AND alias=?", (eid, alias))
        if payload is not None:
            conn.execute("INSERT INTO added_aliases VALUES (?, ?)", (eid, alias))
    elif kind == "hide":
        conn.execute("DELETE FROM hidden_entities WHERE id=?", (key,))
        if payload is not None:
            conn.execute("INSERT INTO hidden_entities VALUES (?)", (key,))
    elif kind == "saved":
        if payload is None:
            conn.execute("DELETE FROM saved_searches WHERE name=?", (key,))
        else:
            # last_seen stays this member's; a search new here counts as seen now.
            conn.execute(
                "INSERT INTO saved_searches VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) "
                "DO UPDATE SET query=excluded.query, filters=excluded.filters, "
                "excludes=excluded.excludes, sort=excluded.sort, created=excluded.created",
                (key, p["query"], json.dumps(p["filters"]), json.dumps(p["excludes"]),
                 p["sort"], p["created"], _stamp_now()))
    elif kind == "alert":
        if payload is None:
            conn.execute("DELETE FROM alerts WHERE name=?", (key,))
            conn.execute("DELETE FROM alert_log WHERE name=?", (key,))
        else:
            conn.execute("INSERT OR REPLACE INTO alerts VALUES (?, ?)",
                         (key, json.dumps(p["rule"])))
    elif kind == "tag":
        doc_id, _, tag = key.partition("\n")
        if payload is None:
            conn.execute("DELETE FROM tags WHERE doc_id=? AND tag=?", (doc_id, tag))
        else:
            conn.execute("INSERT OR REPLACE INTO tags VALUES (?, ?, ?)", (doc_id, tag, p["at"]))
    elif kind == "star":
        if payload is None:
            conn.execute("DELETE FROM stars WHERE doc_id=?", (key,))
        else:
            conn.execute("INSERT OR REPLACE INTO stars VALUES (?, ?)", (key, p["at"]))
    else:
        raise ValueError(f"unknown user-data kind {kind!r}")
    return f"{kind}:{key}"


def _apply_keyed(conn: sqlite3.Connection, kind: str, key: str,
                 payload: dict[str, Any] | None) -> str:
    table = f"{kind}s"
    row = conn.execute("SELECT local_id FROM team_keys WHERE kind=? AND key=?",
                       (kind, key)).fetchone()
    local_id = int(row[0]) if row else None
    if payload is None:
        if local_id is not None:
            conn.execute(f"DELETE FROM {table} WHERE id=?", (local_id,))  # trigger: team_keys
        return f"{kind}#{local_id if local_id is not None else 0}"
    p = payload
    if kind == "note":
        cols, values = ("doc_id", "text", "at"), (p["doc_id"], p["text"], p["at"])
    else:
        cols = ("doc_id", "start", "end", "text", "at")
        values = (p["doc_id"], p["start"], p["end"], p["text"], p["at"])
    if local_id is not None:
        sets = ", ".join(f"{c}=?" for c in cols)
        conn.execute(f"UPDATE {table} SET {sets} WHERE id=?", (*values, local_id))
    else:
        marks = ", ".join("?" for _ in cols)
        cur = conn.execute(f"INSERT INTO {table}({', '.join(cols)}) VALUES ({marks})", values)
        local_id = int(cur.lastrowid or 0)
        conn.execute("INSERT INTO team_keys VALUES (?, ?, ?)", (kind, local_id, key))
    return f"{kind}#{local_id}"


def _stamp_now() -> str:
    from ..workbench.records import now, stamp

    return stamp(now())
