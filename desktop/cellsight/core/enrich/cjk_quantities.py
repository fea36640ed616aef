"""Figures written the Chinese way: "50亿元", "1.2万吨", "100吉瓦时", "12万元/吨".

Chinese copy puts units and the multipliers 万 (10⁴) and 亿 (10⁸) straight after the
number, without a space, in either script (吨/噸, 亿/億, 千瓦时/千瓦時). The Latin
pattern in ``quantities`` cannot read those, so this pass runs beside it on text that
holds CJK characters, and its spans win where both found something ("$10亿" is a
billion dollars, not ten).
"""

from __future__ import annotations

import re

from ..model import QUANTITY, EntitySpan

# Longest first, so 万亿 is not read as 万 then 亿.
_SCALES: dict[str, float] = {
    "万亿": 1e12, "萬億": 1e12, "千亿": 1e11, "千億": 1e11, "百亿": 1e10, "百億": 1e10,
    "十亿": 1e9, "十億": 1e9, "亿": 1e8, "億": 1e8, "千万": 1e7, "千萬": 1e7,
    "百万": 1e6, "百萬": 1e6, "万": 1e4, "萬": 1e4, "千": 1e3,
}  # fmt: skip
# surface → (normalised unit, factor)
_MONEY: dict[str, str] = {
    "元": "CNY", "人民币": "CNY", "人民幣": "CNY", "人民币元": "CNY", "人民幣元": "CNY",
    "块": "CNY", "美元": "USD", "美金": "USD", "欧元": "EUR", "歐元": "EUR",
    "日元": "JPY", "日圓": "JPY", "韩元": "KRW", "韓元": "KRW", "港元": "HKD",
    "港币": "HKD", "港幣": "HKD", "英镑": "GBP", "英鎊": "GBP",
}  # fmt: skip
_UNITS: dict[str, tuple[str, float]] = {
    "太瓦时": ("TWh", 1.0), "太瓦時": ("TWh", 1.0),
    "吉瓦时": ("GWh", 1.0), "吉瓦時": ("GWh", 1.0), "千兆瓦时": ("GWh", 1.0),
    "千兆瓦時": ("GWh", 1.0), "gwh": ("GWh", 1.0), "twh": ("TWh", 1.0),
    "兆瓦时": ("MWh", 1.0), "兆瓦時": ("MWh", 1.0), "mwh": ("MWh", 1.0),
    "千瓦时": ("kWh", 1.0), "千瓦時": ("kWh", 1.0), "kwh": ("kWh", 1.0),
    "吉瓦": ("GW", 1.0), "兆瓦": ("MW", 1.0),
    "吨": ("t", 1.0), "噸": ("t", 1.0), "公吨": ("t", 1.0), "公噸": ("t", 1.0),
    "公斤": ("kg", 1.0), "千克": ("kg", 1.0),
    "辆": ("vehicles", 1.0), "輛": ("vehicles", 1.0),
    "%": ("%", 1.0), "％": ("%", 1.0),
}  # fmt: skip
_PER: dict[str, str] = {
    "吨": "t", "噸": "t", "t": "t", "公斤": "kg", "千克": "kg", "kg": "kg",
    "千瓦时": "kWh", "千瓦時": "kWh", "kwh": "kWh", "瓦时": "Wh", "瓦時": "Wh", "wh": "Wh",
    "辆": "vehicle", "輛": "vehicle",
}  # fmt: skip
_PREFIX = {"$": "USD", "us$": "USD", "￥": "CNY", "¥": "CNY", "€": "EUR", "£": "GBP"}
_SYMBOL = {"USD": "$", "EUR": "€", "GBP": "£"}


def _alt(words: object) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))  # type: ignore[arg-type]


_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff"
_PATTERN = re.compile(
    rf"""
    (?<![\d.,$€£¥￥])(?<![^\W{_CJK}])
    (?P<cur>(?i:US\$)|\$|￥|¥|€|£)?
    (?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)
    \s?(?P<scale>(?!千[兆瓦克])(?:{_alt(_SCALES)}))?  # 千兆瓦时 is GWh, 千克 kg: units, not 千
    (?:
        (?P<money>{_alt(_MONEY)})(?:\s?/\s?(?P<per>(?i:{_alt(_PER)})))?
      | (?P<unit>(?i:{_alt(_UNITS)}))
      | (?(cur)(?<=[亿億万萬千])|(?!))  # "$10亿": a currency sign, then a multiplier
    )
    """,
    re.VERBOSE,
)
_HAS_CJK = re.compile(f"[{_CJK}]")


def has_cjk(text: str) -> bool:
    return not text.isascii() and _HAS_CJK.search(text) is not None


def _display(value: float) -> str:
    for factor, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(value) >= factor:
            return f"{value / factor:.10g} {word}"
    return f"{value:,.10g}"


def find_cjk_quantities(text: str) -> list[EntitySpan]:
    """Chinese-style figures in ``text``, in order; spans never overlap."""
    out: list[EntitySpan] = []
    for m in _PATTERN.finditer(text):
        cur, num, scale, money, per, unit_s = m.group("cur", "num", "scale", "money", "per",
                                                     "unit")  # fmt: skip
        if not (scale or money or unit_s):
            continue  # "$10" alone is the Latin pattern's
        value = float(num.replace(",", "")) * (_SCALES[scale] if scale else 1.0)
        value = float(f"{value:.12g}")  # 73.4 × 10⁸ is 7.34e9, not 7340000000.000001
        if money or (cur and not unit_s):
            currency = _MONEY[money] if money else _PREFIX[cur.lower()]
            unit = currency
            symbol = _SYMBOL.get(currency)
            name = f"{symbol}{_display(value)}" if symbol else f"{currency} {_display(value)}"
            if per:
                per_unit = _PER[per.lower()]
                unit, name = f"{currency}/{per_unit}", f"{name}/{per_unit}"
        elif unit_s:
            if cur:
                continue  # "$5吨" is nothing we can read
            unit, factor = _UNITS[unit_s.lower()]
            value *= factor
            # "9200亿千瓦时" is "920 billion kWh"; "1,200兆瓦時" is "1,200 MWh".
            name = f"{_display(value)} {unit}"
        else:
            continue
        out.append(EntitySpan(m.start(), m.end(), QUANTITY, f"qty:{unit}", name, m.group(0),
                              value, unit))  # fmt: skip
    return out


def merge(latin: list[EntitySpan], cjk: list[EntitySpan]) -> list[EntitySpan]:
    """Both passes' spans in text order; a Chinese-style span wins where they overlap."""
    if not cjk:
        return latin
    kept = [s for s in latin if not any(c.start < s.end and s.start < c.end for c in cjk)]
    return sorted([*kept, *cjk], key=lambda s: s.start)
