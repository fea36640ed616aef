"""Figures as range clauses, range facets and the facts table: mixed units, Chinese
units in both scripts, ranges in queries and filters, undated documents, an index
from before figures, and `cellsight facts`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import numpy as np
import pytest

from cellsight.cli import main
from cellsight.core.errors import QueryError
from cellsight.core.facts import facts
from cellsight.core.library import Library
from cellsight.core.model import SearchRequest
from cellsight.core.query.numeric import Figures, NumericTable
from cellsight.core.query.numeric_syntax import Range

DOCS = {
    "debrecen.txt": "Title: CATL picks Debrecen\nDate: 2024-03-05\n\n"
    "CATL will build a 100 GWh battery plant in Debrecen, Hungary. The plant will cost "
    "$7.6 billion.",
    "thuringia.txt": "Title: CATL Erfurt expands\nDate: 2022-06-01\n\n"
    "CATL raised the capacity of its Erfurt plant to 24 GWh. Output will rise 40%.",
    "storage.txt": "Title: Fluence storage order\nDate: 2024-08-12\n\n"
    "Fluence will deliver a 500 MWh storage system to a utility in Texas.",
    "gotion.txt": "Title: Gotion Michigan plan\nDate: 2023-05-02\n\n"
    "Gotion plans a 40 GWh plant in Michigan for $2.36 billion.",
    # Undated: no header, no dateline.
    "undated.txt": "Sodium-ion line\n\nBYD is building a 30 GWh sodium-ion line.",
    "zh.txt": "Title: 宁德时代匈牙利工厂\nDate: 2024-04-01\n\n"
    "宁德时代匈牙利工厂规划产能100吉瓦时，总投资73.4亿欧元。碳酸锂价格跌至12万元/吨。",
    "zh_hant.txt": "Title: 寧德時代擴產\nDate: 2023-09-09\n\n"
    "寧德時代新基地產能達30吉瓦時，投資50億元。年產能40萬噸。",
    "zh_nospace.txt": "Title: 国轩高科\nDate: 2024-01-15\n\n国轩高科产能20GWh的工厂投产。",
    "lithium.txt": "Title: Lithium prices\nDate: 2024-02-01\n\n"
    "Lithium carbonate fell to CNY 95,000/t, and packs averaged $139/kWh. Pilbara shipped "
    "40,000 tonnes.",
}  # fmt: skip


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    root = tmp_path_factory.mktemp("facts")
    src = root / "src"
    src.mkdir()
    for name, text in DOCS.items():
        (src / name).write_text(text, encoding="utf-8")
    with Library(root / "lib") as library:
        library.update([src])
        yield library


def _titles(lib: Library, query: str, **kw: object) -> set[str]:
    res = lib.search(SearchRequest(query=query, limit=50, **kw))  # type: ignore[arg-type]
    return {h.title for h in res.hits}


def test_capacity_over_20_gwh_since_2023_is_one_query(lib: Library) -> None:
    got = _titles(lib, "capacity:>20 date:>2023-01-01")
    # MWh is brought to GWh (0.5: out); the undated BYD line has no date: out;
    # Erfurt's 24 GWh is from 2022: out; 20 GWh is not over 20.
    assert got == {"CATL picks Debrecen", "Gotion Michigan plan", "宁德时代匈牙利工厂",
                   "寧德時代擴產"}  # fmt: skip


def test_ranges_and_units_in_clauses(lib: Library) -> None:
    assert _titles(lib, "capacity:[20 to 30]") == {"CATL Erfurt expands", "Sodium-ion line",
                                                   "寧德時代擴產", "国轩高科"}  # fmt: skip
    assert _titles(lib, "capacity:[20 to 30}") == {"CATL Erfurt expands", "国轩高科"}
    assert _titles(lib, "capacity:<1") == {"Fluence storage order"}
    assert _titles(lib, "capacity:>=500MWh capacity:<=0.5") == {"Fluence storage order"}
    assert _titles(lib, "money:>1bn") == {"CATL picks Debrecen", "Gotion Michigan plan"}
    assert _titles(lib, "investment:>5bn USD") == {"CATL picks Debrecen"}
    assert _titles(lib, "money:>1bn EUR") == {"宁德时代匈牙利工厂"}
    assert _titles(lib, "money:>=50亿元") == {"寧德時代擴產"}
    assert _titles(lib, "price:>100000 CNY/t") == {"宁德时代匈牙利工厂"}
    assert _titles(lib, "price_cny_t:<100000") == {"Lithium prices"}
    assert _titles(lib, "price:<150") == {"Lithium prices"}  # USD/kWh
    assert _titles(lib, "mass:>=40kt") == {"Lithium prices", "寧德時代擴產"}
    assert _titles(lib, "pct:>=40") == {"CATL Erfurt expands"}


def test_clauses_combine_with_words_and_exclusion(lib: Library) -> None:
    # CATL is also found as 宁德时代 (names in any language).
    assert _titles(lib, "CATL capacity:>50") == {"CATL picks Debrecen", "宁德时代匈牙利工厂"}
    assert _titles(lib, "plant -capacity:>50") == {"CATL Erfurt expands", "Gotion Michigan plan"}
    # Inside a phrase it is text, not a clause.
    assert _titles(lib, '"capacity:>20"') == set()


def test_malformed_clause_says_what_to_write(lib: Library) -> None:
    with pytest.raises(QueryError, match="capacity:>20"):
        lib.search(SearchRequest(query="capacity:>lots"))
    with pytest.raises(QueryError, match="mixes"):
        lib.search(SearchRequest(query="money:[1bn USD to 2bn EUR]"))


def test_range_facets_follow_query_and_filters(lib: Library) -> None:
    res = lib.search(SearchRequest(query="", limit=50))
    capacity = {c.value: c.count for c in res.facets["capacity"]}
    # 0.5 | 24, 30(BYD), 30(zh_hant), 20 | 40 | 100, 100 — each document once a bucket.
    assert capacity == {"<1 GWh": 1, "20–50 GWh": 5, "≥50 GWh": 2}
    assert [c.value for c in res.facets["capacity"]] == ["<1 GWh", "20–50 GWh", "≥50 GWh"]
    assert {c.value: c.count for c in res.facets["money_usd"]} == {"1bn–10bn USD": 2}
    assert "money_eur" in res.facets and "money_cny" in res.facets
    assert "price_cny_t" in res.facets and "pct" in res.facets and "mass" in res.facets
    # Following the query.
    catl = lib.search(SearchRequest(query="CATL", limit=50))
    # CATL's documents, 宁德时代's too: 24 and 30 GWh; 100 and 100 GWh.
    assert {c.value: c.count for c in catl.facets["capacity"]} == {"20–50 GWh": 2,
                                                                     "≥50 GWh": 2}  # fmt: skip
    # A ticked bucket filters; its own facet still shows the other buckets.
    ticked = lib.search(SearchRequest(query="", limit=50,
                                      filters=(("capacity", "≥50 GWh"),)))  # fmt: skip
    assert {h.title for h in ticked.hits} == {"CATL picks Debrecen", "宁德时代匈牙利工厂"}
    assert {c.value for c in ticked.facets["capacity"]} == {"<1 GWh", "20–50 GWh", "≥50 GWh"}
    assert {c.value: c.count for c in ticked.facets["money_usd"]} == {"1bn–10bn USD": 1}
    # OR within the facet, and excluded buckets.
    both = lib.search(SearchRequest(query="", limit=50, filters=(
        ("capacity", "≥50 GWh"), ("capacity", "<1 GWh"))))  # fmt: skip
    assert both.total == 3
    out = lib.search(SearchRequest(query="", limit=50, excludes=(("capacity", "20–50 GWh"),)))
    assert "CATL Erfurt expands" not in {h.title for h in out.hits}


def test_sort_by_largest_figure(lib: Library) -> None:
    res = lib.search(SearchRequest(query="capacity:>=20", sort="capacity", limit=50))
    order = [h.title for h in res.hits]
    assert set(order[:2]) == {"CATL picks Debrecen", "宁德时代匈牙利工厂"}  # 100 GWh
    assert order[2] == "Gotion Michigan plan" and order[-1] == "国轩高科"


def test_facts_table_mixed_units_sorted_by_value(lib: Library) -> None:
    got = facts(lib, "", unit="GWh", sort="value", limit=10)
    values = [f.value for f in got]
    assert values == sorted(values, reverse=True)
    assert values[:2] == [100, 100] and values[-1] == 0.5  # 500 MWh, in GWh
    assert {f.unit for f in got} == {"GWh"}
    mwh = next(f for f in got if f.value == 0.5)
    assert mwh.quantity == "500 MWh" and mwh.text.startswith("Fluence will deliver")
    # In MWh when asked in MWh; min/max in that unit.
    big = facts(lib, "", unit="MWh", min=35000, sort="value")
    assert [(f.value, f.unit) for f in big] == [(100000, "MWh"), (100000, "MWh"), (40000, "MWh")]


def test_facts_table_obeys_the_query_range_on_its_unit(lib: Library) -> None:
    got = facts(lib, "capacity:>20 date:>2023-01-01", unit="GWh", sort="value")
    assert [f.value for f in got] == [100, 100, 40, 30]
    assert facts(lib, "capacity:>20", unit="GWh", max=35, sort="value")[-1].value == 24


def test_facts_table_sentence_entities_date_and_undated(lib: Library) -> None:
    got = facts(lib, "", unit="capacity", min=20, max=40)
    # Newest first; the undated document last.
    assert [f.date for f in got][-1] is None
    dates = [f.date for f in got if f.date is not None]
    assert dates == sorted(dates, reverse=True)
    byd = got[-1]
    assert (byd.value, byd.title) == (30, "Sodium-ion line") and "BYD" in byd.entities
    gotion = next(f for f in got if f.title == "Gotion Michigan plan")
    assert "Gotion High-Tech" in gotion.entities and gotion.text == (
        "Gotion plans a 40 GWh plant in Michigan for $2.36 billion.")
    assert gotion.date == dt.date(2023, 5, 2) and gotion.path.endswith("gotion.txt")


def test_facts_table_chinese_both_scripts(lib: Library) -> None:
    got = facts(lib, "宁德时代", unit="capacity", sort="value")
    # 宁德时代 is CATL: its English documents too.
    assert [(f.value, f.quantity) for f in got] == [(100, "100 GWh"), (100, "100 GWh"),
                                                    (30, "30 GWh"), (24, "24 GWh")]
    money = facts(lib, "", unit="元")
    assert [(f.value, f.unit) for f in money] == [(5e9, "CNY")]
    eur = facts(lib, "", unit="EUR")
    assert [f.value for f in eur] == [7.34e9]
    assert eur[0].text == "宁德时代匈牙利工厂规划产能100吉瓦时，总投资73.4亿欧元。"
    tonnes = facts(lib, "", unit="t", sort="value")
    assert [f.value for f in tonnes] == [400000, 40000]


def test_facts_without_unit_lists_every_family(lib: Library) -> None:
    got = facts(lib, "CATL Debrecen")
    assert {(f.value, f.unit) for f in got} == {(100, "GWh"), (7.6e9, "USD")}
    with pytest.raises(QueryError, match="--unit"):
        facts(lib, "", sort="value")


def test_index_from_before_figures_has_no_columns() -> None:
    # A schema-8 index (read-only, not rebuilt yet) has no figures field.
    from whoosh.fields import ID, Schema
    from whoosh.filedb.filestore import RamStorage

    ix = RamStorage().create_index(Schema(id=ID(stored=True)))
    writer = ix.writer()
    writer.add_document(id="a")
    writer.commit()
    table = NumericTable(ix.reader())
    assert table.columns == {}
    assert not table.mask(Range("capacity_gwh", 20.0)).any()
    assert Figures(table).facets(np.ones(1, bool), {}) == {}


def test_cli_facts_json(lib: Library, capsys: pytest.CaptureFixture[str]) -> None:
    folder = str(lib.folder)
    assert main(["--library", folder, "facts", "--json", "--unit", "GWh", "--min", "40",
                 "--sort", "value", "CATL"]) == 0  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert [f["value"] for f in data["facts"]] == [100, 100]
    fact = next(f for f in data["facts"] if f["title"] == "CATL picks Debrecen")
    assert set(fact) >= {"doc", "path", "title", "date", "value", "unit", "text", "entities"}
    assert fact["date"] == "2024-03-05" and fact["unit"] == "GWh"
    assert main(["--library", folder, "facts", "--unit", "GWh", "capacity:>50"]) == 0
    assert "100 GWh" in capsys.readouterr().out
    with pytest.raises(SystemExit) as usage:  # --min without --unit
        main(["--library", folder, "facts", "--min", "3"])
    assert usage.value.code == 2
