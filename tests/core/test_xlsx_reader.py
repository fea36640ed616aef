"""Excel workbooks through the registry: price tables become series like the CSV
import's, other sheets text; formulas as saved values, macros and links inert, limits.

The files in tests/data/xlsx are real (calamine's and openpyxl's test workbooks, the
World Bank's Pink Sheet cut down with openpyxl; see SOURCES.md). Workbooks written in
a test are the hostile or layout-parity cases no public file holds.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
import socket
import subprocess
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest

from cellsight.core.errors import IngestError, PriceImportError
from cellsight.core.ingest import xlsx_parts, xlsx_reader
from cellsight.core.ingest.registry import choose_reader, read_path
from cellsight.core.ingest.xlsx_reader import XlsxReader, import_xlsx
from cellsight.core.library import Library
from cellsight.core.model import ParsedDocument, SearchRequest, SeriesSnapshot
from cellsight.core.prices.csv_import import import_csv
from cellsight.core.prices.table_cells import (
    CSV_RULES,
    SHEET_RULES,
    Origin,
    Row,
    parse_date,
    split_unit,
)

DATA = Path(__file__).resolve().parents[1] / "data"
XLSX = DATA / "xlsx"
PINK = XLSX / "pink_sheet_2024.xlsx"
D = dt.date


def _doc(name: str) -> ParsedDocument:
    (doc,) = read_path(XLSX / name)
    assert doc.kind == "xlsx"
    return doc


def _series(doc: ParsedDocument) -> dict[str, SeriesSnapshot]:
    return {s.id: s for s in doc.series}


def _save(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def _book(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    return _save(wb, path)


# -- sniffing ---------------------------------------------------------------------------
def test_a_workbook_is_recognised_by_content_not_by_name(tmp_path: Path) -> None:
    renamed = tmp_path / "prices.bin"
    renamed.write_bytes(PINK.read_bytes())
    (doc,) = read_path(renamed)
    assert doc.kind == "xlsx" and len(doc.series) == 24
    # A package whose first member is its sheet (no xl/ folder) is still read.
    assert "ARREST BOOKINGS" in _doc("calamine_minimal_package.xlsx").text


def test_an_xlsx_that_is_not_a_workbook_is_not_claimed(tmp_path: Path) -> None:
    reader = XlsxReader()
    html = b"<html><head><title>Lithium prices</title></head><body><p>Lithium</p></body></html>"
    word = (Path(docx.__file__).parent / "templates" / "default.docx").read_bytes()
    inner_zip = (XLSX / "openpyxl_null_archive.xlsx").read_bytes()  # a ZIP of another file
    for data in (html, word, inner_zip, b"date,value\n2025-01-01,1\n"):
        assert reader.sniff(Path("book.xlsx"), data[:4096]) == 0
    page = tmp_path / "export.xlsx"
    page.write_bytes(html)
    chosen = choose_reader(page, html)
    assert chosen is None or chosen.name != "xlsx"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("calamine_pass_protected.xlsx", "password-protected Excel file"),
        ("calamine_strict_iso_paths.xlsx", "Strict Open XML workbook"),
        ("calamine_bad_crc.xlsx", "damaged ZIP member"),
        ("calamine_missing_shared_strings.xlsx", "damaged workbook"),
        ("calamine_backslash_names.xlsx", "names parts with “\\”"),
        ("calamine_empty_sheet.xlsx", "empty workbook"),
    ],
)
def test_unreadable_workbooks_give_a_clear_reason(name: str, reason: str) -> None:
    with pytest.raises(IngestError) as info:
        read_path(XLSX / name)
    assert reason in info.value.reason
    assert info.value.path.endswith(name)


def test_old_binary_xls_is_named(tmp_path: Path) -> None:
    old = tmp_path / "prices.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(IngestError, match=r"old binary Excel format \(.xls\): save it as .xlsx"):
        read_path(old)


# -- price series -------------------------------------------------------------------------
def test_pink_sheet_prices_become_monthly_series_with_units() -> None:
    doc = _doc("pink_sheet_2024.xlsx")
    by_id = _series(doc)
    assert len(by_id) == 24  # 15 prices and 9 indices: every sheet's series
    nickel = by_id["nickel"]
    assert (nickel.label, nickel.unit, nickel.frequency) == ("Nickel", "$/mt", "1mo")
    assert len(nickel.points) == 119 and nickel.published == D(2024, 11, 1)
    assert (nickel.points[0].date, nickel.points[-1].value) == (D(2015, 1, 1), 15723.06)
    assert by_id["copper"].points[-11].value == 8338.88  # 2024M01
    assert by_id["gold"].unit == "$/troy oz" and by_id["iron-ore-cfr-spot"].unit == "$/dmtu"
    # "…" marks the months after Barley was discontinued: skipped, not an error.
    assert by_id["barley"].points[-1].date == D(2020, 8, 1)
    # Index names stacked over four header rows; the code row ("iBASEMET") is not a label.
    assert by_id["base-metals-ex-iron-ore"].label == "Base Metals (ex. iron ore)"
    assert by_id["non-energy"].label == "Non-energy"  # footnote stars dropped
    assert by_id["natural-gas-index"].unit == "2010=100"


def test_pink_sheet_text_summarises_sheets_series_and_dates() -> None:
    doc = _doc("pink_sheet_2024.xlsx")
    paragraphs = doc.text.split("\n\n")
    assert paragraphs[0] == "Workbook of 3 sheets: Monthly Prices, Monthly Indices, Description"
    prices = paragraphs[1].splitlines()
    assert prices[:2] == ["Monthly Prices", "Price series: 15, monthly, 2015-01-01 to 2024-11-01"]
    assert (
        "Nickel ($/mt): 119 values, 2015-01-01 to 2024-11-01, latest 15,723.1 on 2024-11-01"
        in prices
    )
    assert "World Bank Commodity Price Data (The Pink Sheet)" in prices  # the title rows
    assert any(line.startswith("CRUDE_BRENT | COAL_AUS") for line in prices)  # codes stay text
    assert not any(line.startswith("2015M01") for line in prices)  # data rows are series
    description = paragraphs[3]
    assert description.startswith("Description\n") and "Copper (LME), grade A" in description
    # Title: no stated title, so the file name; date: the last save the file states (this
    # copy was cut down and saved again, so not the World Bank's; created 2005-08-04).
    core = zipfile.ZipFile(PINK).read("docProps/core.xml").decode()
    modified = re.search(r"<dcterms:modified[^>]*>(\d{4})-(\d\d)-(\d\d)", core)
    assert modified and "2005-08-04" in core
    assert (doc.title, doc.author) == ("pink sheet 2024", "Betty P. Dow")
    assert doc.date == D(*map(int, modified.groups()))


def test_excel_date_cells_and_the_1904_calendar() -> None:
    for name in ("calamine_date.xlsx", "calamine_date_1904.xlsx"):
        doc = _doc(name)
        (snap,) = doc.series
        assert [(p.date, p.value) for p in snap.points] == [
            (D(2021, 1, 1), 15),
            (D(2021, 1, 2), 16),
        ]
        assert snap.label == doc.title  # "Sheet1" is a default name: the file names it
        assert "10 days, 15:10:10 | 17" in doc.text  # a duration below the dates stays text


def test_default_titles_are_replaced_by_the_file_name() -> None:
    doc = _doc("openpyxl_charts.xlsx")  # stated title "Untitled", written by openpyxl
    assert doc.title == "openpyxl charts"
    (dates,) = doc.series
    assert dates.label == "Dates" and dates.points[0].date == D(2013, 1, 1)


@pytest.mark.parametrize("csv_name", ["wide_dayfirst.csv", "long_multi.csv", "lithium.csv"])
def test_a_sheet_gives_the_series_the_csv_import_gives(tmp_path: Path, csv_name: str) -> None:
    import csv

    source = DATA / "prices" / csv_name
    text = source.read_text(encoding="utf-8-sig")
    delimiter = ";" if ";" in text.splitlines()[0] else ","
    rows = [r for r in csv.reader(text.splitlines(), delimiter=delimiter) if r]
    rows = [r for r in rows if not r[0].startswith("#")]
    book = _book(tmp_path / f"{source.stem}.xlsx", {"Sheet1": rows})
    from_csv = {s.id: (s.label, [(p.date, p.value) for p in s.points]) for s in import_csv(source)}
    (doc,) = read_path(book)
    from_sheet = {s.id: (s.label, [(p.date, p.value) for p in s.points]) for s in doc.series}
    assert from_sheet == from_csv


def test_period_spellings_are_dated_on_their_first_day() -> None:
    origin, row = Origin("book.xlsx", "Prices"), Row(9, [])
    expected = {
        "2025M10": (D(2025, 10, 1), "month"), "2025-10": (D(2025, 10, 1), "month"),
        "10/2025": (D(2025, 10, 1), "month"), "Oct 2025": (D(2025, 10, 1), "month"),
        "October-2025": (D(2025, 10, 1), "month"), "Oct-25": (D(2025, 10, 1), "month"),
        "2025年10月": (D(2025, 10, 1), "month"), "2025Q3": (D(2025, 7, 1), "quarter"),
        "Q3 2025": (D(2025, 7, 1), "quarter"), "3Q2025": (D(2025, 7, 1), "quarter"),
        "2025年10月15日": (D(2025, 10, 15), None), "2025-10-15": (D(2025, 10, 15), None),
        dt.datetime(2025, 10, 15, 0, 0): (D(2025, 10, 15), None),
    }  # fmt: skip
    for text, want in expected.items():
        assert parse_date(origin, row, text, None, SHEET_RULES) == want, text
    with pytest.raises(PriceImportError, match=r"sheet 'Prices', row 9: bad date '2025M13'"):
        parse_date(origin, row, "2025M13", None, SHEET_RULES)
    with pytest.raises(PriceImportError, match="not a full date"):  # the CSV import's rule
        parse_date(Origin("p.csv"), row, "Oct 2025", None, CSV_RULES)


def test_quarters_get_a_quarterly_frequency(tmp_path: Path) -> None:
    rows = [["Quarter", "Cobalt (USD/lb)"], ["2024Q3", 11.5], ["2024Q4", 10.9], ["2025Q1", 10.2]]
    (doc,) = read_path(_book(tmp_path / "cobalt.xlsx", {"Cobalt": rows}))
    (cobalt,) = doc.series
    assert (cobalt.label, cobalt.unit, cobalt.frequency) == ("Cobalt", "USD/lb", "3mo")
    assert [p.date for p in cobalt.points] == [D(2024, 7, 1), D(2024, 10, 1), D(2025, 1, 1)]


@pytest.mark.parametrize(
    ("header", "label", "unit"),
    [
        ("Lithium carbonate (CNY/t)", "Lithium carbonate", "CNY/t"),
        ("Nickel, USD/t", "Nickel", "USD/t"),
        ("碳酸锂（元/吨）", "碳酸锂", "元/吨"),
        ("Cobalt [US$/lb]", "Cobalt", "US$/lb"),
        ("Spodumene USD/t", "Spodumene", "USD/t"),
        ("Plywood (cents/sheet)", "Plywood", "cents/sheet"),
        ("Cathode (NCM/NCA)", "Cathode (NCM/NCA)", None),  # a chemistry, not a unit
        ("Rice, Thai 5%", "Rice, Thai 5%", None),
        ("Crude oil, Brent", "Crude oil, Brent", None),
    ],
)
def test_units_stated_in_headers(header: str, label: str, unit: str | None) -> None:
    assert split_unit(header) == (label, unit)


def test_same_label_in_two_units_or_two_sheets_stays_apart(tmp_path: Path) -> None:
    monthly = [["Month", "Nickel (USD/t)", "Nickel (CNY/t)"], ["2025M01", 15200, 111000],
               ["2025M02", 15300, 112000]]  # fmt: skip
    annual = [["Date", "Nickel (USD/t)"], [dt.datetime(2024, 1, 1), 16800],
              [dt.datetime(2025, 1, 1), 15300]]  # fmt: skip
    weekly = [["Date", "Nickel (USD/t)"], ["2025-01-06", 15100], ["2025-01-13", 15250]]
    book = _book(tmp_path / "nickel.xlsx", {"Monthly": monthly, "Annual": annual,
                                            "Weekly": weekly})  # fmt: skip
    (doc,) = read_path(book)
    assert [(s.id, s.label, s.unit) for s in doc.series] == [
        ("nickel-usd-t", "Nickel (USD/t)", "USD/t"),  # one sheet, two units: two series
        ("nickel-cny-t", "Nickel (CNY/t)", "CNY/t"),
        ("nickel", "Nickel", "USD/t"),
        ("nickel-weekly", "Nickel (Weekly)", "USD/t"),  # a later sheet's repeat is renamed
    ]


def test_a_price_table_with_a_bad_cell_stays_text_and_import_names_the_cell(
    tmp_path: Path,
) -> None:
    rows = [["Date", "Lithium (USD/kg)"], ["2025-01-06", 9.8], ["2025-01-13", "n.q."],
            ["2025-01-20", 10.1]]  # fmt: skip
    book = _book(tmp_path / "lithium.xlsx", {"Weekly": rows})
    (doc,) = read_path(book)
    assert doc.series == ()
    assert "2025-01-13 | n.q." in doc.text
    assert (
        "(not read as prices: lithium.xlsx, sheet 'Weekly', row 3: not a number: 'n.q.')"
        in doc.text
    )
    with pytest.raises(PriceImportError, match=r"sheet 'Weekly', row 3: not a number: 'n.q.'"):
        import_xlsx(book)


# -- other sheets as text ----------------------------------------------------------------
def test_other_sheets_become_text_a_paragraph_per_sheet() -> None:
    doc = _doc("openpyxl_chartsheets.xlsx")
    paragraphs = doc.text.split("\n\n")
    assert paragraphs[0] == "Workbook of 2 sheets: data, moredata; charts: chart"
    assert paragraphs[2].splitlines()[:3] == ["moredata", "month | count", "january | 18"]
    assert "celsius | 22.2222" in _doc("calamine_temperature_in_middle.xlsx").text
    assert "한글" in _doc("calamine_korean.xlsx").text
    hidden = _doc("calamine_any_sheets.xlsx")  # hidden sheets are data too
    assert hidden.text.startswith(
        "Workbook of 3 sheets: Visible, Hidden, VeryHidden; charts: Chart"
    )
    assert hidden.author == "Алена"


def test_formulas_read_as_their_saved_values() -> None:
    text = _doc("openpyxl_chartsheets.xlsx").text  # B3 holds =SIN(A3/PI()) saved by Excel
    assert "1 | 0.312961796207787" in text and "SIN(" not in text


def test_formulas_without_saved_values_are_reported(tmp_path: Path) -> None:
    doc = _doc("pink_sheet_uncalculated.xlsx")  # written by openpyxl, which never calculates
    assert "(22 formula cells have no saved value" in doc.text
    assert {s.id for s in doc.series} == {"nickel", "copper"}  # the literal values still count
    assert doc.title == "Nickel and copper, 2024 (World Bank Pink Sheet)"
    wb = openpyxl.Workbook()
    wb.active.append(["=1+1", "=A1*2"])
    with pytest.raises(IngestError, match="its 2 formulas have no saved values"):
        read_path(_save(wb, tmp_path / "only_formulas.xlsx"))


def test_macros_never_run_and_links_are_never_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("reading a workbook tried to run or fetch something")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    monkeypatch.setattr(os, "system", refuse)
    assert "TRUE | yellow" in _doc("openpyxl_vba_comments.xlsm").text  # has a vbaProject.bin
    assert "1 | a" in _doc("calamine_issue3.xlsm").text
    errors = _doc("calamine_errors.xlsx")  # A5 is =[1]Feuil8!A1, a link to another workbook
    assert "#REF!" in errors.text and "Feuil8" not in errors.text


# -- limits -------------------------------------------------------------------------------
def test_the_cell_budget_cuts_a_workbook_and_says_where(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(xlsx_reader, "MAX_CELLS", 1000)
    with caplog.at_level(logging.WARNING, logger="cellsight.ingest.xlsx"):
        doc = _doc("pink_sheet_2024.xlsx")
    # Four title rows of one cell, three header rows and 59 data rows of 16 cells: 996.
    assert "(first 66 rows of 126; the rest was not read)" in doc.text
    assert "(first 4 rows of 69; the rest was not read)" in doc.text  # Monthly Indices
    assert "(not read, past the first 1,000 cells: Description)" in doc.text
    assert len(doc.series) == 15 and doc.series[0].points[-1].date == D(2019, 11, 1)
    assert (
        "read the first 1,000 cells; cut or not read: Monthly Prices, Monthly Indices, "
        "Description" in caplog.text
    )


def test_a_huge_shared_strings_table_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_parts, "SHARED_STRINGS_MAX", 2)
    with pytest.raises(IngestError, match="holds more than 2 distinct texts"):
        read_path(XLSX / "openpyxl_chartsheets.xlsx")  # x, y, month, and twelve months


def test_a_sheet_claiming_a_million_rows_is_read_within_the_budget() -> None:
    doc = _doc("calamine_huge_dimension.xlsx")  # gnumeric: dimension A1:XFD1048576
    assert "123 | Test Contact Name | Test Contact Number" in doc.text
    assert "rows of 1,048,576; the rest was not read)" in doc.text


def _package(sheet: bytes, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal workbook around ``sheet`` (hostile cases no public file holds)."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            b'relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
            b'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            b'officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ).encode(),
        "xl/workbook.xml": (
            f'<workbook {ns} xmlns:r="{rel}"><sheets><sheet name="Data" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ).encode(),
        "xl/worksheets/sheet1.xml": sheet,
        **(extra or {}),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return out.getvalue()


def _sheet(rows: str, prolog: str = "") -> bytes:
    return (f'{prolog}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
            f'main"><sheetData>{rows}</sheetData></worksheet>').encode()  # fmt: skip


def test_the_minimal_package_reads(tmp_path: Path) -> None:
    path = tmp_path / "small.xlsx"
    path.write_bytes(_package(_sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>Cathode '
                                     "output</t></is></c></row>")))  # fmt: skip
    assert "Cathode output" in read_path(path)[0].text


def test_an_entity_declaring_part_is_refused(tmp_path: Path) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "lithium">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY e SYSTEM "file:///etc/hostname">]>'
    )
    path = tmp_path / "entities.xlsx"
    row = '<row r="1"><c r="A1" t="inlineStr"><is><t>&b;&e;</t></is></c></row>'
    path.write_bytes(_package(_sheet(row, prolog=bomb)))
    with pytest.raises(IngestError, match="declares a DTD"):
        read_path(path)


def test_a_zip_bomb_and_an_overlong_row_are_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlsx"
    padding = "<row/>" * 2_000_000  # 12 MB that deflates a thousandfold
    bomb.write_bytes(_package(_sheet(padding)))
    with pytest.raises(IngestError, match="zip bomb"):
        read_path(bomb)
    wide = tmp_path / "wide.xlsx"
    cells = "".join(f'<c r="A1"><v>{(i * 7919) % 1000003}</v></c>' for i in range(120_000))
    wide.write_bytes(_package(_sheet(f'<row r="1">{cells}</row>')))  # one 3 MB row
    with pytest.raises(IngestError, match=r"a row of 'xl/worksheets/sheet1.xml' holds 3\.\d MB"):
        read_path(wide)


# -- import and the library ------------------------------------------------------------------
def test_import_xlsx_gives_every_sheets_series_or_a_reason() -> None:
    snaps = import_xlsx(PINK)
    assert len(snaps) == 24
    assert {p.doc_id for s in snaps for p in s.points} == {"import:pink_sheet_2024.xlsx"}
    with pytest.raises(PriceImportError, match="no sheet holds a price table"):
        import_xlsx(XLSX / "calamine_korean.xlsx")
    with pytest.raises(PriceImportError, match="password-protected"):
        import_xlsx(XLSX / "calamine_pass_protected.xlsx")


def test_workbook_series_are_listed_like_csv_imports(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / PINK.name).write_bytes(PINK.read_bytes())
    with Library(tmp_path / "lib") as lib:
        report = lib.update([src])
        assert report.added == 1 and not report.failed
        assert lib.import_prices(DATA / "prices" / "lithium.csv") == 1
        assert lib.import_prices(XLSX / "pink_sheet_uncalculated.xlsx") == 2
        book = lib.prices()
        lithium, nickel = book.get("lithium"), book.get("nickel")
        assert lithium is not None and nickel is not None
        assert (nickel.series.unit, nickel.series.frequency) == ("$/mt", "1mo")
        assert nickel.stats.latest is not None and nickel.stats.latest.value == 15723.06
        doc_id = nickel.series.sources[0]
        assert nickel.series.sources == (doc_id, "import:pink_sheet_uncalculated.xlsx")
        assert lithium.series.sources == ("import:lithium.csv",)
        assert nickel.to_json().keys() == lithium.to_json().keys()
        hits = lib.search(SearchRequest(query="nickel copper")).hits
        assert [(h.kind, h.title) for h in hits] == [("xlsx", "pink sheet 2024")]
