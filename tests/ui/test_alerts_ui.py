"""Price alerts in the window: the Alerts dialog, and the mark on alerting series."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QIcon
from windows import new_window, seeded_library, settings_in

from cellsight.core.library import Library
from cellsight.core.workbench.records import AlertRule, AlertState
from cellsight.ui.alerts_controller import triggered_by_series
from cellsight.ui.main_window import MainWindow
from cellsight.ui.models.series_model import LABEL, AlertRole, SeriesTableModel

WAIT = 120_000


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Library, QSettings]]:
    lib = seeded_library(tmp_path)
    settings = settings_in(tmp_path)
    yield lib, settings
    lib.close()


def make_window(qtbot, lib: Library, settings: QSettings) -> MainWindow:  # type: ignore[no-untyped-def]
    window = new_window(qtbot, lib, settings, size=(1500, 900))
    # The price book loads once the user pauses; the rules are evaluated after it.
    with qtbot.waitSignal(window.alerts.states_changed, timeout=WAIT):
        window.price_data.reload()
    window.ensure_price_panel()
    return window


def label_index(window: MainWindow, series_id: str):  # type: ignore[no-untyped-def]
    model = window.prices.model
    return model.index(model.row_of(series_id), LABEL)


def add_in_dialog(qtbot, window: MainWindow, series_id: str, kind: str, value: float,  # type: ignore[no-untyped-def]
                  name: str = "") -> list[AlertState]:
    dialog = window.alerts.dialog
    dialog.preselect_series(series_id)
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData(kind))
    if kind in ("above", "below"):
        dialog.level.setValue(value)
    else:
        dialog.pct.setValue(value)
    dialog.name.setText(name)
    with qtbot.waitSignal(window.alerts.states_changed, timeout=WAIT) as blocker:
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_add_rules_in_the_dialog_and_the_series_shows_the_triggered_one(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings = env
    window = make_window(qtbot, lib, settings)
    latest = lib.prices().get("lithium").stats.latest.value
    titles = [a.text() for a in window.menuBar().actions()]
    prices_menu = window.menuBar().actions()[titles.index("&Prices")].menu()
    assert "&Alerts…" in [a.text() for a in prices_menu.actions()]
    # From the series table's menu, on lithium: the dialog opens with lithium chosen.
    panel = window.prices
    proxy_row = panel.proxy.mapFromSource(label_index(window, "lithium")).row()
    pos = panel.table.visualRect(panel.proxy.index(proxy_row, LABEL)).center()
    menu = panel.table_menu(pos)
    with qtbot.waitSignal(window.alerts.states_changed, timeout=WAIT):
        next(a for a in menu.actions() if a.text() == "Alerts…").trigger()
    dialog = window.alerts.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.series_box.currentData() == "lithium"
    assert dialog.empty.isVisible() and dialog.table.topLevelItemCount() == 0
    assert dialog.level.value() == pytest.approx(latest)  # the level starts at the latest value
    # "Rises above" a level under the latest value: triggered at once.
    level = round(latest / 2)
    states = add_in_dialog(qtbot, window, "lithium", "above", level)
    (state,) = states
    assert state.triggered and state.rule.name == f"Lithium above {level:g}"
    item = dialog.table.topLevelItem(0)
    assert [item.text(i) for i in range(3)] == [state.rule.name, "Lithium",
                                                f"above {level:g}"]
    assert item.text(3) == "Triggered" and item.child(0).text(0) == state.message
    index = label_index(window, "lithium")
    assert index.data(AlertRole) == f"{state.rule.name}: {state.message}"
    assert isinstance(index.data(Qt.ItemDataRole.DecorationRole), QIcon)
    assert index.data(Qt.ItemDataRole.ToolTipRole).startswith(f"Alert: {state.rule.name}")
    assert "alert:" in index.data(Qt.ItemDataRole.AccessibleTextRole)
    # A quiet rule on cobalt: listed as quiet, no mark on cobalt.
    states = add_in_dialog(qtbot, window, "cobalt", "above", 1e9, name="cobalt spike")
    by_name = {s.rule.name: s for s in states}
    assert not by_name["cobalt spike"].triggered
    assert dialog.table.topLevelItemCount() == 2
    quiet = next(dialog.table.topLevelItem(i) for i in range(2)
                 if dialog.table.topLevelItem(i).text(0) == "cobalt spike")
    assert quiet.text(3) == "Quiet"
    assert label_index(window, "cobalt").data(AlertRole) == ""
    assert lib.workbench.store.alerts()[0].series in ("lithium", "cobalt")
    # A move rule, with a direction, stored as the dialog describes it.
    add_in_dialog(qtbot, window, "nickel", "change", 5.0, name="nickel move")
    rule = next(r for r in lib.workbench.store.alerts() if r.name == "nickel move")
    assert (rule.kind, rule.pct, rule.points, rule.series) == ("change", 5.0, 1, "nickel")
    # Removing the triggered rule clears the mark.
    lithium = next(dialog.table.topLevelItem(i) for i in range(3)
                   if dialog.table.topLevelItem(i).text(0) == state.rule.name)
    lithium.setSelected(True)
    assert dialog.remove_button.isEnabled()
    with qtbot.waitSignal(window.alerts.states_changed, timeout=WAIT):
        qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert label_index(window, "lithium").data(AlertRole) == ""
    assert label_index(window, "lithium").data(Qt.ItemDataRole.DecorationRole) is None
    assert {r.name for r in lib.workbench.store.alerts()} == {"cobalt spike", "nickel move"}
    dialog.reject()
    assert window.alerts.dialog is None


def test_a_rule_the_core_refuses_says_why_in_the_dialog(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings = env
    window = make_window(qtbot, lib, settings)
    with qtbot.waitSignal(window.alerts.states_changed, timeout=WAIT):
        dialog = window.alerts.open_dialog()
    with qtbot.waitSignal(window.alerts.rule_failed, timeout=WAIT) as blocker:
        window.alerts.add_rule(AlertRule("ghost", "no-such-series", "above", level=1.0))
    assert "no-such-series" in blocker.args[0]
    assert dialog.error.isVisible() and "no-such-series" in dialog.error.text()


def test_series_model_with_alerts_passes_the_model_tester(qtmodeltester, env) -> None:  # type: ignore[no-untyped-def]
    lib, _ = env
    model = SeriesTableModel()
    model.set_book(lib.prices())
    rule = AlertRule("hot", "lithium", "above", level=0.0)
    model.set_alerts(triggered_by_series([AlertState(rule, True, message="Lithium is up")]))
    qtmodeltester.check(model, force_py=True)
    assert model.alert("lithium") == "hot: Lithium is up" and model.alert("cobalt") == ""


def test_read_only_library_lists_rules_but_offers_no_changes(qtbot, env, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cellsight.core import library as library_module

    lib, settings = env
    lib.workbench.add_alert(AlertRule("kept", "lithium", "above", level=0.0))
    folder = lib.folder
    lib.close()
    reason = "The library is read-only (test)."
    monkeypatch.setattr(library_module, "_read_only_reason", lambda _folder: reason)
    with Library(folder) as ro:
        window = make_window(qtbot, ro, settings)
        assert label_index(window, "lithium").data(AlertRole).startswith("kept: ")
        with qtbot.waitSignal(window.alerts.states_changed, timeout=WAIT):
            dialog = window.alerts.open_dialog("lithium")
        assert dialog.table.topLevelItem(0).text(0) == "kept"
        dialog.table.topLevelItem(0).setSelected(True)
        for button in (dialog.add_button, dialog.remove_button):
            assert not button.isEnabled() and button.toolTip() == reason
        dialog.reject()
        window.close()


def test_panel_menu_without_a_row_opens_the_dialog_too(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings = env
    window = make_window(qtbot, lib, settings)
    menu = window.prices.table_menu(QPoint(-5, -5))
    with qtbot.waitSignal(window.prices.alerts_requested) as blocker:
        menu.actions()[0].trigger()
    assert blocker.args == [""] and window.alerts.dialog is not None
    window.alerts.dialog.reject()
