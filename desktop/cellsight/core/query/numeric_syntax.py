"""Range clauses on figures: ``capacity:>20``, ``capacity:[10 to 50]``, ``money:>1bn USD``.

A clause names a family (``capacity`` in GWh, ``mass`` in t, ``pct``, ``money`` per
currency, ``price`` per currency and unit) or a column (``money_cny``,
``price_cny_t``), then a comparison or a range; the number may carry a multiplier
(k, m, bn, 万, 亿) and a unit, which is converted to the column's (``capacity:>500MWh``
is ``capacity:>0.5``) or, for money and prices, chooses the currency (``money:>10亿元``
is CNY; without one, USD; ``price:`` without a unit is USD/kWh). Clauses are taken out
of the query before Whoosh parses it, like ``tag:``, and narrow it (AND); ``-capacity:>20``
excludes. A document matches when one of its figures of that column is in the range.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..enrich import units
from ..errors import QueryError
from .clause_context import check_alone, not_before

FIELDS: dict[str, str] = {
    "capacity": "capacity", "cap": "capacity", "mass": "mass", "tonnage": "mass",
    "pct": "pct", "percent": "pct", "share": "pct", "money": "money",
    "investment": "money", "amount": "money", "price": "price",
}  # fmt: skip
_COLUMN_RE = r"capacity_gwh|mass_t|money_[a-z]{3}|price_[a-z]{3}_(?:kwh|t)"
_CLAUSE = re.compile(
    rf"(?<![\w:])(-?)({_COLUMN_RE}|{'|'.join(FIELDS)}):"
    r"(\[[^\]}]*[\]}]|\{[^\]}]*[\]}]|\"[^\"]*\"|[^\s()\"]+)(?:\s+([^\s()\":]+)(?=[\s()]|$))?",
    re.IGNORECASE,
)
_CAPACITY = {"wh": 1e-9, "kwh": 1e-6, "mwh": 1e-3, "gwh": 1.0, "twh": 1e3, "吉瓦时": 1.0,
             "吉瓦時": 1.0, "千兆瓦时": 1.0, "兆瓦时": 1e-3, "兆瓦時": 1e-3}  # fmt: skip
_MASS = {"t": 1.0, "tonnes": 1.0, "tonne": 1.0, "tons": 1.0, "tpa": 1.0, "kt": 1e3,
         "ktpa": 1e3, "mt": 1e6, "mtpa": 1e6, "吨": 1.0, "噸": 1.0, "万吨": 1e4}  # fmt: skip
_CURRENCY = {"usd": "USD", "$": "USD", "us$": "USD", "dollars": "USD", "cny": "CNY",
             "rmb": "CNY", "yuan": "CNY", "元": "CNY", "¥": "CNY", "eur": "EUR", "€": "EUR",
             "euros": "EUR", "gbp": "GBP", "£": "GBP",
             **{c.lower(): c for c in units.CURRENCIES}}  # fmt: skip
_PER = {"kwh": "kWh", "wh": "Wh", "mwh": "MWh", "t": "t", "tonne": "t", "ton": "t",
        "kg": "kg", "lb": "lb", "吨": "t", "噸": "t", "千瓦时": "kWh"}  # fmt: skip
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9,
          "bn": 1e9, "billion": 1e9, "tn": 1e12, "trillion": 1e12, "万": 1e4,
          "亿": 1e8}  # fmt: skip
_NUMBER = re.compile(r"\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*)$")
_SCALE_RE = re.compile(r"(thousand|million|billion|trillion|mn|bn|tn|[kmb万亿])\s*(.*)$",
                       re.IGNORECASE)  # fmt: skip
_DASH = re.compile(r"(?<=[\w%$€£¥])\s*[–—-]\s*(?=[\d.+])")


@dataclass(frozen=True)
class Range:
    """Figures of ``column`` from ``lo`` to ``hi`` (None: open), in the column's unit."""

    column: str
    lo: float | None = None
    hi: float | None = None
    lo_incl: bool = True
    hi_incl: bool = True


@dataclass(frozen=True)
class NumericClauses:
    query: str  # the query without its range clauses
    filters: tuple[Range, ...] = ()
    excludes: tuple[Range, ...] = ()


