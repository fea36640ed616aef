"""Unit families: every recognised figure as a value in one unit per family.

"500 MWh" and "0.5 GWh" are the same capacity; a range filter or a sort needs them in
one unit. Each figure's normalised unit (``quantities``) maps to a *column*: a family
and, for money and prices, the currency (never converted: exchange rates move, and
the stated currency is what the source said):

======================  ==================  ========================================
column                  unit                from
======================  ==================  ========================================
``capacity_gwh``        GWh                 Wh, kWh, MWh, GWh, TWh (吉瓦时, 千兆瓦时 …)
``mass_t``              t                   t, kt, Mt, tpa, t LCE, kg (吨, 万吨 …)
``pct``                 %                   %, percent (％)
``money_usd`` …         USD, CNY, EUR …     $, US$, USD, yuan, 元, 亿元, bn …
``price_usd_kwh`` …     USD/kWh, CNY/t …    $/kWh, $/t, CNY/t, 元/吨 (per Wh/MWh and
                                            per kg/lb are brought to per kWh, per t)
======================  ==================  ========================================
"""

from __future__ import annotations

import math
from itertools import pairwise

_CAPACITY = {"Wh": 1e-9, "kWh": 1e-6, "MWh": 1e-3, "GWh": 1.0, "TWh": 1e3}
_MASS = {"t": 1.0, "t LCE": 1.0, "kg": 1e-3}
# Per-unit prices: the "per" brought to kWh or t (a price per Wh is 1000 times less
# than per kWh, so its value is multiplied by 1000).
_PER = {"kWh": ("kwh", 1.0), "Wh": ("kwh", 1e3), "MWh": ("kwh", 1e-3), "GWh": ("kwh", 1e-6),
        "t": ("t", 1.0), "kg": ("t", 1e3), "lb": ("t", 2204.62262)}  # fmt: skip
CURRENCIES = ("USD", "CNY", "EUR", "GBP", "JPY", "KRW", "AUD", "CAD", "HKD")

# Facet buckets, [edge_i, edge_i+1): "<1", "1–10", "10–20", "20–50", "≥50" GWh.
_EDGES: dict[str, tuple[float, ...]] = {
    "capacity": (1, 10, 20, 50),
    "mass": (1e3, 1e4, 1e5, 1e6),
    "pct": (5, 10, 25, 50),
    "money": (1e7, 1e8, 1e9, 1e10),
    "price_kwh": (50, 100, 150, 200),
    "price_t": (1e4, 3e4, 1e5, 3e5),
}


def column_for(unit: str | None) -> tuple[str, float] | None:
    """(column, factor) for a figure's normalised unit, or None (counts, GW, km …)."""
    if not unit:
        return None
    if unit in _CAPACITY:
        return "capacity_gwh", _CAPACITY[unit]
    if unit in _MASS:
        return "mass_t", _MASS[unit]
    if unit == "%":
        return "pct", 1.0
    if unit in CURRENCIES:
        return f"money_{unit.lower()}", 1.0
    cur, sep, per = unit.partition("/")
    if sep and cur in CURRENCIES and per in _PER:
        name, factor = _PER[per]
        return f"price_{cur.lower()}_{name}", factor
    return None


def figure(unit: str | None, value: float | None) -> tuple[str, float] | None:
    """A figure as (column, value in the column's unit); None when it has no family."""
    got = column_for(unit)
    if got is None or value is None or not math.isfinite(value):
        return None
    column, factor = got
    return column, float(f"{value * factor:.12g}")


def family(column: str) -> str:
    """"capacity", "mass", "pct", "money" or "price"."""
    return column.split("_", 1)[0]


def column_unit(column: str) -> str:
    """The unit a column's values are in: "GWh", "t", "%", "USD", "USD/kWh"."""
    fam = family(column)
    if fam == "capacity":
        return "GWh"
    if fam == "mass":
        return "t"
    if fam == "pct":
        return "%"
    parts = column.split("_")
    if fam == "money":
        return parts[1].upper()
    per = {"kwh": "kWh", "t": "t"}.get(parts[2], parts[2])
    return f"{parts[1].upper()}/{per}"


def is_column(name: str) -> bool:
    if name in ("capacity_gwh", "mass_t", "pct"):
        return True
    parts = name.split("_")
    if parts[0] == "money":
        return len(parts) == 2 and parts[1].upper() in CURRENCIES
    if parts[0] == "price":
        return len(parts) == 3 and parts[1].upper() in CURRENCIES and parts[2] in ("kwh", "t")
    return False


def edges(column: str) -> tuple[float, ...]:
    fam = family(column)
    if fam == "price":
        return _EDGES["price_" + column.rsplit("_", 1)[1]]
    return _EDGES[fam]


def short_number(value: float) -> str:
    """10000000 → "10m", 1e9 → "1bn", 2500 → "2.5k", 20 → "20"."""
    for factor, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:g}{suffix}"
    return f"{value:g}"


def bucket_labels(column: str) -> tuple[str, ...]:
    """Labels of a column's facet buckets, lowest first: "<1 GWh" … "≥50 GWh"."""
    e = [short_number(x) for x in edges(column)]
    unit = column_unit(column)
    unit = "%" if unit == "%" else f" {unit}"
    middle = [f"{a}–{b}{unit}" for a, b in pairwise(e)]
    return (f"<{e[0]}{unit}", *middle, f"≥{e[-1]}{unit}")
