"""PowerPoint decks (.pptx, and the slides of .pptm/.ppsx/.potx): a page a slide.

python-pptx opens the package (no entities resolved, nothing fetched: linked media
and external links stay references; macros are a part nobody reads). Each slide
gives its title, then the text of its shapes in the order the slide stores them
(groups, tables a row a line, SmartArt text), then its speaker notes. Slide
numbers, dates and footers from the layout are left out: they say nothing. Each
slide's text ends with a blank line and ``pages`` holds where each starts, so a hit
says "p. 4" for slide 4.
"""

from __future__ import annotations

import io
import logging
import lzma
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree
from pptx.exc import PythonPptxError
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.package import PartFactory
from pptx.oxml import parse_xml
from pptx.package import Package
from pptx.parts.coreprops import CorePropertiesPart
from pptx.parts.presentation import PresentationPart
from pptx.parts.slide import SlidePart

from ..errors import IngestError
from ..model import ParsedDocument
from .office_meta import (
    OLE_MAGIC,
    check_package,
    core_meta,
    core_properties,
    part_root,
    refuse_ole,
    related_root,
    sniff_office,
)
from .registry import register
from .text import derive_title
from .text_meta import stated_meta

log = logging.getLogger("cellsight.ingest.pptx")

P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
R_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
R_ID = R_NS + "dm"
R_ID_ATTR = R_NS + "id"
DGM_REL_IDS = "{http://schemas.openxmlformats.org/drawingml/2006/diagram}relIds"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
OLD_SUFFIXES = (".ppt", ".pps", ".pot", ".pptx", ".pptm", ".ppsx", ".potx")
MAX_SLIDES = 5_000
MAX_CHARS = 20_000_000
_TITLES = ("title", "ctrTitle")
_CHROME = ("dt", "ftr", "sldNum", "hdr", "sldImg")  # placeholders that carry no content
# python-pptx maps every main content type to its presentation part but these two
# macro-enabled ones (a .potm template, a .ppsm show): same XML, mapped here.
for _ct in (
    "application/vnd.ms-powerpoint.template.macroEnabled.main+xml",
    "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
):
    PartFactory.part_type_for.setdefault(_ct, PresentationPart)
# (zipfile lets zlib's and lzma's own errors through for a corrupt member.)
_DAMAGED = (KeyError, ValueError, etree.LxmlError, zipfile.BadZipFile, PythonPptxError,
            EOFError, NotImplementedError, zlib.error, lzma.LZMAError)  # fmt: skip


class PptxReader:
    name = "pptx"
    max_bytes = 256 * 1024 * 1024  # decks carry video and pictures; the zip limits apply

    def sniff(self, path: Path, head: bytes) -> int:
        return sniff_office(path, head, "powerpoint", OLD_SUFFIXES)

    def read(self, path: Path, data: bytes) -> list[ParsedDocument]:
        if data.startswith(OLE_MAGIC):
            refuse_ole(path, data, "PowerPoint", ".pptx")
        check_package(path, data)  # zip bombs and oversized XML refused first
        part = _open(path, data)
        slides = _slides(path, part)
        if not any(title or body for title, body in slides):
            raise IngestError(str(path), "pptx: no text on any slide")
        return [_document(path, part, slides)]


def _open(path: Path, data: bytes) -> PresentationPart:
    try:
        part = Package.open(io.BytesIO(data)).main_document_part
    except _DAMAGED as exc:
        raise _damaged(path, exc) from exc
    if not isinstance(part, PresentationPart):
        raise IngestError(
            str(path), f"not a PowerPoint file (its main part is {part.content_type})"
        )
    if part._element.tag != P + "presentation":
        raise IngestError(str(path), f"damaged PowerPoint file (its root is {part._element.tag})")
    return part


def _slides(path: Path, part: PresentationPart) -> list[tuple[str, list[str]]]:
    """(title, other paragraphs) per slide, notes last; bounded in slides and size."""
    out: list[tuple[str, list[str]]] = []
    size = 0
    try:
        ids = part._element.find(P + "sldIdLst")
        rids = [] if ids is None else [s.get(R_ID_ATTR) for s in ids.iter(P + "sldId")]
        for rid in rids:
            if len(out) >= MAX_SLIDES or size > MAX_CHARS:
                log.info("%s: read the first %d of %d slides", path, len(out), len(rids))
                break
            slide_part = part.related_part(rid)
            if not isinstance(slide_part, SlidePart):
                raise IngestError(str(path), f"damaged PowerPoint file (slide {rid} is a "
                                  f"{slide_part.content_type})")  # fmt: skip
            title, body = _slide_text(slide_part)
            out.append((title, body))
            size += len(title) + sum(len(t) for t in body)
    except _DAMAGED as exc:
        raise _damaged(path, exc) from exc
    return out


