"""Cells of a price table: numbers, dates, periods and units, for CSV and sheets.

Numbers may carry thousands separators: when a text has both ``,`` and ``.`` the
later one is the decimal mark; a lone ``,`` is a thousands separator only when
every group after it has exactly three digits ("1,234" is 1234, "12,5" is 12.5).
Dates: ISO (``2026-05-27``) always; otherwise anything dateutil reads that has a
day, month and year; the day/month order of numeric dates is decided once per
table (``date_order``), and a table whose numeric dates never settle it is
rejected rather than guessed.

Spreadsheet cells (``SHEET_RULES``) are typed: a date cell is a date, a number cell
a number. Sheets also spell periods, which a CSV import rejects ("March 2025" has
no day): "2025M10" (World Bank, IMF), "2025-10", "10/2025", "Oct 2025", "Oct-25",
"2025年10月" are months and "2025Q3", "Q3 2025", "3Q2025" quarters. A period is
dated on its first day, as FRED, the World Bank and pandas' ``Period.start_time``
do. Sheets state units in headers: "Lithium carbonate (CNY/t)" is "Lithium
carbonate" in "CNY/t" (also "Nickel, USD/t", "碳酸锂（元/吨）"); CSV labels keep
their units, so series imported before keep their ids.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from dateutil import parser as dateparser

from ..errors import PriceImportError

# What a CSV field (always str) or a spreadsheet cell holds.
Cell = str | int | float | bool | dt.date | dt.time | dt.timedelta | None

MISSING = frozenset({"", "-", "–", "—", "n/a", "na", "nan", "null", "none"})
# Spreadsheets also mark gaps with ellipses (the World Bank's "…") and show a
# formula's error where a value could not be computed.
SHEET_MISSING = MISSING | {"…", "...", "..", "n.a.", "n.a", "#n/a", "#div/0!", "#value!",
                           "#ref!", "#name?", "#num!", "#null!", "#spill!", "#calc!"}  # fmt: skip


@dataclass(frozen=True)
class Rules:
    periods: bool = False  # month and quarter spellings, CJK dates
    units: bool = False  # split "Label (unit)" headers
    missing: frozenset[str] = MISSING


CSV_RULES = Rules()
SHEET_RULES = Rules(periods=True, units=True, missing=SHEET_MISSING)


@dataclass(frozen=True)
class Row:
    line: int  # 1-based line (CSV) or row number (sheet), for messages
    cells: Sequence[Cell]


@dataclass(frozen=True)
class Origin:
    """Where a table came from, for messages: ``prices.csv:3`` or a sheet's row."""

    name: str
    sheet: str | None = None

    def at(self, line: int) -> str:
        if self.sheet is None:
            return f"{self.name}:{line}"
        return f"{self.name}, sheet {self.sheet!r}, row {line}"


_ISO = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_NUMERIC_DATE = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?!\d)")
_CJK_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_HAS_DIGIT = re.compile(r"\d")  # a full date has a year: no digit, no dateutil call
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+")
_CURRENCY = "$€£¥"
_MONTH_NAMES = ("january february march april may june july august september october "
                "november december").split()  # fmt: skip
_MONTH_FORMS = tuple(re.compile(p, re.I) for p in (
    r"(?P<y>\d{4})\s*M(?P<m>\d{1,2})",  # 2025M10
    r"(?P<y>\d{4})[-/](?P<m>\d{1,2})",  # 2025-10
    r"(?P<m>\d{1,2})[-/](?P<y>\d{4})",  # 10/2025
    r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月",  # 2025年10月
    r"(?P<name>[a-z]{3,9})\.?(?:\s+|\s*[-/]\s*)(?P<y>\d{4})",  # Oct 2025, October-2025
    r"(?P<name>[a-z]{3,9})[-'’](?P<yy>\d{2})",  # Oct-25 (Excel's mmm-yy as text)
    r"(?P<y>\d{4})\s+(?P<name>[a-z]{3,9})",  # 2025 Oct
))  # fmt: skip
_QUARTER_FORMS = tuple(re.compile(p, re.I) for p in (
    r"(?P<y>\d{4})\s*-?\s*Q(?P<q>[1-4])", r"Q(?P<q>[1-4])\s*[-/]?\s*(?P<y>\d{4})",
    r"(?P<q>[1-4])Q\s*(?P<y>\d{4})",
))  # fmt: skip
# Units as sheets state them: a currency, optionally per a quantity; a share; an
# index base. A bare "a/b" is not enough ("NCM/NCA" is a chemistry, not a unit).
_CUR = r"(?:US\$|USD|US\s?cents?|USc|CNY|RMB|CNH|EUR|GBP|JPY|KRW|INR|AUD|CAD|CHF|BRL|CLP|IDR|\$|€|£|¥|¢|元|yuan|cents?)"  # noqa: E501
_UNIT = re.compile(
    rf"{_CUR}(?:(?:\s*/\s*|\s+per\s+)[^\W\d_][\w.\s-]{{0,15}})?|%|per\s?cent"
    r"|(?:index,?\s*)?\d{4}\s*=\s*100",
    re.I,
)
_UNIT_SUFFIX = tuple(re.compile(p) for p in (
    r"(?P<label>.*?\S)\s*[(\[（](?P<unit>[^()\[\]（）]+)[)\]）]",  # Lithium carbonate (CNY/t)
    r"(?P<label>.*?\S)\s*[,;]\s*(?P<unit>[^,;]+)",  # Nickel, USD/t
    r"(?P<label>.*?\S)\s+(?P<unit>\S+)",  # Nickel USD/t
))  # fmt: skip


