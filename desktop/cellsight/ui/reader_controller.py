"""Opening a document in the reader, and then the market context around it.

The document loads in the ``search`` lane: after picking a result, it is what the
user waits for. The prices around the article come from the price book, which takes
seconds to build on a large library and is only loaded once the user pauses (the
window's ``quiet``): the text is shown without waiting for it, and the market
context follows in the ``background`` lane once a book is there.

Only the document id is kept here; everything read off the UI thread comes back as
immutable values (``Document``, spans, ``MarketContext``) to be painted on it. The
answers go to methods of this QObject, not to lambdas: Qt drops a connection to a
deleted receiver, so an answer arriving after the window is gone is not delivered
to its deleted widgets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from ..core.mail_links import MailLinks, mail_links
from ..core.model import Document, HighlightSpan
from ..core.progress import Cancelled
from .lanes import BACKGROUND_LANE, SEARCH_LANE
from .messages import MessageBus
from .tasks import TaskRunner
from .widgets.reader_view import ReaderView

if TYPE_CHECKING:
    from ..core.library import Library
    from ..core.prices_view import MarketContext


# A document as the reader shows it: its id, it, the query's spans, its e-mail links.
_Loaded = tuple[str, Document, list[HighlightSpan], MailLinks]


class ReaderController(QObject):
    """Loads the chosen document into the reader; drops answers for an older choice."""

    # The document is in the reader: the results list can follow it (it may have
    # been opened from elsewhere, e.g. a news marker on the price chart).
    shown = Signal(str)  # doc id

    def __init__(
        self,
        reader: ReaderView,
        tasks: TaskRunner,
        messages: MessageBus,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.reader = reader
        self.tasks = tasks
        self.messages = messages
        self.library: Library | None = None
        # The document the user asked for last; read by the tasks (a plain str is
        # safe to read off the UI thread) to skip loads overtaken while they waited.
        self.current_id: str | None = None
        self._has_book = False  # the market context waits for the first price book
        self._query = ""
        # An e-mail's "Open message" and its attachments' links open them here.
        reader.document_requested.connect(self._open_linked)

    def set_library(self, library: Library) -> None:
        self.library = library

    def open(self, doc_id: str, query: str) -> None:
        """Show ``doc_id`` with the words of ``query`` marked, once it is loaded."""
        self.current_id = doc_id
        self._query = query
        lib = self.library
        if lib is None:
            return

        def load(_p: object, _c: object) -> _Loaded | None:
            if doc_id != self.current_id:
                raise Cancelled  # another result was selected while this one waited
            doc = lib.document(doc_id)
            if doc is None:
                return None
            return doc_id, doc, lib.highlights(doc, query), mail_links(doc, lib.document)

        handle = self.tasks.run("open document", load, lane=SEARCH_LANE)
        handle.finished.connect(self._show)
        handle.failed.connect(lambda exc: self.messages.from_exception(exc, "Opening document"))

    def _open_linked(self, doc_id: str) -> None:
        self.open(doc_id, self._query)

    def clear(self) -> None:
        """Nothing to show (no results): empty the reader and forget the choice."""
        self.reader.clear()
        self.current_id = None

    def book_loaded(self) -> None:
        """A price book has been loaded; the first one releases a waiting context."""
        first = not self._has_book
        self._has_book = True
        doc = self.reader.document()
        if first and doc is not None:
            self._load_market_context(doc)

    def _show(self, loaded: _Loaded | None) -> None:
        if loaded is None:
            return
        doc_id, doc, spans, links = loaded
        if doc_id != self.current_id:
            return
        self.reader.show_document(doc, spans)
        self.reader.show_mail_links(links)
        self._load_market_context(doc)
        self.shown.emit(doc_id)

    def _load_market_context(self, doc: Document) -> None:
        lib = self.library
        if lib is None or not self._has_book:
            return  # book_loaded() comes back here once there is one

        def load(_p: object, _c: object) -> tuple[str, tuple[MarketContext, ...]]:
            if doc.id != self.current_id:
                raise Cancelled
            return doc.id, lib.market_context(doc)

        handle = self.tasks.run("market context", load, lane=BACKGROUND_LANE)
        handle.finished.connect(self._show_context)

    def _show_context(self, loaded: tuple[str, tuple[MarketContext, ...]]) -> None:
        self.reader.set_market_context(*loaded)  # ignored if another document is shown
