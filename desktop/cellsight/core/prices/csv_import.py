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

The layout, number and date rules are shared with spreadsheets: ``table_import``
and ``table_cells`` hold them; this module reads the CSV's rows.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from ..atomic_file import atomic_write
from ..errors import PriceImportError
from ..model import SeriesSnapshot
from .series import IMPORT_PREFIX, PriceSeries
from .stats import rebase
from .table_cells import CSV_RULES, Origin, Row, looks_like_date
from .table_import import build_series


def import_csv(path: Path) -> list[SeriesSnapshot]:
    """Read one CSV into a snapshot per series; bad input raises ``PriceImportError``."""
    path = Path(path)
    rows = _read_rows(path)
    if not rows:
        raise PriceImportError(f"{path.name}:1: no data")
    header = None if looks_like_date(rows[0].cells[0]) else rows.pop(0)
    return build_series(
        Origin(path.name), header, rows, stem_label=path.stem.replace("_", " ").strip(),
        doc=IMPORT_PREFIX + path.name, rules=CSV_RULES,
    )  # fmt: skip


def export_csv(
    series: Iterable[PriceSeries], path: Path, *, rebased_at: dt.date | None = None
) -> None:
    """Write wide format (a row per date, a column per series) that ``import_csv`` reads.

    UTF-8 with a byte-order mark, so spreadsheet programs show labels correctly.
    The file is replaced atomically so a failed export never leaves half a file.
    With ``rebased_at`` the values are those of a rebased chart (``rebase``: 100 at
    each series' last point on or before that date) and each header says where its
    100 is, "Lithium (100 = 2026-01-07)", so the file is never mistaken for prices.
    """
    path = Path(path)
    items = list(series)
    ids = [s.id for s in items]
    if len(set(ids)) != len(ids):
        raise ValueError("each series may be exported only once")
    labels = [s.label for s in items]
    columns = [{p.date: p.value for p in s.points} for s in items]
    if rebased_at is not None:
        columns = [dict(rebase(s.points, rebased_at)) for s in items]
        labels = [f"{s.label} (100 = {min(c).isoformat()})" if c else s.label
                  for s, c in zip(items, columns, strict=True)]  # fmt: skip
    dates = sorted({day for c in columns for day in c})
    with atomic_write(path, encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["date", *labels])
        for day in dates:
            writer.writerow(
                [day.isoformat(), *(repr(c[day]) if day in c else "" for c in columns)]
            )


def _read_rows(path: Path) -> list[Row]:
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
    rows: list[Row] = []
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        for cells in reader:
            if not cells or all(not c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
                continue
            rows.append(Row(reader.line_num, cells))
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
