"""The facts table's rows: figures stated in the current search's documents."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ...core.entity_facts import Fact

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Value", "Unit", "Date", "Named with it", "Document", "Sentence")
SortRole = Qt.ItemDataRole.UserRole + 1  # a sortable value per cell (numbers as numbers)
FactRole = Qt.ItemDataRole.UserRole + 2


class FactsModel(QAbstractTableModel):
    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._facts: list[Fact] = []

    def set_facts(self, facts: list[Fact]) -> None:
        self.beginResetModel()
        self._facts = list(facts)
        self.endResetModel()

    def fact(self, row: int) -> Fact:
        return self._facts[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._facts)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:  # fmt: skip
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(COLUMNS)):  # fmt: skip
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._facts):
            return None
        f, col = self._facts[index.row()], index.column()
        if role == FactRole:
            return f
        if role == SortRole:
            return (f.value if f.value is not None else float("-inf"), f.unit or "",
                    f.date.isoformat() if f.date else "", ", ".join(f.entities), f.title,
                    f.text)[col]  # fmt: skip
        if role == Qt.ItemDataRole.DisplayRole:
            return (f.quantity, f.unit or "", f.date.isoformat() if f.date else "undated",
                    ", ".join(f.entities), f.title, f.text)[col]  # fmt: skip
        if role == Qt.ItemDataRole.ToolTipRole and col in (4, 5):
            return f.text if col == 5 else f"{f.title}\n{f.path}"
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
