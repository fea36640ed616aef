"""Word documents (.docx, and the document part of .docm/.dotx/.dotm).

python-docx opens the package (its XML parser resolves no entities and loads no
DTD, and it fetches nothing: external relationships such as attached templates,
linked images or sub-documents stay unresolved references). The text is read from
the XML in document order: paragraphs, headings, tables (a row a line, cells
separated by " | "), text boxes once (Word stores each twice: the drawing and a VML
fallback), then footnotes and endnotes, then header and footer text once. Macros
are never read, let alone run: vbaProject.bin is just a part nobody looks at.
"""

from __future__ import annotations

import io
import itertools
import logging
import lzma
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx.exceptions import PythonDocxError
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import OpcError
from docx.opc.part import PartFactory
from docx.opc.parts.coreprops import CorePropertiesPart
from docx.oxml.exceptions import XmlchemyError
from docx.oxml.parser import parse_xml
from docx.package import Package
from docx.parts.document import DocumentPart
from lxml import etree

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
from .text import derive_title, is_headline
from .text_meta import stated_meta

log = logging.getLogger("cellsight.ingest.docx")

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
WORD_SUFFIXES = (".docx", ".docm", ".dotx", ".dotm")
OLD_SUFFIXES = (".doc", ".dot", *WORD_SUFFIXES)  # an encrypted .docx is an OLE file too
MAX_BLOCKS = 100_000  # paragraphs and tables; past this a file is a data dump
MAX_CHARS = 20_000_000
# The main part of a macro-enabled document or a template is the same XML; python-docx
# only knows the plain document's content type, so the others are mapped to it.
for _ct in (
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
):
    PartFactory.part_type_for.setdefault(_ct, DocumentPart)
# What python-docx and lxml raise on a damaged package or damaged XML.
# (zipfile lets zlib's and lzma's own errors through for a corrupt member.)
_DAMAGED = (KeyError, ValueError, etree.LxmlError, zipfile.BadZipFile, OpcError,
            PythonDocxError, XmlchemyError, EOFError, NotImplementedError, zlib.error,
            lzma.LZMAError)  # fmt: skip
# Inside a paragraph: a text box is read on its own, a fallback copy never, and
# deleted text (tracked changes) is not part of the document any more.
_NOT_INLINE = frozenset((W + "txbxContent", MC_FALLBACK, W + "del", W + "moveFrom"))
_CONTAINERS = frozenset((W + "sdt", W + "sdtContent", W + "customXml", W + "ins", W + "moveTo",
                         W + "smartTag", W + "txbxContent", W + "body", W + "footnote",
                         W + "endnote", W + "hdr", W + "ftr", W + "comment"))  # fmt: skip
_NOTE_TYPES_SKIPPED = ("separator", "continuationSeparator", "continuationNotice")
_NO_WORDS = re.compile(r"^[\W\d_]*$|^(?:page|seite|página|第)\s*\d+(?:\s*(?:of|von|de|/)\s*\d+)?",
                       re.I)  # fmt: skip


@dataclass(frozen=True)
class Block:
    text: str
    kind: str = "body"  # "title", "heading" or "body"


class DocxReader:
    name = "docx"
    max_bytes = 128 * 1024 * 1024

    def sniff(self, path: Path, head: bytes) -> int:
        return sniff_office(path, head, "word", OLD_SUFFIXES)

    def read(self, path: Path, data: bytes) -> list[ParsedDocument]:
        if data.startswith(OLE_MAGIC):
            refuse_ole(path, data, "Word", ".docx")
        check_package(path, data)  # zip bombs and oversized XML refused first
        part = _open(path, data)
        styles = _style_kinds(part)
        body = part.element.find(W + "body")
        blocks = list(itertools.islice(_blocks([body] if body is not None else [], styles),
                                       MAX_BLOCKS + 1))  # fmt: skip
        blocks += _notes(part, styles)
        blocks += _headers_footers(part, styles, {b.text for b in blocks})
        blocks = _bounded(path, blocks)
        if not blocks:
            raise IngestError(str(path), "docx: the document has no text")
        return [_document(path, part, blocks)]


