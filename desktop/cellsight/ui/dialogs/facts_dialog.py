"""View → Facts table: the figures the current search's documents state, sortable.

Built by ``core.facts`` in the background lane (it reads only the documents the table
shows); a double-click opens the document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...core.model import SearchRequest
from ..lanes import BACKGROUND_LANE
from ..models.facts_model import FactsModel, SortRole

if TYPE_CHECKING:
    from ...core.entity_facts import Fact
    from ...core.library import Library
    from ..tasks import TaskRunner

# (label, unit for core.facts): a unit family compares only with itself.
UNITS = (("Any figure", None), ("Capacity (GWh)", "GWh"), ("Money (USD)", "USD"),
         ("Money (CNY)", "CNY"), ("Money (EUR)", "EUR"), ("Price (USD/kWh)", "USD/kWh"),
         ("Price (CNY/t)", "CNY/t"), ("Mass (t)", "t"), ("Share (%)", "%"))  # fmt: skip
LIMIT = 200


class FactsDialog(QDialog):
    document_requested = Signal(str)
    loaded = Signal(int)  # rows shown

    def __init__(self, library: Library, tasks: TaskRunner, request: SearchRequest,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.library, self.tasks, self.request = library, tasks, request
        self._asked = 0
        self.setWindowTitle("Facts")
        self.resize(1100, 560)
        self.unit = QComboBox(self)
        for label, unit in UNITS:
            self.unit.addItem(label, unit)
        self.low, self.high = QDoubleSpinBox(self), QDoubleSpinBox(self)
        for box, tip in ((self.low, "at least"), (self.high, "at most")):
            box.setRange(0, 1e15)
            box.setDecimals(2)
            box.setSpecialValueText("—")  # 0 shows as "no bound"
            box.setToolTip(f"Only figures {tip} this (in the unit chosen); — for no bound")
        self.sort = QComboBox(self)
        self.sort.addItem("Newest first", "date")
        self.sort.addItem("Largest first", "value")
        self.apply = QPushButton("Show", self)
        self.apply.clicked.connect(self.reload)
        self.unit.currentIndexChanged.connect(self._unit_changed)
        self.status = QLabel(self)
        self.model = FactsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SortRole)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((110, 70, 90, 180, 260)):
            self.table.setColumnWidth(col, width)
        self.table.doubleClicked.connect(self._open)
        bar = QHBoxLayout()
        query = request.query.strip() or "every document"
        bar.addWidget(QLabel(f"In: {query}", self))
        bar.addStretch(1)
        for text, w in (("Unit:", self.unit), ("From:", self.low), ("To:", self.high),
                        ("Sort:", self.sort)):  # fmt: skip
            bar.addWidget(QLabel(text, self))
            bar.addWidget(w)
        bar.addWidget(self.apply)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.status)
        self._unit_changed()
        self.reload()

    def _unit_changed(self) -> None:
        # Bounds and "largest first" compare figures: only within one unit.
        has_unit = self.unit.currentData() is not None
        for w in (self.low, self.high):
            w.setEnabled(has_unit)
        self.sort.model().item(1).setEnabled(has_unit)  # type: ignore[attr-defined]
        if not has_unit:
            self.sort.setCurrentIndex(0)

    def reload(self) -> None:
        from ...core.facts import facts

        lib, req, unit = self.library, self.request, self.unit.currentData()
        low = self.low.value() or None if unit else None
        high = self.high.value() or None if unit else None
        sort = str(self.sort.currentData())
        self.status.setText("Reading the figures…")
        self._asked += 1
        asked = self._asked

        def work(_p: object, _c: object) -> list[Fact]:
            return facts(lib, req, unit=unit, min=low, max=high, limit=LIMIT, sort=sort)

        handle = self.tasks.run("facts", work, lane=BACKGROUND_LANE)
        # Only the newest question's answer is shown (an older one may finish later).
        handle.finished.connect(lambda rows: self._show(rows) if asked == self._asked else None)
        handle.failed.connect(lambda exc: self.status.setText(f"Cannot list the facts: {exc}"))

    def _show(self, rows: list[Fact]) -> None:
        self.model.set_facts(rows)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the core's order
        more = " (the first 200)" if len(rows) >= LIMIT else ""
        self.status.setText(f"{len(rows)} figure{'s' if len(rows) != 1 else ''}{more}. "
                            "Click a column to sort; double-click to read the document.")
        self.loaded.emit(len(rows))

    def _open(self, index: object) -> None:
        row = self.proxy.mapToSource(index).row()  # type: ignore[arg-type]
        self.document_requested.emit(self.model.fact(row).doc_id)
