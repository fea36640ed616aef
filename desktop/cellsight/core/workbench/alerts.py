"""Price alert rules: evaluated against a merged series, optionally tied to news.

A rule looks at a window of the series (the latest point and the one it is compared
with); a rule that requires news asks, through ``NewsFinder``, which documents of a
saved search are dated inside that window. Evaluation is pure: the caller decides
what is new (``Workbench.log_trigger`` remembers which point fired).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ..prices import PriceSeries, value_at
from .records import AlertRule, AlertState, parse_time

KINDS = ("above", "below", "change", "stale")
# (saved search name, first day, last day) → ids of its documents dated in that window
NewsFinder = Callable[[str, dt.date, dt.date], tuple[str, ...]]


def check_rule(rule: AlertRule) -> None:
    """ValueError (in words) for a rule that cannot be evaluated."""
    if rule.kind not in KINDS:
        raise ValueError(f"unknown alert kind {rule.kind!r} (one of {', '.join(KINDS)})")
    if rule.kind in ("above", "below") and rule.level is None:
        raise ValueError(f"an “{rule.kind}” alert needs a level")
    if rule.kind == "change" and not rule.pct:
        raise ValueError("a change alert needs a percentage other than 0")
    if rule.kind == "change" and rule.since is None and rule.points < 1:
        raise ValueError("a change alert compares at least 1 point back")
    if rule.kind == "stale" and not rule.days:
        raise ValueError("a stale alert needs a number of days")
    if rule.direction not in ("any", "up", "down"):
        raise ValueError("direction is any, up or down")


def evaluate(rule: AlertRule, series: PriceSeries | None, *, today: dt.date,
             news: NewsFinder | None = None) -> AlertState:  # fmt: skip
    if series is None or not series.points:
        return AlertState(rule, False, missing=True,
                          message=f"series “{rule.series}” is not in the library")
    latest = series.points[-1]
    start, base_value, change = _window(rule, series)
    if rule.kind == "above":
        fired = latest.value > (rule.level or 0)
        why = f"{series.label} at {latest.value:g} is above {rule.level:g}"
    elif rule.kind == "below":
        fired = latest.value < (rule.level or 0)
        why = f"{series.label} at {latest.value:g} is below {rule.level:g}"
    elif rule.kind == "stale":
        age = (today - latest.date).days
        fired = age >= (rule.days or 0)
        why = f"{series.label} has had no new point for {age} days (last {latest.date})"
        start = latest.date
    else:
        fired = change is not None and _moved(change, rule)
        why = (f"{series.label} moved {change:+.1f} % since {start} "
               f"({base_value:g} → {latest.value:g})") if change is not None else ""
    docs: tuple[str, ...] = ()
    if fired and rule.saved and news is not None:
        docs = news(rule.saved, start or latest.date, latest.date)
        if not docs:
            fired = False
            why += f", but “{rule.saved}” has no documents dated in that window"
        else:
            why += f", with {len(docs)} document{'s' if len(docs) != 1 else ''} in “{rule.saved}”"
    return AlertState(rule, fired, value=latest.value, change_pct=change, since=start,
                      at=latest.date, message=why, documents=docs)  # fmt: skip


def _window(rule: AlertRule, s: PriceSeries) -> tuple[dt.date | None, float | None, float | None]:
    """(the window's first day, the value compared with, the change in %)."""
    pts = s.points
    latest = pts[-1]
    if rule.since is not None:
        base = value_at(s, rule.since) or pts[0]
    elif len(pts) > rule.points:
        base = pts[-1 - max(1, rule.points)]
    elif len(pts) > 1:
        base = pts[0]
    else:
        return latest.date, None, None
    change = (latest.value / base.value - 1.0) * 100.0 if base.value else None
    return base.date, base.value, change


def _moved(change: float, rule: AlertRule) -> bool:
    need = abs(rule.pct or 0)
    direction = rule.direction
    if direction == "any" and (rule.pct or 0) < 0:
        direction = "down"  # "--change -10" reads as a fall of 10 %
    if direction == "up":
        return change >= need
    if direction == "down":
        return change <= -need
    return abs(change) >= need


def rule_to_json(r: AlertRule) -> dict[str, Any]:
    return {"name": r.name, "series": r.series, "kind": r.kind, "level": r.level,
            "pct": r.pct, "points": r.points, "since": r.since.isoformat() if r.since else None,
            "days": r.days, "direction": r.direction, "saved": r.saved,
            "created": r.created.isoformat() if r.created else None}  # fmt: skip


def rule_from_json(d: dict[str, Any]) -> AlertRule:
    return AlertRule(name=d["name"], series=d["series"], kind=d["kind"], level=d.get("level"),
                     pct=d.get("pct"), points=int(d.get("points") or 1),
                     since=dt.date.fromisoformat(d["since"]) if d.get("since") else None,
                     days=d.get("days"), direction=d.get("direction") or "any",
                     saved=d.get("saved"), created=parse_time(d.get("created")))  # fmt: skip
