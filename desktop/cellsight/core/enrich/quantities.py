"""Find figures in text: capacities (GWh), prices ($/kWh), money, shares (%), tonnages.

Each hit becomes an :class:`EntitySpan` of type ``"quantity"`` with a scaled
``value`` ("$3.5 billion" → 3.5e9), a normalised ``unit`` ("USD", "GWh", "t", "%")
and a display ``name`` ("$3.5 billion", "259.7 GWh", "36.8 %"). For a range
("10 to 20 automakers") the value is the lower bound and the name shows both ends.
"""

from __future__ import annotations

import re

from ..model import QUANTITY, EntitySpan
from .cjk_quantities import find_cjk_quantities, has_cjk, merge

_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_WORD_VALUES: dict[str, int] = {w: i for i, w in enumerate(_SMALL)}
_WORD_VALUES.update({w: 20 + 10 * i for i, w in enumerate(_TENS)})

_WORD = (
    rf"(?:{'|'.join(_TENS)})(?:[-\s](?:{'|'.join(_SMALL[1:10])}))?"
    rf"|(?:{'|'.join(sorted(_SMALL, key=len, reverse=True))})"
)
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_SEP = r"(?:\s?[-–—]\s?|\s+to\s+)"

_SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
_SCALE_WORDS = {"k": "thousand", "mn": "million", "mln": "million", "m": "million"}
_SCALE_WORDS.update({"bn": "billion", "b": "billion", "tn": "trillion"})

_CURRENCY_PREFIX = {
    "us$": "USD",
    "u.s.$": "USD",
    "$": "USD",
    "a$": "AUD",
    "c$": "CAD",
    "hk$": "HKD",
    "€": "EUR",
    "£": "GBP",
    "¥": "CNY",  # in battery-market copy the yen sign is almost always renminbi
    "usd": "USD",
    "eur": "EUR",
    "rmb": "CNY",
    "cny": "CNY",
    "gbp": "GBP",
    "jpy": "JPY",
    "krw": "KRW",
    "aud": "AUD",
    "cad": "CAD",
}
_CURRENCY_WORD = {
    "yuan": "CNY",
    "renminbi": "CNY",
    "dollars": "USD",
    "us dollars": "USD",
    "euros": "EUR",
    "euro": "EUR",
    "won": "KRW",
    "yen": "JPY",
}
_SYMBOL = {"USD": "$", "EUR": "€", "GBP": "£"}
_VERB_LIKE = frozenset({"won", "yen"})

# surface (lower-cased) → (normalised unit, factor, display unit)
_UNITS: dict[str, tuple[str, float, str]] = {}
for _u in ("TWh", "GWh", "MWh", "kWh", "Wh"):
    _UNITS[_u.lower()] = (_u, 1.0, _u)
for _word, _u in (("terawatt", "TWh"), ("gigawatt", "GWh"), ("megawatt", "MWh")):
    for _tail in ("-hours", " hours", "-hour", " hour"):
        _UNITS[_word + _tail] = (_u, 1.0, _u)
for _tail in ("-hours", " hours", "-hour", " hour"):
    _UNITS["kilowatt" + _tail] = ("kWh", 1.0, "kWh")
for _u, _word in (("GW", "gigawatts"), ("MW", "megawatts"), ("kW", "kilowatts")):
    _UNITS[_u.lower()] = (_u, 1.0, _u)
    _UNITS[_word] = (_u, 1.0, _u)
for _s in ("%", "percent", "per cent", "pct"):
    _UNITS[_s] = ("%", 1.0, "%")
_UNITS["percentage points"] = ("pp", 1.0, "pp")
for _s in ("tonnes", "tonne", "tons", "ton", "metric tonnes", "metric tons", "t", "mt"):
    _UNITS[_s] = ("t", 1.0, "t")
for _s in ("kt", "kilotonnes", "kilotons"):
    _UNITS[_s] = ("t", 1e3, "kt")
