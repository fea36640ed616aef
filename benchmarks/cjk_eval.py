"""Chinese search on real news: bigrams (what Cellsight indexes) against jieba words.

``python benchmarks/cjk_eval.py`` indexes ``tests/data/zh`` (real Xinhua / People's Daily
/ Economic Daily energy articles, a quarter of them in traditional script) into a scratch
library and searches every query word in both scripts. A document is relevant when its
text contains the word (both folded to simplified script): "every word a document
contains finds it". Reported per method: recall, precision, and analysis pace.

jieba is measured through rjieba (its Rust port, the fast way to use it): a document is
found when the query's jieba tokens all occur among the document's jieba tokens, which
is how a word-segmenting index answers.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "desktop"))

from cellsight.core.cjk import fold  # noqa: E402
from cellsight.core.index.fast_analysis import analyse  # noqa: E402
from cellsight.core.library import Library  # noqa: E402
from cellsight.core.model import SearchRequest  # noqa: E402

DATA = REPO / "tests" / "data" / "zh"
# Words an energy analyst types: materials, products, companies, places, sectors;
# one-character words and words a segmenter cuts differently included on purpose.
QUERIES = (
    "电池 锂 锂电池 储能 光伏 新能源 新能源汽车 汽车 比亚迪 电站 发电 电力 风电 太阳能 "
    "天然气 石油 煤炭 管道 能源 合作 投资 项目 工厂 基础设施 绿色 中东 哈萨克斯坦 "
    "巴基斯坦 一带一路 新华社 记者 中国 企业 技术 油 气 电"
).split()


def documents() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(DATA.glob("*.txt"))}


def relevant(docs: dict[str, str], word: str) -> set[str]:
    w = fold(word)
    return {name for name, text in docs.items() if w in fold(text)}


def score(found: set[str], truth: set[str]) -> tuple[int, int, int]:
    return len(found & truth), len(found), len(truth)


def cellsight_results(docs: dict[str, str], scripts: tuple[str, ...]) -> dict[str, set[str]]:
    import opencc

    s2t = opencc.OpenCC("s2t")
    tmp = Path(tempfile.mkdtemp(prefix="cjk-eval-"))
    try:
        src = tmp / "src"
        src.mkdir()
        for name, text in docs.items():
            (src / name).write_text(text, encoding="utf-8")
        out: dict[str, set[str]] = {}
        with Library(tmp / "lib") as lib:
            lib.update([src])
            for word in QUERIES:
                for script in scripts:
                    typed = s2t.convert(word) if script == "traditional" else word
                    res = lib.search(SearchRequest(query=typed, limit=1000))
                    out[f"{script}:{word}"] = {Path(h.path).name for h in res.hits}
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def jieba_results(docs: dict[str, str]) -> tuple[dict[str, set[str]], float]:
    import rjieba

    t0 = time.perf_counter()
    tokens = {name: set(rjieba.cut(fold(text))) for name, text in docs.items()}
    seconds = time.perf_counter() - t0
    out = {}
    for word in QUERIES:
        q = [t for t in rjieba.cut(word) if t.strip()]
        out[word] = {name for name, toks in tokens.items() if all(t in toks for t in q)}
    return out, seconds


def main() -> None:
    docs = documents()
    chars = sum(len(t) for t in docs.values())
    t0 = time.perf_counter()
    for text in docs.values():
        analyse(text, frozenset())
    bigram_s = time.perf_counter() - t0
    ours = cellsight_results(docs, ("simplified", "traditional"))
    theirs, jieba_s = jieba_results(docs)
    rows = []
    totals = {label: [0, 0, 0]
              for label in ("cellsight", "cellsight (traditional query)", "jieba")}
    for word in QUERIES:
        truth = relevant(docs, word)
        for label, found in (("cellsight", ours[f"simplified:{word}"]),
                             ("cellsight (traditional query)", ours[f"traditional:{word}"]),
                             ("jieba", theirs[word])):
            hit, n, t = score(found, truth)
            for i, v in enumerate((hit, n, t)):
                totals[label][i] += v
        rows.append((word, len(truth), len(ours[f"simplified:{word}"] & truth),
                     len(theirs[word] & truth), len(theirs[word] - truth)))
    report = {
        "documents": len(docs), "characters": chars, "queries": len(QUERIES),
        "methods": {label: {"recall": round(h / t, 4) if t else None,
                            "precision": round(h / n, 4) if n else None}
                    for label, (h, n, t) in totals.items()},
        "analysis_chars_per_s": {"cellsight bigrams": round(chars / bigram_s),
                                 "jieba (rjieba)": round(chars / jieba_s)},
        "misses_by_jieba": [{"word": w, "relevant": r, "jieba_found": j, "jieba_wrong": x}
                            for w, r, _, j, x in rows if j < r or x],
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
