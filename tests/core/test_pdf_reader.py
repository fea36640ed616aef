"""The PDF reader on real PDFs (tests/data/pdf, see SOURCES.md there).

Every requirement of the PDF section of issue 14 is read back from a real file:
pages kept, columns read in order, hyphenation, running headers and page numbers,
CJK and vertical text, metadata titles, encryption, damage, scripts and actions
never run, scanned pages read by Tesseract (or refused with a reason without it),
and a page-3 word found on page 3 through the library.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from cellsight.core.errors import IngestError
from cellsight.core.ingest import ocr, pdf, pdf_pages
from cellsight.core.ingest.pdf_meta import good_title, pdf_date, xmp_fields
from cellsight.core.ingest.pdf_text import Vocabulary, clean_cjk, join_lines
from cellsight.core.ingest.registry import read_path
from cellsight.core.library import Library
from cellsight.core.model import ParsedDocument, SearchRequest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "pdf"
ZH = ROOT / "tests" / "data" / "zh"
HTML = ROOT / "tests" / "data" / "html"
HAS_TESSERACT = bool(shutil.which("tesseract"))
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
SPACED_CJK = re.compile(f"[{_CJK}] +[{_CJK}]")


@pytest.fixture(autouse=True)
def no_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ocr.OCR_ENV, "0")  # the OCR tests switch it back on


def read(name: str) -> ParsedDocument:
    (doc,) = read_path(DATA / name)
    assert doc.kind == "pdf" and doc.part == 0
    return doc


def page_texts(doc: ParsedDocument) -> list[str]:
    ends = [*doc.pages[1:], len(doc.text)]
    return [doc.text[a:b] for a, b in zip(doc.pages, ends, strict=True)]


def flat(text: str) -> str:
    return " ".join(text.split())


# -- routing -------------------------------------------------------------------------------
def test_a_pdf_named_bin_still_reaches_the_pdf_reader(tmp_path: Path) -> None:
    shutil.copy(DATA / "latex_two_column.pdf", tmp_path / "download.bin")
    (doc,) = read_path(tmp_path / "download.bin")
    assert doc.kind == "pdf" and doc.title == "Two-Column Document with Lorem Ipsum"


def test_an_html_page_named_pdf_goes_to_the_html_reader(tmp_path: Path) -> None:
    page = next(p for p in sorted(HTML.glob("*.html")))
    shutil.copy(page, tmp_path / "report.pdf")
    (doc,) = read_path(tmp_path / "report.pdf")
    assert doc.kind == "html"


def test_sniff_claims_pdf_only() -> None:
    reader = pdf.PdfReader()
    head = (DATA / "tracemonkey_p1-3.pdf").read_bytes()[:4096]
    assert reader.sniff(Path("x.pdf"), head) == 95
    assert reader.sniff(Path("x.eml"), b"Content-Type: application/pdf\r\n\r\n" + head) == 90
    assert reader.sniff(Path("x.pdf"), b"<!doctype html><p>%PDF-1.4 in a page</p>") == 0
    assert reader.sniff(Path("x.docx"), b"PK\x03\x04" + bytes(200)) == 0
    assert reader.sniff(Path("x.txt"), b"Lithium prices rose.") == 0
    assert reader.sniff(Path("x.pdf"), bytes(range(256)) * 4) == 10  # damaged: still ours


# -- pages and reading order ---------------------------------------------------------------
def test_pages_are_kept_and_each_ends_with_a_blank_line() -> None:
    doc = read("tracemonkey_p1-3.pdf")
    assert len(doc.pages) == 3 and doc.pages[0] == 0
    for start, text in zip(doc.pages, page_texts(doc), strict=True):
        assert text.endswith("\n\n") and not text.startswith("\n")
        assert start == 0 or doc.text[start - 2 : start] == "\n\n"
    one, two, three = (flat(t) for t in page_texts(doc))
    assert "Dynamic languages such as JavaScript are more difficult" in one
    assert "We solve the nested loop problem by recording nested trace trees." in two
    assert "epilog" in three and "epilog" not in one + two


def test_two_columns_read_one_after_the_other() -> None:
    doc = read("latex_two_column.pdf")
    text = flat(page_texts(doc)[0])
    passages = [
        "This is a sample document with two columns filled with Lorem Ipsum text.",
        "Lorem ipsum dolor sit amet, consectetuer adipiscing elit. Ut purus elit, vestibulum",
        "Nulla malesuada porttitor diam. Donec felis erat, congue non, volutpat at",
        # the left column's last sentence runs on at the top of the right column
        "Vivamus viverra fermentum felis. Donec nonummy pellentesque ante.",
        "Quisque ullamcorper placerat ipsum. Cras nibh.",
        "Fusce mauris. Vestibulum luctus nibh at lectus.",
    ]
    at = [text.find(p) for p in passages]
    assert all(a >= 0 for a in at), [p for p, a in zip(passages, at, strict=True) if a < 0]
    assert at == sorted(at)


def test_columns_drawn_row_by_row_are_not_interleaved() -> None:
    # The file writes line 1 of both columns, then line 2 of both…: PDFium's own text
    # reads it that way; the reader must not.
    raw = pdfium.PdfDocument(DATA / "two_columns_row_order.pdf")[0].get_textpage()
    assert "(EV) The implications of CATL's strategic" in raw.get_text_range()
    text = flat(page_texts(read("two_columns_row_order.pdf"))[0])
    left = "Amid the accelerating electric vehicle (EV) race, Contemporary Amperex Technology"
    right = "The implications of CATL's strategic initiatives extend far beyond the immediate"
    assert left in text and right in text and text.index(left) < text.index(right)


def test_headings_over_both_columns_come_first() -> None:
    doc = read("tracemonkey_p1-3.pdf")
    assert doc.title == "Trace-based Just-in-Time Type Specialization for Dynamic Languages"
    one = flat(page_texts(doc)[0])
    assert one.index("Andreas Gal") < one.index("Abstract") < one.index("1. Introduction")
    assert one.index("1. Introduction") < one.index("and is used for the application logic")


def test_rotated_page_is_read_in_its_own_direction() -> None:
    doc = read("word_title_rotated.pdf")
    two = flat(page_texts(doc)[1])
    assert "This is my second page. It will have a landscape layout. Second line here." in two


# -- words ---------------------------------------------------------------------------------
def test_hyphenated_words_are_joined_and_real_hyphens_kept() -> None:
    text = flat(read("tracemonkey_p1-3.pdf").text)
    for joined in ("difficult to compile than statically typed", "are popular since",
                   "the bytecode interpreter", "SpiderMonkey", "TraceMonkey supports"):  # fmt: skip
        assert joined in text, joined
    for kept in ("just-in-time compilation", "non-experts", "our trace-compilation based",
                 "a trace-based compiler"):  # fmt: skip
        assert kept in text, kept
    assert "\ufffe" not in text and "com pile" not in text


def test_line_end_hyphen_rules() -> None:
    vocab = Vocabulary([("The battery maker ships lithium and ion exchange units.",)])
    assert join_lines(["a bat-", "tery plant"], vocab) == "a battery plant"
    assert join_lines(["a lithium-", "ion cell"], vocab) == "a lithium-ion cell"
    assert join_lines(["cobalt-", "free chemistry"], vocab) == "cobalt-free chemistry"
    assert join_lines(["CATL-", "Tesla talks"], vocab) == "CATL-Tesla talks"
    assert join_lines(["宁德时代与多家", "车企合作"], vocab) == "宁德时代与多家车企合作"


def test_spaces_between_cjk_characters() -> None:
    assert clean_cjk("关 于 红 军 作 战 的 原 则") == "关于红军作战的原则"
    assert clean_cjk("注重低碳环保 发展绿色产业") == "注重低碳环保 发展绿色产业"  # a real gap
    assert clean_cjk("Ｏｐｔｉｍｉｚａｔｉｏｎ １２") == "Optimization 12"


# -- running headers, footers, page numbers -------------------------------------------------
def test_running_headers_are_dropped_and_the_section_heading_kept() -> None:
    doc = read("geotopo_p18-20.pdf")
    assert "KOMPAKTHEIT" not in doc.text  # "15 1.5. KOMPAKTHEIT" tops every page
    assert "1.5 Kompaktheit" in doc.text
    assert "Das Einheitsintervall I := [0, 1] ist kompakt" in flat(doc.text)


def test_page_numbers_are_dropped() -> None:
    doc = read("latex_four_pages.pdf")
    assert len(doc.pages) == 4
    for text in page_texts(doc):
        assert not re.search(r"(?m)^\d+$", text), text[-40:]
        assert "Hello, here is some text without a meaning" in text or text.startswith("in")


def test_printed_article_headers_and_footers_are_dropped() -> None:
    doc = read("zh_battery_article.pdf")
    assert len(doc.pages) == 3
    assert "第 1 页" not in doc.text and "共 3 页" not in doc.text
    assert doc.text.count("央企走出去") == 0  # the headline is the title; the header is gone


# -- CJK and vertical text -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "source", "title", "date"),
    [
        ("zh_battery_article.pdf", "doc_0079.txt", "央企走出去——注重低碳环保 发展绿色产业",
         dt.date(2021, 12, 22)),
        ("zh_hant_article.pdf", "doc_0051-hant.txt", "東盟積極推動電力互聯互通",
         dt.date(2022, 9, 13)),
    ],
)  # fmt: skip
def test_chinese_pdf_text_is_whole(name: str, source: str, title: str, date: dt.date) -> None:
    doc = read(name)
    assert doc.title == title and not doc.title_derived
    assert doc.date == date  # the dateline under the headline, not the file's print date
    pair = re.compile(f"(?=([{_CJK}][{_CJK}]))")
    truth = set(pair.findall((ZH / source).read_text(encoding="utf-8")))
    got = set(pair.findall(doc.title + doc.text))
    assert len(truth & got) / len(truth) > 0.995
    assert not SPACED_CJK.search(doc.text)


def test_a_word_across_a_page_break_stays_whole() -> None:
    doc = read("zh_hant_article.pdf")
    one, two, _ = page_texts(doc)
    assert "滿足電力發展需求" in one and not two.startswith("求")


def test_letter_spaced_chinese_loses_its_spaces() -> None:
    doc = read("xiaobiaosong_contents.pdf")
    assert doc.title == "目录"
    assert "关于红军作战的原则" in doc.text and "（一九三七年八月一日）" in doc.text
    assert not SPACED_CJK.search(doc.text)


def test_vertical_japanese_reads_top_down_right_to_left() -> None:
    text = read("vertical_jo.pdf").text
    lines = ["わたくしといふ現象は假定された有機交流電燈のひとつの青い照明です",
             "風景やみんなといっしょにせはしくせはしく明滅しながら",
             "因果交流電燈のひとつの青い照明です",
             "これらは二十二箇月の過去とかんずる方角から紙と鑛質インクをつらね"]  # fmt: skip
    at = [text.find(line) for line in lines]
    assert min(at) >= 0 and at == sorted(at)
    assert text.startswith("序")


# -- metadata ------------------------------------------------------------------------------
def test_info_dictionary_metadata() -> None:
    doc = read("geotopo_p18-20.pdf")
    assert doc.title == "Geometrie und Topologie" and not doc.title_derived
    assert doc.author == "Martin Thoma" and doc.date == dt.date(2016, 12, 31)
    assert doc.tags == ("Geometrie", "Topologie")


def test_producer_titles_are_not_titles() -> None:
    doc = read("word_title_rotated.pdf")  # Info title: "Microsoft Word - Document1"
    assert doc.title == "This is my first page with normal layout" and doc.title_derived
    assert doc.author == "brianc" and doc.date == dt.date(2008, 9, 15)


def test_xmp_fills_what_the_info_dictionary_lacks() -> None:
    doc = read("xmp_metadata.pdf")
    assert doc.title == "Sample PDF with XMP Metadata" and doc.author == "John Doe"
    fields = xmp_fields((DATA / "xmp_metadata.pdf").read_bytes())
    assert fields["created"] == "1990-04-28"


@pytest.mark.parametrize(
    "title",
    ["Microsoft Word - Testeingabe.docx", "Microsoft Word - 文档1", "PowerPoint Presentation",
     "Microsoft PowerPoint - ODL 3q16 update 241116.pptx", "Untitled", "Untitled - Notepad",
     "Untitled-1", "No Title", "zen_of_python.txt", "IBM-PDFs.graffle", "devicen1.ps",
     "personwithdog", "report.pdf", "", "   ", "\ufffd\ufffd\ufffd", "12/03/2024", "S2"],
)  # fmt: skip
def test_not_titles(title: str) -> None:
    # Titles found in the Info dictionaries of the pdf.js and pdfminer test files.
    assert good_title(title, Path("report.pdf")) is None


@pytest.mark.parametrize(
    "title", ["PDF Browser test", "PoE Adapters Datasheet", "Geometrie und Topologie", "目录",
              "东盟积极推动电力互联互通"],
)  # fmt: skip
def test_real_titles(title: str) -> None:
    assert good_title(title) == title


def test_pdf_dates() -> None:
    assert pdf_date("D:20240315093000+08'00'") == dt.date(2024, 3, 15)
    assert pdf_date("D:20211109161707-05'00'") == dt.date(2021, 11, 9)
    assert pdf_date("D:2024") == dt.date(2024, 1, 1)
    assert pdf_date("2023-04-10T07:46:54Z") == dt.date(2023, 4, 10)
    assert pdf_date("D:19700101000000Z") is None and pdf_date("D:00000101") is None
    assert pdf_date("D:20241399") is None and pdf_date("garbage") is None
    assert pdf_date("D:20240101", today=dt.date(2023, 1, 1)) is None


# -- encryption, damage, active content ----------------------------------------------------
def test_encrypted_with_an_empty_user_password_opens() -> None:
    doc = read("encrypted_empty_password.pdf")
    assert b"/Encrypt" in (DATA / "encrypted_empty_password.pdf").read_bytes()
    assert "Dummy PDF file" in doc.text


def test_password_protected_is_refused_without_a_prompt() -> None:
    with pytest.raises(IngestError) as info:
        read_path(DATA / "password_protected.pdf")
    assert info.value.reason == "password-protected"


def test_damaged_file_yields_what_can_be_recovered() -> None:
    doc = read("damaged_zen_of_python.pdf")
    assert "Beautiful is better than ugly." in doc.text
    assert "Although practicality beats purity." in doc.text


def test_truncated_file_is_read_from_what_survives(tmp_path: Path) -> None:
    # Cut at 60 %, the cross-reference table and trailer are gone; the reader closes
    # the file again after its last whole object and PDFium rebuilds the table.
    data = (DATA / "tracemonkey_p1-3.pdf").read_bytes()
    (tmp_path / "cut.pdf").write_bytes(data[: int(len(data) * 0.6)])
    (doc,) = read_path(tmp_path / "cut.pdf")
    assert len(doc.pages) == 3
    assert "Dynamic languages such as JavaScript" in doc.text and "epilog" in doc.text


def test_truncated_file_without_whole_objects_gives_the_reason(tmp_path: Path) -> None:
    data = (DATA / "latex_four_pages.pdf").read_bytes()  # its objects sit in object streams
    (tmp_path / "cut.pdf").write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError) as info:
        read_path(tmp_path / "cut.pdf")
    assert info.value.reason == "damaged PDF: not a PDF or cut short"


def test_header_only_file_is_damaged() -> None:
    with pytest.raises(IngestError) as info:
        read_path(DATA / "header_only.pdf")
    assert info.value.reason.startswith("damaged PDF")


def test_javascript_and_launch_actions_never_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("the reader must not start anything")

    monkeypatch.setattr(pdfium.PdfDocument, "init_forms", refuse)  # no form env: no JS
    monkeypatch.setattr(subprocess, "Popen", refuse)
    js = read("javascript_print.pdf")
    assert js.title == "Should trigger a print action" and "this.print" not in js.text
    launch = read("launch_action.pdf")
    assert "Hello, it's a Chinese link" in launch.title + launch.text


# -- scanned pages -------------------------------------------------------------------------
def test_scanned_pdf_without_ocr_gives_the_reason() -> None:
    with pytest.raises(IngestError) as info:
        read_path(DATA / "scanned_linn.pdf")
    assert info.value.reason.startswith("scanned, no text layer")


def test_scanned_pdf_without_tesseract_says_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(ocr.OCR_ENV)
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on this PATH
    with pytest.raises(IngestError) as info:
        read_path(DATA / "scanned_linn.pdf")
    assert info.value.reason == "scanned, no text layer (install OCR: tesseract-ocr)"


def test_text_pages_are_kept_when_a_scanned_page_cannot_be_read() -> None:
    doc = read("text_then_scan.pdf")
    assert len(doc.pages) == 2 and doc.ocr_pages == ()
    one, two = page_texts(doc)
    assert "Hello, here is some text without a meaning" in one and two == ""


@pytest.mark.skipif(not HAS_TESSERACT, reason="tesseract is not installed")
def test_scanned_pages_are_read_by_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ocr.OCR_ENV)
    doc = read("text_then_scan.pdf")
    assert doc.ocr_pages == (2,)
    one, two = page_texts(doc)
    assert "Hello, here is some text without a meaning" in one
    truth = set(re.findall(r"[a-z]{4,}", (DATA / "scanned_linn.txt").read_text().lower()))
    words = set(re.findall(r"[a-z]{4,}", two.lower()))
    assert len(truth & words) / len(truth) > 0.85
    assert "LinnSequencer" in two


@pytest.mark.slow
@pytest.mark.skipif(not HAS_TESSERACT or "chi_sim" not in ocr._installed(
    shutil.which("tesseract") or ""), reason="tesseract with chi_sim is not installed")  # fmt: skip
def test_chinese_scan_is_read_without_spaces(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv(ocr.OCR_ENV)
    scan = tmp_path / "scan.pdf"
    with pdf.PDFIUM_LOCK:  # an image-only copy of the printed article's first page
        src = pdfium.PdfDocument(DATA / "zh_battery_article.pdf")
        image = src[0].render(scale=300 / 72, grayscale=True).to_pil()
        out = pdfium.PdfDocument.new()
        page = out.new_page(595, 842)
        obj = pdfium.PdfImage.new(out)
        obj.set_bitmap(pdfium.PdfBitmap.from_pil(image.convert("RGB")))
        obj.set_matrix(pdfium.PdfMatrix().scale(595, 842))
        page.insert_obj(obj)
        page.gen_content()
        out.save(scan)
    doc = read_path(scan)[0]
    assert doc.ocr_pages == (1,)
    # Tesseract spaces every character; the one gap left is the headline's own.
    assert {m.group() for m in SPACED_CJK.finditer(doc.text)} <= {"保 发"}
    pair = re.compile(f"(?=([{_CJK}][{_CJK}]))")
    truth = set(pair.findall((ZH / "doc_0079.txt").read_text(encoding="utf-8")[:700]))
    assert len(truth & set(pair.findall(doc.title + doc.text))) / len(truth) > 0.8


def test_ocr_image_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_pages, "OCR_MAX_PIXELS", 200_000)
    with pdf.PDFIUM_LOCK:
        doc = pdfium.PdfDocument(DATA / "scanned_linn.pdf")
        png = pdf_pages.render_png(doc, 0)
        doc.close()
    assert png is not None
    width, height = Image.open(io.BytesIO(png)).size
    assert width * height <= 200_000


@pytest.mark.skipif(not HAS_TESSERACT, reason="tesseract is not installed")
def test_a_hung_tesseract_costs_the_page_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ocr.OCR_ENV)
    monkeypatch.setattr(ocr, "PAGE_TIMEOUT", 0.001)  # no process answers within 1 ms
    doc = read("text_then_scan.pdf")
    assert doc.ocr_pages == () and page_texts(doc)[1] == ""


def test_ocr_noise_check_on_real_output() -> None:
    english = (DATA / "scanned_linn.txt").read_text()
    assert ocr.reads_as_words(english)
    # What the English model made of the Chinese article's first lines.
    noise = ("2021-12-22 RREKA—FEKBOR RRR REEHA——itB MR RRR Mh 3KiR: ARH PRE Bw aReIN ae, "
             "PEeRetes FUP BRS aS MARAE, SRE RRS Re")  # fmt: skip
    assert not ocr.reads_as_words(noise)


# -- limits and threads --------------------------------------------------------------------
def test_page_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "MAX_PAGES", 2)
    doc = read("tracemonkey_p1-3.pdf")
    assert len(doc.pages) == 2 and "epilog" not in doc.text


def test_threads_read_the_same_as_one(monkeypatch: pytest.MonkeyPatch) -> None:
    names = ["tracemonkey_p1-3.pdf", "zh_battery_article.pdf", "geotopo_p18-20.pdf",
             "latex_two_column.pdf"]  # fmt: skip
    alone = {n: read(n) for n in names}
    results: dict[tuple[int, str], ParsedDocument] = {}

    def work(k: int) -> None:
        for n in names:
            results[(k, n)] = read(n)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()  # no pace to wait for: each thread ends when its reads do
    assert len(results) == 4 * len(names)
    assert all(results[(k, n)] == alone[n] for k in range(4) for n in names)


# -- through the library ---------------------------------------------------------------------
def test_library_finds_a_page_three_word_on_page_three(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("tracemonkey_p1-3.pdf", "zh_hant_article.pdf", "latex_four_pages.pdf"):
        shutil.copy(DATA / name, src / name)
    with Library(tmp_path / "lib") as lib:
        report = lib.update([src])
        assert report.added == 3 and not report.failed
        (hit,) = lib.search(SearchRequest(query="epilog")).hits
        assert hit.kind == "pdf" and hit.page == 3
        assert hit.title == "Trace-based Just-in-Time Type Specialization for Dynamic Languages"
        hits = lib.search(SearchRequest(query="南歐江")).hits
        assert [Path(h.path).name for h in hits] == ["zh_hant_article.pdf"]
        assert hits[0].page == 2


def test_source_line_under_the_headline_is_the_source_and_no_box_label_is_an_author() -> None:
    for name in ("zh_battery_article.pdf", "zh_hant_article.pdf"):
        doc = read(name)
        assert (doc.source, doc.author) == ("人民日报", None), name  # "来源：人民日报"
    assert "核心閱讀" in read("zh_hant_article.pdf").text  # a box label stays body text


def test_a_wrapped_printed_headline_is_not_left_in_the_body() -> None:
    from cellsight.core.ingest.pdf import _drop_printed_title

    title = "Sodium-ion batteries gain ground as BYD Company starts mass production"
    lead = ["Sodium-ion batteries gain ground as BYD", "Company starts mass production",
            "By Oliver Grant · March 10, 2020", "Under the FEOC rules, automakers …"]
    _drop_printed_title(lead, title)
    assert lead[0].startswith("By Oliver Grant")
    other = ["Sodium-ion batteries gain ground", "and then a different sentence", "Body."]
    _drop_printed_title(other, title)
    assert len(other) == 3  # only a whole printed title goes
