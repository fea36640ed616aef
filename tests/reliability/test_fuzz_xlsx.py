"""Fuzzing the Excel reader and the table rules: only typed errors escape, nothing
hangs, balloons, expands an entity or reaches the network.

Workbooks are the real ones in tests/data/xlsx with one XML part damaged (random
bytes, entity bombs, huge coordinates and dimensions, out-of-range string indexes,
deep nesting), a part dropped or bytes flipped; others are written by openpyxl
from random grids of dates, periods, numbers and labels. All are read through
``registry.parse_bytes``, as the indexer does, and through ``import_xlsx``.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import socket
import zipfile
from pathlib import Path

import openpyxl
import pytest
from harness import fuzz, limits
from hypothesis import given
from hypothesis import strategies as st

from cellsight.core.errors import IngestError, PriceImportError
from cellsight.core.ingest.registry import parse_bytes
from cellsight.core.ingest.xlsx_reader import import_xlsx
from cellsight.core.model import ParsedDocument, SeriesSnapshot
from cellsight.core.prices.table_cells import SHEET_RULES, Origin, Row
from cellsight.core.prices.table_import import build_series, locate_table

XLSX = Path(__file__).resolve().parents[1] / "data" / "xlsx"
BOOKS = {
    name: (XLSX / name).read_bytes()
    for name in ("pink_sheet_2024.xlsx", "pink_sheet_uncalculated.xlsx", "calamine_date.xlsx",
                 "calamine_errors.xlsx", "calamine_any_sheets.xlsx", "openpyxl_chartsheets.xlsx",
                 "openpyxl_vba_comments.xlsm", "calamine_minimal_package.xlsx")
}  # fmt: skip
MAX_MB = 300


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("a reader tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def check_series(series: tuple[SeriesSnapshot, ...] | list[SeriesSnapshot]) -> None:
    assert len({s.id for s in series}) == len(series)
    for snap in series:
        assert snap.id and snap.points
        dates = [p.date for p in snap.points]
        assert dates == sorted(set(dates))
        assert all(math.isfinite(p.value) for p in snap.points)


def check_docs(docs: list[ParsedDocument]) -> None:
    (doc,) = docs
    assert doc.kind == "xlsx" and doc.title.strip() and doc.text.strip()
    assert "\x00" not in doc.title + doc.text and "SECRET-MARKER" not in doc.text
    check_series(doc.series)


def read_cleanly(name: str, data: bytes, tmp: Path) -> None:
    with limits(seconds=30, max_mb=MAX_MB):
        try:
            docs = parse_bytes(Path(name), data)
        except IngestError as exc:
            assert exc.reason.strip()
        else:
            check_docs(docs)
    path = tmp / name
    path.write_bytes(data)
    with limits(seconds=30, max_mb=MAX_MB):  # an import reads ten times as many cells
        try:
            check_series(import_xlsx(path))
        except PriceImportError as exc:
            assert str(exc).startswith(name)


# -- damaged real workbooks ---------------------------------------------------------------
def _rezip(original: bytes, change: dict[str, bytes | None]) -> bytes:
    """``original`` with the members in ``change`` replaced (None: dropped)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = change.get(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _xml_members(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return sorted(n for n in zf.namelist() if n.endswith((".xml", ".rels")))


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_XML_DAMAGE = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
    st.sampled_from([
        b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "SECRET-MARKER">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b"<worksheet " + _NS.encode() + b'><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
        b"<t>&c;</t></is></c></row></sheetData></worksheet>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        b"<worksheet " + _NS.encode() + b'><dimension ref="A1:XFD1048576"/><sheetData>'
        b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>',
        b"<worksheet " + _NS.encode() + b'><sheetData><row r="1"><c r="A1" t="s"><v>99999</v>'
        b'</c><c r="B1" t="s"><v>-1</v></c><c r="C1" s="9999"><v>45000</v></c>'
        b'<c r="D1" t="d"><v>not a date</v></c><c r="E1"><v>1e999</v></c></row></sheetData>'
        b"</worksheet>",
        b"<worksheet " + _NS.encode() + b'><sheetData><row r="0"><c r="ZZZZ0"><v>1</v></c>'
        b'</row><row r="-5"/><row r="abc"><c><v>2</v></c></row></sheetData></worksheet>',
        b"<a>" * 5000,
        b"",
    ]),
)  # fmt: skip


@st.composite
def damaged_books(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(BOOKS)))
    data = BOOKS[name]
    how = draw(st.sampled_from(["member", "drop", "flip", "truncate"]))
    if how in ("member", "drop"):
        member = draw(st.sampled_from(_xml_members(data)))
        return name, _rezip(data, {member: draw(_XML_DAMAGE) if how == "member" else None})
    if how == "truncate":
        return name, data[: draw(st.integers(0, len(data)))]
    raw = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
    return name, bytes(raw)


@fuzz
@given(book=damaged_books())
def test_fuzz_damaged_workbooks(tmp_path_factory: pytest.TempPathFactory,
                                book: tuple[str, bytes]) -> None:  # fmt: skip
    name, data = book
    read_cleanly(name, data, tmp_path_factory.mktemp("xlsx"))


# -- random grids written by openpyxl ----------------------------------------------------------
_LABELS = ("Date", "Month", "Series", "Value", "Price", "Lithium carbonate (CNY/t)",
           "Nickel, USD/t", "碳酸锂（元/吨）", "Cobalt [US$/lb]", "($/mt)", "CRUDE_BRENT", "Tin",
           "Nickel", "nickel", "", " ", "**", "n/a", "…", "#N/A", "=1+1", "2010=100")  # fmt: skip
_PERIODS = ("2025M10", "2025M13", "2025-10", "10/2025", "Oct 2025", "Oct-25", "2025年10月",
            "2025Q3", "Q5 2025", "3Q2025", "2025年10月15日", "2025-02-30", "31/12/2025",
            "12/31/2025", "03/04/2025", "yesterday", "2025")  # fmt: skip
_CELL = st.one_of(
    st.none(),
    st.sampled_from(_LABELS + _PERIODS),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.integers(-(10**12), 10**12),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.text(max_size=20),
)
_GRID = st.lists(st.lists(_CELL, max_size=6), max_size=25)


def _clean(value: object) -> object:
    if isinstance(value, str):  # characters XML 1.0 cannot hold are not in any workbook
        return "".join(c for c in value if c >= " " and not 0xD800 <= ord(c) <= 0xDFFF)
    return value


@fuzz
@given(sheets=st.lists(_GRID, min_size=1, max_size=3))
def test_fuzz_random_grids(tmp_path_factory: pytest.TempPathFactory,
                           sheets: list[list[list[object]]]) -> None:  # fmt: skip
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for i, grid in enumerate(sheets):
        ws = wb.create_sheet(f"Sheet {i}")
        for row in grid:
            ws.append([_clean(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    read_cleanly("grid.xlsx", out.getvalue(), tmp_path_factory.mktemp("grid"))


@fuzz
@given(grid=_GRID)
def test_fuzz_table_rules(grid: list[list[object]]) -> None:
    rows = [Row(i, row) for i, row in enumerate(grid, start=1) if any(v is not None for v in row)]
    with limits(seconds=10):
        table = locate_table(rows)
        if table is None:
            return
        try:
            snaps = build_series(
                Origin("t.xlsx", "S"), table.header, table.rows,
                stem_label="t", doc=None, rules=SHEET_RULES, units=table.units,
            )  # fmt: skip
        except PriceImportError as exc:
            assert str(exc).startswith("t.xlsx, sheet 'S', row ")
            return
    check_series(snaps)
