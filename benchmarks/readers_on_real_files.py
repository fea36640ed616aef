"""Every real public file under a folder (tests/data) through the reader registry: files,
documents, e-mail attachments, files refused with a reason, seconds and CJK characters
read, per top-level folder. ``PYTHONPATH=desktop python benchmarks/readers_on_real_files.py
tests/data``; run it at two commits to compare readers."""

from __future__ import annotations

import collections
import sys
import time
from pathlib import Path

from cellsight.core.errors import IngestError
from cellsight.core.ingest.registry import read_path

SKIP = (".md", ".py")  # the folder's notes and fixture scripts


def main(root: Path) -> int:
    rows: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0, 0, 0, 0.0, 0])
    crashed = 0
    for f in sorted(root.rglob("*")):
        if not f.is_file() or f.suffix in SKIP:
            continue
        r = rows[f.relative_to(root).parts[0]]
        r[0] += 1
        t = time.perf_counter()
        try:
            docs = read_path(f)
            r[1] += len(docs)
            r[2] += sum(1 for d in docs if getattr(d, "attached_to", None))
            r[5] += sum(1 for d in docs for ch in d.text if "\u4e00" <= ch <= "\u9fff")
        except IngestError:
            r[3] += 1
        except Exception as exc:  # noqa: BLE001 - a reader must never raise this: report it
            r[3] += 1
            crashed += 1
            print("CRASH", f, type(exc).__name__, exc)
        r[4] += time.perf_counter() - t
    print(f"{'folder':12s} files  docs attached refused seconds cjk_chars")
    for key, (n, d, a, bad, s, c) in sorted(rows.items()):
        print(f"{key:12s} {n:5.0f} {d:5.0f} {a:8.0f} {bad:7.0f} {s:7.2f} {c:9.0f}")
    print(f"uncaught exceptions: {crashed}")
    return 1 if crashed else 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data")))
