"""The team's user data at a desk's scale (issue 18): how long a sync takes.

    python benchmarks/team_userdata_bench.py [--notes 2000]

One local OpenSearch node (team_node, C1 JIT, 512 MB heap); member A writes ``--notes``
notes, as many tags, a tenth as many saved searches and stars, then syncs (the first
push); member B pulls everything into an empty cache; both sync again with nothing to
do (what the window's minute timer costs when nobody changed anything); A edits one
note and syncs, B pulls it. Each sync is timed as a whole (HTTP, merge, SQLite). The
documents are the seeds: user data names documents by id and the sync never reads them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests" / "team"), str(ROOT / "desktop")]

from team_node import build, start_node  # noqa: E402

from cellsight.core.paths import seeds_dir  # noqa: E402
from cellsight.core.team import open_team_library  # noqa: E402
from cellsight.core.workbench.records import SavedSearch  # noqa: E402


def timed(label: str, fn: object) -> object:
    t = time.perf_counter()
    report = fn()  # type: ignore[operator]
    ms = (time.perf_counter() - t) * 1000
    print(f"{label:<44} {ms:8.0f} ms  pulled {report.pulled:5d}  pushed {report.pushed:5d}")
    return report


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--notes", type=int, default=2000)
    n = ap.parse_args().notes
    build()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        node = start_node(work / "node")
        try:
            url = node.wait_ready().replace("http://", "opensearch+http://{}@") + "/bench"
            a = open_team_library(url.format("alice"), cache=work / "a")
            a.update([seeds_dir()])
            ids = [h.id for h in a.search(SavedSearch("all", "").request(limit=50)).hits]
            st = a.workbench.store
            for i in range(n):
                doc = ids[i % len(ids)]
                st.add_note(doc, f"note {i} on the offtake volumes")
                st.tag([doc], f"tag-{i}")
            for i in range(n // 10):
                st.save_search(SavedSearch(f"search {i}", f"lithium {i}"))
            for doc in ids[: n // 10]:
                st.set_star(doc)
            records = 2 * n + n // 10 + min(len(ids), n // 10)
            print(f"{records} records ({n} notes, {n} tags, {n // 10} saved searches, stars)")
            timed("A: first push", a.sync_user_data)
            b = open_team_library(url.format("bob"), cache=work / "b")
            timed("B: first pull into an empty cache", b.sync_user_data)
            timed("A: nothing changed", a.sync_user_data)
            timed("B: nothing changed", b.sync_user_data)
            note = st.annotations(ids[0]).notes[0]
            st.edit_note(note.id, "edited once")
            timed("A: one note edited", a.sync_user_data)
            timed("B: pulls the edit", b.sync_user_data)
            a.close()
            b.close()
        finally:
            node.stop()


if __name__ == "__main__":
    main()