def is_numeric_field(name: str) -> bool:
    low = name.lower()
    return low in FIELDS or units.is_column(low)


def facet_name(column: str) -> str:
    """The facet (and filter field) a column is shown as: "capacity", "money_usd"."""
    return {"capacity_gwh": "capacity", "mass_t": "mass"}.get(column, column)


def split(query: str) -> NumericClauses:
    """Take the range clauses out of ``query`` (one inside a quoted phrase is text)."""
    filters: list[Range] = []
    excludes: list[Range] = []
    kept: list[str] = []
    at = 0
    for m in _CLAUSE.finditer(query):
        if query.count('"', 0, m.start()) % 2:
            continue
        value, end, trailing = m.group(3), m.end(), m.group(4)
        if trailing is not None and _unit_only(trailing):
            value = f"{value} {trailing}"  # "money:>1bn USD"
        elif trailing is not None:
            end = m.start(4)  # a word of the query, not a unit
        rng = parse_value(m.group(2), value.strip('"'))
        check_alone(query, m.start(), end, query[m.start():end].lstrip("-"))
        start, negate = m.start(), bool(m.group(1))
        nott = not_before(query, start, at)
        if nott is not None:  # "NOT capacity:>20" is "-capacity:>20"
            negate, start = not negate, nott
        (excludes if negate else filters).append(rng)
        kept.append(query[at:start])
        at = end
    if not filters and not excludes:
        return NumericClauses(query)
    kept.append(query[at:])
    return NumericClauses(" ".join("".join(kept).split()), tuple(filters), tuple(excludes))


def _unit_only(word: str) -> bool:
    low = word.lower()
    return (low in _CAPACITY or low in _MASS or low in _CURRENCY or low == "%"
            or ("/" in low and low.split("/", 1)[0] in _CURRENCY))  # fmt: skip


def parse_value(field: str, text: str) -> Range:
    """A clause's or a facet bucket's value as a Range: ``>20``, ``>=1bn USD``,
    ``[10 to 50]``, ``[10 to 50}``, ``10–20 GWh`` (from 10, below 20), ``<1``, ``≥50``."""
    base = field.lower()
    if not is_numeric_field(base):
        raise QueryError(f"'{field}' is not a figure field.")
    t = text.strip()
    if t[:1] in "[{" and t[-1:] in "]}":
        sides = re.split(r"\s+to\s+", t[1:-1].strip(), maxsplit=1, flags=re.IGNORECASE)
        if len(sides) != 2:
            raise _usage(field, text)
        (lo, lo_col), (hi, hi_col) = _ends(base, field, text, *sides)
        col = _same(field, text, lo_col, hi_col)
        return Range(col, lo, hi, t[0] == "[", t[-1] == "]")
    for op in (">=", "<=", "≥", "≤", ">", "<", "="):
        if t.startswith(op):
            value, col = _number(base, field, text, t[len(op):], None)
            if op == "=":
                return Range(col, value, value)
            if op in (">=", "≥", ">"):
                return Range(col, lo=value, lo_incl=op != ">")
            return Range(col, hi=value, hi_incl=op != "<")
    dash = _DASH.search(t)
    if dash is not None:
        (lo, lo_col), (hi, hi_col) = _ends(base, field, text, t[: dash.start()],
                                           t[dash.end() :])  # fmt: skip
        return Range(_same(field, text, lo_col, hi_col), lo, hi, True, False)
    value, col = _number(base, field, text, t, None)
    return Range(col, value, value)


def _ends(base: str, field: str, text: str, a: str, b: str
          ) -> tuple[tuple[float | None, str], tuple[float | None, str]]:  # fmt: skip
    # A unit written once applies to both ends: "1bn–10bn USD", "[10 to 50 GWh]".
    unit = _unit_of(b) or _unit_of(a)
    return _number(base, field, text, a, unit), _number(base, field, text, b, unit)


def _unit_of(side: str) -> str | None:
    m = _NUMBER.match(side)
    if m is None:
        return None
    rest = m.group(2).strip()
    if rest and not _unit_only(rest):
        s = _SCALE_RE.match(rest)
        rest = s.group(2).strip() if s else rest
    return rest or None


