"""SIGKILL the indexer at random moments: nothing indexed is lost, the next run finishes.

The child is the real CLI (``cellsight --library L index SRC``) with one change made
from outside: batches of 40 documents instead of 1000, so that a run of a second
or two passes through many Whoosh and SQLite commits and a random kill can land
inside one. Between kills the corpus changes (new, edited and deleted files), so
every run has adds, updates and removals to do.
"""

from __future__ import annotations

import random
import re
import sqlite3
import subprocess
import time
from pathlib import Path

from harness import child_env, indexer, write_corpus

from cellsight.core.library import Library
from cellsight.core.pipeline import doc_id_for

KILLS = 20
BATCH = 40


def start(lib: Path, src: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        indexer(lib, src, BATCH),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=child_env(),
    )


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def index_ids(lib: Library) -> set[str]:
    with lib.index.index.searcher() as s:
        return {f["id"] for f in s.all_stored_fields()}


def check(lib_dir: Path, before: set[str], src: Path) -> tuple[set[str], bool]:
    """Open the library as the app would; returns the stored ids and whether it rebuilt."""
    with Library(lib_dir) as lib:
        rebuilt = lib.index.needs_rebuild
        if rebuilt:  # what the CLI and the app do when the index is flagged
            lib.rebuild_index()
        ids = lib.store.all_ids()
        still_there = {i for i in before if Path(path_of[i]).exists()}
        assert still_there <= ids, f"lost {len(still_there - ids)} indexed documents"
        # The index commits each batch before the store does, so after a kill it may be
        # ahead of the store, never behind it, except for documents of source files
        # already deleted: their removal reached the index first (the next run removes
        # them from the store too).
        live = {i for i in ids if Path(path_of[i]).exists()}
        missing = live - index_ids(lib)
        assert not missing, sorted(path_of[i] for i in missing)[:5]
        assert lib.search("batteries").total >= len(live)  # in every note's title
        for doc_id in random.sample(sorted(live), min(5, len(live))):
            n = int(Path(path_of[doc_id]).stem[4:])
            assert lib.search(f"marker{n}x").total == 1, path_of[doc_id]
    for name in ("documents.sqlite", "user.sqlite"):
        if (lib_dir / name).exists():
            assert integrity(lib_dir / name) == "ok"
    return ids, rebuilt


path_of: dict[str, str] = {}

# A bulk-indexing worker still starting when its parent is killed finds the start-up
# pipe closed: multiprocessing prints this and the worker exits. Not the indexer's crash.
_ORPHAN = re.compile(
    r"Traceback \(most recent call last\):\n(?:  .*\n)*?.*spawn_main.*\n(?:  .*\n)*"
    r"EOFError: Ran out of input\n?"
)


def _without_orphan_noise(err: str) -> str:
    return _ORPHAN.sub("", err)


def test_sigkill_during_indexing_loses_nothing(tmp_path: Path) -> None:
    rng = random.Random(20240607)
    src, lib_dir = tmp_path / "src", tmp_path / "lib"
    files = write_corpus(src, 900)
    next_number = 900
    for f in files:
        path_of[doc_id_for(str(f), 0)] = str(f)
    before: set[str] = set()
    log: list[str] = []
    rebuilds = 0
    for k in range(KILLS):
        proc = start(lib_dir, src)
        delay = rng.uniform(0.25, 1.5)
        time.sleep(delay)
        finished = proc.poll() is not None
        proc.kill()
        proc.wait()
        assert proc.stderr is not None
        err = _without_orphan_noise(proc.stderr.read().decode(errors="replace"))
        assert "Traceback" not in err, err
        ids, rebuilt = check(lib_dir, before, src)
        rebuilds += rebuilt
        log.append(f"kill {k + 1}: after {delay:.2f}s, {len(ids) - len(before & ids):+d} docs"
                   f"{' (run had finished)' if finished else ''}{' rebuilt' if rebuilt else ''}")
        before = ids
        # Keep every run busy: new files, edited files, deleted files.
        for f in write_corpus(src, 60, seed=k + 2, start=next_number):
            path_of[doc_id_for(str(f), 0)] = str(f)
        next_number += 60
        existing = sorted(src.iterdir())
        for f in rng.sample(existing, 15):
            f.write_text(f.read_text() + f"\n\nEdited {k}: nickel output revised.")
        for f in rng.sample(existing, 8):
            f.unlink()
    proc = start(lib_dir, src)
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err.decode(errors="replace")
    with Library(lib_dir) as lib:
        on_disk = {str(p) for p in src.iterdir()}
        stored = {d.parsed.path for d in lib.store.documents()}
        assert stored == on_disk
        assert index_ids(lib) == lib.store.all_ids()
        assert not lib.failures()
        assert lib.search("Edited").total > 0
    print("\n".join(log) + f"\nindex rebuilds after a kill: {rebuilds}")
    assert sum("run had finished" in line for line in log) < KILLS // 2, "\n".join(log)
