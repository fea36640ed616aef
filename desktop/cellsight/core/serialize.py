"""JSON round-trips for the model, used by the library store and the CLI.

The store keeps parsed and enriched documents as JSON so that catalogue changes can
re-enrich the library without re-reading source files.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from .model import (
    Document,
    EntitySpan,
    ParsedDocument,
    PricePoint,
    SeriesSnapshot,
    StatedFigures,
    TopicScore,
)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def series_to_dict(s: SeriesSnapshot) -> dict[str, Any]:
    return {
        "id": s.id,
        "label": s.label,
        "unit": s.unit,
        "frequency": s.frequency,
        "frequency_text": s.frequency_text,
        "published": _iso(s.published),
        "provider": s.provider,
        "url": s.url,
        "points": [[p.date.isoformat(), p.value, p.doc_id] for p in s.points],
        "stated": {
            "latest": s.stated.latest,
            "previous": s.stated.previous,
            "change_pct": s.stated.change_pct,
            "ytd_pct": s.stated.ytd_pct,
            "yoy_pct": s.stated.yoy_pct,
        },
    }


def series_from_dict(d: dict[str, Any]) -> SeriesSnapshot:
    return SeriesSnapshot(
        id=d["id"],
        label=d["label"],
        unit=d.get("unit") or "index points",
        frequency=d.get("frequency"),
        frequency_text=d.get("frequency_text"),
        published=_date(d.get("published")),
        provider=d.get("provider"),
        url=d.get("url"),
        points=tuple(
            PricePoint(dt.date.fromisoformat(p[0]), float(p[1]), p[2] if len(p) > 2 else None)
            for p in d.get("points", ())
        ),
        stated=StatedFigures(**(d.get("stated") or {})),
    )


def parsed_to_dict(p: ParsedDocument) -> dict[str, Any]:
    return {
        "path": p.path,
        "kind": p.kind,
        "title": p.title,
        "text": p.text,
        "title_derived": p.title_derived,
        "date": _iso(p.date),
        "source": p.source,
        "author": p.author,
        "url": p.url,
        "tags": list(p.tags),
        "categories": list(p.categories),
        "excerpt": p.excerpt,
        "image": p.image,
        "series": [series_to_dict(s) for s in p.series],
        "part": p.part,
        **({"pages": list(p.pages)} if p.pages else {}),
        **({"ocr_pages": list(p.ocr_pages)} if p.ocr_pages else {}),
        **({"member": p.member} if p.member else {}),
        # E-mail attachments and their messages (absent from documents stored before).
        **({"attached_to": p.attached_to} if p.attached_to is not None else {}),
        **({"parent_part": p.parent_part} if p.parent_part is not None else {}),
        **({"attachment_parts": list(p.attachment_parts)} if p.attachment_parts else {}),
    }


def parsed_from_dict(d: dict[str, Any]) -> ParsedDocument:
    return ParsedDocument(
        path=d["path"],
        kind=d["kind"],
        title=d["title"],
        text=d["text"],
        title_derived=bool(d.get("title_derived")),
        date=_date(d.get("date")),
        source=d.get("source"),
        author=d.get("author"),
        url=d.get("url"),
        tags=tuple(d.get("tags") or ()),
        categories=tuple(d.get("categories") or ()),
        excerpt=d.get("excerpt"),
        image=d.get("image"),
        series=tuple(series_from_dict(s) for s in d.get("series") or ()),
        part=int(d.get("part") or 0),
        pages=tuple(d.get("pages") or ()),
        ocr_pages=tuple(d.get("ocr_pages") or ()),
        member=d.get("member"),
        attached_to=d.get("attached_to"),
        parent_part=d.get("parent_part"),
        attachment_parts=tuple(d.get("attachment_parts") or ()),
    )


def span_to_list(s: EntitySpan) -> list[Any]:
    return [s.start, s.end, s.type, s.entity_id, s.name, s.text, s.value, s.unit]


def span_from_list(v: list[Any]) -> EntitySpan:
    return EntitySpan(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7])


# Made once: json.dumps with any non-default option builds a new JSONEncoder per call.
# The data is freshly built lists and dicts, never circular, so the check is skipped;
# the text is the same as json.dumps(..., ensure_ascii=False, separators=(",", ":")).
_COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def enrichment_to_json(doc: Document) -> str:
    return _COMPACT_JSON.encode(
        {
            "entities": [span_to_list(s) for s in doc.entities],
            "topics": [[t.name, t.score, list(t.terms)] for t in doc.topics],
            "lang": doc.language,
            "hit": hit_summary(doc),  # last: store_checks.hit_summary reads it from the end
        }
    )


def hit_summary(doc: Document) -> list[list[str]]:
    """What a result row shows of the enrichment: topic names, and companies once each
    in order of first mention. Kept ready in the stored JSON because picking them out
    of every span with SQLite's json_each was a third of a search's time."""
    companies = dict.fromkeys(s.name for s in doc.entities if s.type == "company")
    return [[t.name for t in doc.topics], list(companies)]


def enrichment_from_json(
    raw: str,
) -> tuple[tuple[EntitySpan, ...], tuple[TopicScore, ...], str]:
    d = json.loads(raw)
    return (
        tuple(span_from_list(v) for v in d["entities"]),
        tuple(TopicScore(t[0], float(t[1]), tuple(t[2])) for t in d["topics"]),
        str(d.get("lang", "")),  # stores written before languages were detected lack it
    )


def document_to_public(doc: Document) -> dict[str, Any]:
    """The JSON shape documented in the README for ``show`` and ``inspect``."""
    p = doc.parsed
    return {
        "id": doc.id,
        "title": p.title,
        "date": _iso(p.date),
        "source": p.source,
        "author": p.author,
        "url": p.url,
        "path": p.path,
        "type": p.kind,
        "tags": list(p.tags),
        "categories": list(p.categories),
        "text": doc.full_text,
        "entities": [
            {
                "start": s.start,
                "end": s.end,
                "type": s.type,
                "id": s.entity_id,
                "name": s.name,
                "text": s.text,
            }
            for s in doc.entities
        ],
        "topics": [{"name": t.name, "score": round(t.score, 4)} for t in doc.topics],
        "series": [series_to_dict(s) for s in p.series],
        **({"member": p.member} if p.member else {}),
        **({"attached_to": p.attached_to} if p.attached_to is not None else {}),
        # Attachments that could not be read (inspect: freshly read; never stored).
        **({"problems": list(p.problems)} if p.problems else {}),
        # Where each page starts in "text" (offsets into the title-and-body string).
        **({"pages": [doc.body_offset + o for o in p.pages]} if p.pages else {}),
        **({"ocr_pages": list(p.ocr_pages)} if p.ocr_pages else {}),
    }
