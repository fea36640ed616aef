"""The chart's series and rebase survive a restart (issue 17), through the real window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QDockWidget

from cellsight.core.library import Library
from cellsight.ui import window_state
from cellsight.ui.main_window import MainWindow
from cellsight.ui.messages import MessageBus
from cellsight.ui.models.results_model import ResultsModel
from cellsight.ui.prices_controller import PricesController
from cellsight.ui.tasks import TaskRunner

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
WAIT = 120_000  # a guard only: every wait ends on a signal


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Library, QSettings]]:
    lib = Library(tmp_path / "lib")
    lib.update([SEEDS])
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    yield lib, settings
    lib.close()


def _window(qtbot, lib: Library, settings: QSettings) -> MainWindow:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    window = MainWindow(lib, tasks=TaskRunner(app), messages=MessageBus(app), settings=settings)
    qtbot.addWidget(window)
    window.restore_state()  # as the app does: before the panel exists
    window.show()
    qtbot.waitExposed(window)
    return window


def _load_prices(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.price_data.book_loaded, timeout=WAIT):
        window.price_data.reload()


def test_charted_series_and_rebase_are_restored_on_the_next_start(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings = env
    window = _window(qtbot, lib, settings)
    _load_prices(qtbot, window)
    panel = window.price_data.ensure_panel()
    assert panel.selected_ids() == ["lithium"]  # nothing stored: the freshest series
    with qtbot.waitSignal(panel.selection_changed):
        panel._select_ids(["cobalt", "lithium-carbonate"])
    panel.rebase_action.trigger()
    window.close()
    qtbot.waitUntil(lambda: not window.tasks.active(), timeout=WAIT)
    assert settings.value(window_state.CHART_SERIES) == '["cobalt", "lithium-carbonate"]'

    # The next start: the book arrives before the panel is built.
    again = _window(qtbot, lib, settings)
    _load_prices(qtbot, again)
    panel = again.price_data.ensure_panel()
    assert sorted(panel.selected_ids()) == ["cobalt", "lithium-carbonate"]
    assert panel.rebase_action.isChecked()
    assert sorted(sid for sid, _, _ in panel.chart.curves()) == ["cobalt", "lithium-carbonate"]
    assert all(ys[0] == pytest.approx(100.0) for _, _, ys in panel.chart.curves())
    with qtbot.waitSignal(panel.selection_changed):
        panel._select_ids(["nickel"])
    panel.rebase_action.trigger()
    again.close()
    qtbot.waitUntil(lambda: not again.tasks.active(), timeout=WAIT)

    # And a start where the panel is built before the book comes.
    third = _window(qtbot, lib, settings)
    panel = third.price_data.ensure_panel()
    _load_prices(qtbot, third)
    assert panel.selected_ids() == ["nickel"] and not panel.rebase_action.isChecked()


def test_a_session_that_never_built_the_panel_keeps_the_stored_chart(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    settings.setValue(window_state.CHART_SERIES, '["cobalt"]')
    settings.setValue(window_state.CHART_REBASED, True)
    app = QApplication.instance()
    dock = QDockWidget()
    qtbot.addWidget(dock)
    prices = PricesController(dock, ResultsModel(), TaskRunner(app), MessageBus(app))
    window_state.restore_chart(settings, prices)
    settings.clear()
    window_state.save_chart(settings, prices)  # the panel was never built
    assert settings.value(window_state.CHART_SERIES) == '["cobalt"]'
    assert window_state._flag(settings.value(window_state.CHART_REBASED))
    # Unreadable values are ignored, not fatal.
    settings.setValue(window_state.CHART_SERIES, "not json")
    window_state.restore_chart(settings, PricesController(dock, ResultsModel(), TaskRunner(app),
                                                          MessageBus(app)))  # fmt: skip
