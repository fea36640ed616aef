"""A team library on a three-node cluster survives losing a node (issue 18), real JVMs.

Three nodes on loopback (small heaps, C1 JIT), an index of 3 shards with 1 replica. The
team client talks to one node (node-1, the address a team would give: in production a
load balancer or a coordinating node in front of the cluster); the nodes that go are
the others, each holding primaries. (a) node-3 is stopped while searches run: every
search answers with the full total and the embedded facet counts, while the node shuts
down, once it is gone and once the cluster is yellow again (the cluster's own health
says when, never a clock). (b) node-2 is killed (SIGKILL) during a bulk copy, the kill
driven by the copy's own progress (its first answered bulk, with the next on the wire):
a rerun of the update leaves every id exactly once, with the local store's hashes.
"""

from __future__ import annotations

import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from team_node import Cluster, request

from cellsight.core.model import SearchRequest
from cellsight.core.paths import seeds_dir
from cellsight.core.progress import Progress
from cellsight.core.team import indexer as team_indexer
from cellsight.core.team import open_team_library
from cellsight.core.team.indexer import TeamIndexer, _local_rows
from cellsight.core.team.library import TeamLibrary

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus import write_corpus  # noqa: E402

FILES = 600  # 300 indexed first, 300 more copied while a node dies
QUERIES = ("lithium", "battery NOT sodium", '"energy storage"', "company:CATL", "电池",
           "lithium date:[2023-01-01 to 2023-12-31]", "")


def _health(url: str, **wait: str) -> dict:
    status, health = request("GET", f"{url}/_cluster/health/team-cluster",
                             params={"timeout": "60s", **wait})
    assert status == 200 and not health.get("timed_out"), health
    return health


def _expected(lib: TeamLibrary) -> dict[str, tuple[int, dict]]:
    out = {}
    for q in QUERIES:
        embedded = lib.local.search(SearchRequest(query=q, limit=20))
        out[q] = (embedded.total, embedded.facets)
    return out


def _search_all(lib: TeamLibrary, expected: dict[str, tuple[int, dict]]) -> int:
    for q, (total, facets) in expected.items():
        mine = lib.search(SearchRequest(query=q, limit=20))
        assert mine.total == total, (q, mine.total, total)
        assert mine.facets == facets, q
    return len(expected)


@pytest.mark.slow
def test_a_cluster_keeps_answering_and_indexing_when_a_node_goes(
        opensearch_cluster: Callable[..., Cluster], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    cluster = opensearch_cluster(3)
    coordinator = cluster.nodes[0].url
    monkeypatch.setenv(team_indexer.ENV_SHARDS, "3")
    monkeypatch.setenv(team_indexer.ENV_REPLICAS, "1")
    monkeypatch.setattr(team_indexer, "BATCH_DOCS", 50)  # several bulks to die between
    monkeypatch.setattr(team_indexer, "BULKS_IN_FLIGHT", 2)  # one on the wire at the kill

    generated, src = tmp_path / "generated", tmp_path / "src"
    write_corpus(FILES, generated)
    files = sorted(p for p in generated.rglob("*") if p.is_file())
    first, later = files[: len(files) // 2], files[len(files) // 2:]
    for path in first:
        target = src / path.relative_to(generated)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)

    url = coordinator.replace("http://", "opensearch+http://") + "/team-cluster"
    with open_team_library(url, cache=tmp_path / "cache") as lib:
        report = lib.update([seeds_dir(), src])
        assert not report.failed, report.failed[:3]
        _s, settings = request("GET", f"{coordinator}/team-cluster/_settings",
                               params={"flat_settings": "true"})
        index = settings["team-cluster"]["settings"]
        assert (index["index.number_of_shards"], index["index.number_of_replicas"]) == ("3", "1")
        assert lib.searcher.shards() == 3  # searched dfs_query_then_fetch
        health = _health(coordinator, wait_for_status="green")
        assert health["active_shards"] == 6 and health["number_of_nodes"] == 3, health
        expected = _expected(lib)
        assert expected["lithium"][0] > 0 and expected[""][0] == lib.local.count() > 300
        _search_all(lib, expected)
        # Three shards scored by the index's statistics (dfs): the one-shard ranking.
        overlaps = []
        for q in QUERIES:
            req = SearchRequest(query=q, limit=20)
            mine = {h.id for h in lib.search(req).hits}
            theirs = {h.id for h in lib.local.search(req).hits}
            overlaps.append(len(mine & theirs) / max(1, len(mine), len(theirs)))
        assert sum(overlaps) / len(overlaps) >= 0.9, overlaps

        # (a) node-3 stops (SIGTERM: it hands its shards back) while searches run.
        leaving = cluster.nodes[2]
        leaving.process.send_signal(signal.SIGTERM)
        during = 0
        while True:  # at least one round while it shuts down, then until it has exited
            during += _search_all(lib, expected)
            if leaving.process.poll() is not None:
                break
        leaving.stop()  # reaps it and closes its pipe
        _search_all(lib, expected)  # gone, not yet noticed everywhere
        health = _health(coordinator, wait_for_nodes="2", wait_for_status="yellow")
        assert health["number_of_nodes"] == 2 and health["unassigned_shards"] <= 3, health
        _search_all(lib, expected)
        assert during >= len(QUERIES)

        cluster.restart(2)
        _health(coordinator, wait_for_nodes="3", wait_for_status="green")

        # (b) node-2 is killed during a bulk copy of 300 more documents.
        for path in later:
            target = src / path.relative_to(generated)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        victim = cluster.nodes[1]
        bulks: list[Progress] = []

        def kill_after_first_bulk(p: Progress) -> None:
            if p.stage == "team":
                bulks.append(p)
                if len(bulks) == 1:
                    victim.kill()

        lib.update(progress=kill_after_first_bulk)
        assert victim.process.poll() is not None and len(bulks) > 2
        sync = lib.last_sync
        assert sync is not None and sync.bulks >= 3 and sync.indexed > 0
        _health(coordinator, wait_for_nodes="2", wait_for_status="yellow")

        again = lib.update()  # sends whatever the lost node cost; nothing if nothing
        assert not again.failed, again.failed[:3]
        resent = lib.last_sync.indexed if lib.last_sync else 0
        print(f"\ncluster: top-20 overlap on 3 shards {[round(x, 2) for x in overlaps]}; "
              f"{during} searches while node-3 stopped; copy with node-2 killed: "
              f"{sync.bulks} bulks, {sync.indexed} indexed, {len(sync.failed)} failed, "
              f"{resent} sent by the rerun")
        local = _local_rows(lib.local.store)
        remote = TeamIndexer(lib.client).remote_hashes()
        assert remote == {doc_id: h for doc_id, (_seq, h) in local.items()}
        request("POST", f"{coordinator}/team-cluster/_refresh")
        _s, count = request("GET", f"{coordinator}/team-cluster/_count")
        assert count["count"] == len(local) == lib.count() > 600  # every id exactly once
        _search_all(lib, _expected(lib))
