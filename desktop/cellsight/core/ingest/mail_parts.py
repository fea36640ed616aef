"""What the e-mail readers (.eml, .mbox, Outlook .msg) share: decoding, the body, the sender.

Mail lies about its encodings: parts declared GB2312 or Windows-1251 that are UTF-8,
unknown charset names, broken base64, raw 8-bit headers. Every claim goes through
``decode_bytes``, which verifies it, and detection is the fallback. A newsletter's
HTML goes through the page extractor after its chrome (tracking pixels, hidden
preheaders, social links) is cut, and its "view in browser", unsubscribe and
footer lines are dropped from the paragraphs it gives.
"""

from __future__ import annotations

import binascii
import datetime as dt
import quopri
import re
import warnings
from dataclasses import dataclass
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from bs4 import (
    BeautifulSoup,
    MarkupResemblesLocatorWarning,
    NavigableString,
    Tag,
    XMLParsedAsHTMLWarning,
)

from ..errors import IngestError
from ..model import ParsedDocument
from .encoding import BinaryDataError, clean_text, decode_bytes
from .html import declared_charset, extract_paragraphs
from .html_meta import extract_meta
from .text import derive_title, split_paragraphs

MAX_HTML_CHARS = 8_000_000  # beyond this an HTML body is inlined images, not prose
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_NON_B64 = re.compile(rb"[^A-Za-z0-9+/]")
_B64_LINE = re.compile(rb"[A-Za-z0-9+/]*={0,3}")
_DATA_URI = re.compile(r"""(src|href)\s*=\s*(["'])data:[^"']*\2""", re.I)
_REPLY_PREFIX = re.compile(
    r"^(?:(?:re|fwd?|fw|aw|wg|tr|rv|sv|vs|antw|odp|回复|回覆|答复|转发|轉寄)\s*(?:\[\d+\])?\s*[:：]\s*)+",
    re.I,
)
_VIEW_ONLINE = re.compile(
    r"view (?:this |the |it |our )?(?:e-?mail |newsletter |message |issue |version )?"
    r"(?:in|on) (?:your |a |the )?(?:web ?)?browser|view (?:it |this )?online|web version|"
    r"online version|view as (?:a )?web ?page|read (?:it |this )?online|having trouble "
    r"(?:viewing|reading)|(?:cannot|can't|unable to) (?:see|view|read) this|im browser "
    r"(?:ansehen|anzeigen|öffnen|lesen)|version en ligne|ne s'affiche pas correctement|"
    r"在浏览器中(?:查看|打开|阅读)|網頁版|网页版|ver en (?:el |tu )?navegador",
    re.I,
)
_CHROME = re.compile(
    r"unsubscribe|opt[ -]out|update (?:your )?(?:subscription |email )?preferences|"
    r"manage (?:your )?(?:subscription|preferences|email)|email preferences|forward "
    r"(?:this|to a friend)|add us to your address book|follow us|^sponsored by:?$|"
    r"^(?:share|tweet|forward|like)(?: this)?$|abmelden|abbestellen|désabonner|désinscri|"
    r"darse de baja|退订|取消订阅|取消訂閱|отписаться|не хотите получать",
    re.I,
)
_FOOTER = re.compile(
    r"copyright\s*(?:©|\(c\))?\s*\d{4}|©\s*(?:\d{4}|copyright)|all rights reserved|you "
    r"(?:are )?receiv(?:ed|ing) this|this (?:e-?mail|message) was sent to|you(?:'re| are) "
    r"(?:subscribed|receiving)|unsubscribe|our mailing address|no longer wish to receive|"
    r"alle rechte vorbehalten|tous droits réservés|vous ne souhaitez plus recevoir|"
    r"вы получили это письмо|все права защищены|版权所有|版權所有",
    re.I,
)
_URL = re.compile(r"https?://[^\s<>()\"']+")
_SOCIAL = re.compile(
    r"^https?://(?:[\w-]+\.)*(?:facebook|twitter|x|linkedin|instagram|youtube|tiktok|"
    r"pinterest|weibo|threads|t)\.(?:com|net|me|cn)(?:/|$)",
    re.I,
)
_HIDDEN_STYLE = re.compile(
    r"display:\s*none|visibility:\s*hidden|mso-hide:\s*all|max-height:\s*0(?:px)?\s*(?:;|$)|"
    r"font-size:\s*0(?:px)?\s*(?:;|$)|opacity:\s*0(?:\.0)?\s*(?:;|$)",
    re.I,
)
_BLOCK_TAGS = frozenset((
    "p", "div", "td", "th", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table",
    "blockquote", "pre", "center", "section", "article", "ul", "ol",
))  # fmt: skip
# An extractor result under this share of all the cleaned text has picked one story
# of a multi-story newsletter; the whole cleaned body is read instead.
_EXTRACTOR_SHARE = 0.6


