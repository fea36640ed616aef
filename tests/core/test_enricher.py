"""The enrich stage end to end, and the quantity finder it uses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cellsight.core.enrich import quantities
from cellsight.core.enrich.catalogue import Entity, UserChanges
from cellsight.core.enrich.enricher import Enricher, merge_spans
from cellsight.core.enrich.quantities import find_quantities
from cellsight.core.model import QUANTITY, Document, EntitySpan, ParsedDocument
from cellsight.core.paths import seeds_dir


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher.default()


def parsed(title: str, text: str) -> ParsedDocument:
    return ParsedDocument(path="/tmp/x.txt", kind="text", title=title, text=text)


def seed_doc(prefix: str) -> ParsedDocument:
    (path,) = seeds_dir().glob(f"{prefix}_*.txt")
    first, _, rest = path.read_text(encoding="utf-8").partition("\n")
    return ParsedDocument(path=str(path), kind="text", title=first, text=rest.strip())


def check_spans(doc: Document) -> None:
    full = doc.full_text
    last_end = 0
    for span in doc.entities:
        assert span.text == full[span.start : span.end]
        assert span.start >= last_end
        last_end = span.end


@pytest.mark.parametrize("prefix", ["000", "001", "002"])
def test_seed_documents_are_well_formed(enricher: Enricher, prefix: str) -> None:
    doc = enricher.enrich(f"doc-{prefix}", seed_doc(prefix))
    assert doc.id == f"doc-{prefix}"
    check_spans(doc)
    assert "CATL" in doc.entity_names("company")
    assert doc.topics


def test_seed_001_quantities_and_topic(enricher: Enricher) -> None:
    doc = enricher.enrich("001", seed_doc("001"))
    quantities = {s.name: s for s in doc.entities if s.type == QUANTITY}
    gwh = quantities["259.7 GWh"]
    assert (gwh.value, gwh.unit, gwh.entity_id, gwh.text) == (259.7, "GWh", "qty:GWh", "259.7 GWh")
    share = quantities["36.8 %"]
    assert (share.value, share.unit, share.text) == (36.8, "%", "36.8 percent")
    money = quantities["$3.5 billion"]
    assert (money.value, money.unit) == (3.5e9, "USD")
    assert quantities["12 carmakers"].value == 12
    assert doc.topics[0].name == "Licensing and partnerships"


def test_seed_000_quantities(enricher: Enricher) -> None:
    doc = enricher.enrich("000", seed_doc("000"))
    quantities = {s.name: s for s in doc.entities if s.type == QUANTITY}
    assert quantities["$25,000"].value == 25000
    assert quantities["10–20 automakers"].value == 10
    assert "Licensing and partnerships" in [t.name for t in doc.topics][:2]


def test_offsets_cover_title_and_body(enricher: Enricher) -> None:
    doc = enricher.enrich("t", parsed("Tesla and CATL", "Ford invests $3.5 billion in Michigan."))
    check_spans(doc)
    body = [s for s in doc.entities if s.start >= doc.body_offset]
    assert [s.text for s in doc.entities[:2]] == ["Tesla", "CATL"]
    assert [s.text for s in body] == ["Ford", "$3.5 billion", "Michigan"]


def test_entity_wins_over_quantity(enricher: Enricher) -> None:
    doc = enricher.enrich("q", parsed("", "Tesla sold Model 3 cars with 4680 cells and 50 GWh."))
    kinds = [(s.text, s.type) for s in doc.entities]
    assert ("Model 3", "product") in kinds
    assert ("4680 cells", "product") in kinds
    assert ("3 cars", QUANTITY) not in kinds
    assert ("50 GWh", QUANTITY) in kinds


def test_merge_spans_keeps_order_and_drops_clashes() -> None:
    def span(start: int, end: int, etype: str) -> EntitySpan:
        return EntitySpan(start, end, etype, "x", "x", "x" * (end - start))

    entities = [span(0, 5, "company"), span(10, 15, "place")]
    quantities = [span(3, 7, QUANTITY), span(7, 9, QUANTITY), span(14, 20, QUANTITY)]
    merged = merge_spans(entities, quantities)
    assert [(s.start, s.end) for s in merged] == [(0, 5), (7, 9), (10, 15)]


def test_user_changes_reach_the_enricher() -> None:
    user = UserChanges(
        added=(Entity(id="acme", type="company", name="Acme Cells"),),
        aliases=(("catl", "Ningde Times"),),
        hidden=frozenset({"tesla"}),
    )
    enricher = Enricher.default(user)
    doc = enricher.enrich("u", parsed("", "Acme Cells, Ningde Times and Tesla met."))
    assert [(s.text, s.entity_id) for s in doc.entities] == [
        ("Acme Cells", "acme"),
        ("Ningde Times", "catl"),
    ]
    again = enricher.with_changes(UserChanges())
    assert "tesla" in {s.entity_id for s in again.spans("", "Tesla")}


@pytest.mark.parametrize(
    ("text", "name", "value", "unit"),
    [
        ("a $1.2 billion plant", "$1.2 billion", 1.2e9, "USD"),
        ("raised US$3.5bn", "$3.5 billion", 3.5e9, "USD"),
        ("cells at $97/kWh", "$97/kWh", 97, "USD/kWh"),
        ("packs at $139 per kWh", "$139/kWh", 139, "USD/kWh"),
        ("around 100 $/kWh", "$100/kWh", 100, "USD/kWh"),
        ("RMB 10 billion", "CNY 10 billion", 1e10, "CNY"),
        ("10 billion yuan", "CNY 10 billion", 1e10, "CNY"),
        ("€2.5 million", "€2.5 million", 2.5e6, "EUR"),
        ("5.5 trillion won", "KRW 5.5 trillion", 5.5e12, "KRW"),
        ("1.1 TWh", "1.1 TWh", 1.1, "TWh"),
        ("500MWh", "500 MWh", 500, "MWh"),
        ("99% of", "99 %", 99, "%"),
        ("down -0.28%", "-0.28 %", -0.28, "%"),
        ("10-20%", "10–20 %", 10, "%"),
        ("twenty-five percent", "25 %", 25, "%"),
        ("40,000 t LCE", "40,000 t LCE", 40000, "t LCE"),
        ("40,000 tonnes of lithium carbonate equivalent", "40,000 t LCE", 40000, "t LCE"),
        ("30kt of", "30 kt", 30000, "t"),
        ("2 Mt of ore", "2 Mt", 2e6, "t"),
        ("5,000 metric tons", "5,000 t", 5000, "t"),
        ("10 million tonnes", "10 million t", 1e7, "t"),
        ("$15,000 a tonne", "$15,000/t", 15000, "USD/t"),
        ("1 million vehicles", "1 million vehicles", 1e6, "vehicles"),
        ("5 GW of solar", "5 GW", 5, "GW"),
    ],
)
def test_quantities(text: str, name: str, value: float, unit: str) -> None:
    (span,) = find_quantities(text)
    assert (span.name, span.unit, span.entity_id) == (name, unit, f"qty:{unit}")
    assert span.value == pytest.approx(value)
    assert span.text == text[span.start : span.end]


@pytest.mark.parametrize(
    "text",
    [
        "in 2023 won the contract", "between 2023 to 2030", "one-third of cells", "often",
        "Tier 1",
        # Case-insensitive look-alikes of number words once raised ValueError mid-document.
        "0-ſix GWh", "nıne GWh", "3 to nİne tonnes",
    ],
)
def test_not_quantities(text: str) -> None:
    assert find_quantities(text) == []


_QTY_PIECES = [
    *"0123456789",
    "3.5",
    ",000",
    " ",
    "-",
    "−",
    ".",
    ",",
    "$",
    "US$",
    "U.S. $",
    "RMB ",
    "€",
    "%",
    " percent",
    "GWh",
    " t",
    " kt",
    " Mt",
    " billion",
    "bn",
    "m",
    " to ",
    "twelve",
    "Ten",
    "often",
    " automakers",
    " yuan",
    "/kWh",
    " per kWh",
    " a tonne",
    " LCE",
    " won",
    "x",
    "İ",
]


def _reference_quantities(text: str) -> list[EntitySpan]:
    """The plain scan: the full pattern tried at every position."""
    spans = []
    for m in quantities._PATTERN.finditer(text):
        span = quantities._match_to_span(m)
        if span is not None:
            spans.append(span)
    return spans


@settings(max_examples=400)
@given(st.lists(st.sampled_from(_QTY_PIECES), max_size=30).map("".join))
def test_quantity_scan_agrees_with_the_plain_scan(text: str) -> None:
    spans = find_quantities(text)
    assert spans == _reference_quantities(text)
    last_end = 0
    for span in spans:
        assert span.text == text[span.start : span.end]
        assert span.start >= last_end
        assert span.value is not None and span.unit
        last_end = span.end
