"""Rows of a table → price series: the rules the CSV import and spreadsheets share.

A table is a date column followed by value columns, laid out as ``csv_import``
describes (long ``date,value`` or ``date,series,value``; wide, one column per
series); ``table_cells`` reads its numbers, dates and units. A sheet's table may
sit under titles and above notes, with its units in a row of their own:
``locate_table`` finds it. A series whose dates are all months gets frequency
"1mo" (quarters "3mo"), so its change and YTD figures use the right base.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..errors import PriceImportError
from ..model import PricePoint, SeriesSnapshot
from .series import series_id
from .table_cells import (
    SHEET_RULES,
    Cell,
    Origin,
    Row,
    Rules,
    cell,
    date_order,
    is_missing,
    looks_like_date,
    parse_date,
    parse_number,
    split_unit,
    text_of,
    unit_of,
)

DATE_HEADERS = {"date", "day", "as of", "asof", "period", "time", "timestamp", "month"}
SERIES_HEADERS = {"series", "ticker", "name", "label", "symbol"}
VALUE_HEADERS = {"value", "price", "close", "index", "level"}
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.]+")
_FOOTNOTE = re.compile(r"\s*\*+$")
_FREQUENCY = {"month": ("1mo", "monthly"), "quarter": ("3mo", "quarterly")}


@dataclass(frozen=True)
class Layout:
    columns: list[tuple[int, str, str | None]]  # wide: (column, label, unit)
    series_col: int | None = None  # long with a series column
    value_col: int = 1
    unit: str | None = None  # long: the value column's unit


@dataclass(frozen=True)
class _Series:
    label: str
    unit: str | None
    values: dict[dt.date, float] = field(default_factory=dict)
    kinds: set[str | None] = field(default_factory=set)  # "month", "quarter" or None


def build_series(
    origin: Origin,
    header: Row | None,
    rows: list[Row],
    *,
    stem_label: str,
    doc: str | None,
    rules: Rules,
    units: dict[int, str] | None = None,
) -> list[SeriesSnapshot]:
    """A snapshot per series of a table whose column 0 holds dates (``header`` None:
    no header row). ``units`` gives a column's unit stated apart from its label (a
    units row under the labels). Bad input raises ``PriceImportError``."""
    if not rows:
        raise PriceImportError(f"{origin.at(header.line if header else 1)}: no data rows")
    dayfirst = date_order(origin, rows)
    layout = _layout(origin, header, rows, stem_label, rules, units or {})
    series: dict[str, _Series] = {}
    ids: dict[str, str] = {}  # label → id: a slug per label, not one per cell

    def add(row: Row, label: str, unit: str | None, day: dt.date, kind: str | None,
            raw: Cell) -> None:  # fmt: skip
        value = parse_number(raw)
        if value is None:
            raise PriceImportError(f"{origin.at(row.line)}: not a number: {raw!r}")
        sid = ids.get(label)
        if sid is None:
            sid = ids[label] = series_id(label)
        if not sid:
            raise PriceImportError(f"{origin.at(row.line)}: series name {label!r} is empty")
        entry = series.get(sid)
        if entry is None:
            entry = series[sid] = _Series(label, unit)
        old = entry.values.get(day)
        if old is not None and old != value:
            raise PriceImportError(
                f"{origin.at(row.line)}: {label} has two values for {day.isoformat()}"
                f" ({old:g} and {value:g})"
            )
        entry.values[day] = value
        entry.kinds.add(kind)

    for row in rows:
        day, kind = parse_date(origin, row, cell(row, 0), dayfirst, rules)
        if layout.series_col is not None:
            label = text_of(cell(row, layout.series_col))
            raw = cell(row, layout.value_col)
            if is_missing(raw, rules):
                continue
            if not label:
                raise PriceImportError(f"{origin.at(row.line)}: series name is missing")
            add(row, label, layout.unit, day, kind, raw)
            continue
        for col, label, unit in layout.columns:
            raw = cell(row, col)
            if not is_missing(raw, rules):
                add(row, label, unit, day, kind, raw)
    if not series:
        raise PriceImportError(f"{origin.at(rows[-1].line)}: no values found")
    return [_snapshot(sid, s, doc) for sid, s in series.items()]


def _layout(
    origin: Origin,
    header: Row | None,
    rows: list[Row],
    stem_label: str,
    rules: Rules,
    units: dict[int, str],
) -> Layout:
    if header is None:
        width = max(len(r.cells) for r in rows)
        if width == 2:
            return Layout(columns=[(1, stem_label, units.get(1))])
        if width == 3 and any(
            parse_number(cell(r, 1)) is None and not is_missing(cell(r, 1), rules) for r in rows
        ):
            return Layout(columns=[], series_col=1, value_col=2, unit=units.get(2))
        raise PriceImportError(
            f"{origin.at(rows[0].line)}: no header row; add one such as 'date,value'"
        )
    names = [text_of(c) for c in header.cells]
    split = [split_unit(n) if rules.units else (n, None) for n in names]
    keys = [label.casefold() for label, _ in split]
    if keys[0] not in DATE_HEADERS and parse_number(keys[0]) is not None:
        raise PriceImportError(f"{origin.at(header.line)}: first column must hold dates")
    series_cols = [i for i, k in enumerate(keys) if i and k in SERIES_HEADERS]
    value_cols = [i for i, k in enumerate(keys) if i and k in VALUE_HEADERS]
    if series_cols and value_cols:
        v = value_cols[0]
        return Layout([], series_col=series_cols[0], value_col=v, unit=split[v][1] or units.get(v))
    if len(names) == 2 and value_cols:
        return Layout(columns=[(1, stem_label, split[1][1] or units.get(1))])
    # Two columns that differ only in their unit ("Nickel (USD/t)", "Nickel (CNY/t)")
    # keep the unit in their labels, so they stay two series.
    counts: dict[str, int] = {}
    for label, _ in split[1:]:
        counts[series_id(label)] = counts.get(series_id(label), 0) + 1
    columns: list[tuple[int, str, str | None]] = []
    seen: dict[str, str] = {}
    for i, name in enumerate(names[1:], start=1):
        label, unit = split[i]
        if counts.get(series_id(label), 0) > 1:
            label = name
        unit = unit or units.get(i)
        if not name:
            if any(not is_missing(cell(r, i), rules) for r in rows):
                raise PriceImportError(f"{origin.at(header.line)}: column {i + 1} has no name")
            continue
        sid = series_id(label)
        if sid in seen:
            raise PriceImportError(
                f"{origin.at(header.line)}: columns {seen[sid]!r} and {name!r} name one series"
            )
        seen[sid] = name
        columns.append((i, label, unit))
    if not columns:
        raise PriceImportError(f"{origin.at(header.line)}: no series columns")
    return Layout(columns=columns)


@dataclass(frozen=True)
class Table:
    """A price table found in a sheet, re-indexed so that column 0 holds the dates."""

    header: Row | None  # labels; None when the table has no header row
    rows: list[Row]
    units: dict[int, str]  # units stated in a row of their own, by column
    lines: frozenset[int]  # the sheet rows the table used (the others are text)


HEADER_ROWS = 8  # how many sheet rows above the first date may name the columns
START_ROWS = 200  # a price table starts within its sheet's first 200 filled rows
NOTE_ROWS = 200  # and ends at its last date followed by 200 rows without one


def locate_table(rows: list[Row], rules: Rules = SHEET_RULES) -> Table | None:
    """The price table of a sheet: the first row whose first filled cell is a date
    with a number to its right starts the data, which runs to the last row dated
    in that column (``START_ROWS``, ``NOTE_ROWS``); titles above and notes below
    stay text. The rows just above
    the data name the value columns: each column takes its nearest name, from rows
    of words before rows of codes (the World Bank's sheets stack names, units and
    codes such as "CRUDE_BRENT", and nest index names over several rows); a row of
    units alone gives the units. None when the sheet holds no such table."""
    # Bounded searches: a text sheet of 100,000 rows must not cost a date parse a row.
    start = next((i for i, r in enumerate(rows[:START_ROWS]) if _starts_data(r, rules)), None)
    if start is None:
        return None
    col = next(i for i, v in enumerate(rows[start].cells) if not is_missing(v, rules))
    end = start
    for i in range(start + 1, len(rows)):
        if looks_like_date(cell(rows[i], col), rules):
            end = i
        elif i - end > NOTE_ROWS:
            break
    data = rows[start : end + 1]
    width = max(len(r.cells) for r in data)
    numeric = [c for c in range(col + 1, width)
               if any(parse_number(cell(r, c)) is not None for r in data)]  # fmt: skip
    top = rows[start].line - HEADER_ROWS  # blank rows may part names from the data
    block = [r for r in reversed(rows[max(0, start - HEADER_ROWS) : start]) if r.line >= top]
    unit_rows = [r for r in block if _is_unit_row(r, numeric)]
    named = [r for r in block
             if r not in unit_rows and any(_is_label(cell(r, c)) for c in numeric)]  # fmt: skip
    if not named:
        keep = list(range(col, width))
        return Table(None, [_pick(r, keep) for r in data], {}, _lines(data))
    words = [r for r in named if not _is_code_row(r, numeric)]
    order = words + [r for r in named if r not in words]
    labels: dict[int, str] = {}
    used = set(_lines(data)) | {r.line for r in unit_rows}
    for c in range(col + 1, width):
        source = next((r for r in order if _is_label(cell(r, c))), None)
        labels[c] = _label(cell(source, c)) if source is not None else ""
        if source is not None and source in words:
            used.add(source.line)
    keep = [col] + [c for c in range(col + 1, width)
                    if c in numeric or labels[c].casefold() in SERIES_HEADERS]  # fmt: skip
    head = next((text_of(cell(r, col)) for r in named if text_of(cell(r, col))), "")
    header = Row(named[0].line, [head] + [labels[c] for c in keep[1:]])
    units = {i: u for i, c in enumerate(keep) for r in unit_rows
             if (u := unit_of(text_of(cell(r, c)))) is not None}  # fmt: skip
    return Table(header, [_pick(r, keep) for r in data], units, frozenset(used))


def _starts_data(row: Row, rules: Rules) -> bool:
    for i, value in enumerate(row.cells):
        if not is_missing(value, rules):
            return looks_like_date(value, rules) and any(
                parse_number(v) is not None for v in row.cells[i + 1 :]
            )
    return False


def _is_unit_row(row: Row, columns: list[int]) -> bool:
    texts = [text_of(cell(row, c)) for c in columns]
    filled = [t for t in texts if t]
    return bool(filled) and all(unit_of(t) is not None for t in filled)


def _is_label(value: Cell) -> bool:
    text = text_of(value)
    return bool(text) and unit_of(text) is None and parse_number(value) is None


def _is_code_row(row: Row, columns: list[int]) -> bool:
    # Mostly codes: the World Bank's code row also spells "Tin" and "Zinc".
    labels = [cell(row, c) for c in columns if _is_label(cell(row, c))]
    return 2 * sum(1 for v in labels if _is_code(v)) > len(labels)


def _is_code(value: Cell) -> bool:
    # "CRUDE_BRENT", "COCOA", "iOVERALL": identifiers, not names an analyst reads.
    text = text_of(value)
    return bool(_CODE.fullmatch(text)) and ("_" in text or text.upper() == text or
                                            text[:1].islower())  # fmt: skip


def _label(value: Cell) -> str:
    return _FOOTNOTE.sub("", text_of(value))  # "Coal, South African **"


def _pick(row: Row, columns: list[int]) -> Row:
    return Row(row.line, [cell(row, c) for c in columns])


def _lines(rows: list[Row]) -> frozenset[int]:
    return frozenset(r.line for r in rows)


def _snapshot(sid: str, entry: _Series, doc: str | None) -> SeriesSnapshot:
    days = sorted(entry.values)
    kind = next(iter(entry.kinds)) if len(entry.kinds) == 1 else None
    frequency, frequency_text = _FREQUENCY.get(kind or "", (None, None))
    return SeriesSnapshot(
        id=sid,
        label=entry.label,
        unit=entry.unit or SeriesSnapshot.unit,
        frequency=frequency,
        frequency_text=frequency_text,
        # The newest date stands in for a publication date, as it does in the
        # provider's payloads, so merging ranks an import by how current it is.
        published=days[-1],
        points=tuple(PricePoint(d, entry.values[d], doc) for d in days),
    )
