"""Excel workbooks (.xlsx, .xlsm, .xltx, .xltm): price tables become series, the
other sheets text.

A sheet whose table is a date column with numbers beside it gives price series by
the CSV import's rules (``prices.table_import``); every other sheet, and the titles
and notes around a price table, become text: a paragraph per sheet, headed by its
name, a line per row, cells joined by " | ". The workbook is one document, not one
per sheet: a search hit names the file the analyst keeps, cover and notes sheets
(one line each) do not crowd the results, and the series stay with their file.

Safety: the ZIP is checked (``zip_limits``) before openpyxl sees it; formulas are
read as the values last saved with them, never computed; macros are never loaded
(``keep_vba=False``), links to other workbooks never followed (``keep_links=False``),
and an XML part declaring a DTD is refused, so no entity is ever expanded or
fetched. openpyxl builds a row whole and a shared-strings table whole, so a row's
XML and the parts it reads whole are capped. At most ``MAX_CELLS`` cells are read
per workbook; the text says where a sheet was cut ("first N rows of M").

Title: the workbook's stated title unless it is a default ("Book1", "Sheet1",
"Microsoft Excel - …"), else the file name made readable. Date: the stated
last-modified date (else the creation date): price workbooks are updated for years,
and their series carry their own dates. Author: the stated creator, unless it is a program's name.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import openpyxl

from ..errors import IngestError, PriceImportError
from ..model import ParsedDocument, SeriesSnapshot
from ..prices.series import IMPORT_PREFIX, series_id
from ..prices.table_cells import SHEET_RULES, Origin, Row, text_of
from ..prices.table_import import build_series, locate_table
from .encoding import clean_text
from .registry import register
from .xlsx_parts import check_parts, is_workbook_zip

log = logging.getLogger("cellsight.ingest.xlsx")

XLSX_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")
MAX_BYTES = 100 * 1024 * 1024
MAX_CELLS = 200_000  # read per workbook for the document; blank rows count one each
IMPORT_MAX_CELLS = 2_000_000  # an explicit price import reads further, or refuses
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
# openpyxl parses untrusted XML and ZIP data; malformed input surfaces as any of these.
_OPENPYXL_ERRORS = (LookupError, TypeError, ValueError, AttributeError, ArithmeticError,
                    SyntaxError, OSError, EOFError, RuntimeError, zipfile.BadZipFile,
                    zlib.error, AssertionError)  # fmt: skip
# Sheet names a program gave; a table on such a sheet is named after the file.
_DEFAULT_SHEET = re.compile(
    r"(sheet|feuil|feuille|tabelle|hoja|foglio|planilha|blad|лист|工作表)\s*\d*", re.I
)


@dataclass(frozen=True)
class Sheet:
    title: str
    rows: list[Row]  # rows holding a value; str cells cleaned to one line
    read_to: int  # the last sheet row read
    stated_rows: int | None  # the size the sheet states, when it states one
    complete: bool


@dataclass(frozen=True)
class Workbook:
    sheets: list[Sheet]
    unread: list[str]  # sheets past the cell budget
    charts: list[str]  # chart sheets (a chart, no cells)
    uncalculated: int  # formula cells saved without a value
    title: str | None = None
    author: str | None = None
    date: dt.date | None = None


class XlsxReader:
    name = "xlsx"
    max_bytes = MAX_BYTES

    def sniff(self, path: Path, head: bytes) -> int:
        suffix = path.suffix.lower()
        if head.startswith(OLE_MAGIC):
            # An encrypted .xlsx is an OLE file; read() says so. Other OLE files
            # (Outlook messages, old .doc) belong to other readers.
            return 25 if suffix in XLSX_SUFFIXES else 15 if suffix == ".xls" else 0
        return is_workbook_zip(head, suffix in XLSX_SUFFIXES)

    def read(self, path: Path, data: bytes) -> list[ParsedDocument]:
        book = read_workbook(path, data, MAX_CELLS)
        taken: set[str] = set()
        series: list[SeriesSnapshot] = []
        paragraphs = [_summary(book)]
        for sheet in book.sheets:
            snaps, used, error = sheet_series(path, sheet, None, taken)
            series += snaps
            if error:
                log.info("%s: %s", path, error)
            paragraphs.append(_sheet_text(sheet, snaps, used, error))
        if book.unread or not all(s.complete for s in book.sheets):
            cut = [s.title for s in book.sheets if not s.complete] + book.unread
            log.warning("%s: read the first %s cells; cut or not read: %s", path,
                        f"{MAX_CELLS:,}", ", ".join(cut))  # fmt: skip
        if not series and not any(s.rows for s in book.sheets):
            raise IngestError(str(path), _empty_reason(book))
        return [ParsedDocument(
            path=str(path), kind=self.name, title=book.title or _readable_name(path),
            text=clean_text("\n\n".join(p for p in paragraphs if p)), date=book.date,
            author=book.author, series=tuple(series),
        )]  # fmt: skip


def import_xlsx(path: Path) -> list[SeriesSnapshot]:
    """The price series of every sheet, for "Import prices…"; strict like the CSV
    import: a price table that cannot be read raises ``PriceImportError``."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PriceImportError(f"{path.name}:0: cannot read: {exc.strerror or exc}") from exc
    try:
        book = read_workbook(path, data, IMPORT_MAX_CELLS)
    except IngestError as exc:
        raise PriceImportError(f"{path.name}: {exc.reason}") from exc
    taken: set[str] = set()
    out: list[SeriesSnapshot] = []
    for sheet in book.sheets:
        snaps, _, error = sheet_series(path, sheet, IMPORT_PREFIX + path.name, taken)
        if error:
            raise PriceImportError(error)
        out += snaps
    if book.unread or not all(s.complete for s in book.sheets):
        raise PriceImportError(f"{path.name}: more than {IMPORT_MAX_CELLS:,} cells; save the "
                               "price sheets on their own or as CSV")  # fmt: skip
    if not out:
        raise PriceImportError(f"{path.name}: no sheet holds a price table (a column of "
                               "dates with numbers beside it)")  # fmt: skip
    return out


