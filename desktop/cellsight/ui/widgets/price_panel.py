"""The Prices tab: the series table above, the chart of the selected series below.

The table's selection is the chart's content. The panel never calls the library:
it emits what the user asked for (selected ids, an opened marker, a CSV to import)
and the main window answers with ``set_book`` / ``set_markers``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QObject,
    QPoint,
    QSignalBlocker,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMenu,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ...core.prices_view import NewsMarker, PriceBook, SeriesView
from ..models.series_model import (
    CHANGE,
    FREQUENCY,
    LABEL,
    TREND,
    YOY,
    SeriesRole,
    SeriesSortProxy,
    SeriesTableModel,
    SparkRole,
)
from ..theme import colours, is_dark
from .price_chart import PriceChart
from .sparkline import SparklineDelegate

EMPTY_TEXT = "No price data yet. Add folders with price-index pages, or import a CSV."
# Dropped in this order while the table is too narrow for the labels (a 1024-px
# window): the least read first; Latest, YTD and As of stay.
NARROW_HIDES = (FREQUENCY, YOY, TREND, CHANGE)
LABEL_MIN_TEXT = "Lithium Carbonate"  # the label column keeps at least this width


class PricePanel(QWidget):
    selection_changed = Signal(list)  # series ids, in table order
    marker_clicked = Signal(str)  # doc id
    import_requested = Signal(str)  # path of a CSV to import
    exported = Signal(str)  # path written
    export_failed = Signal(str)  # readable reason
    alerts_requested = Signal(str)  # the series the menu was opened on ("" for none)
    range_search_requested = Signal(object, object)  # dt.date, dt.date: the chosen range

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book: PriceBook | None = None
        self._last_ids: list[str] = []
        # The series charted in the last session: selected when a book first shows them.
        self._restored_ids: list[str] = []
        self.model = SeriesTableModel(self)
        self.proxy = SeriesSortProxy(self)
        self.proxy.setSourceModel(self.model)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Price series")
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(LABEL, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        # "Lithium Carbonate", "Lithium Hydroxide" and "Lithium ion Batteries" differ at
        # the end: cut in the middle so narrow columns still tell them apart.
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.table.setItemDelegateForColumn(TREND, SparklineDelegate(SparkRole, self.table))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(LABEL, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(TREND, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(TREND, 110)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._show_table_menu)
        # The viewport's size, not the table's: it is the room the columns share.
        self.table.viewport().installEventFilter(self)

        self.chart = PriceChart()
        self.chart.marker_clicked.connect(self.marker_clicked)
        self.chart.full_view_changed.connect(lambda _all: self._update_enabled())

        self.toolbar = QToolBar("Prices")
        self.toolbar.setAccessibleName("Price tools")
        self.rebase_action = self._action(
            "Rebase to 100", self._on_rebase, checkable=True, keys="Ctrl+Shift+R",
            tip="Index every charted series to 100 at a common start date to compare moves")
        self.show_all_action = self._action(
            "Show all dates", lambda: self.chart.show_all(), keys="Ctrl+Shift+A",
            tip="Show every date of the charted series again")
        self.find_news_action = self._action(
            "Find news in this range", self._find_news, keys="Ctrl+Shift+F",
            tip="Narrow the search to the dates shown on the chart, to find what moved it")
        self.toolbar.addSeparator()
        self.png_action = self._action(
            "Export PNG…", self._export_png, keys="Ctrl+Shift+P", tip="Save the chart as an image")
        self.csv_action = self._action(
            "Export CSV…", self._export_csv, keys="Ctrl+Shift+S",
            tip="Save the charted values as CSV (rebased values when the chart is rebased)")
        self.toolbar.addSeparator()
        self.import_action = self._action(
            "Import prices…", self._import_csv, keys="Ctrl+Shift+I",
            tip="Add price series from a CSV file or an Excel workbook")

        # Side by side: the dock is wide and short, and both need their width.
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.chart)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([760, 640])

        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setAccessibleName("No price data")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.splitter)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.stack, 1)
        self._update_enabled()
        self.refresh_theme()

    def _action(
        self, text: str, slot: Callable[..., None], *, tip: str, keys: str,
        checkable: bool = False,
    ) -> QAction:
        action = QAction(text, self)
        action.setCheckable(checkable)
        action.setShortcut(QKeySequence(keys))
        # Only while focus is inside the panel, so the keys stay free in other tabs.
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        native = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip} ({native})")
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.toolbar.addAction(action)
        self.addAction(action)
        return action

    # -- slots -----------------------------------------------------------------------------
    def set_book(self, book: PriceBook) -> None:
        """Show ``book``; series selected before stay selected if they still exist."""
        keep = self.selected_ids()
        first_book = self._book is None or not self._book.series
        self._book = book
        with QSignalBlocker(self.table.selectionModel()):
            self.model.set_book(book)
        self.stack.setCurrentIndex(1 if book.series else 0)
        if first_book and self._restored_ids and book.series:
            keep, self._restored_ids = self._restored_ids, []
        ids = [sid for sid in keep if book.get(sid) is not None]
        if not ids and first_book and book.series:
            # Open on something useful: the most recently updated series.
            fresh = max(book.series, key=lambda v: (
                v.series.last_date or dt.date.min, -book.series.index(v)))
            ids = [fresh.id]
        self._select_ids(ids)
        self._sync_chart(force=True)
        self._fit_columns()  # new labels and figures: new widths

    def restore(self, series_ids: list[str], rebased: bool) -> None:
        """Chart what the last session charted, as it was (see ``window_state``)."""
        with QSignalBlocker(self.rebase_action):
            self.rebase_action.setChecked(rebased)
        if self._book is not None and self._book.series:
            self._select_ids([sid for sid in series_ids if self._book.get(sid) is not None])
            self._sync_chart(force=True)
        else:
            self._restored_ids = list(series_ids)
            self.chart.set_rebased(rebased)

    def chart_state(self) -> tuple[list[str], bool]:
        """(charted series ids, rebased?) — what ``restore`` takes back."""
        ids = self.selected_ids() or list(self._restored_ids)
        return ids, self.rebase_action.isChecked()

    def select_series(self, series_id: str) -> None:
        """Select only ``series_id`` (e.g. from the reader's market context) and show it."""
        self._select_ids([series_id])

    def set_markers(self, markers: list[NewsMarker]) -> None:
        self.chart.set_markers(markers)

    def refresh_theme(self) -> None:
        c = colours(is_dark())
        self.empty.setStyleSheet(f"color: {c['muted']}; font-size: 12pt; padding: 24px;")
        self.model.refresh_theme()
        self.chart.refresh_theme()

    # -- state -----------------------------------------------------------------------------
    def selected_views(self) -> list[SeriesView]:
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows(LABEL))
        return [self.proxy.index(r, LABEL).data(SeriesRole) for r in rows]

    def selected_ids(self) -> list[str]:
        return [v.id for v in self.selected_views()]

    def _select_ids(self, ids: list[str]) -> None:
        sel = QItemSelection()
        last_col = self.proxy.columnCount() - 1
        current = None
        for sid in ids:
            row = self.model.row_of(sid)
            if row < 0:
                continue
            prow = self.proxy.mapFromSource(self.model.index(row, LABEL)).row()
            sel.select(self.proxy.index(prow, 0), self.proxy.index(prow, last_col))
            current = current or self.proxy.index(prow, LABEL)
        sm = self.table.selectionModel()
        flags = QItemSelectionModel.SelectionFlag
        sm.select(sel, flags.ClearAndSelect | flags.Rows)
        if current is not None:
            sm.setCurrentIndex(current, flags.NoUpdate)
            self.table.scrollTo(current)

    def _on_selection(self, *_args: object) -> None:
        self._sync_chart(force=False)

    def _sync_chart(self, *, force: bool) -> None:
        views = self.selected_views()
        ids = [v.id for v in views]
        if ids != self._last_ids or force:
            self.chart.set_series(views, self.rebase_action.isChecked())
        self._update_enabled()
        if ids != self._last_ids:
            self._last_ids = ids
            self.selection_changed.emit(ids)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(obj, event)

    def _fit_columns(self) -> None:
        """Hide the least needed columns while the labels would be squeezed out."""
        header = self.table.horizontalHeader()
        room = self.table.viewport().width()
        need = self.fontMetrics().horizontalAdvance(LABEL_MIN_TEXT) + 16
        widths = {c: max(self.table.sizeHintForColumn(c), header.sectionSizeHint(c))
                  for c in range(self.model.columnCount()) if c != LABEL}  # fmt: skip
        widths[TREND] = header.sectionSize(TREND) or 110
        hidden: set[int] = set()
        for col in NARROW_HIDES:
            if need + sum(w for c, w in widths.items() if c not in hidden) <= room:
                break
            hidden.add(col)
        for col in NARROW_HIDES:
            self.table.setColumnHidden(col, col in hidden)

    def hidden_columns(self) -> list[int]:
        return [c for c in range(self.model.columnCount()) if self.table.isColumnHidden(c)]

    def _update_enabled(self) -> None:
        has = bool(self._last_ids) or bool(self.chart.charted())
        for action in (self.png_action, self.csv_action, self.find_news_action):
            action.setEnabled(has)
        # Greyed while every date is in view: a click would change nothing.
        self.show_all_action.setEnabled(bool(self.chart.charted()) and not self.chart.showing_all())

    def table_menu(self, pos: QPoint) -> QMenu:
        """The series table's menu at ``pos`` (viewport coordinates)."""
        index = self.table.indexAt(pos)
        view = index.data(SeriesRole) if index.isValid() else None
        menu = QMenu(self)
        menu.addAction("Alerts…", lambda: self.alerts_requested.emit(view.id if view else ""))
        return menu

    def _show_table_menu(self, pos: QPoint) -> None:
        menu = self.table_menu(pos)
        menu.exec(self.table.viewport().mapToGlobal(pos))
        menu.deleteLater()

    # -- toolbar -----------------------------------------------------------------------------
    def _find_news(self) -> None:
        dates = self.chart.region_dates()
        if dates is not None:
            self.range_search_requested.emit(*dates)

    def _on_rebase(self, checked: bool) -> None:
        self.chart.set_rebased(checked)

    def _ask_save_path(self, title: str, suggested: str, filt: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self, title, suggested, filt)
        return path

    def _ask_open_path(self) -> str:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import price series", "",
            "Price tables (*.csv *.tsv *.txt *.xlsx *.xlsm);;All files (*)",
        )
        return path

    def _suggested_name(self, ext: str) -> str:
        ids = self.selected_ids()
        stem = "-".join(ids[:3]) if ids else "prices"
        return str(Path.home() / f"{stem}.{ext}")

    def _export_png(self) -> None:
        path = self._ask_save_path("Export chart", self._suggested_name("png"), "PNG image (*.png)")
        if path:
            self._export(lambda: self.chart.export_png(path), path)

    def _export_csv(self) -> None:
        path = self._ask_save_path("Export series", self._suggested_name("csv"), "CSV (*.csv)")
        if path:
            self._export(lambda: self.chart.export_csv(path), path)

    def _export(self, write: Callable[[], None], path: str) -> None:
        try:
            write()
        except (OSError, ValueError) as exc:
            self.export_failed.emit(f"Could not export to {path}: {exc}")
            return
        self.exported.emit(path)

    def _import_csv(self) -> None:
        path = self._ask_open_path()
        if path:
            self.import_requested.emit(path)
