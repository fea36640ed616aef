"""E-mail attachments indexed as documents of their own, linked to their message.

Real messages with attachments from public test corpora (tests/data/email, see
SOURCES.md there); messages that need a shape no corpus has (a workbook or an Outlook
file attached, a zip bomb, a 50 MB attachment, hostile names, deep nesting) are
written here with the standard library around real files of tests/data.
"""

from __future__ import annotations

import io
import shutil
import tracemalloc
import zipfile
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest

from cellsight.core import pipeline
from cellsight.core.ingest import mail_attachments
from cellsight.core.ingest.registry import read_path, readers
from cellsight.core.library import Library
from cellsight.core.mail_links import mail_links
from cellsight.core.model import ParsedDocument, SearchRequest
from cellsight.core.serialize import parsed_from_dict, parsed_to_dict

DATA = Path(__file__).resolve().parents[1] / "data"
EMAIL = DATA / "email"
SWIFT = EMAIL / "php_docx_pdf_odt_png.eml"


def by_member(docs: list[ParsedDocument]) -> dict[str | None, ParsedDocument]:
    return {d.member: d for d in docs}


def message(subject: str, body: str = "Weekly lithium notes.") -> EmailMessage:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = "Battery Desk <desk@news.example.com>"
    msg["Subject"] = subject
    msg["Date"] = "Tue, 07 Jan 2025 09:00:00 +0000"
    msg["Message-ID"] = f"<{abs(hash(subject))}@news.example.com>"
    msg.set_content(body)
    return msg


def attach(msg: EmailMessage, path: Path, name: str | None = None,
           ctype: str = "application/octet-stream") -> EmailMessage:  # fmt: skip
    maintype, subtype = ctype.split("/")
    msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype,
                       filename=name or path.name)  # fmt: skip
    return msg


def write(path: Path, msg: EmailMessage) -> Path:
    path.write_bytes(msg.as_bytes())
    return path


# -- documents, members, titles, links --------------------------------------------------
def test_docx_and_pdf_attachments_are_documents_linked_to_their_message() -> None:
    docs = read_path(SWIFT)
    top = docs[0]
    assert (top.kind, top.member, top.title) == ("email", None, "test-localhost")
    found = by_member(docs)
    docx = found["Hello from SwiftMailer.docx"]
    pdf = found["Hello from SwiftMailer.pdf"]
    assert (docx.kind, docx.title) == ("docx", "Hello from SwiftMailer !")
    assert (pdf.kind, pdf.title) == ("pdf", "Hello from SwiftMailer !")
    for doc in (docx, pdf):
        assert doc.path == str(SWIFT)
        assert (doc.attached_to, doc.parent_part) == ("test-localhost", top.part)
    # The .odt (no reader) and the .png (an image) are passed over without a problem.
    assert not any(d.member and d.member.endswith((".odt", ".png")) for d in docs)
    assert not top.problems
    # The message attaches a copy of itself: its own document, with *its* attachments.
    inner = found["test-localhost.eml"]
    assert (inner.kind, inner.parent_part) == ("email", top.part)
    nested = found["test-localhost.eml › Hello from SwiftMailer.docx"]
    assert nested.parent_part == inner.part and nested.attached_to == "test-localhost"
    assert set(top.attachment_parts) == {docx.part, pdf.part, inner.part}
    assert set(inner.attachment_parts) == {nested.part, found[
        "test-localhost.eml › Hello from SwiftMailer.pdf"].part}
    assert len({d.part for d in docs}) == len(docs) == 6
    # Read again: the same parts, so the same document ids.
    assert [d.part for d in read_path(SWIFT)] == [d.part for d in docs]


def test_xlsx_and_outlook_attachments(tmp_path: Path) -> None:
    msg = attach(message("Pink sheet and a forwarded note"), DATA / "xlsx" / "pink_sheet_2024.xlsx")
    attach(msg, EMAIL / "quick.msg", ctype="application/vnd.ms-outlook")
    found = by_member(read_path(write(tmp_path / "prices.eml", msg)))
    sheet = found["pink_sheet_2024.xlsx"]
    assert sheet.kind == "xlsx" and len(sheet.series) == 24
    outlook = found["quick.msg"]
    assert outlook.kind == "msg" and outlook.author == "Kevin Roast"
    assert sheet.attached_to == outlook.attached_to == "Pink sheet and a forwarded note"


def test_attached_messages_base64_uuencoded_and_zip_attachments() -> None:
    found = by_member(read_path(EMAIL / "tika_groupwise_attached_eml.eml"))
    assert found["test.eml"].title == "test2"  # message/rfc822 sent base64-encoded
    assert found["Neues Textdokument.txt"].kind == "text"
    found = by_member(read_path(EMAIL / "php_uuencode.eml"))
    assert found["wikipedia-url.txt"].text == "http://www.wikipedia.org"
    found = by_member(read_path(EMAIL / "tika_zip_attachment.eml"))
    assert found["test.zip › text.txt"].attached_to == "Test mail for Tika"
    # An image is not a document, and not a problem either.
    (only,) = read_path(EMAIL / "tika_png_attachment.eml")
    assert not only.problems and not only.attachment_parts


