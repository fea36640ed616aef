"""Writes lying_charsets.mbox: real public text in mail parts whose labels lie.

The text is real (tests/data/zh from Mints922/llm-annotation-energy-news, MIT; and
tests/data/lang/ru.txt from pemistahl/lingua-py, Apache-2.0); the headers are made
up, and each body is encoded against its label on purpose, as broken senders do:

1. Big5 bytes labelled UTF-8 (text/plain; the text up to its first character
   outside Big5), the subject an RFC 2047 Big5
   word (the headline after its column name), an unquoted "From " line in the body
   and no blank line before the next separator.
2. GB18030 bytes labelled GB2312, in quoted-printable HTML.
3. UTF-8 bytes labelled Windows-1251, base64 with a junk line and no padding; a
   KOI8-R subject; no Message-ID.
4. UTF-8 bytes under an unknown charset name and a transfer encoding "8-bit".

Run: python tests/data/email/make_lying_charsets.py
"""

from __future__ import annotations

import base64
import quopri
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent
SENDER = "Energy News Digest <digest@energynews.example>"


def paragraphs(name: str, n: int) -> list[str]:
    text = (DATA / "zh" / name).read_text(encoding="utf-8")
    return [p.strip() for p in text.split("\n\n") if p.strip()][:n]


def big5_prefix(text: str) -> str:
    """The text up to its first character Big5 lacks, cut at a sentence end."""
    for i, ch in enumerate(text):
        try:
            ch.encode("big5")
        except UnicodeEncodeError:
            text = text[:i]
            break
    return text[: text.rfind("。") + 1] or text


def word(text: str, codec: str, label: str) -> str:
    """An RFC 2047 word: ``text`` encoded with ``codec`` under the charset name ``label``."""
    return f"=?{label}?B?{base64.b64encode(text.encode(codec)).decode()}?="


def message(day: int, subject: str, msgid: str | None, ctype: str, cte: str) -> bytes:
    lines = [
        f"From digest@energynews.example Mon Dec {day} 08:00:00 2024",
        f"From: {SENDER}",
        f"Subject: {subject}",
        f"Date: Mon, {day} Dec 2024 08:00:00 +0800",
        *([f"Message-ID: <{msgid}@energynews.example>"] if msgid else []),
        "MIME-Version: 1.0",
        f"Content-Type: {ctype}",
        f"Content-Transfer-Encoding: {cte}",
    ]
    return ("\n".join(lines) + "\n\n").encode("ascii")


def main() -> None:
    big5_title, big5_body = paragraphs("doc_0001-hant.txt", 2)
    big5_title = big5_title.split("丨")[-1]  # the column name's bar is not in Big5
    gb_title, gb_body = paragraphs("doc_0068.txt", 2)
    ru = (DATA / "lang" / "ru.txt").read_text(encoding="utf-8").splitlines()[:6]
    out = bytearray()

    out += message(
        23, word(big5_title, "big5", "big5"), "big5-1", "text/plain; charset=utf-8", "8bit"
    )
    out += big5_prefix(big5_body).encode("big5") + b"\n\nFrom the desk: more next week.\n"
    # No blank line before the next separator (a broken writer).
    html = f"<html><body><h1>{gb_title}</h1><p>{gb_body[:700]}</p></body></html>"
    out += message(
        24,
        word(gb_title, "gb18030", "gb2312"),
        "gb-2",
        "text/html; charset=gb2312",
        "quoted-printable",
    )
    out += quopri.encodestring(html.encode("gb18030")) + b"\n\n"

    html = "<html><body>" + "".join(f"<p>{s}</p>" for s in ru) + "</body></html>"
    b64 = base64.encodebytes(html.encode("utf-8")).rstrip(b"=\n")
    out += message(
        25, word(ru[0], "koi8-r", "koi8-r"), None, "text/html; charset=windows-1251", "base64"
    )
    out += b64[:76] + b"\n!! not base64 !!\n" + b64[76:] + b"\n\n"

    out += message(26, "Digest 4", "unknown-4", "text/plain; charset=x-no-such-charset", "8-bit")
    out += "\n".join(ru[2:5]).encode("utf-8") + b"\n"
    (HERE / "lying_charsets.mbox").write_bytes(bytes(out))


if __name__ == "__main__":
    main()
