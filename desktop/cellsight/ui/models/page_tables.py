"""A read-only table of rows for the entity page: co-occurring entities, facts, documents.

Each row carries a payload (an entity id, a document id) that a click acts on; the
page's three tables differ only in their columns, so one model serves them.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

PayloadRole = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


class RowsModel(QAbstractTableModel):
    def __init__(self, headers: Sequence[str], numeric: Sequence[int] = (),
                 parent: object = None) -> None:  # fmt: skip
        super().__init__(parent)  # type: ignore[arg-type]
        self.headers = tuple(headers)
        self.numeric = frozenset(numeric)  # columns aligned right
        self._rows: list[tuple[str, ...]] = []
        self._payloads: list[object] = []
        self._tips: list[str] = []

    def set_rows(self, rows: Sequence[Sequence[str]], payloads: Sequence[object],
                 tips: Sequence[str] | None = None) -> None:  # fmt: skip
        self.beginResetModel()
        self._rows = [tuple(r) for r in rows]
        self._payloads = list(payloads)
        self._tips = list(tips) if tips is not None else [""] * len(self._rows)
        self.endResetModel()

    def payload(self, row: int) -> object:
        return self._payloads[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row, col = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows[row][col]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tips[row] or self._rows[row][col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in self.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == PayloadRole:
            return self._payloads[row]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:  # fmt: skip
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(self.headers)):
            return self.headers[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
