"""Saved searches in the window: the sidebar list and its badges, saving, opening with the
new hits marked, notices and the desktop notification, rename/delete, What's new."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QSettings, Qt
from windows import new_window, seeded_library, settings_in

from cellsight.core.library import Library
from cellsight.core.model import SearchRequest
from cellsight.core.workbench.records import AlertRule, SavedSearch
from cellsight.core.workbench.service import SavedStatus
from cellsight.ui import notifier as notifier_module
from cellsight.ui.dialogs.whats_new_dialog import TargetRole
from cellsight.ui.main_window import MainWindow
from cellsight.ui.messages import NOTICE
from cellsight.ui.models.results_model import NewRole as HitNewRole
from cellsight.ui.models.saved_model import NewRole, SavedModel, SavedRole, TotalRole
from cellsight.ui.notifier import arrival_summary

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
T = 120_000  # guard only: every wait below ends on a signal
NEW_NOTE = ("CATL opens its Debrecen plant\n\nCATL started cell production at the Debrecen "
            "gigafactory in Hungary, its second European plant.\n")


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Library, QSettings, Path]]:
    lib = seeded_library(tmp_path)
    settings = settings_in(tmp_path)
    yield lib, settings, tmp_path
    lib.close()


def make_window(qtbot, lib: Library, settings: QSettings) -> MainWindow:  # type: ignore[no-untyped-def]
    return new_window(qtbot, lib, settings)


def saved_window(qtbot, env, name: str = "CATL Europe", query: str = "CATL") -> MainWindow:  # type: ignore[no-untyped-def]
    lib, settings, _ = env
    window = make_window(qtbot, lib, settings)
    ctl = window.saved_searches
    with qtbot.waitSignal(ctl.saved, timeout=T):
        ctl.save(name, SearchRequest(query=query))
    return window


def add_new_note(qtbot, window: MainWindow, folder: Path) -> tuple:  # type: ignore[type-arg,no-untyped-def]
    """Index a new matching file through the window; the drained arrivals and notice."""
    more = folder / "more"
    more.mkdir()
    (more / "debrecen.txt").write_text(NEW_NOTE, encoding="utf-8")
    with qtbot.waitSignal(window.saved_searches.arrivals_shown, timeout=T) as blocker:
        window.index_paths([more])
    return tuple(blocker.args)


def menu_action(window: MainWindow, menu: str, text: str):  # type: ignore[no-untyped-def]
    (entry,) = [m for m in window.menuBar().actions() if m.text() == menu]
    return next(a for a in entry.menu().actions() if a.text() == text)


def _status(name: str, total: int, new: int) -> SavedStatus:
    ids = frozenset(f"d{i}" for i in range(new))
    return SavedStatus(SavedSearch(name, name.lower()), total, new, ids)


def test_saved_model_passes_modeltester(qtmodeltester, qtbot) -> None:  # type: ignore[no-untyped-def]
    model = SavedModel()
    model.set_statuses([_status("CATL Europe", 5, 2), _status("Sodium", 3, 0)])
    qtmodeltester.check(model)
    first = model.index(0)
    assert first.data() == "CATL Europe" and first.data(TotalRole) == 5
    assert first.data(NewRole) == 2 and first.data(SavedRole).query == "catl europe"
    assert "2 new" in first.data(Qt.ItemDataRole.AccessibleTextRole)
    assert "Query: catl europe" in first.data(Qt.ItemDataRole.ToolTipRole)
    # The same names again: rows change in place (the view keeps its selection).
    with qtbot.assertNotEmitted(model.modelReset), qtbot.waitSignal(model.dataChanged,
                                                                    timeout=1000):
        model.set_statuses([_status("CATL Europe", 6, 3), _status("Sodium", 3, 0)])
    model.clear_new("CATL Europe")
    assert first.data(NewRole) == 0 and first.data(TotalRole) == 6
    model.set_statuses([_status("Sodium", 3, 0)])
    qtmodeltester.check(model)
    assert model.rowCount() == 1 and model.row_of("CATL Europe") == -1


def test_results_model_marks_new_hits(qtmodeltester, qtbot) -> None:  # type: ignore[no-untyped-def]
    from cellsight.core.model import Hit, SearchResult
    from cellsight.ui.models.results_model import ResultsModel

    hits = tuple(Hit(id=f"d{i}", title=f"T{i}", date=None, source=None, author=None,
                     score=1.0, snippet="", snippet_spans=(), topics=(), companies=())
                 for i in range(3))  # fmt: skip
    model = ResultsModel()
    model.set_result(SearchResult(SearchRequest(), total=3, hits=hits, facets={}))
    with qtbot.waitSignal(model.dataChanged, timeout=1000):
        model.set_new_ids(frozenset({"d1"}))
    qtmodeltester.check(model)
    assert [model.index(r).data(HitNewRole) for r in range(3)] == [False, True, False]
    with qtbot.assertNotEmitted(model.dataChanged):
        model.set_new_ids(frozenset({"d1"}))  # unchanged: no repaint
    model.set_new_ids(frozenset())
    assert not any(model.index(r).data(HitNewRole) for r in range(3))


def test_arrival_summary_names_counts_and_alerts() -> None:
    from cellsight.core.workbench.records import AlertState
    from cellsight.core.workbench.service import Arrived

    rule = AlertRule("Lithium jump", "lithium-carbonate", "change", pct=10)
    fired = AlertState(rule, True, message="Lithium Carbonate moved +11.1 % since 2026-05-27")
    title, text = arrival_summary([Arrived(4, (("CATL Europe", 3), ("Sodium", 1)), ()),
                                   Arrived(1, (), (fired,))])  # type: ignore[misc]
    assert text.startswith("3 new documents in “CATL Europe”, 1 in “Sodium”.")
    assert "Alert “Lithium jump”: Lithium Carbonate moved +11.1 %" in text
    assert title == "Cellsight: new documents in 2 saved searches, 1 alert"
    assert arrival_summary([Arrived(2, (), ())]) is None  # nothing a saved search asked for


def test_save_search_from_the_dialog(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings, _ = env
    window = make_window(qtbot, lib, settings)
    ctl = window.saved_searches
    assert not ctl.list.view.isVisible() and ctl.list.empty_label.isVisible()
    with qtbot.waitSignal(window.search.results_ready, timeout=T):
        window.search.set_query("CATL")
    with qtbot.waitSignal(window.search.results_ready, timeout=T):
        window.search.toggle_filter("topic", "Oversupply", True)
    action = menu_action(window, "&Edit", "Sa&ve search…")
    assert action.shortcut().toString() == "Ctrl+S" and action.isEnabled()
    action.trigger()
    dlg = ctl.save_dialog
    assert dlg is not None and dlg.isVisible()
    assert "Query: CATL" in dlg.summary.text() and "topic = Oversupply" in dlg.summary.text()
    dlg.name_edit.setText("  CATL   oversupply ")
    with qtbot.waitSignal(ctl.saved, timeout=T) as saved:
        dlg.accept()
    assert saved.args == ["CATL oversupply"]
    stored = lib.workbench.saved("CATL oversupply")
    assert stored.query == "CATL" and stored.filters == (("topic", "Oversupply"),)
    assert ctl.model.rowCount() == 1 and ctl.list.view.isVisible()
    row = ctl.model.index(0)
    assert row.data(TotalRole) == window.search.last_result.total and row.data(NewRole) == 0
    assert ctl.list.view.currentIndex().row() == 0  # the search on screen is this one
    # Saving under a name in use says it replaces that search.
    ctl.save_current()
    again = ctl.save_dialog
    again.name_edit.setText("CATL oversupply")
    assert again.hint.isVisibleTo(again) and "exists" in again.hint.text()
    again.reject()


def test_new_file_badges_notifies_and_opening_marks_new_hits(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, _settings, folder = env
    window = saved_window(qtbot, env)
    ctl = window.saved_searches
    assert ctl.model.index(0).data(NewRole) == 0 and ctl.model.index(0).data(TotalRole) == 4

    arrived, summary = add_new_note(qtbot, window, folder)
    assert [a.saved for a in arrived if a.saved] == [(("CATL Europe", 1),)]
    row = ctl.model.index(0)
    assert row.data(NewRole) == 1 and row.data(TotalRole) == 5
    notice = window.messages.history[-1]
    assert notice.level == NOTICE and notice.text == "1 new document in “CATL Europe”."
    assert summary == ("Cellsight: new documents in “CATL Europe”", notice.text)
    assert window.banner.isVisible() and window.banner.text() == notice.text

    # A click on the list opens it: its results, the new hit marked, the badge gone.
    (new_id,) = lib.workbench.status(lib.workbench.saved("CATL Europe")).new_ids
    rect = ctl.list.view.visualRect(row)
    with qtbot.waitSignal(ctl.opened, timeout=T) as opened, \
            qtbot.waitSignal(window.search.results_ready, timeout=T) as results:
        qtbot.mouseClick(ctl.list.view.viewport(), Qt.MouseButton.LeftButton,
                         pos=rect.center())
    assert opened.args == ["CATL Europe", frozenset({new_id})]
    assert results.args[0].request.query == "CATL" and results.args[0].total == 5
    assert window.search_bar.text() == "CATL"
    assert row.data(NewRole) == 0
    assert lib.workbench.status(lib.workbench.saved("CATL Europe")).new == 0  # seen
    marked = {window.results_model.hit(r).id for r in range(window.results_model.rowCount())
              if window.results_model.index(r).data(HitNewRole)}
    assert marked == {new_id}
    new_row = window.results_model.row_of(new_id)
    assert window.results_model.index(new_row).data(
        Qt.ItemDataRole.AccessibleTextRole).endswith(", new")
    assert not window.results.viewport().grab().isNull()  # the delegate paints the mark

    # Searching for something else drops the marks and the list's selection.
    with qtbot.waitSignal(window.search.results_ready, timeout=T):
        window.search.set_query("lithium")
    assert window.results_model.new_ids() == frozenset()
    assert not ctl.list.view.currentIndex().isValid()


def test_desktop_notification_when_the_window_is_not_active(qtbot, env, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    shown: list[tuple[str, str]] = []

    class FakeTray:
        def __init__(self, *_a: object) -> None:
            self.activated = self.messageClicked = _NoSignal()

        @staticmethod
        def isSystemTrayAvailable() -> bool:
            return True

        def icon(self) -> object:
            return None

        def setToolTip(self, _t: str) -> None: ...

        def show(self) -> None: ...

        def showMessage(self, title: str, text: str, _icon: object, _ms: int) -> None:
            shown.append((title, text))

    class _NoSignal:
        def connect(self, _slot: object) -> None: ...

    monkeypatch.setattr(notifier_module, "QSystemTrayIcon", FakeTray)
    _lib, _settings, folder = env
    window = saved_window(qtbot, env)
    ctl = window.saved_searches
    ctl.notifier.is_active = lambda: True
    assert not ctl.notifier.notify("t", "looking at it")  # active: the notice only
    ctl.notifier.is_active = lambda: False
    with qtbot.waitSignal(ctl.notifier.desktop_notified, timeout=T) as note:
        add_new_note(qtbot, window, folder)
    assert shown == [("Cellsight: new documents in “CATL Europe”",
                      "1 new document in “CATL Europe”.")]
    assert tuple(note.args) == shown[0]


def test_no_tray_means_the_notice_alone(qtbot, env, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    lib, settings, _ = env
    window = make_window(qtbot, lib, settings)
    n = window.saved_searches.notifier
    n.is_active = lambda: False
    monkeypatch.setattr(notifier_module.QSystemTrayIcon, "isSystemTrayAvailable",
                        staticmethod(lambda: False))
    assert not n.notify("Cellsight: 1 new document", "1 new document in “X”.")
    assert window.messages.history[-1].text == "1 new document in “X”."
    assert n.tray is None


def test_rename_keeps_what_was_seen_and_the_alerts_delete_removes(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, _settings, folder = env
    window = saved_window(qtbot, env)
    ctl = window.saved_searches
    lib.workbench.add_alert(AlertRule("CATL news", "lithium-carbonate", "change", pct=50,
                                      saved="CATL Europe"))
    add_new_note(qtbot, window, folder)
    with qtbot.waitSignal(ctl.refreshed, timeout=T):
        ctl.rename("CATL Europe", "CATL in Europe")
    assert ctl.model.names() == ["CATL in Europe"]
    assert ctl.model.index(0).data(NewRole) == 1  # not seen by being renamed
    assert lib.workbench.store.alerts()[0].saved == "CATL in Europe"
    # A name in use is refused, not overwritten.
    with qtbot.waitSignal(ctl.saved, timeout=T):
        ctl.save("Sodium", SearchRequest(query="sodium"))
    assert ctl.rename("CATL in Europe", "Sodium") is None
    assert "exists" in window.messages.history[-1].text
    with qtbot.waitSignal(ctl.refreshed, timeout=T):
        ctl.mark_seen("CATL in Europe")
    assert ctl.model.index(ctl.model.row_of("CATL in Europe")).data(NewRole) == 0
    with qtbot.waitSignal(ctl.refreshed, timeout=T):
        ctl.delete("Sodium")
    assert ctl.model.names() == ["CATL in Europe"]
    assert [s.name for s in lib.workbench.store.saved_searches()] == ["CATL in Europe"]


def test_whats_new_lists_the_new_document_and_opens_it(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    _lib, _settings, folder = env
    window = saved_window(qtbot, env)
    ctl = window.saved_searches
    add_new_note(qtbot, window, folder)
    action = menu_action(window, "&View", "&What's new…")
    assert action.shortcut().toString() == "Ctrl+Shift+N"
    with qtbot.waitSignal(ctl.whats_new_shown, timeout=T) as shown:
        action.trigger()
    wn = shown.args[0]
    dlg = ctl.whats_new_dialog
    assert dlg is not None and dlg.isVisible()
    assert "your last visit" in dlg.summary.text() and "1 new document" in dlg.summary.text()
    since = wn.since.astimezone()
    assert dlg.date_edit.date() == QDate(since.year, since.month, since.day)
    docs = [i for i in dlg.items() if (i.data(0, TargetRole) or ("",))[0] == "doc"]
    assert [d.text(0) for d in docs] == ["CATL opens its Debrecen plant"]
    saved_rows = [i for i in dlg.items() if (i.data(0, TargetRole) or ("",))[0] == "saved"]
    assert saved_rows[0].text(0) == "CATL Europe" and saved_rows[0].text(1).startswith("1 new")
    sections = [dlg.tree.topLevelItem(i).text(0) for i in range(dlg.tree.topLevelItemCount())]
    assert sections[0] == "New documents in saved searches (1)"
    assert sections[1].startswith("Price series that moved") and sections[2].startswith(
        "Triggered alerts")
    # Clicking the document opens it in the reader.
    with qtbot.waitSignal(window.documents.shown, timeout=T) as opened:
        dlg.tree.itemClicked.emit(docs[0], 0)
    assert opened.args == [docs[0].data(0, TargetRole)[1]]
    qtbot.waitUntil(lambda: "Debrecen" in window.reader.browser.toPlainText(), timeout=T)
    # An earlier day: everything the library received since is new.
    with qtbot.waitSignal(ctl.whats_new_shown, timeout=T) as earlier:
        dlg.date_edit.setDate(QDate(2020, 1, 1))
    assert earlier.args[0].since.date() == dt.date(2020, 1, 1)
    assert earlier.args[0].saved[0][0].new == 5
    assert "last visit" not in dlg.summary.text()


def test_read_only_library_opens_saved_searches_but_writes_nothing(  # type: ignore[no-untyped-def]
        qtbot, tmp_path, monkeypatch) -> None:
    from cellsight.core import library as library_module

    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    with Library(tmp_path / "lib") as lib:
        lib.update([src])
        lib.workbench.save_search("CATL Europe", SearchRequest(query="CATL"))
        seen = lib.workbench.saved("CATL Europe").last_seen
    monkeypatch.setattr(library_module, "_read_only_reason",
                        lambda folder: f"The library at {folder} is read-only.")
    with Library(tmp_path / "lib") as ro:
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = make_window(qtbot, ro, settings)
        ctl = window.saved_searches
        qtbot.waitUntil(lambda: ctl.model.rowCount() == 1, timeout=T)
        assert ctl.save_action is not None and not ctl.save_action.isEnabled()
        assert not ctl.list.save_button.isEnabled()
        ctl.save_current()
        assert ctl.save_dialog is None and "read-only" in window.messages.history[-1].text
        with qtbot.waitSignal(ctl.opened, timeout=T), \
                qtbot.waitSignal(window.search.results_ready, timeout=T) as res:
            ctl.open("CATL Europe")
        assert res.args[0].total == 4
        assert ro.workbench.saved("CATL Europe").last_seen == seen  # not marked seen
