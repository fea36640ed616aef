"""Text runs and page images from PDFium, for the PDF reader.

Every function here calls into PDFium, so the caller holds ``pdf.PDFIUM_LOCK``.
PDFium's text breaks lines where the content stream does; within a line its
rectangles (one per text object) show where a run jumps to another baseline or
across a column gap, and there the line is cut. The char where rectangle j starts
is found by bisecting on the rectangle count of a prefix, so that cutting costs a
few calls into C per cut, never a Python loop over the characters.
"""

from __future__ import annotations

import ctypes
import io
import math
import re
from collections.abc import Callable

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from .pdf_layout import Box, Line

MAX_PAGE_CHARS = 200_000  # above this a page's runs are not laid out (stream order)
OCR_DPI = 300
OCR_MAX_PIXELS = 12_000_000  # an A4 page at 300 dpi is 8.7 million; posters are scaled down

MAX_REPAIR_PAGES = 3000
_RUN = re.compile(r"[^\r\n]+")
_OBJ = re.compile(rb"(\d{1,10})\s+(\d{1,5})\s+obj\b")
_CATALOG = re.compile(rb"/Type\s*/Catalog\b")
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
ToDisplay = Callable[[float, float, float, float], Box]


def display(page: pdfium.PdfPage) -> ToDisplay:
    """Page space to display space (origin top left, y down), the page's /Rotate applied."""
    left, bottom, right, top = page.get_bbox()
    rotation = page.get_rotation() % 360
    if rotation == 0:
        return lambda x0, y0, x1, y1: (x0 - left, top - y1, x1 - left, top - y0)

    def box(x0: float, y0: float, x1: float, y1: float) -> Box:
        if rotation == 90:
            return y0 - bottom, x0 - left, y1 - bottom, x1 - left
        if rotation == 180:
            return right - x1, y0 - bottom, right - x0, y1 - bottom
        if rotation == 270:
            return top - y1, right - x1, top - y0, right - x0
        return x0 - left, top - y1, x1 - left, top - y0

    return box


def page_lines(tp: pdfium.PdfTextPage, box: ToDisplay) -> tuple[list[Line], int]:
    """Runs of text on one baseline with their display boxes and line heights, and
    the page's count of characters that are not spaces."""
    text = tp.get_text_range()
    chars = len(text) - text.count(" ") - text.count("\r") - text.count("\n")
    if chars > MAX_PAGE_CHARS:
        return [Line(line, 0, i, 1, i + 1, 1) for i, line in enumerate(text.splitlines())], chars
    raw = tp.raw
    left, bottom, right, top = (ctypes.c_double() for _ in range(4))
    refs = [ctypes.byref(v) for v in (left, top, right, bottom)]
    loose = pdfium_c.FS_RECTF()
    char_at, get_rect = pdfium_c.FPDFText_GetCharIndexFromTextIndex, pdfium_c.FPDFText_GetRect
    lines: list[Line] = []
    for m in _RUN.finditer(text):
        run_text = m.group()
        if run_text.isspace():
            continue
        ts, te = m.span()
        cs, ce = char_at(raw, ts), char_at(raw, te - 1)
        if cs < 0 or ce < cs:
            continue
        rects = []
        for j in range(pdfium_c.FPDFText_CountRects(raw, cs, ce - cs + 1)):
            get_rect(raw, j, *refs)
            rects.append(box(left.value, bottom.value, right.value, top.value))
        if not rects:
            continue
        runs = _runs(rects, len(run_text.strip()) >= 2)
        starts = [ts] + [_text_index(raw, _rect_start(raw, cs, ce, r[0])) for r in runs[1:]]
        for (_, x0, y0, x1, y1, vertical), t0, t1 in zip(
            runs, starts, [*starts[1:], te], strict=True
        ):
            piece = text[t0:t1]
            stripped = piece.lstrip()
            if not stripped:
                continue
            ci = char_at(raw, t0 + len(piece) - len(stripped))
            size = (x1 - x0) if vertical else (y1 - y0)
            if ci >= 0 and pdfium_c.FPDFText_GetLooseCharBox(raw, ci, loose):
                lx0, ly0, lx1, ly1 = box(loose.left, loose.bottom, loose.right, loose.top)
                if vertical:
                    size = lx1 - lx0
                elif ly1 - ly0 > 0.5:  # the font's full height: the same on every line
                    size, y0, y1 = ly1 - ly0, min(y0, ly0), max(y1, ly1)
            lines.append(Line(stripped.rstrip(), x0, y0, x1, y1, max(size, 1.0), vertical))
    return lines, chars


