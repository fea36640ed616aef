"""File → Connect to team library…: the address, who you are, and a check before switching.

Connecting opens the team library off the UI thread (the window's TaskRunner) with its
access checked, so the dialog can say what went wrong in its own words — unreachable,
wrong credentials, another server version, an index Cellsight did not make — and, for a
member who may only read, the window says so once it has switched. The secret goes to
the system keyring when "Remember" is ticked (core/team/secrets.py) and otherwise lives
in memory for this session; the settings keep the address alone.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..tasks import TaskRunner

if TYPE_CHECKING:
    from ...core.team.library import TeamLibrary
    from ...core.team.url import TeamURL

SETTING = "team/library"  # the last team library's address: never a secret
CONNECT_LANE = "team"
PASSWORD, API_KEY = "Password", "API key"


def error_kind(exc: BaseException) -> tuple[str, str]:
    """(kind, headline) of a failed connection: the dialog's first line, tests' handle."""
    from ...core.team import client as c
    from ...core.team.url import TeamURLError

    for cls, kind, headline in (
        (TeamURLError, "address", "This is not a team library address"),
        (c.TeamAuthError, "credentials", "Wrong user, password or API key"),
        (c.TeamUnreachableError, "unreachable", "The server cannot be reached"),
        (c.TeamVersionError, "version", "The server is not a supported OpenSearch version"),
        (c.TeamMappingError, "index", "The index is not a Cellsight team library"),
        (c.TeamError, "server", "The server refused"),
    ):
        if isinstance(exc, cls):
            return kind, headline
    return "other", "Cannot connect"


class TeamConnectDialog(QDialog):
    connected = Signal(object)  # the open TeamLibrary

    def __init__(self, tasks: TaskRunner, settings: QSettings,
                 parent: QWidget | None = None) -> None:
        from ...core.team.secrets import keyring_status

        super().__init__(parent)
        self.setWindowTitle("Connect to team library")
        self.tasks = tasks
        self.settings = settings
        self.error = ""  # the last failure's kind (see error_kind); "" when none
        self._pending = False
        form = QFormLayout()
        self.address = QLineEdit(self)
        self.address.setPlaceholderText("opensearch+https://search.example.com:9200/team")
        self.user = QLineEdit(self)
        self.user.setPlaceholderText("none (an open server) or your user name")
        self.kind = QComboBox(self)
        self.kind.addItems([PASSWORD, API_KEY])
        self.secret = QLineEdit(self)
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox("Remember in the system keyring", self)
        status = keyring_status()
        self.remember.setEnabled(status.available)
        self.remember.setChecked(status.available)
        self.keyring_note = QLabel(self)
        self.keyring_note.setWordWrap(True)
        if not status.available:
            self.keyring_note.setText(f"Not remembered: {status.reason}. Cellsight asks "
                                      "again next session and never writes it to a file.")
        form.addRow("Address:", self.address)
        form.addRow("User:", self.user)
        form.addRow(self.kind, self.secret)
        form.addRow("", self.remember)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setObjectName("teamConnectMessage")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.connect_button = QPushButton("Connect", self)
        self.connect_button.setDefault(True)
        buttons.addButton(self.connect_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.try_connect)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.keyring_note)
        lay.addWidget(self.message)
        lay.addWidget(buttons)
        self.resize(520, self.sizeHint().height())
        self._prefill(str(settings.value(SETTING, "") or ""))

    def _prefill(self, address: str) -> None:
        from ...core.team.secrets import load_secret
        from ...core.team.url import TeamURLError, parse_team_url

        if not address:
            return
        try:
            url = parse_team_url(address, env={})
        except TeamURLError:
            return
        self.address.setText(replace(url, user=None).display)
        self.user.setText(url.user or "")
        if load_secret(url, "api-key"):
            self.kind.setCurrentText(API_KEY)
        if load_secret(url, "api-key") or (url.user and load_secret(url, "password")):
            self.secret.setPlaceholderText("kept from before")

    # -- connecting --------------------------------------------------------------------
    def target(self) -> tuple[TeamURL, str | None]:
        """The address as typed, with the user and secret of the fields; the secret
        typed (None: the one remembered, if any, was used). Raises TeamURLError."""
        from ...core.team.secrets import with_secret
        from ...core.team.url import parse_team_url

        url = parse_team_url(self.address.text(), env={})
        user = self.user.text().strip() or url.user
        typed = self.secret.text() or None
        url = replace(url, user=user or None)
        if typed is not None:
            key = self.kind.currentText() == API_KEY
            url = replace(url, api_key=typed if key else None,
                          password=None if key else typed)
        elif url.password is None:
            url = with_secret(url)
        return url, typed

    def try_connect(self) -> None:
        from ...core.team.library import TeamLibrary

        if self._pending:
            return
        try:
            url, typed = self.target()
        except Exception as exc:  # noqa: BLE001 - shown to the user, in words
            self._failed(exc)
            return
        self._pending = True
        self.error = ""
        self.connect_button.setEnabled(False)
        self.message.setText(f"Connecting to {url.display}…")
        handle = self.tasks.run("connect team library",
                                lambda _p, _c: TeamLibrary(url, check_access=True),
                                lane=CONNECT_LANE)
        handle.finished.connect(lambda lib: self._opened(lib, url, typed))
        handle.failed.connect(self._failed)

    def _opened(self, lib: TeamLibrary, url: TeamURL, typed: str | None) -> None:
        from ...core.team.secrets import save_secret

        self._pending = False
        if not self.isVisible():
            lib.close()  # cancelled while it connected: nobody wants it
            return
        if typed is not None:
            save_secret(url, "api-key" if url.api_key else "password", typed,
                        remember=self.remember.isChecked())
        self.settings.setValue(SETTING, url.display)
        self.message.setText(lib.read_only_reason or f"Connected to {url.display}.")
        self.connected.emit(lib)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._pending = False
        self.connect_button.setEnabled(True)
        self.error, headline = error_kind(exc)
        self.message.setText(f"<b>{headline}.</b><br>{_escape(str(exc))}")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
