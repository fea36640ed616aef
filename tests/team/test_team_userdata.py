"""The team's own data (issue 18): saved searches, alerts, tags, stars, notes, quotes and
catalogue edits in ``<index>-userdata``, each change attributed to its member.

Two members are two TeamLibrary objects with their own cache folders on one real node
and one index name (unique per test); the kill is a real SIGKILL of a subprocess at the
sync's own fault point, never a timing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from team_node import SecuredNode, request

from cellsight.core.team import open_team_library, parse_team_url
from cellsight.core.team.client import Client, TeamReadOnlyError, TeamUnreachableError
from cellsight.core.team.library import TeamLibrary
from cellsight.core.workbench.records import AlertRule, SavedSearch


def _url(node: str, index: str, user: str, password: str = "") -> str:
    who = f"{user}:{password}@" if password else f"{user}@"
    return node.replace("http://", f"opensearch+http://{who}") + "/" + index


def _index() -> str:
    return f"ud-{uuid.uuid4().hex[:10]}"


def _records(node: str, index: str, auth: tuple[str, str] | None = None) -> list[str]:
    request("POST", f"{node}/{index}-userdata/_refresh", auth=auth)
    _s, answer = request("POST", f"{node}/{index}-userdata/_search",
                         {"size": 1000, "_source": False, "sort": [{"rid": "asc"}]}, auth=auth)
    return [h["_id"] for h in answer["hits"]["hits"]]


def _notes(lib: TeamLibrary, doc_id: str) -> list[str]:
    return [n.text for n in lib.workbench.annotations(doc_id).notes]


def test_two_members_share_everything_each_change_attributed(opensearch_node: str,
                                                             tmp_path: Path) -> None:
    index = _index()
    a = open_team_library(_url(opensearch_node, index, "alice"), cache=tmp_path / "a")
    b = open_team_library(_url(opensearch_node, index, "bob"), cache=tmp_path / "b")
    with a, b:
        st = a.workbench.store
        st.save_search(SavedSearch("lithium", "lithium", filters=(("company", "CATL"),)))
        st.save_alert(AlertRule("nickel high", "lme-nickel", "above", level=20000.0))
        st.tag(["d1"], "battery", "review")
        st.set_star("d1")
        first = st.add_note("d1", "first thought")
        st.add_note("d2", "on d2")
        st.edit_note(first.id, "second thought")
        st.add_quote("d1", 0, 5, "Quote")
        a.add_user_entity("Acme Cells", "company", "Acme Cells")
        a.add_alias("user-acme-cells", "ACME")
        a.hide_entity("catl")
        assert b.workbench.tags() == []  # B's tag facet cached before the pull
        b.catalogue()  # and its catalogue built

        sent = a.sync_user_data()
        assert (sent.pushed, sent.pulled) == (11, 0)
        got = b.sync_user_data()
        assert (got.pulled, got.pushed, got.catalogue_changed) == (11, 0, True)

        wb = b.workbench
        assert [s.name for s in wb.saved_searches()] == ["lithium"]
        assert wb.saved("lithium").filters == (("company", "CATL"),)
        assert [r.name for r in wb.store.alerts()] == ["nickel high"]
        assert wb.tags() == ["battery", "review"]  # the cache saw the pull
        ann = wb.annotations("d1")
        assert ann.starred and ann.tags == ("battery", "review")
        assert [n.text for n in ann.notes] == ["second thought"]
        assert [q.text for q in ann.quotes] == ["Quote"]
        entity = next(e for e in b.catalogue().entities if e.id == "user-acme-cells")
        assert "ACME" in entity.aliases
        assert "catl" in b.local.user.changes().hidden
        by = b.user_data_author("note", ann.notes[0].id)
        assert by is not None and by.user == "alice"
        assert b.user_data_author("saved", "lithium").user == "alice"  # type: ignore[union-attr]
        assert b.user_data_author("tag", ("d1", "battery")).user == "alice"  # type: ignore[union-attr]

        # B removes a tag and rewrites A's note; A sees both, attributed to B.
        wb.store.untag(["d1"], "review")
        wb.store.edit_note(ann.notes[0].id, "bob disagrees")
        assert b.sync_user_data().pushed == 2
        back = a.sync_user_data()
        assert (back.pulled, back.pushed, back.catalogue_changed) == (2, 0, False)
        assert a.workbench.annotations("d1").tags == ("battery",)
        assert _notes(a, "d1") == ["bob disagrees"]
        assert a.user_data_author("note", first.id).user == "bob"  # type: ignore[union-attr]
        assert a.user_data_author("tag", ("d1", "review")) is None  # gone

        for lib in (a, b):  # settled: nothing moves either way
            again = lib.sync_user_data()
            assert (again.pulled, again.pushed, again.conflicts) == (0, 0, 0)
    ids = _records(opensearch_node, index)
    assert len(ids) == len(set(ids)) == 11  # the removed tag is a tombstone, not a copy


def test_concurrent_edits_the_later_edit_wins_not_the_later_sync(opensearch_node: str,
                                                                tmp_path: Path) -> None:
    index = _index()
    a = open_team_library(_url(opensearch_node, index, "alice"), cache=tmp_path / "a")
    b = open_team_library(_url(opensearch_node, index, "bob"), cache=tmp_path / "b")
    with a, b:
        note = a.workbench.store.add_note("d1", "draft")
        a.sync_user_data()
        b.sync_user_data()
        b_note = b.workbench.annotations("d1").notes[0]
        b.workbench.store.edit_note(b_note.id, "bob's edit")  # first
        a.sync_user_data()  # a round trip between the two edits: their times differ
        a.workbench.store.edit_note(note.id, "alice's edit")  # later
        assert a.sync_user_data().pushed == 1
        # Bob syncs last, but his edit is the earlier one (and a tie would go to "bob").
        late = b.sync_user_data()
        assert (late.conflicts, late.pulled, late.pushed) == (1, 1, 0)
        assert _notes(b, "d1") == _notes(a, "d1") == ["alice's edit"]
        assert a.sync_user_data().pulled == 0


_SYNC = """
import sys
from pathlib import Path
from cellsight.core.team import open_team_library
with open_team_library(sys.argv[1], cache=Path(sys.argv[2])) as lib:
    print(lib.sync_user_data())
