"""Find in the open article: a bar under the text with a match counter.

All matches are marked with extra selections (they leave the document's own
formatting alone, so entity highlights survive) and the current one is selected and
scrolled into view. The owner calls ``refresh()`` after replacing the document's
content, because old matches point into text that no longer exists.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPalette, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTextEdit,
    QToolButton,
    QWidget,
)

from ..theme import colours, is_dark


class _FindEdit(QLineEdit):
    """Enter finds the next match, Shift+Enter the previous one, Esc closes."""

    next_requested = Signal()
    previous_requested = Signal()
    close_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            (self.previous_requested if shift else self.next_requested).emit()
            event.accept()
            return
        if key == Qt.Key.Key_Escape:
            self.close_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class FindBar(QWidget):
    closed = Signal()

    def __init__(self, editor: QTextEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Find in article")
        self._editor = editor
        self._matches: list[QTextCursor] = []
        self._current = -1
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.addWidget(QLabel("Find:", self))
        self.edit = _FindEdit(self)
        self.edit.setPlaceholderText("Find in article")
        self.edit.setAccessibleName("Text to find in the article")
        self.edit.setClearButtonEnabled(True)
        self.edit.textChanged.connect(self._on_text)
        self.edit.next_requested.connect(self.find_next)
        self.edit.previous_requested.connect(self.find_previous)
        self.edit.close_requested.connect(self.close_bar)
        lay.addWidget(self.edit, 1)
        self.prev_button = self._button("▲", "Previous match (Shift+Enter)", self.find_previous)
        self.next_button = self._button("▼", "Next match (Enter)", self.find_next)
        self.count_label = QLabel("", self)
        metrics = self.count_label.fontMetrics()
        self.count_label.setMinimumWidth(metrics.horizontalAdvance("888 of 888"))
        self.count_label.setAccessibleName("Match count")
        lay.addWidget(self.count_label)
        close = self._button("✕", "Close (Esc)", self.close_bar)
        close.setAutoRaise(True)
        self.setVisible(False)

    def _button(self, text: str, tip: str, slot: object) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip.split(" (")[0])
        button.clicked.connect(slot)
        self.layout().addWidget(button)
        return button

    # -- public -----------------------------------------------------------------------
    def open_bar(self) -> None:
        self.setVisible(True)
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.edit.selectAll()
        self.refresh()

    def close_bar(self) -> None:
        self.setVisible(False)
        self._matches, self._current = [], -1
        self._editor.setExtraSelections([])
        cursor = self._editor.textCursor()
        cursor.clearSelection()
        self._editor.setTextCursor(cursor)
        self._editor.setFocus(Qt.FocusReason.OtherFocusReason)
        self.closed.emit()

    def search(self, text: str) -> None:
        self.edit.setText(text)  # textChanged runs the search

    def refresh(self) -> None:
        """Find the current text again, e.g. after the document was re-rendered."""
        self._run(keep_position=True)

    def find_next(self) -> None:
        self._step(+1)

    def find_previous(self) -> None:
        self._step(-1)

    def match_count(self) -> int:
        return len(self._matches)

    def current_index(self) -> int:
        """Zero-based index of the current match, -1 when there is none."""
        return self._current

    # -- internals --------------------------------------------------------------------
    def _on_text(self, _text: str) -> None:
        self._run(keep_position=False)

    def _run(self, *, keep_position: bool) -> None:
        previous = self._current
        needle = self.edit.text()
        self._matches = []
        if needle and self.isVisible():
            doc = self._editor.document()
            cursor = doc.find(needle, 0, QTextDocument.FindFlag(0))
            while not cursor.isNull():
                self._matches.append(cursor)
                cursor = doc.find(needle, cursor, QTextDocument.FindFlag(0))
        if not self._matches:
            self._current = -1
        elif keep_position and 0 <= previous < len(self._matches):
            self._current = previous
        else:
            self._current = 0
        self._paint()

    def _step(self, delta: int) -> None:
        if not self._matches:
            return
        self._current = (self._current + delta) % len(self._matches)
        self._paint()

    def _paint(self) -> None:
        c = colours(is_dark())
        every = QTextCharFormat()
        every.setBackground(QColor(c["mark"]))
        every.setForeground(QColor(c["mark_text"]))
        current = QTextCharFormat()
        palette = self._editor.palette()
        current.setBackground(palette.color(QPalette.ColorRole.Highlight))
        current.setForeground(palette.color(QPalette.ColorRole.HighlightedText))
        selections = []
        for i, cursor in enumerate(self._matches):
            sel = QTextEdit.ExtraSelection()
            sel.cursor = cursor
            sel.format = current if i == self._current else every
            selections.append(sel)
        self._editor.setExtraSelections(selections)
        if self._current >= 0:
            # Select the match so it scrolls into view and Copy takes it.
            self._editor.setTextCursor(QTextCursor(self._matches[self._current]))
            self._editor.ensureCursorVisible()
            self.count_label.setText(f"{self._current + 1} of {len(self._matches)}")
        else:
            self.count_label.setText("No matches" if self.edit.text() else "")
        self.prev_button.setEnabled(len(self._matches) > 1)
        self.next_button.setEnabled(len(self._matches) > 1)
