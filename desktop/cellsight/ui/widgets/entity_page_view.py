"""An entity's page in the reader's place: what the library says about one name.

It paints a core ``EntityPage`` (``core.entity_page``) and computes nothing: the name,
type, aliases and document count; the timeline stacked by topic; the co-occurring
entities by lift; the linked price series with the entity's news marked; the facts
stated with it; the latest documents. What a click asks for is a signal the entity
controller acts on (another page, a document, a filter), so the view never searches.

Built only when a first page is opened: it imports pyqtgraph (the timeline, and the
price chart reused from the price panel).
"""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...core.entity_page import FIELD_OF, EntityPage, facet_value
from ...core.query.histogram import period_bounds
from ..models.page_tables import PayloadRole, RowsModel
from ..theme import ENTITY_LABELS, colours, is_dark
from .entity_timeline import EntityTimeline
from .price_chart import PriceChart

MAX_CHARTED = 3  # linked series on the chart at once; the rest are named under it


def _date(day: dt.date | None) -> str:
    return day.isoformat() if day else "undated"


def _table(name: str, model: RowsModel, rows: int) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.setCursor(Qt.CursorShape.PointingHandCursor)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    row_h = view.fontMetrics().height() + 8
    view.verticalHeader().setDefaultSectionSize(row_h)
    view.setFixedHeight(header.sizeHint().height() + row_h * rows + 4)
    return view


