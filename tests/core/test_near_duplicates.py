"""Near-duplicates: found at index time across formats, folded in searches."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from cellsight.cli import main as cli_main
from cellsight.core import pipeline
from cellsight.core.dedup import clusters, minhash
from cellsight.core.library import Library
from cellsight.core.model import SearchRequest

VOCAB = ("lithium cobalt nickel graphite cathode anode refinery gigafactory tariff recycling "
         "sodium storage demand price contract licensing plant export battery cell module "
         "pack supplier automaker capacity output quarter margin investment subsidy policy "
         "shipment order grid inverter chemistry separator electrolyte copper aluminium "
         "mine spodumene brine hydroxide carbonate smelter yield forecast analyst market "
         "share revenue profit loss guidance factory hungary germany china europe america "
         "customs rules minister agreement joint venture partner stake funding bond").split()


def _article(seed: int, words: int = 260) -> list[str]:
    rng = random.Random(seed)
    sentences, left = [], words
    while left > 0:
        n = min(left, rng.randint(12, 22))
        sentences.append(" ".join(rng.choice(VOCAB) for _ in range(n)).capitalize() + ".")
        left -= n
    return sentences


def _paragraphs(sentences: list[str]) -> list[str]:
    return [" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4)]


def _text(path: Path, title: str, date: str, source: str, body: list[str]) -> None:
    path.write_text(f"Title: {title}\nDate: {date}\nSource: {source}\n\n" + "\n\n".join(body)
                    + "\n", encoding="utf-8")


def _html(path: Path, title: str, date: str, body: list[str]) -> None:
    paras = "".join(f"<p>{p}</p>" for p in body)
    path.write_text(
        f"<html><head><title>{title}</title>"
        f"<meta property='article:published_time' content='{date}T08:00:00Z'>"
        f"<meta property='og:site_name' content='Battery Weekly'></head><body>"
        f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>{title}</h1>{paras}</article>"
        f"<footer>© 2024 Battery Weekly. All rights reserved.</footer></body></html>",
        encoding="utf-8")


def _library(tmp_path: Path) -> tuple[Library, Path]:
    src = tmp_path / "src"
    src.mkdir()
    story = _article(1)
    # A saved page and a text clipping of it.
    _html(src / "saved.html", "CATL opens plant in Hungary", "2024-03-05", _paragraphs(story))
    _text(src / "clipping.txt", "CATL opens plant in Hungary", "2024-03-06", "Clippings",
          ["CATL opens plant in Hungary", *_paragraphs(story)])
    # One wire story in three outlets: datelines, a changed sentence, credits.
    wire = _article(2)
    for n, (outlet, date) in enumerate((("Reuters", "2024-04-02"), ("Mining Daily", "2024-04-03"),
                                        ("EV Post", "2024-04-04"))):  # fmt: skip
        body = list(wire)
        body[0] = f"BEIJING, April 2 ({outlet}) - " + body[0]
        if n == 2:
            body[5] = "The company declined to comment on the report on Tuesday."
        _text(src / f"wire-{n}.txt", "Lithium price falls again", date, outlet,
              [*_paragraphs(body), f"Reporting by {outlet} staff; editing by the desk."])
    for n in range(4):  # unrelated stories
        _text(src / f"other-{n}.txt", f"Other story {n}", "2024-05-01", "Reuters",
              _paragraphs(_article(100 + n)))
    lib = Library(tmp_path / "lib")
    lib.update([src])
    return lib, src


def _clusters_by_path(lib: Library) -> dict[str, tuple[str, int]]:
    res = lib.search(SearchRequest(query="", limit=100))
    return {Path(h.path).name: h.cluster for h in res.hits if h.cluster is not None}


def test_signature_estimates_jaccard() -> None:
    a = " ".join(_article(5))
    words = a.split()
    b = " ".join([*words[:200], "inserted", "words", "here", *words[200:]])
    sa, sb = minhash.shingle_hashes(a), minhash.shingle_hashes(b)
    true = len(np.intersect1d(sa, sb)) / len(np.union1d(sa, sb))
    est = minhash.similarity(minhash.signature(a), minhash.signature(b))
    assert abs(true - est) < 0.12
    assert minhash.signature("too short") is None
    assert minhash.tokens("CATL’s 20 GWh, 宁德時代!") == ["catl", "s", "20", "gwh", "宁", "德",
                                                          "时", "代"]


def test_clusters_across_formats_and_outlets(tmp_path: Path) -> None:
    lib, _src = _library(tmp_path)
    with lib:
        got = _clusters_by_path(lib)
        page, clip = got["saved.html"], got["clipping.txt"]
        assert page == clip and page[1] == 2
        wires = {got[f"wire-{n}.txt"] for n in range(3)}
        assert len(wires) == 1 and next(iter(wires))[1] == 3
        # Named after the earliest member: the Reuters original of 2 April.
        reuters = lib.search(SearchRequest(query='source:Reuters "Lithium price"')).hits[0]
        assert next(iter(wires))[0] == reuters.id
        for n in range(4):
            h = got[f"other-{n}.txt"]
            assert h[1] == 1


def test_collapse_folds_hits_and_counts_facets_once(tmp_path: Path) -> None:
    lib, _src = _library(tmp_path)
    with lib:
        plain = lib.search(SearchRequest(query="", limit=100))
        folded = lib.search(SearchRequest(query="", limit=100, collapse=True))
        assert plain.total == 9 and folded.total == 6
        assert len(folded.hits) == 6
        assert len({h.cluster[0] for h in folded.hits if h.cluster}) == 6
        sizes = sorted(h.cluster[1] for h in folded.hits if h.cluster)
        assert sizes == [1, 1, 1, 1, 2, 3]
        # Facets count the story once: the years add up to the folded total.
        assert sum(c.count for c in folded.facets["year"]) == 6
        assert sum(c.count for c in plain.facets["year"]) == 9
        # A filter that keeps one outlet still finds the story, as that outlet's copy.
        mining = lib.search(SearchRequest(query="lithium", filters=(("source", "Mining Daily"),),
                                          collapse=True))  # fmt: skip
        assert mining.total == 1 and mining.hits[0].cluster[1] == 1
        # "N similar" counts the members among the matches: two clusters' sizes.
        wire_id = next(h.cluster[0] for h in folded.hits if h.cluster and h.cluster[1] == 3)
        expanded = lib.cluster_search(SearchRequest(query="", limit=100, collapse=True), wire_id)
        assert expanded.total == 3 and {h.source for h in expanded.hits} == {
            "Reuters", "Mining Daily", "EV Post"}
        ids = lib.matching_ids(SearchRequest(query="", collapse=True))
        assert len(ids) == 6


def test_new_copy_joins_and_deleted_copy_leaves(tmp_path: Path) -> None:
    lib, src = _library(tmp_path)
    with lib:
        before = _clusters_by_path(lib)["wire-0.txt"]
        wire = _article(2)
        _text(src / "wire-late.txt", "Lithium price falls again", "2024-04-09", "Late Wire",
              [*_paragraphs(wire), "Copyright Late Wire."])
        lib.update()
        got = _clusters_by_path(lib)
        assert got["wire-late.txt"] == (before[0], 4)
        (src / "wire-late.txt").unlink()
        (src / "wire-0.txt").unlink()  # the original the cluster is named after
        lib.update()
        got = _clusters_by_path(lib)
        assert "wire-0.txt" not in got
        assert got["wire-1.txt"] == got["wire-2.txt"]
        assert got["wire-1.txt"][1] == 2 and got["wire-1.txt"][0] != before[0]
        (src / "clipping.txt").unlink()
        lib.update()
        page = _clusters_by_path(lib)["saved.html"]
        assert page[1] == 1
        assert lib.store.conn.execute(
            "SELECT count(*) FROM dup_docs WHERE cluster IS NOT NULL").fetchone()[0] == 2


def test_rebuild_recomputes_and_old_library_backfills(tmp_path: Path) -> None:
    lib, _src = _library(tmp_path)
    with lib:
        before = _clusters_by_path(lib)
        lib.rebuild_index()
        assert _clusters_by_path(lib) == before
        # A library from before near-duplicates: its rows are made on the next update.
        lib.store.conn.execute("DROP TABLE dup_docs")
        lib.store.conn.execute("DELETE FROM meta WHERE key IN (?, ?)",
                               (clusters.FORMAT_KEY, clusters.VERSION_KEY))
        assert all(c[1] == 1 for c in _clusters_by_path(lib).values())
        lib.update()
        assert _clusters_by_path(lib) == before


def test_bulk_build_clusters_like_in_process(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "BULK_MIN", 5)
    monkeypatch.setenv("CELLSIGHT_INDEX_WORKERS", "2")
    lib, _src = _library(tmp_path)
    with lib:
        got = _clusters_by_path(lib)
    assert got["saved.html"] == got["clipping.txt"] and got["saved.html"][1] == 2
    assert len({got[f"wire-{n}.txt"] for n in range(3)}) == 1


def test_chinese_copies_in_either_script(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    simplified = ("宁德时代周二表示，将在匈牙利德布勒森建设一座电池工厂，总投资约七十三亿欧元，"
                  "规划产能一百吉瓦时，主要为欧洲汽车制造商供应动力电池。公司称，工厂将分期建设，"
                  "首期预计于二零二六年投产，并将雇用约九千名员工。分析师认为，此举有助于降低"
                  "欧洲电动汽车的供应链风险。")
    traditional = "寧德時代" + simplified[4:]
    _text(src / "a.txt", "宁德时代匈牙利工厂", "2024-01-02", "新华社", [simplified])
    _text(src / "b.txt", "寧德時代匈牙利工廠", "2024-01-03", "聯合報", [traditional])
    _text(src / "c.txt", "锂价", "2024-01-03", "新华社",
          ["碳酸锂价格本周继续下跌，市场需求疲软，库存高企，多家冶炼厂宣布减产检修。"])
    with Library(tmp_path / "lib") as lib:
        lib.update([src])
        got = _clusters_by_path(lib)
    assert got["a.txt"] == got["b.txt"] and got["a.txt"][1] == 2
    assert got["c.txt"][1] == 1


def test_cli_search_json_and_collapse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib, _src = _library(tmp_path)
    lib.close()
    assert cli_main(["--library", str(tmp_path / "lib"), "search", "--json", "--limit", "50",
                     "lithium"]) == 0  # fmt: skip
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert all(set(h["cluster"]) == {"id", "size"} for h in hits)
    assert sorted(h["cluster"]["size"] for h in hits)[-1] == 3
    assert cli_main(["--library", str(tmp_path / "lib"), "search", "--json", "--collapse",
                     "--limit", "50", "lithium"]) == 0  # fmt: skip
    folded = json.loads(capsys.readouterr().out)
    assert len(folded["hits"]) == len(hits) - 3  # two copies of the wire, one of the page
    wire = next(h for h in folded["hits"] if h["cluster"]["size"] == 3)["cluster"]["id"]
    assert cli_main(["--library", str(tmp_path / "lib"), "search", "--json", "--cluster", wire,
                     "lithium"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["total"] == 3
