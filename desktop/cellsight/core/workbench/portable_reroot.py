"""Re-rooting an imported library: where each source is now, and the ids that follow.

A document's id is a hash of its file's absolute path (``file_outcome.doc_id_for``),
so moving a source changes the ids of everything under it. Both databases are
rewritten on the extracted copy, before anything opens it as a library: the store's
paths, ids, the paths and price-point ids inside its JSON and the row checksums that
cover them; in user data the sources and every table that names a document.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..file_outcome import doc_id_for
from ..paths import seeds_dir
from ..store_checks import CHECKED, Damage, row_crc, verified
from .portable_manifest import Manifest, MissingRootsError, PortableError
from .store import DOC_TABLES

_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False)
_MARK = "\x01"  # a moved key first gets this prefix, so that no two rows clash midway


@dataclass(frozen=True)
class RootPlan:
    new: Mapping[str, str]  # every old root → where it is now (itself when unmoved)
    extract: frozenset[str]  # bundles taken out of the zip
    missing: tuple[str, ...]  # kept as they were although they are not here


def plan_roots(manifest: Manifest, folder: Path, roots: Mapping[str, Path] | None) -> RootPlan:
    """Decide each source's new place: what the caller says, else the bundled copy,
    else the parent source's move, else unchanged if it is here (the sample documents
    move to this app's own). Raises MissingRootsError for the rest."""
    # "/data/news/" names the source "/data/news" as well.
    given = {(k.rstrip("/\\") or k): v for k, v in (roots or {}).items()}
    unknown = sorted(set(given) - set(manifest.roots))
    if unknown:
        raise PortableError(f"{', '.join(unknown)} is not a source of this library; its "
                            f"sources are {', '.join(manifest.roots)}")  # fmt: skip
    by_path = {r.path: r for r in manifest.sources}
    new: dict[str, str] = {}
    extract: set[str] = set()
    missing: list[str] = []
    unplaced: list[str] = []
    for old in sorted(manifest.roots, key=len):  # parents before the sources inside them
        root = by_path[old]
        parent = _parent(old, new, manifest.sep)
        if old in given:
            place = os.path.abspath(Path(given[old]).expanduser())
            if root.kind == "file" and os.path.isdir(place):
                place = os.path.join(place, _name(old, manifest.sep))
            if place != old and not os.path.exists(place):
                raise PortableError(f"{place} (given for {old}) does not exist")
        elif root.bundle is not None:
            extract.add(root.bundle)
            place = str(folder / "sources" / root.bundle)
            if root.kind == "file":
                place = os.path.join(place, _name(old, manifest.sep))
        elif parent is not None and new[parent] != parent:
            place = _join(new[parent], old[len(parent):].lstrip(manifest.sep), manifest.sep)
        elif os.path.exists(old):
            place = old
        elif manifest.seeds and old == manifest.seeds:
            place = str(seeds_dir())
        else:
            unplaced.append(old)
            continue
        if place == old and not os.path.exists(old):
            missing.append(old)
        new[old] = place
    if unplaced:
        raise MissingRootsError(tuple(unplaced))
    clash = len(set(new.values())) != len(new)
    if clash:
        raise PortableError("two sources of the library would be in one folder: "
                            + ", ".join(f"{k} → {v}" for k, v in sorted(new.items())))
    return RootPlan(new, frozenset(extract), tuple(missing))


class Translator:
    """A path of the exporting computer → the same file's path here."""

    def __init__(self, new: Mapping[str, str], sep: str) -> None:
        self.sep = sep
        # Longest first: a file belongs to the innermost source that holds it.
        self._roots = sorted(((old, place) for old, place in new.items()), key=lambda r: -len(r[0]))

    @property
    def moves(self) -> bool:
        return any(old != place for old, place in self._roots)

    def path(self, p: str) -> str:
        for old, place in self._roots:
            prefix = old if old.endswith(self.sep) else old + self.sep
            if p == old or p.startswith(prefix):
                return p if place == old else _join(place, p[len(prefix):], self.sep)
        return p


def translate_documents(conn: sqlite3.Connection, tr: Translator) -> dict[str, str]:
    """Rewrite the store for the new paths; returns old id → new id of the moved."""
    ids: dict[str, str] = {}
    rows = conn.execute("SELECT rowid, id, path, part FROM documents").fetchall()
    moved: list[int] = []
    for rowid, doc_id, path, part in rows:
        new_path = tr.path(path)
        if new_path != path:
            ids[doc_id] = doc_id_for(new_path, part)
            moved.append(rowid)
    conn.execute("BEGIN IMMEDIATE")
    try:
        for start in range(0, len(moved), 256):
            marks = ",".join("?" * len(moved[start:start + 256]))
            for row in conn.execute(f"SELECT {CHECKED} FROM documents WHERE rowid IN "
                                    f"({marks})", moved[start:start + 256]).fetchall():
                found = verified(row)
                if isinstance(found, Damage):  # as a repair: the next update reads it again
                    conn.execute("DELETE FROM documents WHERE rowid=?", (row[0],))
                    conn.executemany("DELETE FROM files WHERE path=?", [(p,) for p in found.paths])
                    continue
                doc_id, path, parsed, enrichment = found
                new_id, new_path = ids[doc_id], tr.path(path)
                new_parsed = _moved_parsed(parsed, tr, ids)
                crc = row_crc(new_id, new_path, row[3], new_parsed, enrichment)
                conn.execute("UPDATE documents SET id=?, path=?, parsed=?, crc=? WHERE rowid=?",
                             (_MARK + new_id, new_path, new_parsed, crc, row[0]))
        _unmark(conn, "documents", "id")
        for table in ("files", "failures"):
            _rekey(conn, table, "path", {p: tr.path(p) for (p,) in
                                         conn.execute(f"SELECT path FROM {table}")})
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return ids


