r"""The HTML or text an Outlook RTF body encapsulates ([MS-OXRTFEX]), without an RTF library.

Outlook sometimes keeps a message only as compressed RTF, with the original inside:
a ``\fromhtml1`` document carries the HTML in ``{\*\htmltagN ...}`` groups plus the text
between them, less the ``\htmlrtf ... \htmlrtf0`` stretches written for RTF readers
only; a ``\fromtext`` document carries plain text the same way. A plain RTF body (a
"Rich Text" message) gives its text as ``\fromtext`` does. One pass over the tokens
with an explicit group stack: no recursion, and the input is capped by the caller.
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass, replace

MAX_DEPTH = 200  # groups deeper than this are hostile, not prose: their text is dropped
# About a microsecond a token: 4 MB of RTF (a long message, or a short one with images)
# take a few seconds at worst; the rest of a longer body is not read.
MAX_RTF_BYTES = 4 * 1024 * 1024
# One token: a control word with its optional parameter (the space after it belongs to
# it), a hex byte, a control symbol, a brace, a run of text, line breaks (not text in
# RTF), or a lone byte (a stray backslash at the end).
_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])"
    rb"|([^\\{}\r\n]+)|[\r\n]+|(.)",
    re.S,
)
# Destinations whose text is not the message's (tables, metadata, pictures, fields'
# instructions); a group opening with \* is one too, unless it is an \htmltag.
_DESTINATIONS = frozenset(
    b"fonttbl colortbl stylesheet info pict object header headerl headerr headerf footer "
    b"footerl footerr footerf footnote ftnsep ftnsepc ftncn aftnsep aftnsepc aftncn fldinst "
    b"listtable listoverridetable revtbl rsidtbl generator xmlnstbl themedata "
    b"colorschememapping datastore latentstyles pntext pntxta pntxtb filetbl".split()
)
_SYMBOLS = {
    b"par": "\n", b"line": "\n", b"sect": "\n", b"page": "\n", b"row": "\n", b"cell": "\t",
    b"tab": "\t", b"emdash": "\u2014", b"endash": "\u2013", b"lquote": "\u2018",
    b"rquote": "\u2019", b"ldblquote": "\u201c", b"rdblquote": "\u201d", b"bullet": "\u2022",
    b"emspace": "\u2003", b"enspace": "\u2002", b"qmspace": "\u2005",
}  # fmt: skip
_ESCAPES = {b"~": "\xa0", b"_": "\u2011", b"-": "", b"\n": "\n", b"\r": "\n"}
# \fcharsetN of the font table to Windows code pages (0 is Western whatever \ansicpg says;
# 1, "default", and unknown ones mean the document's code page).
_CHARSETS = {0: 1252, 2: 1252, 77: 10000, 128: 932, 129: 949, 130: 1361, 134: 936, 136: 950,
             161: 1253, 162: 1254, 163: 1258, 177: 1255, 178: 1256, 186: 1257, 204: 1251,
             222: 874, 238: 1250, 254: 437, 255: 850}  # fmt: skip
# Windows code page numbers whose Python codec is not simply "cp<number>".
_CODEPAGES = {20127: "ascii", 20866: "koi8_r", 21866: "koi8_u", 50220: "iso2022_jp",
              50221: "iso2022_jp", 50222: "iso2022_jp", 51932: "euc_jp", 51949: "euc_kr",
              52936: "hz", 54936: "gb18030", 65001: "utf-8", 1200: "utf-16-le",
              10000: "mac_roman"}  # fmt: skip


def codepage(number: object) -> str | None:
    """The Python codec of a Windows code page number (None: unknown or not a number)."""
    if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
        return None
    if 28591 <= number <= 28605:
        name = f"iso8859_{number - 28590}"
    else:
        name = _CODEPAGES.get(number, f"cp{number}")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


@dataclass(frozen=True)
class _Group:
    skip: bool = False  # inside a destination that is not message text
    suppress: bool = False  # inside \htmlrtf (RTF-only rendering)
    tag: bool = False  # inside an \htmltag group: HTML markup, copied as it is
    fonts: bool = False  # inside the font table
    codec: str = "cp1252"  # of the \'hh bytes in the current font
    uc: int = 1  # fallback characters that follow a \uN


class _Output:
    """The text, with runs of \\'hh bytes decoded together (multibyte code pages)."""

    def __init__(self) -> None:
        self.out = io.StringIO()  # compact, where a list of one-character pieces is not
        self.raw = bytearray()
        self.codec = "cp1252"

    def byte(self, value: int, codec: str) -> None:
        if self.raw and codec != self.codec:
            self.flush()
        self.codec = codec
        self.raw.append(value)

    def run(self, data: bytes, codec: str) -> None:
        # Text is 7-bit by the RTF specification; a writer that put 8-bit bytes in it
        # meant the current font's code page.
        if data.isascii():
            self.text(data.decode("ascii"))
        else:
            for value in data:
                self.byte(value, codec)

    def text(self, text: str) -> None:
        self.flush()
        self.out.write(text)

    def flush(self) -> None:
        if self.raw:
            self.out.write(bytes(self.raw).decode(self.codec, "replace"))
            self.raw.clear()

    def result(self) -> str:
        self.flush()
        # \uN gives UTF-16 code units; a pair of surrogates is one character.
        units = self.out.getvalue().encode("utf-16-le", "surrogatepass")
        return units.decode("utf-16-le", "replace")


