"""The price series table: one row per series with its figures, freshness and trend.

Figures come computed from ``SeriesStats``; where the points cannot support a figure
(YTD when the series starts after January, YoY on less than a year of data) the
source's stated figure is shown instead, in italics, so the column is never blank
for a reason the analyst cannot see.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QStyle

from ...core.prices_view import PriceBook, SeriesView
from ..theme import colours, is_dark

Index = QModelIndex | QPersistentModelIndex

SeriesRole = Qt.ItemDataRole.UserRole + 1  # the row's SeriesView
SortRole = Qt.ItemDataRole.UserRole + 2  # float or casefolded str; None sorts last
SparkRole = Qt.ItemDataRole.UserRole + 3  # tuple[float, ...] for the Trend column
IdRole = Qt.ItemDataRole.UserRole + 4  # series id
AlertRole = Qt.ItemDataRole.UserRole + 5  # str: why the series' alerts fired ("" if none did)

LABEL, LATEST, CHANGE, YTD, YOY, AS_OF, FREQUENCY, TREND = range(8)
HEADERS = ("Label", "Latest", "Change %", "YTD %", "YoY %", "As of", "Frequency", "Trend")
HEADER_TIPS = (
    "Series name",
    "Most recent value",
    "Latest value against the point before it",
    "Change since the start of the year",
    "Change against the same date a year earlier",
    "Date of the most recent point",
    "How often the source assesses the series",
    "The most recent points",
)
# Which mismatch strings (see core.prices.stats.compare_stated) belong to which column.
_MISMATCH_COLUMN = {"latest": LATEST, "previous": LATEST, "change %": CHANGE,
                    "YTD %": YTD, "YoY %": YOY}  # fmt: skip
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def format_pct(value: float | None) -> str:
    if value is None:
        return "–"
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return f"{sign}{abs(value):.2f}%"


def frequency_label(view: SeriesView) -> str:
    days = view.stats.period_days
    names = {1: "Daily", 7: "Weekly", 14: "Every 2 weeks", 30: "Monthly", 91: "Quarterly",
             365: "Yearly"}  # fmt: skip
    if days is not None and round(days) in names:
        return names[round(days)]
    text = view.series.frequency_text or view.series.frequency
    if text:
        return text[:1].upper() + text[1:]
    return f"Every {days:.0f} days" if days else "Unknown"


def stale_reason(view: SeriesView, newest: dt.date | None) -> str:
    latest, period = view.stats.latest, view.stats.period_days
    if not view.stats.stale or latest is None or period is None or newest is None:
        return ""
    gap = (newest - latest.date).days
    return (
        f"Stale: the last point ({latest.date.isoformat()}) is {gap} days older than the "
        f"newest data in the library ({newest.isoformat()}), more than two periods "
        f"(2 × {period:.0f} days)."
    )


def alert_icon(dark: bool, size: int = 14) -> QIcon:
    """The mark of a series with a triggered alert: a filled disc with "!"."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colours(dark)["down"]))
    painter.drawEllipse(0, 0, size, size)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(size - 3)
    painter.setFont(font)
    painter.setPen(QColor("#ffffff" if not dark else "#1e1f22"))
    painter.drawText(pix.rect(), Qt.AlignmentFlag.AlignCenter, "!")
    painter.end()
    return QIcon(pix)


class SeriesTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._views: tuple[SeriesView, ...] = ()
        self._newest: dt.date | None = None
        self._alerts: dict[str, str] = {}  # series id -> why its alerts fired

    # -- content -------------------------------------------------------------------
    def set_book(self, book: PriceBook) -> None:
        self.beginResetModel()
        self._views = tuple(book.series)
        self._newest = book.newest
        self.endResetModel()

    def views(self) -> tuple[SeriesView, ...]:
        return self._views

    def set_alerts(self, alerts: dict[str, str]) -> None:
        """Series with a triggered alert → its message (one line per alert); kept
        across books, as the alerts are evaluated separately."""
        if alerts == self._alerts:
            return
        self._alerts = dict(alerts)
        if self._views:
            self.dataChanged.emit(self.index(0, LABEL), self.index(len(self._views) - 1, LABEL))

    def alert(self, series_id: str) -> str:
        return self._alerts.get(series_id, "")

    def view(self, row: int) -> SeriesView | None:
        return self._views[row] if 0 <= row < len(self._views) else None

    def row_of(self, series_id: str) -> int:
        for i, v in enumerate(self._views):
            if v.id == series_id:
                return i
        return -1

    def refresh_theme(self) -> None:
        if self._views:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._views) - 1, len(HEADERS) - 1)
            )

    # -- Qt model interface ----------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._views)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_RIGHT if LATEST <= section <= YOY else _LEFT)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._views):
            return None
        view, col = self._views[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(view, col)
        if role == SortRole:
            return self._sort_key(view, col)
        if role == SeriesRole:
            return view
        if role == IdRole:
            return view.id
        if role == AlertRole:
            return self._alerts.get(view.id, "")
        if role == SparkRole:
            return view.spark if col == TREND else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(view, col)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(view, col)
        if role == Qt.ItemDataRole.FontRole:
            return self._font(view, col)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._decoration(view, col)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_RIGHT if LATEST <= col <= YOY else _LEFT)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._accessible(view, col)
        return None

    # -- roles -------------------------------------------------------------------------
    @staticmethod
    def _pct_shown(view: SeriesView, col: int) -> tuple[float | None, bool]:
        """(value, stated?) — the computed figure, else what the source states."""
        st, stated = view.stats, view.series.stated
        computed, said = {
            CHANGE: (st.change_pct, stated.change_pct),
            YTD: (st.ytd_pct, stated.ytd_pct),
            YOY: (st.yoy_pct, stated.yoy_pct),
        }[col]
        if computed is not None:
            return computed, False
        return said, said is not None

    def _display(self, view: SeriesView, col: int) -> str | None:
        st = view.stats
        if col == LABEL:
            return view.label
        if col == LATEST:
            return f"{st.latest.value:,.2f}" if st.latest else "–"
        if col in (CHANGE, YTD, YOY):
            return format_pct(self._pct_shown(view, col)[0])
        if col == AS_OF:
            if st.latest is None:
                return "–"
            day = st.latest.date.isoformat()
            return f"{day}  · stale" if st.stale else day
        if col == FREQUENCY:
            return frequency_label(view)
        return None  # Trend is painted by the sparkline delegate

    def _sort_key(self, view: SeriesView, col: int) -> float | str | None:
        st = view.stats
        if col == LABEL:
            return view.label.casefold()
        if col == LATEST:
            return st.latest.value if st.latest else None
        if col in (CHANGE, YTD, YOY):
            return self._pct_shown(view, col)[0]
        if col == AS_OF:
            return float(st.latest.date.toordinal()) if st.latest else None
        if col == FREQUENCY:
            return st.period_days
        spark = view.spark
        if len(spark) < 2 or spark[0] == 0:
            return None
        return (spark[-1] / spark[0] - 1.0) * 100.0

    def _mismatches_for(self, view: SeriesView, col: int) -> list[str]:
        if col == LABEL:
            return list(view.stats.mismatches)
        return [m for m in view.stats.mismatches if _MISMATCH_COLUMN.get(m.split(":")[0]) == col]

    def _tooltip(self, view: SeriesView, col: int) -> str | None:
        lines: list[str] = []
        st, s = view.stats, view.series
        if col == LABEL:
            if view.id in self._alerts:
                lines.append(f"Alert: {self._alerts[view.id]}")
            lines.append(f"{s.label} ({s.unit})")
            source = s.provider or s.url
            if source:
                lines.append(f"Source: {source}")
            if s.conflicts:
                lines.append(f"{len(s.conflicts)} point(s) revised by a newer snapshot")
        elif col == LATEST and st.latest is not None:
            lines.append(f"{st.latest.value:,.2f} {s.unit} on {st.latest.date.isoformat()}")
            prev = st.previous
            if prev is not None:
                lines.append(f"Previous: {prev.value:,.2f} on {prev.date.isoformat()}")
        elif col in (CHANGE, YTD, YOY):
            value, stated = self._pct_shown(view, col)
            if stated:
                lines.append(
                    "As stated by the source: the points do not reach far enough back "
                    "to recompute it."
                )
            elif col == YTD and st.ytd_base is not None:
                lines.append(f"Against {st.ytd_base.value:,.2f} on {st.ytd_base.date.isoformat()}")
            elif col == YOY and st.yoy_base is not None:
                lines.append(f"Against {st.yoy_base.value:,.2f} on {st.yoy_base.date.isoformat()}")
            elif value is None:
                lines.append("Not available for this series")
        elif col == AS_OF:
            reason = stale_reason(view, self._newest)
            if reason:
                lines.append(reason)
        elif col == FREQUENCY and (s.frequency_text or s.frequency):
            lines.append(f"Source says: {s.frequency_text or s.frequency}")
        elif col == TREND and view.spark:
            lines.append(f"Last {len(view.spark)} points")
        mismatches = self._mismatches_for(view, col)
        if mismatches:
            lines.append("Stated figures disagree with the points:")
            lines.extend(f"• {m}" for m in mismatches)
        return "\n".join(lines) or None

    def _foreground(self, view: SeriesView, col: int) -> QColor | None:
        c = colours(is_dark())
        if col in (CHANGE, YTD, YOY):
            value = self._pct_shown(view, col)[0]
            if value:
                return QColor(c["up"] if value > 0 else c["down"])
        if col == AS_OF and view.stats.stale:
            return QColor(c["stale"])
        return None

    def _font(self, view: SeriesView, col: int) -> QFont | None:
        if col in (CHANGE, YTD, YOY) and self._pct_shown(view, col)[1]:
            font = QFont()
            font.setItalic(True)
            return font
        if col == AS_OF and view.stats.stale:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _decoration(self, view: SeriesView, col: int) -> QIcon | None:
        if col == LABEL and view.id in self._alerts:
            return alert_icon(is_dark())  # the tooltip lists any mismatches too
        if not self._mismatches_for(view, col):
            return None
        style = QApplication.style()
        return style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning) if style else None

    def _accessible(self, view: SeriesView, col: int) -> str:
        text = self._display(view, col) or ""
        if col == TREND:
            key = self._sort_key(view, col)
            text = "trend unknown" if key is None else f"trend {format_pct(key)}"
        if col == AS_OF and view.stats.stale:
            text = f"{text}: {stale_reason(view, self._newest)}"
        if self._mismatches_for(view, col):
            text += ", stated figures disagree"
        if col == LABEL and view.id in self._alerts:
            text += f", alert: {self._alerts[view.id]}"
        return f"{HEADERS[col]}: {text}"


class SeriesSortProxy(QSortFilterProxyModel):
    """Sorts on ``SortRole`` numerically; rows without a value stay at the bottom."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SortRole)

    def lessThan(self, left: Index, right: Index) -> bool:
        a, b = left.data(SortRole), right.data(SortRole)
        if a is None or b is None:
            if a is None and b is None:
                return False
            # Sorting descending reverses lessThan, so flip to keep blanks last either way.
            missing_last = a is not None
            ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
            return missing_last if ascending else not missing_last
        return bool(a < b)  # ties keep source order: Qt's sort is stable
