"""Saved pages and archives: MHTML, WARC, "Web page, complete" and ZIP, read through the
registry (as the indexer does) and through the library, on the real files in
tests/data/archives (see SOURCES.md there); hostile cases are built in the tests."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import logging
import shutil
import struct
import zipfile
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest

from cellsight.core import scan
from cellsight.core.errors import IngestError
from cellsight.core.ingest.mhtml import _find_page, _headers, _split_head, decode_part
from cellsight.core.ingest.registry import choose_reader, parse_bytes, read_path
from cellsight.core.library import Library
from cellsight.core.model import SearchRequest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "archives"
ZH = ROOT / "tests" / "data" / "zh"
OFFICE = ROOT / "tests" / "data" / "office"
GOLEM_URL = ("https://www.golem.de/news/akkutechnik-hat-quantumscape-genug-akkus-fuer-ein-"
             "motorrad-gebaut-2509-199920.html")
GOLEM_TITLE = "Akkutechnik: Hat Quantumscape genug Akkus für ein Motorrad gebaut?"


def reader_of(name: str, data: bytes) -> str | None:
    reader = choose_reader(Path(name), data[:4096])
    return reader.name if reader else None


def reasons(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records)


# -- MHTML ---------------------------------------------------------------------------------
def test_blink_single_file_page_reads_as_its_article() -> None:
    (doc,) = read_path(DATA / "golem_quantumscape.mhtml")
    assert doc.kind == "mhtml" and doc.path == str(DATA / "golem_quantumscape.mhtml")
    assert doc.title == GOLEM_TITLE and not doc.title_derived
    # The page's own date, not the day Chromium saved it (its Date: header, 2026-12-03).
    assert doc.date == dt.date(2025, 9, 9)
    # The page's canonical link is relative; the address Chromium recorded stands in.
    assert doc.url == GOLEM_URL and doc.source == "Golem.de"
    assert "980 QSE-5-Akkuzellen von Quantumscape" in doc.text  # quoted-printable undone
    assert "Energiedichte der Zellen von 844 Wh/l" in doc.text
    for junk in ("=3D", "=C3", "position:", "MultipartBoundary", "Content-Location"):
        assert junk not in doc.text  # no encoding residue, no stylesheet parts


def test_firefox_saved_mhtml_with_stylesheets_and_image_parts() -> None:
    (doc,) = read_path(DATA / "tika_firefox_maf.mhtml")
    assert doc.kind == "mhtml" and doc.title == "Aperture"
    assert doc.url == "http://aperture.sourceforge.net/"
    assert doc.author == "Leo Sauermann, Christiaan Fluit"
    assert "We are very interested in new extractors" in doc.text
    assert "style-sheet" not in doc.text and "PNG" not in doc.text  # css and png parts


def test_truncated_ie_page_with_an_empty_html_part_fails_with_a_reason() -> None:
    with pytest.raises(IngestError) as info:
        read_path(DATA / "tika_ie8_truncated.mhtml")
    assert "no article text" in info.value.reason


def test_mhtml_is_sniffed_by_content_not_name(tmp_path: Path) -> None:
    data = (DATA / "golem_quantumscape.mhtml").read_bytes()
    for name in ("saved.bin", "saved", "saved.mht", "saved.eml", "saved.html"):
        assert reader_of(name, data) == "mhtml", name
    (tmp_path / "page.bin").write_bytes(data)
    assert read_path(tmp_path / "page.bin")[0].title == GOLEM_TITLE
    # An HTML page named .mht is the HTML reader's; a MIME e-mail is the mail reader's.
    assert reader_of("page.mht", b"<!doctype html><html><p>x</p></html>") == "html"
    mail = MIMEMultipart("related")
    for key, value in (("From", "a@example.com"), ("To", "b@example.com"),
                       ("Message-ID", "<1@example.com>"), ("Subject", "Cobalt")):
        mail[key] = value
    mail.attach(MIMEText("<html><p>Cobalt prices</p></html>", "html"))
    assert reader_of("message", mail.as_bytes()) != "mhtml"


def _ie_style_page(html: str, charset: str, cte: str, start: bool = False) -> bytes:
    """An MHTML the way IE and Word write one, built with the email package."""
    root = MIMEMultipart("related", type="text/html")
    root["From"] = '"Saved by Windows Internet Explorer 11"'
    root["Subject"] = "Lithium aus dem Schredder"
    root["Date"] = "Thu, 20 Jun 2019 07:30:00 +0200"
    frame = MIMEText("<html><body><p>Werbung im Rahmen</p></body></html>", "html", "utf-8")
    frame["Content-Location"] = "https://www.heise.de/ad-frame.html"
    page = MIMEText(html, "html", charset)
    del page["Content-Transfer-Encoding"]
    payload = html.encode(charset)
    if cte == "quoted-printable":
        import quopri

        page.set_payload(quopri.encodestring(payload).decode("ascii"))
    else:
        import base64

        page.set_payload(base64.encodebytes(payload).decode("ascii"))
    page["Content-Transfer-Encoding"] = cte
    page["Content-Location"] = "https://www.heise.de/newsticker/meldung/4451133.html"
    page["Content-ID"] = "<root@heise>"
    if start:  # the root named with start=, placed after a frame
        root.set_param("start", "<root@heise>")
        root.attach(frame)
        root.attach(page)
    else:
        root.attach(page)
        root.attach(frame)
    return root.as_bytes()


@pytest.mark.parametrize(("charset", "cte", "start"), [
    ("windows-1252", "quoted-printable", False), ("windows-1252", "base64", True),
    ("utf-8", "base64", False),
])  # fmt: skip
def test_html_part_is_decoded_with_its_transfer_encoding_and_charset(
    tmp_path: Path, charset: str, cte: str, start: bool
) -> None:
    # Real text (heise.de via trafilatura's test pages); the page states no charset,
    # only its MIME part does.
    lines = (ROOT / "tests/data/articles/de_heise_lithium.txt").read_text().split("\n")
    body = "".join(f"<p>{line}</p>" for line in lines[24:40])
    html = f"<html><head><title>Lithium aus dem Schredder</title></head><body>{body}</body></html>"
    path = tmp_path / "heise.mht"
    path.write_bytes(_ie_style_page(html, charset, cte, start))
    (doc,) = read_path(path)
    assert doc.kind == "mhtml" and doc.title == "Lithium aus dem Schredder"
    assert "dass die Flüssigkeit verdampft. Anschließend wird sie kondensiert" in doc.text
    assert "Künstliche Intelligenz: Tröpfchenweise" in doc.text
    assert "Werbung im Rahmen" not in doc.text  # the frame part is not the page
    assert doc.url == "https://www.heise.de/newsticker/meldung/4451133.html"


def test_saved_page_without_a_headline_takes_the_browsers_title(tmp_path: Path) -> None:
    text = (ZH / "doc_0039.txt").read_text().split("\n\n")[1]
    page = _ie_style_page(f"<html><body><p>{text}</p></body></html>", "gb18030", "base64")
    page = page.replace(b"Subject: Lithium aus dem Schredder",
                        b"Subject: =?gb2312?B?1tCwol/CzMmr16rQzQ==?=")  # fmt: skip
    path = tmp_path / "saved.mht"
    path.write_bytes(page)
    (doc,) = read_path(path)
    assert doc.title == "中阿_绿色转型" and not doc.title_derived  # the Subject, decoded
    assert doc.date == dt.date(2019, 6, 20)  # the page states none: the day it was saved
    # Without the browser's signature the MIME structure alone says "saved page".
    unsigned = page.replace(b'From: "Saved by Windows Internet Explorer 11"\n', b"")
    assert b"Saved by" not in unsigned and reader_of("saved", unsigned) == "mhtml"


def test_nested_alternative_part_and_a_missing_closing_boundary(tmp_path: Path) -> None:
    # IE nests the page in multipart/alternative (as in tika_ie8_truncated.mhtml); the
    # Golem page's HTML part moved into such a nest, and the file cut off in its CSS.
    data = (DATA / "golem_quantumscape.mhtml").read_bytes()
    top, body = _split_head(data)
    page = _find_page(Path("x"), _headers(top), body, 0, [0])
    assert page is not None
    html = decode_part(Path("x"), *page)
    nested = (
        b"From: <Saved by Windows Internet Explorer 8>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/related; type="multipart/alternative"; boundary="OUT"\r\n'
        b"\r\n--OUT\r\nContent-Type: multipart/alternative; boundary=\"IN\"\r\n\r\n"
        b"--IN\r\nContent-Type: text/html; charset=\"utf-8\"\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + html + b"\r\n--IN--\r\n"
        b"--OUT\r\nContent-Type: text/css\r\n\r\n.foo { position: fixed;"
    )
    path = tmp_path / "cut.mht"
    path.write_bytes(nested)
    (doc,) = read_path(path)
    assert doc.title == GOLEM_TITLE and "980 QSE-5-Akkuzellen" in doc.text


@pytest.mark.parametrize(("data", "reason"), [
    (b"just some text, not MIME", "not a saved web page"),
    (b"MIME-Version: 1.0\r\nContent-Type: multipart/related\r\n\r\n--x\r\n", "boundary"),
    (b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="b"\r\n\r\n--b\r\n'
     b"Content-Type: image/png\r\n\r\nPNG\r\n--b--\r\n", "without an HTML page"),
    (b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="b"\r\n\r\n--b\r\n'
     b"Content-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\nPGh0b=\r\n--b--",
     "base64 encoding is damaged"),
])  # fmt: skip
def test_broken_mhtml_gives_a_reason(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "broken.mhtml"
    path.write_bytes(data)
    with pytest.raises(IngestError) as info:
        read_path(path)
    assert reason in info.value.reason


# -- WARC ----------------------------------------------------------------------------------
def test_battery_crawl_pages_become_documents_the_rest_is_skipped() -> None:
    path = DATA / "battery_crawl.warc.gz"
    docs = read_path(path)
    # Of 11 records: warcinfo, 5 requests, an image, a 404 page and a revisit are skipped.
    assert [d.member for d in docs] == [GOLEM_URL, "https://archive.example/zh/doc_0039"]
    golem, zh = docs
    assert {d.kind for d in docs} == {"warc"} and {d.path for d in docs} == {str(path)}
    assert golem.title == GOLEM_TITLE and golem.url == GOLEM_URL
    assert "980 QSE-5-Akkuzellen" in golem.text  # served gzip-encoded: decoded
    assert golem.date == dt.date(2025, 9, 9)  # the page's date, not the crawl's
    # Served as GBK with the charset only in the HTTP header; it states no year.
    assert zh.title == "中阿绿色转型合作方兴未艾" and "推动中阿朝着更加清洁" in zh.text
    assert zh.date == dt.date(2025, 9, 10)  # the crawl date stands in
    assert len({d.part for d in docs}) == 2
    assert [d.part for d in read_path(path)] == [d.part for d in docs]  # stable


@pytest.mark.parametrize(("name", "title", "date", "uri"), [
    ("warcio_example.warc.gz", "Example Domain", dt.date(2017, 3, 6), "http://example.com/"),
    ("warcio_iana_chunked.warc", "Internet Assigned Numbers Authority",
     dt.date(2017, 3, 6), "http://www.iana.org/"),
    ("warcio_resource.warc.gz", "Example Domain", dt.date(2017, 4, 29), "http://example.com/"),
    ("warcio_non_chunked.warc.gz", "Example Domain", dt.date(2017, 3, 6),
     "http://example.com/"),
    ("warcio_truncated.warc", "Example Domain", dt.date(2017, 3, 6), "http://example.com/"),
    ("tika_multiple.warc.gz", "Russell County, Virginia in the Civil War",
     dt.date(2023, 5, 18), "https://russellvets.org/"),
    ("tika_commoncrawl.warc.gz", "Common Crawl", dt.date(2019, 12, 10),
     "http://commoncrawl.org/"),
])  # fmt: skip
def test_public_warc_files(name: str, title: str, date: dt.date, uri: str) -> None:
    # example.warc.gz also holds a revisit of the page, tika_multiple a JPEG capture:
    # one document each. warcio_non_chunked is one gzip member for the whole file,
    # which warcio alone refuses; warcio_truncated ends inside its last record.
    (doc,) = read_path(DATA / name)
    assert (doc.kind, doc.title, doc.date, doc.url, doc.member) == ("warc", title, date,
                                                                   uri, uri)
    assert "001c37" not in doc.text  # chunked transfer encoding undone


def test_warc_without_pages_and_warc_impostors(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as info:
        read_path(DATA / "warcio_post_only.warc.gz")
    assert "no HTML pages" in info.value.reason
    data = (DATA / "warcio_example.warc.gz").read_bytes()
    assert reader_of("crawl.bin", data) == "warc" and reader_of("crawl", data) == "warc"
    fake = tmp_path / "crawl.warc.gz"
    fake.write_bytes(gzip.compress(b"<html><p>not an archive</p></html>"))
    with pytest.raises(IngestError) as info:
        read_path(fake)
    assert "damaged WARC data" in info.value.reason
    fake.write_bytes(b"%PDF-1.4 a pdf named .warc.gz")
    with pytest.raises(IngestError):
        read_path(fake)


def _warc_record(kind: str, ctype: str, body: bytes) -> bytes:
    head = (f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: https://x.example/\r\n"
            f"WARC-Date: 2024-01-01T00:00:00Z\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body + b"\r\n\r\n"


def test_warc_gzip_bomb_is_refused_before_it_inflates(tmp_path: Path) -> None:
    # A "PNG" of 64 MB of zeros (64 KB on disk), then a real page. The budget is 20
    # times the file, at least 32 MB, so inflating stops there with a reason.
    page = (DATA / "warcio_example.warc.gz").read_bytes()
    zeros = zlib_stream(_warc_record("resource", "image/png", b""), 64 * 2**20)
    path = tmp_path / "bomb.warc.gz"
    path.write_bytes(zeros + page)
    with pytest.raises(IngestError) as info:
        read_path(path)
    assert "gzip bomb" in info.value.reason


def zlib_stream(header: bytes, zeros: int) -> bytes:
    """A gzip member: a WARC header claiming ``zeros`` bytes, then that many zeros."""
    header = header.replace(b"Content-Length: 0", f"Content-Length: {zeros}".encode())
    header = header[: -len(b"\r\n\r\n")]  # the body follows the header's blank line
    comp = __import__("zlib").compressobj(9, 8, 31)
    out = [comp.compress(header)]
    block = bytes(2**20)
    for _ in range(zeros // len(block)):
        out.append(comp.compress(block))
    out.append(comp.compress(b"\r\n\r\n"))
    out.append(comp.flush())
    return b"".join(out)


# -- ZIP -----------------------------------------------------------------------------------
def test_clippings_zip_members_become_documents_of_the_archive() -> None:
    path = DATA / "battery_clippings.zip"
    docs = read_path(path)
    assert [d.member for d in docs] == [
        "Golem/quantumscape.mhtml", "中文/doc_0039.txt", "older/inner.zip › doc_0022.txt"]
    assert {d.path for d in docs} == {str(path)}  # never a member's own path
    mhtml, zh, nested = docs
    assert mhtml.kind == "mhtml" and mhtml.title == GOLEM_TITLE and mhtml.url == GOLEM_URL
    assert zh.kind == "text" and zh.title == "中阿绿色转型合作方兴未艾"
    assert nested.title == "国际观察：中国为共建绿色一带一路提供强大动能"
    assert len({d.part for d in docs}) == 3
    # __MACOSX/._quantumscape.mhtml and .DS_Store are Finder's, not documents.
    assert [d.part for d in read_path(path)] == [d.part for d in docs]


def test_parts_stay_when_members_are_added_or_removed(tmp_path: Path) -> None:
    src = zipfile.ZipFile(DATA / "battery_clippings.zip")
    before = {d.member: d.part for d in read_path(DATA / "battery_clippings.zip")}
    changed = tmp_path / "clippings.zip"
    with zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("aaa-first.txt", (ZH / "doc_0002.txt").read_bytes())
        for info in src.infolist():
            if info.filename != "中文/doc_0039.txt":
                out.writestr(info, src.read(info))
    after = {d.member: d.part for d in read_path(changed)}
    assert set(after) == set(before) - {"中文/doc_0039.txt"} | {"aaa-first.txt"}
    assert all(after[m] == before[m] for m in after if m in before)


def test_public_test_documents_zip_routes_each_member_to_its_reader(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="cellsight.ingest.zip"):
        docs = read_path(DATA / "tika_test_documents.zip")
    kinds = {d.member: d.kind for d in docs}
    assert kinds["testHTML.html"] == "html" and kinds["testTXT.txt"] == "text"
    assert kinds["testPDF.pdf"] == "pdf"
    assert "Indexation du fichier" in next(d.text for d in docs if d.kind == "html")
    # The old binary Office files are reported, with their reader's reason, not lost.
    assert "testWORD.doc" in reasons(caplog)


def test_zip_inside_zip_and_the_depth_limit() -> None:
    (doc,) = read_path(DATA / "tika_zip_of_zip.zip")
    assert doc.member == "html-within-zip.zip › text.html" and doc.kind == "html"
    # droste.zip contains itself: read two levels deep, then refused with a reason.
    with pytest.raises(IngestError) as info:
        read_path(DATA / "tika_droste.zip")
    assert "nested more than 2 levels deep" in info.value.reason


def _flag_encrypted(data: bytes) -> bytes:
    """Set the "encrypted" bit of every entry (Python cannot write encrypted ZIPs)."""
    out = bytearray(data)
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = out.find(sig)
        while i >= 0:
            flags = struct.unpack_from("<H", out, i + at)[0]
            struct.pack_into("<H", out, i + at, flags | 1)
            i = out.find(sig, i + 4)
    return bytes(out)


def test_encrypted_members_are_reported_as_password_protected(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="cellsight.ingest.zip"):
        (doc,) = read_path(DATA / "tika_encrypted.zip")  # AES member beside a plain one
    assert doc.member == "unencrypted.txt" and doc.title == "hello world"
    assert "encrypted.txt: password-protected" in reasons(caplog)
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("notes.txt", (ZH / "doc_0002.txt").read_bytes())
    path = tmp_path / "locked.zip"
    path.write_bytes(_flag_encrypted(plain.getvalue()))
    with pytest.raises(IngestError) as info:
        read_path(path)
    assert "password-protected" in info.value.reason


def test_path_traversal_names_are_labels_only(tmp_path: Path) -> None:
    docs = read_path(DATA / "tika_overlapping_names.zip")
    assert [d.member for d in docs] == ["f1.txt", "../../../f1.txt"]
    here = tmp_path / "a" / "b" / "c"
    here.mkdir(parents=True)
    evil = here / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        for name in ("../../../escaped.txt", "/tmp/cellsight-absolute.txt",
                     "C:\\Windows\\win.txt", "./ok/../../x.txt"):
            z.writestr(name, f"Lithium note stored as {name}\n\nCobalt and nickel.")
    before = sorted(p for p in tmp_path.rglob("*"))
    docs = read_path(evil)
    assert [d.member for d in docs] == ["../../../escaped.txt", "/tmp/cellsight-absolute.txt",
                                        "C:\\Windows\\win.txt", "./ok/../../x.txt"]
    assert all(d.path == str(evil) for d in docs)
    assert sorted(p for p in tmp_path.rglob("*")) == before  # nothing written anywhere
    assert not Path("/tmp/cellsight-absolute.txt").exists()


def test_gbk_member_names_read_as_chinese(tmp_path: Path) -> None:
    # Chinese Windows writes member names in GBK with no UTF-8 flag (as in
    # tika_gbk_names.zip, whose only file is empty); zipfile reads them as cp437.
    name = "宁德时代/电池报告.txt"
    raw = name.encode("gbk")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:  # zipfile writes only ASCII or flagged UTF-8
        z.writestr("x" * len(raw), (ZH / "doc_0039.txt").read_bytes())
    path = tmp_path / "gbk.zip"
    path.write_bytes(buf.getvalue().replace(b"x" * len(raw), raw))
    (doc,) = read_path(path)
    assert doc.member == name
    with pytest.raises(IngestError) as info_:
        read_path(DATA / "tika_gbk_names.zip")
    assert info_.value.reason


def test_zip_bombs_and_lying_directories_are_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros.txt", bytes(64 * 2**20))  # 64 MB in 64 KB
    with pytest.raises(IngestError) as info:
        read_path(bomb)
    assert "zip bomb" in info.value.reason
    # A directory entry that understates the member: reading stops at the stated size
    # (zipfile then fails the checksum; zip_limits would refuse any byte more).
    liar = io.BytesIO()
    text = (ZH / "doc_0039.txt").read_bytes()
    with zipfile.ZipFile(liar, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("note.txt", text)
    data = bytearray(liar.getvalue())
    cd = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, cd + 24, 100)  # uncompressed size in the directory
    path = tmp_path / "liar.zip"
    path.write_bytes(bytes(data))
    with pytest.raises(IngestError) as info:
        read_path(path)
    assert "note.txt: damaged ZIP member" in info.value.reason


def test_too_many_members(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(10_001):
            z.writestr(f"n{i}.txt", b"x")
    with pytest.raises(IngestError) as info:
        read_path(path)
    assert "10,001 members" in info.value.reason


def test_damaged_member_beside_good_ones(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bad.txt", (ZH / "doc_0002.txt").read_bytes() * 3)
        z.writestr("good.txt", (ZH / "doc_0039.txt").read_bytes())
    data = bytearray(buf.getvalue())
    start = data.find(b"bad.txt") + len(b"bad.txt") + 200
    data[start : start + 64] = bytes(range(64))  # corrupt the deflate stream
    path = tmp_path / "mixed.zip"
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.INFO, logger="cellsight.ingest.zip"):
        (doc,) = read_path(path)
    assert doc.member == "good.txt"
    assert "bad.txt: damaged ZIP member" in reasons(caplog)


def test_unreadable_archives_say_why(tmp_path: Path) -> None:
    for name, reason in (("tika_corrupted.zip", "damaged ZIP archive"),
                         ("tika_relative_path.zip", "no documents Cellsight reads"),
                         ("tika_absolute_path.zip", "(2 .pl)"),
                         ("tika_odp_in_zip.zip", "(1 .odp)")):  # fmt: skip
        with pytest.raises(IngestError) as info:
            read_path(DATA / name)
        assert reason in info.value.reason, name
    junk = tmp_path / "broken.zip"
    junk.write_bytes(b"this is not a zip at all, only its name says so")
    with pytest.raises(IngestError) as info:
        read_path(junk)
    assert "damaged ZIP archive" in info.value.reason


def test_office_documents_and_books_are_not_taken_for_archives(tmp_path: Path) -> None:
    docx = next(OFFICE.glob("*.docx"), None)
    if docx is None:
        pytest.skip("no .docx in tests/data/office")
    data = docx.read_bytes()
    office = reader_of("report.docx", data)
    assert office not in (None, "zip")
    assert reader_of("report.zip", data) == office  # the names show it: not an archive
    # One whose first member hides the rest of the names from sniffing: the archive
    # reader opens it, sees [Content_Types].xml and word/, and hands it over.
    src = zipfile.ZipFile(docx)
    hidden = tmp_path / "report.zip"
    with zipfile.ZipFile(hidden, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("customXml/cellsight-padding.xml"), b"<x/>" + bytes(8000))
        for info in src.infolist():
            z.writestr(info, src.read(info))
    assert reader_of("report.zip", hidden.read_bytes()) == "zip"
    docs = read_path(hidden)
    assert docs and {d.kind for d in docs} == {office}
    assert all(d.path == str(hidden) and d.member is None for d in docs)
    epub = io.BytesIO()
    with zipfile.ZipFile(epub, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr("META-INF/container.xml", "<container/>")
    assert reader_of("book.zip", epub.getvalue()) is None  # a book, not an archive


# -- "Web page, complete" and the library ---------------------------------------------------
def _web_page_complete(folder: Path) -> None:
    """page.html with page_files/ beside it, as Chrome saves it: the page (the Golem
    article as Chromium serialised it), a frame saved as saved_resource.html (a real
    small page: Tika's testHTML.html), the stylesheets and a script."""
    data = (DATA / "golem_quantumscape.mhtml").read_bytes()
    top, body = _split_head(data)
    headers, payload = _find_page(Path("x"), _headers(top), body, 0, [0]) or (None, b"")
    folder.mkdir(parents=True)
    (folder / "page.html").write_bytes(decode_part(Path("x"), headers, payload))
    assets = folder / "page_files"
    assets.mkdir()
    frame = zipfile.ZipFile(DATA / "tika_test_documents.zip").read("testHTML.html")
    (assets / "saved_resource.html").write_bytes(frame)
    (assets / "saved_resource(1).html").write_bytes(frame)
    (assets / "0.CV03Newt.css").write_text(".foo { position: fixed; }")
    (assets / "app.js").write_text("console.log('Indexation du fichier')")
    # Older Firefox in German: Seite.htm with Seite-Dateien/ beside it.
    (folder / "Seite.htm").write_bytes(frame)
    (folder / "Seite-Dateien").mkdir()
    (folder / "Seite-Dateien" / "frame.html").write_bytes(frame)
    # A folder that only looks like one: no notes.html beside it, so it is read.
    (folder / "notes_files").mkdir()
    shutil.copy(ZH / "doc_0039.txt", folder / "notes_files" / "doc_0039.txt")


def test_web_page_complete_scans_as_one_document(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _web_page_complete(src)
    found = sorted(Path(f.path).relative_to(src).as_posix() for f in scan.scan([src]))
    assert found == ["Seite.htm", "notes_files/doc_0039.txt", "page.html"]
    # A watcher's report of a change inside the assets folder is not a target either.
    changed = [src / "page_files" / "saved_resource.html", src / "page_files",
               src / "notes_files" / "doc_0039.txt"]
    got = [t.path for t in scan.targets(changed, [src])]
    assert got == [str(src / "notes_files" / "doc_0039.txt")]


def test_library_indexes_pages_and_archive_members(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _web_page_complete(src / "saved")
    for name in ("battery_clippings.zip", "battery_crawl.warc.gz", "golem_quantumscape.mhtml",
                 "tika_droste.zip"):
        shutil.copy(DATA / name, src / name)
    with Library(tmp_path / "lib") as lib:
        report = lib.update([src])
        assert [Path(f.path).name for f in report.failed] == ["tika_droste.zip"]
        hits = lib.search(SearchRequest(query="Quantumscape", limit=50)).hits
        where = sorted((Path(h.path).name, h.member, h.kind) for h in hits)
        assert where == [
            ("battery_clippings.zip", "Golem/quantumscape.mhtml", "mhtml"),
            ("battery_crawl.warc.gz", GOLEM_URL, "warc"),
            ("golem_quantumscape.mhtml", None, "mhtml"),
            ("page.html", None, "html"),
        ]
        zh = lib.search(SearchRequest(query="中阿绿色转型", limit=50)).hits
        # notes_files/ has no notes.html beside it: its text file is a document.
        assert sorted(h.member or Path(h.path).name for h in zh) == [
            "doc_0039.txt", "https://archive.example/zh/doc_0039", "中文/doc_0039.txt"]
        assert lib.search(SearchRequest(query="Indexation", limit=50)).total == 1  # Seite.htm
        again = lib.update()
        assert (again.added, again.updated, again.removed) == (0, 0, 0)


# -- the window ------------------------------------------------------------------------------
def test_results_and_reader_show_the_member(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    from cellsight.ui.models.results_model import member_label
    from cellsight.ui.widgets.reader_view import ReaderView
    from cellsight.ui.widgets.results_view import meta_text

    with Library(tmp_path / "lib") as lib:
        lib.update([DATA / "battery_clippings.zip"])
        hit = next(h for h in lib.search(SearchRequest(query="Quantumscape")).hits)
        assert member_label(hit.path, hit.member) == (
            "battery_clippings.zip › Golem/quantumscape.mhtml")
        assert meta_text(hit).endswith("battery_clippings.zip › Golem/quantumscape.mhtml")
        view = ReaderView()
        qtbot.addWidget(view)
        view.show_document(lib.document(hit.id), [], ())
        assert view.meta_label.text().endswith(
            " · battery_clippings.zip › Golem/quantumscape.mhtml")
    assert member_label("/x/page.html", None) is None


def test_parse_bytes_routes_archives_like_files() -> None:
    for name, kind in (("golem_quantumscape.mhtml", "mhtml"), ("battery_crawl.warc.gz", "warc"),
                       ("tika_zip_of_zip.zip", "html")):  # fmt: skip
        data = (DATA / name).read_bytes()
        assert parse_bytes(Path("anything.dat"), data)[0].kind == kind