def _open(path: Path, data: bytes) -> DocumentPart:
    try:
        part = Package.open(io.BytesIO(data)).main_document_part
    except _DAMAGED as exc:
        raise IngestError(
            str(path), f"damaged Word document ({type(exc).__name__}: {exc})"
        ) from exc
    if not isinstance(part, DocumentPart):
        raise IngestError(str(path), f"not a Word document (its main part is {part.content_type})")
    if part.element.tag != W + "document":
        raise IngestError(str(path), f"damaged Word document (its root is {part.element.tag})")
    return part


def _style_kinds(part: DocumentPart) -> dict[str, str]:
    """Paragraph style id -> "title" or "heading": by its name ("heading 2", "Title"),
    an outline level, or a style it is based on (a template's "SectionHeading")."""
    root = related_root(part, RT.STYLES, parse_xml)
    if root is None:
        return {}
    own: dict[str, str] = {}
    based: dict[str, str] = {}
    for style in root.iter(W + "style"):
        sid = style.get(W + "styleId") or ""
        name_el, base_el = style.find(W + "name"), style.find(W + "basedOn")
        name = (name_el.get(W + "val") or "").lower() if name_el is not None else ""
        ppr = style.find(W + "pPr")
        if name == "title":
            own[sid] = "title"
        elif name.startswith(("heading", "subtitle")) or (
            ppr is not None and ppr.find(W + "outlineLvl") is not None
        ):
            own[sid] = "heading"
        if base_el is not None:
            based[sid] = base_el.get(W + "val") or ""
    kinds: dict[str, str] = {}
    for sid in set(own) | set(based):
        at, hops = sid, 0
        while at not in own and at in based and hops < 10:  # a cycle ends at ten
            at, hops = based[at], hops + 1
        if at in own:
            kinds[sid] = own[at]
    return kinds


def _blocks(containers: Iterable[Any], styles: dict[str, str]) -> Iterator[Block]:
    """Paragraphs and tables in document order, through content controls and text
    boxes; iterative, with an explicit stack of child iterators."""
    stack: list[Iterator[Any]] = [iter(containers)]
    while stack:
        el = next(stack[-1], None)
        if el is None:
            stack.pop()
            continue
        tag = el.tag
        if tag == W + "p":
            text, boxes = _paragraph(el)
            if text:
                yield Block(text, _kind(el, styles))
            if boxes:
                stack.append(itertools.chain.from_iterable(iter(box) for box in boxes))
        elif tag == W + "tbl":
            table = _table(el)
            if table:
                yield Block(table)
        elif tag in _CONTAINERS and not (tag == W + "sdt" and _placeholder(el)):
            stack.append(iter(el))


def _walk(root: Any, prune: frozenset[str]) -> Iterator[Any]:
    """``root``'s descendants in document order; an element in ``prune`` is yielded
    but not entered."""
    stack: list[Iterator[Any]] = [iter(root)]
    while stack:
        el = next(stack[-1], None)
        if el is None:
            stack.pop()
            continue
        if el.tag == W + "sdt" and _placeholder(el):
            continue  # "Click here to enter text.": a template's prompt, not content
        yield el
        if el.tag not in prune:
            stack.append(iter(el))


def _placeholder(sdt: Any) -> bool:
    props = sdt.find(W + "sdtPr")
    return props is not None and props.find(W + "showingPlcHdr") is not None


def _paragraph(p: Any) -> tuple[str, list[Any]]:
    parts: list[str] = []
    boxes: list[Any] = []
    for el in _walk(p, _NOT_INLINE):
        tag = el.tag
        if tag == W + "t":
            parts.append(el.text or "")
        elif tag in (W + "tab", W + "ptab"):
            parts.append(" ")
        elif tag in (W + "br", W + "cr"):
            parts.append("\n")
        elif tag == W + "noBreakHyphen":
            parts.append("-")
        elif tag == W + "txbxContent":
            boxes.append(el)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line), boxes


def _kind(p: Any, styles: dict[str, str]) -> str:
    ppr = p.find(W + "pPr")
    if ppr is None:
        return "body"
    style = ppr.find(W + "pStyle")
    kind = styles.get(style.get(W + "val", ""), "body") if style is not None else "body"
    return "heading" if kind == "body" and ppr.find(W + "outlineLvl") is not None else kind


