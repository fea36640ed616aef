"""Price alerts in the window: the Alerts dialog and the mark on alerting series.

Evaluating the rules reads the price book (seconds to build on a large library the
first time) and, for rules tied to news, runs searches: it runs in the
``background`` lane, after the price book it needs is loaded there, each time a
book is loaded (an index pass or a price import) and after a rule is added or
removed. Adding a rule validates it against the price book too, so it runs there
as well. The states come back as plain values; the series table marks every
series with a triggered alert, the message as its tooltip.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from ..core.errors import CellsightError
from ..core.workbench.records import AlertRule, AlertState
from .dialogs.alerts_dialog import AlertsDialog
from .lanes import BACKGROUND_LANE

if TYPE_CHECKING:
    from ..core.library import Library
    from .main_window import MainWindow


def triggered_by_series(states: list[AlertState]) -> dict[str, str]:
    """Series id → the messages of its triggered alerts, one per line."""
    out: dict[str, list[str]] = {}
    for st in states:
        if st.triggered:
            out.setdefault(st.rule.series, []).append(f"{st.rule.name}: {st.message}")
    return {sid: "\n".join(lines) for sid, lines in out.items()}


class AlertsController(QObject):
    states_changed = Signal(list)  # list[AlertState], each time the rules are evaluated
    rule_added = Signal(str)  # name
    rule_failed = Signal(str)  # why a rule could not be added or removed
    edited = Signal()  # a rule was added or removed here

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.library: Library | None = None
        self.states: list[AlertState] = []
        self.dialog: AlertsDialog | None = None
        self._why_not = ""
        prices = window.price_data
        prices.book_loaded.connect(self.refresh)
        prices.panel_ready.connect(self._panel_ready)

    def set_library(self, library: Library) -> None:
        self.library = library
        self._why_not = library.read_only_reason if library.read_only else ""

    # -- evaluating ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Evaluate every rule against the current prices (background lane)."""
        lib = self.library
        if lib is None:
            return
        handle = self.window.tasks.run(
            "alerts", lambda _p, _c: lib.workbench.alert_states(), lane=BACKGROUND_LANE)
        handle.finished.connect(self._set_states)
        handle.failed.connect(lambda exc: self.window.messages.from_exception(exc, "Alerts"))

    def _set_states(self, states: list[AlertState]) -> None:
        self.states = list(states)
        self._mark_series()
        if self.dialog is not None:
            self.dialog.set_states(self.states)
        self.states_changed.emit(self.states)

    def _panel_ready(self) -> None:
        self._mark_series()
        panel = self.window.prices
        if panel is not None:
            panel.alerts_requested.connect(self.open_dialog)

    def _mark_series(self) -> None:
        panel = self.window.prices
        if panel is not None:
            panel.model.set_alerts(triggered_by_series(self.states))

    # -- the dialog ---------------------------------------------------------------------
    def open_dialog(self, series_id: str = "") -> AlertsDialog | None:
        """Prices → Alerts… (or the series table's menu, on ``series_id``)."""
        lib = self.library
        if lib is None:
            self.window.statusBar().showMessage("Opening the library…", 3000)
            return None
        if self.dialog is not None:
            self.dialog.raise_()
            self.dialog.activateWindow()
            self.dialog.preselect_series(series_id)
            return self.dialog
        book = self.window.price_data.book
        series = sorted(book.series, key=lambda v: v.label.casefold()) if book else []
        try:
            saved = [s.name for s in lib.workbench.store.saved_searches()]
        except Exception:  # noqa: BLE001 - a read-only library may have no such table
            saved = []
        dialog = self.dialog = AlertsDialog(series, saved, self.window)
        dialog.set_writable(not self._why_not, self._why_not)
        dialog.set_states(self.states)
        dialog.preselect_series(series_id)
        dialog.add_requested.connect(self.add_rule)
        dialog.remove_requested.connect(self.remove_rule)
        dialog.finished.connect(self._dialog_closed)
        dialog.open()
        self.refresh()  # the states shown may predate the last change
        return dialog

    def _dialog_closed(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None

    # -- changing rules -------------------------------------------------------------------
    def add_rule(self, rule: AlertRule) -> None:
        self._write("add alert", lambda lib: lib.workbench.add_alert(rule).name)

    def remove_rule(self, name: str) -> None:
        def remove(lib: Library) -> str:
            lib.workbench.remove_alert(name)
            return ""

        self._write("remove alert", remove)

    def _write(self, what: str, change: Callable[[Library], str]) -> None:
        lib = self.library
        if lib is None:
            return
        if self._why_not:
            self._failed(self._why_not)
            return
        # Ordered before the re-evaluation in the same lane, which then sees the change.
        handle = self.window.tasks.run(what, lambda _p, _c: change(lib), lane=BACKGROUND_LANE)
        handle.finished.connect(self._written)
        handle.failed.connect(self._write_failed)

    def _written(self, name: str) -> None:
        if name:
            self.rule_added.emit(name)
        self.edited.emit()
        self.refresh()

    def _write_failed(self, exc: BaseException) -> None:
        if isinstance(exc, CellsightError | ValueError):
            self._failed(str(exc))
        else:
            self.window.messages.from_exception(exc, "Alerts")

    def _failed(self, why: str) -> None:
        if self.dialog is not None:
            self.dialog.show_error(why)
        self.rule_failed.emit(why)
