"""Facet fields and their values with counts, as a two-level checkable tree model.

Rows are plain ``_Node`` objects held by the model (never ints in ``createIndex``).
Long facets show their top values and a "more…" row that expands the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from ...core.model import FacetCount

Index = QModelIndex | QPersistentModelIndex
FacetRole = Qt.ItemDataRole.UserRole + 1  # (field, value) or None
CountRole = Qt.ItemDataRole.UserRole + 2
MoreRole = Qt.ItemDataRole.UserRole + 3
TOP_N = 8
VALUE_LABELS = {("starred", "yes"): "★ starred"}  # what a value shows where its name says little

# In display order. The user's own fields first: they are few, and they are what the
# user filed documents under.
LABELS = {
    "starred": "Starred", "tag": "Tag",
    "company": "Company", "topic": "Topic", "person": "Person", "place": "Place",
    "organisation": "Organisation", "policy": "Policy", "material": "Material",
    "product": "Product", "source": "Source", "year": "Year", "language": "Language",
}


@dataclass(eq=False)
class _Node:
    field: str
    value: str | None = None  # None for a field (group) node
    count: int = 0
    more: bool = False  # the "more…" row
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)


class FacetsModel(QAbstractItemModel):
    toggled = Signal(str, str, bool)  # field, value, checked

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._groups: list[_Node] = []
        self._selected: set[tuple[str, str]] = set()
        self._expanded: set[str] = set()  # fields showing all values
        self._facets: dict[str, tuple[FacetCount, ...]] = {}

    # -- feeding ---------------------------------------------------------------------
    def set_facets(
        self, facets: dict[str, tuple[FacetCount, ...]], selected: set[tuple[str, str]]
    ) -> None:
        self._facets = facets
        self._selected = set(selected)
        self._rebuild()

    def show_all(self, field_name: str) -> None:
        self._expanded.add(field_name)
        self._rebuild()

    def _rebuild(self) -> None:
        self.beginResetModel()
        groups = []
        # The figures' range facets (capacity, money per currency …) after the named ones.
        figures = [n for n in self._facets if n not in LABELS and _figure_label(n)]
        for name in (*LABELS, *figures):
            counts = list(self._facets.get(name, ()))
            # Selected values stay visible (count 0) so they can be unticked.
            shown_values = {c.value for c in counts}
            counts += [FacetCount(v, 0) for f, v in sorted(self._selected)
                       if f == name and v not in shown_values]
            if not counts:
                continue
            group = _Node(name)
            limit = None if name in self._expanded else TOP_N
            visible = counts if limit is None or len(counts) <= limit + 1 else counts[:limit]
            for c in visible:
                group.children.append(_Node(name, c.value, c.count, parent=group))
            if len(visible) < len(counts):
                group.children.append(
                    _Node(name, None, len(counts) - len(visible), more=True, parent=group))
            groups.append(group)
        self._groups = groups
        self.endResetModel()

    # -- Qt model API -------------------------------------------------------------------
    def _node(self, index: Index) -> _Node | None:
        return index.internalPointer() if index.isValid() else None

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if column != 0 or row < 0:
            return QModelIndex()
        node = self._node(parent)
        children = self._groups if node is None else node.children
        if row >= len(children):
            return QModelIndex()
        return self.createIndex(row, 0, children[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        node = self._node(index)
        if node is None or node.parent is None:
            return QModelIndex()
        return self.createIndex(self._groups.index(node.parent), 0, node.parent)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        node = self._node(parent)
        return len(self._groups) if node is None else len(node.children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 1

    def flags(self, index: Index) -> Qt.ItemFlag:
        node = self._node(index)
        if node is None:
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if node.value is not None:
            base |= Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self._node(index)
        if node is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if node.more:
                return f"more… ({node.count})"
            if node.value is None:
                return LABELS.get(node.field) or _figure_label(node.field) or node.field
            shown = VALUE_LABELS.get((node.field, node.value), node.value)
            return f"{shown}  ({node.count})"
        if role == Qt.ItemDataRole.ToolTipRole and node.value is not None and not node.more:
            # The name in full where a narrow sidebar elides it.
            shown = VALUE_LABELS.get((node.field, node.value), node.value)
            return f"{shown}: {node.count} document{'s' if node.count != 1 else ''}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if node.value is None:
                return LABELS.get(node.field) or _figure_label(node.field) or node.field
            return f"{node.value}, {node.count} documents"
        if role == Qt.ItemDataRole.CheckStateRole and node.value is not None:
            on = (node.field, node.value) in self._selected
            return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        if role == FacetRole:
            return (node.field, node.value) if node.value is not None else None
        if role == CountRole:
            return node.count
        if role == MoreRole:
            return node.field if node.more else None
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        node = self._node(index)
        if node is None or node.value is None or role != Qt.ItemDataRole.CheckStateRole:
            return False
        on = Qt.CheckState(value) == Qt.CheckState.Checked
        key = (node.field, node.value)
        if on:
            self._selected.add(key)
        else:
            self._selected.discard(key)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.toggled.emit(node.field, node.value, on)
        return True


_FIGURE_NAMES = {"capacity": "Capacity", "mass": "Mass", "pct": "Share", "money": "Money",
                 "price": "Price"}  # fmt: skip


def _figure_label(name: str) -> str:
    """ "Capacity (GWh)", "Money (CNY)": a range facet's heading; "" for other names."""
    from ...core.enrich import units
    from ...core.query.numeric_syntax import is_numeric_field

    if not is_numeric_field(name):
        return ""
    column = {"capacity": "capacity_gwh", "mass": "mass_t"}.get(name, name)
    try:
        return f"{_FIGURE_NAMES.get(units.family(column), name)} ({units.column_unit(column)})"
    except (KeyError, ValueError):
        return name
