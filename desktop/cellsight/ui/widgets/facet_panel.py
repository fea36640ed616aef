"""The facet sidebar: counts per field, tick to filter, right-click to exclude."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtWidgets import QMenu, QTreeView, QVBoxLayout, QWidget

from ...core.model import ENTITY_TYPES, FacetCount
from ..models.facets_model import FacetRole, FacetsModel, MoreRole


class FacetPanel(QWidget):
    toggled = Signal(str, str, bool)  # field, value, on
    excluded = Signal(str, str)
    entity_page_requested = Signal(str, str)  # field, value: an entity facet's value

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = FacetsModel(self)
        self.view = QTreeView(self)
        self.view.setModel(self.model)
        self.view.setHeaderHidden(True)
        self.view.setUniformRowHeights(True)
        # "General Motors (3)" cut at the right lost its count; cut in the middle,
        # the count stays (the full name is the tooltip).
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.view.setAccessibleName("Facets")
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.view.activated.connect(self._activated)
        self.view.clicked.connect(self._clicked)
        self.model.toggled.connect(self.toggled)
        self.model.modelReset.connect(self.view.expandAll)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view)

    def set_facets(
        self, facets: dict[str, tuple[FacetCount, ...]], selected: set[tuple[str, str]]
    ) -> None:
        self.model.set_facets(facets, selected)

    def _clicked(self, index: QModelIndex) -> None:
        more = index.data(MoreRole)
        if more:
            self.model.show_all(more)

    def _activated(self, index: QModelIndex) -> None:
        # Enter/double-click toggles a value, so the keyboard alone can filter.
        pair = index.data(FacetRole)
        if pair:
            checked = index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
            self.model.setData(
                index,
                (Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked).value,
                Qt.ItemDataRole.CheckStateRole,
            )
        else:
            self._clicked(index)

    def _menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        pair = index.data(FacetRole) if index.isValid() else None
        if not pair:
            return
        field, value = pair
        menu = QMenu(self)
        menu.addAction(f"Filter by “{value}”", lambda: self.toggled.emit(field, value, True))
        menu.addAction(f"Exclude “{value}”", lambda: self.excluded.emit(field, value))
        if field in ENTITY_TYPES:  # an entity's facet is named after its type
            menu.addSeparator()
            menu.addAction("Open entity page",
                           lambda: self.entity_page_requested.emit(field, value))
        menu.exec(self.view.viewport().mapToGlobal(pos))
