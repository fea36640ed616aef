"""The enrich stage: a parsed document in, a document with entities and topics out."""

from __future__ import annotations

from ..model import QUANTITY, Document, EntitySpan, ParsedDocument, full_text
from .catalogue import Catalogue, UserChanges
from .language import detect
from .matcher import EntityMatcher
from .quantities import find_quantities
from .topics import TopicClassifier


def merge_spans(entities: list[EntitySpan], quantities: list[EntitySpan]) -> list[EntitySpan]:
    """Entities plus the quantities that do not overlap one, sorted by start.

    An entity wins a clash: "4680 cells" is the product, not a count of cells, and
    "Model 3" is a car, not the number three.
    """
    if not quantities:
        return entities
    merged = list(entities)
    taken = [(e.start, e.end) for e in entities]
    i = 0
    for q in quantities:
        # Both lists are sorted by start, so one forward cursor finds clashes.
        while i < len(taken) and taken[i][1] <= q.start:
            i += 1
        if i < len(taken) and taken[i][0] < q.end:
            continue
        merged.append(q)
    merged.sort(key=lambda s: (s.start, s.end))
    return merged


class Enricher:
    """Thread-safe once built: matching and classifying only read shared tables."""

    def __init__(self, catalogue: Catalogue, topics: TopicClassifier) -> None:
        self.catalogue = catalogue
        self.topics = topics
        self.matcher = EntityMatcher(catalogue)

    @classmethod
    def default(cls, user: UserChanges | None = None) -> Enricher:
        """The bundled catalogue and topic rules, with ``user`` changes applied."""
        return cls(Catalogue.load(user=user), TopicClassifier.load())

    def with_changes(self, user: UserChanges) -> Enricher:
        return Enricher(self.catalogue.with_changes(user), self.topics)

    def spans(self, title: str, text: str) -> list[EntitySpan]:
        full = full_text(title, text)
        return merge_spans(self.matcher.find(full), find_quantities(full))

    def enrich(self, doc_id: str, parsed: ParsedDocument) -> Document:
        spans = self.spans(parsed.title, parsed.text)
        topics = self.topics.classify(
            parsed.title, parsed.text, [s for s in spans if s.type != QUANTITY]
        )
        return Document(id=doc_id, parsed=parsed, entities=tuple(spans), topics=tuple(topics),
                        language=detect(parsed.title, parsed.text))
