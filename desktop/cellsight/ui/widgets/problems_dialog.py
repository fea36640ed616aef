"""The Problems view: files that could not be indexed and why."""

from __future__ import annotations

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
        self.resize(820, 360)
        table = QTableWidget(len(failures), 3, self)
        table.setHorizontalHeaderLabels(["File", "Reason", "When"])
        table.setAccessibleName("Files that could not be indexed")
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSortingEnabled(True)
        for row, f in enumerate(failures):
            table.setItem(row, 0, QTableWidgetItem(f.path))
            table.setItem(row, 1, QTableWidgetItem(f.reason))
            when = f.when.strftime("%Y-%m-%d %H:%M") if f.when else ""
            table.setItem(row, 2, QTableWidgetItem(when))
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.resizeColumnToContents(0)
        self.table = table
        text = (f"{len(failures)} file(s) could not be indexed. They are skipped; the rest of "
                "the library is intact. Fix or remove them, then re-index (F5)."
                if failures else "No problems: every file was indexed.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(text, self))
        lay.addWidget(table)
        lay.addWidget(buttons)