@dataclass(frozen=True)
class MailContent:
    """One message as its container states it, every string already decoded."""

    subject: str
    from_name: str
    from_addr: str
    date: dt.date | None
    # (HTML, plain text) of the message, then of the messages it forwards or bounces.
    bodies: tuple[tuple[str | None, str | None], ...]
    archived_at: str | None = None  # the message's own web address (RFC 5064)
    list_name: str | None = None
    keywords: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    message_id: str | None = None


# -- decoding ------------------------------------------------------------------------------
def decode_transfer(raw: bytes, encoding: str | None) -> bytes:
    """Undo a Content-Transfer-Encoding leniently; a wrong label leaves the bytes as they are."""
    label = (encoding or "").strip().lower()
    if "base64" in label:
        lines = [line.strip() for line in raw.split(b"\n")]
        lines = [line for line in lines if line]
        good = [line for line in lines if _B64_LINE.fullmatch(line)]
        if len(good) < 0.5 * len(lines):
            return raw  # text labelled base64 (it happens): keep the text
        # Junk lines go whole, which keeps the 4-character groups of the rest aligned;
        # padding mid-stream (concatenated encodings) splits it into pieces.
        pieces = re.split(rb"=+", b"".join(good))
        return b"".join(lenient_b64(piece) for piece in pieces if piece)
    if "quoted" in label or label == "qp":
        return quopri.decodestring(raw)
    if "uu" in label:
        return _uudecode(raw)
    return raw  # 7bit, 8bit, binary, empty or a made-up name


def lenient_b64(data: bytes) -> bytes:
    data = _NON_B64.sub(b"", data)
    data = data[: len(data) - len(data) % 4] if len(data) % 4 == 1 else data
    return binascii.a2b_base64(data + b"=" * (-len(data) % 4))


def _uudecode(raw: bytes) -> bytes:
    out = []
    for line in raw.splitlines():
        if line.startswith((b"begin ", b"end")) or not line.strip():
            continue
        try:
            out.append(binascii.a2b_uu(line))
        except binascii.Error:
            continue
    return b"".join(out)


def decode_text(data: bytes, declared: str | None) -> str:
    """Body bytes to text: the declared charset if it holds, else what the bytes are."""
    text = _stateful(data, declared)
    if text is None:
        try:
            text, _encoding = decode_bytes(data, declared)
        except BinaryDataError:
            return ""
    return clean_text(text).replace("\ufffd", " ")


def _stateful(data: bytes, declared: str | None) -> str | None:
    # ISO-2022 text is 7-bit ASCII with escapes, so it passes for UTF-8: decode it
    # as declared when its escapes are there.
    if declared and declared.lower().startswith("iso-2022") and b"\x1b" in data:
        try:
            return data.decode(declared.lower(), errors="replace")
        except LookupError:
            return None
    return None


