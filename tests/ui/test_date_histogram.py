"""The date histogram above the results: bars per period, undated apart, brushing filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPointF, QSettings, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget
from story_library import build  # tests/ui is on the path (rootdir conftest)

from cellsight.core.library import Library
from cellsight.core.query.date_clause import date_clauses, with_date_range, without_clause
from cellsight.ui.main_window import MainWindow
from cellsight.ui.messages import MessageBus
from cellsight.ui.tasks import TaskRunner
from cellsight.ui.widgets.date_histogram import DateHistogram

MONTHS = (("2024-01", 3), ("2024-02", 0), ("2024-03", 5), ("2024-04", 1))


def _mouse(widget: QWidget, kind: QEvent.Type, x: float, held: bool) -> None:
    # QTest's mouseMove carries no buttons: a drag is sent as the events themselves.
    pos = QPointF(x, widget.height() / 2)
    button = Qt.MouseButton.LeftButton
    buttons = button if held else Qt.MouseButton.NoButton
    event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons,
                        Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(widget, event)


def drag(widget: QWidget, x0: float, x1: float) -> None:
    _mouse(widget, QEvent.Type.MouseButtonPress, x0, True)
    _mouse(widget, QEvent.Type.MouseMove, (x0 + x1) / 2, True)
    _mouse(widget, QEvent.Type.MouseMove, x1, True)
    _mouse(widget, QEvent.Type.MouseButtonRelease, x1, False)


@pytest.fixture
def histogram(qtbot) -> DateHistogram:  # type: ignore[no-untyped-def]
    h = DateHistogram()
    qtbot.addWidget(h)
    h.resize(600, 80)
    h.show()
    qtbot.waitExposed(h)
    return h


def test_undated_documents_are_a_count_apart_not_a_bar(histogram) -> None:  # type: ignore[no-untyped-def]
    histogram.set_histogram(MONTHS, 7)
    assert histogram.periods() == MONTHS  # every bar is a real period
    assert histogram.undated_label.isVisible()
    assert "Undated" in histogram.undated_label.text() and "7" in histogram.undated_label.text()
    histogram.set_histogram(MONTHS, 0)
    assert not histogram.undated_label.isVisible() and histogram.isVisible()
    histogram.set_histogram((), 4)  # nothing dated: only the count
    assert histogram.isVisible() and histogram.undated() == 4
    histogram.set_histogram((), 0)
    assert not histogram.isVisible()


def test_dragging_across_bars_emits_their_days(qtbot, histogram) -> None:  # type: ignore[no-untyped-def]
    histogram.set_histogram(MONTHS, 2)
    bars = histogram.bars
    first, third = bars.bar_rect(0).center().x(), bars.bar_rect(2).center().x()
    with qtbot.waitSignal(histogram.range_selected) as got:
        drag(bars, third, first)  # right to left works too
    assert got.args == [dt.date(2024, 1, 1), dt.date(2024, 3, 31)]
    with qtbot.waitSignal(histogram.range_selected) as got:  # a click: one period
        drag(bars, bars.bar_rect(3).center().x(), bars.bar_rect(3).center().x())
    assert got.args == [dt.date(2024, 4, 1), dt.date(2024, 4, 30)]
    weeks = (("2024-W09", 2), ("2024-W10", 1))
    histogram.set_histogram(weeks, 0)
    with qtbot.waitSignal(histogram.range_selected) as got:
        histogram.brush(0, 1)
    assert got.args == [dt.date(2024, 2, 26), dt.date(2024, 3, 10)]


def test_date_clauses_replace_each_other_and_come_out_cleanly() -> None:
    q = with_date_range("lithium", dt.date(2024, 3, 31), dt.date(2024, 1, 1))
    assert q == "lithium date:[2024-01-01 to 2024-03-31]"
    q2 = with_date_range(q, dt.date(2023, 1, 1), dt.date(2023, 2, 28))
    assert q2 == "lithium date:[2023-01-01 to 2023-02-28]"  # moved, not intersected
    assert without_clause(q2, date_clauses(q2)[0]) == "lithium"


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    lib = build(tmp_path_factory.mktemp("histogram"))
    yield lib
    lib.close()


@pytest.fixture
def window(qtbot, story: Library, tmp_path: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    w = MainWindow(story, tasks=TaskRunner(app), messages=MessageBus(app), settings=settings)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_brushing_the_results_histogram_sets_a_removable_date_filter(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as first:
        window.search.set_query("CATL")
    result = first.args[0]
    hist = window.results_pane.histogram
    assert result.histogram and hist.periods() == result.histogram
    assert hist.undated() == result.undated >= 3 and hist.undated_label.isVisible()
    labels = [p for p, _ in hist.periods()]
    i, j = labels.index("2024-02"), labels.index("2024-04")
    bars = hist.bars
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as brushed:
        drag(bars, bars.bar_rect(i).center().x(), bars.bar_rect(j).center().x())
    narrowed = brushed.args[0]
    assert narrowed.request.query == "CATL date:[2024-02-01 to 2024-04-30]"
    assert window.search_bar.text() == narrowed.request.query
    assert 0 < narrowed.total < result.total and narrowed.undated == 0
    assert all(dt.date(2024, 2, 1) <= h.date <= dt.date(2024, 4, 30) for h in narrowed.hits)
    chip = window.filter_bar.chips()[0]
    assert chip.text().startswith("Date: 2024-02-01 to 2024-04-30")
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as removed:
        chip.click()
    assert removed.args[0].request.query == "CATL" and removed.args[0].total == result.total
    # Back returns to the brushed search? No: brushing while reading is the same place
    # (typing is not history); the page view's test walks the history.
    assert not window.filter_bar.isVisible()


def test_find_news_in_the_price_range(qtbot, window, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    panel = window.ensure_price_panel()
    window.entities._connect_prices()  # as panel_ready does once the panel is built
    monkeypatch.setattr(panel.chart, "region_dates",
                        lambda: (dt.date(2024, 1, 1), dt.date(2024, 2, 29)))
    panel.find_news_action.setEnabled(True)
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as got:
        panel.find_news_action.trigger()
    assert date_clauses(got.args[0].request.query) == ["date:[2024-01-01 to 2024-02-29]"]
