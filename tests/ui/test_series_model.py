"""The price series table model and the sparkline painter, on the seed's 15 series."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QImage, QPainter

from cellsight.core.enrich.catalogue import Catalogue
from cellsight.core.ingest.registry import read_path
from cellsight.core.model import PricePoint, StatedFigures
from cellsight.core.prices import PriceSeries, compute_stats, sparkline
from cellsight.core.prices_view import PriceBook, SeriesView, build_price_book
from cellsight.ui.models.series_model import (
    AS_OF,
    CHANGE,
    LABEL,
    TREND,
    YTD,
    SeriesRole,
    SeriesSortProxy,
    SeriesTableModel,
    SortRole,
    SparkRole,
)
from cellsight.ui.theme import colours
from cellsight.ui.widgets.sparkline import paint_sparkline

SEED = Path(__file__).resolve().parents[2] / "seeds" / "003_f22a0f1a84bb31d8.txt"


@pytest.fixture(scope="module")
def book() -> PriceBook:
    docs = read_path(SEED)
    snaps = [(f"seed003-{d.part}", s) for d in docs for s in d.series]
    return build_price_book(snaps, Catalogue.load())


def _view(label: str, values: list[float], stated: StatedFigures | None = None) -> SeriesView:
    start = dt.date(2026, 1, 7)
    points = tuple(
        PricePoint(start + dt.timedelta(days=14 * i), v) for i, v in enumerate(values)
    )
    series = PriceSeries(id=label.lower(), label=label, frequency="2wk", points=points,
                         stated=stated or StatedFigures())  # fmt: skip
    stats = compute_stats(series, library_newest=points[-1].date)
    return SeriesView(series, stats, (), sparkline(series))


def _row(model: SeriesTableModel, label: str) -> int:
    return next(r for r in range(model.rowCount()) if model.index(r, LABEL).data() == label)


def test_model_passes_qt_model_tester(qtmodeltester, book: PriceBook) -> None:
    model = SeriesTableModel()
    model.set_book(book)
    assert model.rowCount() == 15
    qtmodeltester.check(model)
    proxy = SeriesSortProxy()
    proxy.setSourceModel(model)
    proxy.sort(CHANGE, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(proxy)
    model.set_book(PriceBook((), None))
    qtmodeltester.check(model)


def test_series_role_and_spark(book: PriceBook) -> None:
    model = SeriesTableModel()
    model.set_book(book)
    row = _row(model, "Lithium")
    view = model.index(row, AS_OF).data(SeriesRole)
    assert view is book.get("lithium")
    assert model.index(row, TREND).data(SparkRole) == view.spark
    assert len(view.spark) == 12
    assert model.index(row, 1).data() == "411.01"
    assert model.index(row, CHANGE).data() == "+0.61%"


def test_sort_by_change_is_numeric(book: PriceBook) -> None:
    model = SeriesTableModel()
    model.set_book(book)
    proxy = SeriesSortProxy()
    proxy.setSourceModel(model)
    proxy.sort(CHANGE, Qt.SortOrder.AscendingOrder)
    labels = [proxy.index(r, LABEL).data() for r in range(proxy.rowCount())]
    expected = [v.label for v in sorted(book.series, key=lambda v: v.stats.change_pct)]
    assert labels == expected
    # As text "−10.40%" would sort after "−0.22%"; numerically LFP is the biggest fall.
    assert labels[0] == "LFP" and labels[-1] == "Cathode"
    proxy.sort(CHANGE, Qt.SortOrder.DescendingOrder)
    assert proxy.index(0, LABEL).data() == "Cathode"
    keys = [proxy.index(r, CHANGE).data(SortRole) for r in range(proxy.rowCount())]
    assert keys == sorted(keys, reverse=True)


def test_missing_values_sort_last_both_ways() -> None:
    single = _view("Single", [10.0])  # one point: no change %
    book = PriceBook((_view("Up", [10.0, 12.0]), single, _view("Down", [10.0, 8.0])), None)
    model = SeriesTableModel()
    model.set_book(book)
    proxy = SeriesSortProxy()
    proxy.setSourceModel(model)
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        proxy.sort(CHANGE, order)
        assert proxy.index(2, LABEL).data() == "Single"
        assert proxy.index(2, CHANGE).data() == "–"


def test_stale_badge(book: PriceBook) -> None:
    model = SeriesTableModel()
    model.set_book(book)
    stale = model.index(_row(model, "Lithium ion Batteries"), AS_OF)
    fresh = model.index(_row(model, "Lithium"), AS_OF)
    assert stale.data() == "2025-03-31  · stale"
    assert stale.data(Qt.ItemDataRole.ForegroundRole) == QColor(colours(False)["stale"])
    tip = stale.data(Qt.ItemDataRole.ToolTipRole)
    assert "2025-03-31" in tip and "2026-05-27" in tip and "two periods" in tip
    assert "stale" in stale.data(Qt.ItemDataRole.AccessibleTextRole).lower()
    assert fresh.data() == "2026-05-27"
    assert fresh.data(Qt.ItemDataRole.ForegroundRole) is None
    assert fresh.data(Qt.ItemDataRole.ToolTipRole) is None


def test_stated_figure_shown_when_points_cannot_support_it(book: PriceBook) -> None:
    model = SeriesTableModel()
    model.set_book(book)
    cobalt = model.index(_row(model, "Cobalt"), YTD)  # points start on 21 January
    assert book.get("cobalt").stats.ytd_pct is None
    assert cobalt.data() == "+3.99%"
    assert isinstance(cobalt.data(Qt.ItemDataRole.FontRole), QFont)
    assert cobalt.data(Qt.ItemDataRole.FontRole).italic()
    assert "stated by the source" in cobalt.data(Qt.ItemDataRole.ToolTipRole)
    lithium = model.index(_row(model, "Lithium"), YTD)
    assert lithium.data() == "+75.85%"
    assert lithium.data(Qt.ItemDataRole.FontRole) is None


def test_mismatch_warning(qapp) -> None:
    view = _view("Odd", [100.0, 110.0], StatedFigures(latest=110.0, change_pct=12.0))
    assert view.stats.mismatches  # computed change is 10 %
    model = SeriesTableModel()
    model.set_book(PriceBook((view,), view.series.last_date))
    label, change = model.index(0, LABEL), model.index(0, CHANGE)
    assert isinstance(label.data(Qt.ItemDataRole.DecorationRole), QIcon)
    assert "change %: stated 12.00, computed 10.00" in label.data(Qt.ItemDataRole.ToolTipRole)
    assert "stated 12.00" in change.data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(0, AS_OF).data(Qt.ItemDataRole.DecorationRole) is None


def _coloured_pixels(img: QImage) -> list[tuple[int, int]]:
    return [
        (x, y)
        for y in range(img.height())
        for x in range(img.width())
        if QColor(img.pixel(x, y)).red() > 150 and QColor(img.pixel(x, y)).green() < 100
    ]


def test_paint_sparkline_draws_rising_line(qapp) -> None:
    img = QImage(60, 20, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    painter = QPainter(img)
    paint_sparkline(painter, QRectF(0, 0, 60, 20), [1.0, 2.0, 3.0, 4.0], "#ff0000")
    painter.end()
    pts = _coloured_pixels(img)
    assert pts
    left = [y for x, y in pts if x < 10]
    right = [y for x, y in pts if x > 50]
    assert min(right) < min(left)  # rising: the right end is higher (smaller y)


def test_paint_sparkline_ignores_empty(qapp) -> None:
    img = QImage(40, 16, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    painter = QPainter(img)
    paint_sparkline(painter, QRectF(0, 0, 40, 16), [], "#ff0000")
    paint_sparkline(painter, QRectF(0, 0, 40, 16), [float("nan")], "#ff0000")
    painter.end()
    assert not _coloured_pixels(img)
