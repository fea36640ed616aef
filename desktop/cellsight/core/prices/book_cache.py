"""The merged price series kept beside the library, so a start does not merge again.

Merging every document's snapshots is the price book's cost: at 50k documents the
store's series take 2.6 s to read, decode and merge (0.5 s of SQL over every row's
JSON, 1.1 s decoding, 1.2 s merging), on a background thread that competes with the
first searches for the interpreter. The merged series of an unchanged library are the
same, so they are written once as JSON (no pickle: the file is data, never code) and
read back in a few milliseconds.

The key says what the series were merged from: the index generation (every batch
that adds, changes or removes a document commits one), the store's row count and
highest rowid (a reset index restarts its generations; the store's rows do not), and
a digest of the imported series. A file whose key differs, that does not parse, or
that holds anything unexpected is ignored and replaced.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..atomic_file import atomic_write
from ..model import PricePoint, SeriesSnapshot, StatedFigures
from .series import PointConflict, PriceSeries, merge_snapshots

log = logging.getLogger("cellsight.prices.cache")

FILE_NAME = "prices-merged.json"
FORMAT = 1

Snapshots = list[tuple[str, SeriesSnapshot]]


def cache_key(store_conn: sqlite3.Connection, user_conn: sqlite3.Connection | None,
              generation: int) -> list[Any]:  # fmt: skip
    count, top = store_conn.execute("SELECT count(*), max(rowid) FROM documents").fetchone()
    digest = hashlib.sha1()
    if user_conn is not None:
        try:
            rows = user_conn.execute("SELECT origin, json FROM imported_series ORDER BY origin")
            for origin, raw in rows:
                digest.update(f"{origin}\0{raw}\0".encode())
        except sqlite3.OperationalError:  # an older user file without the table
            pass
    return [FORMAT, generation, count, top, digest.hexdigest()]


def merged_series(
    folder: Path,
    key: list[Any],
    snapshots: Callable[[], Snapshots],
    *,
    read_only: bool,
) -> dict[str, PriceSeries]:
    """The merged series for ``key``: from the file when it was written for it, else
    merged from ``snapshots()`` (and written, unless the library is read-only)."""
    path = folder / FILE_NAME
    cached = _load(path, key)
    if cached is not None:
        return cached
    merged = merge_snapshots(snapshots())
    if not read_only:
        try:
            with atomic_write(path) as fh:
                json.dump({"key": key, "series": [_series_to_json(s) for s in merged.values()]},
                          fh, separators=(",", ":"))
        except OSError as exc:  # a full disk costs the next start a merge, nothing more
            log.warning("could not keep the merged prices: %s", exc)
    return merged


def _load(path: Path, key: list[Any]) -> dict[str, PriceSeries] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        series = [_series_from_json(d) for d in data["series"]]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        log.info("merged prices file ignored (%s): merging again", exc)
        return None
    return {s.id: s for s in series}


def _point(p: PricePoint) -> list[Any]:
    return [p.date.isoformat(), p.value, p.doc_id]


def _point_from(v: list[Any]) -> PricePoint:
    doc_id = v[2]
    if doc_id is not None and not isinstance(doc_id, str):
        raise TypeError("document id")
    return PricePoint(dt.date.fromisoformat(v[0]), float(v[1]), doc_id)


def _date(v: str | None) -> dt.date | None:
    return dt.date.fromisoformat(v) if v else None


def _text(v: Any) -> str | None:
    if v is not None and not isinstance(v, str):
        raise TypeError("text")
    return v


def _series_to_json(s: PriceSeries) -> dict[str, Any]:
    st = s.stated
    return {
        "id": s.id, "label": s.label, "unit": s.unit, "frequency": s.frequency,
        "frequency_text": s.frequency_text,
        "published": s.published.isoformat() if s.published else None,
        "provider": s.provider, "url": s.url, "points": [_point(p) for p in s.points],
        "stated": [st.latest, st.previous, st.change_pct, st.ytd_pct, st.yoy_pct],
        "sources": list(s.sources),
        "conflicts": [[c.date.isoformat(), _point(c.kept), _point(c.dropped)]
                      for c in s.conflicts],
    }  # fmt: skip


def _series_from_json(d: dict[str, Any]) -> PriceSeries:
    stated = [None if v is None else float(v) for v in d["stated"]]
    sources = d["sources"]
    if not all(isinstance(x, str) for x in sources):
        raise TypeError("sources")
    return PriceSeries(
        id=str(d["id"]), label=str(d["label"]), unit=str(d["unit"]),
        frequency=_text(d["frequency"]), frequency_text=_text(d["frequency_text"]),
        published=_date(d["published"]), provider=_text(d["provider"]), url=_text(d["url"]),
        points=tuple(_point_from(p) for p in d["points"]),
        stated=StatedFigures(*stated),
        sources=tuple(sources),
        conflicts=tuple(PointConflict(dt.date.fromisoformat(c[0]), _point_from(c[1]),
                                      _point_from(c[2])) for c in d["conflicts"]),
    )  # fmt: skip
