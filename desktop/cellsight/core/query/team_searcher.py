"""Searching a team library: the embedded Searcher's contract over OpenSearch.

``TeamSearcher.search(SearchRequest) -> SearchResult`` as query/searcher.py: the same
parser, name expansion and language widening, then the query as DSL (team_dsl.py).
Facets are aggregations with the embedded semantics: the request's facet selections
are a ``post_filter`` (OR within a facet, AND across), and each facet is counted under
every selection but its own. Snippets are cut from the stored text by highlight.py,
so marks are the embedded ones. Paging past the index's result window walks
``search_after`` over a total order (score or date, then the store's row order).
An index of several shards is searched ``dfs_query_then_fetch``: every shard scores
by the whole index's term statistics, so rankings stay those of one shard (one
shard has them already, and is searched without that extra round trip). A search
never returns partial results: a shard without an answering copy is an error (503,
retried by the client) rather than a short total.
Not yet: folding near-duplicates (``collapse`` is ignored; every hit stands alone).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from whoosh import query as wq

from ..errors import QueryError
from ..index.schema import build_schema
from ..model import Document, Hit, SearchRequest, SearchResult, page_at
from ..serialize import enrichment_from_json, parsed_from_dict
from ..team.client import Client, TeamError
from ..team.terms import term_stream
from .highlight import flat_page_starts, snippet_at
from .histogram import date_histogram
from .languages import present, widen
from .names import NameLookup
from .numeric_syntax import is_numeric_field, parse_value
from .numeric_syntax import split as split_figure_clauses
from .parser import QueryBuilder, is_browse
from .searcher import AliasLookup, _field, _one_character
from .suggest import _like, _surface
from .team_dsl import Clause, highlight_terms, translate
from .team_facets import BUCKETS, TeamFilters, all_of, figure_range
from .user_fields import UserIndex, is_user_field
from .user_fields import canonical as user_field
from .user_fields import split as split_user_clauses

HIT_SOURCE = ["stored.parsed", "stored.enrichment"]


class TeamSearcher:
    def __init__(self, client: Client, alias_lookup: AliasLookup | None = None,
                 names: NameLookup | None = None, user: UserIndex | None = None) -> None:
        self.client = client
        self.user = user
        self.builder = QueryBuilder(build_schema())
        self._alias_lookup = alias_lookup
        self._names = names
        self._values: dict[str, dict[str, str]] = {}  # field → lowercased → stored value
        self._columns: tuple[str, ...] | None = None
        self._window: int | None = None
        self._shards: int | None = None
        self.filters = TeamFilters(user, self.values, self.columns)

    def refresh(self) -> None:
        """Forget what was cached of the index (after an update)."""
        self._values.clear()
        self._columns = None
        self._window = None
        self._shards = None

    def close(self) -> None:
        self.client.close()

    # -- what the index holds ---------------------------------------------------------
    def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        params = {"allow_partial_search_results": "false"}
        if self.shards() > 1:
            params["search_type"] = "dfs_query_then_fetch"
        status, answer = self.client.request("POST", self.client.index_path("/_search"), body,
                                             params=params)
        if status == 404:
            if (answer or {}).get("error", {}).get("type") != "index_not_found_exception":
                raise self.client.error(status, answer, "search")  # a shard, not the index
            raise TeamError(f"The team library {self.client.url.display} does not exist yet: "
                            "`cellsight --library URL index FOLDER` creates it.")
        return answer  # type: ignore[no-any-return]

    def values(self, field: str) -> dict[str, str]:
        got = self._values.get(field)
        if got is None:
            answer = self._search({"size": 0, "aggs": {"v": {"terms": {
                "field": field, "size": BUCKETS}}}})
            got = {}
            for b in answer["aggregations"]["v"]["buckets"]:
                got.setdefault(str(b["key"]).lower(), str(b["key"]))
            self._values[field] = got
        return got

    def columns(self) -> tuple[str, ...]:
        """The figure columns the index holds (capacity_gwh, money_usd …)."""
        if self._columns is None:
            _s, answer = self.client.request("GET", self.client.index_path("/_mapping"))
            props = next(iter(answer.values()))["mappings"]["properties"]
            self._columns = tuple(sorted((props.get("figures") or {}).get("properties") or {}))
        return self._columns

    def window(self) -> int:
        if self._window is None:
            self._settings()
        return self._window or 10000

    def shards(self) -> int:
        if self._shards is None:
            self._settings()
        return self._shards or 1

    def _settings(self) -> None:
        """The result window and the shard count, in one request (kept until refresh)."""
        status, answer = self.client.request(
            "GET", self.client.index_path(
                "/_settings/index.max_result_window,index.number_of_shards"),
            params={"include_defaults": "true", "flat_settings": "true"})
        if status == 404 or not isinstance(answer, dict) or not answer:
            return  # no index yet: the search says so; asked again next time
        idx = next(iter(answer.values()))
        both = {**idx.get("defaults", {}), **idx.get("settings", {})}
        self._window = int(both.get("index.max_result_window") or 10000)
        self._shards = int(both.get("index.number_of_shards") or 1)

    def _resolve(self, field: str, typed: str) -> str | None:
        table = self.values(field)
        hit = table.get(typed.lower())
        if hit is None and self._alias_lookup is not None:
            canonical = self._alias_lookup(field, typed)
            if canonical is not None:
                hit = table.get(canonical.lower(), canonical)
        return hit

    def _languages(self) -> tuple[str, ...]:
        return present(self.values("language").values())

    # -- search -----------------------------------------------------------------------
    def search(self, req: SearchRequest) -> SearchResult:
        t0 = time.perf_counter()
        user = split_user_clauses(req.query)
        ranges = split_figure_clauses(user.query)
        text = ranges.query
        browse = is_browse(text) or (req.typing and _one_character(text))
        q: wq.Query = wq.Every()
        named: tuple[str, ...] = ()
        languages: tuple[str, ...] = ()
        if not browse:
            q, named = self.builder.parse_with_names(text, self._resolve, typing=req.typing,
                                                     names=self._names)
            languages = self._languages()
            q = widen(q, text, languages, self.builder.stops)
        must: list[Clause] = [translate(q)] if not browse else []
        filters: list[Clause] = []
        nots: list[Clause] = []
        for field, value in user.filters:
            filters.append(self.filters.user_clause(field, value))
        for field, value in (*user.excludes, *((user_field(f), v) for f, v in req.excludes
                                               if is_user_field(f))):
            nots.append(self.filters.user_clause(field, value))
        if req.within_ids is not None:
            filters.append({"terms": {"id": sorted(req.within_ids)}})
        filters += [figure_range(r) for r in ranges.filters]
        nots += [figure_range(r) for r in ranges.excludes]
        for field, value in req.excludes:
            if is_numeric_field(field):
                nots.append(figure_range(parse_value(field, value)))
            elif not is_user_field(field):
                nots.append({"term": {_field(field): value}})
        masks = self.filters.masks(req)
        query: Clause = {"bool": {"must": must or [{"match_all": {}}], "filter": filters,
                                  "must_not": nots}}
        body: dict[str, Any] = {"query": query, "track_total_hits": True,
                                "sort": self._sort(req, browse, ranges)}
        if masks:
            body["post_filter"] = all_of(list(masks.values()))
        aggs: dict[str, Any] = {}
        if req.with_facets:
            aggs.update(self.filters.facet_aggs(masks))
        if req.with_histogram:
            aggs["days"] = {"filter": all_of(list(masks.values())), "aggs": {"d": {
                "histogram": {"field": "daynum", "interval": 1, "min_doc_count": 1}}}}
        if aggs:
            body["aggs"] = aggs
        window = self.window()
        shallow = req.offset + req.limit <= window and not req.ids_only
        first = {**body, "size": req.limit if shallow else 0, "from": req.offset if shallow
                 else 0, "_source": HIT_SOURCE if shallow else False}
        answer = self._search(first)
        total = int(answer["hits"]["total"]["value"])
        facets = self.filters.facets(answer.get("aggregations", {}), req) if req.with_facets else {}
        histogram: tuple[tuple[str, int], ...] = ()
        undated = 0
        if req.with_histogram:
            buckets = answer["aggregations"]["days"]["d"]["buckets"]
            days = np.repeat(np.array([int(b["key"]) for b in buckets], dtype=np.int64),
                             [int(b["doc_count"]) for b in buckets])
            histogram, undated = date_histogram(days, req.with_histogram)
        walk = {k: v for k, v in body.items() if k != "aggs"} | {"track_total_hits": False}
        if req.ids_only:
            ids = tuple(h["_id"] for h in self._walk(walk, req.offset, req.limit, False))
            return SearchResult(request=req, total=total, hits=(), facets=facets, ids=ids,
                                elapsed_ms=(time.perf_counter() - t0) * 1000,
                                histogram=histogram, undated=undated)
        raw = (answer["hits"]["hits"] if shallow
               else list(self._walk(walk, req.offset, req.limit, HIT_SOURCE)))
        terms = tuple(sorted(highlight_terms(q) | set(named))) if not browse else ()
        hits = tuple(_hit(h, terms, languages) for h in raw)
        suggestion = self._suggest(q, text) if not browse and total < 3 else None
        return SearchResult(request=req, total=total, hits=hits, facets=facets,
                            suggestion=suggestion, terms=terms,
                            elapsed_ms=(time.perf_counter() - t0) * 1000,
                            histogram=histogram, undated=undated)

    def _walk(self, body: dict[str, Any], offset: int, limit: int,
              source: list[str] | bool) -> Iterator[dict[str, Any]]:
        """Hits ``offset`` to ``offset + limit`` by ``search_after`` pages, each within
        the result window: no 10,000 cap."""
        page = self.window()
        after: list[Any] | None = None
        skip, left = offset, limit
        while left > 0:
            size = min(page, skip) if skip else min(page, left)
            want = dict(body, size=size, _source=False if skip else source)
            if after is not None:
                want["search_after"] = after
            hits = self._search(want)["hits"]["hits"]
            if not hits:
                return
            after = hits[-1]["sort"]
            if skip:
                skip -= len(hits)
            else:
                left -= len(hits)
                yield from hits
            if len(hits) < size:
                return

    def _sort(self, req: SearchRequest, browse: bool, ranges: Any) -> list[Any]:
        tail: list[Any] = [{"_score": "desc"}, {"seq": "asc"}]
        if is_numeric_field(req.sort):
            column = parse_value(req.sort, "*").column if "_" not in req.sort else req.sort.lower()
            return [{f"figures.{column}": {"order": "desc", "mode": "max", "missing": "_last",
                                            "unmapped_type": "double"}}, *tail]
        if browse or req.sort == "date":
            return [{"daynum": "desc"}, *tail]
        return tail

    # -- suggestions, more like this, documents ----------------------------------------
    def _suggest(self, q: wq.Query, text: str) -> str | None:
        from .highlight import term_spans

        words = sorted({str(t) if not isinstance(t, bytes) else t.decode()
                        for f, t in q.iter_all_terms() if f == "body"})
        if not words:
            return None
        body = {"size": 0, "suggest": {f"w{i}": {"text": w, "term": {
            "field": "body_terms", "suggest_mode": "missing", "max_edits": 2,
            "prefix_length": 1, "size": 1, "sort": "frequency"}} for i, w in enumerate(words)}}
        answer = self._search(body)
        edits: list[tuple[int, int, str]] = []
        for i, typed in enumerate(words):
            options = answer["suggest"][f"w{i}"][0]["options"] if answer["suggest"][
                f"w{i}"] else []
            if not options:
                continue
            stem = options[0]["text"]
            sample = self._search({"size": 1, "_source": ["stored.parsed.text"], "query": {
                "term": {"body_terms": stem}}})["hits"]["hits"]
            sample_text = sample[0]["_source"]["stored"]["parsed"]["text"] if sample else None
            word = _surface(stem, sample_text)
            edits += [(a, b, _like(text[a:b], word)) for a, b in term_spans(text, [typed])]
        out = text
        for a, b, word in sorted(set(edits), reverse=True):
            out = out[:a] + word + out[b:]
        return out if edits and out != text else None

    def more_like(self, doc_id: str, n: int = 8) -> list[Hit]:
        doc = self.document(doc_id)
        if doc is None:
            return []
        lang = doc.language
        like = term_stream(doc.parsed.text, lang)
        answer = self._search({"size": n, "_source": HIT_SOURCE, "query": {"bool": {
            "must": [{"more_like_this": {"fields": ["body_terms"], "like": like,
                                         "min_term_freq": 1, "min_doc_freq": 1,
                                         "max_query_terms": 12}}],
            "must_not": [{"ids": {"values": [doc_id]}}]}}})
        return [_hit(h, ()) for h in answer["hits"]["hits"]]

    def terms_for(self, text: str) -> tuple[str, ...]:
        """Analysed query terms, for highlighting a document opened from a search."""
        from ..cjk import has_cjk

        try:
            text = split_figure_clauses(split_user_clauses(text).query).query
            if is_browse(text) or (_one_character(text) and not has_cjk(text)):
                return ()
            q, named = self.builder.parse_with_names(text, self._resolve, names=self._names)
            q = widen(q, text, self._languages(), self.builder.stops)
            return tuple(sorted(highlight_terms(q) | set(named)))
        except QueryError:
            return ()

    def document(self, doc_id: str) -> Document | None:
        status, answer = self.client.request(
            "GET", self.client.index_path(f"/_doc/{_quote(doc_id)}"),
            params={"_source": "stored"})
        if status == 404 or not answer.get("found"):
            return None
        return _document(doc_id, answer["_source"]["stored"])

    def count(self) -> int:
        status, answer = self.client.request("GET", self.client.index_path("/_count"))
        return int(answer["count"]) if status == 200 else 0


def _quote(doc_id: str) -> str:
    from urllib.parse import quote

    return quote(doc_id, safe="")


def _document(doc_id: str, stored: dict[str, Any]) -> Document:
    entities, topics, language = enrichment_from_json(stored["enrichment"])
    return Document(id=doc_id, parsed=parsed_from_dict(stored["parsed"]), entities=entities,
                    topics=topics, language=language)


def _hit(h: dict[str, Any], terms: tuple[str, ...], languages: tuple[str, ...] = ()) -> Hit:
    import datetime as dt

    stored = h["_source"]["stored"]
    p = stored["parsed"]
    summary = json.loads(stored["enrichment"]).get("hit") or [[], []]
    text = p["text"]
    snip, spans, at = snippet_at(text, terms, languages=languages)
    pages = tuple(p.get("pages") or ())
    page = page_at(flat_page_starts(text, pages), at) if pages else None
    return Hit(id=h["_id"], title=p["title"],
               date=dt.date.fromisoformat(p["date"]) if p.get("date") else None,
               source=p.get("source"), author=p.get("author"), score=float(h.get("_score") or 0),
               snippet=snip, snippet_spans=spans, topics=tuple(summary[0]),
               companies=tuple(summary[1]), path=p["path"], kind=p["kind"], page=page,
               member=p.get("member"), cluster=(h["_id"], 1))


SearchFn = Callable[[SearchRequest], SearchResult]
