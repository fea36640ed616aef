"""Catalogue edits re-tag the team documents other members indexed (issue 18; real node).

Member A indexes a folder; member B (another cache, no sources) edits the catalogue and
applies it: B's entity, alias and hidden entity reach A's documents on the server, only
the documents whose enrichment changes are sent, A's next sync leaves them alone, and a
run killed after its first bulk is finished by the next."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from team_node import request

from cellsight.core.model import SearchRequest
from cellsight.core.team import open_team_library
from cellsight.core.team.retag import APPLIED_FILE
from cellsight.core.team.writer import writer_id

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
FOOBAR = ("Foobarium Cells opens a plant\n\nFoobarium Cells said on Monday that its new "
          "factory in Nevada will make sodium-ion cells for grid storage from next year.")
CHINESE = ("富巴锂电与特斯拉签约\n\n富巴锂电宣布与特斯拉签订储能电池供应协议，"
           "将在明年向其供应磷酸铁锂电池。")
PLAIN = "Copper prices\n\nCopper prices rose on the London Metal Exchange this week."


def _url(node: str, name: str) -> str:
    return node.replace("http://", "opensearch+http://") + f"/{name}-{uuid.uuid4().hex[:8]}"


def _index(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _folder(tmp: Path) -> Path:
    src = tmp / "src"
    src.mkdir()
    for name in sorted(os.listdir(SEEDS))[:3]:
        shutil.copy(SEEDS / name, src / name)
    (src / "foobar.txt").write_text(FOOBAR, encoding="utf-8")
    (src / "zh.txt").write_text(CHINESE, encoding="utf-8")
    (src / "plain.txt").write_text(PLAIN, encoding="utf-8")
    return src


def _facet(lib, field: str, value: str) -> int:  # type: ignore[no-untyped-def]
    got = lib.search(SearchRequest(query="", with_facets=True)).facets.get(field, ())
    return next((c.count for c in got if c.value == value), 0)


def _sources(node: str, index: str) -> dict[str, dict]:  # type: ignore[type-arg]
    request("POST", f"{node}/{index}/_refresh")
    _s, answer = request("POST", f"{node}/{index}/_search",
                         {"size": 100, "_source": {"excludes": ["stored"]}})
    return {h["_id"]: h["_source"] for h in answer["hits"]["hits"]}


def test_edits_reach_documents_another_member_indexed(opensearch_node: str,
                                                      tmp_path: Path) -> None:
    url = _url(opensearch_node, "team-retag")
    index = _index(url)
    src = _folder(tmp_path)
    a_cache, b_cache = tmp_path / "a", tmp_path / "b"
    with open_team_library(url, cache=a_cache) as a:
        a.update([src])
        total = a.count()
        assert total == 6
        tesla = _facet(a, "company", "Tesla")
        assert tesla >= 2  # two seeds and the Chinese note
    before = _sources(opensearch_node, index)

    with open_team_library(url, cache=b_cache) as b:
        assert not b.sources()
        entity = b.add_user_entity("Foobarium Cells", "company", "Foobarium Cells")
        b.apply_catalogue_changes()
        report = b.last_retag
        assert report is not None and report.complete
        # Only the document with the phrase was a candidate, and it alone was sent.
        assert (report.examined, report.retagged, report.unchanged) == (1, 1, 0)
        found = b.search('company:"Foobarium Cells"')
        assert found.total == 1 and found.hits[0].title == "Foobarium Cells opens a plant"
        assert _facet(b, "company", "Foobarium Cells") == 1

        after = _sources(opensearch_node, index)
        changed = [i for i in after if after[i].get("retagged_by")]
        assert len(changed) == 1
        doc = after[changed[0]]
        old = before[changed[0]]
        # Where it came from is kept: A's next sync sees its own, unchanged document.
        for name in ("seq", "content_hash", "origin", "indexed_by", "indexed_at"):
            assert doc.get(name) == old.get(name), name
        assert doc["origin"] == writer_id(a_cache)
        assert "Foobarium Cells" in doc["company"] and doc["retagged_at"]
        assert all(after[i] == before[i] for i in after if i != changed[0])  # not re-sent

        # An alias, in Chinese: the phrase is found as a search for it finds it.
        b.add_alias(entity.id, "富巴锂电")
        b.apply_catalogue_changes()
        assert (b.last_retag.examined, b.last_retag.retagged) == (1, 1)
        assert b.search('company:"Foobarium Cells"').total == 2
        assert _facet(b, "company", "Foobarium Cells") == 2

        # Hiding an entity drops it from every document the server holds.
        b.hide_entity("tesla")
        b.apply_catalogue_changes()
        assert b.last_retag.retagged == tesla == b.last_retag.examined
        assert _facet(b, "company", "Tesla") == 0
        assert b.search("company:Tesla").total == 0

        # Nothing pending: a rerun sends nothing, and asks nothing of the documents.
        b.apply_catalogue_changes()
        assert b.last_retag.edits == 0 and b.last_retag.retagged == 0
        # Forgetting what was applied re-examines, and still sends nothing (idempotent).
        (b_cache / APPLIED_FILE).unlink()
        b.apply_catalogue_changes()
        assert b.last_retag.edits == 3 and b.last_retag.examined > 0
        assert b.last_retag.retagged == 0

        # Taken back (unhidden): the documents get the entity again.
        b.local.user.unhide_entity("tesla")
        b.apply_catalogue_changes()
        assert b.last_retag.retagged == tesla
        assert _facet(b, "company", "Tesla") == tesla

    # A, who never made the edits, finds them and its sync does not undo them.
    with open_team_library(url, cache=a_cache) as a:
        a.update()
        assert a.last_sync is not None and a.last_sync.indexed == 0
        assert a.search('company:"Foobarium Cells"').total == 2


def test_killed_retag_is_finished_by_the_next_run(opensearch_node: str, tmp_path: Path) -> None:
    url = _url(opensearch_node, "team-retag-kill")
    src = tmp_path / "src"
    src.mkdir()
    for i in range(4):
        (src / f"q{i}.txt").write_text(f"Quarkon Energy note {i}\n\nQuarkon Energy shipped "
                                       f"{i + 2} containers of cells.", encoding="utf-8")
    (src / "other.txt").write_text(PLAIN, encoding="utf-8")
    with open_team_library(url, cache=tmp_path / "a") as a:
        a.update([src])
    b_cache = tmp_path / "b"
    with open_team_library(url, cache=b_cache) as b:
        b.add_user_entity("Quarkon Energy", "company", "Quarkon Energy")

    script = ("import sys\nfrom pathlib import Path\nfrom cellsight.core.team import "
              "open_team_library\nwith open_team_library(sys.argv[1], cache=Path(sys.argv[2]))"
              " as b:\n    b.apply_catalogue_changes()\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELLSIGHT_FAULTS")}
    env |= {"CELLSIGHT_FAULTS": "team-bulk:1", "CELLSIGHT_TEAM_BULK_DOCS": "1"}
    killed = subprocess.run([sys.executable, "-c", script, url, str(b_cache)],
                            capture_output=True, text=True, env=env)
    assert killed.returncode == -9, killed.stderr  # killed right after its first bulk
    assert not (b_cache / APPLIED_FILE).exists()

    request("POST", f"{opensearch_node}/{_index(url)}/_refresh")  # the killed run could not
    with open_team_library(url, cache=b_cache) as b:
        assert b.search('company:"Quarkon Energy"').total == 1
        b.apply_catalogue_changes()
        assert (b.last_retag.examined, b.last_retag.retagged) == (4, 3)
        assert b.search('company:"Quarkon Energy"').total == 4
        b.apply_catalogue_changes()
        assert b.last_retag.edits == 0


def test_edits_wait_for_the_index_and_odd_surfaces(opensearch_node: str, tmp_path: Path) -> None:
    from cellsight.core.query.team_searcher import TeamSearcher
    from cellsight.core.team.retag import surface_clause

    url = _url(opensearch_node, "team-retag-wait")
    b_cache = tmp_path / "b"
    with open_team_library(url, cache=b_cache) as b:
        b.add_user_entity("Foobarium Cells", "company", "Foobarium Cells")
        b.apply_catalogue_changes()  # no team index yet: nothing to re-tag, kept pending
        assert b.last_retag.no_index and not (b_cache / APPLIED_FILE).exists()
    src = tmp_path / "src"
    src.mkdir()
    (src / "foobar.txt").write_text(FOOBAR, encoding="utf-8")
    with open_team_library(url, cache=tmp_path / "a") as a:
        a.update([src])
        searcher = TeamSearcher(a.client)
        assert surface_clause(searcher, "IT") is None  # a stop word: no search finds it
        assert surface_clause(searcher, 'Foobarium: "Cells"') == surface_clause(
            searcher, "Foobarium Cells")  # query syntax in a surface is only spacing
    with open_team_library(url, cache=b_cache) as b:
        b.apply_catalogue_changes()
        assert b.last_retag.retagged == 1 and b.last_retag.complete
        assert b.search('company:"Foobarium Cells"').total == 1