def test_outlook_attachments_embedded_message_and_pdf() -> None:
    top, *rest = read_path(EMAIL / "attachment_msg_pdf.msg")
    assert top.text == "Test email with 1 msg attachment, 1 pdf"
    found = by_member(rest)
    embedded = found["Test Attachment"]
    assert (embedded.kind, embedded.title, embedded.parent_part) == ("msg", "Test Attachment", 0)
    assert found["smbprn.00009008.KdcPjl.pdf"].kind == "pdf"
    assert top.attachment_parts == tuple(d.part for d in rest)


# -- failures are problems, the message stays ----------------------------------------------
def test_failing_attachments_are_problems_naming_message_and_file() -> None:
    (doc,) = read_path(EMAIL / "attachment_pdf.eml")
    assert doc.text.startswith("Just attaching another PDF")
    assert doc.problems == ("Another PDF with 🎉 Unicode chars in it 🍿 › broken.pdf: "
                            "damaged PDF: not a PDF or cut short",)  # fmt: skip
    top, txt = read_path(EMAIL / "tika_msg_doc_attachment.msg")
    assert txt.member == "pj1.txt" and txt.text.startswith("école")
    assert top.problems == ("test pièce jointe 1 › test-unicode.doc: old binary Word format "
                            "(.doc): save it as .docx",)  # fmt: skip
    (locked,) = read_path(EMAIL / "tika_encrypted_zip_attachment.eml")
    assert locked.problems[0].startswith("Test mail for Tika › test.zip: password-protected")


