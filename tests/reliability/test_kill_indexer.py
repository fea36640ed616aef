"""SIGKILL the indexer inside its work: nothing indexed is lost, the next run finishes.

The child is the real CLI (``cellsight --library L index SRC``) with one change made
from outside: batches of 20 documents instead of 1000, so that a short run passes
through many Whoosh and SQLite commits (and merges). It kills itself with a real
SIGKILL at a point of its own progress (``cellsight.core.faults``): mid-batch, in
the middle of writing a segment, between the index commit and the store commit, and
after a batch. The event is drawn at random among those the run announced, so every
kill lands inside the work on any machine, fast or slow, idle or loaded. Between kills
the corpus changes (new, edited and deleted files); some rounds add enough files for
the worker-process bulk path.
"""

from __future__ import annotations

import random
import re
import signal
import sqlite3
import subprocess
from pathlib import Path

from harness import child_env, indexer, write_corpus

from cellsight.core.library import Library
from cellsight.core.pipeline import doc_id_for

KILLS = 20
BATCH = 20
POINTS = ("file-processed", "segment-file", "index-committed", "batch-committed")
RUN_LIMIT = 600  # a hang guard only: a healthy run takes seconds


def start(lib: Path, src: Path, fault: str = "", report: Path | None = None
          ) -> subprocess.Popen[bytes]:
    env = child_env()
    if fault:
        env["CELLSIGHT_FAULTS"] = fault
    if report is not None:
        report.write_text("")
        env["CELLSIGHT_PROGRESS"] = str(report)
    return subprocess.Popen(
        indexer(lib, src, BATCH), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip


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
    src, lib_dir, report = tmp_path / "src", tmp_path / "lib", tmp_path / "progress"
    files = write_corpus(src, 900)
    next_number = 900
    for f in files:
        path_of[doc_id_for(str(f), 0)] = str(f)
    before: set[str] = set()
    log: list[str] = []
    rebuilds = 0
    for k in range(KILLS):
        point = POINTS[k % len(POINTS)]
        proc = start(lib_dir, src, f"{point}:random:{k}", report)
        _, raw = proc.communicate(timeout=RUN_LIMIT)
        reached = report.read_text().split()
        # By construction the run died at the drawn event of its point, inside the work.
        assert proc.returncode == -signal.SIGKILL, (
            f"kill {k + 1} at {point}: exit {proc.returncode}, progress {reached[-6:]}\n"
            + raw.decode(errors="replace"))
        assert reached[-2] == point, reached[-6:]
        err = _without_orphan_noise(raw.decode(errors="replace"))
        assert "Traceback" not in err, err
        ids, rebuilt = check(lib_dir, before, src)
        rebuilds += rebuilt
        log.append(f"kill {k + 1}: at {point} #{reached[-1]},"
                   f" {len(ids) - len(before & ids):+d} docs{' rebuilt' if rebuilt else ''}")
        before = ids
        # Keep every run busy: new files, edited files, deleted files; every fifth
        # round enough new files for the bulk path again.
        bulk = k % 5 == 4
        for f in write_corpus(src, 320 if bulk else 60, seed=k + 2, start=next_number):
            path_of[doc_id_for(str(f), 0)] = str(f)
        next_number += 320 if bulk else 60
        existing = sorted(src.iterdir())
        for f in rng.sample(existing, 15):
            f.write_text(f.read_text() + f"\n\nEdited {k}: nickel output revised.")
        for f in rng.sample(existing, 8):
            f.unlink()
    proc = start(lib_dir, src)
    _, err = proc.communicate(timeout=RUN_LIMIT)
    assert proc.returncode == 0, err.decode(errors="replace")
    with Library(lib_dir) as lib:
        on_disk = {str(p) for p in src.iterdir()}
        stored = {d.parsed.path for d in lib.store.documents()}
        assert stored == on_disk
        assert index_ids(lib) == lib.store.all_ids()
        assert not lib.failures()
        assert lib.search("Edited").total > 0
    print("\n".join(log) + f"\nindex rebuilds after a kill: {rebuilds}")


def test_kill_between_index_and_store_commit_then_delete_leaves_no_orphan(
        tmp_path: Path) -> None:
    """The index is ahead of the store after this kill; a file deleted before the next
    run named documents nobody would ever remove again (found by the random kills)."""
    src, lib_dir = tmp_path / "src", tmp_path / "lib"
    files = write_corpus(src, 50)
    proc = start(lib_dir, src, "index-committed:1")
    proc.communicate(timeout=RUN_LIMIT)
    assert proc.returncode == -signal.SIGKILL
    with Library(lib_dir) as lib:
        assert lib.store.count() == 0 and lib.index.doc_count() > 0  # ahead, by design
        in_index = sorted(index_ids(lib))
    victim = Path(path_of.get(in_index[0]) or next(
        f for f in files if doc_id_for(str(f), 0) == in_index[0]))
    victim.unlink()
    proc = start(lib_dir, src)
    _, err = proc.communicate(timeout=RUN_LIMIT)
    assert proc.returncode == 0, err.decode(errors="replace")
    with Library(lib_dir) as lib:
        assert index_ids(lib) == lib.store.all_ids()
        assert doc_id_for(str(victim), 0) not in index_ids(lib)
        assert lib.search("batteries").total == 49
