"""The command line: JSON shapes, exit codes, messages instead of tracebacks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cellsight.cli import main

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture
def lib(tmp_path: Path) -> list[str]:
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    args = ["--library", str(tmp_path / "lib")]
    assert main([*args, "index", str(src)]) == 0
    return args


def _json(capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    return json.loads(capsys.readouterr().out)


def test_search_json_shape(lib: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main([*lib, "search", "--json", "--limit", "5", "licensing"]) == 0
    data = _json(capsys)
    assert set(data) == {"query", "total", "hits", "facets", "suggestion", "histogram",
                         "undated"}
    assert data["total"] == 2
    # Matches per period, undated ones apart: the counts add up to the total.
    assert sum(p["count"] for p in data["histogram"]) + data["undated"] == 2
    hit = data["hits"][0]
    assert set(hit) == {"id", "title", "date", "source", "author", "score", "snippet",
                        "topics", "companies", "path", "type", "cluster"}
    assert hit["cluster"] == {"id": hit["id"], "size": 1}  # no near-duplicates here
    assert "«" in hit["snippet"]
    assert {"company", "topic", "person", "place", "organisation", "policy", "material",
            "source", "year"} <= set(data["facets"])


def test_filters_and_excludes(lib: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    main([*lib, "search", "--json", "--filter", "person=Elon Musk", ""])
    musk = _json(capsys)["total"]
    main([*lib, "search", "--json", "--exclude", "person=Elon Musk", "*"])
    assert _json(capsys)["total"] == 4 - musk


def test_show_and_inspect(lib: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    main([*lib, "search", "--json", "Megapack"])
    doc_id = _json(capsys)["hits"][0]["id"]
    assert main([*lib, "show", "--json", doc_id]) == 0
    doc = _json(capsys)
    names = {(e["type"], e["name"]) for e in doc["entities"]}
    assert ("person", "Elon Musk") in names and ("product", "Megapack") in names
    assert main(["inspect", "--json", str(SEEDS / "003_f22a0f1a84bb31d8.txt")]) == 0
    out = _json(capsys)
    assert out["errors"] == [] and len(out["documents"][0]["series"]) == 15


def test_prices_json(lib: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main([*lib, "prices", "--json", "--series", "lithium"]) == 0
    (s,) = _json(capsys)["series"]
    assert (s["latest"], s["previous"], len(s["points"])) == (411.01, 408.51, 12)
    assert s["points"][-1] == {"date": "2026-05-27", "value": 411.01}


def test_exit_codes(lib: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*lib, "search", '"unclosed']) == 2
    assert "quotation mark" in capsys.readouterr().err
    assert main([*lib, "show", "nope"]) == 1
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    assert main(["inspect", str(bad)]) == 1
    with pytest.raises(SystemExit) as exc:
        main([*lib, "search", "--filter", "novalue", "x"])
    assert exc.value.code == 2


def test_search_batch_answers_each_line_as_json(lib: list[str], tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    batch = tmp_path / "queries.txt"
    batch.write_text('licensing\n# a comment\n\n{"query": "", "filters": {"person": "Elon Musk"},'
                     ' "limit": 1}\n"unclosed\n{"limit": -1}\n', encoding="utf-8")
    capsys.readouterr()
    assert main([*lib, "search", "--batch", str(batch)]) == 0
    answers = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [a["line"] for a in answers] == [1, 4, 5, 6]
    assert answers[0]["total"] == 2 and "histogram" in answers[0]
    assert answers[1]["total"] >= 1 and len(answers[1]["hits"]) == 1
    assert "quotation mark" in answers[2]["error"] and "limit" in answers[3]["error"]
    assert main([*lib, "search", "--batch", str(tmp_path / "missing.txt")]) == 1
