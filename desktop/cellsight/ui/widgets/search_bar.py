"""The search box: debounced search-as-you-type, Enter for now, recent queries, help."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QWheelEvent
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QWhatsThis,
    QWidget,
)

DEBOUNCE_MS = 150
MAX_RECENT = 20

QUERY_HELP = """<b>Query syntax</b><br>
<table cellspacing=4>
<tr><td><code>lithium price</code></td><td>both words (AND is the default)</td></tr>
<tr><td><code>LFP OR LMFP</code></td><td>either word</td></tr>
<tr><td><code>battery NOT sodium</code></td><td>exclude a word</td></tr>
<tr><td><code>"energy storage"</code></td><td>an exact phrase</td></tr>
<tr><td><code>company:CATL</code></td><td>a field: company, person, place, org, policy,
 material, product, topic, source, year, author, title</td></tr>
<tr><td><code>licens*</code></td><td>prefix / wildcard</td></tr>
<tr><td><code>gigafactroy~</code></td><td>fuzzy (tolerates typos)</td></tr>
<tr><td><code>date:2024</code>, <code>date:[2024-01 to 2024-06]</code>,
 <code>date:&gt;2025-01-01</code></td><td>dates</td></tr>
<tr><td><code>*</code> or empty</td><td>every document, newest first</td></tr>
</table>"""


class SortBox(QComboBox):
    """A combo box that changes only when opened: reached by Tab, an arrow key or the
    mouse wheel passing over it silently re-sorted the results (issue 17). Space,
    Alt+↓ or a click open it."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp,
                           Qt.Key.Key_PageDown, Qt.Key.Key_Home, Qt.Key.Key_End) and not (
                event.modifiers() & Qt.KeyboardModifier.AltModifier):  # fmt: skip
            event.ignore()
            return
        super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        event.ignore()


class SearchBar(QWidget):
    # (text, typing): typing is True for the debounced search-as-you-type, False for Enter.
    query_changed = Signal(str, bool)
    sort_changed = Signal(str)  # "relevance" | "date"
    suggestion_accepted = Signal(str)
    to_results = Signal()  # ↓ in the box: the results list takes the keyboard

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText('Search articles — e.g. licensing company:CATL  (Ctrl+L)')
        self.edit.setClearButtonEnabled(True)
        self.edit.setAccessibleName("Search")
        self.edit.setObjectName("searchEdit")
        self._recent = QStringListModel(self)
        # Recent queries on request only (Alt+↓), and only those containing what is
        # typed: attached with setCompleter, the popup opened over the typing and listed
        # every query.
        completer = QCompleter(self._recent, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setWidget(self.edit)
        completer.activated.connect(self._recent_chosen)
        self.completer = completer
        self.edit.installEventFilter(self)

        self.help_button = QToolButton(self)
        self.help_button.setText("?")
        self.help_button.setToolTip("Query syntax")
        self.help_button.setAccessibleName("Query syntax help")
        self.help_button.clicked.connect(self.show_help)

        self.sort = SortBox(self)
        self.sort.addItem("Relevance", "relevance")
        self.sort.addItem("Newest first", "date")
        self.sort.setAccessibleName("Sort results")
        self.sort.currentIndexChanged.connect(
            lambda _i: self.sort_changed.emit(self.sort.currentData()))

        self.suggestion = QLabel(self)
        self.suggestion.setAccessibleName("Spelling suggestion")
        self.suggestion.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.suggestion.linkActivated.connect(
            lambda _l: self.suggestion_accepted.emit(self._suggested))
        self.suggestion.setVisible(False)
        self._suggested = ""

        self.count_label = QLabel(self)
        self.count_label.setAccessibleName("Result count")
        self.count_label.setMinimumWidth(110)

        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.edit, 1)
        lay.addWidget(self.suggestion)
        lay.addWidget(self.help_button)
        lay.addWidget(QLabel("Sort:", self))
        lay.addWidget(self.sort)
        lay.addWidget(self.count_label)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(lambda: self._emit(typing=True))
        self.edit.textEdited.connect(lambda _t: self.timer.start())
        self.edit.returnPressed.connect(self.submit)
        # Clearing with the button is an edit too, but emits no textEdited.
        self.edit.textChanged.connect(lambda t: self.timer.start() if not t else None)

        focus = QAction(self)
        focus.setShortcut(QKeySequence("Ctrl+L"))
        focus.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        focus.triggered.connect(self.focus_search)
        self.addAction(focus)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            popup = self.completer.popup()
            if event.key() == Qt.Key.Key_Down and not popup.isVisible():
                if event.modifiers() & Qt.KeyboardModifier.AltModifier:
                    self.show_recent()
                else:
                    self.to_results.emit()
                return True
        return super().eventFilter(watched, event)

    def show_recent(self) -> None:
        self.completer.setCompletionPrefix(self.edit.text().strip())
        if self.completer.completionCount():
            self.completer.complete()

    def _recent_chosen(self, text: str) -> None:
        self.edit.setText(text)
        self.submit()

    def focus_search(self) -> None:
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.edit.selectAll()

    def text(self) -> str:
        return self.edit.text()

    def set_text(self, text: str) -> None:
        """Set without emitting (restoring state)."""
        self.edit.blockSignals(True)
        self.edit.setText(text)
        self.edit.blockSignals(False)

    def set_sort(self, sort: str) -> None:
        i = self.sort.findData(sort)
        if i >= 0:
            self.sort.blockSignals(True)
            self.sort.setCurrentIndex(i)
            self.sort.blockSignals(False)

    def submit(self) -> None:
        self.timer.stop()
        self.remember(self.edit.text())
        self._emit(typing=False)

    def _emit(self, *, typing: bool) -> None:
        self.query_changed.emit(self.edit.text().strip(), typing)

    def remember(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        items = [text] + [q for q in self._recent.stringList() if q != text]
        self._recent.setStringList(items[:MAX_RECENT])

    def recent(self) -> list[str]:
        return self._recent.stringList()

    def set_recent(self, items: list[str]) -> None:
        self._recent.setStringList(items[:MAX_RECENT])

    def show_help(self) -> None:
        QWhatsThis.showText(
            self.help_button.mapToGlobal(self.help_button.rect().bottomLeft()), QUERY_HELP,
            self.help_button)

    def set_suggestion(self, text: str | None) -> None:
        """Offer "Did you mean …" as a link; None hides it."""
        import html

        self._suggested = text or ""
        self.suggestion.setVisible(bool(text))
        if text:
            self.suggestion.setText(f"Did you mean <a href='#'>{html.escape(text)}</a>?")

    def set_count(self, text: str) -> None:
        self.count_label.setText(text)
