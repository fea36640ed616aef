"""Compare body extraction on the benchmark pages: trafilatura vs the soup extractor.

Scores are precision / recall / F1 over word 4-grams (CJK text: character
4-grams) of the extracted body against the hand-checked text in ``truth/``.
Also scores the reader's own choice (``HtmlReader``). Run from the repo root:
``.venv/bin/python benchmarks/html_extraction/evaluate.py``.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from cellsight.core.ingest.encoding import clean_text, decode_bytes
from cellsight.core.ingest.html import HtmlReader, _soup, declared_charset
from cellsight.core.ingest.html_body import soup_paragraphs, trafilatura_paragraphs

HERE = Path(__file__).resolve().parent
_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W_]+", re.UNICODE)


def ngrams(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = [t.lower() for t in _TOKEN.findall(text)]
    return Counter(tuple(tokens[i : i + n]) for i in range(max(0, len(tokens) - n + 1)))


def score(extracted: str, truth: str) -> tuple[float, float, float]:
    got, want = ngrams(extracted), ngrams(truth)
    overlap = sum((got & want).values())
    p = overlap / sum(got.values()) if got else 0.0
    r = overlap / sum(want.values()) if want else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def extractions(page: Path) -> dict[str, str]:
    data = page.read_bytes()
    text = clean_text(decode_bytes(data, declared_charset(data))[0])
    doc = HtmlReader().read(page, data)[0]
    return {
        "trafilatura": "\n\n".join(trafilatura_paragraphs(text)),
        "soup": "\n\n".join(soup_paragraphs(_soup(text))),
        "reader": doc.text,
    }


def main() -> int:
    methods = ("trafilatura", "soup", "reader")
    totals: dict[str, list[tuple[float, float, float]]] = {m: [] for m in methods}
    header = f"{'page':32}" + "".join(f"{m + ' P/R/F1':>24}" for m in methods)
    print(header)
    for truth_file in sorted((HERE / "truth").glob("*.txt")):
        page = HERE / "pages" / f"{truth_file.stem}.html"
        truth = truth_file.read_text(encoding="utf-8")
        got = extractions(page)
        row = f"{truth_file.stem:32}"
        for m in methods:
            prf = score(got[m], truth)
            totals[m].append(prf)
            row += f"{prf[0]:>8.3f}{prf[1]:>8.3f}{prf[2]:>8.3f}"
        print(row)
    row = f"{'macro average':32}"
    for m in methods:
        n = len(totals[m]) or 1
        row += "".join(f"{sum(x[i] for x in totals[m]) / n:>8.3f}" for i in range(3))
    print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
