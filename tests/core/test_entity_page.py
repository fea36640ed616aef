"""Entity pages in the core: names in any language, the timeline (undated apart),
association by lift, linked prices, facts in the entity's sentences, the latest
documents; and the date histogram the search gained for them."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from cellsight.cli import main
from cellsight.core.entity_facts import Sentences, facts_in
from cellsight.core.entity_page import UnknownEntityError, entity_page, find_entity
from cellsight.core.entity_related import associations
from cellsight.core.library import Library
from cellsight.core.model import FacetCount, SearchRequest
from cellsight.core.query.histogram import date_histogram, period_bounds, period_of

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

# Beside the seeds (three undated clippings and a payload dated 2024-06-07).
EXTRA = {
    "hungary.txt": "Title: CATL picks Debrecen for its Hungary plant\nDate: 2024-03-05\n\n"
    "CATL will build a 100 GWh battery plant in Debrecen, Hungary. The plant will cost "
    "$7.6 billion. Tesla said separately that it sold 1.8 million cars.",
    "zh.txt": "Title: 宁德时代匈牙利工厂开工\nDate: 2024-03-20\n\n"
    "宁德时代在匈牙利德布勒森的电池工厂开工，规划产能为 80 GWh。特斯拉表示将采购 12 GWh 电池。",
    # Undated: no header, no dateline.
    "ford.txt": "Contemporary Amperex signs a supply deal with Ford\n\nContemporary Amperex "
    "Technology Co. Limited will supply Ford with LFP cells worth $2 billion. Ford did "
    "not say how many vehicles it would build.",
    "autumn.txt": "Title: CATL results\nDate: 2023-11-15\n\nCATL reported a net profit of "
    "$3.1 billion for the quarter.",
}  # fmt: skip


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    root = tmp_path_factory.mktemp("entity")
    src = root / "src"
    shutil.copytree(SEEDS, src)
    for name, text in EXTRA.items():
        (src / name).write_text(text, encoding="utf-8")
    with Library(root / "lib") as library:
        library.update([src])
        yield library


def _doc(lib: Library, name: str) -> str:
    path = str(lib.sources()[0] / name)
    return lib.store.doc_ids_for_path(path)[0]


# Six short notes whose counts are worked out by hand: CATL in 1-4, Ford in 1-2, Tesla
# in 1-3 and 5-6, Hungary in 4 and 6.
SMALL = {
    "n1.txt": ("2024-03-04", "CATL met Ford and Tesla."),
    "n2.txt": ("2024-03-06", "Ford, Tesla and CATL talked again."),
    "n3.txt": ("2024-03-13", "Tesla and CATL agreed."),
    "n4.txt": (None, "CATL looked at Hungary."),
    "n5.txt": ("2024-03-20", "Tesla spoke."),
    "n6.txt": ("2024-04-01", "Tesla went to Hungary."),
}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    root = tmp_path_factory.mktemp("small")
    src = root / "src"
    src.mkdir()
    for name, (date, text) in SMALL.items():
        head = f"Title: Note {name}\n" + (f"Date: {date}\n" if date else "")
        (src / name).write_text(f"{head}\n{text}", encoding="utf-8")
    with Library(root / "lib") as library:
        library.update([src])
        yield library


# -- names ---------------------------------------------------------------------------


def test_chinese_name_and_aliases_count_as_catl(lib: Library) -> None:
    page = entity_page(lib, "宁德时代")
    assert (page.id, page.name, page.type) == ("catl", "CATL", "company")
    assert "宁德时代" in page.aliases
    # Every document naming it any way: the Chinese-only one and the undated clipping
    # that only says "Contemporary Amperex" among them.
    ids = {h.id for h in lib.search(SearchRequest(filters=(("company", "CATL"),),
                                                  limit=100)).hits}  # fmt: skip
    assert page.documents == len(ids)
    assert {_doc(lib, "zh.txt"), _doc(lib, "ford.txt")} <= ids
    assert page.documents == entity_page(lib, "CATL").documents


def test_entities_are_found_by_id_alias_any_case_and_either_script(lib: Library) -> None:
    cat = lib.catalogue()
    for typed in ("catl", "CATL", "contemporary amperex", "寧德時代", " Ningde Shidai "):
        assert find_entity(cat, typed).id == "catl", typed
    assert find_entity(cat, "robin-zeng").name == "Robin Zeng"


def test_an_unknown_name_suggests_close_ones(lib: Library) -> None:
    with pytest.raises(UnknownEntityError) as err:
        entity_page(lib, "Gotoin")
    assert "Gotion High-Tech" in err.value.suggestions
    assert "Did you mean" in str(err.value)


def test_cli_unknown_entity_exits_1_with_suggestions(lib: Library, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--library", str(lib.folder), "entity", "Contmporary", "Amperex"]) == 1
    err = capsys.readouterr().err
    assert "No entity is called 'Contmporary Amperex'" in err and "CATL" in err


# -- timeline ------------------------------------------------------------------------


def test_timeline_is_weekly_over_a_short_span_with_undated_apart(small: Library) -> None:
    t = entity_page(small, "CATL").timeline
    assert t.unit == "week"
    # 4 and 6 March are in ISO week 10, 13 March in week 11; n4 has no date.
    assert [(p.period, p.count) for p in t.periods] == [("2024-W10", 2), ("2024-W11", 1)]
    assert t.undated == 1


def test_timeline_is_monthly_over_a_long_span_and_zero_filled(lib: Library) -> None:
    page = entity_page(lib, "CATL")
    t = page.timeline
    assert t.unit == "month"
    counts = {p.period: p.count for p in t.periods}
    assert [p.period for p in t.periods] == ["2023-11", "2023-12", "2024-01", "2024-02",
                                             "2024-03", "2024-04", "2024-05", "2024-06"]
    assert (counts["2023-11"], counts["2023-12"], counts["2024-03"], counts["2024-06"]) == (
        1, 0, 2, 1)  # fmt: skip
    # Three undated seed clippings and the undated Ford clipping: never at a date.
    assert t.undated == 4
    assert sum(counts.values()) + t.undated == page.documents


def test_timeline_stacks_add_up_to_each_topics_documents(lib: Library) -> None:
    page = entity_page(lib, "CATL")
    t = page.timeline
    within = lib.search(SearchRequest(query='company:"CATL"', limit=0)).facets["topic"]
    assert within
    for c in within:
        dated = sum(dict(p.topics).get(c.value, 0) for p in t.periods)
        assert dated + dict(t.undated_topics).get(c.value, 0) == c.count, c.value
    for p in t.periods:
        assert all(0 < n <= p.count for _, n in p.topics)


# -- association ---------------------------------------------------------------------


def test_cooccurring_ranks_by_lift_not_by_count(small: Library) -> None:
    page = entity_page(small, "CATL")
    assert (page.documents, page.library_documents, page.min_support) == (4, 6, 2)
    by_name = {r.name: r for r in page.cooccurring}
    # Ford: in 2 of CATL's 4 notes and 2 of all 6 → (2/4) / (2/6) = 1.5.
    # Tesla: in 3 of CATL's 4 and 5 of 6 → (3/4) / (5/6) = 0.9: more shared notes,
    # but it is everywhere.
    assert (by_name["Ford"].count, by_name["Ford"].documents) == (2, 2)
    assert by_name["Ford"].score == pytest.approx(1.5)
    assert (by_name["Tesla"].count, by_name["Tesla"].documents) == (3, 5)
    assert by_name["Tesla"].score == pytest.approx(0.9)
    names = [r.name for r in page.cooccurring]
    assert names.index("Ford") < names.index("Tesla")
    assert by_name["Ford"].id == "ford" and by_name["Ford"].type == "company"
    assert by_name["Ford"].pmi == pytest.approx(np.log2(1.5))
    # Hungary shares a single note with CATL: below the minimum support of 2.
    assert "Hungary" not in by_name and "CATL" not in by_name


def test_associations_by_hand() -> None:
    within = {"company": (FacetCount("A", 40), FacetCount("B", 10), FacetCount("C", 3)),
              "place": (FacetCount("P", 20),)}
    library = {"company": (FacetCount("A", 40), FacetCount("B", 12), FacetCount("C", 3)),
               "place": (FacetCount("P", 800),)}
    got = associations(within=within, library=library,
                       fields={"company": "company", "place": "place"}, documents=40,
                       library_documents=1000, exclude=("company", "A"),
                       lookup=lambda t, n: n.lower(), min_support=5)  # fmt: skip
    # B: (10/40)/(12/1000) = 20.83; P: (20/40)/(800/1000) = 0.625; C below support.
    assert [(r.name, round(r.score, 3)) for r in got] == [("B", 20.833), ("P", 0.625)]
    assert got[0].id == "b" and got[0].count == 10 and got[0].documents == 12


# -- prices, facts, latest -------------------------------------------------------------


def test_linked_series_carry_markers_within_their_dates(lib: Library) -> None:
    page = entity_page(lib, "CATL")
    linked = {s.view.id for s in page.series}
    expected = {v.id for v in lib.prices().linked_to({"catl"})}
    assert linked == expected and linked
    for s in page.series:
        points = s.view.series.points
        for m in s.markers:
            assert points[0].date <= m.date <= points[-1].date
            assert m.series_id == s.view.id and m.entities == ("CATL",)


def test_facts_are_the_figures_in_the_entitys_sentences(lib: Library) -> None:
    facts = entity_page(lib, "CATL").facts
    got = {(f.quantity, f.doc_id) for f in facts}
    hungary, zh, ford = _doc(lib, "hungary.txt"), _doc(lib, "zh.txt"), _doc(lib, "ford.txt")
    assert ("100 GWh", hungary) in got
    assert ("80 GWh", zh) in got  # 宁德时代 … 规划产能为 80 GWh。 one Chinese sentence
    assert ("$2 billion", ford) in got  # "Co. Limited" does not end the sentence
    # Said in other sentences, about the plant and about Tesla: not CATL's figures.
    assert ("$7.6 billion", hungary) not in got
    assert ("1.8 million cars", hungary) not in got
    assert ("12 GWh", zh) not in got
    fact = next(f for f in facts if f.quantity == "100 GWh")
    assert (fact.value, fact.unit, fact.date) == (100.0, "GWh", dt.date(2024, 3, 5))
    assert fact.text == "CATL will build a 100 GWh battery plant in Debrecen, Hungary."
    assert set(fact.entities) == {"Debrecen", "Hungary"}
    # Newest documents first, undated last.
    dates = [f.date for f in facts]
    dated = [d for d in dates if d is not None]
    assert dated == sorted(dated, reverse=True)
    assert dates[len(dated):] == [None] * (len(dates) - len(dated))
    assert len(entity_page(lib, "CATL", facts=2).facts) == 2


def test_sentences_are_not_cut_at_abbreviations_or_wrapped_lines() -> None:
    from cellsight.core.model import Document, EntitySpan, ParsedDocument

    body = ("Sales in the U.S. rose. CATL shipped 120 GWh in the quarter, up 7% from\n"
            "a year earlier. Another 5 GWh went elsewhere.")  # fmt: skip
    title = "Shipments"
    text = f"{title}\n\n{body}"
    at = text.index("CATL")
    spans = (EntitySpan(at, at + 4, "company", "catl", "CATL", "CATL"),
             EntitySpan(text.index("120"), text.index("120") + 7, "quantity", "qty:GWh",
                        "120 GWh", "120 GWh", 120.0, "GWh"),
             EntitySpan(text.index("7%"), text.index("7%") + 2, "quantity", "qty:%", "7 %",
                        "7%", 7.0, "%"),
             EntitySpan(text.index("5 GWh"), text.index("5 GWh") + 5, "quantity", "qty:GWh",
                        "5 GWh", "5 GWh", 5.0, "GWh"))  # fmt: skip
    doc = Document("d", ParsedDocument("p", "text", title, body), spans)
    start, end = Sentences(text, spans).around(at)
    assert text[start:end].strip() == ("CATL shipped 120 GWh in the quarter, up 7% from\n"
                                       "a year earlier.")
    assert [f.quantity for f in facts_in(doc, "catl")] == ["120 GWh", "7 %"]
    assert facts_in(doc, "tesla") == []


def test_latest_documents_are_newest_first_with_undated_last(lib: Library) -> None:
    page = entity_page(lib, "CATL", latest=5)
    assert len(page.latest) == 5
    assert [h.date for h in page.latest[:4]] == [
        dt.date(2024, 6, 7), dt.date(2024, 3, 20), dt.date(2024, 3, 5), dt.date(2023, 11, 15)]
    assert page.latest[4].date is None


def test_cli_entity_json_shape(lib: Library, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--library", str(lib.folder), "entity", "--json", "宁德时代"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"id", "name", "type", "aliases", "documents", "timeline", "cooccurring",
            "series", "facts", "latest", "undated", "unit"} <= set(data)
    assert data["id"] == "catl" and data["undated"]["count"] == 4
    assert {"period", "count", "topics"} <= set(data["timeline"][0])
    assert all({"id", "name", "type", "count", "score"} <= set(r)
               for r in data["cooccurring"])  # fmt: skip
    assert all({"id", "points", "markers"} <= set(s) for s in data["series"])
    fact = next(f for f in data["facts"] if f["quantity"] == "100 GWh")
    assert (fact["value"], fact["unit"], fact["date"]) == (100.0, "GWh", "2024-03-05")
    assert {"doc", "path", "title", "text", "entities"} <= set(fact)
    assert data["latest"][0]["date"] == "2024-06-07" and "snippet" in data["latest"][0]
    assert main(["--library", str(lib.folder), "entity", "CATL"]) == 0
    assert "CATL (company, catl)" in capsys.readouterr().out


# -- the date histogram of a search --------------------------------------------------


def test_search_histogram_follows_query_and_filters(lib: Library) -> None:
    every = lib.search(SearchRequest(with_histogram="month", limit=0))
    assert sum(n for _, n in every.histogram) + every.undated == every.total
    plain = lib.search(SearchRequest(limit=0))
    assert plain.histogram == () and plain.undated == 0  # only when asked
    tesla = lib.search(SearchRequest(query="Hungary", filters=(("company", "Tesla"),),
                                     with_histogram="auto", limit=0))  # fmt: skip
    # The two Hungary plant stories, both with Tesla, two weeks apart.
    assert tesla.total == 2 and tesla.undated == 0
    assert tesla.histogram == (("2024-W10", 1), ("2024-W11", 0), ("2024-W12", 1))
    only = lib.search(replace(tesla.request, ids_only=True, limit=10))
    assert (only.histogram, only.undated, len(only.ids)) == (tesla.histogram, 0, 2)


def test_date_histogram_labels_fill_and_bounds() -> None:
    days = np.array([dt.date(2020, 12, 31).toordinal(), dt.date(2021, 1, 1).toordinal(),
                     dt.date(2021, 3, 2).toordinal(), 0, 0])  # fmt: skip
    assert date_histogram(days, "month") == (
        (("2020-12", 1), ("2021-01", 1), ("2021-02", 0), ("2021-03", 1)), 2)
    # 31 Dec 2020 and 1 Jan 2021 are both in ISO week 53 of 2020.
    weeks, undated = date_histogram(days, "week")
    assert weeks[0] == ("2020-W53", 2) and weeks[-1] == ("2021-W09", 1) and undated == 2
    assert len(weeks) == 10
    assert date_histogram(np.array([0, 0]), "auto") == ((), 2)
    assert date_histogram(days[:2], "auto")[0] == (("2020-W53", 2),)
    # A stray date centuries away lists only the periods that hold documents.
    far, _ = date_histogram(np.array([1, dt.date(2024, 5, 1).toordinal()]), "week")
    assert far == (("0001-W01", 1), ("2024-W18", 1))
    assert period_bounds("2024-02") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert period_bounds("2020-W53") == (dt.date(2020, 12, 28), dt.date(2021, 1, 3))
    assert period_of(dt.date(2021, 1, 3), "week") == "2020-W53"
    with pytest.raises(ValueError):
        date_histogram(days, "day")


def test_an_entity_no_document_mentions_has_an_empty_page(lib: Library) -> None:
    page = entity_page(lib, "Sigma Lithium")
    assert page.documents == 0 and page.library_documents == lib.count()
    assert page.timeline.periods == () and page.timeline.undated == 0
    assert page.cooccurring == () and page.facts == () and page.latest == ()
