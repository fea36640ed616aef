"""The bundled entity catalogue and the rules it is validated against."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from cellsight.core.enrich.catalogue import Catalogue, Entity, UserChanges, is_short_abbreviation
from cellsight.core.enrich.matcher import fold_key
from cellsight.core.errors import CatalogueError
from cellsight.core.model import ENTITY_TYPES

SERIES_IDS = {
    "lithium",
    "lithium-carbonate",
    "lithium-hydroxide",
    "cobalt",
    "nickel",
    "natural-graphite",
    "anode-coke",
    "anode",
    "cathode",
    "lithium-ion-batteries",
    "black-mass",
    "rare-earths",
    "lfp",
    "ncm-high-nickel",
    "ncm-mid-nickel",
}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


def test_bundled_catalogue_is_large_and_covers_every_type(catalogue: Catalogue) -> None:
    assert len(catalogue.entities) >= 170
    for etype in ENTITY_TYPES:
        assert len(catalogue.by_type(etype)) >= 5, etype


@pytest.mark.parametrize(
    ("entity_id", "etype", "form"),
    [
        ("catl", "company", "Contemporary Amperex Technology Co. Limited"),
        ("catl", "company", "Contemporary Amperex Technology Co Ltd"),
        ("catl", "company", "宁德时代"),
        ("tesla", "company", "Tesla Inc."),
        ("ford", "company", "Ford Motor Co."),
        ("gm", "company", "General Motors"),
        ("nio", "company", "Nio"),
        ("lges", "company", "LGES"),
        ("robin-zeng", "person", "Zeng Yuqun"),
        ("robin-zeng", "person", "Robin Zeng Yuqun"),
        ("elon-musk", "person", "Musk"),
        ("jin-zhuanglong", "person", "Jin Zhuanglong"),
        ("qin-gang", "person", "Qin Gang"),
        ("joe-biden", "person", "Biden"),
        ("didi-bostock", "person", "Didi Bostock"),
        ("anya-sidhu", "person", "Anya Sidhu"),
        ("united-states", "place", "U.S."),
        ("marshall", "place", "Marshall"),
        ("erfurt", "place", "Erfurt"),
        ("debrecen", "place", "Debrecen"),
        ("miit", "organisation", "MIIT"),
        ("sne-research", "organisation", "SNE Research"),
        ("benchmark", "organisation", "Benchmark"),
        ("cnevpost", "organisation", "CnEVPost"),
        ("latepost", "organisation", "LatePost"),
        ("china-mfa", "organisation", "Ministry of Foreign Affairs"),
        ("ira", "policy", "IRA"),
        ("feoc", "policy", "Foreign Entity of Concern"),
        ("crma", "policy", "CRMA"),
        ("lfp", "material", "lithium iron phosphate"),
        ("megapack", "product", "Megapack"),
        ("lrs", "product", "License Royalty Service"),
    ],
)
def test_seed_names_are_catalogued(
    catalogue: Catalogue, entity_id: str, etype: str, form: str
) -> None:
    ent = catalogue.get(entity_id)
    assert ent is not None
    assert ent.type == etype
    assert form in ent.forms


def test_short_all_caps_forms_are_case_sensitive_by_default(catalogue: Catalogue) -> None:
    us = catalogue.get("united-states")
    assert us is not None
    assert "US" in us.exact and "U.S." in us.exact
    assert "United States" not in us.exact
    assert is_short_abbreviation("IRA") and not is_short_abbreviation("Tesla")
    assert not is_short_abbreviation("NEVs")
    ford = catalogue.get("ford")
    assert ford is not None and "Ford" in ford.exact  # stated in the file


def test_series_links(catalogue: Catalogue) -> None:
    assert catalogue.series_for("lithium") == ("lithium", "lithium-carbonate", "lithium-hydroxide")
    assert catalogue.series_for("lfp") == ("lfp",)
    assert set(catalogue.series_for("ncm")) == {"ncm-high-nickel", "ncm-mid-nickel"}
    assert catalogue.series_for("black-mass") == ("black-mass",)
    assert set(catalogue.series_for("graphite")) == {"natural-graphite", "anode-coke"}
    assert "lithium-ion-batteries" in catalogue.series_for("catl")
    lfp_ids = {e.id for e in catalogue.entities_for_series("lfp")}
    assert {"catl", "lfp", "byd"} <= lfp_ids
    assert catalogue.series_for("no-such-entity") == ()


def test_every_series_reference_is_a_known_series(catalogue: Catalogue) -> None:
    for ent in catalogue.entities:
        assert set(ent.series) <= SERIES_IDS, ent.id
    assert {s for e in catalogue.entities for s in e.series} == SERIES_IDS


def test_no_form_belongs_to_two_entities(catalogue: Catalogue) -> None:
    owners: dict[tuple[str, str | None], set[str]] = defaultdict(set)
    for ent in catalogue.entities:
        for form in ent.forms:
            owners[(fold_key(form), form if form in ent.exact else None)].add(ent.id)
    clashes = {k: v for k, v in owners.items() if len(v) > 1}
    assert clashes == {}


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "catalogue.toml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            '[[entity]]\nid = "a"\ntype = "company"\nname = "A"\n'
            '[[entity]]\nid = "a"\ntype = "company"\nname = "B"\n',
            "duplicate id",
        ),
        ('[[entity]]\nid = "a"\ntype = "fruit"\nname = "Apple"\n', "unknown type 'fruit'"),
        ('[[entity]]\nid = "a"\ntype = "company"\nname = "  "\n', "missing or empty name"),
        ('[[entity]]\nid = "a"\ntype = "company"\nname = "A"\nexact = ["B"]\n', "exact"),
        ('[[entity]]\nid = "a"\ntype = "company"\nname = "A"\ncolour = 1\n', "unknown keys"),
        ('[[entity]]\nid = "a"\ntype = "company"\nname = "A"\naliases = [1]\n', "aliases"),
        ('[[entity]\nid = "a"\n', "not valid TOML"),
    ],
)
def test_invalid_catalogue_is_rejected_with_entry_and_reason(
    tmp_path: Path, body: str, reason: str
) -> None:
    with pytest.raises(CatalogueError) as err:
        Catalogue.load(_write(tmp_path, body))
    assert reason in str(err.value)
    if "TOML" not in reason:
        assert "(a)" in str(err.value) or "'a'" in str(err.value)


def test_missing_file_is_a_catalogue_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read"):
        Catalogue.load(tmp_path / "absent.toml")


def test_user_changes_add_alias_and_hide(catalogue: Catalogue) -> None:
    added = Entity(id="acme-cells", type="company", name="Acme Cells", aliases=("Acme",))
    user = UserChanges(
        added=(added,),
        aliases=(("catl", "Ningde Times"), ("united-states", "the States")),
        hidden=frozenset({"tesla"}),
    )
    changed = catalogue.with_changes(user)
    assert changed.get("acme-cells") == added
    catl = changed.get("catl")
    assert catl is not None and "Ningde Times" in catl.forms
    assert "Ningde Times" not in catl.exact
    assert "tesla" not in {e.id for e in changed.entities}
    assert changed.get("tesla") is not None  # still known, so it can be unhidden
    assert not changed.is_visible("tesla")
    assert changed.series_for("tesla") == ()
    # The original is untouched: catalogues are values.
    assert "tesla" in {e.id for e in catalogue.entities}
    assert len(changed) == len(catalogue)  # one added, one hidden


def test_user_alias_follows_the_default_case_rule(catalogue: Catalogue) -> None:
    changed = catalogue.with_changes(UserChanges(aliases=(("catl", "NDSD"),)))
    catl = changed.get("catl")
    assert catl is not None and "NDSD" in catl.exact


def test_user_changes_are_validated(catalogue: Catalogue) -> None:
    with pytest.raises(CatalogueError, match="unknown entity 'nope'"):
        catalogue.with_changes(UserChanges(aliases=(("nope", "X"),)))
    clash = Entity(id="catl", type="company", name="Another CATL")
    with pytest.raises(CatalogueError, match="duplicate id"):
        catalogue.with_changes(UserChanges(added=(clash,)))
    bad = Entity(id="x", type="planet", name="X")
    with pytest.raises(CatalogueError, match="unknown type"):
        catalogue.with_changes(UserChanges(added=(bad,)))
