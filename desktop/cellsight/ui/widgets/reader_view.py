"""The article reader: header, highlighted body, entity side list, market context, find.

Documents are untrusted. The body is rendered by :mod:`cellsight.ui.render` (all
text escaped) into a browser that follows no links and loads no resources; the only
URL the reader ever opens is the document's http(s) address, and only when the user
clicks "Open original".

The widget never changes the library: entity clicks, catalogue edits and series
clicks are signals the main window acts on.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QDesktopServices,
    QHelpEvent,
    QKeySequence,
    QResizeEvent,
    QShortcut,
)
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedLayout,
    QTextBrowser,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from ...core.model import ENTITY_TYPES, Document, EntitySpan, HighlightSpan
from ...core.query.entities_summary import entity_counts, type_order
from ..dialogs.entity_dialog import ALIAS_MODE, ENTITY_MODE, EntityDialog
from ..render import parse_entity_href, render_document_html
from ..theme import ENTITY_LABELS, is_dark
from .annotation_panel import AnnotationPanel
from .entity_list import EntityList, TypeLegend
from .find_bar import FindBar
from .market_context import MarketContextStrip
from .quote_marks import QuoteMarks
from .reader_header import ReaderHeader

if TYPE_CHECKING:
    from ...core.mail_links import MailLinks
    from ...core.prices_view import MarketContext

EMPTY_TEXT = "Select a result to read it."
_MAX_SELECTION = 100  # longer selections are passages, not names
_PARAGRAPH_SEPARATOR = "\u2029"  # what QTextCursor.selectedText() puts between blocks
SIDE_MIN_WIDTH = 720  # px of reader: narrower, the entities/notes column folds away
COMPACT_HEIGHT = 600  # px of reader: shorter, market context is one line per series


def no_aliases(_entity_id: str) -> tuple[str, ...]:
    return ()


class SafeTextBrowser(QTextBrowser):
    """A browser for untrusted text: follows no links and loads nothing.

    The rendered HTML never references a resource, so refusing every load costs
    nothing and guarantees that no image, stylesheet or file is fetched even if
    markup slipped through. The answer must be an empty value rather than None:
    on a null answer QTextDocument falls back to reading local files itself.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setSearchPaths([])

    def loadResource(self, _type: int, _name: QUrl) -> QByteArray:
        return QByteArray()