def split_unit(name: str) -> tuple[str, str | None]:
    """("Lithium carbonate", "CNY/t") from "Lithium carbonate (CNY/t)"; (name, None)
    when the header states no unit."""
    text = name.strip()
    for form in _UNIT_SUFFIX:
        m = form.fullmatch(text)
        if m is not None and _UNIT.fullmatch(m["unit"].strip()):
            return m["label"].rstrip(" ,;-–"), m["unit"].strip()
    return text, None


def unit_of(text: str) -> str | None:
    """The unit a cell of a units row states ("($/bbl)" → "$/bbl"), or None."""
    inner = text.strip().strip("()[]（）").strip()
    return inner if inner and _UNIT.fullmatch(inner) else None


def cell(row: Row, col: int) -> Cell:
    return row.cells[col] if col < len(row.cells) else None


def text_of(value: Cell) -> str:
    """A cell as a label: text stripped, a date in ISO form, a whole number without ".0"."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value).upper()
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value).strip()


def is_missing(value: Cell, rules: Rules = CSV_RULES) -> bool:
    if value is None:
        return True
    return isinstance(value, str) and value.strip().casefold() in rules.missing


def parse_number(value: Cell) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
        return number if math.isfinite(number) else None
    if not isinstance(value, str):
        return None
    text = value.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    text = text.replace("'", "").lstrip(_CURRENCY)
    if not text:
        return None
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        body = text.lstrip("+-")
        text = text.replace(",", "") if _GROUPED.fullmatch(body) else text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def looks_like_date(value: Cell, rules: Rules = CSV_RULES) -> bool:
    if isinstance(value, dt.date):  # datetime too
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    if not text or parse_number(text) is not None:
        return False
    if rules.periods:
        try:
            if _period(text) is not None:
                return True
        except ValueError:  # "2025M13": dated, wrongly; parse_date says so
            return True
    return (
        _ISO.fullmatch(text) is not None
        or _NUMERIC_DATE.match(text) is not None
        or (_HAS_DIGIT.search(text) is not None and _dateutil(text, dayfirst=False) is not None)
    )


def date_order(origin: Origin, rows: list[Row]) -> bool | None:
    """True day-first, False month-first, None when no numeric date needs deciding
    (date cells of a sheet never do)."""
    day_first_line = month_first_line = undecided_line = None
    undecided = ""
    for row in rows:
        first = cell(row, 0)
        m = _NUMERIC_DATE.match(first.strip()) if isinstance(first, str) else None
        if m is None:
            continue
        a, b = int(m.group(1)), int(m.group(2))
        if a > 12 and day_first_line is None:
            day_first_line = row.line
        elif b > 12 and month_first_line is None:
            month_first_line = row.line
        elif a != b and undecided_line is None:
            undecided_line, undecided = row.line, str(first).strip()
    if day_first_line is not None and month_first_line is not None:
        raise PriceImportError(
            f"{origin.at(month_first_line)}: dates mix day/month order"
            f" (line {day_first_line} is day-first)"
        )
    if day_first_line is not None:
        return True
    if month_first_line is not None:
        return False
    if undecided_line is not None:
        raise PriceImportError(
            f"{origin.at(undecided_line)}: ambiguous date {undecided!r}"
            " (day/month order cannot be told); use YYYY-MM-DD"
        )
    return None


def parse_date(
    origin: Origin, row: Row, value: Cell, dayfirst: bool | None, rules: Rules
) -> tuple[dt.date, str | None]:
    """The date and, for a period spelling, its kind ("month", "quarter")."""
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    text = text_of(value)
    if not text:
        raise PriceImportError(f"{origin.at(row.line)}: date is missing")
    if not isinstance(value, str):
        raise PriceImportError(f"{origin.at(row.line)}: not a date: {text!r}")
    try:
        m = _ISO.fullmatch(text)
        if m is not None:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), None
        if rules.periods:
            found = _period(text)
            if found is not None:
                return found
    except ValueError as exc:
        raise PriceImportError(f"{origin.at(row.line)}: bad date {text!r}: {exc}") from exc
    day = _dateutil(text, dayfirst=bool(dayfirst))
    if day is None:
        raise PriceImportError(f"{origin.at(row.line)}: not a full date: {text!r}")
    return day, None


def _period(text: str) -> tuple[dt.date, str | None] | None:
    """A month or quarter spelling (dated on its first day), or a CJK full date.
    Raises ValueError for an impossible month ("2025M13")."""
    m = _CJK_DATE.fullmatch(text)
    if m is not None:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), None
    for form in _MONTH_FORMS:
        m = form.fullmatch(text)
        if m is None:
            continue
        groups = m.groupdict()
        if groups.get("name") is not None:
            month = _month_number(groups["name"])
            if month is None:
                continue
        else:
            month = int(groups["m"])
        year = int(groups["y"]) if groups.get("y") else 2000 + int(groups["yy"])
        return dt.date(year, month, 1), "month"
    for form in _QUARTER_FORMS:
        m = form.fullmatch(text)
        if m is not None:
            return dt.date(int(m["y"]), 3 * int(m["q"]) - 2, 1), "quarter"
    return None


def _month_number(name: str) -> int | None:
    word = name.casefold()
    for number, full in enumerate(_MONTH_NAMES, start=1):
        if full.startswith(word) and (len(word) >= 3):
            return number
    return None


@lru_cache(maxsize=8192)  # a long table repeats its dates once per series
def _dateutil(text: str, *, dayfirst: bool) -> dt.date | None:
    # Parsing against two different defaults exposes any field the text left out
    # ("March 2025" has no day), which dateutil would otherwise fill in silently.
    results = []
    for default in (dt.datetime(2000, 1, 1), dt.datetime(2001, 2, 2)):
        try:
            results.append(dateparser.parse(text, dayfirst=dayfirst, default=default).date())
        except (ValueError, OverflowError):
            return None
    return results[0] if results[0] == results[1] else None
