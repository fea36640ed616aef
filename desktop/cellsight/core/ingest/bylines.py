"""Author and source from the byline and source lines under a clipping's headline.

"By Phoebe Wall Howard, AP Auto Writer", "Von Max Mustermann", "来源：新华网",
"聯合報／記者王小明／台北報導", "石佳/中国青年报". Roles, handles and agency
suffixes are cut off; a photo credit ("Photo: Reuters", "中央社記者張新偉攝") is never
a byline. A source is only what a line states, never the name of the file.
"""

from __future__ import annotations

import re

BYLINE_CHARS = 160  # a byline or source line is short; a longer line is read this far
_ROLE = (
    r"(?:writer|reporter|correspondent|editor|columnist|contributor|producer|staff|"
    r"redakteur(?:in)?|korrespondent(?:in)?|autor(?:in)?|reporterin|journalist(?:in)?)"
)
_QUALIFIER = frozenset(
    "senior chief political economics business sports deputy assistant associate technology "
    "science health foreign diplomatic legal investigative managing contributing special staff "
    "auto white house washington europe us uk tech leitender leitende stellvertretender".split()
)
_AGENCIES = {
    "reuters": "Reuters", "ap": "AP", "associated press": "Associated Press", "afp": "AFP",
    "agence france-presse": "AFP", "bloomberg": "Bloomberg", "dpa": "dpa", "xinhua": "Xinhua",
    "kyodo": "Kyodo", "ansa": "ANSA", "apa": "APA", "sda": "SDA", "kna": "KNA", "epd": "epd",
    "cnn": "CNN", "bbc": "BBC", "pa": "PA", "upi": "UPI",
}  # fmt: skip
_PARTICLES = frozenset("de da di du del der den van von zu le la al bin ten ter y".split())
_NAV = frozenset(
    "news business world politics sports sport home latest opinion features more menu search "
    "video videos live share print email comments subscribe newsletter markets tech science "
    "health culture travel weather local breaking top stories section review online magazine "
    "times post zeitung press media daily weekly journal tribune herald network radio tv "
    "redaktion".split()
)
_PHOTO = re.compile(
    r"\b(?:photo|photograph|photos|foto|fotos|bild|image|images|picture|getty|imago|credit|"
    r"illustration|grafik)\b|©|[攝摄]影?|[图圖][:：/／]"
)  # matched against the lowercased line
_LEAD = re.compile(
    r"^(?:By|BY|Written by|Words by|Reporting by|[Vv]on:?|VON|Text:|Autor(?:in)?:|Autoren:|"
    r"(?:[Ee]ine?\s+)?(?:[Kk]olumne|[Kk]ommentar|[Aa]nalyse|[Gg]astbeitrag|[Ii]nterview|"
    r"[Rr]eportage)\s+von)(?:\s+|$)(.*)$"
)
_INLINE_BY = re.compile(r"(?:\||•|·|–|—| - )\s*(?:By|Von|von)\s+([^|•·]+)")
_GLUED = re.compile(r"(?<=[a-z])(?=(?:Published|Updated|Posted)\b)")
_NAME_THEN = re.compile(
    r"^(.+?)\s*(?:(?:Published|Updated|Posted)\b.*|@\w+.*|\d+\s*(?:minutes?|mins?|hours?|hrs?|"
    r"days?)(?:\s+ago)?)$"
)
# "Phoebe Wall Howard / Detroit Free Press" under the headline
_NAME_SLASH = re.compile(r"^([^/|]{5,40}?)\s*/\s*([^/|]{2,40})$")
_NAME_THEN_HINT = re.compile(r"Published|Updated|Posted|@|\d\s*(?:min|hour|hr|day)")
_AGENCY_IN = re.compile(r"^(Associated Press|Reuters|AFP|PA Media|Bloomberg|dpa)\s+in\s+[A-Z]")
_WIRE_DATELINE = re.compile(
    r"^[A-ZÄÖÜ][A-ZÄÖÜ .,/'’-]{1,50}(?:,\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*"
    r"\((Reuters|AP|AFP|Bloomberg|dpa|Xinhua)\)\s*[-–—]"
)
_SPLIT = re.compile(r"\s*(?:,|;|\band\b|\bund\b|&|\bu\.)\s*")
_CUT = re.compile(
    r"\s+(?:[|•·–—]|-(?=\s)|/(?=\s))\s*|\s+(?:published|updated|posted|stand)\b|\(|\d", re.I
)

