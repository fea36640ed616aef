"""Prices → Alerts…: the price alert rules with their state; add and remove rules.

The dialog only shows ``AlertState`` values and says what the user asked for
(``add_requested`` with an ``AlertRule``, ``remove_requested`` with a name); the
alerts controller writes to the workbench, re-evaluates, and hands the states back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.prices_view import SeriesView
from ...core.workbench.records import AlertRule, AlertState
from ..theme import colours, is_dark

KINDS = (("above", "Rises above a level"), ("below", "Falls below a level"),
         ("change", "Moves by at least"), ("stale", "Gets no new point for"))  # fmt: skip
DIRECTIONS = (("any", "either way"), ("up", "up"), ("down", "down"))
NO_SAVED = "(no news needed)"
COLUMNS = ("Alert", "Series", "Rule", "State")


class AlertsDialog(QDialog):
    add_requested = Signal(object)  # AlertRule
    remove_requested = Signal(str)  # rule name

    def __init__(self, series: Sequence[SeriesView], saved: Sequence[str],
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle("Price alerts")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._series = list(series)
        self._states: list[AlertState] = []
        self._why_not = ""  # why rules cannot be added or removed ("" when they can)
        lay = QVBoxLayout(self)
        self.table = QTreeWidget(self)
        self.table.setAccessibleName("Price alert rules")
        self.table.setHeaderLabels(COLUMNS)
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Each rule's message ("… moved +12.3 % since …, but “CATL” has no documents
        # dated in that window") is long: a line of its own under the rule, full width.
        self.table.setItemsExpandable(False)
        self.table.setIndentation(0)
        header = self.table.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        lay.addWidget(self.table, 1)
        self.empty = QLabel("No alerts yet. Add one below.", self)
        lay.addWidget(self.empty)
        row = QHBoxLayout()
        row.addStretch(1)
        self.remove_button = QPushButton("Remove alert", self)
        self.remove_button.clicked.connect(self._remove)
        row.addWidget(self.remove_button)
        lay.addLayout(row)
        lay.addWidget(self._build_form(saved))
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {colours(is_dark())['down']}")
        self.error.setVisible(False)
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self._kind_changed()
        self._series_changed()
        self._update_buttons()
        self.resize(980, 640)

    def _build_form(self, saved: Sequence[str]) -> QGroupBox:
        box = QGroupBox("New alert", self)
        self.form = form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.series_box = QComboBox(box)
        self.series_box.setAccessibleName("Series")
        self.series_box.setMinimumWidth(320)
        for view in self._series:
            self.series_box.addItem(f"{view.label} ({view.id})", view.id)
        self.series_box.currentIndexChanged.connect(self._series_changed)
        form.addRow("Series:", self.series_box)
        self.latest = QLabel(box)
        form.addRow("", self.latest)
        self.kind_box = QComboBox(box)
        self.kind_box.setAccessibleName("Kind of alert")
        for key, label in KINDS:
            self.kind_box.addItem(label, key)
        self.kind_box.currentIndexChanged.connect(self._kind_changed)
        form.addRow("When it:", self.kind_box)
        self.level = QDoubleSpinBox(box)
        self.level.setRange(-1e12, 1e12)
        self.level.setDecimals(2)
        self.level.setAccessibleName("Level")
        self.level.setMinimumWidth(160)
        form.addRow("Level:", self.level)
        change = QWidget(box)
        crow = QHBoxLayout(change)
        crow.setContentsMargins(0, 0, 0, 0)
        self.pct = QDoubleSpinBox(change)
        self.pct.setRange(0.1, 1000.0)
        self.pct.setValue(10.0)
        self.pct.setSuffix(" %")
        self.pct.setAccessibleName("Change in percent")
        self.direction = QComboBox(change)
        for key, label in DIRECTIONS:
            self.direction.addItem(label, key)
        crow.addWidget(self.pct)
        crow.addWidget(self.direction)
        crow.addStretch(1)
        form.addRow("Change:", change)
        window = QWidget(box)
        wrow = QHBoxLayout(window)
        wrow.setContentsMargins(0, 0, 0, 0)
        self.over_points = QRadioButton("over the last", window)
        self.over_points.setChecked(True)
        self.points = QSpinBox(window)
        self.points.setRange(1, 10000)
        self.points.setSuffix(" point(s)")
        self.over_since = QRadioButton("since", window)
        self.since = QDateEdit(QDate.currentDate().addMonths(-1), window)
        self.since.setCalendarPopup(True)
        self.since.setDisplayFormat("yyyy-MM-dd")
        for w in (self.over_points, self.points, self.over_since, self.since):
            wrow.addWidget(w)
        wrow.addStretch(1)
        form.addRow("Window:", window)
        self.days = QSpinBox(box)
        self.days.setRange(1, 3650)
        self.days.setValue(14)
        self.days.setSuffix(" days")
        form.addRow("Stale after:", self.days)
        self.saved_box = QComboBox(box)
        self.saved_box.setAccessibleName("Saved search whose news the alert needs")
        self.saved_box.addItem(NO_SAVED, None)
        for name in saved:
            self.saved_box.addItem(name, name)
        self.saved_box.setToolTip("Fire only if this saved search has documents dated in the "
                                  "window of the move")
        form.addRow("With news in:", self.saved_box)
        self.name = QLineEdit(box)
        self.name.setPlaceholderText("Name (optional: made from the rule)")
        self.name.setAccessibleName("Alert name")
        self.name.setMinimumWidth(320)
        form.addRow("Name:", self.name)
        self.add_button = QPushButton("Add alert", box)
        self.add_button.setDefault(True)
        self.add_button.clicked.connect(self._add)
        form.addRow("", self.add_button)
        self._rows = {"level": self.level, "change": change, "window": window, "days": self.days}
        return box

    # -- feeding -------------------------------------------------------------------------
    def set_states(self, states: Sequence[AlertState]) -> None:
        keep = self.selected_name()
        self._states = list(states)
        self.table.clear()
        c = colours(is_dark())
        for st in self._states:
            rule = st.rule
            state = ("Series missing" if st.missing else
                     "Triggered" if st.triggered else "Quiet")  # fmt: skip
            item = QTreeWidgetItem([rule.name, self._label(rule.series), rule.describe(), state])
            item.setData(0, Qt.ItemDataRole.UserRole, rule.name)
            item.setToolTip(2, rule.describe())
            why = QTreeWidgetItem(item, [st.message or "–"])
            why.setFlags(Qt.ItemFlag.ItemIsEnabled)  # selecting the rule is enough
            why.setForeground(0, QBrush(QColor(c["muted"])))
            why.setToolTip(0, st.message)
            if st.triggered:
                bold = QFont(item.font(3))
                bold.setBold(True)
                item.setFont(3, bold)
                item.setForeground(3, QBrush(QColor(c["down"])))
            elif st.missing:
                item.setForeground(3, QBrush(QColor(c["stale"])))
            self.table.addTopLevelItem(item)
            why.setFirstColumnSpanned(True)
            item.setExpanded(True)
            if rule.name == keep:
                item.setSelected(True)
        self.empty.setVisible(not self._states)
        self._update_buttons()

    def states(self) -> list[AlertState]:
        return list(self._states)

    def preselect_series(self, series_id: str) -> None:
        i = self.series_box.findData(series_id)
        if i >= 0:
            self.series_box.setCurrentIndex(i)

    def set_writable(self, writable: bool, why: str = "") -> None:
        self._why_not = "" if writable else (why or "This library cannot be changed.")
        for w in (self.add_button, self.remove_button):
            w.setToolTip(self._why_not)
        self._update_buttons()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def selected_name(self) -> str | None:
        items = self.table.selectedItems()
        return items[0].data(0, Qt.ItemDataRole.UserRole) if items else None

    # -- the form ------------------------------------------------------------------------
    def _label(self, series_id: str) -> str:
        view = next((v for v in self._series if v.id == series_id), None)
        return view.label if view is not None else series_id

    def _view(self) -> SeriesView | None:
        i = self.series_box.currentIndex()
        return self._series[i] if 0 <= i < len(self._series) else None

    def _series_changed(self) -> None:
        view = self._view()
        latest = view.stats.latest if view is not None else None
        if view is None or latest is None:
            self.latest.setText("No price series in this library yet." if view is None else "")
            return
        self.latest.setText(f"Latest: {latest.value:,.2f} {view.series.unit} on "
                            f"{latest.date.isoformat()}")  # fmt: skip
        self.level.setValue(latest.value)

    def _kind_changed(self) -> None:
        kind = self.kind_box.currentData()
        shown = {"above": ("level",), "below": ("level",), "change": ("change", "window"),
                 "stale": ("days",)}[kind]  # fmt: skip
        for key, widget in self._rows.items():
            self.form.setRowVisible(widget, key in shown)

    def rule(self) -> AlertRule | None:
        """The rule the form describes (None without a series)."""
        view = self._view()
        if view is None:
            return None
        kind = self.kind_box.currentData()
        saved = self.saved_box.currentData()
        since = self.since.date().toPython() if self.over_since.isChecked() else None
        rule = AlertRule(
            name="", series=view.id, kind=kind,
            level=self.level.value() if kind in ("above", "below") else None,
            pct=self.pct.value() if kind == "change" else None,
            points=self.points.value(),
            since=since if kind == "change" and isinstance(since, dt.date) else None,
            days=self.days.value() if kind == "stale" else None,
            direction=self.direction.currentData() if kind == "change" else "any",
            saved=saved)  # fmt: skip
        name = " ".join(self.name.text().split()) or f"{view.label} {rule.describe()}"
        return replace(rule, name=name)

    def _add(self) -> None:
        rule = self.rule()
        if rule is not None:
            self.show_error("")
            self.add_requested.emit(rule)

    def _remove(self) -> None:
        name = self.selected_name()
        if name:
            self.remove_requested.emit(name)

    def _update_buttons(self) -> None:
        writable = not self._why_not
        self.add_button.setEnabled(writable and bool(self._series))
        self.remove_button.setEnabled(writable and self.selected_name() is not None)
