"""Fault injection: a real SIGKILL of the indexer at a chosen point of its own work.

The reliability suite used to kill the indexer after a random number of seconds; on a
fast or quiet machine most kills landed after the run had finished (16 of 20 in one
clean run). Here the indexer kills itself at a point named by its progress, so every
kill lands inside the work, whatever the machine's pace.

``CELLSIGHT_FAULTS=POINT:N`` kills the process the N-th time it reaches POINT;
``POINT:random:SEED`` draws N from the events the run announced it will pass
(``plan``), so random kill points come from the run's own progress. Points:

``file-processed``   a file read and enriched, its batch not yet written
``segment-file``     an index file written and closed during a commit (a segment
                     half-written, or every segment written and the TOC not)
``index-committed``  a batch's Whoosh commit done, its store commit not
``batch-committed``  a batch's store commit done
``library-member``   a member of a portable library written to its zip (export) or
                     taken out of it (import); see ``workbench.portable``
``team-bulk``        a bulk request to a team library's server answered (team.indexer)
``team-userdata``    user data pulled and merged, or a bulk of it answered and its sync
                     state not yet written (team.userdata_sync)

``CELLSIGHT_PROGRESS=FILE`` appends ``POINT COUNT`` for every point reached, so a test
reads where the run was (and where it died); FILE may be a FIFO the test reads.
``CELLSIGHT_PAUSE=POINT`` stops at every POINT until a line arrives on standard input,
so a second process can look at the library in a known state (lockstep tests).
None of the variables costs anything unset.
Only the process that read them acts on them: worker processes inherit the
environment and must not count the parent's events.
"""

from __future__ import annotations

import os
import random
import signal
import sys
from dataclasses import dataclass, field

POINTS = ("file-processed", "segment-file", "index-committed", "batch-committed",
          "library-member", "team-bulk", "team-userdata")
_OWNER = "CELLSIGHT_FAULTS_OWNER"


@dataclass
class _Faults:
    point: str = ""
    at: int = 0  # the event that kills; 0: not yet drawn (random) or none
    seed: int | None = None
    report: int | None = None  # descriptor of the progress file
    pause: str = ""
    seen: dict[str, int] = field(default_factory=dict)


_UNREAD = _Faults()  # the environment not looked at yet
_state: _Faults | None = _UNREAD


def _load() -> _Faults | None:
    spec = os.environ.get("CELLSIGHT_FAULTS", "")
    report_to = os.environ.get("CELLSIGHT_PROGRESS", "")
    pause = os.environ.get("CELLSIGHT_PAUSE", "")
    if not spec and not report_to and not pause:
        return None
    owner = os.environ.get(_OWNER)
    if owner is not None and owner != str(os.getpid()):
        return None  # a worker process: the parent's faults are not ours
    os.environ[_OWNER] = str(os.getpid())
    state = _Faults(pause=pause)
    if spec:
        point, _, rest = spec.partition(":")
        if point not in POINTS:
            raise ValueError(f"CELLSIGHT_FAULTS: unknown point {point!r} (one of {POINTS})")
        state.point = point
        if rest.startswith("random"):
            state.seed = int(rest.partition(":")[2] or 0)
        else:
            state.at = int(rest or 1)
    if report_to:
        state.report = os.open(report_to, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    _watch_index_files()
    return state


def _current() -> _Faults | None:
    global _state
    if _state is _UNREAD:
        _state = _load()
    return _state


def armed() -> bool:
    return _current() is not None


def plan(point: str, events: int) -> None:
    """The run will reach ``point`` at least ``events`` times: a random kill point is
    drawn among them (the first plan of the killing point decides)."""
    state = _current()
    if state is None or state.point != point or state.seed is None or state.at:
        return
    if events > 0:
        state.at = state.seen.get(point, 0) + random.Random(state.seed).randint(1, events)


def reached(point: str) -> None:
    state = _current()
    if state is None:
        return
    n = state.seen[point] = state.seen.get(point, 0) + 1
    if state.report is not None:
        os.write(state.report, f"{point} {n}\n".encode())
    if point == state.point and n == state.at:
        os.kill(os.getpid(), signal.SIGKILL)
    if point == state.pause and not sys.stdin.buffer.readline():
        state.pause = ""  # the controlling test went away: run on


def _watch_index_files() -> None:
    """Count every Whoosh file closed in this process (segment files and the TOC)."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.filedb.structfile import StructFile

    original = FileStorage.create_file

    def create_file(self: FileStorage, name: str, **kwargs: object) -> StructFile:
        f = original(self, name, **kwargs)
        close = f.close

        def close_and_count() -> None:
            close()
            reached("segment-file")

        f.close = close_and_count  # type: ignore[method-assign]
        return f

    FileStorage.create_file = create_file  # type: ignore[method-assign]