def read_workbook(path: Path, data: bytes, max_cells: int) -> Workbook:
    """The workbook's sheets (up to ``max_cells`` cells) and stated properties."""
    if data.startswith(OLE_MAGIC):
        raise IngestError(str(path), _ole_reason(path, data))
    scan = check_parts(path, data)
    # Imported here, not with the module: every indexing process loads all readers to
    # sniff, and openpyxl alone took 126 ms of that for libraries without a workbook.
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about every unsupported extension
        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True,
                                        keep_vba=False, keep_links=False)  # fmt: skip
            try:
                sheets, unread = _read_sheets(wb, max_cells)
                charts = [clean_text(c.title) for c in wb.chartsheets]
            finally:
                wb.close()
        except (*_OPENPYXL_ERRORS, InvalidFileException) as exc:
            cause = exc.__cause__ or exc
            raise IngestError(str(path), f"damaged workbook ({str(cause)[:200]})") from exc
    return Workbook(sheets, unread, charts, scan.uncalculated, scan.title, scan.author, scan.date)


def _read_sheets(wb: openpyxl.Workbook, max_cells: int) -> tuple[list[Sheet], list[str]]:
    sheets: list[Sheet] = []
    unread: list[str] = []
    budget = max_cells
    for ws in wb.worksheets:
        if budget <= 0:
            unread.append(ws.title)
            continue
        stated = ws.max_row  # from the sheet's <dimension>, which may lie
        ws.reset_dimensions()  # rows as stored: no padding to a stated width
        rows: list[Row] = []
        line, complete = 0, True
        stream = ws.iter_rows(values_only=True)
        try:
            for line, values in enumerate(stream, start=1):
                if not values:  # a row the sheet skips: cheap, but it still counts
                    if budget < 1:
                        complete, line = False, line - 1
                        break
                    budget -= 1
                    continue
                if len(values) > budget:
                    complete, line = False, line - 1
                    break
                budget -= len(values)
                cells = [_cell(v) for v in values]
                while cells and cells[-1] is None:
                    cells.pop()
                if cells:
                    rows.append(Row(line, cells))
        finally:
            stream.close()  # closes the sheet's ZIP stream when the budget cut it
        sheets.append(Sheet(clean_text(ws.title), rows, line, stated, complete))
    return sheets, unread


def _cell(value: object) -> object:
    if isinstance(value, str):
        text = " ".join(value.split())
        return text or None
    return value


