"""A kill during a save of user data leaves the old or the new version, never a mix.

User data is SQLite in WAL mode, one transaction per change. Two demonstrations:
a save killed before each of its SQL statements in turn (every point of the save),
and a writer of large changes killed at random points of its progress, over and over.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
from collections.abc import Callable
from pathlib import Path

from cellsight.core.enrich.catalogue import Entity
from cellsight.core.library import Library


def entity(n: int, aliases: int = 3) -> Entity:
    return Entity(id=f"user-e{n}", type="company", name=f"Fuzzcell {n} Holdings",
                  aliases=tuple(f"Fuzzcell {n} alias {j}" for j in range(aliases)), exact=(),
                  ticker=None, series=())


def in_child(work: Callable[[], None]) -> int:
    """Run ``work`` in a forked child; returns the signal that ended it (0 for a clean exit)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            work()
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0


def kill_at_statement(lib: Library, n: int) -> None:
    count = [0]

    def trace(_sql: str) -> None:
        count[0] += 1
        if count[0] == n:
            os.kill(os.getpid(), signal.SIGKILL)

    lib.user.conn.set_trace_callback(trace)


def integrity(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_save_killed_at_every_statement_is_all_or_nothing(tmp_path: Path) -> None:
    lib_dir = tmp_path / "lib"
    csv = tmp_path / "prices.csv"
    csv.write_text("date,lithium,cobalt,nickel\n2024-01-31,1,2,3\n2024-02-29,4,5,6\n")
    with Library(lib_dir) as lib:
        lib.hide_entity("user-e1")  # hidden before; adding it must also un-hide it
    outcomes: list[str] = []
    for n in range(1, 20):
        def save(n: int = n) -> None:
            lib = Library(lib_dir)
            kill_at_statement(lib, n)
            lib.add_entity(entity(1))
            lib.import_prices(csv)

        killed = in_child(save)
        integrity(lib_dir / "user.sqlite")
        with Library(lib_dir) as lib:
            changes = lib.user.changes()
            added = {e.id for e in changes.added}
            # The entity is either not there and still hidden, or there and visible.
            assert ("user-e1" in added) != ("user-e1" in changes.hidden), (n, changes)
            imported = [s.id for _, s in lib.user.imported_series()]
            assert len(imported) in (0, 3), imported  # the whole CSV or none of it
            outcomes.append(f"entity {'new' if added else 'old'}, "
                            f"prices {'new' if imported else 'old'}")
            if not killed:
                break  # n is past the save's last statement
            # Back to the old version for the next kill point.
            lib.user.conn.execute("DELETE FROM added_entities")
            lib.user.conn.execute("DELETE FROM imported_series")
            lib.hide_entity("user-e1")
    print(f"\n{len(outcomes)} kill points: {outcomes}")
    assert len(outcomes) > 5 and outcomes[-1] == "entity new, prices new"
    assert {"entity old, prices old", "entity new, prices old"} <= set(outcomes)


def test_writer_killed_at_random_moments_never_breaks_user_data(tmp_path: Path) -> None:
    lib_dir = tmp_path / "lib"
    Library(lib_dir).close()
    rng = random.Random(7)
    kills = 0
    for _ in range(12):
        with Library(lib_dir) as lib:
            start = len(lib.user.changes().added)

        # The kill point is drawn from the writer's own progress: after it reported
        # ``saves`` finished saves it is killed in the middle of the ones that follow
        # (it has thousands more to do), wherever the machine's pace puts that.
        saves = rng.randint(1, 25)
        done_r, done_w = os.pipe()

        def writer(start: int = start, done_r: int = done_r, done_w: int = done_w) -> None:
            os.close(done_r)
            lib = Library(lib_dir)
            for n in range(start, start + 10_000):
                lib.hide_entity(f"user-e{n}")
                lib.add_entity(entity(n, aliases=150))  # ~10 kB rows: several WAL pages
                os.write(done_w, b".")

        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child dies by SIGKILL
            writer()
            os._exit(0)
        os.close(done_w)
        reported = 0
        while reported < saves:
            got = os.read(done_r, saves - reported)
            assert got, "the writer stopped before it was killed"
            reported += len(got)
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        os.close(done_r)
        kills += os.WIFSIGNALED(status)
        integrity(lib_dir / "user.sqlite")
        with Library(lib_dir) as lib:
            changes = lib.user.changes()
            ids = sorted(int(e.id[6:]) for e in changes.added)
            assert ids == list(range(len(ids)))  # saves land in order, none half-made
            assert all(len(e.aliases) == 150 for e in changes.added)
            assert not {e.id for e in changes.added} & changes.hidden
            assert len(changes.hidden) <= 1  # at most the one hidden just before a kill
            assert len(ids) >= start + saves  # every reported save is kept
    assert kills == 12
