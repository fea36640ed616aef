"""Teach the catalogue from the reader: add a selection as a new entity or as an alias.

"entity" mode asks for a type and a canonical name (the selection by default);
"alias" mode asks which existing entity the selection names, from a combo box that
filters as you type. The dialog only collects the answer; the caller applies it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from ...core.model import ENTITY_TYPES
from ..theme import ENTITY_LABELS

ENTITY_MODE, ALIAS_MODE = "entity", "alias"


class EntityDialog(QDialog):
    def __init__(
        self,
        selection: str,
        *,
        mode: str = ENTITY_MODE,
        choices: Sequence[tuple[str, str, str]] = (),
        parent: QWidget | None = None,
    ) -> None:
        """``choices`` are the existing entities as (id, name, type), for alias mode."""
        super().__init__(parent)
        if mode not in (ENTITY_MODE, ALIAS_MODE):
            raise ValueError(f"unknown mode {mode!r}")
        self.mode = mode
        self._selection = " ".join(selection.split())
        layout = QFormLayout(self)
        shown = QLabel(self._selection, self)
        shown.setWordWrap(True)
        shown.setTextFormat(Qt.TextFormat.PlainText)
        shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addRow("Selected text:", shown)
        self.type_combo = QComboBox(self)
        self.name_edit = QLineEdit(self)
        self.entity_combo = QComboBox(self)
        self.alias_edit = QLineEdit(self)
        if mode == ENTITY_MODE:
            self.setWindowTitle("Add as entity")
            self.type_combo.setAccessibleName("Entity type")
            for etype in ENTITY_TYPES:
                self.type_combo.addItem(ENTITY_LABELS.get(etype, etype.title()), etype)
            layout.addRow("&Type:", self.type_combo)
            self.name_edit.setText(self._selection)
            self.name_edit.setAccessibleName("Canonical name")
            self.name_edit.textChanged.connect(self._validate)
            layout.addRow("Canonical &name:", self.name_edit)
            hint = "The selected text will be recognised as this entity in every document."
        else:
            self.setWindowTitle("Add as alias")
            self._fill_entities(choices)
            layout.addRow("&Entity:", self.entity_combo)
            self.alias_edit.setText(self._selection)
            self.alias_edit.setAccessibleName("Alias")
            self.alias_edit.textChanged.connect(self._validate)
            layout.addRow("&Alias:", self.alias_edit)
            hint = "The alias will be recognised as the chosen entity in every document."
        unused = (
            (self.entity_combo, self.alias_edit)
            if mode == ENTITY_MODE
            else (self.type_combo, self.name_edit)
        )
        for widget in unused:
            widget.hide()
        note = QLabel(hint + " Documents are updated when the catalogue is re-applied.", self)
        note.setWordWrap(True)
        layout.addRow(note)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addRow(self.buttons)
        self.setMinimumWidth(380)
        self._validate()

    def _fill_entities(self, choices: Sequence[tuple[str, str, str]]) -> None:
        combo = self.entity_combo
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.setAccessibleName("Existing entity")
        ordered = sorted(choices, key=lambda c: (c[1].casefold(), c[2], c[0]))
        for entity_id, name, etype in ordered:
            combo.addItem(f"{name} ({ENTITY_LABELS.get(etype, etype)})", entity_id)
        completer = QCompleter(combo.model(), combo)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        combo.setCompleter(completer)
        combo.lineEdit().setPlaceholderText("Type to search entities")
        combo.setCurrentIndex(-1)
        combo.setEditText("")
        combo.currentIndexChanged.connect(self._validate)
        combo.editTextChanged.connect(self._validate)

    # -- answers ------------------------------------------------------------------------
    def entity_type(self) -> str:
        return str(self.type_combo.currentData() or "")

    def canonical_name(self) -> str:
        return " ".join(self.name_edit.text().split())

    def selection(self) -> str:
        return self._selection

    def alias(self) -> str:
        return " ".join(self.alias_edit.text().split())

    def selected_entity_id(self) -> str | None:
        """The chosen entity, only when the combo's text is exactly one of its items."""
        combo = self.entity_combo
        index = combo.findText(combo.currentText(), Qt.MatchFlag.MatchExactly)
        return combo.itemData(index) if index >= 0 else None

    def choose_entity(self, entity_id: str) -> bool:
        index = self.entity_combo.findData(entity_id)
        if index >= 0:
            self.entity_combo.setCurrentIndex(index)
        return index >= 0

    def _validate(self, *_args: object) -> None:
        if self.mode == ENTITY_MODE:
            ok = bool(self.canonical_name()) and bool(self.entity_type())
        else:
            ok = bool(self.alias()) and self.selected_entity_id() is not None
        button: QPushButton = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        button.setEnabled(ok)
