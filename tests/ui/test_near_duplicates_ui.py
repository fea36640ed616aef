"""Folded near-duplicates in the results list: "N similar", and a click expands it."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from cellsight.core.library import Library
from cellsight.core.model import Hit, SearchRequest, SearchResult
from cellsight.ui.main_window import MainWindow
from cellsight.ui.messages import MessageBus
from cellsight.ui.models.results_model import ResultsModel, SimilarRole
from cellsight.ui.tasks import TaskRunner
from cellsight.ui.widgets.results_view import similar_rect

WORDS = ("lithium cobalt nickel graphite cathode anode refinery gigafactory tariff recycling "
         "sodium storage demand price contract plant export battery cell module pack supplier "
         "automaker capacity output quarter margin investment subsidy policy shipment").split()


def _story(seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(220))


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Library, QSettings]]:
    src = tmp_path / "src"
    src.mkdir()
    wire = _story(1)
    for n, outlet in enumerate(("Reuters", "Mining Daily", "EV Post")):
        (src / f"wire-{n}.txt").write_text(
            f"Title: Lithium falls\nDate: 2024-04-0{n + 2}\nSource: {outlet}\n\n"
            f"({outlet}) - {wire}\n\nReporting by {outlet} staff.\n", encoding="utf-8")
    (src / "other.txt").write_text(f"Title: Other\nDate: 2024-05-01\n\n{_story(2)}\n",
                                   encoding="utf-8")
    lib = Library(tmp_path / "lib")
    lib.update([src])
    yield lib, QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    lib.close()


def _hit(doc_id: str, cluster: tuple[str, int]) -> Hit:
    return Hit(doc_id, "t", dt.date(2024, 1, 1), "s", None, 1.0, "snip", (), (), (),
               cluster=cluster)


def test_model_serves_similar_counts_only_when_folded(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = ResultsModel()
    hits = (_hit("a", ("a", 3)), _hit("b", ("b", 1)))
    model.set_result(SearchResult(SearchRequest(collapse=True), 2, hits, {}))
    qtmodeltester.check(model, force_py=True)
    assert [model.index(r).data(SimilarRole) for r in range(2)] == [2, 0]
    model.set_result(SearchResult(SearchRequest(), 2, hits, {}))
    assert model.index(0).data(SimilarRole) == 0


def test_folded_hit_shows_n_similar_and_a_click_expands(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings = env
    app = QApplication.instance()
    window = MainWindow(lib, tasks=TaskRunner(app), messages=MessageBus(app), settings=settings)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as blocker:
        window.restore_state()
    folded: SearchResult = blocker.args[0]
    assert folded.request.collapse and folded.total == 2
    model, view = window.results_model, window.results
    rows = [model.index(r).data(SimilarRole) for r in range(model.rowCount())]
    assert sorted(rows) == [0, 2]
    index = model.index(rows.index(2))
    pill = similar_rect(view.visualRect(index), view.font(), 2)
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pill.center())
    expanded: SearchResult = blocker.args[0]
    assert expanded.total == 3 and not expanded.request.collapse
    assert {h.source for h in expanded.hits} == {"Reuters", "Mining Daily", "EV Post"}
    assert model.rowCount() == 3 and model.index(0).data(SimilarRole) == 0
    # The next search folds again.
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as blocker:
        window.search.set_query("lithium")
    assert blocker.args[0].request.collapse and blocker.args[0].total == 2