_HAN = r"\u3400-\u9fff"
_MEDIA_SUFFIX = (
    r"(?:日报|日報|晚报|晚報|时报|時報|周刊|週刊|新闻网|新聞網|新闻|新聞|快讯|快訊|网|網|报|報|社|"
    r"科技|电视台|電視台|频道|頻道|中時|政务|政務|客户端|新聞雲|新闻云)"
)
_MEDIA = re.compile(rf"^[{_HAN}A-Za-z]{{1,10}}?{_MEDIA_SUFFIX}$")
_SOURCE_LINE = re.compile(
    rf"(?:^|\s|\||\d)(?:稿件|消息)?(?:来源|來源|source|quelle(?=:\s*[{_HAN}]))\s*[:：]\s*"
    rf"(.+?)(?=\s*(?:作者|编辑|編輯|责任编辑|責任編輯|字号|字體|举报|舉報|分享|阅读|閱讀|发布|發布|[|｜])|\s{{2,}}|$)",
    re.I,
)
_CJK_AUTHOR = re.compile(
    rf"(?:作者|撰文|[记記]者)\s*[:：]?\s*(?:[记記]者)?\s*"
    rf"([{_HAN}·]{{2,4}}(?:[ 、][{_HAN}·]{{2,4}})*)(?=[\s、）)／/〕】\]]|$)"
)
_CJK_WIRE = re.compile(rf"[记記]者([{_HAN}]{{2,4}}?)([{_HAN}]{{2}})\d{{1,2}}日[电電]")
_CJK_AFTER_TIME = re.compile(
    rf"\d{{1,2}}:\d{{2}}(?::\d{{2}})?\s*([{_HAN}A-Za-z]{{1,10}}?{_MEDIA_SUFFIX})(?=\s|$|[记記]者)"
)
_CJK_BEFORE_DATE = re.compile(rf"^([{_HAN}]{{1,10}}?{_MEDIA_SUFFIX})\s*[（(]\s*(?:19|20)\d\d")
_ANY_HAN = re.compile(f"[{_HAN}]")
_HAN_SLASH = re.compile(f"[{_HAN}][／/]")
_SLASHES = re.compile(r"[／/]")
_SEGMENTS = re.compile(r"\s+[-–—/|]\s+")
_TAIL_PIECES = re.compile(r"\s+[-–—|]\s+|\|")
_NAME_SEPARATORS = re.compile(r"[ 、]")
_ROLE_WORD = re.compile(_ROLE, re.I)
_NAME_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
_CJK_NAME = re.compile(f"[{_HAN}]{{2,4}}")
_CJK_NAME_PART = re.compile(rf"^(?:[记記]者)?([{_HAN}]{{2,4}})(?:\s|$)")
# "（中央社記者邱俊欽桃園19日電）": the agency whose reporter filed the story
_CJK_AGENCY = re.compile(rf"^[（(]?([{_HAN}]{{1,4}}社)[记記]者")
_NOT_NAME = re.compile(
    r"[摄攝]|报|報|网|網|新闻|新聞|中心|综合|綜合|编辑|編輯|记者|記者|[电電]|分享|列印|留言|收藏|评论|評論|关注|關注|字号|举报|打印|首页|首頁|正文|即時|即时|[0-9日月年]"
)


