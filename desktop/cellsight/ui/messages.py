"""One channel for every message the user should see: errors, warnings, notices.

Core code raises typed errors; the UI turns them into a message here, which the
main window shows non-modally (status bar + notification banner) and logs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

log = logging.getLogger("cellsight.ui")

INFO, WARNING, ERROR = "info", "warning", "error"
# Information worth keeping on screen until the next message (new documents, alerts).
NOTICE = "notice"


@dataclass(frozen=True)
class Message:
    level: str
    text: str
    details: str = ""


class MessageBus(QObject):
    posted = Signal(object)  # Message

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history: list[Message] = []

    def _post(self, level: str, text: str, details: str = "") -> None:
        msg = Message(level, text, details)
        self.history.append(msg)
        del self.history[:-200]
        getattr(log, {ERROR: "error", NOTICE: "info"}.get(level, level))("%s", text)
        self.posted.emit(msg)

    def info(self, text: str) -> None:
        self._post(INFO, text)

    def notice(self, text: str) -> None:
        self._post(NOTICE, text)

    def warning(self, text: str, details: str = "") -> None:
        self._post(WARNING, text, details)

    def error(self, text: str, details: str = "") -> None:
        self._post(ERROR, text, details)

    def from_exception(self, exc: BaseException, context: str = "") -> None:
        from ..core.errors import CellsightError

        prefix = f"{context}: " if context else ""
        details = getattr(exc, "details", "")
        if isinstance(exc, CellsightError):
            self.warning(f"{prefix}{exc}", details)
        else:
            self.error(f"{prefix}unexpected error ({type(exc).__name__}: {exc})", details)