class EntityPageView(QScrollArea):
    entity_requested = Signal(str)  # entity id (or a name the catalogue knows)
    document_requested = Signal(str)  # doc id
    filter_requested = Signal(str, str)  # facet field, value: "Filter by this"
    period_requested = Signal(str, str, object, object)  # field, value, first day, last day

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page: EntityPage | None = None
        self.setWidgetResizable(True)
        self.setAccessibleName("Entity page")
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(10, 8, 10, 8)
        lay.setSpacing(6)
        self.title_label = QLabel()
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.title_label.setFont(font)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        head = QHBoxLayout()
        head.addWidget(self.title_label, 1)
        self.filter_button = QPushButton("Filter by this")
        self.filter_button.setToolTip("Show only the documents that mention it in the results")
        self.filter_button.clicked.connect(self._filter)
        head.addWidget(self.filter_button)
        lay.addLayout(head)
        self.meta_label = QLabel()
        self.meta_label.setWordWrap(True)
        self.meta_label.setTextFormat(Qt.TextFormat.RichText)
        self.meta_label.setAccessibleName("Type, documents and aliases")
        lay.addWidget(self.meta_label)

        self.timeline = EntityTimeline()
        self.timeline.period_clicked.connect(self._period)
        self._section(lay, "Mentions over time", self.timeline)

        self.related_model = RowsModel(("Name", "Type", "Shared", "Lift"), numeric=(2, 3))
        self.related_table = _table("Co-occurring entities", self.related_model, 8)
        self.related_table.clicked.connect(self._related_clicked)
        self.related_note = self._section(lay, "Often mentioned with it", self.related_table)

        self.chart = PriceChart()
        self.chart.setMinimumHeight(250)
        self.chart.marker_clicked.connect(self.document_requested)
        self.series_note = self._section(lay, "Linked price series", self.chart)

        self.facts_model = RowsModel(("Value", "Date", "Sentence"))
        self.facts_table = _table("Facts", self.facts_model, 7)
        self.facts_table.clicked.connect(self._document_clicked)
        self.facts_note = self._section(lay, "Facts stated with it", self.facts_table)

        self.latest_model = RowsModel(("Date", "Title", "Source"))
        self.latest_table = _table("Latest documents", self.latest_model, 8)
        self.latest_table.clicked.connect(self._document_clicked)
        self._section(lay, "Latest documents", self.latest_table)
        lay.addStretch(1)
        self.setWidget(body)

    def _section(self, lay: QVBoxLayout, title: str, content: QWidget) -> QLabel:
        """A heading, the content, and a note under it; returns the note."""
        heading = QLabel(f"<b>{html.escape(title)}</b>")
        heading.setContentsMargins(0, 8, 0, 0)
        lay.addWidget(heading)
        lay.addWidget(content)
        note = QLabel()
        note.setWordWrap(True)
        note.hide()
        lay.addWidget(note)
        return note

    # -- showing ---------------------------------------------------------------------------
    def show_page(self, page: EntityPage) -> None:
        self.page = page
        c = colours(is_dark())
        self.title_label.setText(page.name)
        kind = ENTITY_LABELS.get(page.type, page.type.title())
        meta = [f"<b>{html.escape(kind)}</b>",
                f"{page.documents:,} of {page.library_documents:,} documents mention it"]
        # Catalogues list spellings that differ only in case or punctuation: one each.
        seen = {page.name.casefold()}
        aliases = []
        for a in page.aliases:
            key = " ".join(a.casefold().replace(".", " ").replace(",", " ").split())
            if key not in seen:
                seen.add(key)
                aliases.append(a)
        if aliases:
            meta.append("also " + html.escape(", ".join(aliases[:8]))
                        + (f" and {len(aliases) - 8} more" if len(aliases) > 8 else ""))
        self.meta_label.setToolTip("\n".join(page.aliases))
        self.meta_label.setText(f"<span style='color:{c['muted']}'>" + " · ".join(meta)
                                + "</span>")
        self.timeline.set_timeline(page.timeline)
        self._show_related(page)
        self._show_series(page)
        self._show_facts(page)
        self.latest_model.set_rows(
            [(_date(h.date), h.title, h.source or "") for h in page.latest],
            [h.id for h in page.latest])  # fmt: skip
        self.verticalScrollBar().setValue(0)

    def _show_related(self, page: EntityPage) -> None:
        rows = [(r.name, ENTITY_LABELS.get(r.type, r.type), f"{r.count:,}", f"{r.score:.1f}×")
                for r in page.cooccurring]  # fmt: skip
        tips = [f"{r.name}: in {r.count} of its {page.documents} documents, "
                f"{r.documents} in the library; {r.score:.1f} times what chance gives"
                for r in page.cooccurring]  # fmt: skip
        self.related_model.set_rows(rows, [r.id or r.name for r in page.cooccurring], tips)
        self.related_note.setText(
            f"Ranked by lift: how much more often they appear in its documents than in "
            f"the library at large (at least {page.min_support} shared documents)."
            if rows else "No entity shares enough of its documents to rank.")
        self.related_note.show()

    def _show_series(self, page: EntityPage) -> None:
        charted = page.series[:MAX_CHARTED]
        self.chart.setVisible(bool(charted))
        self.chart.set_series([s.view for s in charted], False)
        self.chart.set_markers([m for s in charted for m in s.markers])
        rest = [s.view.label for s in page.series[MAX_CHARTED:]]
        if not page.series:
            self.series_note.setText("No price series is linked to it.")
        else:
            marked = sum(len(s.markers) for s in charted)
            text = f"◆ its {marked} newest documents dated within the series; click one to read it."
            if rest:
                text += " Also linked: " + ", ".join(rest) + "."
            self.series_note.setText(text)
        self.series_note.show()

    def _show_facts(self, page: EntityPage) -> None:
        rows = [(f.quantity, _date(f.date), " ".join(f.text.split())) for f in page.facts]
        tips = [f"{f.title}\n{f.text}" for f in page.facts]
        self.facts_model.set_rows(rows, [f.doc_id for f in page.facts], tips)
        self.facts_note.setText("No figure is stated in a sentence with it." if not rows
                                else "Click a fact to read its document.")
        self.facts_note.show()

    # -- clicks ----------------------------------------------------------------------------
    def _scope(self) -> tuple[str, str] | None:
        page = self.page
        if page is None or page.type not in FIELD_OF:
            return None
        return FIELD_OF[page.type], facet_value(page.name)

    def _filter(self) -> None:
        scope = self._scope()
        if scope is not None:
            self.filter_requested.emit(*scope)

    def _period(self, period: str) -> None:
        scope = self._scope()
        if scope is not None:
            first, last = period_bounds(period)
            self.period_requested.emit(scope[0], scope[1], first, last)

    def _related_clicked(self, index: QModelIndex) -> None:
        target = index.data(PayloadRole)
        if target:
            self.entity_requested.emit(str(target))

    def _document_clicked(self, index: QModelIndex) -> None:
        doc_id = index.data(PayloadRole)
        if doc_id:
            self.document_requested.emit(str(doc_id))
