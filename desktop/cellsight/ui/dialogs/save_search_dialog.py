"""Edit → Save search…: a name for the current query, filters and sort.

The dialog only collects the name; ``SavedController`` saves it. A name already in
use is allowed (saving replaces that search's query but keeps when it was last
seen), and the dialog says so rather than refusing.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from ...core.model import SearchRequest
from ..models.saved_model import describe


def suggested_name(request: SearchRequest) -> str:
    """A first name to edit: the query, else the filter values."""
    text = request.query.strip()
    if not text:
        text = " ".join(v for _f, v in request.filters)
    return " ".join(text.split())[:60]


class SaveSearchDialog(QDialog):
    def __init__(self, request: SearchRequest, existing: Iterable[str] = (),
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle("Save search")
        self.setMinimumWidth(420)
        self.request = request
        self._existing = set(existing)  # names are exact in the store: case counts
        self.name_edit = QLineEdit(suggested_name(request), self)
        self.name_edit.setAccessibleName("Name of the saved search")
        self.name_edit.setPlaceholderText("e.g. CATL Europe")
        self.name_edit.selectAll()
        self.summary = QLabel(describe(request), self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setWordWrap(True)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
            parent=self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Name:", self.name_edit)
        form.addRow("Search:", self.summary)
        form.addRow(self.hint)
        form.addRow(self.buttons)
        self.name_edit.textChanged.connect(self._check)
        self._check()

    def name(self) -> str:
        return " ".join(self.name_edit.text().split())

    def _check(self) -> None:
        name = self.name()
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(bool(name))
        same = name in self._existing
        self.hint.setText(f"“{name}” exists: saving replaces its query and filters; what "
                          "you have already seen stays seen." if same else "")
        self.hint.setVisible(bool(same))
