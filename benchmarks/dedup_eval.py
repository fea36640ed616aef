"""Near-duplicate detection on Reuters-21578: precision and recall, speed, cost.

    .venv/bin/python benchmarks/dedup_eval.py [--sgm DIR] [--library DIR] [--build-seconds S]

Ground truth comes from the corpus itself: every pair of stories whose bodies have an
exact Jaccard similarity of at least GT over their word 3-shingle sets (plain
lower-cased words, exact sets of tuples, no hashing and none of the detector's
normalisation), found through an inverted index of the shingles. The detector
(cellsight.core.dedup) is scored on the same pairs: a pair is predicted when LSH
makes it a candidate and the signatures estimate a Jaccard of at least THRESHOLD, and
again as clusters (every pair inside one cluster). datasketch's MinHash + MinHashLSH
with the same shingles, permutations and threshold is measured beside it when it is
importable (``--datasketch DIR`` adds a folder to sys.path). ``--library`` is a built
library whose stored texts time the signatures at benchmark scale (the 20k corpus);
``--build-seconds`` is that library's build time, for the share. Writes
benchmarks/dedup_eval.md.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import sqlite3
import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "desktop"))

from cellsight.core.dedup import minhash  # noqa: E402
from cellsight.core.dedup.clusters import Clusters  # noqa: E402

GT = 0.8
REUTERS = re.compile(r"<REUTERS[^>]*NEWID=\"(\d+)\"[^>]*>(.*?)</REUTERS>", re.S)
WORD = re.compile(r"\w+")


def load(folder: Path) -> dict[str, str]:
    """NEWID → the story's body (or its whole TEXT when it has no BODY)."""
    out: dict[str, str] = {}
    for f in sorted(folder.glob("reut2-*.sgm")):
        raw = f.read_bytes().decode("latin-1")
        for newid, item in REUTERS.findall(raw):
            m = re.search(r"<BODY>(.*?)</BODY>", item, re.S) or re.search(
                r"<TEXT[^>]*>(.*?)</TEXT>", item, re.S)
            text = re.sub(r"<[^>]+>", " ", m.group(1)) if m else ""
            text = html.unescape(text).replace("\x03", "").strip()
            text = re.sub(r"\s*Reuter\s*$", "", text)  # the wire's sign-off
            if text:
                out[newid] = text
    return out


def shingles(text: str) -> frozenset[tuple[str, ...]]:
    w = WORD.findall(text.lower())
    return frozenset(zip(w, w[1:], w[2:], strict=False))


def ground_truth(sets: dict[str, frozenset[tuple[str, ...]]], min_j: float
                 ) -> dict[tuple[str, str], float]:  # fmt: skip
    postings: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for doc, s in sets.items():
        for sh in s:
            postings[sh].append(doc)
    shared: dict[tuple[str, str], int] = defaultdict(int)
    for docs in postings.values():
        if 1 < len(docs) <= 400:  # a shingle in hundreds of stories is boilerplate
            for a, b in combinations(sorted(docs), 2):
                shared[(a, b)] += 1
    out = {}
    for (a, b), n in shared.items():
        sa, sb = sets[a], sets[b]
        # n undercounts only boilerplate shingles: recompute exactly when it could pass.
        if n >= min_j * min(len(sa), len(sb)) * 0.5:
            j = len(sa & sb) / len(sa | sb)
            if j >= min_j:
                out[(a, b)] = j
    return out


def detector(texts: dict[str, str]) -> tuple[set[tuple[str, str]], set[tuple[str, str]],
                                             float, float]:  # fmt: skip
    t0 = time.perf_counter()
    sigs = {d: minhash.signature_bytes(t) for d, t in texts.items()}
    t_sig = time.perf_counter() - t0
    state = Clusters()
    pairs: set[tuple[str, str]] = set()
    t0 = time.perf_counter()
    for d, raw in sigs.items():
        state.add(d, raw, 0)
    t_cluster = time.perf_counter() - t0
    for d, raw in sigs.items():  # the pairwise decisions behind the clusters
        if raw is None:
            continue
        sig = minhash.from_bytes(raw)
        for k in minhash.band_keys(sig)[0].tolist():
            for o in state.buckets.get(k, ()):
                if o > d and minhash.similarity(sig, state.sigs[o]) >= minhash.THRESHOLD:
                    pairs.add((d, o))
    in_clusters = {tuple(sorted(p)) for g in state.groups.values()
                   for p in combinations(g, 2)}  # fmt: skip
    return pairs, in_clusters, t_sig, t_cluster  # type: ignore[return-value]


def with_datasketch(texts: dict[str, str]) -> tuple[set[tuple[str, str]], float] | None:
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        return None
    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=minhash.THRESHOLD, num_perm=minhash.NUM_PERM)
    hashes = {}
    for d, t in texts.items():
        toks = minhash.tokens(t)
        grams = {" ".join(toks[i : i + 3]).encode() for i in range(len(toks) - 2)}
        if len(grams) < minhash.MIN_SHINGLES:
            continue
        m = MinHash(num_perm=minhash.NUM_PERM)
        m.update_batch(list(grams))
        hashes[d] = m
        lsh.insert(d, m)
    pairs = set()
    for d, m in hashes.items():
        for o in lsh.query(m):
            if o > d and m.jaccard(hashes[o]) >= minhash.THRESHOLD:
                pairs.add((d, o))
    return pairs, time.perf_counter() - t0


def score(pred: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, float, int]:
    tp = len(pred & truth)
    return (tp / len(pred) if pred else 1.0, tp / len(truth) if truth else 1.0, tp)


