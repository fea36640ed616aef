"""The window on a team library (real OpenSearch nodes, pytest-qt, offscreen).

File → Connect to team library… against the secured node: a wrong password is said in
the dialog; the admin's account opens the team library, searched and filtered in the
window as the server answers; a reader's account opens it with every write greyed out
and refused with the reason. The offline case stops a node of its own and starts it
again on the same port: one banner while it is down, the results kept, and the search
re-run once a retry gets through. Secrets go to keyring backends of keyring's own API
(an in-memory one defined here, keyring's fail backend), never to the settings file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from team_node import NodeError, SecuredNode, start_node

from cellsight.core.library import Library
from cellsight.core.paths import seeds_dir
from cellsight.core.team import secrets
from cellsight.core.team.library import TeamLibrary
from cellsight.core.team.url import parse_team_url
from cellsight.ui.dialogs.team_connect_dialog import SETTING
from cellsight.ui.main_window import MainWindow
from cellsight.ui.messages import WARNING, MessageBus
from cellsight.ui.tasks import TaskRunner

INDEX = "team-window"
WAIT_MS = 60_000  # a guard against a hang, never a pace


class MemoryKeyring(KeyringBackend):
    """A keyring backend that keeps secrets in a dict (keyring's backend API)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.kept: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.kept.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.kept[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.kept.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    secrets.clear_session()
    yield ring
    keyring.set_keyring(before)
    secrets.clear_session()


def _address(node_url: str, index: str = INDEX) -> str:
    return node_url.replace("http://", "opensearch+http://") + "/" + index


@pytest.fixture(scope="module")
def team_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("team-cache")


@pytest.fixture(scope="module")
def seeded_secured(opensearch_secured_node: SecuredNode, team_cache: Path) -> SecuredNode:
    """The seeds indexed into the secured node by its admin (once for this module)."""
    node = opensearch_secured_node
    url = replace(parse_team_url(_address(node.url), env={}), user=node.admin[0],
                  password=node.admin[1])
    with TeamLibrary(url, cache=team_cache / "indexer") as lib:
        lib.update([seeds_dir()])
    return node


@pytest.fixture
def window(qtbot: Any, tmp_path: Path, team_cache: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    """A window on an empty local library, settings in the test's folder."""
    monkeypatch.setenv("CELLSIGHT_TEAM_CACHE", str(team_cache / "window"))
    app = QApplication.instance()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    lib = Library(tmp_path / "local")
    win = MainWindow(lib, tasks=TaskRunner(app), messages=MessageBus(app), settings=settings)
    win.library_switch.local_folder = tmp_path / "local"
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    from cellsight.ui.library_switch import close_all

    close_all()
    lib.close()


def _connect(qtbot: Any, win: MainWindow, address: str, user: str, password: str) -> Any:
    dialog = win.library_switch.dialog or win.library_switch.connect_team()
    dialog.address.setText(address)
    dialog.user.setText(user)
    dialog.secret.setText(password)
    dialog.try_connect()
    return dialog


def _switched(qtbot: Any, win: MainWindow, address: str, user: str,
              password: str) -> MainWindow:
    with qtbot.waitSignal(win.library_switch.switched, timeout=WAIT_MS) as got:
        _connect(qtbot, win, address, user, password)
    new: MainWindow = got.args[0]
    qtbot.addWidget(new)
    qtbot.waitUntil(lambda: new.search.last_result is not None, timeout=WAIT_MS)
    return new


def _search(qtbot: Any, win: MainWindow, text: str) -> Any:
    with qtbot.waitSignal(win.search.results_ready, timeout=WAIT_MS,
                          check_params_cb=lambda r: r.request.query == text) as got:
        win.search_bar.set_text(text)
        win.search.set_query(text)
    return got.args[0]


def test_secrets_keyring_or_this_session_only(memory_keyring: MemoryKeyring) -> None:
    url = parse_team_url("opensearch+https://alice@search.example:9200/team", env={})
    assert secrets.keyring_status().available
    assert secrets.save_secret(url, "password", "pw1") == "keyring"
    secrets.clear_session()  # a new session: from the keyring
    assert secrets.with_secret(url).password == "pw1"
    secrets.forget_secret(url, "password")
    assert secrets.load_secret(url, "password") is None and not memory_keyring.kept

    keyring.set_keyring(fail.Keyring())  # no system keyring: said, and memory only
    status = secrets.keyring_status()
    assert not status.available and "no system keyring" in status.reason
    assert secrets.save_secret(url, "api-key", "k1") == "session"
    assert secrets.with_secret(url).api_key == "k1"
    secrets.clear_session()
    assert secrets.with_secret(url).api_key is None


def test_connect_wrong_password_then_admin_searches_and_filters(
        qtbot: Any, window: MainWindow, seeded_secured: SecuredNode,
        memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    node, address = seeded_secured, _address(seeded_secured.url)
    dialog = _connect(qtbot, window, address, node.admin[0], "wrong")
    qtbot.waitUntil(lambda: dialog.error != "" and dialog.connect_button.isEnabled(),
                    timeout=WAIT_MS)
    assert dialog.error == "credentials"
    assert "Wrong user, password or API key" in dialog.message.text()
    assert window.library_switch.dialog is dialog and dialog.isVisible()

    team = _switched(qtbot, window, address, *node.admin)
    lib = team.library
    assert isinstance(lib, TeamLibrary) and not lib.read_only
    assert not window.isVisible() and team.isVisible()
    assert lib.address in team.windowTitle()
    for name, action in team.library_actions.writing_actions.items():
        assert action.isEnabled(), name  # the admin may write

    # The window's search and facets are the server's answers.
    shown = _search(qtbot, team, "lithium")
    direct = lib.search("lithium")
    assert shown.total == direct.total > 0
    assert team.results_model.rowCount() == len(direct.hits)
    assert team.facets.model._facets == direct.facets  # the panel shows the server's counts
    facet = next(f for f in ("company", "topic") if direct.facets.get(f))
    first = direct.facets[facet][0]
    with qtbot.waitSignal(team.search.results_ready, timeout=WAIT_MS) as got:
        team.search.toggle_filter(facet, first.value, True)  # as a tick in the panel does
    assert got.args[0].total == first.count
    assert (facet, first.value) in team.facets.model._selected
    with qtbot.waitSignal(team.documents.shown, timeout=WAIT_MS):
        team.results_pane.select(direct.hits[0].id)

    # The settings keep the address; the password went to the keyring only.
    settings_file = Path(team.settings.fileName())
    team.settings.sync()
    assert team.settings.value(SETTING) == lib.url.display
    assert node.admin[1] not in settings_file.read_text(encoding="utf-8")
    assert node.admin[1] in memory_keyring.kept.values()

    with qtbot.waitSignal(team.library_switch.switched, timeout=WAIT_MS) as back:
        team.library_switch.use_local()
    local = back.args[0]
    qtbot.addWidget(local)
    assert local.library.folder == tmp_path / "local" and team.settings.value(SETTING) is None


def test_read_only_member_is_refused_with_the_reason(
        qtbot: Any, window: MainWindow, seeded_secured: SecuredNode,
        memory_keyring: MemoryKeyring) -> None:
    node = seeded_secured
    team = _switched(qtbot, window, _address(node.url), *node.reader)
    lib = team.library
    assert isinstance(lib, TeamLibrary) and lib.read_only
    assert "may search and read the team library" in lib.read_only_reason
    assert _search(qtbot, team, "lithium").total > 0  # a reader searches
    assert team.banner.isVisible() and team.banner.text() == lib.read_only_reason
    for name, action in team.library_actions.writing_actions.items():
        assert not action.isEnabled(), name
        assert action.statusTip() == lib.read_only_reason
    with qtbot.waitSignal(team.messages.posted, timeout=WAIT_MS,
                          check_params_cb=lambda m: m.level == WARNING) as said:
        team.index_paths([seeds_dir()])
    assert said.args[0].text == lib.read_only_reason
    assert lib.local.count() == 0  # refused before anything was read


def test_offline_banner_keeps_results_and_recovers(
        qtbot: Any, tmp_path: Path, opensearch_build: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CELLSIGHT_TEAM_CACHE", str(tmp_path / "cache"))
    work = tmp_path / "node"
    node = start_node(work)
    try:
        url = node.wait_ready()
    except NodeError as e:
        pytest.fail(str(e), pytrace=False)
    port = int(url.rsplit(":", 1)[1])
    try:
        with TeamLibrary(parse_team_url(_address(url), env={})) as indexer:
            indexer.update([seeds_dir()])
        lib = TeamLibrary(parse_team_url(_address(url), env={}), check_access=True)
        app = QApplication.instance()
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        win = MainWindow(None, tasks=TaskRunner(app), messages=MessageBus(app),
                         settings=settings)
        qtbot.addWidget(win)
        win.team_status.first_retry_ms = 20
        win.team_status.max_retry_ms = 80
        win.show()
        win.attach_library(lib)
        before = _search(qtbot, win, "lithium")
        rows = win.results_model.rowCount()
        assert before.total > 0 and rows == len(before.hits)

        node.stop()
        with qtbot.waitSignal(win.team_status.offline_changed, timeout=WAIT_MS):
            win.search_bar.set_text("battery")
            win.search.set_query("battery")
        status = win.team_status
        assert status.banner.isVisible()
        assert status.banner.text() == f"Team library at {lib.address} unreachable — retrying"
        # What was on screen stays: the list, its count, the open document.
        assert win.results_model.rowCount() == rows and win.results.isVisible()
        qtbot.waitUntil(lambda: status.retries >= 2, timeout=WAIT_MS)  # backing off
        assert status.offline and not win.banner.isVisible()  # one banner, not two

        node = start_node(work, http_port=port)  # the same address comes back
        node.wait_ready()
        with qtbot.waitSignal(win.search.results_ready, timeout=WAIT_MS,
                              check_params_cb=lambda r: r.request.query == "battery") as got:
            pass
        assert not status.offline and not status.banner.isVisible()
        assert got.args[0].total == lib.search("battery").total
        win.close()
        lib.close()
    finally:
        node.stop()
