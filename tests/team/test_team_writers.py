"""Two machines indexing different folders into one team library (real node): each sync
deletes only what its own writer sent; a version-1 index is upgraded and its documents
claimed; every document says which member sent it."""

from __future__ import annotations

from pathlib import Path

from team_node import request

from cellsight.core.team import open_team_library
from cellsight.core.team.mapping import index_body, upgrade_body
from cellsight.core.team.writer import writer_id


def _url(node: str, index: str) -> str:
    return node.replace("http://", "opensearch+http://") + "/" + index


def _write(folder: Path, stem: str, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"{stem}{i}.txt").write_text(
            f"{stem} note {i}\n\nThe {stem} desk reports cathode shipments, batch {stem}x{i}.",
            encoding="utf-8")


def _sources(node: str, index: str) -> dict[str, dict]:
    request("POST", f"{node}/{index}/_refresh")
    _s, answer = request("POST", f"{node}/{index}/_search",
                         {"size": 100, "_source": ["origin", "indexed_by", "indexed_at"]})
    return {h["_id"]: h["_source"] for h in answer["hits"]["hits"]}


def test_each_writer_deletes_only_its_own(opensearch_node: str, tmp_path: Path) -> None:
    url = _url(opensearch_node, "team-writers")
    with open_team_library(url, cache=tmp_path / "a-cache") as a:
        _write(tmp_path / "a", "alpha", 3)
        a.local.add_sources([tmp_path / "a"])
        a.update()
        a_ids = set(a.local.store.all_ids())
    with open_team_library(url, cache=tmp_path / "b-cache") as b:
        _write(tmp_path / "b", "beta", 2)
        b.local.add_sources([tmp_path / "b"])
        b.update()
        assert b.last_sync is not None and b.last_sync.deleted == 0
        assert b.last_sync.others == 3  # alpha's documents seen and left alone
        assert b.count() == 5
        b_ids = set(b.local.store.all_ids())

    docs = _sources(opensearch_node, "team-writers")
    assert set(docs) == a_ids | b_ids
    wa, wb = writer_id(tmp_path / "a-cache"), writer_id(tmp_path / "b-cache")
    assert wa != wb
    assert {docs[i]["origin"] for i in a_ids} == {wa}
    assert {docs[i]["origin"] for i in b_ids} == {wb}
    assert all(d["indexed_by"] and d["indexed_at"] for d in docs.values())

    # alpha drops a file, then empties its folder: only alpha's documents go.
    (tmp_path / "a" / "alpha0.txt").unlink()
    with open_team_library(url, cache=tmp_path / "a-cache") as a:
        a.update()
        assert a.last_sync is not None and a.last_sync.deleted == 1
        assert a.count() == 4
        for f in (tmp_path / "a").iterdir():
            f.unlink()
        a.update()
        assert a.last_sync.deleted == 2 and a.last_sync.others == 2
        assert a.count() == 2
        assert a.search("beta").total == 2 and a.search("alpha").total == 0


def test_version_one_index_upgraded_and_claimed(opensearch_node: str, tmp_path: Path) -> None:
    index = "team-v1"
    body = index_body()
    new_fields = upgrade_body()["properties"]
    for name in new_fields:
        del body["mappings"]["properties"][name]
    body["mappings"]["_meta"] = {"cellsight_mapping": 1}
    request("PUT", f"{opensearch_node}/{index}", body)
    url = _url(opensearch_node, index)
    _write(tmp_path / "src", "gamma", 2)
    with open_team_library(url, cache=tmp_path / "first") as lib:
        lib.local.add_sources([tmp_path / "src"])
        lib.local.update()  # read locally only, then copy as a version-1 writer would
        ids = sorted(lib.local.store.all_ids())
        for doc_id in ids:
            doc = lib.local.store.document(doc_id)
            assert doc is not None
            request("PUT", f"{opensearch_node}/{index}/_doc/{doc_id}",
                    {"id": doc_id, "seq": 1, "content_hash": "old", "title_terms": "gamma",
                     "body_terms": "gamma", "stored": {}})
        request("PUT", f"{opensearch_node}/{index}/_doc/legacy-other",
                {"id": "legacy-other", "seq": 9, "content_hash": "x", "title_terms": "delta",
                 "body_terms": "delta", "stored": {}})
        lib.update()
        _s, mapping = request("GET", f"{opensearch_node}/{index}/_mapping")
        props = mapping[index]["mappings"]
        assert props["_meta"]["cellsight_mapping"] == 2
        assert set(new_fields) <= set(props["properties"])
        docs = _sources(opensearch_node, index)
        me = writer_id(tmp_path / "first")
        assert {docs[i]["origin"] for i in ids} == {me}  # claimed (and re-sent whole)
        assert "legacy-other" in docs  # not this writer's: kept
        assert lib.search("gamma").total == 2