class ReaderView(QWidget):
    entity_clicked = Signal(str, str)  # type, canonical name
    series_clicked = Signal(str)
    add_entity_requested = Signal(str, str, str)  # selected text, type, canonical name
    add_alias_requested = Signal(str, str)  # entity id, alias
    hide_entity_requested = Signal(str)  # entity id
    quote_requested = Signal(int, int)  # the selection's start, end in Document.full_text
    document_requested = Signal(str)  # doc id: an e-mail's attachment, or its message

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Article reader")
        self._doc: Document | None = None
        self._terms: list[HighlightSpan] = []
        self._context: tuple[MarketContext, ...] = ()
        self._hidden_types: set[str] = set()
        self._choices: list[tuple[str, str, str]] = []
        self._not_editable = ""  # why the catalogue cannot be edited ("" when it can)
        self._alias_lookup: Callable[[str], tuple[str, ...]] = no_aliases
        self._open_url: Callable[[QUrl], object] = QDesktopServices.openUrl
        self.dialog: EntityDialog | None = None

        self._stack = QStackedLayout(self)
        self.empty_label = QLabel(EMPTY_TEXT, self)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._stack.addWidget(self.empty_label)
        content = QWidget(self)
        self._stack.addWidget(content)
        lay = QVBoxLayout(content)
        lay.setContentsMargins(8, 8, 8, 4)
        lay.setSpacing(4)
        self._build_header(lay, content)
        # The user's star and tags under the header; notes and quotes in the side column.
        self.annotations = AnnotationPanel(content)  # shown once a library supplies them
        lay.addWidget(self.annotations.strip)
        self.market_strip = MarketContextStrip(content)
        self.market_strip.series_clicked.connect(self.series_clicked)
        lay.addWidget(self.market_strip)
        self.legend = TypeLegend(content)
        self.legend.toggled.connect(self.set_type_visible)
        lay.addWidget(self.legend)

        splitter = QSplitter(Qt.Orientation.Horizontal, content)
        body = QWidget(splitter)
        body_lay = QVBoxLayout(body)
        body_lay.setContentsMargins(0, 0, 0, 0)
        body_lay.setSpacing(0)
        self.browser = SafeTextBrowser(body)
        self.browser.setAccessibleName("Article text")
        self.browser.document().setDocumentMargin(10)
        self.browser.anchorClicked.connect(self._on_anchor)
        self.browser.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.browser.customContextMenuRequested.connect(self._show_context_menu)
        self.browser.viewport().installEventFilter(self)
        body_lay.addWidget(self.browser, 1)
        self.find_bar = FindBar(self.browser, body)
        body_lay.addWidget(self.find_bar)
        # The right column: the article's entities above, the user's annotations below.
        side = QSplitter(Qt.Orientation.Vertical, splitter)
        side.setChildrenCollapsible(False)
        self.entity_list = EntityList(side)
        self.entity_list.setMinimumWidth(230)
        self.entity_list.entity_clicked.connect(self.entity_clicked)
        side.addWidget(self.entity_list)
        # Scrolled, so its notes and quotes lists do not set the reader's minimum height:
        # stacked at full size they kept the window from going under ~770 px (issue 17).
        notes_area = QScrollArea(side)
        notes_area.setWidgetResizable(True)
        notes_area.setFrameShape(QFrame.Shape.NoFrame)
        notes_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        notes_area.setWidget(self.annotations)
        notes_area.setMinimumHeight(80)
        side.addWidget(notes_area)
        side.setStretchFactor(0, 1)
        side.setStretchFactor(1, 1)
        side.setSizes([1000, 1000])  # halves, whatever the lists' own size hints say
        self.quote_marks = QuoteMarks(self.browser)
        self._quotes_off = ""  # why quotes cannot be saved ("" when they can)
        # No shortcut context of its own: the window's Edit menu holds it (Ctrl+Shift+Q).
        self.save_quote_action = QAction("Save quote", self)
        self.save_quote_action.setShortcut(QKeySequence("Ctrl+Shift+Q"))
        self.save_quote_action.triggered.connect(self.request_quote)
        self.browser.copyAvailable.connect(lambda _on: self._update_quote_action())
        splitter.addWidget(body)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        lay.addWidget(splitter, 1)
        self.side = side
        self._narrow: bool | None = None  # the width class last adapted to
        self._side_choice: bool | None = None  # the user's toggle, for this width class

        # Ctrl+F itself belongs to the window's Edit menu (one owner, no ambiguity).
        again = QShortcut(QKeySequence(QKeySequence.StandardKey.FindNext), self)
        again.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        again.activated.connect(self.find_bar.find_next)
        self.clear()

    def _build_header(self, lay: QVBoxLayout, parent: QWidget) -> None:
        self.header = ReaderHeader(parent)
        self.header.open_requested.connect(lambda url: self._open_url(url))
        self.header.side_toggled.connect(self._side_toggled)
        self.header.document_requested.connect(self.document_requested)
        lay.addWidget(self.header)
        # The header's parts, as the window and the tests know them.
        h = self.header
        self.title_label, self.meta_label, self.open_button = (
            h.title_label, h.meta_label, h.open_button)
        self.side_button, self.mail_links, self.chips_label = (
            h.side_button, h.mail_links, h.chips_label)

    # -- adapting to the room ------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._adapt()

    def _adapt(self) -> None:
        """At 1024×700 the side column and full market cards left the article five
        lines (issue 17): a narrow reader folds the column, a short one makes the cards
        one line each."""
        narrow = self.width() < SIDE_MIN_WIDTH
        if narrow != self._narrow:
            self._narrow = narrow
            self._side_choice = None  # a toggle holds until the width class changes
            self._show_side(not narrow)
        self.market_strip.set_compact(self.height() < COMPACT_HEIGHT)

    def _side_toggled(self, on: bool) -> None:
        self._side_choice = on
        self._show_side(on)

    def _show_side(self, on: bool) -> None:
        self.side.setVisible(on)
        self.header.set_side_shown(on)

    # -- public API ---------------------------------------------------------------------
    def show_document(
        self,
        doc: Document,
        term_spans: list[HighlightSpan],
        context: tuple[MarketContext, ...] = (),
    ) -> None:
        self._doc, self._terms, self._context = doc, list(term_spans), tuple(context)
        self._stack.setCurrentIndex(1)
        self.mail_links.show_links(None)  # the new document's come with show_mail_links
        self._render_all()
        self.browser.verticalScrollBar().setValue(0)

    def show_mail_links(self, links: MailLinks) -> None:
        """The message and attachments of the open document (ignored for another)."""
        if self._doc is not None and self._doc.id == links.doc_id:
            self.mail_links.show_links(links)

    def set_market_context(self, doc_id: str, context: tuple[MarketContext, ...]) -> None:
        """The prices around ``doc_id``, loaded after its text; ignored if another is shown."""
        doc = self._doc
        if doc is None or doc.id != doc_id:
            return
        self._context = tuple(context)
        self.market_strip.show_context(self._context, article_date=doc.parsed.date,
                                       dark=is_dark())

    def clear(self) -> None:
        self._doc, self._terms, self._context = None, [], ()
        if self.find_bar.isVisible():
            self.find_bar.close_bar()
        self.browser.clear()
        self.entity_list.clear()
        self.market_strip.clear()
        self.mail_links.show_links(None)
        self.annotations.clear()
        self.quote_marks.render(None)
        self._update_quote_action()
        self._stack.setCurrentIndex(0)

    def document(self) -> Document | None:
        return self._doc

    def refresh_theme(self) -> None:
        self.annotations.refresh_theme()
        if self._doc is not None:
            self._render_all()

    def set_entity_choices(self, choices: Sequence[tuple[str, str, str]]) -> None:
        """Existing entities as (id, name, type), offered by "Add as alias of…"."""
        self._choices = list(choices)

    def set_catalogue_editable(self, editable: bool, why: str = "") -> None:
        """Whether the menu offers catalogue edits; ``why`` is shown where it does not
        (a read-only library)."""
        self._not_editable = "" if editable else (why or "The catalogue cannot be edited.")

    def set_alias_lookup(self, lookup: Callable[[str], tuple[str, ...]] | None) -> None:
        self._alias_lookup = lookup or no_aliases

    def legend_buttons(self) -> dict[str, QPushButton]:
        return self.legend.buttons()

    def hidden_types(self) -> set[str]:
        return set(self._hidden_types)

    def set_type_visible(self, etype: str, visible: bool) -> None:
        if self.legend.set_checked(etype, visible):
            return  # the legend's toggled signal calls back here
        if visible:
            self._hidden_types.discard(etype)
        else:
            self._hidden_types.add(etype)
        self._render_body(keep_scroll=True)

    def open_find(self) -> None:
        if self._doc is not None:
            self.find_bar.open_bar()

    # -- rendering ----------------------------------------------------------------------
    def _render_all(self) -> None:
        doc = self._doc
        if doc is None:
            return
        dark = is_dark()
        p = doc.parsed
        self.header.show_document(doc, self._terms, dark)
        types = sorted({s.type for s in doc.entities}, key=type_order)
        self.legend.show_types(types, hidden=self._hidden_types, dark=dark)
        self.market_strip.show_context(self._context, article_date=p.date, dark=dark)
        self.entity_list.show_counts(entity_counts(doc), dark=dark)
        self._render_body(keep_scroll=False)

    def _render_body(self, *, keep_scroll: bool) -> None:
        if self._doc is None:
            return
        bar = self.browser.verticalScrollBar()
        position = bar.value()
        html_text = render_document_html(
            self._doc, self._terms, hidden_types=self._hidden_types, dark=is_dark()
        )
        self.browser.setHtml(html_text)
        self.quote_marks.render(self._doc)  # setHtml dropped the quotes' paint
        self._update_quote_action()
        if keep_scroll:
            bar.setValue(position)
        if self.find_bar.isVisible():
            self.find_bar.refresh()

    # -- entities -----------------------------------------------------------------------
    def _span(self, href: str) -> EntitySpan | None:
        index = parse_entity_href(href)
        if self._doc is None or index is None or index >= len(self._doc.entities):
            return None
        return self._doc.entities[index]

    def _on_anchor(self, url: QUrl) -> None:
        span = self._span(url.toString())
        if span is not None and span.type in ENTITY_TYPES:
            self.entity_clicked.emit(span.type, span.name)

    def entity_tooltip(self, href: str) -> str | None:
        span = self._span(href)
        if span is None:
            return None
        label = ENTITY_LABELS.get(span.type, span.type.title())
        lines = [f"<b>{html.escape(label)}</b>: {html.escape(span.name)}"]
        if span.type in ENTITY_TYPES:
            aliases = [a for a in self._alias_lookup(span.entity_id) if a != span.name]
            if aliases:
                lines.append("Also: " + html.escape(", ".join(aliases)))
            lines.append("<i>Click to open its page</i>")
        return "<br/>".join(lines)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.browser.viewport() and event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            tip = self.entity_tooltip(self.browser.anchorAt(event.pos()))
            if tip:
                QToolTip.showText(event.globalPos(), tip, self.browser.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().eventFilter(watched, event)

    # -- context menu -------------------------------------------------------------------
    def selected_text(self) -> str:
        return self.browser.textCursor().selectedText()

    def context_menu(self, pos: QPoint) -> QMenu:
        """The body's menu at ``pos`` (viewport coordinates)."""
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        text = self.selected_text()
        copy = menu.addAction("Copy", self.browser.copy)
        copy.setEnabled(bool(text))
        menu.addAction("Select All", self.browser.selectAll)
        name = " ".join(text.split())
        if name and len(name) <= _MAX_SELECTION and _PARAGRAPH_SEPARATOR not in text:
            menu.addSeparator()
            add = menu.addAction("Add as entity…", lambda: self.request_add_entity(name))
            alias = menu.addAction("Add as alias of…", lambda: self.request_add_alias(name))
            alias.setEnabled(bool(self._choices))
            self._editing(add, alias)
        menu.addSeparator()
        self._update_quote_action()
        menu.addAction(self.save_quote_action)
        span = self._span(self.browser.anchorAt(pos))
        if span is not None and span.type in ENTITY_TYPES:
            menu.addSeparator()
            hide = QAction(f"Hide this entity ({span.name})", menu)
            hide.triggered.connect(lambda: self.hide_entity_requested.emit(span.entity_id))
            menu.addAction(hide)
            self._editing(hide)
        return menu

    # -- quotes -------------------------------------------------------------------------
    def selection_offsets(self) -> tuple[int, int] | None:
        """The selected text as [start, end) offsets into the open document's full text."""
        return self.quote_marks.selection_offsets() if self._doc is not None else None

    def request_quote(self) -> None:
        """Ask for the selection to be saved as a quote (Save quote, Ctrl+Shift+Q)."""
        span = None if self._quotes_off else self.selection_offsets()
        if span is not None:
            self.quote_requested.emit(*span)

    def set_quotes(self, doc_id: str, spans: Sequence[tuple[int, int]]) -> None:
        """Paint the saved quotes of ``doc_id`` (ignored if another document is shown)."""
        if self.quote_marks.set_quotes(doc_id, spans):
            self._render_body(keep_scroll=True)  # a quote went: repaint from clean text

    def show_quote(self, start: int, end: int) -> None:
        """Select the text at [start, end) of the open document and scroll to it."""
        self.quote_marks.show_offset(start, end)

    def set_quotes_enabled(self, enabled: bool, why: str = "") -> None:
        """Whether Save quote is offered; ``why`` is its tooltip where it is not."""
        self._quotes_off = "" if enabled else (why or "Quotes cannot be saved here.")
        self.save_quote_action.setToolTip(self._quotes_off or "Save the selected text as a quote")
        self._update_quote_action()

    def _update_quote_action(self) -> None:
        has = self._doc is not None and self.browser.textCursor().hasSelection()
        self.save_quote_action.setEnabled(has and not self._quotes_off)

    def _editing(self, *actions: QAction) -> None:
        """Catalogue edits stay in the menu, greyed with the reason, when not allowed."""
        if self._not_editable:
            for action in actions:
                action.setEnabled(False)
                action.setToolTip(self._not_editable)

    def _show_context_menu(self, pos: QPoint) -> None:
        menu = self.context_menu(pos)
        menu.exec(self.browser.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def request_add_entity(self, text: str) -> EntityDialog:
        dialog = EntityDialog(text, mode=ENTITY_MODE, parent=self)
        dialog.accepted.connect(
            lambda: self.add_entity_requested.emit(
                dialog.selection(), dialog.entity_type(), dialog.canonical_name()
            )
        )
        return self._open_dialog(dialog)

    def request_add_alias(self, text: str) -> EntityDialog:
        dialog = EntityDialog(text, mode=ALIAS_MODE, choices=self._choices, parent=self)

        def accepted() -> None:
            entity_id = dialog.selected_entity_id()
            if entity_id is not None:
                self.add_alias_requested.emit(entity_id, dialog.alias())

        dialog.accepted.connect(accepted)
        return self._open_dialog(dialog)

    def _open_dialog(self, dialog: EntityDialog) -> EntityDialog:
        # Window-modal but non-blocking, so the UI thread keeps running.
        self.dialog = dialog
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog
