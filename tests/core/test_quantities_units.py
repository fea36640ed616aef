"""Figures normalised to unit families, from real-looking sentences in English and
Chinese (both scripts), and the range syntax that queries them."""

from __future__ import annotations

import pytest

from cellsight.core.enrich.quantities import find_quantities
from cellsight.core.enrich.units import bucket_labels, column_for, column_unit, figure
from cellsight.core.errors import QueryError
from cellsight.core.query.numeric_syntax import Range, column_of, contains, parse_value, split


def _figures(text: str) -> list[tuple[str, float]]:
    out = []
    for s in find_quantities(text):
        got = figure(s.unit, s.value)
        if got is not None:
            out.append(got)
    return out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CATL will build a 100 GWh battery plant in Debrecen.", [("capacity_gwh", 100)]),
        ("Fluence will deliver a 500 MWh storage system.", [("capacity_gwh", 0.5)]),
        ("Global demand may pass 1.1 TWh by 2030.", [("capacity_gwh", 1100)]),
        ("a 2,400 kWh container", [("capacity_gwh", 0.0024)]),
        ("Northvolt planned 60 gigawatt-hours a year.", [("capacity_gwh", 60)]),
        ("ANNUAL CAPACITY OF 40 GWH", [("capacity_gwh", 40)]),
        ("The plant will cost $7.6 billion.", [("money_usd", 7.6e9)]),
        ("It raised US$3.5bn from investors.", [("money_usd", 3.5e9)]),
        ("a 10bn yuan investment", [("money_cny", 1e10)]),
        ("RMB 2.5 billion in subsidies", [("money_cny", 2.5e9)]),
        ("€2.5 million for the pilot line", [("money_eur", 2.5e6)]),
        ("USD 120 million", [("money_usd", 1.2e8)]),
        ("Packs averaged $139/kWh in 2023.", [("price_usd_kwh", 139)]),
        ("cells at 0.4 yuan/Wh", [("price_cny_kwh", 400)]),
        ("Lithium carbonate fell to CNY 95,000/t.", [("price_cny_t", 95000)]),
        ("spodumene at $1,200 a tonne", [("price_usd_t", 1200)]),
        ("a 100,000 tpa hydroxide refinery", [("mass_t", 1e5)]),
        ("Pilbara shipped 40,000 tonnes.", [("mass_t", 4e4)]),
        ("30kt of LCE", [("mass_t", 3e4)]),
        ("2 Mt of ore", [("mass_t", 2e6)]),
        ("Its market share rose to 36.8%.", [("pct", 36.8)]),
        ("up 12 percent", [("pct", 12)]),
        # Chinese, simplified and traditional; numbers straight after CJK characters.
        ("宁德时代匈牙利工厂规划产能100吉瓦时。", [("capacity_gwh", 100)]),
        ("寧德時代新基地產能達30吉瓦時。", [("capacity_gwh", 30)]),
        ("产能100 GWh", [("capacity_gwh", 100)]),
        ("产能100GWh的工厂投产", [("capacity_gwh", 100)]),
        ("储能项目规模为200兆瓦时", [("capacity_gwh", 0.2)]),
        ("年产能达到100千兆瓦时", [("capacity_gwh", 100)]),
        ("总投资73.4亿欧元", [("money_eur", 7.34e9)]),
        ("總投資達30億美元", [("money_usd", 3e9)]),
        ("投资50亿元建设基地", [("money_cny", 5e9)]),
        ("注册资本5000万元", [("money_cny", 5e7)]),
        ("碳酸锂价格跌至12万元/吨", [("price_cny_t", 1.2e5)]),
        ("碳酸鋰價格跌至12萬元/噸", [("price_cny_t", 1.2e5)]),
        ("电芯价格0.4元/Wh", [("price_cny_kwh", 400)]),
        ("年产能40万吨", [("mass_t", 4e5)]),
        ("年產能3千噸", [("mass_t", 3e3)]),
        ("市场份额达到36.8％", [("pct", 36.8)]),
        ("同比增长25%，", [("pct", 25)]),
    ],
)
def test_sentences_normalise_to_families(text: str, expected: list[tuple[str, float]]) -> None:
    got = _figures(text)
    assert [c for c, _ in got] == [c for c, _ in expected]
    assert [v for _, v in got] == pytest.approx([v for _, v in expected])


