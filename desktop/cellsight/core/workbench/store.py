"""The workbench's tables in ``user.sqlite``: one transaction per change.

Documents are referred to by id (a hash of path and part, see ``file_outcome``); a
library import that re-roots its sources translates these ids (``portable``).
``arrivals`` records when the library first held each document, so that "new since
the user last looked" survives a rebuild of the index and document store.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import replace

from ..userdata import UserData
from .records import AlertRule, Annotations, Note, Quote, SavedSearch, now, parse_time, stamp
from .schema import SCHEMA

# Tables whose doc_id column names a document (re-rooting translates them).
DOC_TABLES = ("arrivals", "tags", "stars", "notes", "quotes")


class WorkbenchStore:
    def __init__(self, user: UserData) -> None:
        self.user = user
        self.conn = user.conn
        if user.read_only:
            # A read-only library from before the workbench: its missing tables are made
            # empty and temporary (in memory), so every read works and nothing is written.
            have = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master")}
            for stmt in SCHEMA.split(";"):
                words = stmt.split()
                if words[:2] == ["CREATE", "TABLE"] and words[5] not in have:
                    self.conn.execute(stmt.replace("CREATE TABLE", "CREATE TEMP TABLE", 1))
        self.version = 0  # bumped by every change, so searches cache their masks per version

    def _changed(self) -> None:
        self.version += 1

    # -- arrivals ---------------------------------------------------------------------
    def record_arrivals(self, ids: Iterable[str], at: dt.datetime | None = None) -> int:
        """Ids not seen before arrive now; returns how many were new."""
        when = stamp(at or now())
        with self.user.transaction():
            before = self.conn.total_changes
            self.conn.executemany("INSERT OR IGNORE INTO arrivals VALUES (?, ?)",
                                  ((i, when) for i in ids))  # fmt: skip
            added = self.conn.total_changes - before
        if added:
            self._changed()
        return added

    def arrived_since(self, since: dt.datetime | None) -> frozenset[str]:
        if since is None:
            rows = self.conn.execute("SELECT doc_id FROM arrivals")
        else:
            rows = self.conn.execute("SELECT doc_id FROM arrivals WHERE at > ?",
                                     (stamp(since),))  # fmt: skip
        return frozenset(r[0] for r in rows)

    def arrival(self, doc_id: str) -> dt.datetime | None:
        row = self.conn.execute("SELECT at FROM arrivals WHERE doc_id=?", (doc_id,)).fetchone()
        return parse_time(row[0]) if row else None

    def last_arrival(self) -> dt.datetime | None:
        row = self.conn.execute("SELECT max(at) FROM arrivals").fetchone()
        return parse_time(row[0]) if row and row[0] else None

    # -- saved searches ------------------------------------------------------------------
    def save_search(self, s: SavedSearch) -> SavedSearch:
        """Saving under an existing name replaces its query but keeps when it was seen."""
        t = now()
        old = self.saved(s.name)
        created = old.created if old else t
        seen = old.last_seen if old else t
        with self.user.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO saved_searches VALUES (?, ?, ?, ?, ?, ?, ?)",
                (s.name, s.query, json.dumps(s.filters), json.dumps(s.excludes), s.sort,
                 stamp(created or t), stamp(seen) if seen else None))
        self._changed()
        return self.saved(s.name)  # type: ignore[return-value]

    def saved(self, name: str) -> SavedSearch | None:
        row = self.conn.execute("SELECT * FROM saved_searches WHERE name=?", (name,)).fetchone()
        return _saved(row) if row else None

    def saved_searches(self) -> list[SavedSearch]:
        rows = self.conn.execute("SELECT * FROM saved_searches ORDER BY name COLLATE NOCASE")
        return [_saved(r) for r in rows]

    def mark_seen(self, name: str, at: dt.datetime | None = None) -> None:
        with self.user.transaction():
            self.conn.execute("UPDATE saved_searches SET last_seen=? WHERE name=?",
                              (stamp(at or now()), name))  # fmt: skip
        self._changed()

    def rename_saved(self, old: str, new: str) -> None:
        """One change: the search keeps its dates, and alerts that name it follow."""
        from .alerts import rule_from_json, rule_to_json

        with self.user.transaction():
            self.conn.execute("UPDATE saved_searches SET name=? WHERE name=?", (new, old))
            for name, raw in self.conn.execute("SELECT name, rule FROM alerts").fetchall():
                rule = rule_from_json(json.loads(raw))
                if rule.saved == old:
                    self.conn.execute("UPDATE alerts SET rule=? WHERE name=?", (json.dumps(
                        rule_to_json(replace(rule, saved=new))), name))
        self._changed()

    def remove_saved(self, name: str) -> bool:
        with self.user.transaction():
            gone = self.conn.execute("DELETE FROM saved_searches WHERE name=?", (name,)).rowcount
        self._changed()
        return bool(gone)

    # -- alerts -----------------------------------------------------------------------------
    def save_alert(self, rule: AlertRule) -> None:
        from .alerts import rule_to_json

        with self.user.transaction():
            self.conn.execute("INSERT OR REPLACE INTO alerts VALUES (?, ?)",
                              (rule.name, json.dumps(rule_to_json(rule))))  # fmt: skip
        self._changed()

    def alerts(self) -> list[AlertRule]:
        from .alerts import rule_from_json

        rows = self.conn.execute("SELECT rule FROM alerts ORDER BY name COLLATE NOCASE")
        return [rule_from_json(json.loads(r[0])) for r in rows]

    def remove_alert(self, name: str) -> bool:
        with self.user.transaction():
            gone = self.conn.execute("DELETE FROM alerts WHERE name=?", (name,)).rowcount
            self.conn.execute("DELETE FROM alert_log WHERE name=?", (name,))
        self._changed()
        return bool(gone)

    def log_trigger(self, name: str, at: dt.date, message: str, documents: Iterable[str]) -> bool:
        """Record that ``name`` fired on the point dated ``at``; False if it was known."""
        with self.user.transaction():
            cur = self.conn.execute("INSERT OR IGNORE INTO alert_log VALUES (?, ?, ?, ?)",
                                    (name, at.isoformat(), message,
                                     json.dumps(list(documents))))  # fmt: skip
        return cur.rowcount > 0

    # -- tags, stars, notes, quotes ------------------------------------------------------
    def tag(self, doc_ids: Iterable[str], *tags: str) -> None:
        """Tags match whatever their case; a tag keeps the spelling it was first given."""
        when = stamp(now())
        with self.user.transaction():  # bulk tagging of results: one change
            known = {t.lower(): t for t in self._tag_names()}
            names = [known.get(t.lower(), t) for t in (_tag(t) for t in tags) if t]
            self.conn.executemany("INSERT OR IGNORE INTO tags VALUES (?, ?, ?)",
                                  [(d, t, when) for d in doc_ids for t in names])  # fmt: skip
        self._changed()

    def untag(self, doc_ids: Iterable[str], *tags: str) -> None:
        rows = [(d, _tag(t)) for d in doc_ids for t in tags]
        with self.user.transaction():
            self.conn.executemany("DELETE FROM tags WHERE doc_id=? AND lower(tag)=lower(?)",
                                  rows)  # fmt: skip
        self._changed()

    def _tag_names(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT tag FROM tags")]

    def set_star(self, doc_id: str, starred: bool = True) -> None:
        with self.user.transaction():
            if starred:
                self.conn.execute("INSERT OR IGNORE INTO stars VALUES (?, ?)",
                                  (doc_id, stamp(now())))  # fmt: skip
            else:
                self.conn.execute("DELETE FROM stars WHERE doc_id=?", (doc_id,))
        self._changed()

    def add_note(self, doc_id: str, text: str) -> Note:
        t = now()
        with self.user.transaction():
            cur = self.conn.execute("INSERT INTO notes(doc_id, text, at) VALUES (?, ?, ?)",
                                    (doc_id, text.strip(), stamp(t)))  # fmt: skip
        self._changed()
        return Note(int(cur.lastrowid or 0), doc_id, text.strip(), t)

    def edit_note(self, note_id: int, text: str) -> None:
        with self.user.transaction():
            if text.strip():
                self.conn.execute("UPDATE notes SET text=? WHERE id=?", (text.strip(), note_id))
            else:
                self.conn.execute("DELETE FROM notes WHERE id=?", (note_id,))
        self._changed()

    def add_quote(self, doc_id: str, start: int, end: int, text: str) -> Quote:
        t = now()
        with self.user.transaction():
            cur = self.conn.execute(
                "INSERT INTO quotes(doc_id, start, end, text, at) VALUES (?, ?, ?, ?, ?)",
                (doc_id, start, end, text, stamp(t)))
        self._changed()
        return Quote(int(cur.lastrowid or 0), doc_id, start, end, text, t)

    def remove_quote(self, quote_id: int) -> None:
        with self.user.transaction():
            self.conn.execute("DELETE FROM quotes WHERE id=?", (quote_id,))
        self._changed()

    def annotations(self, doc_id: str) -> Annotations:
        c = self.conn
        tags = tuple(r[0] for r in c.execute(
            "SELECT tag FROM tags WHERE doc_id=? ORDER BY tag", (doc_id,)))
        starred = c.execute("SELECT 1 FROM stars WHERE doc_id=?", (doc_id,)).fetchone()
        notes = tuple(Note(r[0], r[1], r[2], parse_time(r[3]) or now()) for r in c.execute(
            "SELECT id, doc_id, text, at FROM notes WHERE doc_id=? ORDER BY id", (doc_id,)))
        quotes = tuple(Quote(r[0], r[1], r[2], r[3], r[4], parse_time(r[5]) or now())
                       for r in c.execute("SELECT id, doc_id, start, end, text, at FROM quotes "
                                          "WHERE doc_id=? ORDER BY start", (doc_id,)))
        return Annotations(doc_id, tags, bool(starred), notes, quotes)

    def all_tags(self) -> dict[str, frozenset[str]]:
        """Each tag (as first spelled) → the documents carrying it."""
        out: dict[str, set[str]] = {}
        for doc_id, tag in self.conn.execute("SELECT doc_id, tag FROM tags"):
            out.setdefault(tag, set()).add(doc_id)
        return {k: frozenset(v) for k, v in out.items()}

    def starred(self) -> frozenset[str]:
        return frozenset(r[0] for r in self.conn.execute("SELECT doc_id FROM stars"))

    def notes_matching(self, word: str) -> frozenset[str]:
        """Documents with a note containing ``word`` (see ``note_words``)."""
        from .note_words import note_matches

        return frozenset(doc_id for doc_id, text in self.conn.execute(
            "SELECT doc_id, text FROM notes") if note_matches(text, word))


def _tag(t: str) -> str:
    return " ".join(t.split()).strip()


def _saved(row: tuple) -> SavedSearch:  # type: ignore[type-arg]
    name, query, filters, excludes, sort, created, seen = row
    return SavedSearch(name=name, query=query,
                       filters=tuple(tuple(p) for p in json.loads(filters)),  # type: ignore[misc]
                       excludes=tuple(tuple(p) for p in json.loads(excludes)),  # type: ignore[misc]
                       sort=sort, created=parse_time(created), last_seen=parse_time(seen))
