"""What a document mentions, grouped by entity type with counts: the reader's side list.

A title cut from the body (``title_derived``) repeats the opening words of the body,
so mentions inside such a title are not counted: every mention would count twice.
A title the source gave is a real mention and counts.
"""

from __future__ import annotations

from typing import NamedTuple

from ..model import ENTITY_TYPES, QUANTITY, Document


class EntityCount(NamedTuple):
    name: str
    entity_id: str
    count: int


def entity_counts(doc: Document) -> dict[str, list[EntityCount]]:
    """Mentions per type and entity, most mentioned first (ties by name).

    Types come in catalogue order (``ENTITY_TYPES``), then quantities, then any
    other type alphabetically; types without mentions are left out.
    """
    skip_before = doc.body_offset if doc.parsed.title_derived else 0
    tally: dict[tuple[str, str], int] = {}
    names: dict[tuple[str, str], str] = {}
    for span in doc.entities:
        if span.start < skip_before:
            continue
        key = (span.type, span.entity_id)
        tally[key] = tally.get(key, 0) + 1
        names.setdefault(key, span.name)
    grouped: dict[str, list[EntityCount]] = {}
    for (etype, entity_id), count in tally.items():
        entry = EntityCount(names[(etype, entity_id)], entity_id, count)
        grouped.setdefault(etype, []).append(entry)
    return {
        etype: sorted(grouped[etype], key=lambda e: (-e.count, e.name.casefold(), e.entity_id))
        for etype in sorted(grouped, key=type_order)
    }


def type_order(etype: str) -> tuple[int, str]:
    """Sort key putting entity types in catalogue order, quantities after them."""
    if etype in ENTITY_TYPES:
        return (ENTITY_TYPES.index(etype), "")
    if etype == QUANTITY:
        return (len(ENTITY_TYPES), "")
    return (len(ENTITY_TYPES) + 1, etype)
