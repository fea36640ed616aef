"""Runs a SearchRequest: query + facet filters → hits with snippets and facet counts.

One Whoosh searcher and its facet table are kept per index generation and shared
by every query until the index changes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.classify import Expander
from whoosh.searching import Searcher as WSearcher

from ..cjk import has_cjk, surface
from ..dedup import clusters as dup_clusters
from ..dedup import fold as dup_fold
from ..errors import QueryError
from ..index.reader_pool import ReaderPool
from ..index.schema import KEYWORD_FIELDS
from ..index.whoosh_index import IndexStore
from ..model import FacetCount, Hit, SearchRequest, SearchResult, page_at
from ..store import DocumentStore
from .doc_ids import TABLE_FROM, DocIds, SegmentIds
from .engine import Context, evaluate, top
from .facets import FacetTable
from .highlight import flat_page_starts, snippet_at
from .histogram import date_histogram
from .languages import present, widen
from .mentions import Mention, find_mentions
from .names import NameLookup
from .numeric import Figures, NumericTable
from .numeric_syntax import is_numeric_field
from .numeric_syntax import split as split_figure_clauses
from .parser import QueryBuilder, is_browse
from .postings import ArrayCache
from .suggest import FIELD, suggest
from .user_fields import UserIndex, is_user_field
from .user_fields import canonical as user_field
from .user_fields import split as split_user_clauses
from .user_masks import UserMasks

log = logging.getLogger("cellsight.search")
FACETS_SHOWN = ("company", "topic", "person", "place", "organisation", "policy", "material",
                "product", "source", "year", "language")
AliasLookup = Callable[[str, str], str | None]


@dataclass
class _Generation:
    number: tuple[int, int]
    searcher: WSearcher
    facets: FacetTable
    ids: DocIds  # doc ids ↔ docnums
    frequencies: dict[tuple[str, bytes], float] = field(default_factory=dict)
    user: UserMasks | None = None  # tag:, starred:, note: masks, made on first use
    figures: Figures | None = None  # figure columns (numeric.py), made on first use
    dup_labels: dup_fold.Labels | None = None  # near-duplicate clusters by docnum


class _KeyTermReader:
    """The reader as Whoosh's key-term model uses it, with each word's collection
    frequency kept for the generation: the model asks for every word of the document,
    and each answer was a lookup in every segment (most of a second at 50k)."""

    def __init__(self, reader: Any, memo: dict[tuple[str, bytes], float]) -> None:
        self._reader = reader
        self._memo = memo
        self.schema = reader.schema

    def doc_count_all(self) -> int:
        return int(self._reader.doc_count_all())

    def field_length(self, fieldname: str) -> int:
        return int(self._reader.field_length(fieldname))

    def frequency(self, fieldname: str, btext: bytes) -> float:
        key = (fieldname, btext)
        got = self._memo.get(key)
        if got is None:
            got = self._memo[key] = float(self._reader.frequency(fieldname, btext))
        return got

    def __contains__(self, term: tuple[str, bytes]) -> bool:
        return self.frequency(*term) > 0


class Searcher:
    def __init__(
        self,
        index: IndexStore,
        store: DocumentStore,
        alias_lookup: AliasLookup | None = None,
        names: NameLookup | None = None,
        user: UserIndex | None = None,
    ) -> None:
        """``user``: the tags, stars and notes behind ``tag:``, ``starred:``, ``note:``."""
        self.index = index
        self.user = user
        self.store = store
        self.builder = QueryBuilder(index.index.schema)
        self._alias_lookup = alias_lookup
        self._names = names
        self._gen: _Generation | None = None
        self._readers = ReaderPool()  # segment readers, kept across generations
        # A read-only library's arrays are loaded if it kept them, never saved.
        self._postings = ArrayCache(disk=index.folder, read_only=index.read_only)
        self._suggestions: dict[tuple[tuple[int, int], str], str | None] = {}
        self._segment_ids = SegmentIds(index.folder, index.read_only)
        self._last_figures: NumericTable | None = None  # extended by the next generation
        self._lock = threading.RLock()

    # -- generation management ------------------------------------------------------
    def _current(self) -> _Generation:
        with self._lock:
            # The Index object too: a reset index restarts its generation count, and the
            # old searcher (over deleted files) was kept when the numbers matched.
            number = (id(self.index.index), self.index.generation())
            if self._gen is None or self._gen.number != number:
                validated = self.index.take_searcher()
                if validated is not None:
                    self._readers.adopt(self.index.index, validated.reader())
                s = self._readers.searcher(self.index.index)
                previous = self._gen.facets if self._gen is not None else None
                if self._gen is not None:
                    self._gen.searcher.close()  # its segment readers stay in the pool
                table = FacetTable(s.reader(), KEYWORD_FIELDS, disk=self.index.folder,
                                   read_only=self.index.read_only, previous=previous)
                self._postings.retain({seg for seg, _, _ in table.layout})
                self._gen = _Generation(number, s, table,
                                        DocIds(s, table.live, self._segment_ids))
            return self._gen

    def close(self) -> None:
        with self._lock:
            if self._gen is not None:
                self._gen.searcher.close()
                self._gen = None
            self._readers.close()

    # -- keyword resolution -----------------------------------------------------------
    def _resolver(self, gen: _Generation) -> Callable[[str, str], str | None]:
        def resolve(field: str, typed: str) -> str | None:
            postings = gen.facets.fields.get(field)
            if postings is None:
                return None
            hit = postings.lower.get(typed.lower())
            if hit is None and self._alias_lookup is not None:
                canonical = self._alias_lookup(field, typed)
                if canonical is not None:
                    hit = postings.lower.get(canonical.lower(), canonical)
            return hit

        return resolve

    def parse(self, text: str) -> wq.Query:
        gen = self._current()
        return self.builder.parse(text, self._resolver(gen))

    # -- search -------------------------------------------------------------------------
    def search(self, req: SearchRequest) -> SearchResult:
        t0 = time.perf_counter()
        user = split_user_clauses(req.query)
        ranges = split_figure_clauses(user.query)  # capacity:>20, money:>1bn …
        text = ranges.query
        with self._lock:
            gen = self._current()
            # While typing, one character is not a query yet: as a prefix it matches
            # nearly everything, after reading thousands of rare words' postings.
            browse = is_browse(text) or (req.typing and _one_character(text))
            # Parse against this same generation: a second _current() here closed the
            # searcher in use when another process committed in between (ReaderClosed,
            # reliability tests).
            q: wq.Query = wq.Every()
            named: tuple[str, ...] = ()
            languages: tuple[str, ...] = ()
            if not browse:
                q, named = self.builder.parse_with_names(
                    text, self._resolver(gen), typing=req.typing, names=self._names)
                languages = self._languages(gen)
                q = widen(q, text, languages, self.builder.stops)
            s = gen.searcher
            table = gen.facets

            ctx = Context(s, self._postings, table.live)
            if browse:
                base = table.live.copy()
                scores = np.zeros(table.ndocs, dtype=np.float32)
            else:
                found = evaluate(ctx, q)
                base, scores = found.mask, found.score
            # The query's own tag:/note:/starred: clauses narrow like its words do.
            for field, value in user.filters:
                base &= self._user_mask(gen, field, value)
            for field, value in (*user.excludes,
                                 *((user_field(f), v) for f, v in req.excludes
                                   if is_user_field(f))):  # fmt: skip
                base &= ~self._user_mask(gen, field, value)
            if req.within_ids is not None:
                base &= self._ids_mask(gen, req.within_ids)
            figures = self._figures(gen)
            base = figures.narrow(base, ranges, req.excludes)
            for field, value in req.excludes:
                if not is_user_field(field) and not is_numeric_field(field):
                    base &= ~table.filter_mask(_field(field), {value})
            by_field: dict[str, set[str]] = {}
            user_by_field: dict[str, set[str]] = {}
            for field, value in req.filters:
                if is_user_field(field):
                    user_by_field.setdefault(user_field(field), set()).add(value)
                elif not is_numeric_field(field):  # figure buckets: figures.filter_masks
                    by_field.setdefault(_field(field), set()).add(value)
            masks = {f: table.filter_mask(f, vals) for f, vals in by_field.items()}
            for f, vals in user_by_field.items():  # a facet's values: OR within the field
                masks[f] = np.logical_or.reduce([self._user_mask(gen, f, v) for v in vals])
            masks.update(figures.filter_masks(req.filters))
            final = base.copy()
            for m in masks.values():
                final &= m
            dups = self._near_dups(gen)
            matched, prefer = final, None
            if req.collapse and dups.any:
                prefer = ctx.column("daynum") if browse or req.sort == "date" else scores
                final = dup_fold.fold(dups, final, prefer)
            total = int(final.sum())

            facets: dict[str, tuple[FacetCount, ...]] = {}
            if req.with_facets:
                for field in FACETS_SHOWN:
                    # A facet's own selection is left out so its other values stay choosable.
                    m = base.copy()
                    for other, om in masks.items():
                        if other != field:
                            m &= om
                    if prefer is not None:  # folded: a story counts once
                        m = dup_fold.fold(dups, m, prefer)
                    facets[field] = table.field(field).count(m, req.facet_limit)
                if self.user is not None:
                    folding = (None if prefer is None
                               else lambda m: dup_fold.fold(dups, m, prefer))  # fmt: skip
                    facets.update(self._user(gen).facets_for(base, masks, req.facet_limit,
                                                             folding))  # fmt: skip
                facets.update(figures.facets(base, masks, None if prefer is None else (
                    lambda m: dup_fold.fold(dups, m, prefer))))  # range facets: capacity …

            by_date = browse or req.sort == "date"
            days = ctx.column("daynum") if by_date or req.with_histogram else None
            histogram: tuple[tuple[str, int], ...] = ()
            undated = 0
            if req.with_histogram and days is not None:
                histogram, undated = date_histogram(days[final], req.with_histogram)
            rank = figures.rank(req.sort, ranges)  # sort="capacity": largest first
            best = top(scores, final, req.offset + req.limit,
                       rank if rank is not None else days if by_date else None
                       )[req.offset :]  # fmt: skip
            if req.ids_only:
                by_num = gen.ids.by_number()
                return SearchResult(request=req, total=total, hits=(), facets=facets,
                                    ids=tuple(by_num[int(n)] for n in best),
                                    elapsed_ms=(time.perf_counter() - t0) * 1000,
                                    histogram=histogram, undated=undated)  # fmt: skip
            hits = [(s.stored_fields(int(n))["id"], float(scores[n])) for n in best]
            terms = tuple(sorted(ctx.terms | set(named)))
            out_hits = tuple(self._hit(h_id, score, terms, languages) for h_id, score in hits)
            counts = dup_fold.sizes(dups, matched)
            out_hits = tuple(replace(h, cluster=dup_fold.hit_cluster(dups, counts, int(n), h.id))
                             for h, n in zip(out_hits, best, strict=True))  # fmt: skip
            suggestion = None
            if not browse and total < 3:
                key = (gen.number, req.query)
                if key not in self._suggestions:
                    # Typing passes through the same near-empty queries again and again;
                    # the lexicon walk behind a suggestion is the slow part of them.
                    if len(self._suggestions) >= 256:
                        self._suggestions.pop(next(iter(self._suggestions)))
                    self._suggestions[key] = self._suggest(s, q, text)
                suggestion = self._suggestions[key]
        return SearchResult(
            request=req,
            total=total,
            hits=out_hits,
            facets=facets,
            suggestion=suggestion,
            terms=terms,
            elapsed_ms=(time.perf_counter() - t0) * 1000,
            histogram=histogram,
            undated=undated,
        )

    def _figures(self, gen: _Generation) -> Figures:
        if gen.figures is None:
            self._last_figures = NumericTable(
                gen.searcher.reader(), disk=self.index.folder, read_only=self.index.read_only,
                previous=self._last_figures)  # fmt: skip
            gen.figures = Figures(self._last_figures)
        return gen.figures

    # -- user fields ------------------------------------------------------------------
    def _ids_mask(self, gen: _Generation, ids: frozenset[str] | set[str]) -> np.ndarray:
        return gen.ids.mask(ids)

    def _user(self, gen: _Generation) -> UserMasks:
        if gen.user is None:
            gen.user = UserMasks(self.user, gen.facets, gen.ids)
        return gen.user

    def _user_mask(self, gen: _Generation, field: str, value: str) -> np.ndarray:
        return self._user(gen).mask(field, value)

    def _near_dups(self, gen: _Generation) -> dup_fold.Labels:
        """The clusters by docnum, for this generation and the store's clusters version
        (a batch commits the index before the store: both must be current)."""
        key = dup_clusters.version(self.store.conn)
        got = gen.dup_labels
        if got is None or got.key != key:
            pairs = dup_clusters.clustered(self.store.conn)
            if len(pairs) > TABLE_FROM:
                gen.ids.table()  # one table, not a lookup per clustered document
            got = gen.dup_labels = dup_fold.build(gen.facets.ndocs, pairs, gen.ids.number, key)
        return got

    def mentions(self, doc_ids: Sequence[str],
                 wanted: Iterable[tuple[str, str]]) -> list[Mention]:  # fmt: skip
        """Which of ``doc_ids`` carry which of the ``wanted`` (facet field, value) pairs."""
        with self._lock:
            gen = self._current()
            return find_mentions(gen.searcher, gen.facets, gen.ids, doc_ids, wanted)

    def cluster_members(self, cluster_id: str) -> frozenset[str]:
        """The documents of a near-duplicate cluster (its id alone if it has none):
        expanding a folded hit is a search with ``within_ids`` these."""
        return frozenset(dup_clusters.members(self.store.conn, cluster_id))

    def _languages(self, gen: _Generation) -> tuple[str, ...]:
        postings = gen.facets.fields.get("language")
        return present(postings.values) if postings is not None else ()

    def _hit(self, doc_id: str, score: float, terms: tuple[str, ...],
             languages: tuple[str, ...] = ()) -> Hit:  # fmt: skip
        row = self.store.hit_row(doc_id)
        if row is None:  # index ahead of store after a crash; next index run fixes it
            return Hit(doc_id, "(missing document)", None, None, None, score, "", (), (), ())
        snip, spans, at = snippet_at(row.text, terms, languages=languages)
        page = page_at(flat_page_starts(row.text, row.pages), at) if row.pages else None
        return Hit(
            id=row.id, title=row.title, date=row.date, source=row.source, author=row.author,
            score=score, snippet=snip, snippet_spans=spans, topics=row.topics,
            companies=row.companies, path=row.path, kind=row.kind, page=page,
            member=row.member,
        )  # fmt: skip

    def _suggest(self, s: WSearcher, q: wq.Query, text: str) -> str | None:
        def sample_text(btext: bytes) -> str | None:
            m = s.reader().postings(FIELD, btext)
            if not m.is_active():
                return None
            row = self.store.hit_row(s.stored_fields(m.id())["id"])
            return row.text if row is not None else None

        try:
            return suggest(s, q, text, sample_text)
        except Exception:
            log.exception("spelling suggestion failed for %r", text)
            return None

    def more_like(self, doc_id: str, n: int = 8) -> list[Hit]:
        with self._lock:
            gen = self._current()
            s = gen.searcher
            docnum = s.document_number(id=doc_id)
            row = self.store.hit_row(doc_id)
            if docnum is None or row is None:
                return []
            # Whoosh's key terms (Bo1 model), scored by the array engine instead of
            # Whoosh's per-document matchers.
            expander = Expander(_KeyTermReader(s.reader(), gen.frequencies), "body")
            expander.add_text(row.text)
            kts = expander.expanded_terms(5, normalize=False)
            q = wq.Or([wq.Term("body", word, boost=weight) for word, weight in kts])
            found = evaluate(Context(s, self._postings, gen.facets.live), q)
            found.mask[docnum] = False
            best = top(found.score, found.mask, n, None)
            return [self._hit(s.stored_fields(int(d))["id"], float(found.score[d]), ())
                    for d in best]  # fmt: skip

    def terms_for(self, text: str) -> tuple[str, ...]:
        """Analysed query terms, for highlighting a document opened from a search."""
        try:
            text = split_figure_clauses(split_user_clauses(text).query).query
            # One letter is not a query yet (see search); lit up, it marked every word
            # of the article that starts with it while the user typed (issue 17). One
            # Chinese character (锂) is a word.
            if is_browse(text) or (_one_character(text) and not has_cjk(text)):
                return ()
            with self._lock:
                gen = self._current()
                q, named = self.builder.parse_with_names(text, self._resolver(gen),
                                                         names=self._names)  # fmt: skip
                q = widen(q, text, self._languages(gen), self.builder.stops)
                return tuple(sorted({*_terms(q, gen.searcher), *named}))
        except QueryError:
            return ()


def _one_character(text: str) -> bool:
    text = text.strip()
    return len(text) == 1 and text.isalnum()


def _field(name: str) -> str:
    from .parser import FIELD_ALIASES

    for canonical, aliases in FIELD_ALIASES.items():
        if name == canonical or name in aliases:
            return canonical
    if name not in KEYWORD_FIELDS:
        raise QueryError(f"Cannot filter on '{name}'. Filter fields: {', '.join(KEYWORD_FIELDS)}.")
    return name


def _terms(q: wq.Query, s: WSearcher) -> tuple[str, ...]:
    """Positive title/body terms, with prefixes, wildcards and fuzzy terms expanded."""
    try:
        q = q.simplify(s.reader())
    except Exception:  # noqa: BLE001 - unexpandable queries keep plain terms
        pass
    found: set[str] = set()

    def walk(node: wq.Query) -> None:
        if isinstance(node, wq.Not):
            return  # excluded words are not what the reader should light up
        if isinstance(node, wq.Term) and node.fieldname in ("title", "body"):
            found.add(_text(node.text))
        elif isinstance(node, wq.Phrase) and node.fieldname in ("title", "body"):
            words = [_text(w) for w in node.words]
            word = surface(words)  # a CJK word, searched as its bigrams
            found.update([word] if word is not None else words)
        for child in node.children():
            walk(child)

    walk(q)
    return tuple(sorted(found))


def _text(value: object) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