def header_text(value: str | None, hint: str | None = None) -> str:
    """A header's text: RFC 2047 words in any charset, raw 8-bit bytes repaired.

    ``value`` holds 8-bit bytes as surrogate escapes (how the bytes were read);
    adjacent encoded words in one charset are joined before decoding, since senders
    split multibyte characters across them.
    """
    if not value:
        return ""
    pieces: list[str] = []
    pending: tuple[str, bytearray] | None = None
    pos = 0
    for m in _ENCODED_WORD.finditer(value):
        between = value[pos : m.start()]
        if between.strip() or pending is None:
            if pending is not None:
                pieces.append(_short_decode(bytes(pending[1]), pending[0]))
                pending = None
            pieces.append(_raw_text(between, hint))
        charset = m.group(1).split("*")[0].lower()  # RFC 2231 language suffix
        word = m.group(3).encode("ascii", "surrogateescape")
        try:
            chunk = lenient_b64(word) if m.group(2) in "bB" else _q_decode(word)
        except binascii.Error:
            chunk = word
        if pending is not None and pending[0] != charset:
            pieces.append(_short_decode(bytes(pending[1]), pending[0]))
            pending = None
        if pending is None:
            pending = (charset, bytearray())
        pending[1].extend(chunk)
        pos = m.end()
    if pending is not None:
        pieces.append(_short_decode(bytes(pending[1]), pending[0]))
    pieces.append(_raw_text(value[pos:], hint))
    return " ".join(clean_text("".join(pieces)).replace("\ufffd", " ").split())


def _q_decode(word: bytes) -> bytes:
    return quopri.decodestring(word.replace(b"_", b" "), header=False)


def _raw_text(text: str, hint: str | None) -> str:
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return _short_decode(text.encode("utf-8", "surrogateescape"), hint)


def _short_decode(data: bytes, charset: str | None) -> str:
    stateful = _stateful(data, charset)
    if stateful is not None:
        return stateful
    try:
        return decode_bytes(data, charset)[0]
    except BinaryDataError:
        return data.decode("latin-1")


# -- sender, date, subject -----------------------------------------------------------------
def parse_from(raw: str, hint: str | None = None) -> tuple[str, str]:
    """(display name, address) of a From header; the address split off before decoding,
    so a comma inside an encoded name does not split the sender in two."""
    unfolded = " ".join(raw.split())
    pairs = [(n, a) for n, a in getaddresses([unfolded]) if n or a]
    if not pairs:
        return header_text(unfolded, hint), ""
    name, addr = pairs[0]
    return header_text(name, hint).strip("\"' "), addr.strip().lower()


_ORG_WORDS = frozenset(
    """
inc ltd llc plc gmbh ag co corp company group news newsletter newsletters daily weekly
monthly digest report reports review insights intelligence research analytics markets
market media magazine journal times post press team editors editorial desk briefing
bulletin update updates alerts institute association council agency foundation university
bank capital partners energy mining metals minerals battery batteries motors automotive
solutions services systems technologies technology global international world network
online club society support service sales marketing info notifications webinar webinars
events conference official store shop the of and for
""".split()
)
_PARTICLES = frozenset(("van", "von", "de", "der", "den", "da", "di", "du", "le", "la", "bin",
                        "al", "dos", "del"))  # fmt: skip
# A Chinese personal name: one of the common surnames and one or two characters (a
# two- or three-character company name rarely starts with one of them).
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "钱严覃武戴莫孔向汤張劉陳楊黃趙吳孫馬鄭謝許韓馮鄧蕭葉蘇呂盧鍾譚陸範賈韋鄒閆賀顧龔錢嚴湯"
)
_HAN_NAME = re.compile(rf"^[{_SURNAMES}][\u4e00-\u9fff]{{1,2}}$")


def sender_fields(name: str, addr: str, list_name: str | None) -> tuple[str | None, str | None]:
    """(source, author): a publisher's display name is the source; a person is the
    author, with their mailing list or mail domain as the source."""
    domain = site_domain(addr)
    if name and "@" not in name and _is_person(name, domain):
        return list_name or domain or None, name
    if name and "@" not in name:
        return name, None
    return domain or list_name or name or None, None


def _is_person(name: str, domain: str) -> bool:
    if _HAN_NAME.match(name):
        return True
    words = name.replace(",", " ").split()
    if not 2 <= len(words) <= 4:
        return False
    brand = domain.split(".")[0] if domain else ""
    for word in words:
        low = word.lower()
        if low in _ORG_WORDS or (brand and low == brand):
            return False
        if low not in _PARTICLES and not _name_word(word):
            return False
    return True