"""


def test_sync_killed_mid_push_then_resumed(opensearch_node: str, tmp_path: Path) -> None:
    index = _index()
    url_a = _url(opensearch_node, index, "alice")
    with open_team_library(url_a, cache=tmp_path / "a") as a:
        for i in range(25):
            a.workbench.store.tag([f"d{i:02d}"], "pile")
    env = {**os.environ, "CELLSIGHT_TEAM_BULK_DOCS": "10",
           "CELLSIGHT_FAULTS": "team-userdata:3"}  # 1: pulled, 2, 3: bulks answered
    killed = subprocess.run([sys.executable, "-c", _SYNC, url_a, str(tmp_path / "a")],
                            capture_output=True, text=True, env=env)
    assert killed.returncode == -9, killed.stderr
    assert len(_records(opensearch_node, index)) == 20  # sent; the second bulk unremembered

    with open_team_library(url_a, cache=tmp_path / "a") as a, \
            open_team_library(_url(opensearch_node, index, "bob"), cache=tmp_path / "b") as b:
        resumed = a.sync_user_data()
        assert (resumed.pushed, resumed.pulled, resumed.conflicts) == (5, 0, 0)
        assert b.sync_user_data().pulled == 25
        assert b.workbench.store.all_tags()["pile"] == a.workbench.store.all_tags()["pile"]
        assert len(b.workbench.store.all_tags()["pile"]) == 25
        assert (a.sync_user_data().pushed, b.sync_user_data().pushed) == (0, 0)
    ids = _records(opensearch_node, index)
    assert len(ids) == len(set(ids)) == 25


def test_reader_pulls_but_cannot_push(opensearch_secured_node: SecuredNode,
                                      tmp_path: Path) -> None:
    node, index = opensearch_secured_node, _index()
    with open_team_library(_url(node.url, index, *node.admin), cache=tmp_path / "w") as w:
        w.workbench.store.save_search(SavedSearch("sodium", "sodium"))
        w.sync_user_data()
    reader = _url(node.url, index, *node.reader)
    # The window's open (check_access) pulls at once.
    with TeamLibrary(parse_team_url(reader), cache=tmp_path / "r", check_access=True) as r:
        assert r.read_only and [s.name for s in r.workbench.saved_searches()] == ["sodium"]
        assert r.user_data_author("saved", "sodium").user == "admin"  # type: ignore[union-attr]
        r.workbench.store.tag(["d1"], "mine")
        with pytest.raises(TeamReadOnlyError, match=r"may search and read .* not change it"):
            r.sync_user_data()
    # The CLI's open learns it at the first push: refused the same way, after pulling.
    with open_team_library(reader, cache=tmp_path / "cli") as r:
        r.workbench.store.tag(["d1"], "mine")
        with pytest.raises(TeamReadOnlyError, match=r"saved searches and annotations"):
            r.sync_user_data()
        assert r.read_only and r.last_user_sync.pending == 1  # type: ignore[union-attr]
        assert [s.name for s in r.workbench.saved_searches()] == ["sodium"]
        assert r.workbench.annotations("d1").tags == ("mine",)  # kept here
    assert _records(node.url, index, auth=node.admin) == ["saved:sodium"]


def test_unreachable_server_keeps_the_change_for_the_next_sync(opensearch_node: str,
                                                               tmp_path: Path) -> None:
    index = _index()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]  # closed again: nothing listens there
    a = open_team_library(_url(opensearch_node, index, "alice"), cache=tmp_path / "a")
    b = open_team_library(_url(opensearch_node, index, "bob"), cache=tmp_path / "b")
    with a, b:
        live = a.user_data.client
        a.user_data.client = Client(parse_team_url(
            f"opensearch+http://alice@127.0.0.1:{dead_port}/{index}", env={}), backoff_s=0)
        a.workbench.store.tag(["d1"], "offline")
        with pytest.raises(TeamUnreachableError, match="Cannot reach"):
            a.sync_user_data()
        assert a.workbench.annotations("d1").tags == ("offline",)
        a.user_data.client = live  # the server is back
        assert a.sync_user_data().pushed == 1
        assert b.sync_user_data().pulled == 1
        assert b.workbench.annotations("d1").tags == ("offline",)


def _cli(url: str, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CELLSIGHT_TEAM_CACHE": str(cache)}
    env.pop("CELLSIGHT_FAULTS", None)
    return subprocess.run([sys.executable, "-m", "cellsight", "--library", url, *args],
                          capture_output=True, text=True, env=env)


def test_cli_saved_list_names_the_author(opensearch_node: str, tmp_path: Path) -> None:
    index = _index()
    added = _cli(_url(opensearch_node, index, "alice"), tmp_path / "a", "saved", "add",
                 "cells", "sodium")
    assert added.returncode == 0, added.stderr
    listed = _cli(_url(opensearch_node, index, "bob"), tmp_path / "b", "saved", "list")
    assert listed.returncode == 0, listed.stderr
    assert "cells:" in listed.stdout and "by alice" in listed.stdout
    with open_team_library(_url(opensearch_node, index, "carol"),
                           cache=tmp_path / "c") as fresh:  # a third cache sees it too
        fresh.sync_user_data()
        saved = fresh.workbench.store.saved("cells")
        assert saved is not None and saved.query == "sodium"
