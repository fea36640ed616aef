"""The window keeps a team's user data in step (ui/team_sync.py), on a real node.

Alice works through the core (another machine), Bob in a window whose cache holds no
documents: Alice's saved search and note reach Bob's window with a sync (the timer's
work, asked for directly), shown with her name; Bob stars and notes a document only
the server holds, and his note is pushed by the window's own debounced sync, which
Alice then pulls, attributed to him. Every wait is on a signal, never a pace.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from cellsight.core.paths import seeds_dir
from cellsight.core.team import open_team_library
from cellsight.core.team.library import TeamLibrary
from cellsight.core.workbench.records import SavedSearch
from cellsight.ui.main_window import MainWindow
from cellsight.ui.messages import MessageBus
from cellsight.ui.tasks import TaskRunner

WAIT_MS = 60_000  # a guard against a hang, never a pace


def _url(node: str, index: str, user: str) -> str:
    return node.replace("http://", f"opensearch+http://{user}@") + "/" + index


def _notes_shown(win: MainWindow) -> list[str]:
    notes = win.reader.annotations.notes
    return [notes.item(i).text() for i in range(notes.count())]


def test_window_shows_the_teams_changes_and_sends_its_own(
        qtbot: Any, opensearch_node: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    index = f"wsync-{uuid.uuid4().hex[:8]}"
    alice = open_team_library(_url(opensearch_node, index, "alice"), cache=tmp_path / "a")
    alice.update([seeds_dir()])
    doc_id = alice.search("lithium").hits[0].id
    alice.workbench.store.save_search(SavedSearch("lithium watch", "lithium"))
    alice.workbench.note(doc_id, "check the offtake volumes")
    assert alice.sync_user_data().pushed == 2

    monkeypatch.setenv("CELLSIGHT_TEAM_SYNC_SECONDS", "3600")  # the test asks, not a timer
    bob = open_team_library(_url(opensearch_node, index, "bob"), cache=tmp_path / "b",
                            check_access=True)  # the window's open: pulls once
    assert bob.local.count() == 0  # Bob indexes nothing: every document is the server's
    app = QApplication.instance()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(None, tasks=TaskRunner(app), messages=MessageBus(app), settings=settings)
    qtbot.addWidget(win)
    win.team_sync.settle_ms = 0
    win.show()
    try:
        win.attach_library(bob)
        qtbot.waitUntil(lambda: win.saved_searches.model.rowCount() == 1, timeout=WAIT_MS)
        tip = win.saved_searches.model.data(win.saved_searches.model.index(0),
                                            Qt.ItemDataRole.ToolTipRole)
        assert "Saved by alice · " in tip

        # Alice edits her note later: Bob's window learns it from a sync.
        note_id = alice.workbench.annotations(doc_id).notes[0].id
        alice.workbench.store.edit_note(note_id, "offtake volumes doubled")
        alice.sync_user_data()
        with qtbot.waitSignal(win.team_sync.synced, timeout=WAIT_MS) as got:
            win.team_sync.sync_now()
        assert got.args[0].pulled == 1
        with qtbot.waitSignal(win.documents.shown, timeout=WAIT_MS):
            win.documents.open(doc_id, "")
        shown = _notes_shown(win)
        assert len(shown) == 1 and shown[0].startswith("offtake volumes doubled\n— alice · ")
        assert win.reader.annotations.notes_heading.text() == "Notes (1)"

        # Bob stars and notes it in the window: the server's document, not his cache's.
        panel = win.reader.annotations
        with qtbot.waitSignal(win.team_sync.synced, timeout=WAIT_MS,
                              check_params_cb=lambda r: r.pushed >= 1):
            panel.star_button.click()
            panel.note_edit.setText("Bob: the price link is weak")
            panel.note_edit.returnPressed.emit()
        assert bob.workbench.annotations(doc_id).starred
        back = alice.sync_user_data()
        assert back.pulled >= 2
        texts = {n.text: n.id for n in alice.workbench.annotations(doc_id).notes}
        assert "Bob: the price link is weak" in texts
        by = alice.user_data_author("note", texts["Bob: the price link is weak"])
        assert by is not None and by.user == "bob"
        assert alice.workbench.annotations(doc_id).starred
    finally:
        win.close()
        for lib in (alice, bob):
            lib.close()
    assert isinstance(bob, TeamLibrary)
