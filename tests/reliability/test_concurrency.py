"""Several processes on one library: one writer, many readers; a second writer waits
or says it is busy; two processes creating one new library are serialised.

Driven by the writer's own progress (``cellsight.core.faults``), not by the clock.
Afterwards the index and the store agree exactly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from harness import child_env, cli, indexer, run_cli, write_corpus

from cellsight.core.errors import LibraryBusyError
from cellsight.core.library import Library
from cellsight.core.locking import WriteLock


def test_readers_see_each_commit_of_a_writer_and_never_a_broken_index(tmp_path: Path) -> None:
    """One writer, many readers on a shared folder, in lockstep with the writer.

    The writer (a real ``cellsight index``) stops after every batch's store commit
    (``CELLSIGHT_PAUSE``) and reports it through a pipe; while it waits, a library open
    all along (the window), a fresh open, and a ``cellsight search`` process must all
    see exactly what was committed. Then it runs on freely while this process keeps
    opening and searching, for the opens that land inside a commit.
    """
    src, lib_dir = tmp_path / "src", tmp_path / "lib"
    write_corpus(src, 280)  # under the bulk threshold: batches in the writer itself
    report_r, report_w = os.pipe()
    env = {**child_env(), "CELLSIGHT_PROGRESS": f"/dev/fd/{report_w}",
           "CELLSIGHT_PAUSE": "batch-committed"}
    # Batches of 25: about twenty commits and several segment merges.
    first = subprocess.Popen(indexer(lib_dir, src, 25), stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                             pass_fds=(report_w,))  # fmt: skip
    os.close(report_w)  # the pipe ends (EOF) when the writer exits
    assert first.stdin is not None
    second: subprocess.Popen[bytes] | None = None
    seen: list[int] = [0]
    searches = opens = pauses = 0
    with os.fdopen(report_r) as progress:
        lines = iter(progress)
        with Library(lib_dir) as long_lived:  # the app's window, open all along
            for line in lines:
                if not line.startswith("batch-committed"):
                    continue
                pauses += 1
                with Library(lib_dir) as fresh:
                    opens += 1
                    assert not fresh.index.needs_rebuild, fresh.index.rebuild_reason
                    committed = fresh.count()
                    for reader in (fresh, long_lived):
                        assert reader.search("batteries").total == committed  # every note
                        searches += 1
                assert committed > seen[-1]  # each batch added documents, all visible
                seen.append(committed)
                if pauses % 5 == 1:
                    ran = run_cli("--library", str(lib_dir), "search", "--json", "batteries")
                    assert ran.returncode == 0, ran.stderr
                    assert json.loads(ran.stdout)["total"] == committed
                if pauses == 2:
                    second = subprocess.Popen(
                        cli("--library", str(lib_dir), "index", str(src)),
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env())
                if pauses == 8:
                    first.stdin.close()  # no more pauses: the writer runs on freely
                    break
                first.stdin.write(b"\n")
                first.stdin.flush()
            while first.poll() is None:
                # Opens while commits happen: validation must tolerate a commit in
                # progress (it took one for damage and wiped the live index once).
                with Library(lib_dir) as lib:
                    opens += 1
                    assert not lib.index.needs_rebuild, lib.index.rebuild_reason
                    for reader in (lib, long_lived):
                        total = reader.search("batteries").total
                        assert total >= seen[-1]  # the indexer only adds here
                        seen.append(total)
                        searches += 1
            for _ in lines:
                pass
    assert first.stderr is not None
    err = first.stderr.read()
    assert first.wait() == 0, err.decode()
    assert second is not None
    out2, err2 = second.communicate(timeout=600)
    if second.returncode == 0:  # it waited for the lock, then found nothing to do
        assert b"added 0, updated 0, removed 0, unchanged 280" in out2
    else:
        assert second.returncode == 1
        assert b"is busy: another Cellsight process is indexing it" in err2
    with Library(lib_dir) as lib:
        assert not lib.index.needs_rebuild
        assert lib.count() == 280 and lib.search("batteries").total == 280
        with lib.index.index.searcher() as s:
            assert {f["id"] for f in s.all_stored_fields()} == lib.store.all_ids()
    print(f"\n{pauses} lockstep pauses, {opens} opens, {searches} searches; totals seen "
          f"{sorted(set(seen))[:3]}…{seen[-1]}; second indexer exit {second.returncode}")


def test_busy_library_is_reported_in_words(tmp_path: Path) -> None:
    with Library(tmp_path / "lib") as lib, WriteLock(lib.folder):
        t0 = time.monotonic()
        with pytest.raises(LibraryBusyError, match="is busy: another Cellsight process"):
            lib.update([tmp_path], lock_timeout=0.5)
        assert time.monotonic() - t0 >= 0.5  # it waited before giving up


@pytest.mark.slow
def test_cli_index_on_a_busy_library_exits_1_with_the_message(tmp_path: Path) -> None:
    lib_dir = tmp_path / "lib"
    write_corpus(tmp_path / "src", 3)
    Library(lib_dir).close()
    with WriteLock(lib_dir):
        ran = run_cli("--library", str(lib_dir), "index", str(tmp_path / "src"))
    assert ran.returncode == 1
    assert "is busy: another Cellsight process is indexing it" in ran.stderr
    assert "Traceback" not in ran.stderr


_OPENER = """
import sys
from pathlib import Path
from cellsight.core.library import Library
sys.stdin.readline()  # the start signal, sent to every opener at once
with Library(Path(sys.argv[1])) as lib:
    lib.add_sources([Path(sys.argv[2])])
    print(lib.search("batteries").total, lib.index.needs_rebuild, len(lib.sources()))
"""


@pytest.mark.parametrize("round_", range(3))
def test_processes_creating_one_new_library_at_once_are_serialised(
        tmp_path: Path, round_: int) -> None:
    """One creates, the others wait for it and open what it made (no second index
    created over the first, no 'database is locked', no rebuild notice)."""
    lib_dir = tmp_path / "new-library"
    openers = [subprocess.Popen([sys.executable, "-c", _OPENER, str(lib_dir),
                                 str(tmp_path / f"s{i}")],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=child_env())
               for i in range(4)]
    for p in openers:  # all started and importing; now release them together
        assert p.stdin is not None
        p.stdin.write(b"go\n")
        p.stdin.flush()
    for p in openers:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err.decode()
        total, rebuild, _ = out.decode().split()
        assert (total, rebuild) == ("0", "False"), out
    with Library(lib_dir) as lib:
        assert not lib.index.needs_rebuild
        assert len(lib.sources()) == 4
