"""The OpenSearch test node does what the team backend will need: real HTTP, no mocks."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from team_node import Cluster, SecuredNode, request

CJK_INDEX = {
    "settings": {
        "number_of_shards": 1,
        "number_of_replicas": 0,
        "analysis": {"analyzer": {"cjk_text": {
            "type": "custom", "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "cjk_bigram"]}}},
    },
    "mappings": {"properties": {
        "title": {"type": "text", "analyzer": "cjk_text"},
        "company": {"type": "keyword"},
        "year": {"type": "integer"},
    }},
}

DOCS = [
    {"title": "宁德时代扩大磷酸铁锂产能", "company": "CATL", "year": 2024},
    {"title": "比亚迪刀片电池出口欧洲", "company": "BYD", "year": 2024},
    {"title": "CATL opens a cell plant in Hungary", "company": "CATL", "year": 2023},
    {"title": "Ｌｉｔｈｉｕｍ prices fall; 碳酸锂价格下跌", "company": "Ganfeng", "year": 2023},
]


def _bulk(url: str, index: str, docs: list[dict], **auth: tuple[str, str]) -> dict:
    lines: list[dict] = []
    for i, doc in enumerate(docs):
        lines += [{"index": {"_index": index, "_id": str(i)}}, doc]
    status, answer = request("POST", f"{url}/_bulk", lines, params={"refresh": "wait_for"},
                             ndjson=True, **auth)
    assert status == 200 and not answer["errors"], answer
    return answer


def _titles(url: str, index: str, query: dict) -> list[str]:
    status, answer = request("POST", f"{url}/{index}/_search", {"query": query})
    assert status == 200, answer
    return sorted(hit["_source"]["title"] for hit in answer["hits"]["hits"])


def test_node_is_opensearch_2_19_with_the_modules(opensearch_node: str) -> None:
    status, info = request("GET", opensearch_node)
    assert status == 200 and info["version"]["number"].startswith("2.19.")
    _, plugins = request("GET", f"{opensearch_node}/_cat/plugins", params={"format": "json"})
    names = {p["component"].rsplit(".", 1)[-1] for p in plugins}
    assert {"CommonAnalysisPlugin", "PainlessPlugin", "ReindexPlugin"} <= names


def test_cjk_bigram_search_and_terms_aggregation(opensearch_node: str) -> None:
    url = opensearch_node
    status, answer = request("PUT", f"{url}/smoke-cjk", CJK_INDEX)
    assert status == 200, answer
    _bulk(url, "smoke-cjk", DOCS)

    # Bigrams: a two-character word inside a run of Han characters is found, and a
    # phrase of bigrams matches only where they stand together.
    assert _titles(url, "smoke-cjk", {"match": {"title": "时代"}}) == [DOCS[0]["title"]]
    assert _titles(url, "smoke-cjk", {"match_phrase": {"title": "刀片电池"}}) == [DOCS[1]["title"]]
    assert _titles(url, "smoke-cjk", {"match_phrase": {"title": "锂价格"}}) == [DOCS[3]["title"]]
    # cjk_width folds full-width Latin, so ＬＩＴＨＩＵＭ is lithium.
    assert _titles(url, "smoke-cjk", {"match": {"title": "lithium"}}) == [DOCS[3]["title"]]

    status, answer = request("POST", f"{url}/smoke-cjk/_search", {
        "size": 0, "query": {"range": {"year": {"gte": 2023}}},
        "aggs": {"companies": {"terms": {"field": "company"}}}})
    assert status == 200, answer
    buckets = {b["key"]: b["doc_count"] for b in answer["aggregations"]["companies"]["buckets"]}
    assert buckets == {"CATL": 2, "BYD": 1, "Ganfeng": 1}


def test_bulk_of_two_thousand_and_a_painless_update(opensearch_node: str) -> None:
    url = opensearch_node
    docs = [{"title": f"LFP note {i} 锂电池", "company": ["CATL", "BYD"][i % 2], "year": 2024}
            for i in range(2000)]
    assert request("PUT", f"{url}/smoke-bulk", CJK_INDEX)[0] == 200
    answer = _bulk(url, "smoke-bulk", docs)
    assert len(answer["items"]) == 2000
    assert request("GET", f"{url}/smoke-bulk/_count")[1]["count"] == 2000

    # Scripted updates and update-by-query (the reindex module) for tags and stars.
    status, answer = request("POST", f"{url}/smoke-bulk/_update_by_query", {
        "query": {"term": {"company": "BYD"}},
        "script": {"lang": "painless", "source": "ctx._source.starred = true"}},
        params={"refresh": "true"})
    assert status == 200 and answer["updated"] == 1000, answer
    _, count = request("POST", f"{url}/smoke-bulk/_count", {"query": {"term": {"starred": True}}})
    assert count["count"] == 1000


def test_flood_stage_block_is_what_a_full_disk_gives(opensearch_node: str) -> None:
    # The node sets this block itself past the flood-stage watermark; setting it by hand
    # gives clients the same 429 and message without filling a disk.
    url = opensearch_node
    assert request("PUT", f"{url}/smoke-flood", {"settings": {"number_of_replicas": 0}})[0] == 200
    status, _ = request("PUT", f"{url}/smoke-flood/_settings",
                        {"index.blocks.read_only_allow_delete": True})
    assert status == 200
    status, answer = request("PUT", f"{url}/smoke-flood/_doc/1", {"title": "x"})
    assert status == 429, answer
    assert answer["error"]["type"] == "cluster_block_exception"
    assert "flood-stage watermark" in answer["error"]["reason"]
    assert request("DELETE", f"{url}/smoke-flood")[0] == 200


def test_basic_auth_admin_writes_reader_reads(opensearch_secured_node: SecuredNode) -> None:
    node = opensearch_secured_node
    status, answer = request("GET", node.url)
    assert status == 401 and answer["error"]["type"] == "security_exception"
    assert request("GET", node.url, auth=(node.admin[0], "wrong"))[0] == 401
    assert request("GET", node.url, auth=("nobody", node.admin[1]))[0] == 401

    _bulk(node.url, "smoke-auth", DOCS[:2], auth=node.admin)
    assert request("GET", f"{node.url}/smoke-auth/_doc/0", auth=node.reader)[0] == 200
    status, answer = request("POST", f"{node.url}/smoke-auth/_search",
                             {"query": {"match": {"title": "电池"}}}, auth=node.reader)
    assert status == 200 and answer["hits"]["total"]["value"] == 1

    for method, path, body in [("PUT", "/smoke-auth/_doc/9", {"title": "x"}),
                               ("POST", "/smoke-auth/_update_by_query", {}),
                               ("DELETE", "/smoke-auth", None)]:
        status, answer = request(method, node.url + path, body, auth=node.reader)
        assert status == 403, (method, path, answer)
        assert "may only read" in answer["error"]["reason"]
    assert request("GET", f"{node.url}/smoke-auth/_count", auth=node.admin)[1]["count"] == 2


@pytest.mark.slow
def test_three_node_cluster_survives_one_killed(
        opensearch_cluster: Callable[..., Cluster]) -> None:
    cluster = opensearch_cluster(3)
    url = cluster.nodes[0].url
    status, answer = request("PUT", f"{url}/smoke-cluster", {
        "settings": {"number_of_shards": 3, "number_of_replicas": 1}})
    assert status == 200, answer
    _, health = request("GET", f"{url}/_cluster/health/smoke-cluster",
                        params={"wait_for_status": "green", "timeout": "60s"})
    assert health["status"] == "green" and health["number_of_nodes"] == 3, health
    _bulk(url, "smoke-cluster", DOCS * 25)

    cluster.nodes[2].kill()
    # Every shard still has a copy on the two nodes left: all documents are found.
    _, health = request("GET", f"{url}/_cluster/health/smoke-cluster",
                        params={"wait_for_nodes": "2", "wait_for_status": "yellow",
                                "timeout": "60s"})
    assert health["number_of_nodes"] == 2 and not health["timed_out"], health
    _, count = request("GET", f"{cluster.nodes[1].url}/smoke-cluster/_count")
    assert count["count"] == len(DOCS) * 25

    cluster.restart(2)
    _, health = request("GET", f"{url}/_cluster/health/smoke-cluster",
                        params={"wait_for_status": "green", "timeout": "60s"})
    assert health["status"] == "green" and health["number_of_nodes"] == 3, health
