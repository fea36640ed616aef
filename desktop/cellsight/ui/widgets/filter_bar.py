"""The bar of active filters: one chip per filter or exclusion, click to remove."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from ...core.model import SearchRequest
from ...core.query.date_clause import FIELD as DATE_FIELD
from ...core.query.date_clause import clause_label, date_clauses
from ..models.facets_model import LABELS


class FilterBar(QWidget):
    removed = Signal(str, str)
    cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Active filters")
        self._lay = QHBoxLayout(self)
        self._lay.setContentsMargins(6, 0, 6, 0)
        self._chips: list[QPushButton] = []
        self.setVisible(False)

    def show_request(self, req: SearchRequest) -> None:
        while self._lay.count():
            item = self._lay.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self._chips = []
        dates = date_clauses(req.query)
        if not req.filters and not req.excludes and not dates:
            self.setVisible(False)
            return
        self._lay.addWidget(QLabel("Filters:", self))
        for clause in dates:  # a date range in the query (the histogram's brush)
            self._chip(DATE_FIELD, clause, negate=False, label=clause_label(clause))
        for field, value in req.filters:
            self._chip(field, value, negate=False)
        for field, value in req.excludes:
            self._chip(field, value, negate=True)
        clear = QPushButton("Clear all", self)
        clear.setFlat(True)
        clear.setObjectName("clearFilters")
        clear.clicked.connect(self.cleared)
        self._lay.addWidget(clear)
        self._lay.addStretch(1)
        self.setVisible(True)

    def _chip(self, field: str, value: str, *, negate: bool, label: str | None = None) -> None:
        name = "Date" if field == DATE_FIELD else LABELS.get(field, field)
        shown = value if label is None else label
        label = f"{'NOT ' if negate else ''}{name}: {shown}  ✕"
        chip = QPushButton(label, self)
        chip.setObjectName("filterChipExcluded" if negate else "filterChip")
        chip.setToolTip("Remove this filter")
        chip.setAccessibleName(f"Remove filter {label[:-3]}")
        chip.clicked.connect(lambda: self.removed.emit(field, value))
        self._lay.addWidget(chip)
        self._chips.append(chip)

    def chips(self) -> list[QPushButton]:
        return list(self._chips)
