"""A team library through the CLI and the Library calls: stemming per language,
incremental updates with deletes, and a sync killed between bulks (real node, real kill)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from team_node import request

from cellsight.core.team import open_team_library, parse_team_url

GERMAN = ("Die Batterien der neuen Fabrik werden ab dem nächsten Jahr an mehrere deutsche "
          "Autohersteller geliefert. Der Hersteller erwartet, dass die Nachfrage nach "
          "Batteriezellen in Europa weiter steigt, und plant eine zweite Produktionslinie "
          "für Lithium-Eisenphosphat-Zellen in der Nähe von Erfurt.")
ENGLISH = ("Article {i}: the refinery in Nevada shipped {i} tonnes of lithium hydroxide to "
           "cathode makers this quarter, and the company said demand from storage projects "
           "kept rising. Word{i} appears only here.")


def _team_url(node: str, index: str) -> str:
    return node.replace("http://", "opensearch+http://") + "/" + index


def _write_corpus(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"a{i:03d}.txt").write_text(f"Refinery note {i}\n\n" + ENGLISH.format(i=i),
                                              encoding="utf-8")
    (folder / "de.txt").write_text("Neue Batteriefabrik\n\n" + GERMAN, encoding="utf-8")


def _cli(url: str, cache: Path, *args: str, faults: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CELLSIGHT_TEAM_CACHE": str(cache), "CELLSIGHT_TEAM_BULK_DOCS": "10"}
    env.pop("CELLSIGHT_FAULTS", None)
    if faults:
        env["CELLSIGHT_FAULTS"] = faults
    return subprocess.run([sys.executable, "-m", "cellsight", "--library", url, *args],
                          capture_output=True, text=True, env=env)


def _server_ids(node: str, index: str) -> list[str]:
    request("POST", f"{node}/{index}/_refresh")
    _s, answer = request("POST", f"{node}/{index}/_search",
                         {"size": 1000, "_source": False, "sort": [{"id": "asc"}]})
    return [h["_id"] for h in answer["hits"]["hits"]]


def test_kill_between_bulks_then_resume_then_change_and_delete(
        opensearch_node: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = _team_url(opensearch_node, "team-resume")
    cache, src = tmp_path / "cache", tmp_path / "src"
    monkeypatch.setenv("CELLSIGHT_TEAM_CACHE", str(cache))  # the CLI's cache, here too
    _write_corpus(src, 40)
    # Killed by the fault point right after its second bulk of ten: a real SIGKILL in
    # the middle of the copy, wherever the machine's pace put it.
    killed = _cli(url, cache, "index", str(src), faults="team-bulk:2")
    assert killed.returncode == -9, killed.stderr
    assert len(_server_ids(opensearch_node, "team-resume")) == 20

    done = _cli(url, cache, "index")
    assert done.returncode == 0, done.stderr
    ids = _server_ids(opensearch_node, "team-resume")
    with open_team_library(url) as lib:
        local = sorted(lib.local.store.all_ids())
        assert ids == local and len(ids) == 41  # no duplicates, no losses
        assert lib.count() == 41

    (src / "a007.txt").write_text("Refinery note 7\n\nRewritten: sodium-ion cells now.",
                                  encoding="utf-8")
    (src / "a008.txt").unlink()
    again = _cli(url, cache, "index", "--json")
    assert again.returncode == 0, again.stderr
    with open_team_library(url) as lib:
        assert lib.count() == 40
        assert lib.search("word8").total == 0
        assert lib.search("word7").total == 0 and lib.search("sodium").total == 1
        assert lib.last_sync is None
        assert lib.search("word7 OR sodium").total == lib.local.search("word7 OR sodium").total

    shown = _cli(url, cache, "search", "--json", "refinery", "--limit", "3")
    assert shown.returncode == 0 and '"total": 39' in shown.stdout, shown.stderr
    facets = _cli(url, cache, "facets", "lithium")
    assert facets.returncode == 0, facets.stderr
    assert "language: English (38), German (1)" in facets.stdout, facets.stdout
    problems = _cli(url, cache, "problems")
    assert problems.returncode == 0, problems.stderr


def test_german_stemming_and_show(opensearch_node: str, tmp_path: Path) -> None:
    url, src = _team_url(opensearch_node, "team-german"), tmp_path / "src"
    _write_corpus(src, 3)
    with open_team_library(url, cache=tmp_path / "cache") as lib:
        lib.update([src])
        for word in ("Batterie", "Batterien", "geliefert"):
            mine, embedded = lib.search(word), lib.local.search(word)
            assert mine.total == embedded.total == 1, word
            assert mine.hits[0].snippet_spans == embedded.hits[0].snippet_spans
        doc_id = lib.search("Erfurt").hits[0].id
    shown = _cli(url, tmp_path / "cache", "show", doc_id, "--json")
    assert shown.returncode == 0 and "Erfurt" in shown.stdout, shown.stderr


def test_address_hides_secrets() -> None:
    url = parse_team_url("opensearch+https://alice:s3cret@search.example:9200/team",
                         env={"CELLSIGHT_TEAM_API_KEY": "k3y"})
    assert url.password == "s3cret" and url.api_key == "k3y"
    for text in (str(url), repr(url), url.display):
        assert "s3cret" not in text and "k3y" not in text
    from_env = parse_team_url("opensearch+http://bob@h:9200/x",
                              env={"CELLSIGHT_TEAM_PASSWORD": "pw"})
    assert from_env.password == "pw" and from_env.scheme == "http"


@pytest.mark.parametrize("bad, says", [
    ("opensearch://h:9200/x", "scheme"), ("opensearch+http://h/x", "port"),
    ("opensearch+http://h:9200/", "index name"),
    ("opensearch+http://h:9200/Bad*Name", "index name"),
    ("opensearch+http://h:port/x", "team library address"),
])
def test_wrong_addresses_say_what_is_wrong(bad: str, says: str) -> None:
    from cellsight.core.team.url import TeamURLError

    with pytest.raises(TeamURLError, match=says):
        parse_team_url(bad, env={})
