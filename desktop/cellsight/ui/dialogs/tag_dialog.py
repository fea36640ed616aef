"""Ask for a tag to give one document or every result of the current search."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


class TagDialog(QDialog):
    def __init__(self, what: str, known: list[str], parent: QWidget | None = None) -> None:
        """``what``: the sentence saying what will be tagged; ``known``: existing tags."""
        super().__init__(parent)
        self.setWindowTitle("Tag")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        lay = QVBoxLayout(self)
        self.what = QLabel(what, self)
        self.what.setWordWrap(True)
        lay.addWidget(self.what)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Tag, e.g. Europe or supply risk")
        self.edit.setAccessibleName("Tag")
        completer = QCompleter(known, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.edit.setCompleter(completer)
        lay.addWidget(self.edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Tag")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.edit.textChanged.connect(self._update)
        self._update()
        self.resize(380, self.sizeHint().height())

    def tag(self) -> str:
        return " ".join(self.edit.text().split())

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.tag()))
