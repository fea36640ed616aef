"""The market around an article: each linked price then, now, and the change since.

One card per :class:`MarketContext`: label, the value at the article's date, the
latest value with the change since (coloured by direction), and a sparkline of
recent values. Clicking a card (or Enter/Space on it) asks to open that series.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QKeyEvent, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ...core.model import PricePoint
from ..theme import colours
from .flow_layout import FlowLayout
from .sparkline import paint_sparkline, trend_colour

if TYPE_CHECKING:
    from ...core.prices_view import MarketContext  # pulls in the price maths


def format_value(value: float) -> str:
    """Index levels and prices: thousands separators, two decimals below 1,000."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.2f}"


def format_change(pct: float | None) -> str:
    if pct is None:
        return "–"
    return f"{pct:+.1f}%"


def _date(point: PricePoint | None) -> str:
    return point.date.isoformat() if point else "no data"


TITLE_WIDTH, TITLE_WIDTH_COMPACT = 150, 110  # px; longer labels elide in the middle


class _Elided(QLabel):
    """A bold plain-text label cut in the middle to a width ("Lithium…Batteries"), so
    series that share a first word stay apart; the whole label is its tooltip."""

    def __init__(self, text: str, width: int, parent: QWidget) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        font = self.font()
        font.setBold(True)
        self.setFont(font)
        self.full_text = text
        self.setText(QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideMiddle, width))
        self.setToolTip(text)


class _Spark(QWidget):
    def __init__(self, values: tuple[float, ...], dark: bool, parent: QWidget,
                 *, compact: bool = False) -> None:  # fmt: skip
        super().__init__(parent)
        self._values, self._dark = values, dark
        self._size = QSize(56, 14) if compact else QSize(TITLE_WIDTH, 22)
        self.setFixedSize(self._size)

    def sizeHint(self) -> QSize:
        return self._size

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        colour = trend_colour(self._values, dark=self._dark)
        paint_sparkline(painter, QRectF(self.rect()), self._values, colour)
        painter.end()


class MarketCard(QFrame):
    """One series as seen from the article; a focusable, clickable card."""

    clicked = Signal(str)

    def __init__(self, ctx: MarketContext, dark: bool, parent: QWidget | None = None,
                 *, compact: bool = False) -> None:  # fmt: skip
        super().__init__(parent)
        self.series_id = ctx.view.id
        self.compact = compact
        c = colours(dark)
        self.setObjectName("marketCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        # Compact (a short reader): one line per series, so the article keeps its room.
        lay: QVBoxLayout | QHBoxLayout = QHBoxLayout(self) if compact else QVBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2) if compact else lay.setContentsMargins(8, 4, 8, 4)
        lay.setSpacing(6 if compact else 1)
        # A series label comes from a document; QLabel's AutoText rendered "<img …>" in
        # it as markup (reliability tests). Plain text, like every other document field.
        self.title_label = _Elided(ctx.view.label,
                                   TITLE_WIDTH_COMPACT if compact else TITLE_WIDTH, self)
        lay.addWidget(self.title_label)
        then = (
            f"{format_value(ctx.at_date.value)} on {ctx.at_date.date.isoformat()}"
            if ctx.at_date
            else "no value on that day"
        )
        self.then_label = QLabel(then, self)
        self.then_label.setStyleSheet(f"color: {c['muted']}")
        self.then_label.setVisible(not compact)
        lay.addWidget(self.then_label)
        row = QHBoxLayout()
        row.setSpacing(6)
        latest = ctx.latest
        stale = ctx.view.stats.stale
        now_text = f"now {format_value(latest.value)}" if latest else "no current value"
        shown_now = format_value(latest.value) if compact and latest else now_text
        self.now_label = QLabel(shown_now, self)
        if stale:
            self.now_label.setStyleSheet(f"color: {c['stale']}")
        row.addWidget(self.now_label)
        self.change_label = QLabel(format_change(ctx.change_pct), self)
        direction = c["muted"]
        if ctx.change_pct is not None and ctx.change_pct > 0:
            direction = c["up"]
        elif ctx.change_pct is not None and ctx.change_pct < 0:
            direction = c["down"]
        self.change_label.setStyleSheet(f"color: {direction}; font-weight: bold")
        row.addWidget(self.change_label)
        if not compact:
            row.addStretch(1)
        lay.addLayout(row)
        self.spark = _Spark(ctx.view.spark, dark, self, compact=compact)
        self.spark.setVisible(not compact)  # the chart is a click away; the line stays short
        lay.addWidget(self.spark)
        unit = ctx.view.series.unit
        tip = [
            f"{ctx.view.label} ({unit})",
            f"At the article's date: {then}",
            f"Latest: {now_text} ({_date(latest)})" + (" — not updated recently" if stale else ""),
            f"Change since the article: {format_change(ctx.change_pct)}",
            "Click to open the chart.",
        ]
        self.setToolTip("\n".join(tip))
        self.setAccessibleName(
            f"{ctx.view.label}: {then}; {now_text}; change {format_change(ctx.change_pct)}"
        )

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.clicked.emit(self.series_id)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit(self.series_id)
            event.accept()
            return
        super().keyPressEvent(event)


class MarketContextStrip(QWidget):
    series_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Market context")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        self._heading = QLabel("Market context", self)
        outer.addWidget(self._heading)
        # Cards wrap onto another line rather than scroll sideways: a side-scrolled row
        # clipped its last card's sparkline at 1024 px (issue 17).
        self._host = QWidget(self)
        self._flow = FlowLayout(self._host, spacing=6)
        outer.addWidget(self._host)
        self._items: tuple[MarketContext, ...] = ()
        self._article_date: dt.date | None = None
        self._cards: list[MarketCard] = []
        self._dark = False
        self._compact = False
        self.setVisible(False)

    def set_compact(self, compact: bool) -> None:
        """One line per series (a short reader) or full cards; redrawn only on a change."""
        if compact != self._compact:
            self._compact = compact
            if self._items:
                self.show_context(self._items, article_date=self._article_date,
                                  dark=self._dark)

    def show_context(
        self, items: tuple[MarketContext, ...], *, article_date: dt.date | None, dark: bool
    ) -> None:
        self._items, self._article_date, self._dark = items, article_date, dark
        for card in self._cards:
            self._flow.removeWidget(card)
            card.deleteLater()
        self._cards = []
        for ctx in items:
            card = MarketCard(ctx, dark, self._host, compact=self._compact)
            card.clicked.connect(self.series_clicked)
            self._flow.addWidget(card)
            self._cards.append(card)
        when = f"since {article_date.isoformat()}" if article_date else "undated article"
        self._heading.setText(f"Market context ({when})")
        self._heading.setStyleSheet(f"color: {colours(dark)['muted']}")
        self.setVisible(bool(items))

    def clear(self) -> None:
        self.show_context((), article_date=None, dark=self._dark)

    def refresh_theme(self, dark: bool) -> None:
        self.show_context(self._items, article_date=self._article_date, dark=dark)

    def cards(self) -> list[MarketCard]:
        return list(self._cards)
