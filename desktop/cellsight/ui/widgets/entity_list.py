""" "In this article": the entities a document mentions, grouped by type, with counts.

Clicking (or pressing Enter on) an entity asks for the library to be filtered by it,
like clicking its highlight in the text. Quantities are listed for reading but are
not filters, so they do not emit.

The type legend sits with it: one checkable chip per entity type in the article,
in the type's highlight colour, that turns that type's highlighting on and off.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.model import ENTITY_TYPES
from ...core.query.entities_summary import EntityCount
from ..theme import ENTITY_LABELS, colours

_TYPE_ROLE = Qt.ItemDataRole.UserRole + 1
_ID_ROLE = Qt.ItemDataRole.UserRole + 2


def type_icon(etype: str, dark: bool, size: int = 12) -> QIcon:
    """A small rounded square in the entity type's highlight colour."""
    c = colours(dark)
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(QColor(c["muted"]))
    painter.setBrush(QColor(c.get(etype, c["quantity"])))
    painter.drawRoundedRect(0.5, 0.5, size - 1.0, size - 1.0, 3.0, 3.0)
    painter.end()
    return QIcon(pix)


class _Tree(QTreeWidget):
    """A tree whose Enter key activates the current entity (click is handled by the list)."""

    enter_pressed = Signal(QTreeWidgetItem)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        item = self.currentItem()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and item is not None:
            self.enter_pressed.emit(item)
            event.accept()
            return
        super().keyPressEvent(event)


class EntityList(QWidget):
    entity_clicked = Signal(str, str)  # type, canonical name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Entities in this article")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self._title = QLabel("In this article", self)
        font = self._title.font()
        font.setBold(True)
        self._title.setFont(font)
        lay.addWidget(self._title)
        self.tree = _Tree(self)
        self.tree.setAccessibleName("Entities mentioned, grouped by type")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Entity", "Mentions"])
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setIconSize(QSize(12, 12))
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemClicked.connect(self._on_item)
        self.tree.enter_pressed.connect(self._on_item)
        lay.addWidget(self.tree, 1)
        self._empty = QLabel("No entities recognised.", self)
        self._empty.setWordWrap(True)
        lay.addWidget(self._empty)
        self._counts: dict[str, list[EntityCount]] = {}
        self._dark = False
        self.clear()

    def show_counts(self, counts: dict[str, list[EntityCount]], *, dark: bool) -> None:
        """Fill the tree from ``entity_counts(doc)`` (types already in display order)."""
        self._counts, self._dark = counts, dark
        self.tree.clear()
        c = colours(dark)
        for etype, entries in counts.items():
            if not entries:
                continue
            total = sum(e.count for e in entries)
            label = ENTITY_LABELS.get(etype, etype.title())
            group = QTreeWidgetItem([f"{label} ({len(entries)})", str(total)])
            group.setIcon(0, type_icon(etype, dark))
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setForeground(1, QColor(c["muted"]))
            group.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for entry in entries:
                item = QTreeWidgetItem([entry.name, str(entry.count)])
                item.setData(0, _TYPE_ROLE, etype)
                item.setData(0, _ID_ROLE, entry.entity_id)
                item.setTextAlignment(
                    1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
                if etype in ENTITY_TYPES:
                    item.setToolTip(0, f"Show the library filtered by {label}: {entry.name}")
                group.addChild(item)
            self.tree.addTopLevelItem(group)
            group.setExpanded(True)
        has_any = self.tree.topLevelItemCount() > 0
        self.tree.setVisible(has_any)
        self._empty.setVisible(not has_any)

    def clear(self) -> None:
        self.show_counts({}, dark=self._dark)

    def refresh_theme(self, dark: bool) -> None:
        self.show_counts(self._counts, dark=dark)

    def entity_items(self) -> list[QTreeWidgetItem]:
        """Every entity row (not the type groups), in display order."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            out.extend(group.child(j) for j in range(group.childCount()))
        return out

    def _on_item(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        etype = item.data(0, _TYPE_ROLE)
        if etype in ENTITY_TYPES:
            self.entity_clicked.emit(etype, item.text(0))


class TypeLegend(QWidget):
    toggled = Signal(str, bool)  # entity type, highlighted

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Highlight legend")
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(4)
        self._buttons: dict[str, QPushButton] = {}

    def show_types(self, types: list[str], *, hidden: set[str], dark: bool) -> None:
        while self._row.count():
            item = self._row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self._buttons = {}
        self.setVisible(bool(types))
        if not types:
            return
        c = colours(dark)
        self._row.addWidget(QLabel("Highlight:", self))
        for etype in types:
            label = ENTITY_LABELS.get(etype, etype.title())
            button = QPushButton(label, self)
            button.setCheckable(True)
            button.setChecked(etype not in hidden)
            button.setAccessibleName(f"Highlight {label} mentions")
            button.setToolTip(f"Show or hide the highlighting of {label.lower()} mentions")
            bg = c.get(etype, c["quantity"])
            button.setStyleSheet(
                f"QPushButton {{ border-radius: 8px; padding: 1px 8px; border: 1px solid {bg};"
                f" background: transparent; color: {c['muted']}; }}"
                f"QPushButton:checked {{ background: {bg}; color: {c['entity_text']}; }}"
                f"QPushButton:focus {{ border: 1px solid {c['link']}; }}"
            )
            button.toggled.connect(lambda on, t=etype: self.toggled.emit(t, on))
            self._row.addWidget(button)
            self._buttons[etype] = button
        self._row.addStretch(1)

    def buttons(self) -> dict[str, QPushButton]:
        return dict(self._buttons)

    def set_checked(self, etype: str, checked: bool) -> bool:
        """Check or uncheck a type's chip; True if that changed it (and emitted)."""
        button = self._buttons.get(etype)
        if button is None or button.isChecked() == checked:
            return False
        button.setChecked(checked)
        return True
