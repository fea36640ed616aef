"""Search hits as a Qt list model; the delegate paints them, the model only serves."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from ...core.model import Hit, SearchRequest, SearchResult

HitRole = Qt.ItemDataRole.UserRole + 1
# bool: arrived since the open saved search was seen (an offset clear of other roles)
NewRole = Qt.ItemDataRole.UserRole + 10
StarRole = Qt.ItemDataRole.UserRole + 11  # bool: the user starred the document
# int: near-duplicates a folded hit stands for ("N similar"; 0: none, or not folded)
SimilarRole = Qt.ItemDataRole.UserRole + 12
Index = QModelIndex | QPersistentModelIndex


def member_label(path: str, member: str | None) -> str | None:
    """Where a document inside an archive or mailbox is: "archive.zip › inner.pdf"."""
    return f"{PurePath(path).name} › {member}" if member else None


class ResultsModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._hits: tuple[Hit, ...] = ()
        self.total = 0
        self._new_ids: frozenset[str] = frozenset()
        self._starred: frozenset[str] = frozenset()
        self._folded = False  # the results fold near-duplicates (SearchRequest.collapse)
        self.request: SearchRequest | None = None  # what the listed hits answer

    def set_result(self, result: SearchResult) -> None:
        old = self._hits
        new = result.hits
        self.total = result.total
        self._folded = result.request.collapse
        self.request = result.request
        if len(new) > len(old) and new[: len(old)] == old:
            # A further page: append rows so the view keeps its scroll position.
            self.beginInsertRows(QModelIndex(), len(old), len(new) - 1)
            self._hits = new
            self.endInsertRows()
            return
        self.beginResetModel()
        self._hits = new
        self.endResetModel()

    def set_new_ids(self, ids: frozenset[str]) -> None:
        """Mark these documents "new" wherever they are listed, in this and later results
        (the saved search's pages), until another set (or an empty one) replaces it."""
        if ids == self._new_ids:
            return
        self._new_ids = frozenset(ids)
        if self._hits:
            self.dataChanged.emit(self.index(0), self.index(len(self._hits) - 1), [NewRole])

    def new_ids(self) -> frozenset[str]:
        return self._new_ids

    def set_starred(self, ids: frozenset[str]) -> None:
        """The documents the user starred (marked wherever they are listed)."""
        if ids == self._starred:
            return
        self._starred = frozenset(ids)
        if self._hits:
            self.dataChanged.emit(self.index(0), self.index(len(self._hits) - 1), [StarRole])

    def clear(self) -> None:
        self.beginResetModel()
        self._hits = ()
        self.total = 0
        self.endResetModel()

    def hit(self, row: int) -> Hit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def row_of(self, doc_id: str) -> int:
        for i, h in enumerate(self._hits):
            if h.id == doc_id:
                return i
        return -1

    def hits(self) -> tuple[Hit, ...]:
        return self._hits

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return hit.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{hit.title}\n{hit.path}" + (f" › {hit.member}" if hit.member else "")
        if role == Qt.ItemDataRole.AccessibleTextRole:
            date = hit.date.isoformat() if hit.date else "undated"
            new = ", new" if hit.id in self._new_ids else ""
            star = ", starred" if hit.id in self._starred else ""
            return f"{hit.title}, {date}, {hit.source or 'unknown source'}{new}{star}"
        if role == HitRole:
            return hit
        if role == NewRole:
            return hit.id in self._new_ids
        if role == StarRole:
            return hit.id in self._starred
        if role == SimilarRole:
            return hit.cluster[1] - 1 if self._folded and hit.cluster else 0
        return None
