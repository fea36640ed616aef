"""Texts and placements of the price chart that need no widget: legend, titles, readout.

Kept apart from the chart so each rule can be read (and tested) on its own: what the
legend row and the axis title say, and where the hover readout goes.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSizeF

from ...core.prices_view import SeriesView

READOUT_GAP = 12.0  # pixels between the hovered point and its readout
MARGIN = 4.0  # pixels kept free along the plot's edges


def entry_labels(views: Sequence[SeriesView]) -> list[str]:
    """Legend labels: with their unit when the charted series do not share one."""
    units = {v.series.unit for v in views}
    if len(units) <= 1:
        return [v.label for v in views]
    return [f"{v.label} ({v.series.unit})" for v in views]


def legend_html(entries: Sequence[tuple[str, str]]) -> str:
    """(label, colour) pairs as one rich-text line that wraps between entries only."""
    parts = [
        f'<span style="white-space:nowrap"><span style="color:{colour}; font-weight:bold">'
        f"━━●</span>&nbsp;{html.escape(label)}</span>"
        for label, colour in entries
    ]
    return " &nbsp;&nbsp; ".join(parts)


def axis_title(views: Sequence[SeriesView], rebased: bool) -> str:
    """A title short enough for a low plot: "Index", the one unit, or "Value"."""
    if rebased:
        return "Index"
    units = {v.series.unit for v in views}
    return units.pop() if len(units) == 1 else "Value"


def basis_text(views: Sequence[SeriesView], rebased: bool, base: dt.date | None,
               starts: Sequence[dt.date], *, short: bool = False) -> str:  # fmt: skip
    """What the values are: the unit, or where 100 is when rebased.

    ``starts`` are the dates each rebased line starts on (its 100): one date when
    they agree, otherwise the common base and the rule ``core.prices.rebase`` uses.
    ``short`` drops the "Rebased:" that the chart's "Index" axis already says, so
    the legend row keeps to one line in a narrow dock.
    """
    if rebased:
        lead = "" if short else "Rebased: "
        days = set(starts)
        if len(days) == 1:
            return f"{lead}100 = {days.pop().isoformat()}"
        if base is not None:
            return f"{lead}100 = last value on or before {base.isoformat()}"
        return "Rebased to 100"
    units = {v.series.unit for v in views}
    return units.pop() if len(units) == 1 else ""


def place_readout(point: QPointF, size: QSizeF, area: QRectF) -> QRectF:
    """Where the hover readout of ``point`` goes: beside it, wholly inside ``area``.

    Below-right of the point when there is room, otherwise on the side that has it,
    then clamped so no edge of the readout leaves the plot.
    """
    w, h = size.width(), size.height()
    x = point.x() + READOUT_GAP
    if x + w > area.right() - MARGIN:
        x = point.x() - READOUT_GAP - w
    y = point.y() + READOUT_GAP
    if y + h > area.bottom() - MARGIN:
        y = point.y() - READOUT_GAP - h
    x = max(area.left() + MARGIN, min(x, area.right() - MARGIN - w))
    y = max(area.top() + MARGIN, min(y, area.bottom() - MARGIN - h))
    return QRectF(x, y, w, h)
