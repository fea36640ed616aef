"""Sparklines: a tiny line of recent values, in a table cell or any other rectangle.

The line is coloured by direction (up/down over the values shown) so a column of
them reads at a glance; the last value gets a dot because that is the figure the
neighbouring cells quote.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ..theme import colours


def paint_sparkline(
    painter: QPainter,
    rect: QRectF,
    values: Sequence[float],
    colour: QColor | str,
    *,
    width: float = 1.5,
) -> None:
    """Draw ``values`` as a line filling ``rect`` (non-finite values are skipped)."""
    pts = [(i, v) for i, v in enumerate(values) if math.isfinite(v)]
    if not pts or rect.width() <= 2 or rect.height() <= 2:
        return
    lo = min(v for _, v in pts)
    hi = max(v for _, v in pts)
    span_x = max(len(values) - 1, 1)
    # A flat series is drawn through the middle rather than collapsing onto an edge.
    span_y = hi - lo
    pad = width + 1.5  # keep the end dot inside the cell

    def at(i: int, v: float) -> QPointF:
        x = rect.left() + pad + (rect.width() - 2 * pad) * (i / span_x)
        frac = 0.5 if span_y == 0 else (v - lo) / span_y
        y = rect.bottom() - pad - (rect.height() - 2 * pad) * frac
        return QPointF(x, y)

    colour = QColor(colour)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    pen = QPen(colour, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if len(pts) > 1:
        path = QPainterPath(at(*pts[0]))
        for i, v in pts[1:]:
            path.lineTo(at(i, v))
        painter.drawPath(path)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawEllipse(at(*pts[-1]), width + 1.0, width + 1.0)
    painter.restore()


def trend_colour(values: Sequence[float], *, dark: bool) -> QColor:
    """Theme "up"/"down" colour for the direction over ``values``; muted when flat."""
    finite = [v for v in values if math.isfinite(v)]
    c = colours(dark)
    if len(finite) < 2 or finite[-1] == finite[0]:
        return QColor(c["muted"])
    return QColor(c["up"] if finite[-1] > finite[0] else c["down"])


class SparklineDelegate(QStyledItemDelegate):
    """Paints the tuple of floats a model returns for ``role`` as a sparkline."""

    def __init__(self, role: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._role = role

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            # Background, selection and focus frame as for any other cell.
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        values = index.data(self._role) or ()
        if not values:
            return
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        if selected:
            # Up/down colours are tuned for the base colour, not the highlight.
            colour = opt.palette.color(QPalette.ColorRole.HighlightedText)
        else:
            dark = opt.palette.color(QPalette.ColorRole.Base).lightness() < 128
            colour = trend_colour(values, dark=dark)
        rect = QRectF(opt.rect).adjusted(4, 3, -4, -3)
        paint_sparkline(painter, rect, values, colour)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(96, max(option.fontMetrics.height() + 8, 22))
