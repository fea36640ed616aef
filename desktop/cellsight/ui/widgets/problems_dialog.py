"""The Problems view: files that could not be indexed and why."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.model import Failure


class ProblemsDialog(QDialog):
    def __init__(self, failures: list[Failure], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Problems")
        self.resize(1180, 480)
        table = QTableWidget(len(failures), 3, self)
        table.setHorizontalHeaderLabels(["File", "Reason", "When"])
        table.setAccessibleName("Files that could not be indexed")
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # the file name stays visible
        table.setWordWrap(False)
        for row, f in enumerate(failures):
            when = f.when.strftime("%Y-%m-%d %H:%M") if f.when else ""
            for col, text in enumerate((f.path, f.reason, when)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                table.setItem(row, col, item)
        # Sorting only once the rows are filled: with it on, each row moved as soon as its
        # file was set, and its reason and time landed in other rows (most were blank).
        table.setSortingEnabled(True)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        table.setColumnWidth(0, 460)
        self.table = table
        # A file that cannot be read is skipped; a message whose attachment cannot be
        # read is indexed without it (its row names "message › attachment").
        text = (f"{len(failures)} file(s) had problems: a file that cannot be read is "
                "skipped, a message is indexed without an attachment that cannot be read. "
                "The rest of the library is intact. Fix or remove them, then re-index (F5)."
                if failures else "No problems: every file was indexed.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        summary = QLabel(text, self)
        summary.setWordWrap(True)
        lay.addWidget(summary)
        lay.addWidget(table)
        lay.addWidget(buttons)
