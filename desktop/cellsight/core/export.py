"""Exporting search results, with their metadata and entities, to CSV."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

from .atomic_file import atomic_write
from .model import ENTITY_TYPES, SearchRequest
from .query.highlight import mark
from .query.searcher import Searcher
from .store import DocumentStore

COLUMNS = ["id", "title", "date", "source", "author", "url", "path", "type", "score",
           "topics", *ENTITY_TYPES, "snippet"]


def export_results_csv(
    searcher: Searcher, store: DocumentStore, request: SearchRequest, path: Path
) -> int:
    """Write every result of ``request`` (not just the loaded page); returns the row count."""
    first = searcher.search(replace(request, limit=0, offset=0, with_facets=False))
    result = searcher.search(replace(request, limit=first.total, offset=0, with_facets=False))
    path = Path(path)
    with atomic_write(path, encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for hit in result.hits:
            doc = store.document(hit.id)
            if doc is None:
                continue
            p = doc.parsed
            row = [hit.id, p.title, p.date.isoformat() if p.date else "", p.source or "",
                   p.author or "", p.url or "", p.path, p.kind, f"{hit.score:.4f}",
                   "; ".join(t.name for t in doc.topics)]
            row += ["; ".join(doc.entity_names(t)) for t in ENTITY_TYPES]
            row.append(mark(hit.snippet, hit.snippet_spans))
            w.writerow(row)
    return len(result.hits)
