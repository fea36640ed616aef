"""The team index's settings and mapping, and the check that an existing index is ours.

Text is analysed in Python (terms.py) exactly as the embedded index analyses it; the
server splits the term stream and makes CJK bigrams (``cjk_bigram`` with unigrams, as
core/cjk does). Scores follow the embedded engine's BM25F (query/engine.py: Whoosh's
idf, k1 1.2, b 0.75, the title's terms weighing 2.5) through scripted similarities,
so rankings agree; lengths come from Lucene's norms, which round long fields a little.
Keyword fields are the embedded facets (index.schema.KEYWORD_FIELDS); figures are
numbers per column (``figures.capacity_gwh``) for ranges, range facets and sorting.
What a hit and ``show`` need is kept in ``stored`` (not indexed): the parsed document
and its enrichment as the local store has them. ``origin`` is the writer (team/writer.py)
that copied the document, so a sync deletes only its own; ``indexed_by``/``indexed_at``
say which member sent this version and when, ``retagged_by``/``retagged_at`` which
member's catalogue edit last re-tagged it (team/retag.py).

Version 2 added those five fields; a version-1 index is upgraded in place (new fields
can be added to a mapping; its documents are claimed by the next writer that holds them).
"""

from __future__ import annotations

from typing import Any

from ..index.schema import KEYWORD_FIELDS

MAPPING_VERSION = 2
UPGRADABLE = frozenset({1})  # versions ensure_index brings to MAPPING_VERSION in place
UPGRADE_FIELDS = ("origin", "indexed_by", "indexed_at", "retagged_by", "retagged_at")
TITLE_BOOST = 2.5  # index.schema: the title's field_boost
_BM25 = ("double tf = doc.freq * {fb}; "
         "double idf = Math.log(field.docCount / (term.docFreq + 1.0)) + 1.0; "
         "double avg = field.sumTotalTermFreq / (double) Math.max(1, field.docCount); "
         "if (avg == 0) {{ avg = 1.0; }} "
         "return query.boost * idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * doc.length / avg));")
TEXT_FIELDS = {"title": "title_terms", "body": "body_terms"}


def _similarity(field_boost: float) -> dict[str, Any]:
    # discount_overlaps off: a CJK bigram at its unigram's position counts in the
    # length, as it does in the embedded index.
    return {"type": "scripted", "discount_overlaps": False,
            "script": {"source": _BM25.format(fb=repr(float(field_boost)))}}


def index_body(shards: int = 1, replicas: int | None = None) -> dict[str, Any]:
    """``PUT /INDEX`` body. One shard by default: one shard holds a team library of
    millions of articles, and its statistics are the whole index's. With several (a
    cluster spreading the load) each shard scores by its own statistics unless the
    search asks for the index's (team_searcher: ``dfs_query_then_fetch``). Replicas:
    one wherever a second node can hold it (``auto_expand_replicas``), or as given."""
    keyword = {"type": "keyword"}
    properties: dict[str, Any] = {
        "id": keyword,
        "seq": {"type": "long"},  # the local store's row order: ties rank as embedded
        "content_hash": keyword,
        "origin": keyword,
        "indexed_by": keyword,
        "indexed_at": {"type": "date"},
        "retagged_by": keyword,
        "retagged_at": {"type": "date"},
        "title_terms": {"type": "text", "analyzer": "cellsight_terms",
                        "similarity": "cellsight_title"},
        "body_terms": {"type": "text", "analyzer": "cellsight_terms",
                       "similarity": "cellsight_body"},
        "author": {"type": "text", "analyzer": "cellsight_author"},
        "date": {"type": "date", "format": "strict_date"},
        "daynum": {"type": "integer"},  # date.toordinal(), 0 undated (as the embedded)
        "figures": {"type": "object", "dynamic": True},
        "stored": {"type": "object", "enabled": False},
    }
    for name in KEYWORD_FIELDS:
        properties[name] = keyword
    return {
        "settings": {
            "number_of_shards": max(1, shards),
            **({"auto_expand_replicas": "0-1"} if replicas is None
               else {"number_of_replicas": max(0, replicas)}),
            "analysis": {
                "filter": {"cellsight_bigrams": {"type": "cjk_bigram",
                                                 "output_unigrams": True}},
                "analyzer": {
                    "cellsight_terms": {"type": "custom", "tokenizer": "standard",
                                        "filter": ["cellsight_bigrams"]},
                    "cellsight_author": {"type": "custom", "tokenizer": "standard",
                                         "filter": ["lowercase"]},
                },
            },
            "similarity": {"cellsight_title": _similarity(TITLE_BOOST),
                           "cellsight_body": _similarity(1.0)},
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": {"cellsight_mapping": MAPPING_VERSION},
            # The term streams are for matching only; hits are cut from ``stored``.
            "_source": {"excludes": ["title_terms", "body_terms"]},
            "dynamic_templates": [{"figures": {"path_match": "figures.*",
                                               "mapping": {"type": "double"}}}],
            "properties": properties,
        },
    }


def foreign_reason(mapping: dict[str, Any]) -> str:
    """Why an existing index's mapping is not one Cellsight made ("" when it is)."""
    meta = mapping.get("_meta") or {}
    version = meta.get("cellsight_mapping")
    if version is None:
        return "it was not created by Cellsight (no cellsight_mapping in its _meta)"
    if version != MAPPING_VERSION and version not in UPGRADABLE:
        return (f"it has Cellsight mapping version {version}, this Cellsight writes "
                f"version {MAPPING_VERSION}; reindex into a new index name")
    props = mapping.get("properties") or {}
    want = index_body()["mappings"]["properties"]
    if version != MAPPING_VERSION:
        want = {k: v for k, v in want.items() if k not in upgrade_body()["properties"]}
    for name, spec in want.items():
        got = props.get(name)
        if got is None or got.get("type", "object") != spec.get("type", "object"):
            have = got.get("type", "object") if got else "missing"
            return f"its field {name!r} is {have}, not {spec.get('type', 'object')}"
    return ""


def upgrade_body() -> dict[str, Any]:
    """``PUT /INDEX/_mapping`` body bringing a version-1 index to this version."""
    props = index_body()["mappings"]["properties"]
    return {"_meta": {"cellsight_mapping": MAPPING_VERSION},
            "properties": {k: props[k] for k in UPGRADE_FIELDS}}


def mapping_version(mapping: dict[str, Any]) -> int | None:
    return (mapping.get("_meta") or {}).get("cellsight_mapping")
