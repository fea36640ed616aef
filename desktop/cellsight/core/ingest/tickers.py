"""Price-index tickers carried in page payloads (the ``ticker-data`` arrays).

A ticker is an object with a ``label`` and the index figures a price page shows:
``today``, ``last``, ``percentageChange``, ``yearToDate``, ``yearOnYear`` and a
``oneYearIndexTrend`` of ``{date, value}`` points. They are found by shape anywhere
in a decoded payload, so a site moving them under another key does not lose them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from ..model import PricePoint, SeriesSnapshot, StatedFigures
from ..prices.series import series_id

_FIGURES = ("today", "last", "oneYearIndexTrend")
_ISO_DATE = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?\s*")


def find_series(nodes: Iterable[Any], *, base_url: str | None = None) -> tuple[SeriesSnapshot, ...]:
    """Every ticker among a payload's containers (``devalue.walk(root)``), first of each label."""
    found: dict[str, SeriesSnapshot] = {}
    for node in nodes:
        if isinstance(node, dict) and is_ticker(node):
            snapshot = to_snapshot(node, base_url=base_url)
            if snapshot is not None:
                found.setdefault(snapshot.id, snapshot)
    return tuple(found.values())


def is_ticker(node: dict[str, Any]) -> bool:
    label = node.get("label")
    return isinstance(label, str) and any(key in node for key in _FIGURES)


def to_snapshot(node: dict[str, Any], *, base_url: str | None = None) -> SeriesSnapshot | None:
    label = " ".join(str(node.get("label", "")).split())
    sid = series_id(label)
    if not sid:
        return None
    url = _text(node.get("url"))
    if url and base_url and url.startswith("/"):
        url = base_url.rstrip("/") + url
    return SeriesSnapshot(
        id=sid,
        label=label,
        frequency=_text(node.get("updateFrequency")),
        frequency_text=_text(node.get("updateFrequencyText")),
        published=to_date(node.get("publishedDate")),
        url=url,
        points=_points(node.get("oneYearIndexTrend")),
        stated=StatedFigures(
            latest=to_number(node.get("today")),
            previous=to_number(node.get("last")),
            change_pct=to_number(node.get("percentageChange")),
            ytd_pct=to_number(node.get("yearToDate")),
            yoy_pct=to_number(node.get("yearOnYear")),
        ),
    )


def _points(trend: Any) -> tuple[PricePoint, ...]:
    if not isinstance(trend, list | tuple):
        return ()
    by_date: dict[dt.date, float] = {}
    for item in trend:
        if not isinstance(item, dict):
            continue
        day, value = to_date(item.get("date")), to_number(item.get("value"))
        if day is not None and value is not None:
            by_date.setdefault(day, value)
    return tuple(PricePoint(day, by_date[day]) for day in sorted(by_date))


def to_number(value: Any) -> float | None:
    """A finite float from a number or numeric text; None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value.replace(",", "").strip())
        except ValueError:
            return None
    if not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # a BigInt beyond float range
        return None
    return number if math.isfinite(number) else None


def to_date(value: Any) -> dt.date | None:
    """A date from ISO text ("2024-06-07", "2024-06-07 00:00", "…T10:00:00Z") or a datetime."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    return _iso_date(value)


@lru_cache(maxsize=4096)
def _iso_date(value: str) -> dt.date | None:
    # Cached: every series of a payload repeats the same weekly or monthly dates.
    match = _ISO_DATE.fullmatch(value)
    if match is None:
        return None
    year, month, day = match.groups()
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def summary_text(series: Iterable[SeriesSnapshot]) -> str:
    """One line per series: label, latest value and its date, with the stated change."""
    lines = []
    for snap in series:
        latest = snap.stated.latest
        if latest is None and snap.points:
            latest = snap.points[-1].value
        when = snap.published or (snap.points[-1].date if snap.points else None)
        line = snap.label + (f": {latest:.15g}" if latest is not None else ": no value")
        if when is not None:
            line += f" on {when.isoformat()}"
        if snap.stated.change_pct is not None:
            line += f" ({snap.stated.change_pct:+.15g}% on the previous reading)"
        lines.append(line)
    return "\n".join(lines)


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None
