"""Indexing progress in the status bar: done/total, current file, time left, Cancel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from ...core.progress import Progress


def describe(p: Progress) -> str:
    if p.total <= 0:
        return f"{p.stage.capitalize()}…"
    left = ""
    if p.eta_seconds is not None:
        secs = int(p.eta_seconds)
        left = f" · {secs // 60} min {secs % 60:02d} s left" if secs >= 60 else f" · {secs} s left"
    name = Path(p.current).name if p.current else ""
    return f"{p.stage.capitalize()} {p.done}/{p.total}{left} · {name}"


class ProgressPanel(QWidget):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setMinimumWidth(260)
        self.bar = QProgressBar(self)
        self.bar.setMaximumWidth(220)
        self.bar.setAccessibleName("Indexing progress")
        self.cancel = QPushButton("Cancel", self)
        self.cancel.setAccessibleName("Cancel indexing")
        self.cancel.clicked.connect(self.cancel_requested)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel)
        self.setVisible(False)

    def start(self, label: str) -> None:
        self.label.setText(label + "…")
        self.bar.setRange(0, 0)  # busy until the first count arrives
        self.cancel.setEnabled(True)
        self.setVisible(True)

    def update_progress(self, p: Progress) -> None:
        if p.total > 0:
            self.bar.setRange(0, p.total)
            self.bar.setValue(p.done)
        self.label.setText(describe(p))

    def stop(self) -> None:
        self.setVisible(False)
