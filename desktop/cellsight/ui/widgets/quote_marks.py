"""Quotes in the reader: a selection as offsets into ``Document.full_text``, and back.

A cursor position in the reader is not an offset into the document. The body is
rendered as rich text (``render.py``) from ``body_offset`` on; the title is not in
it; each paragraph is one block and a page label is a block of its own; Qt's HTML
parser drops leading whitespace and collapses runs of it, shows "\\n" as a line
separator; and positions count UTF-16 units, not code points. A quote must name
the exact characters of the document, so :class:`OffsetMap` aligns every rendered
block with the paragraph it came from (``render.block_spans``), character by
character, and translates through that alignment in both directions.

:class:`QuoteMarks` keeps the open document's quotes painted: ``render()`` after
every ``setHtml`` (which drops all formatting applied afterwards). The paint is a
character format merged into the document rather than an extra selection, because
the find bar owns the browser's extra selections.
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from collections.abc import Sequence

from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QTextBrowser

from ...core.model import Document
from ..render import block_spans
from ..theme import is_dark

log = logging.getLogger("cellsight.ui")

# (background, underline): apart from every entity colour and the yellow term mark.
QUOTE_COLOURS = {False: ("#e6f4e8", "#2e7d32"), True: ("#1f3a26", "#81c784")}
_LOOKAHEAD = 8  # how far a character Qt dropped is skipped over to resynchronise


class OffsetMap:
    """Rendered document positions ↔ offsets into ``Document.full_text``.

    ``_pos[i]`` (a QTextDocument position) shows ``full_text[_src[i]]``; both lists
    ascend. Rendered characters with no source (page labels) are not listed, nor
    are source characters Qt did not render (collapsed whitespace).
    """

    def __init__(self, qdoc: QTextDocument, doc: Document) -> None:
        self.doc_id = doc.id
        self._full = doc.full_text
        self._pos: list[int] = []
        self._src: list[int] = []
        spans = block_spans(doc)
        self.valid = qdoc.blockCount() == len(spans)
        if not self.valid:
            # Rather no quotes than quotes of the wrong words.
            log.warning("reader: %d blocks for %d paragraphs in %s; quotes are off",
                        qdoc.blockCount(), len(spans), doc.id)  # fmt: skip
            return
        block = qdoc.begin()
        for span in spans:
            if span is not None:
                self._align(block.text(), block.position(), *span)
            block = block.next()

    def _align(self, text: str, position: int, lo: int, hi: int) -> None:
        full, s = self._full, lo
        for ch in text:
            while s < hi:
                c = full[s]
                if c == ch or (ch == " " and c.isspace()) or (ch == "\u2028" and c in "\n\u2029"):
                    self._pos.append(position)
                    self._src.append(s)
                    s += 1
                    break
                if c.isspace():
                    s += 1  # whitespace Qt collapsed away
                    continue
                ahead = full.find(ch, s + 1, min(hi, s + 1 + _LOOKAHEAD))
                if ahead < 0:
                    break  # a character of Qt's own: shown, but not the document's
                s = ahead  # Qt dropped a character (a control code): skip it
            position += 2 if ord(ch) > 0xFFFF else 1

    def to_source(self, start: int, end: int) -> tuple[int, int] | None:
        """Document positions [start, end) → the [start, end) of the text they show."""
        i = bisect_left(self._pos, start)
        j = bisect_left(self._pos, end) - 1
        if i > j:
            return None
        return self._src[i], self._src[j] + 1

    def to_document(self, start: int, end: int) -> tuple[int, int] | None:
        """Offsets [start, end) of the full text → the document positions showing them."""
        i = bisect_left(self._src, start)
        j = bisect_left(self._src, end) - 1
        if i > j:
            return None
        last = self._pos[j] + (2 if ord(self._full[self._src[j]]) > 0xFFFF else 1)
        return self._pos[i], last


def trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``[start, end)`` without the whitespace at either end; None if nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


class QuoteMarks:
    """The open document's quotes, painted in the browser; selections as offsets."""

    def __init__(self, browser: QTextBrowser) -> None:
        self.browser = browser
        self._doc: Document | None = None
        self._map: OffsetMap | None = None
        self._quotes: tuple[tuple[int, int], ...] = ()

    def offset_map(self) -> OffsetMap | None:
        """Built on first use after each render: most documents are read, not quoted."""
        if self._doc is None:
            return None
        if self._map is None:
            self._map = OffsetMap(self.browser.document(), self._doc)
        return self._map

    def render(self, doc: Document | None) -> None:
        """The browser shows ``doc`` afresh: forget the old alignment, repaint quotes."""
        if doc is None or self._doc is None or doc.id != self._doc.id:
            self._quotes = ()
        self._doc, self._map = doc, None
        self._paint()

    def set_quotes(self, doc_id: str, spans: Sequence[tuple[int, int]]) -> bool:
        """The quotes of ``doc_id`` as (start, end) offsets; ignored for another document.

        True when one was removed: its paint stays in the document until the owner
        renders the text again (which calls :meth:`render`).
        """
        if self._doc is None or self._doc.id != doc_id:
            return False
        old, self._quotes = self._quotes, tuple(spans)
        if set(old) - set(self._quotes):
            return True
        self._paint()
        return False

    def quotes(self) -> tuple[tuple[int, int], ...]:
        return self._quotes

    def _paint(self) -> None:
        omap = self.offset_map() if self._quotes else None
        if omap is None:
            return
        background, line = (QColor(c) for c in QUOTE_COLOURS[is_dark()])
        plain = QTextCharFormat()
        plain.setBackground(background)
        plain.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
        plain.setUnderlineColor(line)
        linked = QTextCharFormat()  # an entity keeps its colour: underlined only
        linked.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
        linked.setUnderlineColor(line)
        qdoc = self.browser.document()
        for start, end in self._quotes:
            where = omap.to_document(start, end)
            if where is not None:
                _merge_range(qdoc, *where, plain, linked)

    def selection_offsets(self) -> tuple[int, int] | None:
        """The browser's selection as offsets into the open document's full text,
        without surrounding whitespace; None when nothing of the document is selected."""
        omap = self.offset_map()
        cursor = self.browser.textCursor()
        if omap is None or not omap.valid or not cursor.hasSelection() or self._doc is None:
            return None
        got = omap.to_source(cursor.selectionStart(), cursor.selectionEnd())
        return trimmed(self._doc.full_text, *got) if got is not None else None

    def show_offset(self, start: int, end: int) -> bool:
        """Select the text at offsets [start, end) and scroll it into view."""
        omap = self.offset_map()
        where = omap.to_document(start, end) if omap is not None else None
        if where is None:
            return False
        cursor = QTextCursor(self.browser.document())
        cursor.setPosition(where[1])
        self.browser.setTextCursor(cursor)
        self.browser.ensureCursorVisible()  # the end first, so the start ends up in view
        cursor.setPosition(where[0], QTextCursor.MoveMode.KeepAnchor)
        self.browser.setTextCursor(cursor)
        self.browser.ensureCursorVisible()
        return True


def _merge_range(qdoc: QTextDocument, start: int, end: int, plain: QTextCharFormat,
                 linked: QTextCharFormat) -> None:  # fmt: skip
    """Merge ``plain`` into [start, end), ``linked`` where the text is an entity anchor."""
    block = qdoc.findBlock(start)
    while block.isValid() and block.position() < end:
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            lo, hi = max(frag.position(), start), min(frag.position() + frag.length(), end)
            if lo < hi:
                cursor = QTextCursor(qdoc)
                cursor.setPosition(lo)
                cursor.setPosition(hi, QTextCursor.MoveMode.KeepAnchor)
                cursor.mergeCharFormat(linked if frag.charFormat().isAnchor() else plain)
            it += 1
        block = block.next()
