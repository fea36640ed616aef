"""Fixtures that run real OpenSearch nodes (no mocks: team-backend tests speak HTTP to them).

`opensearch_node` is one open node for the whole session; `opensearch_secured_node` a second
one, started only if a test asks, with basic auth (an admin and a read-only user);
`opensearch_cluster` starts an N-node loopback cluster for one test and stops it after.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from team_node import Cluster, Node, NodeError, SecuredNode, build, start_cluster, start_node


@pytest.fixture(scope="session")
def opensearch_build() -> None:
    try:
        build()
    except NodeError as e:
        pytest.fail(str(e), pytrace=False)


def _started(node: Node) -> str:
    try:
        return node.wait_ready()
    except NodeError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="session")
def opensearch_node(tmp_path_factory: pytest.TempPathFactory,
                    opensearch_build: None) -> Iterator[str]:
    """The URL of a single-node OpenSearch 2.19 on a free loopback port, without auth."""
    node = start_node(tmp_path_factory.mktemp("opensearch"))
    try:
        yield _started(node)
    finally:
        node.stop()


@pytest.fixture(scope="session")
def opensearch_secured_node(tmp_path_factory: pytest.TempPathFactory,
                            opensearch_build: None) -> Iterator[SecuredNode]:
    work = tmp_path_factory.mktemp("opensearch-secured")
    admin = ("admin", secrets.token_urlsafe(12))
    reader = ("reader", secrets.token_urlsafe(12))
    users = work / "users.txt"
    users.write_text(f"{admin[0]}:{admin[1]}:rw\n{reader[0]}:{reader[1]}:ro\n", encoding="utf-8")
    node = start_node(work / "node", users=users)
    try:
        yield SecuredNode(url=_started(node), admin=admin, reader=reader)
    finally:
        node.stop()


@pytest.fixture
def opensearch_cluster(tmp_path: Path, opensearch_build: None) -> Iterator[Callable[..., Cluster]]:
    """A factory: `opensearch_cluster(3)` starts three JVMs and waits until they form."""
    started: list[Cluster] = []

    def start(size: int = 3) -> Cluster:
        try:
            cluster = start_cluster(tmp_path / f"cluster-{len(started)}", size)
        except NodeError as e:
            pytest.fail(str(e), pytrace=False)
        started.append(cluster)
        return cluster

    yield start
    for cluster in started:
        cluster.stop()
