"""E-mail readers (.eml, .mbox, Outlook .msg) on real messages, through the registry."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from cellsight.core.errors import IngestError
from cellsight.core.ingest.email_reader import split_mbox, stable_part
from cellsight.core.ingest.mail_parts import mail_date, parse_from, sender_fields
from cellsight.core.ingest.registry import choose_reader, read_path
from cellsight.core.library import Library
from cellsight.core.model import ParsedDocument, SearchRequest

DATA = Path(__file__).resolve().parents[1] / "data" / "email"
NEWSLETTER = DATA / "mailchimp_newsletter.eml"
HADOOP = DATA / "hadoop_core_user.mbox"
HADOOP_IDS = (
    "C649564F.1435F%jothipn@yahoo-inc.com",
    "592088.35091.qm@web111010.mail.gq1.yahoo.com",
    "C6496CF9.1437C%jothipn@yahoo-inc.com",
)


def full(doc: ParsedDocument) -> str:
    return f"{doc.title}\n\n{doc.text}"


def one(path: Path) -> ParsedDocument:
    (doc,) = read_path(path)
    return doc


def reader_for(path: Path) -> str | None:
    reader = choose_reader(path, path.read_bytes()[:4096])
    return reader.name if reader else None


# -- newsletters: metadata and chrome --------------------------------------------------------
def test_newsletter_html_without_chrome() -> None:
    doc = one(NEWSLETTER)
    assert doc.kind == "email" and doc.part == 0
    assert doc.title == "New Webinar: So, You Have A Disaster... Now What?"
    assert not doc.title_derived
    assert doc.source == "Continuity Insights" and doc.author is None
    assert doc.date == dt.date(2018, 8, 29)
    assert doc.image is None  # not the tracking pixel, nor a logo
    # The "view in browser" link is the message's web address (it is never fetched).
    assert doc.url is not None and doc.url.startswith("https://mailchi.mp/eb93241944da/")
    assert "Respected industry authority Tom Serio will lead the discussion" in doc.text
    assert "Develop a disaster checklist" in doc.text
    for chrome in (
        "View this email in your browser",
        "unsubscribe",
        "update your preferences",
        "Copyright",
        "Our mailing address",
        "Add us to your address book",
        "list-manage.com",
        "track/open",
        "gallery.mailchimp.com",
    ):
        assert chrome.lower() not in doc.text.lower(), chrome


def test_newsletter_text_part_when_the_html_is_empty(tmp_path: Path) -> None:
    data = NEWSLETTER.read_bytes()
    start = data.index(b"Content-Type: text/html")
    body = data.index(b"\n\n", start) + 2
    end = data.index(b"--_----------=_MCPart_1336256601--")
    path = tmp_path / "empty_html.eml"
    path.write_bytes(data[:body] + b"<html><body></body></html>\n" + data[end:])
    doc = one(path)
    assert "Respected industry authority Tom Serio" in doc.text
    assert "View this email in your browser" not in doc.text
    assert "unsubscribe" not in doc.text.lower() and "Copyright" not in doc.text
    assert doc.url is not None and doc.url.startswith("https://mailchi.mp/eb93241944da/")


# -- charsets --------------------------------------------------------------------------------
def test_gb2312_label_on_utf8_bytes() -> None:
    doc = one(DATA / "gb2312_declared_utf8.eml")
    assert doc.title == "代开各地增值税发票"  # an RFC 2047 GB2312 word
    assert doc.author == "张先生" and doc.source == "hotmail.com"
    assert "我公司可代开各类增值税发票" in doc.text
    assert "\ufffd" not in full(doc)


def test_lying_labels_in_a_mailbox() -> None:
    docs = read_path(DATA / "lying_charsets.mbox")
    assert [d.kind for d in docs] == ["mbox"] * 4  # the unquoted "From the desk" split nothing
    big5, gb, cp1251, unknown = docs
    assert big5.title == "亂局交織衝擊中東經濟 多國對華合作穩定發展"  # Big5 bytes labelled UTF-8
    assert "新華社伊斯坦布爾12月21日電" in big5.text and "From the desk" in big5.text
    assert gb.title == "老挝稳步扩大电力出口"  # GB18030 labelled GB2312
    assert "打造东南亚“蓄电池”的发展定位" in gb.text
    assert cp1251.title == "Все это довольно срочно."  # KOI8-R subject
    assert "Оба святых должны были бороться" in cp1251.text  # UTF-8 labelled Windows-1251
    assert "base64" not in cp1251.text  # the junk line in the base64 went
    assert "Иерусалим. 7 погибших." in unknown.text  # an unknown charset name
    for doc in docs:
        assert doc.source == "Energy News Digest" and doc.date is not None
        assert "\ufffd" not in full(doc)


def test_encoded_words_in_any_charset() -> None:
    # A comma inside an encoded name does not split the sender in two.
    assert one(DATA / "encoded_comma_sender.eml").author == "LastßlName, FirstName"
    jp = one(DATA / "japanese_iso_2022.eml")
    assert jp.title == "まみむめも" and jp.text == "すみません。"
    assert one(DATA / "bad_encoded_subject.eml").title == "TEST"  # charset "NONE", bad padding
    assert one(DATA / "year_3609_date.eml").source == "Атиковa"  # a Windows-1251 word


def test_invalid_transfer_encoding_label() -> None:
    doc = one(DATA / "cte_with_semicolon.eml")  # "quoted-printable;"
    assert "pre-approved for a $402,000 Home Loan" in doc.text
    assert "=20" not in doc.text and "=\n" not in doc.text


# -- dates and senders -----------------------------------------------------------------------
def test_broken_dates_give_no_date() -> None:
    assert one(DATA / "year_3609_date.eml").date is None  # "Mon, 30 Jun 3609"
    assert one(DATA / "unreadable_date.eml").date is None  # "Pn, 29 paX 2007"
    today = dt.date(2025, 1, 10)
    assert mail_date("Thu, 9 Jan 2025 23:30:00 -0800", today) == dt.date(2025, 1, 9)
    assert mail_date("Wed, 15 Dec 2010    59:10 -0500", today) is None
    assert mail_date("2024-05-03", today) == dt.date(2024, 5, 3)
    assert mail_date("Sat, 1 Feb 2025 10:00:00 +0000", today) is None  # three weeks ahead
    assert mail_date("", today) is None and mail_date("yesterday", today) is None


def test_sender_is_source_and_a_person_is_the_author() -> None:
    name, addr = parse_from("Benchmark Mineral Intelligence <news@benchmarkminerals.com>")
    assert sender_fields(name, addr, None) == ("Benchmark Mineral Intelligence", None)
    name, addr = parse_from("<alerts@email.fastmarkets.com>")
    assert sender_fields(name, addr, None) == ("fastmarkets.com", None)
    first, second, _third = read_path(HADOOP)
    assert first.author == "Jothi Padmanabhan" and second.author == "Jianmin Woo"
    assert first.source == "core-user.hadoop.apache.org"  # the list they wrote to
    assert one(DATA / "quick.msg").author == "Kevin Roast"


# -- attachments -----------------------------------------------------------------------------
def test_attachments_are_not_text() -> None:
    doc = one(DATA / "attachment_pdf.eml")
    assert doc.title == "Another PDF with 🎉 Unicode chars in it 🍿"
    assert doc.text.startswith("Just attaching another PDF")
    assert "%PDF" not in doc.text and "JVBER" not in doc.text
    msg = read_path(DATA / "attachment_msg_pdf.msg")[0]  # then its attachments
    assert msg.text == "Test email with 1 msg attachment, 1 pdf"


# -- mailboxes -------------------------------------------------------------------------------
def test_mbox_one_document_per_message_with_stable_parts() -> None:
    docs = read_path(HADOOP)
    assert [d.kind for d in docs] == ["mbox"] * 3
    assert all(d.title == "question about when shuffle/sort start working" for d in docs)
    assert [d.member for d in docs] == ["Re: question about when shuffle/sort start working"] * 3
    assert [d.date for d in docs] == [
        dt.date(2009, 6, 1),
        dt.date(2009, 5, 31),
        dt.date(2009, 6, 1),
    ]
    used: set[int] = set()
    assert [d.part for d in docs] == [stable_part(mid, used) for mid in HADOOP_IDS]
    assert "JobControl and ChainMapper/ChainReducer" in docs[2].text


def test_appending_to_a_mailbox_keeps_the_parts(tmp_path: Path) -> None:
    box = tmp_path / "box.mbox"
    box.write_bytes((DATA / "headerless.mbox").read_bytes())  # no Message-IDs: ordinals
    first = [(d.part, d.text) for d in read_path(box)]
    box.write_bytes(box.read_bytes() + b"\n\n" + HADOOP.read_bytes())
    after = [(d.part, d.text) for d in read_path(box)]
    assert after[:2] == first and len(after) == 5
    assert len({part for part, _ in after}) == 5


def test_mbox_broken_separators(tmp_path: Path) -> None:
    (doc,) = read_path(DATA / "unquoted_from.mbox")  # "From time to time" in the body
    assert doc.text == "Hello\n\nFrom time to time"
    titles = [d.title for d in read_path(HADOOP)]
    parts = [d.part for d in read_path(HADOOP)]
    data = HADOOP.read_bytes()
    variants = {
        "crlf.mbox": data.replace(b"\n", b"\r\n"),
        # A file not starting with "From ": its first message has no postmark line.
        "no_postmark.mbox": data[data.index(b"\n") + 1 :],
        "preamble.mbox": b"Archive of core-user, June 2009\n\n" + data,
        # mboxrd quoting of a body line that starts with "From ".
        "quoted.mbox": data.replace(b"\nJothi\n", b"\n>From Jothi\n", 1),
    }
    for name, content in variants.items():
        path = tmp_path / name
        path.write_bytes(content)
        docs = read_path(path)
        assert [d.title for d in docs] == titles, name
        assert [d.part for d in docs] == parts, name
    assert "\nFrom Jothi" in read_path(tmp_path / "quoted.mbox")[0].text.replace("\n\n", "\n")
    headerless = read_path(DATA / "headerless.mbox")  # postmark lines, then bodies
    assert [d.text for d in headerless] == ["Test content 1", "Test content 2"]
    assert len(split_mbox(b"From nobody\n\nno headers, no date\n")) == 1


# -- sniffing --------------------------------------------------------------------------------
def test_sniffing_by_content(tmp_path: Path) -> None:
    copies = {
        "newsletter": NEWSLETTER, "newsletter.txt": NEWSLETTER, "archive": HADOOP,
        "archive.txt": HADOOP, "outlook.bin": DATA / "quick.msg", "outlook": DATA / "quick.msg",
    }  # fmt: skip
    expected = {"newsletter": "email", "newsletter.txt": "email", "archive": "mbox",
                "archive.txt": "mbox", "outlook.bin": "msg", "outlook": "msg"}  # fmt: skip
    for name, source in copies.items():
        shutil.copy(source, tmp_path / name)
        assert reader_for(tmp_path / name) == expected[name], name
    assert one(tmp_path / "outlook.bin").title == "Test the content transformer"
    # Office files are OLE2 too, and a text clipping has a header block of its own.
    assert reader_for(DATA / "word_52117.doc") != "msg"
    assert reader_for(DATA / "excel_3dFormulas.xls") != "msg"
    clipping = tmp_path / "clipping.txt"
    clipping.write_text("Title: Lithium output\nDate: 2024-05-03\nSource: Reuters\n\nBody.\n")
    assert reader_for(clipping) == "text"
    page = tmp_path / "page.eml"
    page.write_text("<!doctype html><html><body><p>Not mail.</p></body></html>")
    assert reader_for(page) == "html"
    mhtml = tmp_path / "saved"
    mhtml.write_bytes(
        b"From: <Saved by Blink>\nSnapshot-Content-Location: https://x.example/\n"
        b"Subject: Page\nMIME-Version: 1.0\nContent-Type: multipart/related;\n"
        b' type="text/html"; boundary="b"\n\n--b\nContent-Type: text/html\n\n'
        b"<p>x</p>\n--b--\n"
    )
    assert reader_for(mhtml) not in ("email", "mbox")


def test_office_file_named_msg_is_refused_clearly(tmp_path: Path) -> None:
    fake = tmp_path / "report.msg"
    shutil.copy(DATA / "excel_3dFormulas.xls", fake)
    assert reader_for(fake) == "msg"
    with pytest.raises(IngestError) as info:
        read_path(fake)
    assert "not an Outlook message" in info.value.reason


# -- Outlook .msg ----------------------------------------------------------------------------
def test_msg_plain() -> None:
    doc = one(DATA / "quick.msg")
    assert doc.kind == "msg" and doc.part == 0
    assert doc.title == "Test the content transformer"
    assert doc.text == "The quick brown fox jumps over the lazy dog"
    assert doc.date == dt.date(2007, 6, 14)


def test_msg_big5_strings_without_a_code_page() -> None:
    # Outlook wrote Big5 (code page 950) 8-bit strings and declared no message code page.
    doc = one(DATA / "chinese-traditional.msg")
    assert doc.title == "Alfresco MSG format testing ( MSG 格式測試 )"
    assert "中文測試" in doc.text and "豐泰產業工會常務理事" in doc.text
    assert doc.source is not None and "張毓倫" in doc.source
    assert doc.date == dt.date(2011, 3, 29)


def test_msg_windows_1251_strings() -> None:
    doc = one(DATA / "ASCII_CP1251_LCID1049.msg")
    assert doc.title == "Subject автоматически Subject"
    assert doc.text == "HTML автоматически"


def test_msg_sender_from_unicode_properties_and_headers() -> None:
    doc = one(DATA / "example_received_unicode.msg")
    assert doc.title == "This is a test message please ignore"
    assert doc.author == "Mike Farman" and doc.source == "alfresco.com"
    assert doc.date == dt.date(2010, 1, 11)
    assert "The quick brown fox jumps over the lazy dog" in doc.text
    attached = read_path(DATA / "attachment_msg_pdf.msg")[0]  # then its attachments
    assert attached.author == "Nick Booth" and attached.source == "pof.com.au"


# -- the library -----------------------------------------------------------------------------
def test_library_mbox_messages_are_documents_and_keep_ids(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    box = src / "core-user.mbox"
    shutil.copy(HADOOP, box)
    with Library(tmp_path / "lib") as lib:
        report = lib.update([src])
        assert not report.failed
        everything = lib.search(SearchRequest(query="", limit=50))
        assert everything.total == 3
        ids = {hit.id for hit in everything.hits}
        hits = lib.search("JobControl").hits
        assert [h.author for h in hits] == ["Jothi Padmanabhan"]
        assert hits[0].member == "Re: question about when shuffle/sort start working"
        box.write_bytes(box.read_bytes() + b"\n" + (DATA / "lying_charsets.mbox").read_bytes())
        assert not lib.update().failed
        after = lib.search(SearchRequest(query="", limit=50))
        assert after.total == 7
        assert ids <= {hit.id for hit in after.hits}  # the first messages kept their ids
        (desk,) = lib.search("desk").hits
        assert desk.title == "亂局交織衝擊中東經濟 多國對華合作穩定發展"
