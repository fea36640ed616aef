"""Figures computed from a series' points, checked against what the source states.

Conventions (measured on the 15 series in seed 003; all its stated figures that can
be recomputed from the points agree within the tolerances below):

* change %: latest against the point before it.
* YTD %: the provider's base depends on how often the series is assessed. For
  weekly/fortnightly series (period under 28 days) it is the *first point of the
  current year* (Lithium: 411.01 vs 233.73 on 2026-01-07 gives the stated 75.85,
  not the 101.68 against 2025-12-24; Nickel and Black Mass likewise skip a
  31 December point). For monthly and slower series it is the *last point of the
  previous year* (Anode Coke, Cathode, LFP, …). If the preferred base is missing
  the other one is used. Either base must lie within one period (+1 day) of
  1 January; otherwise the points do not reach back far enough, the computed
  value is None and only the stated figure is shown (Cobalt's points start on
  21 January).
* YoY %: the point nearest to the same day a year before the latest date, if it
  is within half a period of it (at least 3 days). The seed's trends cover just
  under a year, so none of its YoY figures can be recomputed.
* Stated latest/previous must equal the computed ones to 2 dp; stated percentages
  may differ by up to 0.05 percentage points (the provider rounds from unrounded
  values). Each disagreement becomes a readable string in ``mismatches``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..model import PricePoint, StatedFigures
from .series import PriceSeries

DAYS_PER_MONTH = 365.25 / 12
PCT_TOLERANCE = 0.05  # percentage points
_SUB_MONTHLY = 28.0  # periods below this use the first-point-of-year YTD base

_UNIT_DAYS = {
    "d": 1.0, "day": 1.0,
    "w": 7.0, "wk": 7.0, "week": 7.0,
    "mo": DAYS_PER_MONTH, "mon": DAYS_PER_MONTH, "month": DAYS_PER_MONTH,
    "q": 365.25 / 4, "qtr": 365.25 / 4, "quarter": 365.25 / 4,
    "y": 365.25, "yr": 365.25, "year": 365.25,
}  # fmt: skip
_WORDS = {
    "daily": 1.0,
    "weekly": 7.0,
    "fortnightly": 14.0,
    "biweekly": 14.0,  # in price reporting "bi-weekly" means every two weeks
    "monthly": DAYS_PER_MONTH,
    "quarterly": 365.25 / 4,
    "annual": 365.25,
    "annually": 365.25,
    "yearly": 365.25,
}
_COUNT_UNIT = re.compile(r"(\d+)?\s*([a-z]+)")


@dataclass(frozen=True)
class SeriesStats:
    latest: PricePoint | None
    previous: PricePoint | None
    change_pct: float | None
    ytd_pct: float | None
    yoy_pct: float | None
    stale: bool
    period_days: float | None
    mismatches: tuple[str, ...]
    ytd_base: PricePoint | None = None  # the point YTD is measured against
    yoy_base: PricePoint | None = None


def period_from_frequency(frequency: str | None) -> float | None:
    """Days between assessments for "1wk", "2wk", "monthly", "3mo", "every 2 weeks" …"""
    if not frequency:
        return None
    text = frequency.casefold().replace("-", "").strip()
    text = re.sub(r"^(updated\s+)?every\s+", "", text)
    if text in _WORDS:
        return _WORDS[text]
    m = _COUNT_UNIT.fullmatch(text)
    if m is None:
        return None
    unit = m.group(2)
    if unit not in _UNIT_DAYS and unit.endswith("s"):
        unit = unit[:-1]
    if unit not in _UNIT_DAYS:
        return None
    count = int(m.group(1) or 1)
    return count * _UNIT_DAYS[unit] if count > 0 else None


def series_period(series: PriceSeries) -> float | None:
    """Stated frequency (code, then text), else the median gap between points."""
    for freq in (series.frequency, series.frequency_text):
        days = period_from_frequency(freq)
        if days is not None:
            return days
    if len(series.points) < 2:
        return None
    dates = [p.date for p in series.points]
    return float(statistics.median((b - a).days for a, b in itertools.pairwise(dates)))


def library_newest(series: Iterable[PriceSeries]) -> dt.date | None:
    """The newest data date across a library: the reference for staleness."""
    return max((s.last_date for s in series if s.last_date is not None), default=None)


def value_at(series: PriceSeries, day: dt.date) -> PricePoint | None:
    """The last point on or before ``day``."""
    i = bisect.bisect_right([p.date for p in series.points], day)
    return series.points[i - 1] if i else None


def rebase(
    points: Sequence[PricePoint], base_date: dt.date | None = None
) -> list[tuple[dt.date, float]]:
    """Index points to 100 at the base: the first point, or the last on/before ``base_date``.

    Points before the base are dropped (a rebased chart starts at its base). A base
    date earlier than every point falls back to the first point. A zero base value
    cannot be rebased and raises ``ValueError``.
    """
    ordered = sorted(points, key=lambda p: p.date)
    if not ordered:
        return []
    start = 0
    if base_date is not None:
        start = max(bisect.bisect_right([p.date for p in ordered], base_date) - 1, 0)
    base = ordered[start].value
    if base == 0:
        raise ValueError(f"cannot rebase on a zero value ({ordered[start].date})")
    return [(p.date, p.value / base * 100.0) for p in ordered[start:]]


def sparkline(series: PriceSeries, n: int = 24) -> tuple[float, ...]:
    """The last ``n`` values, oldest first."""
    if n <= 0:
        return ()
    return tuple(p.value for p in series.points[-n:])


def compute_stats(series: PriceSeries, *, library_newest: dt.date | None) -> SeriesStats:
    points = series.points
    latest = points[-1] if points else None
    previous = points[-2] if len(points) > 1 else None
    period = series_period(series)
    ytd_base = _ytd_base(points, period)
    yoy_base = _yoy_base(points, period)
    change = _pct(latest, previous)
    ytd = _pct(latest, ytd_base)
    yoy = _pct(latest, yoy_base)
    stale = (
        latest is not None
        and period is not None
        and library_newest is not None
        and (library_newest - latest.date).days > 2 * period
    )
    computed = StatedFigures(
        latest=latest.value if latest else None,
        previous=previous.value if previous else None,
        change_pct=change,
        ytd_pct=ytd,
        yoy_pct=yoy,
    )
    return SeriesStats(
        latest=latest,
        previous=previous,
        change_pct=change,
        ytd_pct=ytd,
        yoy_pct=yoy,
        stale=stale,
        period_days=period,
        mismatches=compare_stated(series.stated, computed),
        ytd_base=ytd_base,
        yoy_base=yoy_base,
    )


def compare_stated(stated: StatedFigures, computed: StatedFigures) -> tuple[str, ...]:
    """Readable disagreements; a figure missing on either side is not compared."""
    out: list[str] = []
    checks = (
        ("latest", stated.latest, computed.latest, False),
        ("previous", stated.previous, computed.previous, False),
        ("change %", stated.change_pct, computed.change_pct, True),
        ("YTD %", stated.ytd_pct, computed.ytd_pct, True),
        ("YoY %", stated.yoy_pct, computed.yoy_pct, True),
    )
    for name, said, got, is_pct in checks:
        if said is None or got is None:
            continue
        agree = (
            abs(said - got) <= PCT_TOLERANCE + 1e-9
            if is_pct
            else abs(round(said, 2) - round(got, 2)) < 1e-9
        )
        if not agree:
            out.append(f"{name}: stated {said:.2f}, computed {got:.2f}")
    return tuple(out)


def _pct(latest: PricePoint | None, base: PricePoint | None) -> float | None:
    if latest is None or base is None or base is latest or base.value == 0:
        return None
    return (latest.value / base.value - 1.0) * 100.0


def _ytd_base(points: Sequence[PricePoint], period: float | None) -> PricePoint | None:
    if not points:
        return None
    year = points[-1].date.year
    jan1 = dt.date(year, 1, 1)
    before = [p for p in points if p.date < jan1]
    this_year = [p for p in points if p.date >= jan1]
    last_of_prior = before[-1] if before else None
    first_of_year = this_year[0] if this_year else None
    if period is not None and period < _SUB_MONTHLY:
        candidates = (first_of_year, last_of_prior)
    else:
        candidates = (last_of_prior, first_of_year)
    # Without a known period there is no way to tell whether a base is "near"
    # 1 January, so a month is assumed: the slowest series the library expects.
    reach = (period if period is not None else DAYS_PER_MONTH) + 1.0
    for cand in candidates:
        if cand is not None and cand is not points[-1] and abs((cand.date - jan1).days) <= reach:
            return cand
    return None


def _yoy_base(points: Sequence[PricePoint], period: float | None) -> PricePoint | None:
    if len(points) < 2:
        return None
    last = points[-1].date
    try:
        target = last.replace(year=last.year - 1)
    except ValueError:  # 29 February
        target = last.replace(year=last.year - 1, day=28)
    tolerance = max((period or 0.0) / 2.0, 3.0)
    best = min(points[:-1], key=lambda p: (abs((p.date - target).days), p.date))
    return best if abs((best.date - target).days) <= tolerance else None
