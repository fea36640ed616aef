"""Topic rules: the bundled set on the seeds, and the scoring behaviour."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cellsight.core.enrich.topics import TopicClassifier, stem, tokens
from cellsight.core.errors import CatalogueError
from cellsight.core.paths import seeds_dir

LICENSING = "Licensing and partnerships"


@pytest.fixture(scope="module")
def classifier() -> TopicClassifier:
    return TopicClassifier.load()


def seed_text(prefix: str) -> str:
    (path,) = seeds_dir().glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def payload_article() -> tuple[str, str]:
    """Title and paragraphs of the Storyblok article inside the payload seed."""
    data = json.loads(seed_text("003"))
    strings: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            if len(node) > 40 and not node.startswith(("http", "<!--")):
                strings.append(node)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for item in node.values():
                walk(item)

    walk(data)
    title = "CATL looks to overseas markets amid domestic battery oversupply"
    return title, "\n\n".join(dict.fromkeys(s for s in strings if s != title))


def names(scores: list) -> list[str]:  # type: ignore[type-arg]
    return [s.name for s in scores]


def test_bundled_rules_have_enough_topics(classifier: TopicClassifier) -> None:
    assert len(classifier.names) >= 12
    assert {LICENSING, "Oversupply", "Recycling", "Energy storage"} <= set(classifier.names)


@pytest.mark.parametrize("prefix", ["000", "001"])
def test_licensing_seeds_get_licensing_first(classifier: TopicClassifier, prefix: str) -> None:
    scores = classifier.classify("", seed_text(prefix))
    assert scores[0].name == LICENSING
    assert scores[0].score >= 0.5
    assert "licence" in scores[0].terms


def test_licensing_seed_with_a_title(classifier: TopicClassifier) -> None:
    text = seed_text("001")
    title, _, body = text.partition("\n")
    scores = classifier.classify(title[:90], body)
    assert LICENSING in names(scores)[:2]


def test_other_seeds_get_their_topics(classifier: TopicClassifier) -> None:
    musk = names(classifier.classify("", seed_text("002")))
    assert {"Energy storage", "Geopolitics"} <= set(musk)
    title, body = payload_article()
    oversupply = names(classifier.classify(title, body))
    assert {"Oversupply", "Capacity and gigafactories", "Supply chain and localisation"} <= set(
        oversupply
    )


def test_scores_are_sorted_and_bounded(classifier: TopicClassifier) -> None:
    scores = classifier.classify("", seed_text("000"))
    values = [s.score for s in scores]
    assert values == sorted(values, reverse=True)
    assert all(classifier.threshold <= v < 1 for v in values)
    assert len(scores) <= classifier.max_topics


def test_unrelated_text_gets_no_topic(classifier: TopicClassifier) -> None:
    text = "The weather in the valley was mild and the orchards bloomed early this spring."
    assert classifier.classify("A walk in the hills", text) == []


def test_stems_tolerate_plurals_and_spellings() -> None:
    assert stem("licence") == stem("license") == stem("licensing") == stem("licensed")
    assert stem("gigafactories") == stem("gigafactory")
    assert stem("localisation") == stem("localization")
    assert stem("oversupplied") == stem("oversupply")
    assert stem("CATL’s") == "catl"
    assert tokens("lithium-ion batteries") == ["lithium", "ion", "battery"]


def _rules(tmp_path: Path, extra: str = "", settings: str = "threshold = 0.0") -> TopicClassifier:
    path = tmp_path / "topics.toml"
    path.write_text(
        f"[settings]\n{settings}\n"
        '[[topic]]\nname = "Recycling"\n[topic.terms]\n"black mass" = 3.0\n"recycling" = 2.0\n'
        '[[topic]]\nname = "Policy"\n[topic.terms]\n"tariff" = 3.0\n' + extra,
        encoding="utf-8",
    )
    return TopicClassifier.load(path)


def test_title_terms_weigh_more(tmp_path: Path) -> None:
    clf = _rules(tmp_path)
    filler = " ".join(["word"] * 60)
    in_title = clf.classify("Recycling plans", filler)
    in_body = clf.classify("Plans", "recycling " + filler)
    assert in_title[0].score > in_body[0].score


def test_long_documents_are_normalised(tmp_path: Path) -> None:
    clf = _rules(tmp_path)
    short = clf.classify("", "Black mass recycling grows. " + "word " * 100)
    long = clf.classify("", "Black mass recycling grows. " + "word " * 2000)
    assert short[0].score > long[0].score


def test_repeats_have_diminishing_returns(tmp_path: Path) -> None:
    clf = _rules(tmp_path)
    once = clf.classify("", "tariff").pop().score
    twice = clf.classify("", "tariff tariff").pop().score
    many = clf.classify("", "tariffs " * 8).pop().score
    assert once < twice < many
    # Counted linearly, eight repeats of a 3.0 term would score 24 / (24 + 6) = 0.8;
    # with log damping they add up to 3 × (1 + ln 8) ≈ 9.2, i.e. about 0.61.
    assert many == pytest.approx(0.606, abs=0.01)


def test_fired_terms_are_reported_by_weight(tmp_path: Path) -> None:
    clf = _rules(tmp_path)
    (score,) = clf.classify("", "Recycling of black mass; recycled packs.")
    assert score.name == "Recycling"
    assert score.terms == ("recycling", "black mass")


def test_entity_boosts(tmp_path: Path) -> None:
    from cellsight.core.model import EntitySpan

    clf = _rules(tmp_path, extra="[topic.boost]\npolicy = 1.0\n")
    ira = EntitySpan(0, 3, "policy", "ira", "Inflation Reduction Act", "IRA")
    plain = clf.classify("", "A tariff.")
    boosted = clf.classify("", "A tariff.", [ira])
    assert boosted[0].score > plain[0].score
    assert clf.classify("", "Nothing here.", [ira]) == []  # entities alone are no topic


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('[[topic]]\nname = "X"\n[topic.terms]\n"a" = 0\n', "positive number"),
        ('[[topic]]\nname = "X"\n[topic.terms]\n', "non-empty table"),
        ('[[topic]]\nname = "X"\n[topic.terms]\n"a" = 1\n[topic.boost]\nfruit = 1\n', "fruit"),
        ('[[topic]]\nname = ""\n[topic.terms]\n"a" = 1\n', "missing name"),
        ('[[topic]]\nname = "X"\n[topic.terms]\n"—" = 1\n', "no words"),
        (
            '[[topic]]\nname = "X"\n[topic.terms]\n"a" = 1\n'
            '[[topic]]\nname = "X"\n[topic.terms]\n"b" = 1\n',
            "duplicate topic",
        ),
        ('[settings]\nspeed = 1\n[[topic]]\nname = "X"\n[topic.terms]\n"a" = 1\n', "speed"),
        ("", "no [[topic]]"),
        ("[[topic\n", "not valid TOML"),
    ],
)
def test_bad_rules_are_rejected(tmp_path: Path, body: str, reason: str) -> None:
    path = tmp_path / "topics.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        TopicClassifier.load(path)
    assert reason in str(err.value)
