"""Two processes on one library: the second waits or says it is busy; searches go on.

While a real ``cellsight index`` runs, this process opens the library again and
again (each open validates the index while the other process commits to it) and
searches it; a second ``cellsight index`` either waits for the first or exits with
the busy message. Afterwards the index and the store agree exactly.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import time
from pathlib import Path

import pytest
from harness import child_env, cli, indexer, run_cli, write_corpus

from cellsight.core.errors import LibraryBusyError
from cellsight.core.library import Library
from cellsight.core.locking import WriteLock


def lock_is_held(lib_dir: Path) -> bool:
    try:
        fd = os.open(lib_dir / "write.lock", os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def test_second_indexer_waits_or_reports_busy_and_searches_keep_working(tmp_path: Path) -> None:
    src, lib_dir = tmp_path / "src", tmp_path / "lib"
    write_corpus(src, 800)
    # Batches of 25: dozens of commits and segment merges while this process reads.
    first = subprocess.Popen(indexer(lib_dir, src, 25),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env())
    deadline = time.monotonic() + 30
    while not lock_is_held(lib_dir):
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    second = subprocess.Popen(cli("--library", str(lib_dir), "index", str(src)),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env())
    searches, opens, seen = 0, 0, [0]
    with Library(lib_dir) as long_lived:  # the app's window, open all along
        while first.poll() is None:
            # And a fresh open each time: validation must tolerate a commit in progress
            # (it took one for damage and wiped the live index before this was fixed).
            with Library(lib_dir) as lib:
                opens += 1
                assert not lib.index.needs_rebuild, lib.index.rebuild_reason
                for reader in (lib, long_lived):
                    total = reader.search("batteries").total
                    assert total >= seen[-1]  # the indexer only adds here
                    seen.append(total)
                    searches += 1
    _, err = first.communicate()
    assert first.returncode == 0, err.decode()
    out2, err2 = second.communicate(timeout=60)
    if second.returncode == 0:  # it waited for the lock, then found nothing to do
        assert b"added 0, updated 0, removed 0, unchanged 800" in out2
    else:
        assert second.returncode == 1
        assert b"is busy: another Cellsight process is indexing it" in err2
    ran = run_cli("--library", str(lib_dir), "search", "marker734x")
    assert ran.returncode == 0 and ran.stdout.startswith("1 documents")
    with Library(lib_dir) as lib:
        assert not lib.index.needs_rebuild
        assert lib.count() == 800
        with lib.index.index.searcher() as s:
            assert {f["id"] for f in s.all_stored_fields()} == lib.store.all_ids()
    print(f"\n{opens} opens and {searches} searches during indexing; totals seen "
          f"{sorted(set(seen))[:3]}…{seen[-1]}; second indexer exit {second.returncode}")
    assert searches >= 3


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
