"""Dates that a clipping states in its dateline or byline.

Only full dates count: a year, a month and a day. "March 24", "12月21日", a bare
year or "© 2023" say nothing about when the piece appeared. A date inside a
sentence or a photo caption is the date of an event, so a line that reads as
prose is not a dateline. Numeric dates whose day and month could be swapped
(06/01/2026) are skipped: a wrong date is worse than none.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

DATELINE_CHARS = 200  # a longer line is a paragraph, and its dates are the story's
_EN_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_EN_FULL = "january february march april may june july august september october november december"
_DE_MONTHS = {
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "april": 4, "mai": 5,
    "juni": 6, "juli": 7, "august": 8, "september": 9, "oktober": 10, "november": 11,
    "dezember": 12, "okt": 10, "dez": 12, "mrz": 3,
}  # fmt: skip
_MONTHS = {**_EN_MONTHS, **{m: i for i, m in enumerate(_EN_FULL.split(), 1)}, **_DE_MONTHS}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_YEAR = r"((?:19|20)\d{2})(?!\d)"
# "March 7, 20247:55 AM": pages glue the year to the clock time that follows it
_YEAR_GLUED = r"((?:19|20)\d{2})(?:(?!\d)|(?=\d{1,2}:\d{2}))"
# "2023-02-14", "2023/2/14", "2023.02.14", "2023年2月14日" (and the spaces some sites add)
_YMD = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*([-/.年])\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
# "13.02.2023", "13. 2. 2023"; the two-digit-year form only with a time after it
_DMY_DOT = re.compile(r"(?<![\d.])(\d{1,2})\.\s?(\d{1,2})\.\s?" + _YEAR)
_DMY_DOT_SHORT = re.compile(
    r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{2})(?=\s*(?:\||,|um)?\s*\d{1,2}[:.]\d{2})"
)
_SLASHED = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/" + _YEAR)
# "February 13, 2023", "Feb. 13, 2023", "Apr 28 2023", "13 February 2023", "13. Februar 2023"
_MDY = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+" + _YEAR_GLUED, re.I)
_DMY = re.compile(rf"(?<![\d.])(\d{{1,2}})(?:st|nd|rd|th)?\.?\s+({_MONTH})\.?,?\s+" + _YEAR, re.I)
# Every full date has a four-digit year, or the "25.04.24" form: a cheap first test.
_MAYBE_DATE = re.compile(r"(?:19|20)\d\d|\d\.\d\d\.\d\d")
_PATTERNS = (_YMD, _DMY_DOT, _DMY_DOT_SHORT, _SLASHED, _MDY, _DMY)

# What a dateline holds besides its date: clock times, weekdays, markers, places.
_TIME = re.compile(
    r"\b\d{1,2}[:.h]\d{2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?|uhr|gmt|utc|cet|cest|[a-z]{1,2}t)?\b", re.I
)
_BYLINE_WORDS = frozenset(
    "by von und and on at am um published posted updated update last modified stand uhr "
    "den der die das in min read lesezeit minuten minutes gmt utc edt est pdt pst cet cest "
    "aktualisiert veröffentlicht erschienen zuletzt of the a an mit date datum source quelle "
    "web".split()
)
_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-zäöüß][a-zäöüß'’-]+\b")
# A date that ends a stretch of time, or an availability notice, is no dateline.
_NOT_PUBLISHED = re.compile(
    r"(?:\bbis|\buntil|\btill|\bexpires?|\bverfügbar|\bavailable|\bdeadline|截至|至)\s*[:：]?\s*$",
    re.I,
)
_UPDATE_BEFORE = re.compile(
    r"(?:updated|aktualisiert(?:\s+am)?|更新(?:时间|時間)?|修改)\s*[:：]?\s*(?:on\s+)?$", re.I
)
# CNN's "November 28, 2013 -- Updated 0203 GMT": the date belongs to the update.
_UPDATE_AFTER = re.compile(r"^\s*(?:[-–—|/•]+\s*)?(?:updated|aktualisiert|更新)", re.I)
_CJK = re.compile(r"[\u3400-\u9fff]")
_OTHER_SCRIPT = re.compile(r"[\u0370-\u03ff\u0400-\u052f\u0590-\u06ff\u0e00-\u0e7f\uac00-\ud7af]")
_DOTTED_ISO = re.compile(r"\d{4}\.\d{2}\.\d{2}")
_CJK_PUNCT = re.compile(r"[，。；]")
_CAPTION_TAIL = re.compile(r",\s*(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s*)?$", re.I)


@dataclass(frozen=True)
class Stated:
    date: dt.date
    updated: bool  # the line calls it the time of an update, not of publication


def line_dates(line: str, today: dt.date | None = None) -> list[Stated]:
    """The full dates a dateline-like ``line`` states, in order; [] for prose."""
    if len(line) > DATELINE_CHARS or not _MAYBE_DATE.search(line) or _OTHER_SCRIPT.search(line):
        return []  # (prose is told from a dateline only in Latin and CJK text)
    if _is_prose(line):
        return []
    latest = (today or dt.date.today()) + dt.timedelta(days=1)
    found: list[tuple[int, int, dt.date]] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(line):
            if any(s < m.end() and m.start() < e for s, e, _ in found):
                continue
            date = _to_date(pattern, m)
            if date is None or date > latest or date.year < 1990:
                continue
            before = line[: m.start()]
            if _NOT_PUBLISHED.search(before) or _captioned(before):
                continue
            found.append((m.start(), m.end(), date))
    out: list[Stated] = []
    for start, end, date in sorted(found):
        if _UPDATE_AFTER.match(line[end:]):
            continue  # the stamp of an update whose publication date goes unsaid
        out.append(Stated(date, updated=bool(_UPDATE_BEFORE.search(line[:start]))))
    return out


def _to_date(pattern: re.Pattern[str], m: re.Match[str]) -> dt.date | None:
    g = m.groups()
    try:
        if pattern is _YMD:
            if g[1] == "." and not _DOTTED_ISO.fullmatch(m.group(0)):
                return None  # "2023.5.6" reads as a version number as often as a date
            return dt.date(int(g[0]), int(g[2]), int(g[3]))
        if pattern is _DMY_DOT:
            return dt.date(int(g[2]), int(g[1]), int(g[0]))
        if pattern is _DMY_DOT_SHORT:
            return dt.date(2000 + int(g[2]), int(g[1]), int(g[0]))
        if pattern is _SLASHED:
            a, b = int(g[0]), int(g[1])
            if a <= 12 and b <= 12 and a != b:
                return None  # 06/01/2026: June 1 or 6 January, nothing says which
            day, month = (a, b) if a > 12 else (b, a)
            return dt.date(int(g[2]), month, day)
        if pattern is _MDY:
            return dt.date(int(g[2]), _MONTHS[g[0].lower()], int(g[1]))
        return dt.date(int(g[2]), _MONTHS[g[1].lower()], int(g[0]))
    except ValueError:
        return None


def _captioned(before: str) -> bool:
    # "… bei den Kämpfen um Bachmut, 24. April 2023": a caption names the day a
    # photo was taken after a comma; a byline puts its date after a marker.
    if not _CAPTION_TAIL.search(before):
        return False
    return any(w.lower() not in _BYLINE_WORDS for w in _LOWER_WORD.findall(before))


def _is_prose(line: str) -> bool:
    """A sentence or caption that mentions a date, rather than a dateline."""
    if _CJK.search(line):
        # CJK prose has commas and full stops; datelines have neither.
        return len(line) > 40 and bool(_CJK_PUNCT.search(line))
    rest = _TIME.sub(" ", _MDY.sub(" ", _DMY.sub(" ", line)))
    words = [w for w in _LOWER_WORD.findall(rest) if w.lower() not in _BYLINE_WORDS]
    if len(words) >= 3:
        return True
    return len(line) > 90 and line.rstrip().endswith((".", "!", "?", "。"))