def sheet_series(
    path: Path, sheet: Sheet, doc: str | None, taken: set[str]
) -> tuple[list[SeriesSnapshot], frozenset[int], str | None]:
    """The sheet's series, the rows its table used, and why its table could not be
    read (None when it could, or when the sheet has no price table)."""
    table = locate_table(sheet.rows)
    if table is None:
        return [], frozenset(), None
    stem = sheet.title if not _DEFAULT_SHEET.fullmatch(sheet.title) else _readable_name(path)
    try:
        snaps = build_series(
            Origin(path.name, sheet.title), table.header, table.rows,
            stem_label=stem, doc=doc, rules=SHEET_RULES, units=table.units,
        )  # fmt: skip
    except PriceImportError as exc:
        return [], frozenset(), str(exc)
    out = []
    for snap in snaps:
        if snap.id in taken:  # a second sheet's "Nickel" becomes "Nickel (Annual)"
            label = f"{snap.label} ({sheet.title})"
            snap = replace(snap, id=series_id(label), label=label)
        if snap.id in taken:
            log.info("%s: sheet %r repeats %r; kept the first", path, sheet.title, snap.label)
            continue
        taken.add(snap.id)
        out.append(snap)
    return out, table.lines, None


def _summary(book: Workbook) -> str:
    names = [s.title for s in book.sheets] + book.unread
    lines = [f"Workbook of {len(names)} sheet{'s' if len(names) != 1 else ''}: {', '.join(names)}"]
    if book.charts:
        lines[0] += f"; charts: {', '.join(book.charts)}"
    if book.unread:
        lines.append(f"(not read, past the first {MAX_CELLS:,} cells: {', '.join(book.unread)})")
    if book.uncalculated:
        lines.append(f"({book.uncalculated:,} formula cells have no saved value: the program "
                     "that wrote the workbook never calculated it)")  # fmt: skip
    return "\n".join(lines)


def _sheet_text(
    sheet: Sheet, snaps: list[SeriesSnapshot], used: frozenset[int], error: str | None
) -> str:
    lines = [sheet.title]
    if snaps:
        first = min(s.points[0].date for s in snaps)
        last = max(s.points[-1].date for s in snaps)
        freq = {s.frequency_text for s in snaps}
        how = f", {freq.pop()}" if len(freq) == 1 and None not in freq else ""
        lines.append(f"Price series: {len(snaps)}{how}, {first} to {last}")
        for s in snaps:
            unit = f" ({s.unit})" if s.unit != SeriesSnapshot.unit else ""
            latest = s.points[-1]
            lines.append(
                f"{s.label}{unit}: {len(s.points)} values, {s.points[0].date} to "
                f"{latest.date}, latest {latest.value:,.6g} on {latest.date}"
            )
    if error:
        lines.append(f"(not read as prices: {error})")
    for row in sheet.rows:
        if row.line not in used:  # empty cells only align columns on screen
            lines.append(" | ".join(t for t in map(text_of, row.cells) if t))
    if not sheet.complete:
        of = f" of {sheet.stated_rows:,}" if (sheet.stated_rows or 0) > sheet.read_to else ""
        lines.append(f"(first {sheet.read_to:,} rows{of}; the rest was not read)")
    return "\n".join(lines) if len(lines) > 1 else ""


def _empty_reason(book: Workbook) -> str:
    if book.uncalculated:
        return (
            f"its {book.uncalculated:,} formulas have no saved values (the program that "
            "wrote it never calculated them); open it in Excel or LibreOffice and save it"
        )
    return "empty workbook (no sheet holds a value)"


def _ole_reason(path: Path, data: bytes) -> str:
    # Worded as the Word and PowerPoint readers word it.
    if _ENCRYPTED in data[:1_000_000]:
        return ("password-protected Excel file: remove the password (save it without "
                "encryption) to index it")  # fmt: skip
    if path.suffix.lower() == ".xls":
        return "old binary Excel format (.xls): save it as .xlsx"
    return "not an Excel workbook (an OLE compound file, perhaps an old .xls renamed)"


def _readable_name(path: Path) -> str:
    return " ".join(re.sub(r"[_\-.]+", " ", path.stem).split()) or path.name


register(XlsxReader())