def find_byline(
    lines: list[str], start: int, end: int, dated: set[int]
) -> tuple[str | None, str | None]:
    """(author, source) from ``lines[start:end]``; ``dated``: indexes of datelines."""
    author: str | None = None
    source: str | None = None
    for i in range(start, min(end, len(lines))):
        short = len(lines[i]) <= BYLINE_CHARS
        if short and _PHOTO.search(lines[i].lower()) and not _SOURCE_LINE.search(lines[i]):
            continue
        found_author, found_source = _from_line(lines, i, dated)
        author = author or found_author
        source = source or found_source
        if author and source:
            break
    return author, source


def _from_line(lines: list[str], i: int, dated: set[int]) -> tuple[str | None, str | None]:
    line = _GLUED.sub(" ", lines[i][:BYLINE_CHARS].strip())
    if len(lines[i]) > BYLINE_CHARS:
        # A paragraph: only a wire dateline or a reporter credit may open it.
        return _paragraph_opening(line)
    source = _source(line, after_date=i - 1 in dated)
    if _ANY_HAN.search(line):
        return _cjk_author(line, near_date=i - 1 in dated), source
    m = _LEAD.match(line)
    if m:
        rest = m.group(1).strip()
        if not rest:  # "By" alone, the names on the lines after it
            return _names_below(lines[i + 1 : i + 8], source)
        return _names(rest, source)
    m = _INLINE_BY.search(line)
    if m:
        return _names(m.group(1), source)
    m = _AGENCY_IN.match(line)
    if m:
        return m.group(1), source or m.group(1)
    m = _WIRE_DATELINE.match(line)
    if m:
        return None, source or _AGENCIES[m.group(1).lower()]
    m = _NAME_SLASH.match(line)
    if m and _person(m.group(1)) and _title_words(m.group(2)):
        return _person(m.group(1)), source or m.group(2).strip()
    m = _NAME_THEN.match(line) if _NAME_THEN_HINT.search(line) else None
    if m and _person(m.group(1)):
        return _person(m.group(1)), source
    if i in dated:
        for part in _SEGMENTS.split(line)[1:]:
            if _person(part):
                return _person(part), source
        return None, source
    tokens = line.split()
    if len(tokens) > 2 and _ROLE_WORD.fullmatch(tokens[-1]):
        tokens.pop()  # "Amy Gibbons Political Correspondent"
        while len(tokens) > 2 and tokens[-1].lower() in _QUALIFIER:
            tokens.pop()
        name = _person(" ".join(tokens))
        if name:
            return name, source
    if (i - 1 in dated or i + 1 in dated) and _person(line, strict=True):
        return _person(line), source
    return None, source


def _paragraph_opening(line: str) -> tuple[str | None, str | None]:
    if _ANY_HAN.search(line[:40]):
        head = line[:60]
        m = _CJK_AGENCY.search(head)
        return _cjk_author(head, near_date=False), m.group(1) if m else None
    m = _WIRE_DATELINE.match(line)
    return None, _AGENCIES[m.group(1).lower()] if m else None


def _names_below(below: list[str], source: str | None) -> tuple[str | None, str | None]:
    people: list[str] = []
    for line in below:
        line = line.strip(" ,")
        if not line or line.lower() in ("and", "und", "&"):
            continue
        name = _person(line)
        if name is None:
            if line.startswith("The ") or _AGENCIES.get(line.lower()):
                source = source or _AGENCIES.get(line.lower(), line)
            break
        people.append(name)
    return ", ".join(people) or None, source


