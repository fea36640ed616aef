"""Price series in a team library's price index (issue 18): every member charts the same
series, each snapshot attributed to the member who sent it (real node, no mocks)."""

from __future__ import annotations

import json
import shutil
import socket
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from team_node import SecuredNode, request

from cellsight.core.prices_view import PriceBook
from cellsight.core.team.client import (
    Client,
    TeamMappingError,
    TeamReadOnlyError,
    TeamUnreachableError,
)
from cellsight.core.team.library import TeamLibrary
from cellsight.core.team.prices_sync import CACHE_FILE
from cellsight.core.team.url import TeamURL, parse_team_url

DATA = Path(__file__).resolve().parents[1] / "data"
NEWS = ("Nickel prices slipped as Indonesian output rose\n\nNickel producers in Indonesia "
        "shipped more matte this month, and cathode makers said nickel stocks were ample.")


def _url(node: str, index: str, user: str) -> str:
    return node.replace("http://", f"opensearch+http://{user}@") + "/" + index


def _open(node: str, index: str, user: str, cache: Path, *,
          client: Client | None = None) -> TeamLibrary:
    return TeamLibrary(parse_team_url(_url(node, index, user), env={}), cache=cache,
                       client=client)


def _sources(folder: Path) -> Path:
    """A price payload (ticker-data: manganese sulphate and nickel) and dated news."""
    folder.mkdir(parents=True)
    shutil.copy(DATA / "payloads" / "prices_only.txt", folder / "prices_only.txt")
    (folder / "nickel.txt").write_text(NEWS, encoding="utf-8")
    (folder / "nickel.meta.json").write_text(json.dumps({"date": "2026-03-15"}),
                                             encoding="utf-8")
    return folder


def _points(book: PriceBook) -> dict[str, list[tuple[str, float, str | None]]]:
    return {v.id: [(p.date.isoformat(), p.value, p.doc_id) for p in v.series.points]
            for v in book.series}


def _price_docs(node: str, index: str) -> list[dict[str, object]]:
    request("POST", f"{node}/{index}-prices/_refresh")
    _s, answer = request("POST", f"{node}/{index}-prices/_search", {"size": 100})
    return [h["_source"] for h in answer["hits"]["hits"]]


def test_members_share_price_series_attributed_replaced_and_removed(
        opensearch_node: str, tmp_path: Path) -> None:
    index = "prices-shared"
    src = _sources(tmp_path / "src")
    csv = tmp_path / "imports" / "long_multi.csv"
    csv.parent.mkdir()
    shutil.copy(DATA / "prices" / "long_multi.csv", csv)
    with _open(opensearch_node, index, "alice", tmp_path / "a") as a, \
            _open(opensearch_node, index, "bob", tmp_path / "b") as b:
        assert b.prices().series == ()  # nothing published yet: an empty book, no error
        a.update([src])
        assert a.import_prices(csv) == 2
        book_a, book_b = a.prices(), b.prices()
        assert {v.id for v in book_b.series} == {"manganese-sulphate", "nickel", "lithium",
                                                  "cobalt"}
        assert _points(book_b) == _points(book_a)  # the same series and points
        assert book_b.get("nickel").entity_ids == book_a.get("nickel").entity_ids
        who = b.price_sources()
        assert {s.user for got in who.values() for s in got} == {"alice"}
        assert [s.origin for s in who["lithium"]] == ["import:long_multi.csv"]

        # Market context and news markers for documents B never indexed.
        hits = b.search("nickel").hits
        news = next(h.id for h in hits if h.path.endswith("nickel.txt"))
        context = {c.view.id: c for c in b.market_context(b.document(news))}
        assert context["nickel"].at_date is not None and context["nickel"].latest.value == 88.25
        payload = next(h.id for h in b.search("manganese").hits
                       if h.path.endswith("prices_only.txt"))
        marks = b.news_markers(["nickel", "lithium"], [news, payload, "no-such-doc"])
        assert {(m.doc_id, m.series_id) for m in marks} == {(news, "nickel"),
                                                            (payload, "nickel")}
        assert marks == a.local.news_markers(["nickel", "lithium"], [news, payload])

        # A re-imports the file with a new value: replaced, not doubled.
        csv.write_text(csv.read_text(encoding="utf-8").replace("233.73", "240.5"),
                       encoding="utf-8")
        a.import_prices(csv)
        assert b.prices().get("lithium").series.points[0].value == 240.5
        docs = _price_docs(opensearch_node, index)
        assert len(docs) == 4 and len({d["id"] for d in docs}) == 4

        # B's own import adds B's snapshot and deletes none of A's.
        b.import_prices(DATA / "prices" / "lithium.csv")
        lithium = b.prices().get("lithium").series
        assert len(lithium.points) == 6 and set(lithium.sources) == {
            "import:long_multi.csv", "import:lithium.csv"}
        assert {(s.user, s.origin) for s in b.price_sources()["lithium"]} == {
            ("alice", "import:long_multi.csv"), ("bob", "import:lithium.csv")}
        assert len(_price_docs(opensearch_node, index)) == 5

        # A removes the payload and indexes again: its series are gone for B.
        (src / "prices_only.txt").unlink()
        a.update()
        assert {v.id for v in b.prices().series} == {"lithium", "cobalt"}
        assert b.market_context(b.document(news)) == ()
        assert len(_price_docs(opensearch_node, index)) == 3


