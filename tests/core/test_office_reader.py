"""Word and PowerPoint files through the registry, on real files (Tika, python-docx,
python-pptx test corpora) and two battery/energy files made from real articles."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import socket
import zipfile
from pathlib import Path

import pytest

from cellsight.core.errors import IngestError
from cellsight.core.ingest.office_meta import is_real_author, is_real_title, office_kind
from cellsight.core.ingest.registry import choose_reader, read_path
from cellsight.core.library import Library
from cellsight.core.model import SearchRequest, page_at

OFFICE = Path(__file__).resolve().parents[1] / "data" / "office"


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    # Attached templates, linked pictures and sub-documents point at URLs: never fetched.
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("an Office reader tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def _one(name: str) -> tuple[str, object]:
    docs = read_path(OFFICE / name)
    assert len(docs) == 1
    return docs[0].text, docs[0]


# -- Word -----------------------------------------------------------------------------------
def test_docx_text_boxes_footnotes_headers_and_tables_once() -> None:
    text, doc = _one("tika_testWORD_various.docx")
    paragraphs = text.split("\n\n")
    assert doc.kind == "docx"
    # Word stores a text box twice (the drawing and its VML fallback): read once.
    assert paragraphs.count("Here is a text box") == 1
    assert "This is a footnote." in paragraphs
    assert paragraphs.count("This is the header text.") == 1
    assert "This is the footer text." in paragraphs
    rows = "Row 1 Col 1 | Row 1 Col 2 | Row 1 Col 3\nRow 2 Col 1 | Row 2 Col 2 | Row 2 Col 3"
    assert rows in text
    assert "ゾルゲと尾崎、淡々と最期" in paragraphs
    assert doc.author == "Michael McCandless" and doc.date == dt.date(2011, 9, 5)


def test_docx_headings_stay_paragraphs_and_the_core_title_counts() -> None:
    text, doc = _one("tika_testWORD.docx")
    assert doc.title == "Sample Word Document" and not doc.title_derived
    paragraphs = text.split("\n\n")
    for heading in ("Main Heading", "Heading Level 1", "Heading Level 2", "Heading Level 3"):
        assert heading in paragraphs
    assert "| Nested table More of our nested table" in text  # a table inside a cell
    assert doc.author == "Keith Bennett"  # not "Nick Burch", who saved it last


def test_docx_placeholders_in_core_properties_give_way_to_the_text() -> None:
    # Title "Microsoft Word - 央企走出去.docx", author "python-docx", created 2013-12-23:
    # the template's. The text states its headline (Title style) and its date.
    text, doc = _one("zh_energy_storage.docx")
    assert doc.title == "央企走出去——注重低碳环保 发展绿色产业"
    assert doc.author is None
    assert doc.date == dt.date(2021, 12, 22)
    paragraphs = text.split("\n\n")
    assert paragraphs[0] == "人民日报 2021年12月22日"  # the title is not repeated
    assert "注重低碳环保" in paragraphs and "发展绿色产业" in paragraphs
    assert "来源 | 人民日报\n日期 | 2021-12-22" in text
    # Two sections, two header parts, the same line: it is read once.
    assert paragraphs.count("人民日报 · 央企走出去") == 1
    assert "英国门迪电池储能项目" in text


def test_docx_distinct_headers_each_once() -> None:
    text, _doc = _one("python-docx_doc-odd-even-hdrs.docx")
    paragraphs = text.split("\n\n")
    assert paragraphs.count("Even page header.") == 1 and paragraphs.count("Odd page header.") == 1


def test_docx_footnotes() -> None:
    text, doc = _one("tika_footnotes.docx")
    assert doc.title == "Eto ochen prostoy text so snoskoy"
    assert "snoska" in text.split("\n\n")


@pytest.mark.parametrize(
    ("name", "words", "absent"),
    [
        ("tika_testWORD_macros.docm", ["The quick brown fox."], ["Sub ", "AutoOpen"]),
        ("tika_testWORD_template.dotx", ["References are available upon request."],
         ["Click here to enter text", "[Your Name]"]),
        ("tika_testAttachedTemplate.docx", ["Document with external attached template"], []),
        ("tika_testExternalRefs.docx", ["Testing INCLUDETEXT"], []),
        ("tika_testSubdocument.docx", ["Master document with subdocuments"], []),
    ],
)  # fmt: skip
def test_docm_dotx_and_external_references_read_without_running_or_fetching(
    name: str, words: list[str], absent: list[str]
) -> None:
    text, doc = _one(name)
    full = f"{doc.title}\n\n{text}"
    assert doc.kind == "docx"
    for word in words:
        assert word in full
    for word in absent:
        assert word not in full  # macro code is never read, template prompts are skipped


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("tika_testWORD.doc", "old binary Word format (.doc): save it as .docx"),
        ("tika_testPPT.ppt", "old binary PowerPoint format (.ppt): save it as .pptx"),
        ("tika_testWORD_protected_passtika.docx", "password-protected Word file"),
        ("tika_testPPT_protected_passtika.pptx", "password-protected PowerPoint file"),
        ("python-pptx_no-slides.pptx", "pptx: no text on any slide"),
        ("tika_testPPT_masterFooter.pptx", "pptx: no text on any slide"),
    ],
)
def test_unreadable_office_files_say_why(name: str, reason: str) -> None:
    with pytest.raises(IngestError) as info:
        read_path(OFFICE / name)
    assert reason in info.value.reason


def test_sniffing_by_content_not_by_name(tmp_path: Path) -> None:
    shutil.copy(OFFICE / "zh_energy_storage.docx", tmp_path / "report.bin")
    assert read_path(tmp_path / "report.bin")[0].kind == "docx"
    shutil.copy(OFFICE / "de_akku_deck.pptx", tmp_path / "deck.docx")
    assert read_path(tmp_path / "deck.docx")[0].kind == "pptx"
    # A ZIP of other things, and a text file, named .docx/.pptx: not Office documents.
    with zipfile.ZipFile(tmp_path / "notes.docx", "w") as zf:
        zf.writestr("notes.txt", "Lithium prices fell again in May.")
    reader = choose_reader(tmp_path / "notes.docx", (tmp_path / "notes.docx").read_bytes())
    assert reader is None or reader.name not in ("docx", "pptx")
    (tmp_path / "plain.pptx").write_text("Lithium prices fell again in May.\n")
    reader = choose_reader(tmp_path / "plain.pptx", b"Lithium prices fell again in May.\n")
    assert reader is None or reader.name not in ("docx", "pptx")


def test_office_kind_reads_the_central_directory_when_the_head_cannot_tell(
    tmp_path: Path,
) -> None:
    # Tika's .potm stores docProps (and a 6 KB thumbnail) first: no ppt/ name in the head.
    data = (OFFICE / "tika_testPPT.potm").read_bytes()
    (tmp_path / "t.potm").write_bytes(data)
    assert office_kind(tmp_path / "t.potm", data[:4096]) == "powerpoint"
    assert office_kind(tmp_path / "missing.potm", data[:4096]) == "zip"
    # testWORD_various.docx streams its first member (sizes in a data descriptor).
    head = (OFFICE / "tika_testWORD_various.docx").read_bytes()[:4096]
    assert office_kind(OFFICE / "tika_testWORD_various.docx", head) == "word"


@pytest.mark.parametrize(
    ("title", "real"),
    [
        ("PowerPoint Presentation", False), ("PowerPoint-Präsentation", False),
        ("Présentation PowerPoint", False), ("Presentation1", False), ("Document1", False),
        ("Microsoft Word - Q2 outlook.docx", False), ("Title", False), ("Word Document", False),
        ("Slide 1", False), ("演示文稿1", False), ("battery_outlook_2024.docx", False),
        ("notes", False), ("Click to add title", False),
        ("Battery outlook 2024", True), ("宁德时代2024年年报摘要", True),
        ("Lithium aus dem Schredder", True), ("Word count of EU battery rules", True),
    ],
)  # fmt: skip
def test_placeholder_titles_are_not_titles(title: str, real: bool) -> None:
    assert is_real_title(title, Path("notes.docx")) is real


def test_placeholder_authors_are_not_authors() -> None:
    for name in ("Administrator", "python-docx", "Microsoft Office User", "User", "管理员"):
        assert not is_real_author(name)
    for name in ("Keith Bennett", "Allison, Timothy B.", "Уколов А. В.", "王喆"):
        assert is_real_author(name)


# -- PowerPoint -----------------------------------------------------------------------------
def test_pptx_slides_are_pages_with_titles_tables_groups_and_notes() -> None:
    text, doc = _one("de_akku_deck.pptx")
    assert doc.kind == "pptx" and len(doc.pages) == 5 and doc.pages[0] == 0
    slides = [text[a:b] for a, b in zip(doc.pages, (*doc.pages[1:], len(text)), strict=True)]
    assert all(s.endswith("\n\n") for s in slides if s)
    assert slides[0].startswith("Lithium aus dem Schredder\n\nTechnology Review, 20.06.2019")
    assert slides[1].startswith("Recycling statt Schmelzofen\n\nDie Ökobilanz von Elektroautos")
    assert slides[2].startswith("Quantumscape QSE-5")
    table = "Kennzahl | Wert\nEnergiedichte | 844 Wh/l\nGravimetrische Dichte | 301 Wh/kg"
    assert table in slides[2]
    assert slides[3] == ""  # the blank slide
    assert slides[4].startswith("Akkupack der Ducati V21L") and "2170-Format" in slides[4]
    assert page_at(doc.pages, text.index("2170-Format")) == 5
    assert page_at(doc.pages, text.index("844 Wh/l")) == 3


def test_pptx_placeholder_core_title_and_template_date_give_way() -> None:
    # Core title "PowerPoint Presentation" and created 2013-01-27 (the template's).
    _text, doc = _one("de_akku_deck.pptx")
    assert doc.title == "Lithium aus dem Schredder" and not doc.title_derived
    assert doc.date == dt.date(2019, 6, 20)
    assert doc.author == "Denis Dilba"


def test_pptx_notes_follow_the_slide_text_on_its_page() -> None:
    text, doc = _one("de_akku_deck.pptx")
    slide2 = text[doc.pages[1] : doc.pages[2]].rstrip("\n").split("\n\n")
    assert len(slide2) == 4  # title, two body paragraphs, the speaker notes
    assert slide2[-1].startswith("Duesenfeld hingegen kommt laut Geschäftsführer")
    slide3 = text[doc.pages[2] : doc.pages[3]].rstrip("\n").split("\n\n")
    assert slide3[-1].startswith("Volkswagen hat den Prototyp eines Akkupacks")
    notes, deck = _one("python-pptx_sld-notes.pptx")
    assert notes == "Notes\n\n" and deck.pages == (0, 7)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("tika_testPPT_groups.pptx", ["Text box1", "Text box5 tika link", "smart1", "Smart5",
                                      "WordArt2", "Ungrouped text box"]),
        ("tika_testPPT_various.pptx", ["Row 1 Col 1 | Row 1 Col 2 | Row 1 Col 3",
                                       "Here is a text box", "ゾルゲと尾崎、淡々と最期"]),
        ("tika_testPPT_macros.pptm", ["The quick"]),
        ("tika_testPPT.ppsx", ["Attachment Test", "Black Panther"]),
        ("tika_testPPT.potm", ["Attachment Test", "Black Panther"]),
    ],
)  # fmt: skip
def test_pptx_variants_groups_smartart_and_tables(name: str, words: list[str]) -> None:
    text, doc = _one(name)
    assert doc.kind == "pptx"
    for word in words:
        assert word in text
    assert "This is the footer text." not in text  # layout chrome (footer, slide number)


def test_library_search_finds_a_slide_and_its_page(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(OFFICE / "de_akku_deck.pptx", src)
    shutil.copy(OFFICE / "zh_energy_storage.docx", src)
    with Library(tmp_path / "lib") as lib:
        report = lib.update([src])
        assert report.added == 2 and not report.failed
        hit = lib.search(SearchRequest(query="Energiedichte")).hits[0]
        assert hit.kind == "pptx" and hit.page == 3
        hit = lib.search(SearchRequest(query="Zimmertemperatur")).hits[0]
        assert hit.page == 5
        docx_hit = lib.search(SearchRequest(query="储能")).hits[0]
        assert docx_hit.kind == "docx" and docx_hit.page is None


def test_open_zip_limits_apply_before_the_library_sees_the_package(tmp_path: Path) -> None:
    # A real .docx whose document.xml is padded to a zip bomb: refused by the limits.
    src = (OFFICE / "tika_testWORD.docx").read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"</w:body>", b" " * 20_000_000 + b"</w:body>")
            zout.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED)
    (tmp_path / "bomb.docx").write_bytes(out.getvalue())
    with pytest.raises(IngestError, match="zip bomb"):
        read_path(tmp_path / "bomb.docx")
