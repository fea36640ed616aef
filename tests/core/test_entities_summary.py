from __future__ import annotations

from cellsight.core.model import Document, EntitySpan, ParsedDocument
from cellsight.core.query.entities_summary import EntityCount, entity_counts, type_order


def _doc(
    title: str, body: str, spans: list[tuple[str, str, str, str]], *, derived: bool
) -> Document:
    """``spans`` are (surface text, type, entity id, name); each occurrence is found."""
    parsed = ParsedDocument("x.txt", "text", title, body, title_derived=derived)
    full = f"{title}\n\n{body}"
    out: list[EntitySpan] = []
    for surface, etype, eid, name in spans:
        start = full.find(surface)
        while start >= 0:
            out.append(EntitySpan(start, start + len(surface), etype, eid, name, surface))
            start = full.find(surface, start + 1)
    out.sort(key=lambda s: s.start)
    return Document("d", parsed, tuple(out))


SPANS = [
    ("CATL", "company", "catl", "CATL"),
    ("Tesla", "company", "tesla", "Tesla"),
    ("Musk", "person", "elon-musk", "Elon Musk"),
    ("Beijing", "place", "beijing", "Beijing"),
    ("5 GWh", "quantity", "q:5gwh", "5 GWh"),
]
BODY = "CATL met Tesla in Beijing. Musk said CATL would add 5 GWh.\n\nTesla and CATL agreed."


def test_counts_grouped_in_type_order_most_mentioned_first() -> None:
    doc = _doc("Tesla and CATL", BODY, SPANS, derived=False)
    counts = entity_counts(doc)
    assert list(counts) == ["company", "person", "place", "quantity"]
    assert counts["company"] == [EntityCount("CATL", "catl", 4), EntityCount("Tesla", "tesla", 3)]
    assert counts["person"] == [EntityCount("Elon Musk", "elon-musk", 1)]
    assert counts["quantity"] == [EntityCount("5 GWh", "q:5gwh", 1)]


def test_derived_title_mentions_are_not_counted_twice() -> None:
    doc = _doc("CATL met Tesla in…", BODY, SPANS, derived=True)
    counts = entity_counts(doc)
    assert counts["company"] == [EntityCount("CATL", "catl", 3), EntityCount("Tesla", "tesla", 2)]


def test_ties_sorted_by_name_and_empty_document() -> None:
    doc = _doc(
        "T",
        "beta alpha",
        [("beta", "material", "b", "beta"), ("alpha", "material", "a", "Alpha")],
        derived=False,
    )
    assert [e.name for e in entity_counts(doc)["material"]] == ["Alpha", "beta"]
    assert entity_counts(_doc("T", "nothing here", [], derived=False)) == {}


def test_unknown_types_sort_after_quantities() -> None:
    assert sorted(["zeta", "quantity", "policy", "company", "alpha"], key=type_order) == [
        "company",
        "policy",
        "quantity",
        "alpha",
        "zeta",
    ]
