"""The price chart as issue 17 found it wanting: legend, readout, titles, exports, range.

Driven with the seed's 15 real series, at the sizes the price dock has in a 1024×700
window (about 1024×230) and in a 1920×1080 one.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QFontMetricsF, QImage
from PySide6.QtWidgets import QApplication

from cellsight.core.enrich.catalogue import Catalogue
from cellsight.core.ingest.registry import read_path
from cellsight.core.prices import rebase
from cellsight.core.prices_view import NewsMarker, PriceBook, build_price_book
from cellsight.ui.models.series_model import FREQUENCY, LABEL
from cellsight.ui.widgets.chart_parts import place_readout
from cellsight.ui.widgets.price_chart import date_of, epoch_seconds
from cellsight.ui.widgets.price_panel import PricePanel

SEED = Path(__file__).resolve().parents[2] / "seeds" / "003_f22a0f1a84bb31d8.txt"


@pytest.fixture(scope="module")
def book() -> PriceBook:
    docs = read_path(SEED)
    snaps = [(f"seed003-{d.part}", s) for d in docs for s in d.series]
    return build_price_book(snaps, Catalogue.load())


@pytest.fixture
def panel(qtbot, book: PriceBook) -> PricePanel:  # type: ignore[no-untyped-def]
    p = PricePanel()
    qtbot.addWidget(p)
    p.resize(1000, 420)
    p.show()
    qtbot.waitExposed(p)
    p.set_book(book)
    return p


def _two_rebased(panel: PricePanel) -> None:
    panel._select_ids(["cobalt", "lithium"])
    panel.rebase_action.trigger()
    panel.set_markers([NewsMarker("doc-a", dt.date(2026, 3, 10), "News", "lithium", ("Lithium",))])
    QApplication.processEvents()  # layouts and the y range settle


def _rect_in(widget, inside) -> QRectF:  # type: ignore[no-untyped-def]
    return QRectF(widget.mapTo(inside, widget.rect().topLeft()), QSizeF(widget.size()))


def test_legend_is_a_row_above_the_plot_never_over_it(panel: PricePanel) -> None:
    _two_rebased(panel)
    chart = panel.chart
    legend = chart.legend.text()
    assert "Cobalt" in legend and "Lithium" in legend
    assert chart.legend.isVisible()
    # Above the plot widget, so it covers no line or marker.
    assert _rect_in(chart.legend, chart).bottom() <= _rect_in(chart._plot, chart).top()
    assert not [it for it in chart._plot.scene().items() if isinstance(it, pg.LegendItem)]
    # The line colours are in the legend, so the lines can be told apart.
    for c in chart._curves:
        assert c.colour.name() in legend


def test_hover_readout_stays_inside_the_plot_and_goes_when_the_mouse_leaves(
    qtbot, panel: PricePanel  # type: ignore[no-untyped-def]
) -> None:
    _two_rebased(panel)
    chart = panel.chart
    area = chart._vb.sceneBoundingRect()
    # The corners of the data: the last point (top right) and the first (left).
    for day in (dt.date(2026, 5, 27), dt.date(2026, 1, 21), dt.date(2026, 3, 4)):
        x = epoch_seconds(day)
        hp = chart.nearest_point(x)
        scene = chart._vb.mapViewToScene(QPointF(hp.x, hp.y))
        qtbot.mouseMove(chart._plot.viewport(), chart._plot.mapFromScene(scene))
        assert chart._label.isVisible()
        rect = chart.readout_rect
        assert area.contains(rect), (day, rect, area)
        assert not rect.contains(scene)  # beside the point, not over it
    QApplication.sendEvent(chart._plot.viewport(), QEvent(QEvent.Type.Leave))
    assert not chart._label.isVisible() and not chart._cross.isVisible()


def test_place_readout_clamps_to_the_area() -> None:
    area = QRectF(0, 0, 300, 100)
    size = QSizeF(120, 40)
    for point in (QPointF(295, 5), QPointF(5, 95), QPointF(150, 50), QPointF(295, 95)):
        rect = place_readout(point, size, area)
        assert area.contains(rect) and rect.size() == size


@pytest.mark.parametrize("size", [(1024, 230), (1920, 400)])
def test_axis_title_is_short_and_never_cut(qtbot, panel: PricePanel, size) -> None:  # type: ignore[no-untyped-def]
    panel.resize(*size)
    _two_rebased(panel)
    chart = panel.chart
    axis = chart._plot.getPlotItem().getAxis("left")
    shown = chart.axis_title_shown()
    assert shown in ("", "Index")
    if shown:
        width = QFontMetricsF(axis.label.font()).horizontalAdvance(shown)
        assert width <= axis.height()  # the whole title is on the axis
    # What 100 means is said in the legend row, in full when the axis has no title.
    assert chart.basis.toolTip() == "Rebased: 100 = 2026-01-21"
    assert chart.basis.text() == ("100 = 2026-01-21" if shown else "Rebased: 100 = 2026-01-21")
    assert "…" not in chart.basis.text() and chart.basis.isVisible()
    if size[0] == 1920:
        assert shown == "Index"  # room enough: the title is there



def test_an_axis_title_longer_than_the_plot_is_high_is_dropped_and_said_in_full(
    qtbot, panel: PricePanel, book: PriceBook  # type: ignore[no-untyped-def]
) -> None:
    unit = "US dollars per tonne, CIF China, Japan and Korea"
    views = [replace(book.get(sid), series=replace(book.get(sid).series, unit=unit))
             for sid in ("cobalt", "lithium")]  # fmt: skip
    panel.resize(1024, 230)
    chart = panel.chart
    chart.set_series(views, False)
    QApplication.processEvents()
    assert chart.axis_title_shown() == ""  # not cut: gone, as the row says it
    assert chart.basis.text() == unit
    panel.resize(1920, 1000)
    QApplication.processEvents()
    axis = chart._plot.getPlotItem().getAxis("left")
    assert chart.axis_title_shown() == unit  # tall enough now: the whole of it
    assert QFontMetricsF(axis.label.font()).horizontalAdvance(unit) <= axis.height()


def test_exported_png_has_a_header_with_series_unit_dates_and_origin(
    tmp_path: Path, panel: PricePanel
) -> None:
    _two_rebased(panel)
    header = panel.chart.export_header()
    assert [label for label, _ in header.series] == ["Cobalt", "Lithium"]
    assert header.details() == "Rebased: 100 = 2026-01-21 · 2026-01-21 to 2026-05-27"
    assert header.credit() == f"Cellsight · exported {dt.date.today().isoformat()}"
    out = tmp_path / "chart.png"
    panel.chart.export_png(out)
    img = QImage(str(out))
    assert img.width() >= 800
    # The header is painted above the plot: its top rows are not blank.
    head = {img.pixel(x, y) for y in range(0, 60, 2) for x in range(0, img.width(), 4)}
    assert len(head) > 3
    # Not rebased: the unit and the whole span.
    panel.rebase_action.trigger()
    header = panel.chart.export_header()
    assert header.details() == "index points · 2025-12-24 to 2026-05-27"


def test_csv_export_follows_the_rebase(tmp_path: Path, panel: PricePanel, book: PriceBook) -> None:
    _two_rebased(panel)
    out = tmp_path / "rebased.csv"
    panel.chart.export_csv(out)
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["date", "Cobalt (100 = 2026-01-21)", "Lithium (100 = 2026-01-21)"]
    base = dt.date(2026, 1, 21)
    assert rows[1][0] == base.isoformat() and float(rows[1][1]) == float(rows[1][2]) == 100.0
    lithium = dict(rebase(book.get("lithium").series.points, base))
    for row in rows[1:]:
        day = dt.date.fromisoformat(row[0])
        if row[2]:
            assert float(row[2]) == pytest.approx(lithium[day])
    curves = {sid: ys for sid, _, ys in panel.chart.curves()}
    assert np.allclose([float(r[2]) for r in rows[1:] if r[2]], curves["lithium"])


def test_show_all_dates_resets_the_range_and_is_off_when_all_is_shown(
    qtbot, panel: PricePanel  # type: ignore[no-untyped-def]
) -> None:
    panel._select_ids(["cobalt", "lithium"])
    chart = panel.chart
    full = chart._vb.viewRange()[0]
    assert chart.showing_all() and not panel.show_all_action.isEnabled()
    lo, hi = epoch_seconds(dt.date(2026, 2, 1)), epoch_seconds(dt.date(2026, 4, 1))
    with qtbot.waitSignal(chart.full_view_changed) as blocker:
        chart._region.setRegion((lo, hi))  # the overview's window dragged narrower
    assert blocker.args == [False]
    assert panel.show_all_action.isEnabled()
    assert chart.shown_dates() == (dt.date(2026, 2, 1), dt.date(2026, 4, 1))
    with qtbot.waitSignal(chart.full_view_changed) as blocker:
        panel.show_all_action.trigger()
    assert blocker.args == [True]
    assert chart._vb.viewRange()[0] == pytest.approx(full)
    assert list(chart._region.getRegion()) == pytest.approx(full)
    assert not panel.show_all_action.isEnabled()
    assert chart.shown_dates() == (date_of(chart._curves[1].xs[0]), dt.date(2026, 5, 27))


def test_table_labels_elide_in_the_middle_with_the_full_label_as_tooltip(
    panel: PricePanel,
) -> None:
    panel.resize(1024, 230)
    panel.splitter.setSizes([420, 604])
    QApplication.processEvents()
    table = panel.table
    assert table.textElideMode() == Qt.TextElideMode.ElideMiddle
    labels = ["Lithium Carbonate", "Lithium Hydroxide", "Lithium ion Batteries"]
    fm = table.fontMetrics()
    assert table.columnWidth(LABEL) >= fm.horizontalAdvance("Lithium Carbonate")
    assert table.isColumnHidden(FREQUENCY)  # what makes room for the labels at this width
    # Narrower still (a dragged splitter), the names stay apart: their ends show.
    for width in (table.columnWidth(LABEL) - 12, 90, 60):
        shown = {fm.elidedText(label, table.textElideMode(), width) for label in labels}
        assert len(shown) == 3, shown
    for label in labels:
        row = next(r for r in range(panel.proxy.rowCount())
                   if panel.proxy.index(r, LABEL).data() == label)  # fmt: skip
        tip = panel.proxy.index(row, LABEL).data(Qt.ItemDataRole.ToolTipRole)
        assert tip.splitlines()[0].startswith(label)
