"""Price series from CSV files an analyst keeps beside the library, and back out.

Accepted layouts (the first non-blank, non-``#`` row is a header unless its first
cell is a date):

* long, one series: ``date,value`` — the series is named after the file;
* long, many series: ``date,series,value`` (``series`` may also be ``ticker``,
  ``name`` or ``label``; ``value`` may be ``price``, ``close`` or ``index``);
* wide: ``date,<series 1>,<series 2>,…`` — one column per series.

Delimiters ``,`` ``;`` and tab are recognised. Blank cells (and "-", "n/a") are
skipped. Numbers may carry thousands separators: when a cell has both ``,`` and
``.`` the later one is the decimal mark; a lone ``,`` is a thousands separator
only when every group after it has exactly three digits ("1,234" is 1234,
"12,5" is 12.5).

Dates: ISO (``2026-05-27``) always; otherwise anything dateutil reads that has a
day, month and year. For numeric dates like ``03/04/2025`` the order is decided
once per file: a first field above 12 anywhere means day-first, a second field
above 12 means month-first. A file whose numeric dates never settle it is
rejected rather than guessed, because a silently transposed month would corrupt
every figure computed from it.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dateutil import parser as dateparser

from ..errors import PriceImportError
from ..model import PricePoint, SeriesSnapshot
from .series import IMPORT_PREFIX, PriceSeries, series_id

_DATE_HEADERS = {"date", "day", "as of", "asof", "period", "time", "timestamp"}
_SERIES_HEADERS = {"series", "ticker", "name", "label", "symbol"}
_VALUE_HEADERS = {"value", "price", "close", "index", "level"}
_MISSING = {"", "-", "–", "—", "n/a", "na", "nan", "null", "none"}
# ISO dates are read directly: dateutil with dayfirst=True would swap their month
# and day. An optional time of day is allowed and ignored.
_ISO = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_NUMERIC_DATE = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?!\d)")
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+")
_CURRENCY = "$€£¥"


@dataclass(frozen=True)
class _Row:
    line: int
    cells: list[str]


def import_csv(path: Path) -> list[SeriesSnapshot]:
    """Read one CSV into a snapshot per series; bad input raises ``PriceImportError``."""
    path = Path(path)
    rows = _read_rows(path)
    if not rows:
        raise PriceImportError(f"{path.name}:1: no data")
    header = None if _looks_like_date(rows[0].cells[0]) else rows.pop(0)
    if not rows:
        raise PriceImportError(f"{path.name}:{header.line if header else 1}: no data rows")
    dayfirst = _date_order(path, rows)
    doc = IMPORT_PREFIX + path.name
    series: dict[str, tuple[str, dict[dt.date, float]]] = {}

    def add(row: _Row, label: str, day: dt.date, raw: str) -> None:
        value = _parse_number(raw)
        if value is None:
            raise PriceImportError(f"{path.name}:{row.line}: not a number: {raw!r}")
        sid = series_id(label)
        if not sid:
            raise PriceImportError(f"{path.name}:{row.line}: series name {label!r} is empty")
        _, values = series.setdefault(sid, (label, {}))
        old = values.get(day)
        if old is not None and old != value:
            raise PriceImportError(
                f"{path.name}:{row.line}: {label} has two values for {day.isoformat()}"
                f" ({old:g} and {value:g})"
            )
        values[day] = value

    layout = _layout(path, header, rows)
    for row in rows:
        day = _parse_date(path, row, row.cells[0], dayfirst)
        if layout.series_col is not None:
            label = _cell(row, layout.series_col).strip()
            raw = _cell(row, layout.value_col)
            if _is_missing(raw):
                continue
            if not label:
                raise PriceImportError(f"{path.name}:{row.line}: series name is missing")
            add(row, label, day, raw)
            continue
        for col, label in layout.columns:
            raw = _cell(row, col)
            if not _is_missing(raw):
                add(row, label, day, raw)
    if not series:
        raise PriceImportError(f"{path.name}:{rows[-1].line}: no values found")
    return [_snapshot(sid, label, values, doc) for sid, (label, values) in series.items()]


def export_csv(series: Iterable[PriceSeries], path: Path) -> None:
    """Write wide format (a row per date, a column per series) that ``import_csv`` reads.

    UTF-8 with a byte-order mark, so spreadsheet programs show labels correctly.
    The file is replaced atomically so a failed export never leaves half a file.
    """
    path = Path(path)
    items = list(series)
    ids = [s.id for s in items]
    if len(set(ids)) != len(ids):
        raise ValueError("each series may be exported only once")
    dates = sorted({p.date for s in items for p in s.points})
    columns = [{p.date: p.value for p in s.points} for s in items]
    fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".csv", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["date", *(s.label for s in items)])
            for day in dates:
                writer.writerow(
                    [day.isoformat(), *(repr(c[day]) if day in c else "" for c in columns)]
                )
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class _Layout:
    columns: list[tuple[int, str]]  # wide: (column, label)
    series_col: int | None = None  # long with a series column
    value_col: int = 1


def _layout(path: Path, header: _Row | None, rows: list[_Row]) -> _Layout:
    stem_label = path.stem.replace("_", " ").strip()
    if header is None:
        width = max(len(r.cells) for r in rows)
        if width == 2:
            return _Layout(columns=[(1, stem_label)])
        if width == 3 and any(
            _parse_number(_cell(r, 1)) is None and not _is_missing(_cell(r, 1)) for r in rows
        ):
            return _Layout(columns=[], series_col=1, value_col=2)
        raise PriceImportError(
            f"{path.name}:{rows[0].line}: no header row; add one such as 'date,value'"
        )
    names = [c.strip() for c in header.cells]
    keys = [n.casefold() for n in names]
    if keys[0] not in _DATE_HEADERS and _looks_like_number(keys[0]):
        raise PriceImportError(f"{path.name}:{header.line}: first column must hold dates")
    series_cols = [i for i, k in enumerate(keys) if i and k in _SERIES_HEADERS]
    value_cols = [i for i, k in enumerate(keys) if i and k in _VALUE_HEADERS]
    if series_cols and value_cols:
        return _Layout(columns=[], series_col=series_cols[0], value_col=value_cols[0])
    if len(names) == 2 and value_cols:
        return _Layout(columns=[(1, stem_label)])
    columns: list[tuple[int, str]] = []
    seen: dict[str, str] = {}
    for i, name in enumerate(names[1:], start=1):
        if not name:
            if any(not _is_missing(_cell(r, i)) for r in rows):
                raise PriceImportError(f"{path.name}:{header.line}: column {i + 1} has no name")
            continue
        sid = series_id(name)
        if sid in seen:
            raise PriceImportError(
                f"{path.name}:{header.line}: columns {seen[sid]!r} and {name!r} name one series"
            )
        seen[sid] = name
        columns.append((i, name))
    if not columns:
        raise PriceImportError(f"{path.name}:{header.line}: no series columns")
    return _Layout(columns=columns)


def _read_rows(path: Path) -> list[_Row]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PriceImportError(f"{path.name}:0: cannot read: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise PriceImportError(
                f"{path.name}:0: not UTF-8 or Windows-1252 text ({exc.reason})"
            ) from exc
    lines = text.splitlines()
    delimiter = _delimiter(lines)
    rows: list[_Row] = []
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        for cells in reader:
            if not cells or all(not c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
                continue
            rows.append(_Row(reader.line_num, cells))
    except csv.Error as exc:
        raise PriceImportError(f"{path.name}:{reader.line_num}: {exc}") from exc
    return rows


def _delimiter(lines: list[str]) -> str:
    # The header (first real line) decides: a ';' file may still hold '1,5' numbers.
    for line in lines:
        if line.strip() and not line.lstrip().startswith("#"):
            counts = {d: line.count(d) for d in ("\t", ";", ",")}
            best = max(counts, key=lambda d: counts[d])
            return best if counts[best] else ","
    return ","


def _cell(row: _Row, col: int) -> str:
    return row.cells[col] if col < len(row.cells) else ""


def _is_missing(raw: str) -> bool:
    return raw.strip().casefold() in _MISSING


def _looks_like_number(raw: str) -> bool:
    return _parse_number(raw) is not None


def _parse_number(raw: str) -> float | None:
    text = raw.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
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
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _looks_like_date(raw: str) -> bool:
    text = raw.strip()
    if not text or _parse_number(text) is not None:
        return False
    return (
        _ISO.fullmatch(text) is not None
        or _NUMERIC_DATE.match(text) is not None
        or (_dateutil(text, dayfirst=False) is not None)
    )


def _date_order(path: Path, rows: list[_Row]) -> bool | None:
    """True day-first, False month-first, None when no numeric date needs deciding."""
    day_first_line = month_first_line = None
    undecided_line = None
    for row in rows:
        m = _NUMERIC_DATE.match(row.cells[0].strip())
        if m is None:
            continue
        a, b = int(m.group(1)), int(m.group(2))
        if a > 12 and day_first_line is None:
            day_first_line = row.line
        elif b > 12 and month_first_line is None:
            month_first_line = row.line
        elif a != b and undecided_line is None:
            undecided_line = row.line
    if day_first_line is not None and month_first_line is not None:
        raise PriceImportError(
            f"{path.name}:{month_first_line}: dates mix day/month order"
            f" (line {day_first_line} is day-first)"
        )
    if day_first_line is not None:
        return True
    if month_first_line is not None:
        return False
    if undecided_line is not None:
        raise PriceImportError(
            f"{path.name}:{undecided_line}: ambiguous date {_first_cell(rows, undecided_line)!r}"
            " (day/month order cannot be told); use YYYY-MM-DD"
        )
    return None


def _first_cell(rows: list[_Row], line: int) -> str:
    return next(r.cells[0].strip() for r in rows if r.line == line)


def _parse_date(path: Path, row: _Row, raw: str, dayfirst: bool | None) -> dt.date:
    text = raw.strip()
    if not text:
        raise PriceImportError(f"{path.name}:{row.line}: date is missing")
    m = _ISO.fullmatch(text)
    try:
        if m is not None:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise PriceImportError(f"{path.name}:{row.line}: bad date {text!r}: {exc}") from exc
    day = _dateutil(text, dayfirst=bool(dayfirst))
    if day is None:
        raise PriceImportError(f"{path.name}:{row.line}: not a full date: {text!r}")
    return day


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


def _snapshot(sid: str, label: str, values: dict[dt.date, float], doc: str) -> SeriesSnapshot:
    days = sorted(values)
    return SeriesSnapshot(
        id=sid,
        label=label,
        # The newest date stands in for a publication date, as it does in the
        # provider's payloads, so merging ranks an import by how current it is.
        published=days[-1],
        points=tuple(PricePoint(d, values[d], doc) for d in days),
    )
