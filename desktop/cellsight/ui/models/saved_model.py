"""Saved searches with their totals and new-document counts, as a Qt list model.

Rows are the core's ``SavedStatus`` values (frozen, computed off the UI thread by the
Workbench); the model only serves them to the sidebar's view and delegate. A refresh
with the same names in the same order changes rows in place, so the view keeps its
selection and scroll position while badges update after every index pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

if TYPE_CHECKING:
    from ...core.model import SearchRequest
    from ...core.workbench.records import SavedSearch
    from ...core.workbench.service import SavedStatus

Index = QModelIndex | QPersistentModelIndex
SavedRole = Qt.ItemDataRole.UserRole + 1  # SavedSearch
TotalRole = Qt.ItemDataRole.UserRole + 2  # int: documents matching
NewRole = Qt.ItemDataRole.UserRole + 3  # int: of those, arrived since last seen


def describe(saved: SavedSearch | SearchRequest) -> str:
    """The query and its filters in words, as the tooltip and the save dialog show them."""
    parts = [f"Query: {saved.query.strip() or '* (everything)'}"]
    if saved.filters:
        parts.append("Filters: " + ", ".join(f"{f} = {v}" for f, v in saved.filters))
    if saved.excludes:
        parts.append("Excluded: " + ", ".join(f"{f} = {v}" for f, v in saved.excludes))
    if saved.sort != "relevance":
        parts.append("Sorted: newest first")
    return "\n".join(parts)


def same_search(request: SearchRequest, saved: SavedSearch) -> bool:
    """Whether ``request`` still shows ``saved`` (the sort only reorders it)."""
    return (request.query.strip() == saved.query.strip()
            and set(request.filters) == set(saved.filters)
            and set(request.excludes) == set(saved.excludes))  # fmt: skip


def count_text(total: int, new: int) -> str:
    docs = f"{total} document{'s' if total != 1 else ''}"
    return f"{docs}, {new} new" if new else docs


class SavedModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[SavedStatus] = []
        self._authors: Mapping[str, str] = {}  # name → "alice · 3 Dec 2026 14:05" (team)

    def set_statuses(self, statuses: Sequence[SavedStatus],
                     authors: Mapping[str, str] | None = None) -> None:
        """``authors``: on a team library, who saved each search and when."""
        rows = list(statuses)
        self._authors = authors or {}
        if [r.saved.name for r in rows] == [r.saved.name for r in self._rows]:
            self._rows = rows
            if rows:
                self.dataChanged.emit(self.index(0), self.index(len(rows) - 1))
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def update_status(self, status: SavedStatus) -> None:
        """Replace one row (after it was opened, say); unknown names are ignored."""
        row = self.row_of(status.saved.name)
        if row >= 0:
            self._rows[row] = status
            self.dataChanged.emit(self.index(row), self.index(row))

    def clear_new(self, name: str) -> None:
        """Drop the badge at once when the user opens a search (the store follows)."""
        row = self.row_of(name)
        if row >= 0 and self._rows[row].new:
            self.update_status(replace(self._rows[row], new=0, new_ids=frozenset()))

    def status(self, row: int) -> SavedStatus | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def find(self, name: str) -> SavedStatus | None:
        return self.status(self.row_of(name))

    def row_of(self, name: str) -> int:
        for i, st in enumerate(self._rows):
            if st.saved.name == name:
                return i
        return -1

    def names(self) -> list[str]:
        return [st.saved.name for st in self._rows]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        st = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return st.saved.name
        if role == Qt.ItemDataRole.ToolTipRole:
            seen = st.saved.last_seen
            when = seen.astimezone().strftime("%Y-%m-%d %H:%M") if seen else "never"
            by = self._authors.get(st.saved.name)
            return (f"{st.saved.name}: {count_text(st.total, st.new)}\n{describe(st.saved)}\n"
                    + (f"Saved by {by}\n" if by else "") + f"Last opened: {when}")
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{st.saved.name}, {count_text(st.total, st.new)}"
        if role == SavedRole:
            return st.saved
        if role == TotalRole:
            return st.total
        if role == NewRole:
            return st.new
        return None
