"""Briefs: a saved search, a query's results or a selection, written up to share.

``build_brief`` gathers everything a brief shows into frozen records (documents with
the user's notes and quotes, charts of the linked price series with news markers,
the key moves), numbering each document once so that every statement can cite it;
the renderers (``brief_html``, ``brief_md``, ``ui.brief_pdf``) only lay it out.
Building reads the library and never writes it: a read-only library exports too, and
exporting a saved search does not mark it seen.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import QueryError
from ..model import Document, PricePoint, SearchRequest, page_at
from ..prices import IMPORT_PREFIX, PriceSeries
from ..prices_view import NewsMarker, PriceBook, SeriesView, news_markers
from .records import Annotations, Note
from .svg_chart import ChartMarker, line_chart_svg

if TYPE_CHECKING:
    from ..library import Library

MAX_CHARTS = 3
# Charts show the market around the news, not only between the first and last article.
CONTEXT_DAYS = 180
CHART_SIZE = (720, 280)


@dataclass(frozen=True)
class BriefQuote:
    text: str
    at: dt.datetime
    page: int | None = None  # paged sources: the page the quote starts on


@dataclass(frozen=True)
class BriefDoc:
    ref: int  # the number every citation of this document uses: [ref]
    id: str
    title: str
    source: str | None
    author: str | None
    date: dt.date | None
    url: str | None  # the address the document itself states (untrusted)
    path: str  # its source file
    member: str | None = None
    topics: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    starred: bool = False
    notes: tuple[Note, ...] = ()
    quotes: tuple[BriefQuote, ...] = ()
    cited_only: bool = False  # not in the selection: cited as the source of price points


@dataclass(frozen=True)
class KeyMove:
    series_id: str
    label: str
    unit: str
    first: PricePoint
    last: PricePoint
    high: PricePoint
    low: PricePoint
    change_pct: float | None
    # "range": the first and last points inside the brief's dates; "around": the points
    # either side of a range too short to hold two; "series": the series does not
    # overlap the range (or the brief is undated), so its whole history is shown.
    coverage: str
    provider: str | None
    url: str | None
    refs: tuple[int, ...]  # documents whose payloads supplied these points
    imported: tuple[str, ...] = ()  # price files imported by the user that did


@dataclass(frozen=True)
class BriefChart:
    series_id: str
    label: str
    unit: str
    points: tuple[PricePoint, ...]
    markers: tuple[ChartMarker, ...]
    svg: str
    width: int = CHART_SIZE[0]  # the SVG's own size, in CSS pixels
    height: int = CHART_SIZE[1]


@dataclass(frozen=True)
class Brief:
    title: str
    origin: str  # what it was made from: "Saved search “Licensing”", "Search", "Selection"
    query: str | None  # the query and filters in words, None for a selection
    created: dt.datetime
    date_range: tuple[dt.date, dt.date] | None  # of the selected documents' dates
    total: int  # documents that matched; the brief holds at most ``limit`` of them
    documents: tuple[BriefDoc, ...]  # the selection in order, then those cited only
    charts: tuple[BriefChart, ...] = ()
    moves: tuple[KeyMove, ...] = ()

    @property
    def selected(self) -> tuple[BriefDoc, ...]:
        return tuple(d for d in self.documents if not d.cited_only)

    @property
    def cited_only(self) -> tuple[BriefDoc, ...]:
        return tuple(d for d in self.documents if d.cited_only)


def build_brief(library: Library, *, request: SearchRequest | None = None,
                saved: str | None = None, doc_ids: Sequence[str] | None = None,
                title: str | None = None, limit: int = 50) -> Brief:  # fmt: skip
    """A brief of a search (``request``), a saved search (``saved``, by name) or chosen
    documents (``doc_ids``, in that order): exactly one of the three."""
    if sum(x is not None for x in (request, saved, doc_ids)) != 1:
        raise ValueError("a brief needs exactly one of request, saved or doc_ids")
    if saved is not None:
        s = library.workbench.saved(saved)
        request = s.request(limit=limit, with_facets=False)
        origin, default_title = f"Saved search “{s.name}”", s.name
    elif request is not None:
        q = request.query.strip()
        origin, default_title = "Search", q if q not in ("", "*") else "All documents"
    if request is not None:
        res = library.search(replace(request, limit=max(0, limit), offset=0, with_facets=False))
        docs = list(library.store.documents([h.id for h in res.hits]))
        total, query = res.total, describe_request(request)
    else:
        assert doc_ids is not None
        docs = []
        for doc_id in dict.fromkeys(doc_ids):
            doc = library.document(doc_id)
            if doc is None:
                raise QueryError(f"no document with id {doc_id}")
            docs.append(doc)
        docs = docs[: max(0, limit)]
        total, query = len(docs), None
        origin, default_title = "Selection", "Selected documents"
    wb = library.workbench
    entries = [_entry(i, d, wb.annotations(d.id)) for i, d in enumerate(docs, 1)]
    dates = [d.parsed.date for d in docs if d.parsed.date is not None]
    span = (min(dates), max(dates)) if dates else None
    book = library.prices()
    views = _linked_series(book, docs, span)
    refs = {e.id: e.ref for e in entries}
    moves, charts = [], []
    for view in views:
        move, window = _move(view.series, span, refs, library, entries)
        moves.append(move)
        marks = [m for m in news_markers(book, [view.id], docs)
                 if window[0].date <= m.date <= window[-1].date]  # fmt: skip
        charts.append(_chart(view.series, window, marks, refs, span))
    return Brief(title=(title or "").strip() or default_title, origin=origin, query=query,
                 created=dt.datetime.now().astimezone().replace(microsecond=0),
                 date_range=span, total=total, documents=tuple(entries),
                 charts=tuple(charts), moves=tuple(moves))  # fmt: skip


def describe_request(req: SearchRequest) -> str:
    parts = [req.query.strip() or "*"]
    parts += [f"{f}={v}" for f, v in req.filters]
    parts += [f"not {f}={v}" for f, v in req.excludes]
    if req.sort == "date":
        parts.append("newest first")
    return " · ".join(parts)


def _entry(ref: int, doc: Document, ann: Annotations | None, *,
           cited_only: bool = False) -> BriefDoc:  # fmt: skip
    p = doc.parsed
    ann = ann or Annotations(doc.id)
    # Quote offsets index the full text (title first); pages index the body.
    quotes = tuple(BriefQuote(q.text, q.at, page_at(p.pages, max(0, q.start - doc.body_offset)))
                   for q in ann.quotes)  # fmt: skip
    return BriefDoc(ref=ref, id=doc.id, title=p.title, source=p.source, author=p.author,
                    date=p.date, url=p.url, path=p.path, member=p.member,
                    topics=tuple(t.name for t in doc.topics), tags=ann.tags,
                    starred=ann.starred, notes=ann.notes, quotes=quotes,
                    cited_only=cited_only)  # fmt: skip


def _linked_series(book: PriceBook, docs: list[Document],
                   span: tuple[dt.date, dt.date] | None) -> list[SeriesView]:  # fmt: skip
    """The series the documents' entities link to, most mentioned first; those whose
    points reach the brief's dates before those that cannot show its news at all."""
    mentions = Counter(s.entity_id for d in docs for s in d.entities)
    views = [v for v in book.linked_to(set(mentions)) if v.series.points]
    weight = {v.id: sum(mentions[e] for e in v.entity_ids) for v in views}

    def apart(v: SeriesView) -> bool:
        s = v.series
        return span is not None and (s.points[0].date > span[1] or s.points[-1].date < span[0])

    views.sort(key=lambda v: (apart(v), -weight[v.id], v.label.lower()))
    return views[:MAX_CHARTS]


