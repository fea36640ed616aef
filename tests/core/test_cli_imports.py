"""A CLI search starts quickly (issue 17): no UI, ingest or enrichment imports on its
path, and the resident search server answers exactly what a cold run prints."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cellsight import cli_serve
from cellsight.cli import main
from cellsight.cli_serve_loop import serve
from cellsight.core.library import Library

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
# What a search has no use for: the UI, file readers, enrichment, CSV import, and the
# standard-library weight Whoosh and numpy would otherwise pull in.
FORBIDDEN = ("PySide6", "pyqtgraph", "trafilatura", "lxml", "cellsight.ui", "cellsight.app",
             "cellsight.core.enrich.enricher", "cellsight.core.enrich.quantities",
             "cellsight.core.enrich.matcher", "cellsight.core.prices.csv_import",
             "cellsight.core.pipeline", "urllib.request", "http.client", "email.parser",
             "asyncio", "numpy.ma")
INGEST_ALLOWED = {"cellsight.core.ingest", "cellsight.core.ingest.registry"}
PROBE = """
import json, sys
from cellsight.__main__ import main
sys.argv = ["cellsight", *sys.argv[2:]]
code = main()
with open(OUT, "w") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli_imports")
    shutil.copytree(SEEDS, root / "src")
    assert main(["--library", str(root / "lib"), "index", str(root / "src")]) == 0
    return root / "lib"


def _probe(tmp_path: Path, library: Path, env: dict[str, str], *query: str) -> dict:  # type: ignore[type-arg]
    out = tmp_path / "probe.json"
    code = PROBE.replace("OUT", repr(str(out)))
    proc = subprocess.run(
        [sys.executable, "-c", code, "x", "--library", str(library), "search", "--json", *query],
        env=env, capture_output=True, text=True, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    got = json.loads(out.read_text())
    got["out"] = json.loads(proc.stdout)
    return got  # type: ignore[no-any-return]


def _bad(modules: list[str]) -> list[str]:
    return [m for m in modules
            if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)
            or (m.startswith("cellsight.core.ingest") and m not in INGEST_ALLOWED)]


def test_cold_search_imports_nothing_it_does_not_need(library: Path, tmp_path: Path) -> None:
    env = {**os.environ, cli_serve.ENV_OFF: "1"}
    got = _probe(tmp_path, library, env, "licensing")
    assert got["out"]["total"] == 2
    assert _bad(got["modules"]) == []
    assert "numpy" in got["modules"]  # it did search, here


@pytest.fixture
def server(library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.delenv(cli_serve.ENV_OFF, raising=False)
    ready = threading.Event()
    thread = threading.Thread(target=serve, args=(library.absolute(),),
                              kwargs={"ready": ready}, daemon=True)  # fmt: skip
    thread.start()
    ready.wait()
    assert cli_serve.socket_path(library.absolute()).exists()  # type: ignore[union-attr]
    yield thread
    cli_serve.stop(library)
    thread.join()


def _spawn_refused(library: Path) -> None:
    raise AssertionError("a served search started another server")


def test_served_answers_match_cold_and_follow_changes(
    library: Path, server: threading.Thread, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(cli_serve, "spawn", _spawn_refused)
    lib = ["--library", str(library)]
    for argv in (["search", "--json", "licensing"], ["search", "--json", "--sort", "date", ""],
                 ["search", "Megapack"], ["facets", "--json", "battery"],
                 ["search", "--json", "--filter", "person=Elon Musk", ""]):
        capsys.readouterr()
        assert main([*lib, *argv]) == 0
        cold = capsys.readouterr()
        assert main([*lib, *argv], resident=True) == 0
        served = capsys.readouterr()
        if argv[1] != "--json":  # the text form says how long the search took
            cold_out, served_out = (o.split("\n", 1)[1] for o in (cold.out, served.out))
        else:
            cold_out, served_out = cold.out, served.out
        assert served_out == cold_out
    # Errors come back as the cold run gives them: message and exit code.
    assert main([*lib, "search", "--json", "title:("], resident=True) == 2
    assert "cellsight:" in capsys.readouterr().err
    # Another process tags a document: the server sees it at its next answer.
    main([*lib, "search", "--json", "licensing"], resident=True)
    doc_id = json.loads(capsys.readouterr().out)["hits"][0]["id"]
    with Library(library) as writer:
        writer.workbench.tag([doc_id], "served-check")
    assert main([*lib, "search", "--json", "tag:served-check"], resident=True) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert [h["id"] for h in hits] == [doc_id]
    assert server.is_alive()


def test_client_of_a_server_imports_no_numpy(library: Path, server: threading.Thread,
                                             tmp_path: Path) -> None:  # fmt: skip
    got = _probe(tmp_path, library, dict(os.environ), "licensing")
    assert got["out"]["total"] == 2
    assert not [m for m in got["modules"] if m.split(".")[0] in ("numpy", "whoosh")]


def test_server_from_other_code_declines_and_exits(library: Path,
                                                   server: threading.Thread) -> None:  # fmt: skip
    path = cli_serve.socket_path(library.absolute())
    real = cli_serve.code_stamp
    try:
        cli_serve.code_stamp = lambda: "other code"  # type: ignore[assignment]
        answer = cli_serve.ask(path, {"op": "run", "args": {"library": str(library)}})
    finally:
        cli_serve.code_stamp = real  # type: ignore[assignment]
    assert answer is not None and "declined" in answer
    server.join()
    assert not path.exists()  # type: ignore[union-attr]


def test_socket_folder_must_be_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = tmp_path / "run"
    (runtime / "cellsight").mkdir(parents=True, mode=0o755)
    os.chmod(runtime / "cellsight", 0o755)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    assert cli_serve.runtime_dir(create=True) is None
    assert cli_serve.socket_path(tmp_path / "lib") is None
