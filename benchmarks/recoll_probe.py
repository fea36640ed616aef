"""Times Recoll queries in-process (top 20 plus an abstract per hit).

Runs under the system Python, which has Debian's python3-recoll:
``/usr/bin/python3 recoll_probe.py CONFDIR REPEATS MIX_JSON``; prints one JSON line.
Standard library only, since the venv's packages are not visible here.
"""

from __future__ import annotations

import json
import math
import resource
import sys
import time


def _summary(values: list[float]) -> dict[str, float]:
    s = sorted(values)
    mid = len(s) // 2
    med = s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2
    return {"median": med, "p95": s[min(len(s) - 1, math.ceil(0.95 * len(s)) - 1)],
            "max": s[-1], "n": len(s)}


def main() -> None:
    from recoll import recoll

    conf, repeats, mix = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
    t0 = time.perf_counter()
    db = recoll.connect(confdir=conf)
    open_ms = (time.perf_counter() - t0) * 1000
    per_cat: dict[str, list[float]] = {}
    totals: dict[str, int] = {}
    for rep in range(repeats + 1):
        for cat, queries in mix.items():
            for text in queries:
                t0 = time.perf_counter()
                q = db.query()
                n = q.execute(text, stemming=1)
                docs = q.fetchmany(20)
                for doc in docs:
                    q.makedocabstract(doc)
                ms = (time.perf_counter() - t0) * 1000
                if rep == 0:
                    totals[text] = n
                    continue
                per_cat.setdefault(cat, []).append(ms)
                per_cat.setdefault("all", []).append(ms)
    print(json.dumps({
        "open_ms": open_ms,
        "categories": {c: _summary(v) for c, v in per_cat.items()},
        "totals": totals,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6,
    }))


if __name__ == "__main__":
    main()
