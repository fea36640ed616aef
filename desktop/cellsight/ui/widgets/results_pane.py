"""The results column: the list of hits, or in its place why nothing is listed."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...core.model import Hit, SearchResult
from ..models.results_model import HitRole, ResultsModel
from .date_histogram import DateHistogram
from .results_view import ResultsView


def empty_text(result: SearchResult, *, library_empty: bool, indexing: bool = False) -> str:
    """What to tell the user when ``result`` has no hits: the likeliest way out."""
    if library_empty and indexing:  # the first start, while the samples are read
        return "Indexing the library… documents appear here as they are read."
    if library_empty:
        return "The library is empty. Add a folder with File → Add folder… (Ctrl+O)."
    text = "No documents match."
    if result.suggestion:
        text += f"\n\nDid you mean: {result.suggestion}?"
    if result.request.filters or result.request.excludes:
        text += "\n\nTry removing a filter (Ctrl+Shift+Backspace clears them)."
    else:
        text += "\n\nTry fewer words, a prefix like licens*, or OR between words."
    return text


class ResultsPane(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ResultsModel(self)
        self.view = ResultsView(self.model, self)
        self.empty_label = QLabel(self)
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setVisible(False)
        # Matching documents per month or week above the list; drag to filter by date.
        self.histogram = DateHistogram(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.histogram)
        lay.addWidget(self.view)
        lay.addWidget(self.empty_label)

    def show_empty(self, result: SearchResult, library_empty: Callable[[], bool],
                   indexing: bool = False) -> None:  # fmt: skip
        """The list if ``result`` has hits; otherwise, in its place, why it has none.

        ``library_empty`` is only asked when there is nothing to list: it counts the
        library's documents, not worth doing for every keystroke.
        """
        empty = result.total == 0
        if result.request.offset == 0:  # a next page carries no histogram of its own
            self.histogram.set_histogram(result.histogram, result.undated)
        self.view.setVisible(not empty)
        self.empty_label.setVisible(empty)
        if empty:
            self.empty_label.setText(empty_text(result, library_empty=library_empty(),
                                                indexing=indexing))  # fmt: skip

    def show_error(self, text: str) -> None:
        """A query that could not run: say why instead of showing the old list."""
        self.empty_label.setText(f"{text}\n\nPress F1 for the query syntax.")
        self.histogram.setVisible(False)
        self.empty_label.setVisible(True)
        self.view.setVisible(False)

    def focus_list(self) -> None:
        """↓ from the search box: into the list, on the open hit (or the first)."""
        if not self.view.isVisible() or not self.model.rowCount():
            return
        self.view.setFocus(Qt.FocusReason.TabFocusReason)
        if not self.view.currentIndex().isValid():
            self.view.setCurrentIndex(self.model.index(0))

    def select(self, doc_id: str | None) -> None:
        """Make ``doc_id`` current (which opens it), or the first hit if it is not listed."""
        keep = self.model.row_of(doc_id or "")
        self.view.setCurrentIndex(self.model.index(keep if keep >= 0 else 0))

    def mark_current(self, doc_id: str | None) -> None:
        """Like :meth:`select`, but only marks the row: the reader is not asked to open it."""
        keep = self.model.row_of(doc_id or "")
        self.view.blockSignals(True)  # its ``opened`` is what opens a document
        self.view.setCurrentIndex(self.model.index(keep if keep >= 0 else 0))
        self.view.blockSignals(False)

    def current_hit(self) -> Hit | None:
        index = self.view.currentIndex()
        return index.data(HitRole) if index.isValid() else None

    def follow(self, doc_id: str) -> None:
        """Mark ``doc_id`` as current without opening it again (it is already open)."""
        row = self.model.row_of(doc_id)
        if row >= 0 and self.view.currentIndex().row() != row:
            self.view.blockSignals(True)
            self.view.setCurrentIndex(self.model.index(row))
            self.view.blockSignals(False)
