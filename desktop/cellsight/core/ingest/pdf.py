"""PDF files: text page by page through PDFium, OCR for scanned pages.

PDFium (pypdfium2) was chosen by measurement (benchmarks/pdf_eval.md): its text
costs 3–4 ms a page, pdftotext's 7–9 (a process per file, as Recoll runs it) and
pdfminer.six's 70; it also rebuilds broken cross-reference tables. Its plain text
follows the content stream, which reads two columns line by line in some files, so
the reader takes the text runs with their boxes and orders them itself (pdf_pages,
pdf_layout), for 5–7 ms a page in all. Nothing in the file is run: no form
environment is set up, so PDFium never executes JavaScript or launch actions, and
nothing is fetched.

PDFium is not thread-safe: every call into it holds ``PDFIUM_LOCK``. OCR runs in a
child process with the lock released, so other files are read meanwhile.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..errors import IngestError
from ..model import ParsedDocument
from . import ocr
from .encoding import looks_binary
from .pdf_layout import Para, is_dropped, page_paragraphs, page_text, running_keys
from .pdf_meta import PdfMeta, good_title, read_meta
from .pdf_pages import display, has_image, page_lines, render_png, repaired
from .pdf_text import Vocabulary, carry_over, join_lines
from .registry import DEFAULT_MAX_BYTES, register
from .text import derive_title
from .text_meta import stated_meta

log = logging.getLogger("cellsight.ingest")

PDFIUM_LOCK = threading.Lock()
MAX_PAGES = 3000  # pages read from one file; the rest of a longer file is left out
MAX_OCR_PAGES = 300  # scanned pages read by OCR in one file
SCANNED_CHARS = 40  # a page with fewer characters of text and an image is a scan
HEADLINE_RATIO = 1.25  # a headline's letters are this much taller than the body's


class PdfReader:
    name = "pdf"
    max_bytes = DEFAULT_MAX_BYTES

    def sniff(self, path: Path, head: bytes) -> int:
        at = head.find(b"%PDF-", 0, 1024)
        if at == 0:
            return 95
        if at > 0 and not head[:at].lstrip().startswith(b"<"):
            return 90  # a mail or HTTP header before the file: PDFium reads past it
        if path.suffix.lower() == ".pdf" and looks_binary(head):
            return 10  # no header: say "damaged PDF" rather than "unsupported"
        return 0

    def read(self, path: Path, data: bytes) -> list[ParsedDocument]:
        return [read_pdf(path, data)]


def read_pdf(path: Path, data: bytes) -> ParsedDocument:
    with PDFIUM_LOCK:
        doc = _open(path, data)
        try:
            info = doc.get_metadata_dict(skip_empty=True)
            count = len(doc)
        except Exception:
            doc.close()
            raise
    try:
        pages, heights, scanned = [], [], []
        for i in range(min(count, MAX_PAGES)):
            with PDFIUM_LOCK:
                paras, height, is_scan = _read_page(doc, i, path)
            pages.append(paras)
            heights.append(height)
            if is_scan:
                scanned.append(i)
        ocr_pages = _ocr(doc, pages, scanned)
    finally:
        with PDFIUM_LOCK:
            doc.close()
    if count > MAX_PAGES:
        log.warning("%s: %d pages, only the first %d read", path, count, MAX_PAGES)
    unread = set(scanned) - {n - 1 for n in ocr_pages}
    if all(not paras or i in unread for i, paras in enumerate(pages)):
        if not count:
            raise IngestError(str(path), "damaged PDF: no pages")
        if scanned and not ocr.languages():
            raise IngestError(str(path), f"scanned, no text layer ({ocr.unavailable_reason()})")
        if not any(pages):
            reason = "OCR found no text on its scanned pages" if scanned else "no text layer"
            raise IngestError(str(path), f"no text ({reason})")
    return _document(path, pages, heights, ocr_pages, read_meta(info, data, path))


def _open(path: Path, data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = exc.err_code
        fixed = repaired(data) if code == pdfium_c.FPDF_ERR_FORMAT else None
        if fixed is not None:
            try:
                doc = pdfium.PdfDocument(fixed)
                log.info("%s: cut short or damaged, read from its surviving objects", path)
                return doc
            except pdfium.PdfiumError:
                pass
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise IngestError(str(path), "password-protected") from None
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise IngestError(str(path), "encrypted with an unsupported security handler") from None
        what = {
            pdfium_c.FPDF_ERR_FORMAT: "not a PDF or cut short",
            pdfium_c.FPDF_ERR_FILE: "the file cannot be read",
        }.get(code, "cannot be opened")
        raise IngestError(str(path), f"damaged PDF: {what}") from None


def _read_page(doc: pdfium.PdfDocument, i: int, path: Path) -> tuple[list[Para], float, bool]:
    try:
        page = doc[i]
    except pdfium.PdfiumError:
        log.warning("%s: page %d cannot be loaded, skipped", path, i + 1)
        return [], 0.0, False
    try:
        textpage = page.get_textpage()
        try:
            height = page.get_size()[1]
            lines, chars = page_lines(textpage, display(page))
        finally:
            textpage.close()
        # A scan's few characters (a scanner's stamp) stay if OCR cannot replace them.
        scan = chars < SCANNED_CHARS and has_image(page)
        return page_paragraphs(lines, height), height, scan
    finally:
        page.close()


def _ocr(doc: pdfium.PdfDocument, pages: list[list[Para]], scanned: list[int]) -> list[int]:
    langs = ocr.languages()
    if not scanned or not langs:
        return []
    done = []
    for i in scanned[:MAX_OCR_PAGES]:
        with PDFIUM_LOCK:
            image = render_png(doc, i)
        if image is None:
            continue
        text = ocr.page_text(image, langs)  # the lock is free while Tesseract reads
        blocks = [b.split("\n") for b in re.split(r"\n\s*\n", text.replace("\f", "\n"))]
        pages[i] = [Para(tuple(b), 0.0, 0.0) for b in blocks if any(x.strip() for x in b)]
        if pages[i]:
            done.append(i + 1)
    return done


def _document(
    path: Path, pages: list[list[Para]], heights: list[float], ocr_pages: list[int], meta: PdfMeta
) -> ParsedDocument:
    running = running_keys(pages)
    vocab = Vocabulary(p.lines for paras in pages for p in paras)
    first = next((i for i, paras in enumerate(pages) if any(p.edge is None for p in paras)),
                 next((i for i, paras in enumerate(pages) if paras), 0))  # fmt: skip
    head = None if meta.title else _headline(pages[first], heights[first], running, path)
    if head is not None and len(pages[first]) > 1:
        pages[first] = [p for p in pages[first] if p is not head]
    texts = [page_text(paras, running, vocab) for paras in pages]
    if not any(texts):  # nothing but margin lines: they are the text, then
        texts = [page_text(paras, set(), vocab, numbers=False) for paras in pages]
    if not any(texts):
        raise IngestError(str(path), "no text (the pages hold only blank runs)")
    carry_over(texts)
    first = next(i for i, t in enumerate(texts) if t)
    lead = texts[first]
    stated = stated_meta(lead[:30])
    title, derived = meta.title, False
    if title is None and head is not None:
        title = join_lines(head.lines, vocab)
    elif title is None and stated.title is not None:
        title = stated.title
        if stated.title_index == 0 and len(lead) > 1:
            del lead[0]
    elif title is None:
        title, derived = derive_title(lead[0]), True
    else:
        _drop_printed_title(lead, title)
    # Source lines ("来源：人民日报") are read under the headline, so ask again with it
    # (only for the source: a box label such as 核心閱讀 there read as an author).
    under = stated_meta([title, *lead[:29]])
    offsets, body, at = [], [], 0
    for paras in texts:
        offsets.append(at)
        body.append("\n\n".join(paras) + "\n\n" if paras else "")
        at += len(body[-1])
    # A dateline on page 1 is the publication's date; the file's own is when it was
    # exported or printed, so a stated date after that one is not the publication's.
    date = stated.date if stated.date and not (meta.date and stated.date > meta.date) else None
    return ParsedDocument(
        path=str(path), kind="pdf", title=title, text="".join(body), title_derived=derived,
        date=date or meta.date, author=meta.author or stated.author,
        source=stated.source or under.source,
        tags=meta.keywords, pages=tuple(offsets), ocr_pages=tuple(ocr_pages),
    )  # fmt: skip


def _drop_printed_title(lead: list[str], title: str) -> None:
    """The metadata title printed on top of page 1, on one line or wrapped over a few
    (a headline in large type breaks into short paragraphs), is not body text."""
    wanted, joined = " ".join(title.split()).lower(), ""
    for k, para in enumerate(lead[:4]):
        joined = f"{joined} {' '.join(para.split()).lower()}".strip()
        if joined == wanted:
            if len(lead) > k + 1:
                del lead[: k + 1]
            return
        if not wanted.startswith(joined):
            return


def _headline(paras: list[Para], height: float, running: set[str], path: Path) -> Para | None:
    """The largest type near the top of the first page, when larger than the body's
    (and not a file name: listings print theirs on top)."""
    sized = [p for p in paras if p.size > 0 and not is_dropped(p, running)]
    if not sized:
        return None
    weights = sorted((p.size, sum(len(x) for x in p.lines)) for p in sized)
    half, seen, body = sum(w for _, w in weights) / 2, 0, weights[0][0]
    for size, w in weights:
        seen += w
        body = size
        if seen >= half:
            break
    candidates = [
        p for p in sized
        if p.top <= 0.5 * height and p.size >= HEADLINE_RATIO * body
        and sum(map(len, p.lines)) <= 250 and good_title(" ".join(p.lines), path)
    ]  # fmt: skip
    return max(candidates, key=lambda p: (p.size, -p.top), default=None)


register(PdfReader())