def _name_word(word: str) -> bool:
    """Whether a word reads as part of a name: Jørn, McDonald, O'Neil, J. (not CATL, news)."""
    core = word.rstrip(".").replace("-", "").replace("'", "").replace("’", "")
    if not core.isalpha() or not word[0].isupper():
        return False
    return len(core) == 1 or not core.isupper()


def site_domain(addr: str) -> str:
    """The registrable part of an address's domain: news@email.example.co.uk -> example.co.uk."""
    host = addr.rpartition("@")[2].strip("<>[] .").lower()
    labels = [label for label in host.split(".") if label]
    if len(labels) < 2:
        return ""
    keep = 3 if len(labels) >= 3 and labels[-2] in ("co", "com", "ac", "gov", "org", "net",
                                                     "edu", "or", "ne") else 2  # fmt: skip
    return ".".join(labels[-keep:])


def mail_date(value: str | None, today: dt.date | None = None) -> dt.date | None:
    """The date a Date header states (RFC 2822, or ISO); None when it is broken or implausible."""
    if not value or not value.strip():
        return None
    try:
        stamp = parsedate_to_datetime(" ".join(value.split()))
    except (TypeError, ValueError, IndexError, OverflowError):
        m = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})(?:[T ]|\s*$)", value)
        if not m:
            return None
        try:
            stamp = dt.datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    return plausible(stamp.date(), today)


def plausible(day: dt.date, today: dt.date | None = None) -> dt.date | None:
    # E-mail began in 1971; a date beyond tomorrow is a sender's broken clock.
    latest = (today or dt.date.today()) + dt.timedelta(days=2)
    return day if dt.date(1971, 1, 1) <= day <= latest else None


def clean_subject(subject: str) -> str:
    return _REPLY_PREFIX.sub("", " ".join(subject.split())).strip()


# -- the body ------------------------------------------------------------------------------
def body_paragraphs(html: str | None, text: str | None) -> tuple[list[str], str | None]:
    """Paragraphs of the message (HTML first, the text part as fallback) and the
    "view in browser" address it states."""
    url = None
    if html and html.strip():
        paragraphs, url = html_paragraphs(html)
        if paragraphs:
            return paragraphs, url
    if text and text.strip():
        if re.match(r"\s*<(?:!doctype|html)", text, re.I):  # HTML labelled text/plain
            return html_paragraphs(text)
        paragraphs, text_url = text_paragraphs(text)
        return paragraphs, url or text_url
    return [], url


def html_paragraphs(html: str) -> tuple[list[str], str | None]:
    # Inlined images (data: URIs) are megabytes of base64 that no text lives in.
    page = _DATA_URI.sub(r'\1=""', html[:MAX_HTML_CHARS])
    soup = _soup(page)
    url = _view_url(soup) or _web(extract_meta(soup).url)
    _strip_chrome(soup)
    everything = _all_blocks(soup)
    try:
        # The page text is only trafilatura's fallback input; it copes with the chrome.
        picked = extract_paragraphs(page, soup)
    except RecursionError:
        picked = []
    size = sum(len(p) for p in picked)
    chosen = picked if size >= _EXTRACTOR_SHARE * sum(len(p) for p in everything) else everything
    return drop_chrome(chosen), url


def text_paragraphs(text: str) -> tuple[list[str], str | None]:
    url = None
    lines = text.split("\n")
    for i, line in enumerate(lines[:40]):
        if _VIEW_ONLINE.search(line):
            # The address follows the phrase, in brackets or on the next line.
            m = _URL.search(line) or (_URL.search(lines[i + 1]) if i + 1 < len(lines) else None)
            if m:
                url = m.group(0).rstrip(".,;")
                break
    return drop_chrome(split_paragraphs(lines)), url