def translate_user(conn: sqlite3.Connection, new_roots: Mapping[str, str],
                   ids: Mapping[str, str]) -> None:  # fmt: skip
    conn.execute("BEGIN IMMEDIATE")
    try:
        _rekey(conn, "sources", "path", new_roots)
        for table in DOC_TABLES:
            _rekey(conn, table, "doc_id", ids)
        if ids:
            for key, docs in conn.execute("SELECT rowid, documents FROM alert_log").fetchall():
                listed = json.loads(docs)
                if isinstance(listed, list) and any(i in ids for i in listed):
                    conn.execute("UPDATE alert_log SET documents=? WHERE rowid=?",
                                 (json.dumps([ids.get(i, i) for i in listed]), key))
            for key, raw in conn.execute("SELECT rowid, json FROM imported_series").fetchall():
                series = json.loads(raw)
                if _move_points(series, ids):
                    conn.execute("UPDATE imported_series SET json=? WHERE rowid=?",
                                 (json.dumps(series), key))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def check_database(path: Path, tables: Iterable[str]) -> None:
    """An extracted database must be sound, hold the tables named, and nothing that
    runs by itself (triggers, views): it came from an archive of unknown origin."""
    what = f"the archive's {path.name}"
    try:
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute("PRAGMA quick_check").fetchone()
            if row is None or row[0] != "ok":
                raise PortableError(f"{what} is damaged ({row[0] if row else 'no answer'})")
            kinds = dict(conn.execute("SELECT name, type FROM sqlite_master").fetchall())
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise PortableError(f"{what} is not a database this app can read ({exc})") from exc
    extra = sorted(n for n, t in kinds.items() if t in ("trigger", "view"))
    if extra:
        raise PortableError(f"{what} holds triggers or views ({', '.join(extra)}); a "
                            "Cellsight library has none")  # fmt: skip
    absent = [t for t in tables if kinds.get(t) != "table"]
    if absent:
        raise PortableError(f"{what} is not a Cellsight library database (no table "
                            f"{', '.join(absent)})")  # fmt: skip


def _moved_parsed(parsed: str, tr: Translator, ids: Mapping[str, str]) -> str:
    d = json.loads(parsed)
    if isinstance(d.get("path"), str):
        d["path"] = tr.path(d["path"])
    for series in d.get("series") or ():
        _move_points(series, ids)
    return _JSON.encode(d)


def _move_points(series: object, ids: Mapping[str, str]) -> bool:
    """Price points name the document they came from: [date, value, doc id]."""
    changed = False
    for point in series.get("points", ()) if isinstance(series, dict) else ():
        if isinstance(point, list) and len(point) > 2 and point[2] in ids:
            point[2] = ids[point[2]]
            changed = True
    return changed


def _rekey(conn: sqlite3.Connection, table: str, column: str, new: Mapping[str, str]) -> None:
    """Give each row's ``column`` its new value, in two steps through marked values:
    one step would clash when a new value is another row's old one (sources swapped)."""
    pairs = [(_MARK + v, k) for k, v in new.items() if v != k]
    if pairs:
        conn.executemany(f"UPDATE {table} SET {column}=? WHERE {column}=?", pairs)
        _unmark(conn, table, column)


def _unmark(conn: sqlite3.Connection, table: str, column: str) -> None:
    try:
        conn.execute(f"UPDATE {table} SET {column}=substr({column}, 2) "
                     f"WHERE substr({column}, 1, 1) = ?", (_MARK,))  # fmt: skip
    except sqlite3.IntegrityError as exc:
        raise PortableError(f"re-rooting would give two {table} one {column} ({exc})") from exc


def _parent(old: str, placed: Mapping[str, str], sep: str) -> str | None:
    """The innermost source already placed that holds ``old``."""
    best = None
    for p in placed:
        prefix = p if p.endswith(sep) else p + sep
        if old.startswith(prefix) and (best is None or len(p) > len(best)):
            best = p
    return best


def _name(path: str, sep: str) -> str:
    return path.rstrip(sep).rsplit(sep, 1)[-1]


def _join(base: str, rel: str, sep: str) -> str:
    """``rel`` (in the exporting computer's separators) below ``base``, spelled as this
    computer's scanner spells it (os.path.join of each step)."""
    if not rel:
        return base
    return os.path.join(base, *rel.split(sep)) if sep != os.sep else os.path.join(base, rel)