def _number(base: str, field: str, text: str, side: str, unit: str | None
            ) -> tuple[float | None, str]:  # fmt: skip
    side = side.strip().replace(",", "")
    if side in ("", "*"):
        return None, _column(base, field, text, unit)
    m = _NUMBER.match(side)
    if m is None:
        raise _usage(field, text)
    value, rest = float(m.group(1)), m.group(2).strip()
    if rest and not _unit_only(rest) and rest != "Mt":
        s = _SCALE_RE.match(rest)
        if s is None:
            raise _usage(field, text)
        value *= _SCALE[s.group(1).lower()]
        rest = s.group(2).strip()
    col, factor = _column_factor(base, field, text, rest or unit)
    return float(f"{value * factor:.12g}"), col


def _column(base: str, field: str, text: str, unit: str | None) -> str:
    return _column_factor(base, field, text, unit)[0]


def _column_factor(base: str, field: str, text: str, unit: str | None) -> tuple[str, float]:
    fam = FIELDS.get(base) or units.family(base)
    low = unit.lower() if unit else None
    if fam == "capacity" and (low is None or low in _CAPACITY):
        return "capacity_gwh", _CAPACITY[low] if low else 1.0
    if fam == "mass" and (low is None or low in _MASS):
        return "mass_t", (1e6 if unit == "Mt" else _MASS[low]) if low else 1.0
    if fam == "pct" and low in (None, "%"):
        return "pct", 1.0
    if fam == "money" and (low is None or low in _CURRENCY):
        col = f"money_{_CURRENCY[low].lower()}" if low else (
            base if base.startswith("money_") else "money_usd")
        if base.startswith("money_") and col != base:
            raise QueryError(f"{field}: is in {units.column_unit(base)}, not {unit}.")
        return col, 1.0
    if fam == "price":
        if low is None:
            return (base if base.startswith("price_") else "price_usd_kwh"), 1.0
        cur, _, per = low.partition("/")
        got = units.column_for(f"{_CURRENCY.get(cur, '?')}/{_PER.get(per, '?')}")
        if got is not None and (not base.startswith("price_") or got[0] == base):
            return got
    raise _usage(field, text)


def _same(field: str, text: str, a: str, b: str) -> str:
    if a != b:
        raise QueryError(f"{field}:{text} mixes {units.column_unit(a)} and "
                         f"{units.column_unit(b)}.")  # fmt: skip
    return a


def _usage(field: str, text: str) -> QueryError:
    fam = FIELDS.get(field.lower()) or units.family(field.lower())
    examples = {"capacity": "capacity:>20 (GWh), capacity:[10 to 50], capacity:>500MWh",
               "mass": "mass:>10000 (tonnes), mass:>10kt", "pct": "pct:>=25",
               "money": "money:>1bn (USD), money:>1bn CNY, money:>10亿元",
               "price": "price:<100 (USD/kWh), price:>100000 CNY/t"}  # fmt: skip
    example = examples.get(fam, "capacity:>20")
    return QueryError(f"Cannot read “{field}:{text}”: write a comparison or a range, "
                      f"e.g. {example}.")


def contains(rng: Range, value: float) -> bool:
    """Whether one value is in the range (tests and the facts table use it)."""
    if not math.isfinite(value):
        return False
    if rng.lo is not None and (value < rng.lo or (value == rng.lo and not rng.lo_incl)):
        return False
    return not (rng.hi is not None and (value > rng.hi or (value == rng.hi and not rng.hi_incl)))


def column_of(unit: str) -> tuple[str, float]:
    """A unit or field as (column, factor to the column's unit): "MWh" → (capacity_gwh,
    0.001), "capacity" → (capacity_gwh, 1), "CNY/t" → (price_cny_t, 1), "元" → money_cny."""
    low = unit.strip().lower()
    if is_numeric_field(low):
        return parse_value(low, "*").column, 1.0
    for fam in ("capacity", "mass", "pct", "money", "price"):
        try:
            return _column_factor(fam, fam, unit, unit.strip())
        except QueryError:
            continue
    raise QueryError(f"Unknown unit “{unit}”: use GWh, MWh, t, %, USD, CNY, USD/kWh, CNY/t …, "
                     f"or a family: capacity, mass, pct, money, price.")
