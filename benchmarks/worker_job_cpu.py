"""One bulk worker job in this process: its CPU per file, for A/B timing of worker code.

``python benchmarks/worker_job_cpu.py FOLDER [N]`` reads, enriches and indexes the first N
files of FOLDER (default 1500) as one ``bulk_worker.run_job``, REPS times (environment,
default 3), after a 20-file job that loads the models. Whole builds drift with the
machine by ±15 %; one job's process time, run alternately with
``PYTHONPATH=<worktree of the old commit>/desktop``, separates changes of a few percent.
Profile it with ``py-spy record -r 250 -f raw -o job.raw -- python …``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.append(str(REPO / "desktop"))  # after PYTHONPATH: another commit can be timed

from cellsight.core import bulk_worker  # noqa: E402
from cellsight.core.enrich.enricher import Enricher  # noqa: E402
from cellsight.core.scan import SourceFile, scan  # noqa: E402


class _Progress:
    def put(self, item: object) -> None:
        pass


def _job(number: int, files: tuple[SourceFile, ...]) -> bulk_worker.Job:
    n = len(files)
    return bulk_worker.Job(number, files, (None,) * n, ((),) * n, frozenset(), 50 << 20)


def main(folder: Path, count: int, reps: int) -> None:
    files = tuple(sorted(scan([folder]), key=lambda f: f.path))[:count]
    with tempfile.TemporaryDirectory(prefix="worker-job-") as scratch:
        bulk_worker.init_worker(Enricher.default, scratch, _Progress(), threading.Event(),
                                os.getppid())  # fmt: skip
        bulk_worker.run_job(_job(1, files[:20]))
        for _ in range(reps):
            start = time.process_time()
            result = bulk_worker.run_job(_job(0, files))
            cpu = time.process_time() - start
            print(f"{len(result.added_ids)} docs, {cpu:.2f} s CPU, "
                  f"{cpu / len(files) * 1000:.3f} ms a file", flush=True)  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1500,
         int(os.environ.get("REPS", "3")))  # fmt: skip
