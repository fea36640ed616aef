"""Outlook .msg read from its OLE streams with olefile alone: RTF-only bodies, Outlook's
categories, dates from the property table, and no GPL or LGPL library imported.

The messages are real (tests/data/email, tests/data/msg). The RTF-only ones are copies
whose plain-text and HTML body streams are renamed in the OLE directory (same length,
so nothing else in the file moves): what a message Outlook kept only as RTF looks like.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import olefile
import pytest

from cellsight.core.errors import IngestError
from cellsight.core.ingest import msg as msg_reader
from cellsight.core.ingest.msg_rtf import deencapsulate
from cellsight.core.ingest.registry import read_path
from cellsight.core.model import ParsedDocument

EMAIL = Path(__file__).resolve().parents[1] / "data" / "email"
KEYWORDS = Path(__file__).resolve().parents[1] / "data" / "msg" / "keywords.msg"


def one(path: Path) -> ParsedDocument:
    (doc,) = read_path(path)
    return doc


def hide_streams(src: Path, dst: Path, *props: str) -> Path:
    """A copy of ``src`` without the top-level streams of ``props`` (e.g. "1000001F")."""
    data = src.read_bytes()
    for i, prop in enumerate(props):
        old = f"__substg1.0_{prop}".encode("utf-16-le")
        new = f"__substg1.0_0FF{i}{prop[4:]}".encode("utf-16-le")  # properties nobody reads
        assert old in data, prop
        data = data.replace(old, new)
    dst.write_bytes(data)
    return dst


def test_rtf_only_message_gives_the_encapsulated_html(tmp_path: Path) -> None:
    original = one(EMAIL / "example_received_unicode.msg")
    doc = one(hide_streams(EMAIL / "example_received_unicode.msg", tmp_path / "a.msg", "1000001F"))
    assert (doc.title, doc.author, doc.source, doc.date) == (
        original.title, original.author, original.source, original.date,
    )  # fmt: skip
    assert doc.text.startswith("..less you are Nick.....")
    assert "The quick brown fox jumps over the lazy dog" in doc.text
    assert "Mike Farman\n\nDir Product Management" in doc.text  # the signature's HTML table
    for leak in ("htmltag", "htmlrtf", "\\", "{", "<"):
        assert leak not in doc.text, leak
    # A Word-written (\fromhtml1, <style> and conditional comments) body.
    attached = hide_streams(EMAIL / "attachment_msg_pdf.msg", tmp_path / "b.msg", "1000001F")
    assert read_path(attached)[0].text == "Test email with 1 msg attachment, 1 pdf"


def test_rtf_only_message_in_plain_rtf_with_big5_fonts(tmp_path: Path) -> None:
    # Not encapsulated: a "Rich Text" message. Its Chinese is in \'hh bytes of fonts
    # declared \fcharset136 (Big5), the document's code page being 950.
    src = EMAIL / "chinese-traditional.msg"
    doc = one(hide_streams(src, tmp_path / "zh.msg", "1000001E", "1013001E"))
    assert doc.title == "Alfresco MSG format testing ( MSG 格式測試 )"
    assert "中文測試" in doc.text and "豐泰產業工會常務理事 陳亮宏" in doc.text
    assert "會議地點：HQ R 棟演講廳" in doc.text
    assert "\ufffd" not in doc.text and "fcharset" not in doc.text
    quick = one(hide_streams(EMAIL / "quick.msg", tmp_path / "q.msg", "1000001E"))
    assert quick.text == "The quick brown fox jumps over the lazy dog"


def test_a_message_without_any_body_is_refused_clearly(tmp_path: Path) -> None:
    bare = hide_streams(EMAIL / "quick.msg", tmp_path / "bare.msg", "1000001E", "10090102")
    with pytest.raises(IngestError) as info:
        read_path(bare)
    assert info.value.reason == "msg: the message has no text"


def test_categories_and_dates_from_the_property_streams() -> None:
    with olefile.OleFileIO(str(KEYWORDS)) as ole:
        message = msg_reader._Message(ole, KEYWORDS.stat().st_size)
        # The named property "Keywords" maps to 0x8003 here (multi-valued Unicode).
        assert msg_reader._keywords(message) == (
            "TODO", "Currently Important", "Currently To Do", "Test",
        )  # fmt: skip
        # An unsent draft: no submit time, a delivery (saved) time of 2020-02-20.
        assert message.day(0x00390040) is None
        assert message.day(0x0E060040) == dt.date(2020, 2, 20)
        assert message.hint == "iso8859-1"  # PR_INTERNET_CPID 28591 (no PR_MESSAGE_CODEPAGE)
    with olefile.OleFileIO(str(EMAIL / "quick.msg")) as ole:
        message = msg_reader._Message(ole, (EMAIL / "quick.msg").stat().st_size)
        assert msg_reader._keywords(message) == ()
        assert message.day(0x00390040) == dt.date(2007, 6, 14)
    with pytest.raises(IngestError) as info:  # its body is a blank line
        read_path(KEYWORDS)
    assert info.value.reason == "msg: the message has no text"


def test_deencapsulation_rules() -> None:
    html = (
        rb"{\rtf1\ansi\ansicpg1252\fromhtml1 \deff0{\fonttbl{\f0\fswiss Arial;}"
        rb"{\f1\fnil\fcharset204 Tahoma;}}{\*\generator Riched20;}"
        rb"{\*\htmltag19 <html>}{\*\htmltag64 <p class=\{x\}>}\htmlrtf {\b\htmlrtf0 Nickel "
        rb"\htmlrtf\b0\htmlrtf0 price}{\*\htmltag84 &nbsp;}\htmlrtf \'a0\htmlrtf0 "
        rb"caf\'e9 {\f1 \'cd\'e8\'ea\'e5\'eb\'fc} \uc1\u8212? \u-10179?\u-8704?{\*\htmltag4 \par }"
        rb"{\*\unknown dropped}{\pict\bin6 {}}\}x}{\*\htmltag72 </p>}}"
    )
    kind, content = deencapsulate(html) or ("", "")
    assert kind == "html"
    assert content == "<html><p class={x}>Nickel price&nbsp;café Никель — 😀\n</p>"
    text = rb"{\rtf1\ansi\fromtext{\fonttbl{\f0 Courier;}}\f0 Line one\par{\*\htmltag64}Line\tab 2}"
    assert deencapsulate(text) == ("text", "Line one\nLine\t2")
    assert deencapsulate(rb"{\rtf1{\fonttbl{\f0 Arial;}}\par\~}") is None  # no text at all


def test_no_gpl_or_lgpl_library_is_imported(tmp_path: Path) -> None:
    for path in sorted(EMAIL.glob("*.msg")):
        assert read_path(path)  # the message, and documents of its attachments
    one(hide_streams(EMAIL / "example_received_unicode.msg", tmp_path / "r.msg", "1000001F"))
    assert not {"extract_msg", "RTFDE", "oletools"} & set(sys.modules)
