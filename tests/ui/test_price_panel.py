"""The price panel and chart, driven with the seed's 15 real series."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from cellsight.core.enrich.catalogue import Catalogue
from cellsight.core.ingest.registry import read_path
from cellsight.core.prices import import_csv, rebase
from cellsight.core.prices_view import NewsMarker, PriceBook, build_price_book
from cellsight.ui.models.series_model import LABEL
from cellsight.ui.theme import apply_theme
from cellsight.ui.widgets.price_chart import PriceChart, date_of, epoch_seconds
from cellsight.ui.widgets.price_panel import EMPTY_TEXT, PricePanel

SEED = Path(__file__).resolve().parents[2] / "seeds" / "003_f22a0f1a84bb31d8.txt"


@pytest.fixture(scope="module")
def book() -> PriceBook:
    docs = read_path(SEED)
    snaps = [(f"seed003-{d.part}", s) for d in docs for s in d.series]
    return build_price_book(snaps, Catalogue.load())


@pytest.fixture
def panel(qtbot, book: PriceBook) -> PricePanel:
    p = PricePanel()
    qtbot.addWidget(p)
    p.resize(1000, 760)
    p.show()
    qtbot.waitExposed(p)
    p.set_book(book)
    return p


def _marker(doc_id: str, day: dt.date, series_id: str) -> NewsMarker:
    return NewsMarker(doc_id, day, f"News {doc_id}", series_id, ("Lithium",))


def _proxy_row(panel: PricePanel, label: str) -> int:
    proxy = panel.proxy
    return next(r for r in range(proxy.rowCount()) if proxy.index(r, LABEL).data() == label)


def _click_row(qtbot, panel: PricePanel, label: str, modifier=Qt.KeyboardModifier.NoModifier):
    rect = panel.table.visualRect(panel.proxy.index(_proxy_row(panel, label), LABEL))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def test_empty_state(qtbot) -> None:
    p = PricePanel()
    qtbot.addWidget(p)
    p.set_book(PriceBook((), None))
    assert p.stack.currentWidget() is p.empty
    assert p.empty.text() == EMPTY_TEXT
    assert not p.png_action.isEnabled() and not p.csv_action.isEnabled()
    assert p.import_action.isEnabled()


def test_selecting_lithium_plots_one_curve(qtbot, panel: PricePanel, book: PriceBook) -> None:
    assert panel.stack.currentWidget() is panel.splitter
    assert panel.selected_ids() == ["lithium"]  # a first book opens on the freshest series
    with qtbot.waitSignal(panel.selection_changed) as blocker:
        _click_row(qtbot, panel, "Cobalt")
    assert blocker.args == [["cobalt"]]
    with qtbot.waitSignal(panel.selection_changed) as blocker:
        _click_row(qtbot, panel, "Lithium")
    assert blocker.args == [["lithium"]]
    curves = panel.chart.curves()
    assert len(curves) == 1
    sid, xs, ys = curves[0]
    points = book.get("lithium").series.points
    assert sid == "lithium" and len(xs) == 12
    assert xs[0] == epoch_seconds(dt.date(2025, 12, 24)) == 1766534400.0
    assert list(ys) == [p.value for p in points]


def test_rebase_to_100(qtbot, panel: PricePanel, book: PriceBook) -> None:
    panel.select_series("lithium")
    panel.rebase_action.trigger()
    (_, xs, ys), = panel.chart.curves()
    assert date_of(xs[0]) == dt.date(2025, 12, 24)
    assert ys[0] == pytest.approx(100.0)
    expected = rebase(book.get("lithium").series.points)
    assert np.allclose(ys, [v for _, v in expected])
    assert ys[-1] == pytest.approx(411.01 / 203.79 * 100)
    panel.rebase_action.trigger()
    assert panel.chart.curves()[0][2][0] == pytest.approx(203.79)


def test_two_series_and_common_rebase_base(qtbot, panel: PricePanel, book: PriceBook) -> None:
    _click_row(qtbot, panel, "Lithium")
    with qtbot.waitSignal(panel.selection_changed) as blocker:
        _click_row(qtbot, panel, "Cobalt", Qt.KeyboardModifier.ControlModifier)
    assert sorted(blocker.args[0]) == ["cobalt", "lithium"]
    assert sorted(c[0] for c in panel.chart.curves()) == ["cobalt", "lithium"]
    panel.rebase_action.trigger()
    curves = {sid: (xs, ys) for sid, xs, ys in panel.chart.curves()}
    # Both start at 100 at cobalt's first date (lithium's last point on or before it).
    base = book.get("cobalt").series.first_date
    lith = rebase(book.get("lithium").series.points, base)
    assert np.allclose(curves["lithium"][1], [v for _, v in lith])
    assert curves["lithium"][1][0] == pytest.approx(100.0)
    assert curves["cobalt"][1][0] == pytest.approx(100.0)


def test_set_book_keeps_selection_by_id(qtbot, panel: PricePanel, book: PriceBook) -> None:
    panel._select_ids(["cobalt", "lithium"])
    fewer = PriceBook(tuple(v for v in book.series if v.id != "anode"), book.newest)
    with qtbot.assertNotEmitted(panel.selection_changed):
        panel.set_book(fewer)
    assert panel.selected_ids() == ["cobalt", "lithium"]
    with qtbot.waitSignal(panel.selection_changed) as blocker:
        panel.set_book(PriceBook(tuple(v for v in book.series if v.id != "cobalt"), book.newest))
    assert blocker.args == [["lithium"]]


def test_markers_sit_on_the_line_at_their_date(qtbot, panel: PricePanel) -> None:
    panel._select_ids(["cobalt", "lithium"])
    day = dt.date(2026, 3, 10)
    panel.set_markers([_marker("doc-a", day, "lithium"), _marker("doc-b", day, "nickel")])
    pts = panel.chart.marker_points()
    assert len(pts) == 1  # nickel is not charted
    x, y, marker = pts[0]
    assert x == epoch_seconds(day) == 1773100800.0
    assert date_of(x) == day
    assert 346.6 < y < 351.32  # between the 4 and 18 March assessments
    assert marker.doc_id == "doc-a"


def test_clicking_a_marker_emits_its_doc(qtbot, panel: PricePanel) -> None:
    panel.select_series("lithium")
    panel.set_markers([_marker("doc-a", dt.date(2026, 3, 10), "lithium"),
                       _marker("doc-b", dt.date(2026, 5, 1), "lithium")])  # fmt: skip
    chart = panel.chart
    QApplication.processEvents()
    x, y, _ = next(p for p in chart.marker_points() if p[2].doc_id == "doc-b")
    scene_pos = chart._vb.mapViewToScene(QPointF(x, y))
    # The scatter item's own hit test maps the on-screen position back to the marker.
    hits = chart._marker_item.pointsAt(chart._marker_item.mapFromScene(scene_pos))
    assert [h.data().doc_id for h in hits] == ["doc-b"]
    with qtbot.waitSignal(chart.marker_clicked) as blocker:
        chart._on_marker_clicked(chart._marker_item, hits)
    assert blocker.args == ["doc-b"]
    with qtbot.waitSignal(panel.marker_clicked) as blocker:
        view_pos = chart._plot.mapFromScene(scene_pos)
        qtbot.mouseClick(chart._plot.viewport(), Qt.MouseButton.LeftButton, pos=view_pos)
    assert blocker.args == ["doc-b"]


def test_hover_finds_nearest_point(qtbot, panel: PricePanel) -> None:
    panel._select_ids(["cobalt", "lithium"])
    chart = panel.chart
    hp = chart.nearest_point(epoch_seconds(dt.date(2026, 3, 5)), 350.0)
    assert (hp.series_id, hp.date, hp.value) == ("lithium", dt.date(2026, 3, 4), 346.6)
    hp = chart.nearest_point(epoch_seconds(dt.date(2026, 4, 28)), 240.0)
    assert (hp.series_id, hp.date, hp.value) == ("cobalt", dt.date(2026, 4, 29), 244.61)
    # A real mouse move over the plot shows the label for that point.
    QApplication.processEvents()  # let the y range follow the new selection
    scene_pos = chart._vb.mapViewToScene(QPointF(epoch_seconds(dt.date(2026, 3, 4)), 346.6))
    qtbot.mouseMove(chart._plot.viewport(), chart._plot.mapFromScene(scene_pos))
    assert chart._label.isVisible()
    assert "Lithium\n2026-03-04: 346.60" in chart._label.textItem.toPlainText()
    assert chart._cross.value() == epoch_seconds(dt.date(2026, 3, 4))
    chart._on_mouse_moved(QPointF(-50, -50))
    assert not chart._label.isVisible()


def test_export_png(tmp_path: Path, panel: PricePanel) -> None:
    panel._select_ids(["cobalt", "lithium"])
    out = tmp_path / "chart.png"
    panel.chart.export_png(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    img = QImage(str(out))
    assert img.width() >= 800
    colours = {img.pixel(x, img.height() // 2) for x in range(0, img.width(), 3)}
    assert len(colours) > 2  # not a blank image


def test_export_csv_round_trips(tmp_path: Path, panel: PricePanel, book: PriceBook) -> None:
    panel._select_ids(["cobalt", "lithium"])
    out = tmp_path / "prices.csv"
    panel.chart.export_csv(out)  # not rebased: the series' own values
    snaps = {s.id: s for s in import_csv(out)}
    assert set(snaps) == {"cobalt", "lithium"}
    for sid, snap in snaps.items():
        original = book.get(sid).series.points
        assert [(p.date, p.value) for p in snap.points] == [(p.date, p.value) for p in original]


def test_toolbar_export_and_import_signals(
    qtbot, tmp_path: Path, panel: PricePanel, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel.select_series("lithium")
    target = tmp_path / "x.csv"
    monkeypatch.setattr(panel, "_ask_save_path", lambda *a: str(target))
    with qtbot.waitSignal(panel.exported) as blocker:
        panel.csv_action.trigger()
    assert blocker.args == [str(target)] and target.is_file()
    bad = tmp_path / "missing" / "x.png"
    monkeypatch.setattr(panel, "_ask_save_path", lambda *a: str(bad))
    with qtbot.waitSignal(panel.export_failed) as blocker:
        panel.png_action.trigger()
    assert str(bad) in blocker.args[0]
    monkeypatch.setattr(panel, "_ask_open_path", lambda: "/data/prices.csv")
    with qtbot.waitSignal(panel.import_requested) as blocker:
        panel.import_action.trigger()
    assert blocker.args == ["/data/prices.csv"]


def test_keyboard_pans_and_resets(qtbot, panel: PricePanel) -> None:
    panel.select_series("lithium")
    chart = panel.chart
    full = chart._vb.viewRange()[0]
    qtbot.keyClick(chart._plot, Qt.Key.Key_Plus)
    zoomed = chart._vb.viewRange()[0]
    assert zoomed[1] - zoomed[0] < full[1] - full[0]
    qtbot.keyClick(chart._plot, Qt.Key.Key_Left)
    assert chart._vb.viewRange()[0][0] < zoomed[0]
    region = chart._region.getRegion()
    assert region[0] == pytest.approx(chart._vb.viewRange()[0][0])  # overview follows
    qtbot.keyClick(chart._plot, Qt.Key.Key_Home)
    assert chart._vb.viewRange()[0] == pytest.approx(full)


def test_region_drives_chart(qtbot, panel: PricePanel) -> None:
    panel.select_series("lithium")
    lo, hi = epoch_seconds(dt.date(2026, 2, 1)), epoch_seconds(dt.date(2026, 4, 1))
    panel.chart._region.setRegion((lo, hi))
    assert panel.chart._vb.viewRange()[0] == pytest.approx([lo, hi])


def test_theme_refresh_recolours_chart(qtbot, qapp, panel: PricePanel) -> None:
    panel.select_series("lithium")
    chart: PriceChart = panel.chart

    def background() -> QColor:
        return chart._plot.grab().toImage().pixelColor(5, 5)

    try:
        apply_theme(qapp, "dark")
        panel.refresh_theme()
        assert background().lightness() < 80
        assert len(chart.curves()) == 1
    finally:
        apply_theme(qapp, "light")
        panel.refresh_theme()
    assert background().lightness() > 200