def deencapsulate(rtf: bytes) -> tuple[str, str] | None:
    """("html" or "text", the content) of an RTF body; None when it holds no text."""
    out = _Output()
    stack: list[_Group] = []
    group = _Group()
    mode = b"text"  # until \fromhtml says otherwise
    default = "cp1252"
    fonts: dict[int, str] = {}
    font_number: int | None = None  # the font being defined in the font table
    deff = 0  # the default font: text before any \f is in its code page
    fresh = star = False  # just after "{" (and "\*"): the next word may name a destination
    overflow = 0  # groups opened beyond MAX_DEPTH
    fallback = 0  # characters still to skip after a \uN
    pos, end = 0, min(len(rtf), MAX_RTF_BYTES)
    while pos < end:
        m = _TOKEN.match(rtf, pos, end)
        if m is None:  # cannot happen: the last alternative takes any byte
            break
        pos = m.end()
        word, param, hexbyte, symbol, brace, run = m.group(1, 2, 3, 4, 5, 6)
        if brace is not None:
            fallback = 0
            if brace == b"{":
                if overflow or len(stack) >= MAX_DEPTH:
                    overflow += 1
                else:
                    stack.append(group)  # the new group starts with its parent's state
                fresh, star = True, False
            elif overflow:
                overflow -= 1
            elif stack:
                closed, group = group, stack.pop()
                if closed.fonts and not group.fonts and deff in fonts:
                    group = replace(group, codec=fonts[deff])
            continue
        if word == b"bin":  # binary data: its length is the parameter
            pos = min(end, pos + max(0, int(param or 0)))
            continue
        live = not overflow and not group.skip and (group.tag or not group.suppress)
        if word is not None:
            number = int(param) if param is not None else None
            if fresh:
                fresh = False
                if word == b"htmltag" and star and mode == b"html" and not group.skip:
                    group = replace(group, tag=True, suppress=False, codec=default)
                    continue
                if star or word in _DESTINATIONS:
                    group = replace(group, skip=True, fonts=word == b"fonttbl")
                    continue
            if group.fonts:  # the font table: which code page each font's bytes are in
                if word == b"f" and number is not None:
                    font_number = number
                elif word in (b"fcharset", b"cpg") and font_number is not None:
                    cp = _CHARSETS.get(number) if word == b"fcharset" else number
                    fonts[font_number] = codepage(cp) or default
                continue
            if fallback and live:
                fallback -= 1
                continue
            if word == b"fromhtml":
                mode = b"html"
            elif word == b"ansicpg":
                default = codepage(number) or default
                group = replace(group, codec=default)
            elif word == b"htmlrtf":
                group = replace(group, suppress=number != 0)
            elif word == b"deff" and number is not None:
                deff = number
            elif word in (b"f", b"plain") and not group.tag:
                font = deff if word == b"plain" or number is None else number
                group = replace(group, codec=fonts.get(font, default))
            elif word == b"uc" and number is not None:
                group = replace(group, uc=max(0, min(number, 10)))
            elif word == b"u" and number is not None and live:
                out.text(chr(number % 0x10000))
                fallback = group.uc
            elif live and word in _SYMBOLS:
                out.text(_SYMBOLS[word])
            continue
        fresh = False
        if symbol == b"*":
            fresh = star = True
            continue
        if not live:
            continue
        if hexbyte is not None:
            if fallback:
                fallback -= 1
            else:
                out.byte(int(hexbyte, 16), group.codec)
        elif symbol is not None:
            if fallback:
                fallback -= 1
            else:
                out.text(_ESCAPES.get(symbol, symbol.decode("latin-1")))
        elif run is not None:
            if fallback:
                skipped, fallback = min(fallback, len(run)), max(0, fallback - len(run))
                run = run[skipped:]
            if run:
                out.run(run, group.codec)
    content = out.result()
    if not content.strip():
        return None
    return ("html" if mode == b"html" else "text"), content
