"""Rule-based topic tagging: weighted terms per topic, read from ``topics.toml``.

A rule set an analyst can read and tune beats an opaque model here: the topics are
few and stable, and the ``terms`` that fired explain every tag. Words are reduced to
a light stem so "licence", "licensing" and "licensed" or "battery"/"batteries" meet.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

import ahocorasick

from ..errors import CatalogueError
from ..model import ENTITY_TYPES, EntitySpan, TopicScore

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_BRITISH = re.compile(r"(?<=[a-z]{3})is(ation|ations|e|ed|es|ing)$")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A deliberately small suffix stripper: plurals, -ing, -ed and a final -e."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 3:
        return w
    # British and American spellings meet: localisation/localization, licence/license.
    w = _BRITISH.sub(r"iz\1", w)
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("ied") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith(("sses", "ches", "shes", "xes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w.endswith("ing") and len(w) > 5:
        w = w[:-3]
    elif w.endswith("ed") and len(w) > 4:
        w = w[:-2]
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    if w.endswith("enc"):
        w = w[:-1] + "s"
    return w


class _ChunkStems(dict[str, tuple[str, ...]]):
    """The stems of each whitespace-separated chunk of text ("CATL’s", "battery,").

    A token never spans whitespace (the pattern has no look-around and whitespace is
    no part of a word), so chunk by chunk gives the same tokens as the whole text at
    once, and most chunks of a document were seen before: one dict look-up replaces
    a regex scan and a stem look-up per word. Bounded like the stem cache; an entry
    lost to clear() is only recomputed, so threads may share it.
    """

    def __missing__(self, chunk: str) -> tuple[str, ...]:
        if len(self) >= _CHUNK_CACHE_MAX:
            self.clear()
        stems = self[chunk] = tuple(map(stem, _WORD.findall(chunk)))
        return stems


_CHUNK_CACHE_MAX = 65536
_CHUNK_STEMS = _ChunkStems()


def tokens(text: str) -> list[str]:
    # Hyphens split words ("lithium-ion" → lithium, ion), matching how terms are read.
    return list(chain.from_iterable(map(_CHUNK_STEMS.__getitem__, text.split())))


@dataclass(frozen=True)
class TopicRule:
    name: str
    terms: tuple[tuple[str, tuple[str, ...], float], ...]  # (term, stems, weight)
    boosts: tuple[tuple[str, float], ...] = ()  # (entity type, weight per distinct entity)


class TopicClassifier:
    """Scores a document against every topic rule and keeps those above threshold."""

    def __init__(
        self,
        rules: Sequence[TopicRule],
        threshold: float = 0.3,
        title_weight: float = 3.0,
        saturation: float = 6.0,
        reference_words: int = 150,
        max_topics: int = 5,
        boost_cap: int = 3,
    ) -> None:
        self.rules = tuple(rules)
        self.threshold = threshold
        self.title_weight = title_weight
        self.saturation = saturation
        self.reference_words = reference_words
        self.max_topics = max_topics
        self.boost_cap = boost_cap
        # Terms are found in one Aho-Corasick pass over the space-joined stems; the
        # spaces around each key keep matches to whole stems.
        keys: dict[str, list[tuple[int, str, float]]] = {}
        for ri, rule in enumerate(self.rules):
            for term, stems, weight in rule.terms:
                keys.setdefault(f" {' '.join(stems)} ", []).append((ri, term, weight))
        self._automaton = ahocorasick.Automaton()
        for key, targets in keys.items():
            self._automaton.add_word(key, tuple(targets))
        self._automaton.make_automaton()

    @classmethod
    def load(cls, path: Path | None = None) -> TopicClassifier:
        if path is None:
            from ..paths import resources_dir

            path = resources_dir() / "topics.toml"
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise CatalogueError(f"{path}: cannot read topic rules ({exc.strerror})") from exc
        except tomllib.TOMLDecodeError as exc:
            raise CatalogueError(f"{path}: not valid TOML ({exc})") from exc
        return cls.from_mapping(raw, source=str(path))

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], source: str = "topics") -> TopicClassifier:
        settings = raw.get("settings", {})
        if not isinstance(settings, Mapping):
            raise CatalogueError(f"{source}: [settings] must be a table")
        topics = raw.get("topic", [])
        if not isinstance(topics, list) or not topics:
            raise CatalogueError(f"{source}: no [[topic]] tables")
        rules = [_rule_from_entry(t, i, source) for i, t in enumerate(topics)]
        names = Counter(r.name for r in rules)
        dupes = [n for n, c in names.items() if c > 1]
        if dupes:
            raise CatalogueError(f"{source}: duplicate topic names {dupes}")
        known = {
            "threshold",
            "title_weight",
            "saturation",
            "reference_words",
            "max_topics",
            "boost_cap",
        }
        unknown = set(settings) - known
        if unknown:
            raise CatalogueError(f"{source}: unknown settings {sorted(unknown)}")
        try:
            return cls(rules, **{k: v for k, v in settings.items()})
        except TypeError as exc:  # pragma: no cover - defensive; keys were checked
            raise CatalogueError(f"{source}: bad settings ({exc})") from exc

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.rules)

    def classify(
        self, title: str, text: str, entities: Iterable[EntitySpan] = ()
    ) -> list[TopicScore]:
        title_tokens = tokens(title)
        body_tokens = tokens(text)
        hits: list[dict[str, list[float]]] = [{} for _ in self.rules]
        for toks, mult in ((title_tokens, self.title_weight), (body_tokens, 1.0)):
            if not toks:
                continue
            for _, targets in self._automaton.iter(f" {' '.join(toks)} "):
                for ri, term, weight in targets:
                    hit = hits[ri].setdefault(term, [0.0, weight])
                    hit[0] += mult
        kinds: dict[str, set[str]] = {}
        for span in entities:
            kinds.setdefault(span.type, set()).add(span.entity_id)
        length = max(len(title_tokens) + len(body_tokens), self.reference_words)
        damp = math.sqrt(length / self.reference_words)
        scores: list[TopicScore] = []
        for ri, rule in enumerate(self.rules):
            contributions: dict[str, float] = {}
            for term, (count, weight) in hits[ri].items():
                # Repetition helps, with diminishing returns: 1, 1.7, 2.1 … per weight.
                eff = 1.0 + math.log(count) if count >= 1 else count
                contributions[term] = weight * eff
            raw = sum(contributions.values())
            if raw <= 0:
                continue  # entities alone do not make a topic
            for etype, weight in rule.boosts:
                raw += weight * min(len(kinds.get(etype, ())), self.boost_cap)
            s = raw / damp
            score = s / (s + self.saturation)
            if score >= self.threshold:
                fired = sorted(contributions, key=lambda t: (-contributions[t], t))
                scores.append(TopicScore(name=rule.name, score=round(score, 4), terms=tuple(fired)))
        scores.sort(key=lambda t: (-t.score, t.name))
        return scores[: self.max_topics]


def _rule_from_entry(entry: Any, pos: int, source: str) -> TopicRule:
    if not isinstance(entry, Mapping):
        raise CatalogueError(f"{source}: topic #{pos + 1} is not a table")
    name = entry.get("name")
    where = f"{source}: topic #{pos + 1} ({name or '?'})"
    if not isinstance(name, str) or not name.strip():
        raise CatalogueError(f"{where}: missing name")
    terms = entry.get("terms")
    if not isinstance(terms, Mapping) or not terms:
        raise CatalogueError(f"{where}: terms must be a non-empty table of term = weight")
    parsed: list[tuple[str, tuple[str, ...], float]] = []
    for term, weight in terms.items():
        if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
            raise CatalogueError(f"{where}: weight of {term!r} must be a positive number")
        stems = tuple(tokens(term))
        if not stems:
            raise CatalogueError(f"{where}: term {term!r} has no words")
        parsed.append((term, stems, float(weight)))
    boosts = entry.get("boost", {})
    if not isinstance(boosts, Mapping):
        raise CatalogueError(f"{where}: boost must be a table of entity type = weight")
    for etype, weight in boosts.items():
        if etype not in ENTITY_TYPES:
            raise CatalogueError(f"{where}: boost names unknown entity type {etype!r}")
        if not isinstance(weight, int | float) or weight < 0:
            raise CatalogueError(f"{where}: boost for {etype!r} must be a number ≥ 0")
    return TopicRule(
        name=name.strip(),
        terms=tuple(parsed),
        boosts=tuple((k, float(v)) for k, v in boosts.items()),
    )