def library_cost(folder: Path) -> tuple[int, float, float]:
    uri = f"file:{folder / 'documents.sqlite'}?mode=ro&immutable=1"  # never written
    conn = sqlite3.connect(uri, uri=True)
    texts = [json.loads(p).get("text") or "" for (p,) in conn.execute(
        "SELECT parsed FROM documents")]  # fmt: skip
    t0 = time.perf_counter()
    sigs = [minhash.signature_bytes(t) for t in texts]
    t_sig = time.perf_counter() - t0
    state = Clusters()
    t0 = time.perf_counter()
    for n, raw in enumerate(sigs):
        state.add(str(n), raw, 0)
    return len(texts), t_sig, time.perf_counter() - t0


def diff(a: str, b: str) -> str:
    import difflib

    wa, wb = a.split(), b.split()
    ops = [f"{tag[0]} «{' '.join(wa[i1:i2])}» → «{' '.join(wb[j1:j2])}»"
           for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, wa, wb).get_opcodes()
           if tag != "equal"]  # fmt: skip
    return "; ".join(ops)[:300] or "identical"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sgm", type=Path, default=HERE / "out" / "reuters21578")
    ap.add_argument("--library", type=Path)
    ap.add_argument("--build-seconds", type=float)
    ap.add_argument("--datasketch", type=Path)
    ap.add_argument("--out", type=Path, default=HERE / "dedup_eval.md")
    args = ap.parse_args()
    if args.datasketch:
        sys.path.insert(0, str(args.datasketch))
    texts = load(args.sgm)
    sets = {d: shingles(t) for d, t in texts.items()}
    signable = {d for d, t in texts.items()
                if len(minhash.shingle_hashes(t)) >= minhash.MIN_SHINGLES}
    truth_j = ground_truth(sets, 0.5)
    lines = [f"# Near-duplicates on Reuters-21578\n\n`benchmarks/dedup_eval.py`: {len(texts)} "
             f"stories with text (of 21,578), {len(signable)} long enough to sign "
             f"(≥ {minhash.MIN_SHINGLES} shingles). Detector: MinHash, {minhash.NUM_PERM} "
             f"permutations, {minhash.SHINGLE}-token shingles, LSH {minhash.BANDS}×"
             f"{minhash.ROWS}, estimated Jaccard ≥ {minhash.THRESHOLD}.\n"]
    pairs, in_clusters, t_sig, t_cluster = detector(texts)
    lines += ["## Precision and recall\n",
              "| ground truth (exact Jaccard of word 3-shingles) | pairs | detector pairs: "
              "precision | recall | clusters (transitive): precision | recall |",
              "|---|---|---|---|---|---|"]
    for gt in (0.7, GT, 0.9):
        truth = {p for p, j in truth_j.items() if j >= gt and p[0] in signable
                 and p[1] in signable}  # fmt: skip
        p1, r1, _ = score(pairs, truth)
        # Precision counts a predicted pair as right when its true Jaccard is ≥ gt.
        p2, r2, _ = score(in_clusters, truth)
        lines.append(f"| ≥ {gt} | {len(truth)} | {p1:.3f} | {r1:.3f} | {p2:.3f} | {r2:.3f} |")
    truth = {p for p, j in truth_j.items() if j >= GT and p[0] in signable and p[1] in signable}
    near_miss = [p for p in pairs - truth]
    lost = [p for p in truth - pairs]
    lines.append(f"\nAt the chosen threshold ({GT} against {minhash.THRESHOLD}): "
                 f"{len(pairs)} pairs predicted, {len(truth)} true; of the {len(near_miss)} "
                 "predicted pairs outside the truth, true Jaccard: "
                 + ", ".join(f"{truth_j.get(p, 0):.2f}" for p in sorted(near_miss)[:20])
                 + f"; of the {len(lost)} missed: "
                 + ", ".join(f"{truth_j[p]:.2f}" for p in sorted(lost)[:20]) + ".\n")
    lines += ["## Speed\n", "| implementation | Reuters: sign + LSH, s | per story, ms |",
              "|---|---|---|",
              f"| cellsight (numpy) | {t_sig + t_cluster:.2f} | "
              f"{(t_sig + t_cluster) / len(texts) * 1000:.3f} |"]
    ds = with_datasketch(texts)
    if ds is not None:
        p, r, _ = score(ds[0], truth)
        lines.append(f"| datasketch 2.0.0 (MinHash + MinHashLSH) | {ds[1]:.2f} | "
                     f"{ds[1] / len(texts) * 1000:.3f} |")
        lines.append(f"\ndatasketch at ≥ {GT}: precision {p:.3f}, recall {r:.3f} "
                     f"({len(ds[0])} pairs).\n")
    if args.library:
        n, s, c = library_cost(args.library)
        lines += [f"\n## Cost at benchmark scale\n\n{n} stored documents of {args.library.name}: "
                  f"signatures {s:.2f} s CPU ({s / n * 1000:.3f} ms each, computed by the "
                  f"indexing workers), clustering {c:.2f} s in the main process."]
        if args.build_seconds:
            workers = 2
            share = (s / workers + c) / args.build_seconds
            lines.append(f"Against a {args.build_seconds:.0f} s build with {workers} workers: "
                         f"≈ {share:.1%} of build time.\n")
    rng = random.Random(21578)
    sample = rng.sample(sorted(truth), min(30, len(truth)))
    lines += ["\n## Hand check: 30 ground-truth pairs\n",
              "| pair (NEWID) | exact J | detected | what differs |", "|---|---|---|---|"]
    for a, b in sample:
        lines.append(f"| {a}–{b} | {truth_j[(a, b)]:.2f} | {'yes' if (a, b) in pairs else 'no'} "
                     f"| {diff(texts[a], texts[b]).replace('|', '/')} |")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
