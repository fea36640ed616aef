"""Pieces of the annotation panel: a tag chip, a list with a Delete key, a time."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QWidget,
)


def local_time(at: dt.datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M")  # stored in UTC, shown in local time


class DeletableList(QListWidget):
    """A list whose Delete key asks to remove the current item."""

    delete_pressed = Signal(QListWidgetItem)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        item = self.currentItem()
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and item is not None:
            self.delete_pressed.emit(item)
            event.accept()
            return
        super().keyPressEvent(event)


class TagChip(QFrame):
    """One tag: its name (click: filter the library by it) and a remove button."""

    def __init__(self, tag: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tag = tag
        self.setObjectName("tagChip")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 0, 0)
        lay.setSpacing(0)
        self.label = QPushButton(tag, self)
        self.label.setFlat(True)
        self.label.setCursor(Qt.CursorShape.PointingHandCursor)
        self.label.setToolTip(f"Show the documents tagged “{tag}”")
        self.remove = QToolButton(self)
        self.remove.setText("✕")
        self.remove.setAutoRaise(True)
        self.remove.setToolTip(f"Remove the tag “{tag}”")
        self.remove.setAccessibleName(f"Remove tag {tag}")
        lay.addWidget(self.label)
        lay.addWidget(self.remove)
