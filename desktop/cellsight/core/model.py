"""Immutable records passed between pipeline stages and across threads.

Everything here is a frozen dataclass of plain values, so a worker thread can hand
it to the UI thread without copying or locking.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass, field

ENTITY_TYPES: tuple[str, ...] = (
    "company",
    "person",
    "place",
    "organisation",
    "policy",
    "material",
    "product",
)
QUANTITY = "quantity"
FACET_FIELDS: tuple[str, ...] = (
    "company",
    "topic",
    "person",
    "place",
    "organisation",
    "policy",
    "material",
    "source",
    "year",
)


@dataclass(frozen=True)
class PricePoint:
    date: dt.date
    value: float
    doc_id: str | None = None  # the document whose payload supplied the point


@dataclass(frozen=True)
class StatedFigures:
    """What a payload claims about a series; checked against computed values."""

    latest: float | None = None
    previous: float | None = None
    change_pct: float | None = None
    ytd_pct: float | None = None
    yoy_pct: float | None = None


@dataclass(frozen=True)
class SeriesSnapshot:
    """One price series as a single source presents it."""

    id: str  # stable slug of the label, e.g. "lithium-carbonate"
    label: str
    unit: str = "index points"
    frequency: str | None = None  # "1wk", "2wk", "1mo", "1d" …
    frequency_text: str | None = None
    published: dt.date | None = None
    provider: str | None = None
    url: str | None = None
    points: tuple[PricePoint, ...] = ()
    stated: StatedFigures = field(default_factory=StatedFigures)


@dataclass(frozen=True)
class ParsedDocument:
    """What a reader extracts from one source file (a file may hold several)."""

    path: str
    kind: str  # reader name: "text", "html", "payload"
    title: str
    text: str  # body; paragraphs separated by a blank line
    title_derived: bool = False  # True when the title was cut from the body
    date: dt.date | None = None
    source: str | None = None
    author: str | None = None
    url: str | None = None
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    excerpt: str | None = None
    image: str | None = None
    series: tuple[SeriesSnapshot, ...] = ()
    part: int = 0  # position within a multi-document file
    # Paged sources (PDF, slides): where each page starts in ``text`` (the first at 0),
    # and which pages (1-based) were read by OCR rather than from a text layer.
    pages: tuple[int, ...] = ()
    ocr_pages: tuple[int, ...] = ()
    member: str | None = None  # the document's name inside an archive or mailbox
    # An e-mail attachment: the subject of its message and the message's part (in the
    # same file); a message: the parts of the documents attached to it.
    attached_to: str | None = None
    parent_part: int | None = None
    attachment_parts: tuple[int, ...] = ()
    # Members of the file that could not be read ("Subject › report.pdf: reason"): the
    # file's problems, not its failure. Not stored with the document.
    problems: tuple[str, ...] = ()


def page_at(pages: tuple[int, ...], offset: int) -> int | None:
    """The 1-based page holding ``offset`` of a document's text (None: not paged)."""
    if not pages:
        return None
    return max(1, bisect_right(pages, offset))


@dataclass(frozen=True)
class EntitySpan:
    """A recognised mention: offsets are into ``Document.full_text``."""

    start: int
    end: int
    type: str  # one of ENTITY_TYPES or QUANTITY
    entity_id: str
    name: str  # canonical name (quantities: normalised "259.7 GWh")
    text: str  # the surface text as it appears
    value: float | None = None  # quantities only
    unit: str | None = None  # quantities only


@dataclass(frozen=True)
class TopicScore:
    name: str
    score: float
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    """A parsed document plus enrichment: what the index and reader use."""

    id: str
    parsed: ParsedDocument
    entities: tuple[EntitySpan, ...] = ()
    topics: tuple[TopicScore, ...] = ()
    language: str = ""  # ISO 639-1 code detected from the text ("" when unknown)

    @property
    def full_text(self) -> str:
        """Title and body as one string; entity offsets refer to it."""
        return full_text(self.parsed.title, self.parsed.text)

    @property
    def body_offset(self) -> int:
        return len(self.parsed.title) + 2

    def entity_names(self, etype: str) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for span in self.entities:
            if span.type == etype:
                seen.setdefault(span.name, None)
        return tuple(seen)


def full_text(title: str, text: str) -> str:
    return f"{title}\n\n{text}"


@dataclass(frozen=True)
class HighlightSpan:
    start: int
    end: int
    kind: str  # "term" for query terms, else an entity type


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    date: dt.date | None
    source: str | None
    author: str | None
    score: float
    snippet: str  # plain text with query terms wrapped in «» markers
    snippet_spans: tuple[tuple[int, int], ...]  # offsets of marked terms in snippet
    topics: tuple[str, ...]
    companies: tuple[str, ...]
    path: str = ""
    kind: str = ""
    page: int | None = None  # the page the snippet is on, for paged documents
    member: str | None = None  # inside an archive: the member the document came from
    # Near-duplicates: (cluster id, its members among the matches); (own id, 1) alone.
    cluster: tuple[str, int] | None = None


@dataclass(frozen=True)
class SearchRequest:
    query: str = ""
    filters: tuple[tuple[str, str], ...] = ()  # (field, value): OR within field
    excludes: tuple[tuple[str, str], ...] = ()
    sort: str = "relevance"  # or "date", or a figure field ("capacity"): largest first
    limit: int = 20
    offset: int = 0
    with_facets: bool = True
    facet_limit: int | None = None  # None: every value
    # Search-as-you-type: the word being typed at the end also matches as a prefix,
    # so "lit" already finds lithium.
    typing: bool = False
    # Only these documents (saved searches count their new arrivals this way); None: all.
    within_ids: frozenset[str] | None = None
    # Only the matching ids, in order, in ``SearchResult.ids`` (no hits, snippets or
    # suggestion): bulk actions on every result.
    ids_only: bool = False
    # Matching documents per period: "month", "week" or "auto" (weeks when the dated
    # matches span under about four months); None: no histogram (query/histogram.py).
    with_histogram: str | None = None
    # One hit per near-duplicate cluster (the best-ranked member), facets and totals
    # counting each story once; ``Hit.cluster`` says how many it stands for.
    collapse: bool = False


@dataclass(frozen=True)
class SearchResult:
    request: SearchRequest
    total: int
    hits: tuple[Hit, ...]
    facets: dict[str, tuple[FacetCount, ...]]
    suggestion: str | None = None
    terms: tuple[str, ...] = ()  # query terms, for highlighting in the reader
    elapsed_ms: float = 0.0
    ids: tuple[str, ...] = ()  # with ``ids_only``: every matching id (offset/limit apply)
    # With ``with_histogram``: (period, count) from the first dated match to the last,
    # labelled "2024-03" or "2024-W09", and the matches without a date, counted apart.
    histogram: tuple[tuple[str, int], ...] = ()
    undated: int = 0


@dataclass(frozen=True)
class Failure:
    path: str
    reason: str
    when: dt.datetime | None = None


@dataclass(frozen=True)
class IndexReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: tuple[Failure, ...] = ()
    cancelled: bool = False
    seconds: float = 0.0
