"""SIGKILL a portable-library export or import inside its work: no partial zip at the
target (an older zip stays as it was), no partial library in the target folder, and
the next run sweeps what the killed one left and finishes.

The child is the real CLI (``cellsight library export|import``). It kills itself at a
point of its own progress (``cellsight.core.faults``): ``library-member`` is passed per
member written to the zip or taken out of it, ``segment-file`` while the imported
library's index is rebuilt. A clean run with CELLSIGHT_PROGRESS first counts the
events, so the kills land at the first, a middle and the last member on any machine.
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
from harness import child_env, cli, write_corpus

from cellsight.core.library import Library
from cellsight.core.workbench.portable import export_library, import_library, read_manifest

RUN_LIMIT = 600  # a hang guard only: a healthy run takes seconds
KILLED = -signal.SIGKILL


def run(*args: str, fault: str = "", report: Path | None = None
        ) -> subprocess.CompletedProcess[str]:  # fmt: skip
    env = child_env()
    if fault:
        env["CELLSIGHT_FAULTS"] = fault
    if report is not None:
        report.write_text("")
        env["CELLSIGHT_PROGRESS"] = str(report)
    return subprocess.run(cli(*args), capture_output=True, text=True, env=env,
                          timeout=RUN_LIMIT)  # fmt: skip


def events(report: Path) -> int:
    return sum(1 for line in report.read_text().splitlines() if line.startswith("library-member"))


def kill_points(n: int) -> list[int]:
    return sorted({1, max(1, n // 2), n})


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def library(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    write_corpus(src, 40)
    with Library(tmp_path / "lib") as lib:
        lib.update([src])
        ids = sorted(lib.store.all_ids())
        lib.workbench.tag(ids[:5], "kept")
        lib.workbench.note(ids[0], "survives every kill")
    return tmp_path / "lib"


def test_a_killed_export_leaves_no_zip_and_keeps_the_older_one(
    library: Path,
    tmp_path: Path,
) -> None:
    lib = str(library)
    report = tmp_path / "events"
    done = run("--library", lib, "library", "export", str(tmp_path / "probe.zip"),
               "--with-sources", report=report)  # fmt: skip
    assert done.returncode == 0, done.stderr
    n = events(report)
    assert n == len(read_manifest(tmp_path / "probe.zip").members) + 1
    out = tmp_path / "out"
    out.mkdir()
    target = out / "lib.zip"
    for older in (None, b"an older export"):
        if older is not None:
            target.write_bytes(older)
        for k in kill_points(n):
            done = run("--library", lib, "library", "export", str(target), "--with-sources",
                       fault=f"library-member:{k}")  # fmt: skip
            assert done.returncode == KILLED, (k, done.stderr)
            if older is None:
                assert not target.exists(), k
            else:
                assert target.read_bytes() == older, k  # untouched, not half replaced
            assert [e for e in entries(out) if not e.startswith(".")] == (
                [] if older is None else ["lib.zip"])
    done = run("--library", lib, "library", "export", str(target), "--with-sources")
    assert done.returncode == 0, done.stderr
    assert entries(out) == ["lib.zip"]  # the killed runs' work folders were swept
    assert read_manifest(target).documents == 40


def test_a_killed_import_leaves_no_library(library: Path, tmp_path: Path) -> None:
    archive = tmp_path / "lib.zip"
    with Library(library) as lib:
        export_library(lib, archive, with_sources=True)
    report = tmp_path / "events"
    probe = tmp_path / "probe"
    done = run("--library", str(probe), "library", "import", str(archive), report=report)
    assert done.returncode == 0, done.stderr
    n = events(report)
    assert n == len([m for m in read_manifest(archive).members if not m.startswith("index/")])
    target = tmp_path / "homes" / "copy"
    faults = [f"library-member:{k}" for k in kill_points(n)] + ["segment-file:1"]
    for fault in faults:
        done = run("--library", str(target), "library", "import", str(archive), fault=fault)
        assert done.returncode == KILLED, (fault, done.stderr)
        assert not target.exists(), fault
        assert [e for e in entries(target.parent) if not e.startswith(".")] == []
    target.mkdir()  # an empty folder is a target too, and stays empty after a kill
    done = run("--library", str(target), "library", "import", str(archive),
               fault=f"library-member:{n}")  # fmt: skip
    assert done.returncode == KILLED and entries(target) == []
    done = run("--library", str(target), "library", "import", str(archive))
    assert done.returncode == 0, done.stderr
    assert entries(target.parent) == ["copy"]  # the killed runs' work folders were swept
    with Library(target) as lib, Library(probe) as expected:
        assert lib.count() == expected.count() == 40
        assert lib.search("tag:kept").total == 5
        assert lib.search("note:survives").total == 1
        assert lib.search("marker7x").total == 1
        u = lib.update()
        assert (u.added, u.updated, u.removed, u.unchanged) == (0, 0, 0, 40)


def test_an_import_in_process_after_kills_needs_no_cleanup_by_hand(
    library: Path,
    tmp_path: Path,
) -> None:
    """The work folder of a killed import is swept by the next import in any process."""
    archive = tmp_path / "lib.zip"
    with Library(library) as lib:
        export_library(lib, archive)
    target = tmp_path / "copy"
    done = run("--library", str(target), "library", "import", str(archive),
               fault="library-member:1")  # fmt: skip
    assert done.returncode == KILLED
    assert any(e.startswith(".copy.partial-") for e in entries(tmp_path))
    import_library(archive, target)
    assert not any(e.startswith(".copy.partial-") for e in entries(tmp_path))
