"""The Nuxt payload reader: stories, tickers, rich text and failure reporting."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cellsight.core.errors import IngestError
from cellsight.core.ingest.payload import PayloadReader, parse_nuxt_payload
from cellsight.core.ingest.registry import choose_reader, read_path
from cellsight.core.ingest.storyblok import is_rich_text, render
from cellsight.core.model import PricePoint

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "003_f22a0f1a84bb31d8.txt"
DATA = ROOT / "tests" / "data" / "payloads"
SERIES_IDS = [
    "lithium", "lithium-carbonate", "lithium-hydroxide", "cobalt", "nickel",
    "natural-graphite", "anode-coke", "anode", "cathode", "lithium-ion-batteries",
    "black-mass", "rare-earths", "lfp", "ncm-high-nickel", "ncm-mid-nickel",
]  # fmt: skip


def test_seed_article() -> None:
    docs = read_path(SEED)
    assert len(docs) == 1
    doc = docs[0]
    assert doc.kind == "payload" and doc.path == str(SEED)
    assert doc.title == "CATL looks to overseas markets amid domestic battery oversupply"
    assert doc.date == dt.date(2024, 6, 7)
    assert doc.author is not None and "Didi Bostock" in doc.author
    assert doc.tags == ("CATL", "China", "Data Visualisation")
    assert doc.categories == ("Batteries", "Battery & Gigafactory")
    assert doc.url == "/article/catl-looks-to-overseas-markets-amid-domestic-battery-oversupply"
    assert doc.image is not None and doc.image.endswith("domestic-oversupply.jpg")
    assert doc.source is None  # the payload never names its site
    assert doc.excerpt is not None and doc.excerpt.startswith("CATL’s founder and chairman")
    paragraphs = doc.text.split("\n\n")
    assert paragraphs[0].startswith("CATL’s founder and chairman, Robin Zeng Yuqun")
    for heading in (
        "How does CATL’s domestic and international capacities compare?",
        "Why is Zeng calling for CATL to expand to other markets?",
        "Case Study: China’s CATL vs South Korea’s LGES",
    ):
        assert heading in paragraphs
    assert "Benchmark’s Lithium ion Battery Database, highlighting" in doc.text  # link text
    assert "" not in paragraphs and all(p == p.strip() for p in paragraphs)


def test_seed_series() -> None:
    doc = read_path(SEED)[0]
    assert [s.id for s in doc.series] == SERIES_IDS
    lithium = doc.series[0]
    assert lithium.label == "Lithium"
    assert lithium.stated.latest == 411.01 and lithium.stated.previous == 408.51
    assert lithium.stated.change_pct == 0.61
    assert (lithium.stated.ytd_pct, lithium.stated.yoy_pct) == (75.85, 175.57)
    assert lithium.published == dt.date(2026, 5, 27)
    assert (lithium.frequency, lithium.frequency_text) == ("2wk", "Updated every 2 weeks")
    assert lithium.url == "/lithium/prices"
    assert len(lithium.points) == 12
    assert [p.date for p in lithium.points] == sorted(p.date for p in lithium.points)
    assert lithium.points[-1] == PricePoint(dt.date(2026, 5, 27), 411.01)
    assert lithium.points[0] == PricePoint(dt.date(2025, 12, 24), 203.79)
    cobalt = doc.series[3]
    assert (cobalt.frequency, cobalt.published) == ("1wk", dt.date(2026, 4, 29))


def test_seed_is_routed_to_the_payload_reader_despite_txt() -> None:
    reader = choose_reader(SEED, SEED.read_bytes()[:4096])
    assert reader is not None and reader.name == "payload"


def test_stories_are_found_anywhere_and_once() -> None:
    docs = read_path(DATA / "nested_stories.json")
    titles = [d.title for d in docs]
    assert titles == ["Sodium-ion batteries move to scale", "Cobalt stockpiles grow"]
    assert [d.part for d in docs] == [0, 1]
    main, brief = docs
    assert main.date == dt.date(2025, 3, 14)  # first_published_at: the content has no date
    assert main.author == "Mina Park, Sam Ode"
    assert main.tags == ("Sodium", "sodium-ion")  # an unresolved uuid relation is dropped
    assert main.categories == ("Batteries",)
    assert main.source == "Example Battery News"
    assert main.url == "https://news.example.com/news/sodium-ion-batteries-move-to-scale"
    assert main.image == "https://a.example/featured.jpg"
    assert main.excerpt == "Sodium-ion cells are leaving the pilot stage."
    assert "cathode supply chains" not in main.text  # an author's bio is not the article
    assert brief.date == dt.date(2025, 2, 1) and brief.author == "Lee Chen"
    assert brief.text == "Stockpiles rose again."


def test_rich_text_structure() -> None:
    main = read_path(DATA / "nested_stories.json")[0]
    assert main.text.split("\n\n") == [
        "Sodium-ion moves to scale",
        "Cell makers are shifting capacity, says the annual report.",
        "• Lower cost\n• Better cold performance\n• Supply chain:\n  • soda ash\n  • hard carbon",
        "1. Pilot lines\n2. Gigafactories",
        "We expect parity by 2027,\nsaid the CEO.",
        "capacity_gwh = 40\nyear = 2026",
        "Prismatic sodium-ion cells",
        "Prices exclude VAT.",
    ]


def test_render_blocks_and_deep_nesting() -> None:
    doc = {"type": "doc", "content": [
        {"type": "heading", "attrs": {"level": 3}, "content": [{"type": "text", "text": "H"}]},
        {"type": "paragraph", "content": [
            {"type": "image", "attrs": {"alt": "", "title": "A chart"}}]},
    ]}  # fmt: skip
    assert is_rich_text(doc) and not is_rich_text({"type": "doc"})
    assert render(doc).blocks == (("heading", "H"), ("caption", "A chart"))
    node: dict[str, Any] = {"type": "text", "text": "bottom"}
    for _ in range(20_000):
        node = {"type": "blockquote", "content": [node]}
    assert render({"type": "doc", "content": [node]}).text == "bottom"


def test_price_only_payload_becomes_one_document() -> None:
    docs = read_path(DATA / "prices_only.txt")
    assert len(docs) == 1
    doc = docs[0]
    assert doc.kind == "payload"
    assert doc.title == "Price indices: Manganese Sulphate, Nickel"
    assert doc.date == dt.date(2026, 3, 31)
    assert doc.text.split("\n\n") == [
        "Manganese Sulphate: 101.5 on 2026-03-31 (+1.5% on the previous reading)",
        "Nickel: 88.25 on 2026-03-31 (-1.94% on the previous reading)",
    ]
    assert [s.id for s in doc.series] == ["manganese-sulphate", "nickel"]
    points = doc.series[0].points  # the fixture lists them newest first
    assert [p.date.isoformat() for p in points] == ["2026-01-31", "2026-02-28", "2026-03-31"]


def test_payload_with_neither_articles_nor_prices_is_refused() -> None:
    with pytest.raises(IngestError) as info:
        read_path(DATA / "no_content.json")
    assert info.value.reason == "JSON payload holds no article or price data"


def test_truncated_payload_is_one_ingest_error_naming_the_file() -> None:
    path = DATA / "truncated.json"
    with pytest.raises(IngestError) as info:
        read_path(path)
    assert info.value.path == str(path)
    assert "truncated JSON" in info.value.reason and "line 1, column" in info.value.reason


def test_out_of_range_and_deep_payloads_are_ingest_errors() -> None:
    reader = PayloadReader()
    with pytest.raises(IngestError, match="out of range"):
        reader.read(Path("bad.json"), b'[{"data":1},["ShallowReactive",9]]')
    chain = [{"data": 1}] + [[i + 1] for i in range(1, 50_000)] + ["x"]
    with pytest.raises(IngestError, match="nested deeper"):
        reader.read(Path("deep.json"), json.dumps(chain).encode())


def _story_payload(extra_root: str = "") -> list[Any]:
    return json.loads(
        '[{"data":1' + extra_root + '},["ShallowReactive",2],{"s":3},'
        '{"name":4,"full_slug":5,"content":6},"A title","news/a",'
        '{"component":7,"body":8,"parent":3},"article",'
        '{"type":9,"content":10},"doc",[11],{"type":12,"content":13},"paragraph",[14],'
        '{"type":15,"text":16},"text","Body text."]'
    )


def test_cyclic_story_and_base_url() -> None:
    text = json.dumps(_story_payload())
    (doc,) = parse_nuxt_payload(Path("page.html"), text, base_url="https://site.example/")
    assert (doc.title, doc.text, doc.url) == (
        "A title",
        "Body text.",
        "https://site.example/news/a",
    )
    (relative,) = parse_nuxt_payload(Path("page.html"), text)
    assert relative.url == "/news/a" and relative.series == ()


def test_unknown_site_markers_do_not_hide_the_article() -> None:
    values = _story_payload()
    values[2] = ["SiteStore", len(values)]
    values.append({"s": 3})
    (doc,) = PayloadReader().read(Path("p.json"), json.dumps(values).encode())
    assert doc.title == "A title"


def test_sniffing() -> None:
    reader = PayloadReader()
    seed_head = SEED.read_bytes()[:4096]
    assert reader.sniff(Path("x.txt"), seed_head) == 90
    assert reader.sniff(Path("x.json"), b'\xef\xbb\xbf [["ShallowReactive",1],{"a":2}]') == 90
    assert reader.sniff(Path("x.json"), b'[{"page":1,"b":2},"x"]') == 60
    assert reader.sniff(Path("x.json"), b"[1, 2, 3]") == 0
    assert reader.sniff(Path("x.json"), b'{"data": 1}') == 0
    assert reader.sniff(Path("x.txt"), b"Lithium prices rose [1] in May.") == 0


_entry = st.one_of(
    st.none(), st.booleans(), st.integers(-8, 20), st.text(max_size=8),
    st.lists(st.integers(-8, 20), max_size=4),
    st.dictionaries(
        st.sampled_from(["name", "content", "component", "type", "text", "label", "today",
                         "date", "tags", "full_slug", "oneYearIndexTrend", "value"]),
        st.integers(-8, 20), max_size=5,
    ),
    st.sampled_from(["doc", "paragraph", "text", "article", "2024-06-07", "Lithium"]),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_entry, max_size=20))
def test_random_payloads_raise_only_ingest_error(values: list[Any]) -> None:
    data = json.dumps([["ShallowReactive", 1], *values]).encode()
    try:
        docs = PayloadReader().read(Path("random.json"), data)
    except IngestError:
        return
    assert docs and all(d.title and d.text for d in docs)
