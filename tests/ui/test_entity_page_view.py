"""The entity page in the window: its parts, its clicks, and back/forward with searches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication
from story_library import build  # tests/ui is on the path (rootdir conftest)

from cellsight.core.entity_page import EntityPage, entity_page
from cellsight.core.library import Library
from cellsight.ui.history import History, Place
from cellsight.ui.main_window import MainWindow
from cellsight.ui.messages import MessageBus
from cellsight.ui.models.page_tables import PayloadRole
from cellsight.ui.tasks import TaskRunner
from cellsight.ui.widgets.entity_page_view import EntityPageView


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    lib = build(tmp_path_factory.mktemp("story"))
    yield lib
    lib.close()


@pytest.fixture(scope="module")
def catl(story: Library) -> EntityPage:
    return entity_page(story, "CATL")


@pytest.fixture
def view(qtbot, catl: EntityPage) -> EntityPageView:  # type: ignore[no-untyped-def]
    v = EntityPageView()
    qtbot.addWidget(v)
    v.resize(760, 900)
    v.show()
    qtbot.waitExposed(v)
    v.show_page(catl)
    return v


def test_the_page_shows_name_count_timeline_and_tables(view, catl, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    assert view.title_label.text() == "CATL"
    assert f"{catl.documents:,} of" in view.meta_label.text()
    assert "Contemporary Amperex" in view.meta_label.text()  # an alias
    periods = [p.period for p in catl.timeline.periods]
    assert periods and view.timeline.timeline is catl.timeline
    assert catl.timeline.undated >= 3  # the undated clippings, apart from the bars
    assert f"{catl.timeline.undated} undated" in view.timeline.undated_label.text()
    for model in (view.related_model, view.facts_model, view.latest_model):
        qtmodeltester.check(model)
    assert view.latest_model.rowCount() == len(catl.latest)
    assert view.facts_model.rowCount() == len(catl.facts) > 0


def test_clicks_ask_for_a_page_a_document_or_a_period(qtbot, view, catl) -> None:  # type: ignore[no-untyped-def]
    if catl.cooccurring:
        index = view.related_model.index(0, 0)
        with qtbot.waitSignal(view.entity_requested) as asked:
            view.related_table.clicked.emit(index)
        assert asked.args == [catl.cooccurring[0].id or catl.cooccurring[0].name]
    index = view.latest_model.index(0, 1)
    with qtbot.waitSignal(view.document_requested) as opened:
        view.latest_table.clicked.emit(index)
    assert opened.args == [catl.latest[0].id] == [index.data(PayloadRole)]
    # A real click on a bar of the timeline: the entity and that period's days.
    period = next(p for p in catl.timeline.periods if p.count)
    plot = view.timeline._plot
    view.ensureWidgetVisible(plot)
    point = plot.mapFromScene(view.timeline.bar_scene_pos(period.period))
    with qtbot.waitSignal(view.period_requested) as clicked:
        qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=point)
    field, value, first, last = clicked.args
    assert (field, value) == ("company", "CATL")
    assert first <= last and period.period.startswith(f"{first.year:04d}")
    with qtbot.waitSignal(view.filter_requested) as filtered:
        view.filter_button.click()
    assert filtered.args == ["company", "CATL"]


def test_history_visits_replaces_and_forgets_forward() -> None:
    from cellsight.core.model import SearchRequest

    h = History()
    a, b, c = (Place(SearchRequest(query=q)) for q in "abc")
    h.visit(a)
    h.replace(b)  # typing updates the place
    h.visit(Place(b.request, "catl", "CATL"))
    assert h.can_back() and not h.can_forward()
    assert h.back() == b and h.forward().entity == "catl"
    h.back()
    h.visit(c)  # forward is forgotten
    assert not h.can_forward() and h.places == [b, c]


@pytest.fixture
def window(qtbot, story: Library, tmp_path: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    w = MainWindow(story, tasks=TaskRunner(app), messages=MessageBus(app), settings=settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    with qtbot.waitSignal(w.search.results_ready, timeout=120_000):
        w.search.run()
    return w


def test_reader_click_opens_the_page_and_back_forward_walk_the_history(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    nav = window.entities
    with qtbot.waitSignal(nav.page_shown, timeout=120_000) as shown:
        window.reader.entity_clicked.emit("company", "CATL")  # no longer a filter
    assert shown.args[0].name == "CATL" and nav.showing_page()
    assert window.search.request.filters == ()
    # Filter by this: the search narrows and the reader comes back.
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000):
        nav.view.filter_button.click()
    assert ("company", "CATL") in window.search.request.filters and not nav.showing_page()
    # Back (Alt+Left): the page again, with the search it was opened on.
    with qtbot.waitSignal(nav.page_shown, timeout=120_000):
        nav.back_action.trigger()
    assert nav.showing_page() and window.search.request.filters == ()
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000):
        nav.forward_action.trigger()
    assert ("company", "CATL") in window.search.request.filters and not nav.showing_page()
    assert nav.back_action.shortcut().toString() == "Alt+Left"
    assert nav.forward_action.shortcut().toString() == "Alt+Right"
    assert not nav.forward_action.isEnabled() and nav.back_action.isEnabled()


def test_a_bar_filters_to_its_period_and_a_fact_opens_its_document(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    nav = window.entities
    with qtbot.waitSignal(nav.page_shown, timeout=120_000):
        nav.open_entity("Contemporary Amperex")  # an alias finds the page
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as got:
        nav.view.period_requested.emit("company", "CATL", dt.date(2024, 1, 1),
                                       dt.date(2024, 1, 31))
    assert got.args[0].request.query == "date:[2024-01-01 to 2024-01-31]"
    assert got.args[0].total >= 1 and all(h.date.month == 1 for h in got.args[0].hits)
    assert next(c.text() for c in window.filter_bar.chips()).startswith("Date: 2024-01-01")
    with qtbot.waitSignal(nav.page_shown, timeout=120_000):
        nav.back()
    doc_id = nav.view.facts_model.index(0, 0).data(PayloadRole)
    with qtbot.waitSignal(window.documents.shown, timeout=120_000) as opened:
        nav.view.facts_table.clicked.emit(nav.view.facts_model.index(0, 0))
    assert opened.args == [doc_id] and not nav.showing_page()


def test_facet_menu_and_unknown_names(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    nav = window.entities
    with qtbot.waitSignal(nav.page_shown, timeout=120_000) as shown:
        window.facets.entity_page_requested.emit("company", "BYD")
    assert shown.args[0].name == "BYD"
    with qtbot.waitSignal(nav.page_failed, timeout=120_000) as failed:
        nav.open_entity("CATX")
    assert "Did you mean" in failed.args[0] and "CATL" in failed.args[0]
