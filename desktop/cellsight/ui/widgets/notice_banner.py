"""The notice line above the results, for messages that must not scroll away.

The status bar shows every message for a few seconds; warnings, errors and the
welcome also stay here until the next one, framed in the colour of their level.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from ..messages import ERROR, INFO, NOTICE, Message

COLOURS = {INFO: "#1a57c7", NOTICE: "#1a57c7", ERROR: "#b3261e"}
WARNING_COLOUR = "#8a5a00"


class NoticeBanner(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")  # theme.py styles it as QLabel#banner
        self.setWordWrap(True)
        self.setVisible(False)
        self.setAccessibleName("Notice")

    def show_message(self, msg: Message) -> None:
        """Show ``msg`` if it is worth keeping on screen; ordinary notices are not."""
        if msg.level == INFO and not msg.text.startswith("Welcome"):
            return
        colour = COLOURS.get(msg.level, WARNING_COLOUR)
        self.setStyleSheet(f"QLabel#banner {{ border: 1px solid {colour}; }}")
        self.setText(msg.text)
        self.setVisible(True)