def drop_chrome(paragraphs: list[str]) -> list[str]:
    """Without layout debris, "view in browser" and unsubscribe lines, and the footer."""
    out = []
    for p in paragraphs:
        p = " ".join(p.replace("\ufffd", " ").strip("| ").split())
        if not re.search(r"\w", p):
            continue  # rules, table pipes, lone bullets
        if len(p) < 300 and (_VIEW_ONLINE.search(p) or _CHROME.search(p)):
            continue
        out.append(p)
    total = sum(len(p) for p in out)
    tail = total
    for i, p in enumerate(out):
        if i and len(p) < 400 and _FOOTER.search(p) and tail <= max(1500, 0.35 * total):
            return out[:i]
        tail -= len(p)
    return out


def _soup(page: str) -> BeautifulSoup:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(page, "lxml")


def _view_url(soup: BeautifulSoup) -> str | None:
    for a in soup.find_all("a", href=True):
        if _VIEW_ONLINE.search(a.get_text(" ")) and _web(str(a["href"])):
            return str(a["href"]).strip()
    return None


def _web(url: str | None) -> str | None:
    return url.strip() if url and re.match(r"\s*https?://", url, re.I) else None


def _strip_chrome(soup: BeautifulSoup) -> None:
    """Images (tracking pixels among them), hidden preheaders and social links out."""
    doomed: list[Tag] = []
    for tag in soup.find_all(True):
        if tag.name in ("img", "script", "style", "noscript", "template", "head"):
            doomed.append(tag)
        elif _HIDDEN_STYLE.search(str(tag.get("style") or "")) or tag.has_attr("hidden"):
            doomed.append(tag)
        elif tag.name == "a" and _SOCIAL.match(str(tag.get("href") or "").strip()):
            doomed.append(tag)
    for tag in doomed:
        if tag.parent is not None:  # not already gone with an ancestor
            tag.extract()


def _all_blocks(soup: BeautifulSoup) -> list[str]:
    """Every text block in document order: a newsletter's stories, whichever table holds
    them. A block or <br> starting ends the text before it (the tree is not changed)."""
    blocks: list[str] = []
    run: list[str] = []
    for node in (soup.body or soup).descendants:
        if type(node) is NavigableString:  # not comments, CDATA or doctypes
            run.append(str(node))
        elif isinstance(node, Tag) and (node.name in _BLOCK_TAGS or node.name == "br"):
            blocks.append(" ".join("".join(run).split()))
            run.clear()
    blocks.append(" ".join("".join(run).split()))
    return [b for b in blocks if b]


def _same(a: str, b: str) -> bool:
    return re.sub(r"\W+", "", a.lower()) == re.sub(r"\W+", "", b.lower())


def html_charset(data: bytes, declared: str | None) -> str | None:
    """The charset an HTML part claims: its MIME label, else its own <meta>."""
    return declared or declared_charset(data)


def mail_document(
    path: Path, kind: str, mail: MailContent, *, part: int = 0, member: str | None = None
) -> ParsedDocument:
    paragraphs: list[str] = []
    url = None
    for html, text in mail.bodies:
        paragraphs, url = body_paragraphs(html, text)
        if paragraphs:
            break
    title = clean_subject(mail.subject)
    while len(paragraphs) > 1 and title and _same(paragraphs[0], title):
        paragraphs = paragraphs[1:]
    if not paragraphs and mail.attachments:
        # Only attachments: their names still make the message findable.
        paragraphs = ["Attachments: " + ", ".join(mail.attachments[:50])]
    if not paragraphs:
        raise IngestError(str(path), f"{kind}: the message has no text")
    derived = not title
    if derived:
        title = derive_title(paragraphs[0])
    source, author = sender_fields(mail.from_name, mail.from_addr, mail.list_name)
    return ParsedDocument(
        path=str(path),
        kind=kind,
        title=title,
        text="\n\n".join(paragraphs),
        title_derived=derived,
        date=mail.date,
        source=source,
        author=author,
        url=_web(mail.archived_at) or url,
        tags=mail.keywords,
        part=part,
        member=member,
    )