class _Proxy(socketserver.ThreadingTCPServer):
    """A TCP forwarder to the node that can go away: the server "offline" for real."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, target: int) -> None:
        self.target, self.live = target, []
        super().__init__(("127.0.0.1", 0), _Pipe)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        for s in self.live:
            _close(s)


class _Pipe(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        up = socket.create_connection(("127.0.0.1", self.server.target))  # type: ignore[attr-defined]
        self.server.live += [self.request, up]  # type: ignore[attr-defined]
        threading.Thread(target=_pump, args=(up, self.request), daemon=True).start()
        _pump(self.request, up)


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        _close(src)
        _close(dst)


def _close(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    s.close()


@pytest.fixture
def proxy(opensearch_node: str) -> Iterator[_Proxy]:
    p = _Proxy(int(opensearch_node.rsplit(":", 1)[1]))
    yield p
    p.stop()


def test_an_offline_start_charts_the_last_fetched_book(
        opensearch_node: str, proxy: _Proxy, tmp_path: Path) -> None:
    index = "prices-offline"
    with _open(opensearch_node, index, "alice", tmp_path / "a") as a:
        a.import_prices(DATA / "prices" / "long_multi.csv")
    via = f"http://127.0.0.1:{proxy.server_address[1]}"
    with _open(via, index, "bob", tmp_path / "b") as b:
        fetched = _points(b.prices())
    assert set(fetched) == {"lithium", "cobalt"}
    assert (tmp_path / "b" / CACHE_FILE).is_file()

    url = parse_team_url(_url(via, index, "bob"), env={})
    with _open(via, index, "bob", tmp_path / "b", client=Client(url, backoff_s=0)) as again:
        proxy.stop()  # opened, then the server is gone before any price was asked
        with pytest.raises(TeamUnreachableError):
            again.ping()
        assert _points(again.prices()) == fetched
        assert [s.user for s in again.price_sources()["cobalt"]] == ["alice"]


def test_a_foreign_price_index_is_refused(opensearch_node: str, tmp_path: Path) -> None:
    index = "prices-foreign"
    request("PUT", f"{opensearch_node}/{index}-prices",
            {"mappings": {"properties": {"series_id": {"type": "text"}}}})
    with _open(opensearch_node, index, "alice", tmp_path / "a") as a:
        with pytest.raises(TeamMappingError, match="cannot hold the team library's price"):
            a.import_prices(DATA / "prices" / "lithium.csv")
        with pytest.raises(TeamMappingError, match="not created by Cellsight"):
            a.prices()


def test_a_read_only_member_reads_prices_and_may_not_import(
        opensearch_secured_node: SecuredNode, tmp_path: Path) -> None:
    node, index = opensearch_secured_node, "prices-readers"

    def address(who: tuple[str, str]) -> TeamURL:
        url = parse_team_url(_url(node.url, index, who[0]), env={})
        return replace(url, password=who[1])

    with TeamLibrary(address(node.admin), cache=tmp_path / "a") as admin:
        admin.import_prices(DATA / "prices" / "long_multi.csv")
    with TeamLibrary(address(node.reader), cache=tmp_path / "r", check_access=True) as reader:
        assert reader.read_only
        assert {v.id for v in reader.prices().series} == {"lithium", "cobalt"}
        assert {s.user for s in reader.price_sources()["lithium"]} == {node.admin[0]}
        with pytest.raises(TeamReadOnlyError) as refused:
            reader.import_prices(DATA / "prices" / "lithium.csv")
        assert str(refused.value) == reader.read_only_reason
    with TeamLibrary(address(node.reader), cache=tmp_path / "cli") as cli:
        # Not asked at open (the CLI): the server refuses before anything is imported.
        with pytest.raises(TeamReadOnlyError, match=r"may search .* but not change it"):
            cli.import_prices(DATA / "prices" / "lithium.csv")
        assert cli.local.user.imported_series() == []
        assert {v.id for v in cli.prices().series} == {"lithium", "cobalt"}
    with TeamLibrary(address(node.admin), cache=tmp_path / "a2") as other:
        assert len(other.prices().get("lithium").series.points) == 3  # nothing was added
