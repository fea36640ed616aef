"""Telling the user that something arrived: a notice in the window, and a desktop
notification when the window is not the one they are looking at.

The notice goes through the message bus (status bar, banner, log) like every other
message. The desktop notification is a system tray balloon
(``QSystemTrayIcon.showMessage``, which Qt routes to the desktop's notification
service where there is one); where no tray exists the notice alone has to do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from .. import APP_NAME
from .messages import MessageBus

if TYPE_CHECKING:
    from ..core.workbench.service import Arrived

TRAY_MS = 10_000  # how long the desktop notification stays up


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def arrival_summary(arrived: Sequence[Arrived]) -> tuple[str, str] | None:
    """(title, text) of one notice for what one or more index passes brought, or None
    when nothing matched a saved search and no alert fired (the index summary in the
    status bar already says how many documents were added)."""
    per: dict[str, int] = {}
    for a in arrived:
        for name, n in a.saved:
            per[name] = per.get(name, 0) + n
    alerts = [state for a in arrived for state in a.alerts]
    parts: list[str] = []
    for i, (name, n) in enumerate(sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))):
        # "3 new documents in “CATL Europe”, 1 in “Sodium-ion”"
        parts.append(f"{_plural(n, 'new document')} in “{name}”" if i == 0
                     else f"{n} in “{name}”")  # fmt: skip
    text = ", ".join(parts) + ("." if parts else "")
    for state in alerts:
        why = state.message or state.rule.describe()
        text += f"{' ' if text else ''}Alert “{state.rule.name}”: {why}."
    if not text:
        return None
    # Not a sum of the counts: one document matching two searches would count twice.
    where = (f"“{next(iter(per))}”" if len(per) == 1 else f"{len(per)} saved searches")
    if per and alerts:
        title = f"new documents in {where}, {_plural(len(alerts), 'alert')}"
    elif per:
        title = f"new documents in {where}"
    else:
        title = f"{_plural(len(alerts), 'price alert')} triggered"
    return f"{APP_NAME}: {title}", text


class Notifier(QObject):
    # (title, text) of a desktop notification just shown; for tests and the log.
    desktop_notified = Signal(str, str)

    def __init__(self, window: QWidget, messages: MessageBus,
                 is_active: Callable[[], bool] | None = None) -> None:  # fmt: skip
        """``is_active``: whether the user is looking at the window (default: it is
        the active window, i.e. has the keyboard focus on this desktop)."""
        super().__init__(window)
        self.window = window
        self.messages = messages
        self.is_active = is_active or window.isActiveWindow
        self.tray: QSystemTrayIcon | None = None

    def notify(self, title: str, text: str) -> bool:
        """Post ``text`` as a notice; also as a desktop notification if the window is
        not active and a tray exists. Returns whether the desktop one was shown."""
        self.messages.notice(text)
        if self.is_active() or not QSystemTrayIcon.isSystemTrayAvailable():
            return False
        tray = self._tray()
        tray.showMessage(title, text, tray.icon(), TRAY_MS)
        self.desktop_notified.emit(title, text)
        return True

    def _tray(self) -> QSystemTrayIcon:
        """Made on the first notification: a tray icon nobody asked for would sit in the
        panel all day. Once there it stays, and clicking it brings the window back."""
        if self.tray is None:
            icon = self.window.windowIcon()
            if icon.isNull():
                icon = QApplication.windowIcon()
            self.tray = QSystemTrayIcon(icon if not icon.isNull() else QIcon(), self)
            self.tray.setToolTip(APP_NAME)
            self.tray.activated.connect(lambda _reason: self._raise())
            self.tray.messageClicked.connect(self._raise)
            self.tray.show()
        return self.tray

    def _raise(self) -> None:
        w = self.window
        if w.isMinimized():
            w.showNormal()
        w.raise_()
        w.activateWindow()
