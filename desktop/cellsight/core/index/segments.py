"""Which segments a commit merges, and commits that add segments written elsewhere.

Whoosh's default policy merges the smallest segment into every commit, and lets
equal-sized segments from a bulk build pile into one huge merge later; either way
a one-file update could rewrite thousands of documents' postings. Here only small
segments are merged, once enough of them pile up, and segments mostly made of
deleted documents are compacted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

SMALL_DOCS = 500  # a segment this small is cheap to rewrite
SMALL_PILE = 6  # merge small segments once this many exist
MERGE_BUDGET = 1000  # documents one merge may rewrite, so a commit stays quick


def merge_small(writer: SegmentWriter, segments: Sequence[Any]) -> list[Any]:
    """A Whoosh merge policy: returns the segments kept as they are."""
    small = sorted((s for s in segments if s.doc_count_all() < SMALL_DOCS),
                   key=lambda s: s.doc_count_all())  # fmt: skip
    chosen: list[Any] = []
    if len(small) >= SMALL_PILE:
        total = 0
        for seg in small:
            if len(chosen) >= 2 and total + seg.doc_count_all() > MERGE_BUDGET:
                break
            chosen.append(seg)
            total += seg.doc_count_all()
    chosen += [
        s for s in segments
        if s not in chosen and s.deleted_count() > s.doc_count_all() // 2
        and s.doc_count_all() <= MERGE_BUDGET * 5
    ]  # fmt: skip
    for seg in chosen:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    return [s for s in segments if s not in chosen]


def commit_with_segments(writer: SegmentWriter, added: Sequence[Any]) -> None:
    """Commit ``writer`` (its deletions, its own documents) plus finished segments
    whose files were already moved into the index folder."""

    def policy(w: SegmentWriter, segments: Sequence[Any]) -> list[Any]:
        return [*merge_small(w, segments), *added]

    writer.commit(mergetype=policy)