@pytest.mark.parametrize(
    "text", ["2023年", "5万人参加", "在2023年赢得合同", "第3季度", "10万辆", "in 2023 won"],
)
def test_no_family_for_years_counts_and_people(text: str) -> None:
    assert _figures(text) == []


def test_chinese_display_and_surface() -> None:
    (span,) = find_quantities("总投资73.4亿欧元。")
    assert (span.name, span.text, span.unit) == ("€7.34 billion", "73.4亿欧元", "EUR")
    (span,) = find_quantities("$10亿")  # a currency sign, then 亿: a billion dollars
    assert (span.value, span.unit) == (1e9, "USD")
    (span,) = find_quantities("全社会用电量9200亿千瓦时")
    assert (span.name, span.value, span.unit) == ("920 billion kWh", 9.2e11, "kWh")
    (span,) = find_quantities("销量达10万辆")
    assert (span.value, span.unit) == (1e5, "vehicles")


def test_columns_and_units() -> None:
    assert column_for("MWh") == ("capacity_gwh", 1e-3)
    assert column_for("t LCE") == ("mass_t", 1.0)
    assert column_for("CNY/kg") == ("price_cny_t", 1e3)
    assert column_for("GW") is None and column_for("vehicles") is None
    assert column_unit("price_usd_kwh") == "USD/kWh" and column_unit("money_cny") == "CNY"
    assert bucket_labels("capacity_gwh") == ("<1 GWh", "1–10 GWh", "10–20 GWh", "20–50 GWh",
                                             "≥50 GWh")  # fmt: skip
    assert bucket_labels("money_usd")[-1] == "≥10bn USD" and bucket_labels("pct")[0] == "<5%"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("capacity", ">20", Range("capacity_gwh", 20, None, False, True)),
        ("capacity", ">=500MWh", Range("capacity_gwh", 0.5, None)),
        ("capacity", "[10 to 50]", Range("capacity_gwh", 10, 50)),
        ("capacity", "[10 to 50}", Range("capacity_gwh", 10, 50, True, False)),
        ("capacity", "[* to 50 GWh]", Range("capacity_gwh", None, 50)),
        ("capacity", "10–20 GWh", Range("capacity_gwh", 10, 20, True, False)),
        ("capacity", "≥50 GWh", Range("capacity_gwh", 50, None)),
        ("capacity", "<1 GWh", Range("capacity_gwh", None, 1, True, False)),
        ("money", ">1bn", Range("money_usd", 1e9, None, False, True)),
        ("money", "1bn–10bn USD", Range("money_usd", 1e9, 1e10, True, False)),
        ("investment", ">10亿元", Range("money_cny", 1e9, None, False, True)),
        ("money_usd", ">=1e9", Range("money_usd", 1e9, None)),
        ("price", "<100", Range("price_usd_kwh", None, 100, True, False)),
        ("price", ">100000 CNY/t", Range("price_cny_t", 1e5, None, False, True)),
        ("mass", ">=40kt", Range("mass_t", 4e4, None)),
        ("pct", "=25", Range("pct", 25, 25)),
    ],
)
def test_range_values(field: str, value: str, expected: Range) -> None:
    assert parse_value(field, value) == expected


def test_split_takes_clauses_out_of_the_query() -> None:
    got = split("CATL capacity:>20 date:>2023-01-01 -money:<1m USD plant")
    assert got.query == "CATL date:>2023-01-01 plant"
    assert got.filters == (Range("capacity_gwh", 20, None, False, True),)
    assert got.excludes == (Range("money_usd", None, 1e6, True, False),)
    assert split("capacity:>1 capacity:<3").filters[1] == Range("capacity_gwh", None, 3,
                                                                True, False)  # fmt: skip
    assert split('"capacity:>20"').filters == ()
    assert split("lithium").query == "lithium"


@pytest.mark.parametrize("bad", ["capacity:>lots", "money:[1bn USD to 2bn EUR]",
                                 "price:>5 CNY", "money_usd:>5 EUR"])  # fmt: skip
def test_malformed_ranges_say_what_to_write(bad: str) -> None:
    with pytest.raises(QueryError):
        split(bad)


def test_contains_and_column_of() -> None:
    assert contains(Range("pct", 10, 20, True, False), 10)
    assert not contains(Range("pct", 10, 20, True, False), 20)
    assert column_of("MWh") == ("capacity_gwh", 1e-3)
    assert column_of("元/吨") == ("price_cny_t", 1.0)
    with pytest.raises(QueryError):
        column_of("furlongs")
