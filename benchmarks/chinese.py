"""Chinese articles for the benchmark corpus, built from real sentences.

Sentences come from the real Xinhua / People's Daily energy articles in tests/data/zh
(see tests/data/README.md); company, place and material names from the catalogue's
Chinese aliases are woven in, so entity matching and Chinese search have the work a
real Chinese library gives them. A quarter are in traditional script (OpenCC s2t).
"""

from __future__ import annotations

import random
import re
import tomllib
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ZH = REPO / "tests" / "data" / "zh"
CATALOGUE = REPO / "resources" / "catalogue.toml"
_SENTENCE = re.compile(r"[^。！？]{12,160}[。！？]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_OPENERS = ("{company}表示，", "据{place}媒体报道，", "{company}周四宣布，", "业内人士认为，",
            "{material}价格方面，", "")
_HEADLINES = ("{company}在{place}投资建设电池工厂", "{material}价格{move}，{company}调整产能",
              "{company}与{company2}签署供货协议", "{place}新能源汽车销量{move}",
              "{company}发布新一代{material}电池")


@cache
def sentences() -> tuple[str, ...]:
    found: list[str] = []
    for path in sorted(ZH.glob("doc_*.txt")):
        if path.stem.endswith("-hant"):
            continue
        found += _SENTENCE.findall(path.read_text(encoding="utf-8"))
    return tuple(found)


@cache
def names() -> dict[str, tuple[str, ...]]:
    data = tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))
    by_type: dict[str, list[str]] = {}
    for e in data["entity"]:
        for alias in e.get("aliases", []):
            if _CJK.search(alias) and len(alias) <= 8:
                by_type.setdefault(e["type"], []).append(alias)
    return {t: tuple(v) for t, v in by_type.items()}


def _fill(template: str, rng: random.Random) -> str:
    pool = names()
    slots = {"company": "company", "company2": "company", "place": "place",
             "material": "material"}
    out = template
    for slot, etype in slots.items():
        while "{" + slot + "}" in out:
            choices = pool.get(etype) or ("中国",)
            out = out.replace("{" + slot + "}", rng.choice(choices), 1)
    return out.replace("{move}", rng.choice(("上涨", "下跌", "回升", "创新高")))


@cache
def _s2t():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("s2t")


def chinese_text_file(index: int, seed: int, date_iso: str) -> str:
    rng = random.Random(f"{seed}:zh:{index}")
    pool = sentences()
    title = _fill(rng.choice(_HEADLINES), rng)
    paragraphs = []
    for _ in range(rng.randint(3, 6)):
        para = "".join(_fill(rng.choice(_OPENERS), rng) + rng.choice(pool)
                       for _ in range(rng.randint(2, 5)))
        paragraphs.append(para)
    text = f"Title: {title}\nDate: {date_iso}\nSource: 新华网\n\n" + "\n\n".join(paragraphs) + "\n"
    return _s2t().convert(text) if rng.random() < 0.25 else text