def _names(text: str, source: str | None) -> tuple[str | None, str | None]:
    cut = _CUT.search(text)
    head, tail = (text[: cut.start()], text[cut.start() :]) if cut else (text, "")
    people: list[str] = []
    for part in _SPLIT.split(head):
        part = part.strip(" .")
        agency = _AGENCIES.get(part.lower())
        words = part.split()
        if agency or part.startswith("The ") or _org_caps(words):
            source = source or agency or part
            continue
        if any(_ROLE_WORD.fullmatch(w) for w in words):
            if words and _AGENCIES.get(words[0].lower()):
                source = source or _AGENCIES[words[0].lower()]  # ", AP Auto Writer"
            continue  # "Staff Reporter"
        if len(words) > 2 and _AGENCIES.get(words[-1].lower()):
            source = source or _AGENCIES[words[-1].lower()]  # "… Al-Khalidi Reuters"
            part = " ".join(words[:-1])
        name = _person(part)
        if name:
            people.append(name)
    if not source:
        for piece in _TAIL_PIECES.split(tail):
            if _AGENCIES.get(piece.strip().lower()):
                source = _AGENCIES[piece.strip().lower()]
                break
    if not people and head.strip():
        agency = _AGENCIES.get(head.strip(" .").lower())
        if agency:
            return agency, source  # "By Associated Press": the agency is the author
    return ", ".join(people) or None, source


_BROADCASTERS = frozenset("ard zdf mdr ndr wdr swr br hr rbb sr rb orf srf dw".split())


def _title_words(text: str) -> bool:
    words = text.split()
    return 1 <= len(words) <= 5 and all(
        w[0].isupper() or w.lower() in _PARTICLES | {"of", "the"} for w in words
    )


def _org_caps(words: list[str]) -> bool:
    # "CNN", "MDR THÜRINGEN" name an organisation; "TOM KRISHER" is a person.
    text = " ".join(words)
    return bool(words) and text.isupper() and (len(words) == 1 or words[0].lower() in _BROADCASTERS)


def _person(text: str, strict: bool = False) -> str | None:
    """``text`` as a person's name (two to five capitalised words), else None."""
    text = text.strip(" ,.;:").rstrip("0123456789")  # "Rachel Brazil0": a footnote mark
    words = text.split()
    if not 2 <= len(words) <= (3 if strict else 5):
        return None
    last = words[-1]
    if _AGENCIES.get(last.lower()) and len(words) > 2:
        return None  # "Suleiman Al-Khalidi Reuters": split off by _names
    for word in words:
        if word.lower() in _PARTICLES:
            continue
        if not word[0].isupper() or word.lower() in _NAV or not _NAME_WORD.fullmatch(word):
            return None
    return " ".join(words)


def _source(line: str, after_date: bool = False) -> str | None:
    m = _SOURCE_LINE.search(line)
    if m:
        value = m.group(1).strip(" ：:|｜")
        return value or None
    m = _CJK_BEFORE_DATE.match(line) or _CJK_AFTER_TIME.search(line) or _CJK_AGENCY.search(line)
    if m:
        return m.group(1)
    if after_date and _MEDIA.match(line.strip()) and len(line.strip()) <= 12:
        return line.strip()  # a masthead line of its own under the dateline
    for part in _SLASHES.split(line) if _HAN_SLASH.search(line) else []:
        part = part.strip()
        if _MEDIA.match(part):
            return part
    if "|" in line and _LEAD.match(line):
        tail = line.rsplit("|", 1)[1].strip()
        if tail and tail[0].isupper() and not any(ch.isdigit() for ch in tail):
            return tail
    return None


def _cjk_author(line: str, near_date: bool) -> str | None:
    m = _CJK_WIRE.search(line)
    if m:
        name = m.group(1)  # "記者邱俊欽桃園19日電": a two-character place, then the date
        return name if not _NOT_NAME.search(name) else None
    for m in _CJK_AUTHOR.finditer(line):
        if line[m.end() :].lstrip().startswith(("攝", "摄")):
            continue  # "新华社记者 邹竞一 摄": a photo credit
        names = [n for n in _NAME_SEPARATORS.split(m.group(1)) if n and not _NOT_NAME.search(n)]
        if names:
            return ", ".join(names)
    parts = [p.strip() for p in _SLASHES.split(line)]
    if len(parts) > 1:
        for part in parts:
            name = _CJK_NAME_PART.match(part)
            if name and not _MEDIA.match(part) and not _NOT_NAME.search(name.group(1)):
                return name.group(1)
    if near_date and _CJK_NAME.fullmatch(line) and not _NOT_NAME.search(line):
        return line
    return None