_UNITS["mt_million"] = ("t", 1e6, "Mt")
# Capacities a year: "100,000 tpa", "20 ktpa", "1.5 mtpa" (the rate is the tonnage).
for _s, _f, _shown in (("tpa", 1.0, "tpa"), ("ktpa", 1e3, "ktpa"), ("mtpa", 1e6, "Mtpa"),
                       ("tonnes per year", 1.0, "tpa"), ("tonnes per annum", 1.0, "tpa"),
                       ("tons per year", 1.0, "tpa")):
    _UNITS[_s] = ("t", _f, _shown)
for _s in ("kg", "kilograms", "kilogrammes"):
    _UNITS[_s] = ("kg", 1.0, "kg")
for _s in ("km", "kilometres", "kilometers"):
    _UNITS[_s] = ("km", 1.0, "km")
_UNITS["miles"] = ("mi", 1.0, "miles")
_COUNTS = (
    "automakers carmakers OEMs companies gigafactories factories plants vehicles cars EVs "
    "units jobs"
).split()
for _c in _COUNTS:
    _UNITS[_c.lower()] = (_c, 1.0, _c)
    _singular = _c[:-3] + "y" if _c.endswith("ies") else _c[:-1]
    _UNITS[_singular.lower()] = (_c, 1.0, _singular)

_PER_UNITS = {
    "kwh": "kWh",
    "wh": "Wh",
    "mwh": "MWh",
    "gwh": "GWh",
    "tonne": "t",
    "ton": "t",
    "t": "t",
    "mt": "t",
    "kg": "kg",
    "lb": "lb",
    "pound": "lb",
    "vehicle": "vehicle",
    "car": "vehicle",
    "year": "yr",
}


# A number or unit may touch CJK characters ("产能100GWh的工厂"): Chinese has no spaces,
# so the boundaries below are "no other word character", not "no word character".
_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
_WORD_BEFORE = rf"(?<![.,$€£¥])(?<![^\W{_CJK}])"
_END = rf"(?![^\W{_CJK}])"


def _alternation(words: object) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))  # type: ignore[arg-type]


# Case matters for one symbol: "Mt" is a million tonnes, "mt" a metric tonne.
_CASED_UNITS = r"Mt"
_UNIT_RE = rf"(?P<unit>{_CASED_UNITS}|(?i:{_alternation(k for k in _UNITS if k != 'mt_million')}))"
_PER_UNIT_RE = rf"(?i:{_alternation(_PER_UNITS)}){_END}"
_PER_SEP = r"(?:\s?/\s?|\s+per\s+|\s+an?\s+(?=tonne|ton|kg|pound))"
_PER_RE = rf"{_PER_SEP}(?P<per>{_PER_UNIT_RE})"
# "10 billion yuan", "80 yuan/kWh"
_CWORD_RE = (
    rf"\s(?P<cword>(?i:{_alternation(_CURRENCY_WORD)})){_END}"
    rf"(?:{_PER_SEP}(?P<per2>{_PER_UNIT_RE}))?"
)
# "100 $/kWh", "120 USD/t"
_PCUR_RE = rf"\s?(?P<pcur>US\$|\$|€|£|¥|USD|EUR|RMB|CNY)\s?/\s?(?P<per3>{_PER_UNIT_RE})"
_NUMBER = rf"(?:{_DIGITS}|(?i:{_WORD}))"

