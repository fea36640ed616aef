"""An entity's mentions per month or week, stacked by topic (pyqtgraph bars); click a bar.

The counts are the core's ``Timeline`` (``core.entity_related``). A document with two
topics counts in both stacks, so a stack can rise above the period's document count:
the count itself is the dark tick on each bar and the first line of its tooltip.
Undated documents are a line of text under the chart, never a bar.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...core.entity_related import Timeline
from ..theme import colours, is_dark

# Okabe–Ito and a few more: topics stay apart for common colour-vision deficiencies.
TOPIC_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00",
                 "#f0e442", "#7f3c8d", "#8c8c8c", "#a6761d", "#1b9e77", "#e7298a")  # fmt: skip


class EntityTimeline(QWidget):
    period_clicked = Signal(str)  # "2024-03" or "2024-W09"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.timeline: Timeline | None = None
        self.topics: list[str] = []  # stacking order, most frequent first
        self._plot = pg.PlotWidget()
        self._plot.setAccessibleName("Mentions over time")
        self._plot.setFixedHeight(250)
        item = self._plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.getViewBox().setMouseEnabled(x=False, y=False)
        item.showGrid(y=True, alpha=0.15)
        self._legend = item.addLegend(offset=(-6, 4), colCount=3)
        self._plot.scene().sigMouseClicked.connect(self._on_click)
        self._plot.scene().sigMouseMoved.connect(self._on_move)
        self.undated_label = QLabel(self)
        self.undated_label.setAccessibleName("Undated mentions")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self._plot)
        lay.addWidget(self.undated_label)

    def set_timeline(self, timeline: Timeline) -> None:
        self.timeline = timeline
        item = self._plot.getPlotItem()
        item.clear()
        self._legend.clear()
        dark = is_dark()
        c = colours(dark)
        self._plot.setBackground(QColor("#1e1f22") if dark else QColor("#ffffff"))
        periods = timeline.periods
        totals: dict[str, int] = {}
        for p in periods:
            for topic, n in p.topics:
                totals[topic] = totals.get(topic, 0) + n
        self.topics = sorted(totals, key=lambda t: (-totals[t], t.lower()))
        xs = np.arange(len(periods), dtype=float)
        base = np.zeros(len(periods))
        for k, topic in enumerate(self.topics):
            heights = np.array([dict(p.topics).get(topic, 0) for p in periods], dtype=float)
            colour = QColor(TOPIC_COLOURS[k % len(TOPIC_COLOURS)])
            bars = pg.BarGraphItem(x=xs, y0=base.copy(), height=heights, width=0.8,
                                   brush=colour, pen=pg.mkPen(colour.darker(120)))  # fmt: skip
            item.addItem(bars)
            self._legend.addItem(bars, topic)
            base += heights
        counts = np.array([p.count for p in periods], dtype=float)
        if len(periods):
            # The documents in each period: a tick across the bar (stacks may overshoot it).
            ticks = pg.ScatterPlotItem(x=xs, y=counts, symbol="_", size=14,
                                       pen=pg.mkPen("#e6e6e6" if dark else "#202124", width=2))
            item.addItem(ticks)
            self._legend.addItem(ticks, "documents (each topic counts its own)")
            top = float(max(base.max(initial=0), counts.max(initial=0)))
            item.getViewBox().setRange(xRange=(-0.6, len(periods) - 0.4),
                                       yRange=(0, top * 1.6 + 1), padding=0)
        self._label_axis([p.period for p in periods])
        unit = timeline.unit or "month"
        item.setLabel("left", f"Per {unit}")
        undated = timeline.undated
        self.undated_label.setText(
            f"{undated} undated document{'s' if undated != 1 else ''} (not on the timeline)"
            if undated else "Click a bar to list that period's documents.")
        self.undated_label.setStyleSheet(f"color: {c['muted']}")

    def _label_axis(self, labels: list[str]) -> None:
        axis = self._plot.getPlotItem().getAxis("bottom")
        step = max(1, len(labels) // 8)
        axis.setTicks([[(i, lab) for i, lab in enumerate(labels) if i % step == 0]])

    def period_at(self, scene_pos: QPointF) -> str | None:
        """The period under a point of the scene, if it is over a bar's column."""
        if self.timeline is None or not self.timeline.periods:
            return None
        vb = self._plot.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        x = vb.mapSceneToView(scene_pos).x()
        i = round(x)
        if abs(x - i) > 0.45 or not 0 <= i < len(self.timeline.periods):
            return None
        return self.timeline.periods[i].period

    def bar_scene_pos(self, period: str) -> QPointF:
        """Where period's bar is in the scene (for tests and keyboard users' menus)."""
        assert self.timeline is not None
        i = [p.period for p in self.timeline.periods].index(period)
        p = self.timeline.periods[i]
        vb = self._plot.getPlotItem().getViewBox()
        return vb.mapViewToScene(QPointF(i, max(p.count, 0.1) / 2))

    def _on_click(self, event: object) -> None:
        period = self.period_at(event.scenePos())  # type: ignore[attr-defined]
        if period is not None:
            self.period_clicked.emit(period)

    def _on_move(self, pos: QPointF) -> None:
        period = self.period_at(pos)
        if period is None or self.timeline is None:
            self._plot.setToolTip("")
            return
        p = next(q for q in self.timeline.periods if q.period == period)
        lines = [f"{p.period}: {p.count} document{'s' if p.count != 1 else ''}"]
        lines += [f"  {topic}: {n}" for topic, n in p.topics]
        lines.append("Click to list them")
        self._plot.setToolTip("\n".join(lines))
