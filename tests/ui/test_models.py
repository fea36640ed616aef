"""Item models pass Qt's model tester and expose what the views need."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt

from cellsight.core.model import FacetCount, Hit, SearchRequest, SearchResult
from cellsight.ui.models.facets_model import TOP_N, FacetRole, FacetsModel, MoreRole
from cellsight.ui.models.results_model import HitRole, ResultsModel


def _hit(i: int) -> Hit:
    return Hit(id=f"d{i}", title=f"Title {i}", date=dt.date(2024, 1, 1 + i), source="Src",
               author=None, score=1.0 / (i + 1), snippet=f"lithium text {i}",
               snippet_spans=((0, 7),), topics=("Recycling",), companies=("CATL",))


def _result(n: int, offset: int = 0) -> SearchResult:
    return SearchResult(SearchRequest(offset=offset), total=50,
                        hits=tuple(_hit(i) for i in range(n)), facets={})


def test_results_model_passes_modeltester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = ResultsModel()
    model.set_result(_result(5))
    qtmodeltester.check(model)
    assert model.rowCount() == 5
    assert model.index(2).data(HitRole).id == "d2"
    assert "Title 2" in model.index(2).data(Qt.ItemDataRole.AccessibleTextRole)


def test_results_model_appends_a_further_page(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = ResultsModel()
    model.set_result(_result(3))
    with qtbot.waitSignal(model.rowsInserted, timeout=1000):
        model.set_result(_result(6))
    assert model.rowCount() == 6 and model.row_of("d5") == 5


def test_facets_model_passes_modeltester_and_checks(qtmodeltester, qtbot) -> None:  # type: ignore[no-untyped-def]
    model = FacetsModel()
    many = tuple(FacetCount(f"Company {i}", 20 - i) for i in range(TOP_N + 4))
    model.set_facets({"company": many, "topic": (FacetCount("Recycling", 3),)},
                     {("topic", "Recycling")})
    qtmodeltester.check(model)
    company = model.index(0, 0)
    assert company.data() == "Company"
    # Top values plus a "more…" row; expanding shows every value.
    assert model.rowCount(company) == TOP_N + 1
    more = model.index(TOP_N, 0, company)
    assert more.data(MoreRole) == "company"
    model.show_all("company")
    assert model.rowCount(model.index(0, 0)) == TOP_N + 4
    topic_value = model.index(0, 0, model.index(1, 0))
    assert topic_value.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    with qtbot.waitSignal(model.toggled) as blocker:
        model.setData(topic_value, Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert blocker.args == ["topic", "Recycling", False]
    assert topic_value.data(FacetRole) == ("topic", "Recycling")


def test_selected_value_with_no_matches_stays_visible() -> None:
    model = FacetsModel()
    model.set_facets({"company": (FacetCount("BYD", 2),)}, {("company", "CATL")})
    group = model.index(0, 0)
    values = [model.index(r, 0, group).data(FacetRole) for r in range(model.rowCount(group))]
    assert ("company", "CATL") in values