def _table(tbl: Any) -> str:
    rows = []
    for tr in _walk(tbl, frozenset((W + "tr",))):
        if tr.tag != W + "tr":
            continue
        cells = []
        for tc in _walk(tr, frozenset((W + "tc",))):
            if tc.tag == W + "tc":
                paragraphs = (_paragraph(p)[0] for p in _walk(tc, frozenset((MC_FALLBACK,)))
                              if p.tag == W + "p")  # fmt: skip
                cells.append(" ".join(" ".join(t.split()) for t in paragraphs if t))
        while cells and not cells[-1]:
            cells.pop()
        if any(cells):
            rows.append(" | ".join(cells).strip())
    return "\n".join(rows)


def _related(part: DocumentPart, reltypes: tuple[str, ...]) -> list[Any]:
    """The parts of these relationship types, in that order (then by part name)."""
    rels = [r for r in part.rels.values() if r.reltype in reltypes and not r.is_external]
    rels.sort(key=lambda r: (reltypes.index(r.reltype), str(r.target_part.partname)))
    return [r.target_part for r in rels]


def _notes(part: DocumentPart, styles: dict[str, str]) -> list[Block]:
    # python-docx has no footnote part: the part's bytes go through its own parser.
    out: list[Block] = []
    for notes in _related(part, (RT.FOOTNOTES, RT.ENDNOTES)):
        root = part_root(notes, parse_xml)
        if root is None:
            log.info("unreadable notes part %s", notes.partname)
            continue
        kept = (n for n in root if n.get(W + "type") not in _NOTE_TYPES_SKIPPED)
        out.extend(itertools.islice(_blocks(kept, styles), MAX_BLOCKS))
    return out


def _headers_footers(part: DocumentPart, styles: dict[str, str], seen: set[str]) -> list[Block]:
    """Each distinct header or footer line once, however many sections repeat it;
    page numbers and lines the body already has are left out."""
    out: list[Block] = []
    for hf in _related(part, (RT.HEADER, RT.FOOTER)):
        root = part_root(hf, parse_xml)
        for block in itertools.islice(_blocks([] if root is None else [root], styles), MAX_BLOCKS):
            if block.text not in seen and not _NO_WORDS.match(block.text):
                seen.add(block.text)
                out.append(Block(block.text))
    return out


def _bounded(path: Path, blocks: list[Block]) -> list[Block]:
    size = 0
    for i, block in enumerate(blocks):
        size += len(block.text) + 2
        if i >= MAX_BLOCKS or size > MAX_CHARS:
            log.info("%s: text cut after %d paragraphs (%d characters)", path, i, size)
            return blocks[:i]
    return blocks


def _document(path: Path, part: DocumentPart, blocks: list[Block]) -> ParsedDocument:
    meta = core_meta(core_properties(part.package, CorePropertiesPart), path)
    lines = [line for b in blocks[:60] for line in b.text.split("\n")]
    stated = stated_meta(lines)  # a date or byline the top of the text states
    title, derived, first = _title(meta.title, blocks)
    if first and len(blocks) > 1:
        blocks = blocks[1:]  # the title is the first paragraph: kept once, as the title
    return ParsedDocument(
        path=str(path),
        kind="docx",
        title=title,
        text="\n\n".join(b.text for b in blocks),
        title_derived=derived,
        date=stated.date or meta.created,
        author=meta.author or stated.author,
        source=stated.source,
        tags=meta.keywords,
    )


def _title(core: str | None, blocks: list[Block]) -> tuple[str, bool, bool]:
    """(title, derived from the body, the title is the first block)."""
    first = " ".join(blocks[0].text.split())
    if core:
        return core, False, first == core
    for kind in ("title", "heading"):
        found = next((b for b in blocks[:40] if b.kind == kind), None)
        if found is not None:
            text = " ".join(found.text.split())[:300]
            return text, False, found is blocks[0]
    if is_headline(first) and len(blocks) > 1:
        return first, False, True
    return derive_title(first), True, False


register(DocxReader())