def _runs(rects: list[Box], long: bool) -> list[tuple[int, float, float, float, float, bool]]:
    """The runs in one PDFium line: (first rectangle, box, vertical). A new run starts
    on another baseline, behind the last one, or past a gap wider than two line
    heights (a column gutter). A tall narrow line is a vertical CJK column, kept whole."""
    if long and len(rects) < 64:
        x0s, y0s, x1s, y1s = zip(*rects, strict=True)
        x0, y0, x1, y1 = min(x0s), min(y0s), max(x1s), max(y1s)
        if (y1 - y0) > 1.5 * (x1 - x0):
            return [(0, x0, y0, x1, y1, True)]
    runs = []
    first, (x0, top, right, bottom) = 0, rects[0]
    last_x0 = x0
    for j in range(1, len(rects)):
        rx0, t, rx1, b = rects[j]
        h, hb = bottom - top, b - t
        lo, hi = (h, hb) if h < hb else (hb, h)
        small = lo < 0.5 * hi  # accents, dots: they sit off the baseline
        apart = (bottom if bottom < b else b) - (top if top > t else t) < 0.3 * lo
        if (apart and not small) or rx0 - right > 2.0 * hi or rx1 < last_x0 - h:
            runs.append((first, x0, top, right, bottom, False))
            first, x0, top, right, bottom = j, rx0, t, rx1, b
        else:  # plain comparisons: min() and max() cost a third of this loop
            x0 = rx0 if rx0 < x0 else x0
            top = t if t < top else top
            right = rx1 if rx1 > right else right
            bottom = b if b > bottom else bottom
        last_x0 = rx0
    runs.append((first, x0, top, right, bottom, False))
    return runs


def _rect_start(raw, cs: int, ce: int, j: int) -> int:  # type: ignore[no-untyped-def]
    """The char index where rectangle ``j`` of chars ``cs..ce`` begins."""
    lo, hi = 1, ce - cs + 1
    while lo < hi:
        mid = (lo + hi) // 2
        if pdfium_c.FPDFText_CountRects(raw, cs, mid) > j:
            hi = mid
        else:
            lo = mid + 1
    return cs + lo - 1


def _text_index(raw, ci: int) -> int:  # type: ignore[no-untyped-def]
    for c in range(ci, ci + 8):  # a char left out of the text maps to -1: take the next
        t = pdfium_c.FPDFText_GetTextIndexFromCharIndex(raw, c)
        if t >= 0:
            return t
    return pdfium_c.FPDFText_GetTextIndexFromCharIndex(raw, ci)


def has_image(page: pdfium.PdfPage) -> bool:
    raw = page.raw
    n = pdfium_c.FPDFPage_CountObjects(raw)
    return any(
        pdfium_c.FPDFPageObj_GetType(pdfium_c.FPDFPage_GetObject(raw, k))
        == pdfium_c.FPDF_PAGEOBJ_IMAGE
        for k in range(min(n, 10_000))
    )


def render_png(doc: pdfium.PdfDocument, i: int) -> bytes | None:
    """Page ``i`` as a grey PNG at up to 300 dpi and 12 million pixels; None if blank."""
    page = doc[i]
    try:
        width, height = page.get_size()
        scale = min(OCR_DPI / 72, math.sqrt(OCR_MAX_PIXELS / max(width * height, 1.0)))
        while math.ceil(width * scale) * math.ceil(height * scale) > OCR_MAX_PIXELS:
            scale *= 0.99  # PDFium rounds the bitmap's sides up
        bitmap = page.render(scale=scale, grayscale=True)
        try:
            image = bitmap.to_pil()
            low, high = image.getextrema()
            if high - low < 32:
                return None  # a blank page: nothing to read
            out = io.BytesIO()
            image.save(out, "PNG", compress_level=1)  # level 1: a tenth of the time of 6
            return out.getvalue()
        finally:
            bitmap.close()
    finally:
        page.close()


def repaired(data: bytes) -> bytes | None:
    """A cut-short file closed again, for PDFium's cross-reference rebuild: cut back to
    the last whole object, and a trailer added that names the catalog (or a new
    catalog listing the page objects found, when the catalog is lost). None when no
    object survives uncompressed (object streams hide them: nothing to point at)."""
    end = data.rfind(b"endobj")
    if not data.startswith(b"%PDF") or end < 0:
        return None
    body = data[: end + len(b"endobj")]
    catalog, pages = None, []
    for m in _OBJ.finditer(body):
        head = body[m.end() : m.end() + 400]
        head = head[: head.find(b"endobj")] if b"endobj" in head else head
        if _CATALOG.search(head):
            catalog = (m.group(1), m.group(2))
        elif _PAGE.search(head):
            pages.append(b"%s %s R" % (m.group(1), m.group(2)))
    if catalog is not None:
        return body + b"\ntrailer\n<< /Root %s %s R >>\n%%%%EOF\n" % catalog
    if not pages:
        return None
    kids = b" ".join(pages[:MAX_REPAIR_PAGES])
    return body + (
        b"\n2147483000 0 obj\n<< /Type /Catalog /Pages 2147483001 0 R >>\nendobj\n"
        b"2147483001 0 obj\n<< /Type /Pages /Kids [%s] /Count %d >>\nendobj\n"
        b"trailer\n<< /Root 2147483000 0 R >>\n%%%%EOF\n"
        % (kids, min(len(pages), MAX_REPAIR_PAGES))
    )
