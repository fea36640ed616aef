"""What the user attached to the open document: star, tags, notes, quotes.

The panel only shows an ``Annotations`` value and says what the user asked for
(signals); the annotations controller writes to the workbench and hands back the
document's new annotations. A read-only library shows them with every control
disabled and the reason as its tooltip.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QPoint, QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.workbench.records import Annotations, Note, Quote
from ..theme import colours, is_dark
from .annotation_items import DeletableList, TagChip, local_time
from .flow_layout import FlowLayout

_ID = Qt.ItemDataRole.UserRole + 1
_SPAN = Qt.ItemDataRole.UserRole + 2  # a quote's (start, end)
QUOTE_CHARS = 110  # a quote longer than this is shown cut, in full in its tooltip
STAR_COLOURS = {False: "#b07d00", True: "#f5c542"}  # by dark theme


class AnnotationPanel(QWidget):
    star_toggled = Signal(bool)
    tag_added = Signal(str)
    tag_removed = Signal(str)
    tag_clicked = Signal(str)
    note_added = Signal(str)
    note_edited = Signal(int, str)  # note id, new text ("" deletes)
    note_removed = Signal(int)
    quote_activated = Signal(int, int)  # start, end in the document's full text
    quote_removed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Your star, tags, notes and quotes for this document")
        self._ann: Annotations | None = None
        self._editing: int | None = None  # the note being edited in the note field
        self._why_not = ""  # why nothing can be changed ("" when it can)
        self.chips: list[TagChip] = []
        # The strip: star, tag chips and the field for a new tag, wrapping as needed.
        self.strip = QWidget(parent)
        self.strip.setAccessibleName("Star and tags of this document")
        self.tag_flow = FlowLayout(self.strip)
        self.star_button = QToolButton(self.strip)
        self.star_button.setObjectName("starButton")
        self.star_button.setCheckable(True)
        self.star_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.star_button.toggled.connect(self._star_changed)
        self.tag_flow.addWidget(self.star_button)
        self.tag_edit = QLineEdit(self.strip)
        self.tag_edit.setPlaceholderText("Add a tag…")
        self.tag_edit.setAccessibleName("Add a tag")
        self.tag_edit.setFixedWidth(150)
        self._tag_names = QStringListModel(self)
        completer = QCompleter(self._tag_names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.tag_edit.setCompleter(completer)
        self.tag_edit.returnPressed.connect(self._add_tag)
        self.tag_flow.addWidget(self.tag_edit)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 6, 0, 0)
        lay.setSpacing(4)
        self.notes_heading = self._heading("Notes")
        lay.addWidget(self.notes_heading)
        self.notes = DeletableList(self)
        self.notes.setAccessibleName("Notes on this document")
        self.notes.setToolTip("Double-click a note to edit it; Delete removes it")
        self.note_edit = QLineEdit(self)
        self.note_edit.setPlaceholderText("Write a note and press Enter…")
        self.note_edit.setAccessibleName("New note")
        self.note_edit.returnPressed.connect(self._commit_note)
        self.notes.itemDoubleClicked.connect(self._edit_note)
        self.notes.delete_pressed.connect(self._remove_note)
        lay.addWidget(self.notes, 2)
        lay.addWidget(self.note_edit)

        self.quotes_heading = self._heading("Quotes")
        lay.addWidget(self.quotes_heading)
        self.quotes = DeletableList(self)
        self.quotes.setAccessibleName("Quotes saved from this document")
        self.quotes.setToolTip("Select text in the article and choose Save quote (Ctrl+Shift+Q); "
                               "click a quote to find it in the text")
        self.quotes.itemClicked.connect(self._activate_quote)
        self.quotes.itemActivated.connect(self._activate_quote)
        self.quotes.delete_pressed.connect(self._remove_quote)
        lay.addWidget(self.quotes, 3)
        for view in (self.notes, self.quotes):
            view.setWordWrap(True)
            view.setSpacing(2)
            view.setAlternatingRowColors(True)  # where one multi-line item ends
            view.setResizeMode(QListWidget.ResizeMode.Adjust)
            view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.notes.customContextMenuRequested.connect(self._notes_menu)
        self.quotes.customContextMenuRequested.connect(self._quotes_menu)
        self.refresh_theme()
        self.clear()

    def _heading(self, text: str) -> QLabel:
        label = QLabel(text, self)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        return label

    # -- feeding -------------------------------------------------------------------------
    def show_annotations(self, ann: Annotations, authors: Mapping[int, str] | None = None) -> None:
        """Show ``ann`` (the open document's); keeps a half-written note if it is the same.
        ``authors``: note id → who wrote it and when (a team library's notes)."""
        if self._ann is None or self._ann.doc_id != ann.doc_id:
            self._stop_editing(clear=True)
        self._ann = ann
        self.star_button.blockSignals(True)
        self.star_button.setChecked(ann.starred)
        self.star_button.blockSignals(False)
        self._show_star()
        self._show_tags(ann.tags)
        self.notes.clear()
        authors = authors or {}
        for note in ann.notes:
            self.notes.addItem(self._note_item(note, authors.get(note.id)))
        self.quotes.clear()
        for quote in ann.quotes:
            self.quotes.addItem(self._quote_item(quote))
        heading = "Notes" if authors else "Your notes"  # a team's notes are not all yours
        self.notes_heading.setText(f"{heading} ({len(ann.notes)})" if ann.notes else heading)
        self.quotes_heading.setText(f"Quotes ({len(ann.quotes)})" if ann.quotes else "Quotes")
        self.setVisible(True)
        self.strip.setVisible(True)

    def clear(self) -> None:
        self._ann = None
        self._stop_editing(clear=True)
        self._show_tags(())
        self.notes.clear()
        self.quotes.clear()
        self.setVisible(False)
        self.strip.setVisible(False)

    def annotations(self) -> Annotations | None:
        return self._ann

    def set_known_tags(self, tags: list[str]) -> None:
        """Every tag in the library, offered as the user types one."""
        self._tag_names.setStringList(tags)

    def set_writable(self, writable: bool, why: str = "") -> None:
        self._why_not = "" if writable else (why or "This library cannot be changed.")
        for w in (self.star_button, self.tag_edit, self.note_edit):
            w.setEnabled(writable)
            w.setToolTip(self._why_not)
        self._show_star()
        if self._ann is not None:
            self._show_tags(self._ann.tags)

    def refresh_theme(self) -> None:
        c = colours(is_dark())
        self.strip.setStyleSheet(
            f"QFrame#tagChip {{ background: {c['chip']}; border-radius: 10px; }}"
            f"QFrame#tagChip QPushButton, QFrame#tagChip QToolButton {{ color: {c['chip_text']};"
            " border: none; padding: 1px 3px; background: transparent; }"
            f"QToolButton#starButton:checked {{ color: {STAR_COLOURS[is_dark()]}; }}")

    # -- star and tags -------------------------------------------------------------------
    def _show_star(self) -> None:
        on = self.star_button.isChecked()
        self.star_button.setText("★ Starred" if on else "☆ Star")
        self.star_button.setAccessibleName("Starred: click to unstar" if on else "Star")
        if not self._why_not:
            self.star_button.setToolTip("Unstar this document" if on else
                                        "Star this document (find it with starred:yes)")

    def _star_changed(self, on: bool) -> None:
        self._show_star()
        self.star_toggled.emit(on)

    def _show_tags(self, tags: tuple[str, ...]) -> None:
        for chip in self.chips:
            self.tag_flow.removeWidget(chip)
            chip.deleteLater()
        self.tag_flow.removeWidget(self.tag_edit)
        self.chips = []
        for tag in tags:
            chip = TagChip(tag, self.strip)
            chip.label.clicked.connect(lambda _c=False, t=tag: self.tag_clicked.emit(t))
            chip.remove.clicked.connect(lambda _c=False, t=tag: self.tag_removed.emit(t))
            chip.remove.setEnabled(not self._why_not)
            if self._why_not:
                chip.remove.setToolTip(self._why_not)
            self.tag_flow.addWidget(chip)
            self.chips.append(chip)
        self.tag_flow.addWidget(self.tag_edit)  # the field stays last, after the chips
        self.strip.updateGeometry()

    def _add_tag(self) -> None:
        tag = " ".join(self.tag_edit.text().split())
        if tag:
            self.tag_edit.clear()
            self.tag_added.emit(tag)

    # -- notes ---------------------------------------------------------------------------
    def _note_item(self, note: Note, author: str | None = None) -> QListWidgetItem:
        item = QListWidgetItem(f"{note.text}\n— {author or local_time(note.at)}")
        item.setData(_ID, note.id)
        by = f", by {author}" if author else ""
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"Note: {note.text}{by}")
        return item

    def _commit_note(self) -> None:
        text = self.note_edit.text().strip()
        editing = self._editing
        self._stop_editing(clear=True)
        if editing is not None:
            self.note_edited.emit(editing, text)
        elif text:
            self.note_added.emit(text)

    def edit_note(self, note_id: int) -> None:
        """Put note ``note_id`` into the note field; Enter saves it, an empty field deletes."""
        note = next((n for n in self._ann.notes if n.id == note_id), None) if self._ann else None
        if note is None or self._why_not:
            return
        self._editing = note_id
        self.note_edit.setText(note.text)
        self.note_edit.setPlaceholderText("Edit the note; Enter saves, empty deletes")
        self.note_edit.setFocus()

    def _stop_editing(self, *, clear: bool) -> None:
        self._editing = None
        self.note_edit.setPlaceholderText("Write a note and press Enter…")
        if clear:
            self.note_edit.clear()

    def _edit_note(self, item: QListWidgetItem) -> None:
        self.edit_note(int(item.data(_ID)))

    def _remove_note(self, item: QListWidgetItem) -> None:
        if not self._why_not:
            self.note_removed.emit(int(item.data(_ID)))

    def _notes_menu(self, pos: QPoint) -> None:
        item = self.notes.itemAt(pos)
        if item is None:
            return
        menu = QMenu(self)
        for text, slot in (("Edit", self._edit_note), ("Delete", self._remove_note)):
            act = menu.addAction(text, lambda s=slot: s(item))
            act.setEnabled(not self._why_not)
        menu.exec(self.notes.viewport().mapToGlobal(pos))

    # -- quotes --------------------------------------------------------------------------
    def _quote_item(self, quote: Quote) -> QListWidgetItem:
        text = " ".join(quote.text.split())
        shown = text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rstrip() + "…"
        item = QListWidgetItem(f"“{shown}”\n— {local_time(quote.at)}")
        item.setData(_ID, quote.id)
        item.setData(_SPAN, (quote.start, quote.end))
        item.setToolTip(text if len(text) > QUOTE_CHARS else "Click to find it in the text")
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"Quote: {text}")
        return item

    def _activate_quote(self, item: QListWidgetItem) -> None:
        start, end = item.data(_SPAN)
        self.quote_activated.emit(int(start), int(end))

    def _remove_quote(self, item: QListWidgetItem) -> None:
        if not self._why_not:
            self.quote_removed.emit(int(item.data(_ID)))

    def _quotes_menu(self, pos: QPoint) -> None:
        item = self.quotes.itemAt(pos)
        if item is None:
            return
        menu = QMenu(self)
        menu.addAction("Show in the text", lambda: self._activate_quote(item))
        delete = menu.addAction("Delete", lambda: self._remove_quote(item))
        delete.setEnabled(not self._why_not)
        menu.exec(self.quotes.viewport().mapToGlobal(pos))
