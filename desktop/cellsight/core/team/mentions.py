"""Which of some team documents mention which entities: asked of the server's facets.

The price chart marks the news among the current results that mentions what a series
tracks. Library.news_markers asks the embedded index's facet arrays
(query/mentions.py); a team member holds few or none of the documents in its cache,
so the same question goes to the team index: its keyword fields are those facets,
matched without regard to case as the embedded look-up matches them. Only the facet
values, date and title come back, never a document's text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from ..query.mentions import Mention
from .client import Client

CHUNK = 500  # ids per request: well within the index's result window


def server_mentions(client: Client, doc_ids: Sequence[str],
                    wanted: Iterable[tuple[str, str]]) -> list[Mention]:
    """The documents of ``doc_ids`` (in their order) having any ``wanted`` facet value."""
    want = sorted(set(wanted))
    if not doc_ids or not want:
        return []
    fields = sorted({f for f, _v in want})
    should = [{"term": {f: {"value": v, "case_insensitive": True}}} for f, v in want]
    found: dict[str, Mention] = {}
    ids = list(dict.fromkeys(doc_ids))
    for at in range(0, len(ids), CHUNK):
        part = ids[at:at + CHUNK]
        body = {"size": len(part), "track_total_hits": False,
                "_source": ["stored.parsed.date", "stored.parsed.title", *fields],
                "query": {"bool": {"filter": [{"ids": {"values": part}}], "should": should,
                                   "minimum_should_match": 1}}}
        status, answer = client.request("POST", client.index_path("/_search"), body,
                                        params={"allow_partial_search_results": "false"})
        if status == 404:
            return []  # no team index yet: nothing mentions anything
        for h in answer["hits"]["hits"]:
            found[h["_id"]] = _mention(h["_id"], h.get("_source") or {}, want)
    return [found[d] for d in ids if d in found and found[d].pairs]


def _mention(doc_id: str, src: dict[str, Any], want: list[tuple[str, str]]) -> Mention:
    parsed = (src.get("stored") or {}).get("parsed") or {}
    have = {(f, str(v).lower()) for f in {f for f, _ in want}
            for v in _values(src.get(f))}
    pairs = tuple((f, v) for f, v in want if (f, v.lower()) in have)
    when = parsed.get("date")
    date = None
    if isinstance(when, str) and when:
        try:
            date = dt.date.fromisoformat(when[:10])
        except ValueError:
            date = None
    return Mention(doc_id, date, str(parsed.get("title") or ""), pairs)


def _values(got: Any) -> list[Any]:
    if got is None:
        return []
    return got if isinstance(got, list) else [got]