def _damaged(path: Path, exc: BaseException) -> IngestError:
    return IngestError(str(path), f"damaged PowerPoint file ({type(exc).__name__}: {exc})")


def _slide_text(slide_part: Any) -> tuple[str, list[str]]:
    titles: list[str] = []
    body: list[str] = []
    for shape in _shapes(slide_part._element):
        kind = _placeholder(shape)
        if kind in _CHROME:
            continue
        texts = _shape_text(shape, slide_part)
        (titles if kind in _TITLES else body).extend(texts)
    notes = _notes(slide_part)
    return " ".join(titles), body + notes


def _shapes(root: Any) -> Iterator[Any]:
    """Shapes and table frames in the order stored, through groups and the chosen
    branch of alternate content (never its fallback copy)."""
    tree = root.find(f"{P}cSld/{P}spTree")
    if tree is None:
        return
    stack: list[Iterator[Any]] = [iter(tree)]
    while stack:
        el = next(stack[-1], None)
        if el is None:
            stack.pop()
            continue
        if el.tag == P + "grpSp":
            stack.append(iter(el))
        elif el.tag == MC + "AlternateContent":
            choice = el.find(MC + "Choice")
            if choice is not None:
                stack.append(iter(choice))
        elif el.tag in (P + "sp", P + "graphicFrame"):
            yield el


def _placeholder(shape: Any) -> str | None:
    ph = shape.find(f".//{P}nvPr/{P}ph")
    if ph is None:
        return None
    return ph.get("type", "body")


def _shape_text(shape: Any, slide_part: Any) -> list[str]:
    if shape.tag == P + "sp":
        body = shape.find(P + "txBody")
        return [] if body is None else _paragraphs(body)
    table = shape.find(f"{A}graphic/{A}graphicData/{A}tbl")
    if table is not None:
        rows = []
        for tr in table.iter(A + "tr"):
            cells = [" ".join(_paragraphs(tc)) for tc in tr.iter(A + "tc")]
            while cells and not cells[-1]:
                cells.pop()
            if any(cells):
                rows.append(" | ".join(cells).strip())
        return ["\n".join(rows)] if rows else []
    return _diagram_text(shape, slide_part)


def _diagram_text(frame: Any, slide_part: Any) -> list[str]:
    """SmartArt keeps its text in a data part of its own."""
    rel_ids = frame.find(f"{A}graphic/{A}graphicData/{DGM_REL_IDS}")
    rid = rel_ids.get(R_ID) if rel_ids is not None else None
    if not rid:
        return []
    try:
        if slide_part.rels[rid].reltype != RT.DIAGRAM_DATA:
            return []
        root = part_root(slide_part.related_part(rid), parse_xml)
    except _DAMAGED as exc:
        log.info("unreadable diagram data %s: %s", rid, exc)
        return []
    return [] if root is None else _paragraphs(root)


def _paragraphs(root: Any) -> list[str]:
    """The text of each a:p under ``root``: runs and fields, line breaks kept."""
    out = []
    for p in root.iter(A + "p"):
        parts = []
        for el in p.iter(A + "t", A + "br"):
            parts.append("\n" if el.tag == A + "br" else el.text or "")
        lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
        text = "\n".join(line for line in lines if line)
        if text:
            out.append(text)
    return out


def _notes(slide_part: Any) -> list[str]:
    # Looked up, never asked for as slide.notes_slide: that would create one.
    notes = related_root(slide_part, RT.NOTES_SLIDE, parse_xml)
    if notes is None:
        return []
    return [t for shape in _shapes(notes) if _placeholder(shape) == "body"
            for t in _paragraphs(shape)]  # fmt: skip


Slides = list[tuple[str, list[str]]]  # (title, the slide's other paragraphs) per slide


def _document(path: Path, part: PresentationPart, slides: Slides) -> ParsedDocument:
    pages: list[int] = []
    chunks: list[str] = []
    at = 0
    for title, body in slides:
        pages.append(at)
        paragraphs = [title, *body] if title else body
        chunk = "".join(p + "\n\n" for p in paragraphs)
        chunks.append(chunk)
        at += len(chunk)
    meta = core_meta(core_properties(part.package, CorePropertiesPart), path)
    first = next((s for s in slides if s[0] or s[1]), slides[0])
    stated = stated_meta([line for p in [first[0], *first[1]] for line in p.split("\n") if line])
    title, derived = meta.title, False
    if not title:
        title = next((t for t, _ in slides if t), "")
        if not title:
            title, derived = derive_title(first[1][0]), True
    return ParsedDocument(
        path=str(path),
        kind="pptx",
        title=" ".join(title.split()),
        text="".join(chunks),
        title_derived=derived,
        date=stated.date or meta.created,
        author=meta.author or stated.author,
        tags=meta.keywords,
        pages=tuple(pages),
    )


register(PptxReader())