def test_a_50_mb_attachment_is_judged_before_it_is_decoded(tmp_path: Path) -> None:
    readers()
    text = b"Lithium carbonate held steady at the port this week.\n" * 1_000_000  # 53 MB
    msg = message("Weekly data dump")
    msg.add_attachment(text, maintype="text", subtype="plain", filename="dump.txt")
    data = msg.as_bytes()
    tracemalloc.start()
    try:
        (doc,) = mail_read(tmp_path / "dump.eml", data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert doc.text == "Weekly lithium notes."
    assert doc.problems[0].startswith("Weekly data dump › dump.txt: too large for text")
    assert peak < 5_000_000  # the 72 MB of base64 were never sliced or decoded


def mail_read(path: Path, data: bytes) -> list[ParsedDocument]:
    from cellsight.core.ingest.registry import parse_bytes

    return parse_bytes(path, data)


def test_a_zip_bomb_attachment_is_refused(tmp_path: Path) -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.txt", bytes(50 * 1024 * 1024))
    msg = message("Quarterly figures")
    msg.add_attachment(bomb.getvalue(), maintype="application", subtype="zip",
                       filename="figures.zip")  # fmt: skip
    (doc,) = read_path(write(tmp_path / "bomb.eml", msg))
    assert doc.problems[0].startswith("Quarterly figures › figures.zip: zip bomb")


def test_attached_messages_are_read_three_deep(tmp_path: Path) -> None:
    inner = message("Level 5", "The deepest note.")
    for level in (4, 3, 2, 1):
        outer = message(f"Level {level}", f"Note at level {level}.")
        outer.add_attachment(inner, filename=f"level{level + 1}.eml")
        inner = outer
    docs = read_path(write(tmp_path / "deep.eml", inner))
    assert [d.title for d in docs] == ["Level 1", "Level 2", "Level 3"]
    assert docs[2].member == "level2.eml › level3.eml"
    assert docs[2].problems == ("Level 3 › level4.eml: messages attached inside messages "
                                "more than 3 deep are not read",)  # fmt: skip


def test_hostile_attachment_names_are_only_labels(tmp_path: Path) -> None:
    msg = message("Names")
    msg.add_attachment(b"Cobalt output rose.\n", maintype="text", subtype="plain",
                       filename="../../etc/pass\x07wd\x1b.txt")  # fmt: skip
    msg.add_attachment(b"Nickel output fell.\n", maintype="text", subtype="plain",
                       filename="/tmp/abs.txt")  # fmt: skip
    path = write(tmp_path / "names.eml", msg)
    _top, first, second = read_path(path)
    assert first.member == "../../etc/passwd.txt" and first.text == "Cobalt output rose."
    assert second.member == "/tmp/abs.txt"
    assert first.path == second.path == str(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["names.eml"]  # nothing written
    # The real one: an attachment named "1234/../../1234.txt" with nothing in it.
    (doc,) = read_path(EMAIL / "php_hostile_name.eml")
    assert doc.text == "Attachments: 1234/../../1234.txt"


def test_links_survive_the_store_and_serialisation() -> None:
    docs = read_path(SWIFT)
    for doc in docs:
        back = parsed_from_dict(parsed_to_dict(doc))
        assert (back.attached_to, back.parent_part, back.attachment_parts) == (
            doc.attached_to, doc.parent_part, doc.attachment_parts)
        assert back.problems == ()  # problems go to the Problems list, not the document


# -- through the library ------------------------------------------------------------------
@pytest.fixture
def mail_folder(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("php_docx_pdf_odt_png.eml", "attachment_pdf.eml", "mail_attached_rfc822.eml",
                 "attachment_msg_pdf.msg"):  # fmt: skip
        shutil.copy(EMAIL / name, src / name)
    return src


def test_library_finds_attachments_and_links_them(tmp_path: Path, mail_folder: Path) -> None:
    with Library(tmp_path / "lib") as lib:
        report = lib.update([mail_folder])
        assert not report.failed  # a broken attachment is no failed file
        hits = lib.search(SearchRequest(query="SwiftMailer", limit=50)).hits
        members = {h.member for h in hits}
        assert {"Hello from SwiftMailer.docx", "Hello from SwiftMailer.pdf"} <= members
        (docx,) = [h for h in hits if h.member == "Hello from SwiftMailer.docx"]
        doc = lib.document(docx.id)
        assert doc is not None
        links = mail_links(doc, lib.document)
        assert links.parent is not None and links.parent[1] == "test-localhost"
        message_doc = lib.document(links.parent[0])
        assert message_doc is not None and message_doc.parsed.member is None
        names = [name for _id, name in mail_links(message_doc, lib.document).attachments]
        assert names == ["Hello from SwiftMailer.docx", "Hello from SwiftMailer.pdf",
                         "test-localhost.eml"]  # fmt: skip
        problems = {Path(f.path).name: f.reason for f in lib.failures()}
        assert problems["attachment_pdf.eml"].endswith("› broken.pdf: damaged PDF: not a PDF "
                                                       "or cut short")  # fmt: skip
        assert "Another PDF › broken.pdf" in problems["mail_attached_rfc822.eml"]
        # Both messages saying it are found, the one forwarded inside "testing" too.
        assert lib.search('"Just attaching another PDF"').total == 2


def test_mailbox_attachments_keep_their_ids_on_append(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    box = src / "desk.mbox"
    first = attach(message("Pink sheet"), DATA / "xlsx" / "pink_sheet_2024.xlsx")
    second = attach(message("Word report"), DATA / "office" / "tika_testWORD.docx")
    postmark = b"From desk@news.example.com Tue Jan  7 09:00:00 2025\n"
    box.write_bytes(postmark + first.as_bytes() + b"\n" + postmark + second.as_bytes())
    with Library(tmp_path / "lib") as lib:
        assert not lib.update([src]).failed
        before = {h.member: h.id for h in lib.search(SearchRequest(limit=50)).hits}
        assert set(before) == {"Pink sheet", "Pink sheet › pink_sheet_2024.xlsx", "Word report",
                               "Word report › tika_testWORD.docx"}  # fmt: skip
        third = attach(message("Pink sheet again"), DATA / "xlsx" / "pink_sheet_2024.xlsx")
        box.write_bytes(box.read_bytes() + b"\n" + postmark + third.as_bytes())
        assert not lib.update().failed
        after = {h.member: h.id for h in lib.search(SearchRequest(limit=50)).hits}
        assert before.items() <= after.items()  # every earlier document kept its id
        assert "Pink sheet again › pink_sheet_2024.xlsx" in after


def test_an_old_library_reads_its_mail_again_once(tmp_path: Path, mail_folder: Path) -> None:
    with Library(tmp_path / "lib") as lib:
        lib.update([mail_folder])
        total = lib.count()
        key, _version, _kinds = mail_attachments.REREAD
        lib.store.set_meta(key, "0")  # as a library indexed before attachments were read
        again = lib.update()
        assert again.updated == 4 and again.added == 0 and lib.count() == total
        assert lib.update().unchanged == 4  # once


def test_bulk_and_in_process_builds_list_the_same_problems(
    tmp_path: Path, mail_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(20):  # enough files for the worker processes
        shutil.copy(EMAIL / "attachment_pdf.eml", mail_folder / f"copy{i}.eml")
    outcomes = []
    for name, workers in (("serial", "0"), ("bulk", "2")):
        monkeypatch.setattr(pipeline, "BULK_MIN", 20)
        monkeypatch.setenv("CELLSIGHT_INDEX_WORKERS", workers)
        with Library(tmp_path / name) as lib:
            report = lib.update([mail_folder])
            problems = sorted((Path(f.path).name, f.reason) for f in lib.failures())
            outcomes.append((report.added, len(report.failed), problems, lib.count()))
    assert outcomes[0] == outcomes[1]
    added, failed, problems, _count = outcomes[0]
    assert (added, failed, len(problems)) == (24, 0, 22)  # 21 broken PDFs, 1 forwarded one