_PATTERN = re.compile(
    rf"""
    {_WORD_BEFORE}
    (?P<sign>[-−+](?=[\d.$€£¥]))?
    (?P<cur>(?i:US\$|U\.S\.\s?\$|HK\$|A\$|C\$)|\$|€|£|¥|(?:USD|EUR|RMB|CNY|GBP|JPY|KRW|AUD|CAD)\s?)?
    (?P<lo>(?(cur)(?:{_DIGITS})|{_NUMBER}))  # spelled-out numbers never follow a "$"
    (?:{_SEP}(?:\$|€|£|¥)?(?P<hi>(?(cur)(?:{_DIGITS})|{_NUMBER})))?
    (?:
        \s?(?P<scale>(?i:thousand|million|billion|trillion|bn|mn|mln)){_END}
      | (?(cur)\s?(?P<sscale>mn|mln|bn|tn|[kmbKMB])(?![\w])|(?!))
    )?
    (?:
        (?(cur){_PER_RE}|(?!))
      | {_CWORD_RE}
      | {_PCUR_RE}
      | \s?(?P<ccode>USD|EUR|RMB|CNY|GBP|JPY|KRW){_END}
      | (?:\s|(?<=\d))(?:{_UNIT_RE})(?:(?<=%)|{_END})
        (?:\s(?:of\s)?(?P<lce>LCE|(?i:lithium\ carbonate\ equivalent)){_END})?
    )?
    """,
    re.VERBOSE,
)


def _to_float(num: str) -> float:
    word = num.lower().replace("-", " ")
    if word in _WORD_VALUES:
        return float(_WORD_VALUES[word])
    parts = word.split()
    if len(parts) == 2 and parts[0] in _WORD_VALUES and parts[1] in _WORD_VALUES:
        return float(_WORD_VALUES[parts[0]] + _WORD_VALUES[parts[1]])
    return float(num.replace(",", ""))


def _display_number(num: str) -> str:
    if num[0].isdigit() or num[0] == ".":
        return num
    value = _to_float(num)
    return str(int(value))


def _resolve_unit(surface: str | None) -> tuple[str, float, str] | None:
    if surface is None:
        return None
    if surface == "Mt":
        return _UNITS["mt_million"]
    return _UNITS[" ".join(surface.lower().split())]


def _match_to_span(m: re.Match[str]) -> EntitySpan | None:
    # One groups() call, not a dozen group(name) look-ups (test_enrich_fast_paths: order).
    sign_s, cur, lo, hi, scale, sscale, per, cword, per2, pcur, per3, ccode, unit_s, lce = (
        m.groups()
    )
    if not (cur or cword or pcur or ccode or unit_s or scale or sscale or hi):
        return None  # a bare number ("in 2023"): nothing below could raise or keep it
    try:
        value = _to_float(lo)
        number = _display_number(lo) + (f"–{_display_number(hi)}" if hi else "")
    except ValueError:
        # The pattern matches number words case-insensitively, which also admits
        # look-alikes no table reads ("ſix", "nıne"): not a quantity, not a crash.
        return None
    sign = -1.0 if sign_s in ("-", "−") else 1.0
    scale_word = scale or sscale
    factor = _SCALES[scale_word.lower()] if scale_word else 1.0
    scale_text = ""
    if scale_word:
        low = scale_word.lower()
        scale_text = " " + _SCALE_WORDS.get(low, low)
    if sign_s and sign < 0:
        number = "-" + number

    currency: str | None = None
    if cur:
        currency = _CURRENCY_PREFIX[" ".join(cur.lower().split()).replace(" ", "")]
    elif cword:
        word = " ".join(cword.lower().split())
        if word in _VERB_LIKE and not scale_word:
            return None  # "in 2023 won the contract" is not money
        currency = _CURRENCY_WORD[word]
    elif pcur:
        currency = _CURRENCY_PREFIX[pcur.lower()]
    elif ccode:
        currency = _CURRENCY_PREFIX[ccode.lower()]

    if currency is not None:
        per = per or per2 or per3
        unit = currency
        symbol = _SYMBOL.get(currency)
        name = f"{symbol}{number}{scale_text}" if symbol else f"{currency} {number}{scale_text}"
        if per:
            per_unit = _PER_UNITS[per.lower()]
            unit = f"{currency}/{per_unit}"
            name = f"{name}/{per_unit}"
    else:
        resolved = _resolve_unit(unit_s)
        if resolved is None:
            return None  # a bare number is not a quantity
        unit, unit_factor, shown = resolved
        factor *= unit_factor
        if lce and unit == "t":
            unit, shown = "t LCE", f"{shown} LCE"
        name = f"{number}{scale_text} {shown}"
    start, end = m.span()
    return EntitySpan(
        start, end, QUANTITY, f"qty:{unit}", name, m.group(0), sign * value * factor, unit
    )


