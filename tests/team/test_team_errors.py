"""Bad input against a team library: each a clear message, never a traceback.

Every case talks HTTP to a real node, except the version check, which needs a server of
another version: a tiny local HTTP server answers ``GET /`` as one would (the only fake).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from team_node import SecuredNode, request

from cellsight.core.errors import CellsightError
from cellsight.core.paths import seeds_dir
from cellsight.core.team import open_team_library, parse_team_url
from cellsight.core.team.client import (
    REFUSED_PAUSE_S,
    Client,
    TeamAuthError,
    TeamDiskFullError,
    TeamMappingError,
    TeamReadOnlyError,
    TeamUnreachableError,
    TeamVersionError,
)


def _team(node_url: str, index: str, user: tuple[str, str] | None = None) -> str:
    who = f"{user[0]}:{user[1]}@" if user else ""
    return node_url.replace("http://", f"opensearch+http://{who}") + "/" + index


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_nothing_listening_fails_fast_after_one_quick_retry(tmp_path: Path) -> None:
    # A refused connection is not a busy server: one quick retry, then the message
    # (an interactive command hears it in well under a second), not the backoff.
    url = parse_team_url(f"opensearch+http://127.0.0.1:{_free_port()}/x", env={})
    pauses: list[float] = []
    attempts: list[str] = []
    client = Client(url, backoff_s=0.5, sleep=pauses.append,  # the pauses, not slept
                    on_attempt=lambda method, target: attempts.append(method))
    with pytest.raises(TeamUnreachableError, match=r"Cannot reach .*nothing is listening"):
        open_team_library(url.display, client=client, cache=tmp_path)
    assert attempts == ["GET", "GET"] and pauses == [REFUSED_PAUSE_S]


def test_busy_server_still_backs_off(version_server: tuple[int, type[_Version]]) -> None:
    # 503 twice (a cluster electing a manager, a node busy), then an answer.
    port, handler = version_server
    handler.answer = {"name": "n", "version": {"number": "2.19.0",
                                               "distribution": "opensearch"}}
    handler.busy = 2
    pauses: list[float] = []
    client = Client(parse_team_url(f"opensearch+http://127.0.0.1:{port}/x", env={}),
                    backoff_s=0.5, sleep=pauses.append)
    assert client.check_server() == "2.19.0"
    assert pauses == [0.5, 1.0]


def test_wrong_credentials_and_read_only_member(opensearch_secured_node: SecuredNode,
                                                tmp_path: Path) -> None:
    node = opensearch_secured_node
    with pytest.raises(TeamAuthError, match=r"refused the credentials .*'admin'"):
        open_team_library(_team(node.url, "team-auth", (node.admin[0], "wrong")),
                          cache=tmp_path / "a")
    with pytest.raises(TeamAuthError, match=r"no credentials"):
        open_team_library(_team(node.url, "team-auth"), cache=tmp_path / "b")

    with open_team_library(_team(node.url, "team-auth", node.admin), cache=tmp_path / "c") as lib:
        lib.update([seeds_dir()])
        total = lib.search("lithium").total
    with open_team_library(_team(node.url, "team-auth", node.reader), cache=tmp_path / "d") as lib:
        assert lib.search("lithium").total == total > 0  # a reader searches
        with pytest.raises(TeamReadOnlyError, match=r"may search .* but not change it"):
            lib.update([seeds_dir()])
        assert lib.local.count() == 0  # refused before any file was read


class _Version(BaseHTTPRequestHandler):
    answer: dict[str, object] = {}
    busy = 0  # answer 503 this many times first

    def do_GET(self) -> None:
        data = json.dumps(self.answer).encode()
        status = 503 if type(self).busy > 0 else 200
        type(self).busy -= 1
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def version_server() -> Iterator[tuple[int, type[_Version]]]:
    handler = type("Handler", (_Version,), {"answer": {}, "busy": 0})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], handler
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("version, says", [
    ({"number": "1.3.14", "distribution": "opensearch"}, "OpenSearch 1.3.14; this Cellsight "
                                                         "needs OpenSearch 2.x"),
    ({"number": "3.1.0", "distribution": "opensearch"}, "OpenSearch 3.1.0"),
    ({"number": "8.13.0", "build_flavor": "default"}, "Elasticsearch 8.13.0, not OpenSearch"),
])
def test_another_major_version(version_server: tuple[int, type[_Version]], tmp_path: Path,
                               version: dict[str, str], says: str) -> None:
    port, handler = version_server
    handler.answer = {"name": "n", "version": version}
    with pytest.raises(TeamVersionError, match=says):
        open_team_library(f"opensearch+http://127.0.0.1:{port}/x", cache=tmp_path)


def test_an_index_with_a_foreign_mapping(opensearch_node: str, tmp_path: Path) -> None:
    status, _ = request("PUT", f"{opensearch_node}/team-foreign",
                        {"mappings": {"properties": {"id": {"type": "long"}}}})
    assert status == 200
    with open_team_library(_team(opensearch_node, "team-foreign"), cache=tmp_path) as lib:
        with pytest.raises(TeamMappingError, match=r"not created by Cellsight"):
            lib.update([seeds_dir()])
        assert lib.local.count() == 0


def test_a_full_disk_on_the_node(opensearch_node: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "one.txt").write_text("First note\n\nLithium prices rose.", encoding="utf-8")
    url = _team(opensearch_node, "team-flood")
    with open_team_library(url, cache=tmp_path / "cache") as lib:
        lib.update([src])
        # What the node does past its flood-stage watermark (test_node_smoke shows it).
        status, _ = request("PUT", f"{opensearch_node}/team-flood/_settings",
                            {"index.blocks.read_only_allow_delete": True})
        assert status == 200
        (src / "two.txt").write_text("Second note\n\nCobalt prices fell.", encoding="utf-8")
        try:
            with pytest.raises(TeamDiskFullError, match=r"disk is full.*flood-stage"):
                lib.update()
        finally:
            request("PUT", f"{opensearch_node}/team-flood/_settings",
                    {"index.blocks.read_only_allow_delete": None})
        assert lib.update().failed == ()  # space again: the next run sends what was left
        assert lib.search("cobalt").total == 1


def test_errors_are_cellsight_errors() -> None:
    for kind in (TeamUnreachableError, TeamAuthError, TeamReadOnlyError, TeamVersionError,
                 TeamMappingError, TeamDiskFullError):
        assert issubclass(kind, CellsightError)  # the CLI prints them, exit code 1