def _move(series: PriceSeries, span: tuple[dt.date, dt.date] | None, refs: dict[str, int],
          library: Library, entries: list[BriefDoc],
          ) -> tuple[KeyMove, list[PricePoint]]:  # fmt: skip
    """The key move over the brief's dates, and the points its chart shows."""
    pts = list(series.points)
    chosen, coverage = pts, "series"
    if span is not None:
        start, end = span
        inside = [p for p in pts if start <= p.date <= end]
        before = [p for p in pts if p.date <= start]
        after = [p for p in pts if p.date >= end]
        if len(inside) >= 2:
            chosen, coverage = inside, "range"
        elif before and after:
            chosen = [p for p in pts if before[-1].date <= p.date <= after[0].date]
            coverage = "around"
    first, last = chosen[0], chosen[-1]
    change = (last.value / first.value - 1.0) * 100.0 if first.value and last is not first else None
    doc_ids = list(dict.fromkeys(p.doc_id for p in chosen if p.doc_id)) or list(series.sources)
    cited, imported = [], []
    for doc_id in doc_ids:
        if doc_id.startswith(IMPORT_PREFIX):
            imported.append(doc_id[len(IMPORT_PREFIX):])
        elif doc_id in refs:
            cited.append(refs[doc_id])
        elif (doc := library.document(doc_id)) is not None:
            refs[doc_id] = len(entries) + 1
            entries.append(_entry(refs[doc_id], doc, None, cited_only=True))
            cited.append(refs[doc_id])
    move = KeyMove(series.id, series.label, series.unit, first, last,
                   max(chosen, key=lambda p: p.value), min(chosen, key=lambda p: p.value),
                   change, coverage, series.provider, series.url, tuple(sorted(cited)),
                   tuple(dict.fromkeys(imported)))  # fmt: skip
    if coverage == "series" or span is None:
        return move, pts
    pad = max(dt.timedelta(days=CONTEXT_DAYS), (span[1] - span[0]) / 2)
    lo, hi = min(span[0] - pad, first.date), max(span[1] + pad, last.date)
    return move, [p for p in pts if lo <= p.date <= hi]


def _chart(series: PriceSeries, window: list[PricePoint], marks: list[NewsMarker],
           refs: dict[str, int], span: tuple[dt.date, dt.date] | None) -> BriefChart:  # fmt: skip
    markers = tuple(ChartMarker(m.date, str(refs[m.doc_id]), m.title)
                    for m in marks if m.doc_id in refs)  # fmt: skip
    svg = line_chart_svg([(p.date, p.value) for p in window], title=series.label,
                         unit=series.unit, markers=markers, width=CHART_SIZE[0],
                         height=CHART_SIZE[1], period=span)  # fmt: skip
    return BriefChart(series.id, series.label, series.unit, tuple(window), markers, svg)


FORMAT_SUFFIXES = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md",
                   ".pdf": "pdf"}  # fmt: skip


def format_for(path: Path | str) -> str | None:
    """The format a file name asks for ("brief.pdf" → "pdf"), None if it says nothing."""
    return FORMAT_SUFFIXES.get(Path(path).suffix.lower())


def write_brief(brief: Brief, path: Path | str, fmt: str) -> list[Path]:
    """Write ``brief`` as "html" (one self-contained file) or "md" (the file and its
    charts as SVG files in ``NAME_files/`` beside it); returns the files written."""
    path = Path(path)
    if fmt == "html":
        from .brief_html import render_html

        path.write_text(render_html(brief), encoding="utf-8")
        return [path]
    if fmt == "md":
        from .brief_md import write_markdown

        return write_markdown(brief, path)
    raise ValueError(f"unknown brief format {fmt!r} (html or md; pdf needs the ui package)")
