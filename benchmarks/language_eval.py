"""Language detection on short real texts: py3langid (used) against pycld2.

``python benchmarks/language_eval.py [DIR]`` reads one file of sentences per language
(default tests/data/lang: 100 real sentences each from the Leipzig corpora) and prints
accuracy on whole sentences and on their first five words (title-sized; eight
characters for Chinese). pycld2 is measured only when installed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "desktop"))

from cellsight.core.enrich.language import detect  # noqa: E402


def _short(sentence: str, lang: str) -> str:
    return sentence[:8] if lang == "zh" else " ".join(sentence.split()[:5])


def _cld2() -> object | None:
    try:
        import pycld2
    except ImportError:
        return None

    def detect_cld2(text: str) -> str:
        clean = "".join(c if c.isprintable() else " " for c in text)
        try:
            return str(pycld2.detect(clean, bestEffort=True)[2][0][1].split("-")[0])
        except pycld2.error:
            return ""

    return detect_cld2


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "tests" / "data" / "lang"
    methods = {"py3langid": lambda t: detect("", t)}
    cld2 = _cld2()
    if cld2 is not None:
        methods["pycld2"] = cld2  # type: ignore[assignment]
    report: dict[str, dict[str, dict[str, float]]] = {}
    for name, fn in methods.items():
        per: dict[str, dict[str, float]] = {}
        for path in sorted(folder.glob("*.txt")):
            lang = path.stem
            lines = [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
            short = [_short(x, lang) for x in lines]
            per[lang] = {
                "sentences": round(sum(fn(x) == lang for x in lines) / len(lines), 3),
                "five_words": round(sum(fn(x) == lang for x in short) / len(lines), 3),
            }
        per["all"] = {k: round(sum(v[k] for v in per.values()) / len(per), 3)
                      for k in ("sentences", "five_words")}
        report[name] = per
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