# "\d\d*", not "\d+": opening with a character class lets the regex engine skip
# non-digits in a tight loop; in ASCII text \d is [0-9], which is cheaper still.
_DIGIT_RUN, _ASCII_DIGIT_RUN = re.compile(r"\d\d*"), re.compile(r"[0-9][0-9]*")
_WORD_ROOTS = tuple(sorted(_WORD_VALUES))
# Roots no other root starts with ("four", not "fourteen"): a longer one is found at
# the same place, and a start listed twice is only tried once.
_ROOT_PREFIXES = tuple(r for r in _WORD_ROOTS if not any(r != o and r.startswith(o)
                                                         for o in _WORD_ROOTS))
_BACK_OFF = 8  # longest prefix before the digits: sign and "U.S. $" (7 characters)
_WORD_START = re.compile(rf"{_WORD_BEFORE}(?i:{_WORD})")
# Where _PATTERN can begin: its look-behind, then the first character of a sign, a
# currency (US$ HK$ A$ C$ in any case, $ € £ ¥, USD … CAD) or a number (digit, ".",
# spelled out in any case). Back-off starts elsewhere (the words before a number) are
# skipped without a _PATTERN call. test_enrich_fast_paths checks it against _PATTERN.
_MAY_BEGIN = re.compile(rf"{_WORD_BEFORE}(?:[-−+$€£¥.\dUERCGJKA]|(?i:[uhacztfseno]))")
_LO = _PATTERN.groupindex["lo"]


def _candidates(text: str) -> list[int]:
    """Where a quantity's number may begin: digit runs and spelled-out numbers.

    Trying the full pattern only here, rather than at every position, makes the
    scan several times faster on prose, which is mostly letters.
    """
    digit_run = _ASCII_DIGIT_RUN if text.isascii() else _DIGIT_RUN
    starts = [m.start() for m in digit_run.finditer(text)]
    lower = text.lower()
    if len(lower) == len(text):
        for root in _ROOT_PREFIXES:
            pos = lower.find(root)
            while pos != -1:
                if pos == 0 or not lower[pos - 1].isalnum():
                    starts.append(pos)
                pos = lower.find(root, pos + 1)
    else:
        starts.extend(m.start() for m in _WORD_START.finditer(text))
    starts.sort()
    return starts


def find_quantities(text: str) -> list[EntitySpan]:
    """All quantities in ``text``, in order of position; spans never overlap."""
    spans = _find_latin(text)
    if has_cjk(text):  # "50亿元", "1.2万吨": a second pass, only where Chinese is written
        return merge(spans, find_cjk_quantities(text))
    return spans


def _find_latin(text: str) -> list[EntitySpan]:
    spans: list[EntitySpan] = []
    last_end = 0
    match, may_begin = _PATTERN.match, _MAY_BEGIN.search
    for pos in _candidates(text):
        if pos < last_end:
            continue
        start = max(last_end, pos - _BACK_OFF)
        while True:
            if start < pos:
                found = may_begin(text, start, pos)
                start = pos if found is None else found.start()
            m = match(text, start)
            # Accept only a match whose number is the one found at ``pos``; an
            # earlier start must merely add a sign or currency prefix.
            if m is not None and m.start(_LO) <= pos < m.end(_LO):
                last_end = m.end()
                span = _match_to_span(m)
                if span is not None:
                    spans.append(span)
                break
            if start >= pos:
                break
            start += 1
    return spans
