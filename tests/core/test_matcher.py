"""Entity matching on the real seeds and on the awkward cases around them."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cellsight.core.enrich.catalogue import Catalogue, Entity, UserChanges
from cellsight.core.enrich.matcher import EntityMatcher, fold_key, fold_text
from cellsight.core.model import EntitySpan
from cellsight.core.paths import seeds_dir


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.fixture(scope="module")
def matcher(catalogue: Catalogue) -> EntityMatcher:
    return EntityMatcher(catalogue)


def seed(prefix: str) -> str:
    (path,) = seeds_dir().glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def found(spans: list[EntitySpan]) -> set[tuple[str, str]]:
    return {(s.entity_id, s.type) for s in spans}


def assert_well_formed(text: str, spans: list[EntitySpan]) -> None:
    last_end = 0
    for span in spans:
        assert span.text == text[span.start : span.end]
        assert span.start >= last_end
        assert span.end > span.start
        last_end = span.end


def test_seed_002_people_places_policies(matcher: EntityMatcher) -> None:
    text = seed("002")
    spans = matcher.find(text)
    assert_well_formed(text, spans)
    assert {
        ("elon-musk", "person"),
        ("jin-zhuanglong", "person"),
        ("miit", "organisation"),
        ("shanghai", "place"),
        ("ira", "policy"),
        ("megapack", "product"),
        ("catl", "company"),
        ("robin-zeng", "person"),
        ("qin-gang", "person"),
        ("joe-biden", "person"),
        ("beijing", "place"),
        ("texas", "place"),
        ("lfp", "material"),
        ("china-mfa", "organisation"),
    } <= found(spans)
    # "Musk" on its own is still Elon Musk; the lower-case "megapack" is the product.
    assert any(s.text == "Musk" and s.entity_id == "elon-musk" for s in spans)
    assert any(s.text == "megapack" and s.entity_id == "megapack" for s in spans)


def test_seed_000_long_legal_name_is_one_span(matcher: EntityMatcher) -> None:
    text = seed("000")
    spans = matcher.find(text)
    assert_well_formed(text, spans)
    long_form = "Contemporary Amperex Technology Co. Limited"
    start = text.index(long_form)
    (first,) = [s for s in spans if s.start == start]
    assert (first.end, first.entity_id, first.name) == (start + len(long_form), "catl", "CATL")
    inside = [s for s in spans if start < s.start < start + len(long_form)]
    assert inside == []
    tesla = [s for s in spans if s.text == "Tesla Inc."]
    assert len(tesla) == 1 and tesla[0].entity_id == "tesla"
    assert ("ford", "company") in found(spans)
    assert any(s.text == "Ford Motor Co." for s in spans)
    assert ("robin-zeng", "person") in found(spans)
    assert ("nevada", "place") in found(spans)


def test_seed_001_short_legal_name(matcher: EntityMatcher) -> None:
    text = seed("001")
    spans = matcher.find(text)
    assert spans[0].text == "Contemporary Amperex Technology Co Ltd"
    assert spans[0].entity_id == "catl"
    ids = {s.entity_id for s in spans}
    assert {"sne-research", "gm", "north-america", "michigan", "marshall", "nio", "lrs"} <= ids


def test_us_pronoun_is_not_the_united_states(matcher: EntityMatcher) -> None:
    text = "Let us see. The US and U.S. markets; the United States too. Tell us."
    spans = matcher.find(text)
    assert [s.text for s in spans] == ["US", "U.S.", "United States"]
    assert {s.entity_id for s in spans} == {"united-states"}


def test_case_rules_stated_per_alias(matcher: EntityMatcher) -> None:
    assert matcher.find("we ford the river") == []
    assert [s.entity_id for s in matcher.find("Ford builds")] == ["ford"]
    # Case-insensitive forms match in any case.
    assert [s.entity_id for s in matcher.find("TESLA and tesla")] == ["tesla", "tesla"]


def test_whole_words_only(matcher: EntityMatcher) -> None:
    assert matcher.find("Fordham nickelodeon CATLs Teslas") == []
    assert [s.entity_id for s in matcher.find("(CATL)")] == ["catl"]


def test_chinese_aliases_match_inside_chinese_text(matcher: EntityMatcher) -> None:
    text = "据报道，宁德时代与特斯拉在上海签署协议，比亚迪也在研究磷酸铁锂电池。"
    spans = matcher.find(text)
    assert_well_formed(text, spans)
    ids = [s.entity_id for s in spans]
    assert ids[:3] == ["catl", "tesla", "shanghai"]
    assert "byd" in ids and "lfp" in ids
    # "宁德" (the city) is a prefix of "宁德时代": the longer company name wins.
    assert "ningde" not in ids
    mixed = matcher.find("CATL宁德时代")
    assert [s.entity_id for s in mixed] == ["catl", "catl"]


def test_possessives(matcher: EntityMatcher) -> None:
    for text in ("CATL’s plant", "CATL's plant", "the US’ law"):
        spans = matcher.find(text)
        assert spans and spans[0].text in ("CATL", "US")
        assert spans[0].start == text.index(spans[0].text)


def test_hyphens_and_line_breaks(matcher: EntityMatcher) -> None:
    for text in ("lithium-ion", "lithium ion", "lithium‑ion", "Lithium-Ion"):
        (span,) = matcher.find(text)
        assert span.entity_id == "lithium-ion" and span.text == text
    broken = "a new cat-\nhode plant"
    (span,) = matcher.find(broken)
    assert span.entity_id == "cathode"
    assert span.text == "cat-\nhode" == broken[span.start : span.end]
    # A capital after the break means a real hyphen, kept as one.
    (span,) = matcher.find("Mercedes-\nBenz cars")
    assert span.entity_id == "mercedes-benz"


def test_leftmost_longest(matcher: EntityMatcher) -> None:
    spans = matcher.find("North America and America; Lithium Americas; Robin Zeng Yuqun")
    assert [(s.text, s.entity_id) for s in spans] == [
        ("North America", "north-america"),
        ("America", "united-states"),
        ("Lithium Americas", "lithium-americas"),
        ("Robin Zeng Yuqun", "robin-zeng"),
    ]


def test_offsets_survive_length_changing_case_folds(matcher: EntityMatcher) -> None:
    text = "İİ Straße ﬁrm: CATL and Tesla in Großbritannien, İstanbul, U.S."
    folded, offsets = fold_text(text)
    assert offsets is not None and len(folded) > len(text)
    spans = matcher.find(text)
    assert_well_formed(text, spans)
    assert [s.text for s in spans] == ["CATL", "Tesla", "U.S."]


def test_expanded_character_is_not_split() -> None:
    # "ß" folds to "ss": it matches an alias "ss" whole, but "as" must not take half of it.
    cat = Catalogue(
        (
            Entity(id="as", type="company", name="AS Corp", aliases=("as",)),
            Entity(id="ss", type="company", name="SS Corp", aliases=("ss",)),
        )
    )
    spans = EntityMatcher(cat).find("aß as ß Straße")
    assert [(s.start, s.end, s.entity_id, s.text) for s in spans] == [
        (3, 5, "as", "as"),
        (6, 7, "ss", "ß"),
    ]


def test_user_changes(catalogue: Catalogue) -> None:
    user = UserChanges(
        added=(Entity(id="acme", type="company", name="Acme Cells"),),
        aliases=(("catl", "Ningde Times"),),
        hidden=frozenset({"tesla"}),
    )
    matcher = EntityMatcher(catalogue.with_changes(user))
    spans = matcher.find("Acme Cells, Ningde Times and Tesla met.")
    assert [(s.text, s.entity_id) for s in spans] == [
        ("Acme Cells", "acme"),
        ("Ningde Times", "catl"),
    ]


def test_empty_catalogue_and_text() -> None:
    assert EntityMatcher(Catalogue(())).find("CATL") == []
    assert EntityMatcher(Catalogue.load()).find("") == []


_PIECES = [
    "CATL",
    "Tesla Inc.",
    "US",
    "us",
    "lithium-ion",
    "宁德时代",
    "İ",
    "ß",
    "ﬁ",
    "ǅ",
    "ΐ",
    "Σ",
    " ",
    "-",
    "-\n",
    "’s",
    "\n\n",
    "a",
    "B",
    "cat",
    "hode",
    "Nio",
]


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_spans_always_index_the_original_text(matcher: EntityMatcher, text: str) -> None:
    spans = matcher.find(text)
    assert_well_formed(text, spans)
    for span in spans:
        ent = matcher.catalogue.get(span.entity_id)
        assert ent is not None
        assert fold_key(span.text) in {fold_key(f) for f in ent.forms}
