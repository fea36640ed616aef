"""Headline, date, author and source that a clipping's own words state.

A copied page starts with its furniture (menus, "Skip to content", "设置 • 日夜间",
breadcrumbs, share buttons), then the headline, the byline and the dateline. The
headline is found from the byline or dateline under it: walking up from there, the
first run of headline-like lines ends at the furniture. Only the top of the text is
read (``TOP_LINES`` lines, ``TOP_CHARS`` characters) and only the few lines around
the headline count for the date and byline: a date further down is an event date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .bylines import find_byline
from .datelines import line_dates

TOP_LINES = 30
TOP_CHARS = 3000
HEADLINE_LINES = 16  # the headline sits within this many lines of the top
ANCHOR_LINES = 13  # the byline or dateline that points at it, within this many
ZONE_AFTER = 10  # lines after the headline where a byline or dateline may stand
ZONE_BEFORE = 4  # datelines some sites put above the headline
ZONE_CHARS = 800  # text after the headline, past which the body has begun

_FURNITURE = re.compile(
    r"(?:skip to (?:main )?content|skip navigation|menu|men[üu]|search|suche|sign (?:in|up)|"
    r"log ?(?:in|out)|register|subscribe|newsletters?|advertisement|anzeige|werbung|"
    r"share(?: this)?(?: article| story| item)?|teilen|drucken|print|e-?mail|comments?|"
    r"kommentare|dive brief:?|read more|related|more from|watch live|key points|"
    r"設置|设置|登录|登錄|注册|註冊|首页|首頁|分享|(?:阅读|閱讀|浏览|瀏覽)\s*[\d(（]|评论|評論|"
    r"字号|字體|返回|打印|列印|收藏|(?:photo|image|foto|bild|quelle|source)\s*:)",
    re.I,
)
# Matched against the lowercased line: case-folding regexes cost several times more.
_FURNITURE_WORDS = re.compile(r"日夜[间間]|getty images|\bimago\b|shutterstock|taboola|outbrain")
_CRUMB = re.compile(r"\s[>›»/|]\s|[>›»]")
_UI_WORDS = re.compile(
    r"\b(?:log(?:ged)? ?(?:in|out)|sign (?:in|up)|subscri\w+|newsletters?|cookies?|browser|"
    r"javascript|refresh|bookmark|account|druckansicht|vorlesen|anhören|merken|speichern|"
    r"lesezeit|pocket)\b"
)
_LEAD_BYLINE = re.compile(
    r"^(?:(?:By|BY|[Vv]on|VON|Written by)\b|Autor(?:in)?:|Autoren:|Text:)|^\w+\s+von\s+[A-ZÄÖÜ]"
)
_CJK_BYLINE = re.compile(r"(?:来源|來源|作者|[记記]者)\s*[:：]?\s*\S|^[\u3400-\u9fff]{2,8}[／/]")
_TRAILING_TIME = re.compile(r"\s\d{1,2}:\d{2}$|\d+\s*(?:minutes?|hours?|days?|mins?)\s*ago$", re.I)
_HAN = re.compile(r"[\u3400-\u9fff]")
_COUNTER = re.compile(r"[\d\s.,:/+()%-]+")
_SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_PUNCTUATED = re.compile(r"[:,?!'’\"“”]")
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
_FUNCTION_WORDS = frozenset(
    "a an the of to in on for with and or is are at by as from into over after "
    "der die das und mit im für auf von zu den dem ein eine ist".split()
)


@dataclass(frozen=True)
class TextMeta:
    title: str | None = None
    title_index: int | None = None  # index of the headline in the lines given
    date: dt.date | None = None
    author: str | None = None
    source: str | None = None


def stated_meta(paragraphs: list[str], today: dt.date | None = None) -> TextMeta:
    """What the top of ``paragraphs`` (one line each) states about the piece."""
    top: list[str] = []
    size = 0
    for line in paragraphs[:TOP_LINES]:
        top.append(line[:400])
        size += len(top[-1])
        if size > TOP_CHARS:
            break
    dated = {i: line_dates(line, today) for i, line in enumerate(top)}
    dated = {i: found for i, found in dated.items() if found}
    head = _headline(top, dated)
    if head is None:
        lo, hi = 0, min(len(top), ZONE_AFTER + 2)
    else:
        lo, hi = max(0, head - ZONE_BEFORE), _zone_end(top, head)
    order = list(range(head or 0, hi)) + list(range((head or 0) - 1, lo - 1, -1))
    found = [s for i in order for s in dated.get(i, ())]
    plain = [s.date for s in found if not s.updated]
    date = plain[0] if plain else (found[0].date if found else None)
    start = head + 1 if head is not None else 0
    author, source = find_byline(top, start, hi, set(dated))
    return TextMeta(
        title=top[head] if head is not None else None,
        title_index=head,
        date=date,
        author=author,
        source=source,
    )


def is_furniture(line: str) -> bool:
    """Menus, buttons, breadcrumbs, credits, counters: page chrome, not a headline."""
    stripped = line.strip()
    if (
        not stripped
        or _FURNITURE_WORDS.search(stripped.lower())
        or len(_CRUMB.findall(stripped)) >= 2
    ):
        return True
    m = _FURNITURE.match(stripped)
    if m and (m.end() == len(stripped) or len(stripped) < 40 or not stripped[m.end()].isalnum()):
        return True  # "Share this article", "分享到：", "Photo: Reuters"; not "Searchlight on …"
    if _CRUMB.search(stripped) and len(stripped.split()) <= 6:
        return True  # "国内新闻>正文", "Sport | Football"
    if _COUNTER.fullmatch(stripped):
        return True  # counters, times, page numbers
    if len(stripped) <= 40 and _SLUG.fullmatch(stripped):
        return True  # a lowercase slug
    if stripped[-1].isdigit() or stripped.endswith("ago"):
        return bool(_TRAILING_TIME.search(stripped))
    return "@" in stripped


def is_headline_like(line: str) -> bool:
    line = line.strip()
    if len(line) > 220 or line.startswith(("(", "[", "（", "【", "▲", "©")) or is_furniture(line):
        return False
    han = len(_HAN.findall(line))
    if (
        _LEAD_BYLINE.match(line)
        or (han and _CJK_BYLINE.search(line))
        or _UI_WORDS.search(line.lower())
    ):
        return False
    if han:
        if han < 6 or len(line) > 90 or line.endswith(("。", "，", "：", ":")):
            return False
        tokens = line.split()
        return not (len(tokens) >= 4 and max(len(t) for t in tokens) <= 6)  # a menu row
    words = _WORD.findall(line)
    if len(words) < 3 or len(line) < 12 or line[0].islower() or line.endswith((".", ",", ";", ":")):
        return False
    if len(words) == 3 and len(line) < 25:  # "Ask an Advisor", "Become a member"
        return False
    # "Nation & World Politics", "Weather Climate Capital Weather Gang": menu entries.
    # A headline in title case still has its little words, or punctuation.
    if _PUNCTUATED.search(line):
        return True
    if all(w[0].isupper() for w in words):
        return len(words) > 6 and any(w.lower() in _FUNCTION_WORDS for w in words)
    return True


def _headline(top: list[str], dated: dict[int, list]) -> int | None:
    if not top:
        return None
    if _is_prose(top[0]) and (len(top) < 2 or not (is_furniture(top[1]) or _is_short(top[1]))):
        # The text opens with its story: a heading further down is a subheading. (A
        # teaser or caption over a credit or a menu is page chrome, and is skipped.)
        return None
    reach = min(len(top), max(HEADLINE_LINES, ANCHOR_LINES + 3))
    heady = [is_headline_like(line) for line in top[:reach]]
    byline = [i in dated or _is_byline(line) for i, line in enumerate(top[:reach])]
    # A byline or dateline far down is under a caption or a teaser, not the headline.
    anchors = [i for i in range(min(reach, ANCHOR_LINES)) if byline[i]]
    for anchor in anchors[:2]:
        block: list[int] = []
        for j in range(anchor - 1, max(-1, anchor - 13), -1):
            if byline[j]:
                if block:
                    break
                continue
            if heady[j]:
                block.append(j)
            elif block:
                break
        if block:
            return block[-1]
        for j in range(anchor + 1, min(reach, anchor + 4)):
            if heady[j] and not byline[j]:
                return j
    candidates = [i for i in range(min(reach, HEADLINE_LINES)) if heady[i] and i not in dated]
    if not candidates:
        return None
    if candidates[0] == 0:
        return 0
    for i in candidates:
        if len(_WORD.findall(top[i])) >= 5 or len(_HAN.findall(top[i])) >= 10:
            return i
    return candidates[0]


def _is_short(line: str) -> bool:
    return len(_WORD.findall(line)) <= 2 and len(_HAN.findall(line)) <= 4


def _is_prose(line: str) -> bool:
    if len(line) >= 150:
        return True
    han = len(_HAN.findall(line))
    words = len(_WORD.findall(line))
    return line.rstrip().endswith((".", "!", "?", "。", "！", "？")) and (words >= 12 or han >= 40)


def _is_byline(line: str) -> bool:
    if _LEAD_BYLINE.match(line):
        return True
    return len(line) <= 80 and bool(_HAN.search(line)) and bool(_CJK_BYLINE.search(line))


def _zone_end(top: list[str], head: int) -> int:
    size = 0
    end = head + 1
    while end < len(top) and end <= head + ZONE_AFTER:
        size += min(len(top[end]), 300)
        end += 1
        if size > ZONE_CHARS:
            break
    return end
