"""The price chart: selected series over a calendar axis, with news markers on the lines.

x values are UTC midnight of each date in epoch seconds and the date axis is told
the offset is zero, so a point dated 2026-05-27 sits under "27 May" whatever the
machine's time zone. Mouse zoom and pan act on time only; y follows what is visible.
The strip below is an overview of the whole span with a draggable window onto it.
Rebasing is done by ``core.prices.rebase``: this widget only paints its result.

Nothing is drawn over the data but the hover readout: the legend is a row above the
plot (pyqtgraph's in-plot legend covered lines and news markers), the axis title is
kept short and hidden rather than cut when the plot is too low for it, and what 100
means when rebased is said in that row, not in the axis title (issue 17).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFontMetricsF, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from ...core.prices import export_csv, rebase
from ...core.prices_view import NewsMarker, SeriesView
from ..theme import colours, is_dark
from .chart_export import ExportHeader, compose
from .chart_parts import axis_title, basis_text, entry_labels, legend_html, place_readout

# Okabe–Ito based: distinguishable with common colour-vision deficiencies; the dark
# set is lifted so lines stay visible on a dark background.
_PALETTE_LIGHT = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
                  "#7f3c8d", "#5f6368")  # fmt: skip
_PALETTE_DARK = ("#56b4e9", "#f5a04a", "#3fcf9a", "#e69acb", "#f0e442", "#9db7ff",
                 "#c39bd3", "#c0c4ca")  # fmt: skip
DAY = 86400.0
# The overview strip takes a share of a low chart, so the plot keeps most of it.
OVERVIEW_MIN, OVERVIEW_MAX, OVERVIEW_SHARE = 36, 84, 0.22


def epoch_seconds(day: dt.date) -> float:
    return float(calendar.timegm(day.timetuple()))


def date_of(x: float) -> dt.date:
    return dt.datetime.fromtimestamp(x, tz=dt.UTC).date()


@dataclass(frozen=True)
class HoverPoint:
    series_id: str
    label: str
    date: dt.date
    x: float
    y: float  # as plotted (rebased or not)
    value: float  # the series' own value on that date


@dataclass
class _Curve:
    view: SeriesView
    xs: np.ndarray
    ys: np.ndarray
    raw: np.ndarray
    colour: QColor
    item: pg.PlotDataItem


class PriceChart(QWidget):
    marker_clicked = Signal(str)  # doc id
    full_view_changed = Signal(bool)  # True when every charted date is in view

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._views: list[SeriesView] = []
        self._rebased = False
        self._curves: list[_Curve] = []
        self._markers: list[NewsMarker] = []
        self._marker_item: pg.ScatterPlotItem | None = None
        self._colour_slots: dict[str, int] = {}
        self._extras: list[pg.GraphicsObject] = []
        self._syncing = False
        self._base_date: dt.date | None = None  # the common rebase date, when rebased
        self._all_shown = True
        self.readout_rect = QRectF()  # where the hover readout is, in scene pixels

        self._plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(utcOffset=0)})
        self._plot.setAccessibleName("Price chart")
        self._plot.setToolTip("Drag to pan, wheel to zoom; ←/→ pan, +/− zoom, Home shows all")
        self._plot.installEventFilter(self)
        # The mouse leaves through the viewport: the readout goes with it.
        self._plot.viewport().installEventFilter(self)
        item = self._plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setContentsMargins(0, 4, 12, 0)  # the last point and its marker clear of the edge
        self._vb = item.getViewBox()
        self._vb.setMouseEnabled(x=True, y=False)
        self._vb.setAutoVisible(y=True)
        self._vb.sigXRangeChanged.connect(self._on_main_range)
        self._vb.sigResized.connect(self._fit_axis_title)
        self._axis_text = ""
        self._basis_texts = ("", "")  # (beside an axis title, without one)

        self.legend = QLabel()
        self.legend.setAccessibleName("Chart legend")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.basis = QLabel()
        self.basis.setAccessibleName("Chart units")
        self.basis.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        legend_row = QHBoxLayout()
        legend_row.setContentsMargins(6, 2, 6, 0)
        legend_row.addWidget(self.legend, 1)
        legend_row.addWidget(self.basis)

        self._cross = pg.InfiniteLine(angle=90, movable=False)
        self._dot = pg.ScatterPlotItem(size=10)
        self._label = pg.TextItem(anchor=(0, 0))
        for it in (self._cross, self._dot, self._label):
            it.setZValue(20)
            it.hide()
            self._plot.addItem(it, ignoreBounds=True)
        self._plot.scene().sigMouseMoved.connect(self._on_mouse_moved)

        self._overview = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(utcOffset=0)})
        self._overview.setAccessibleName("Date range overview")
        self._overview.setToolTip("Drag the shaded window or its edges to choose the dates shown")
        # A range, not a fixed height: a fixed one counted in the window's minimum and
        # kept it from shrinking (1024×700, issue 17).
        self._overview.setMinimumHeight(OVERVIEW_MIN)
        self._overview.setMaximumHeight(OVERVIEW_MAX)
        ov = self._overview.getPlotItem()
        ov.setMenuEnabled(False)
        ov.hideButtons()
        ov.hideAxis("left")
        ov.getViewBox().setMouseEnabled(x=False, y=False)
        self._region = pg.LinearRegionItem(swapMode="block")
        self._region.setZValue(10)
        self._region.sigRegionChanged.connect(self._on_region)
        ov.addItem(self._region, ignoreBounds=True)

        self._note = QLabel()
        self._note.setWordWrap(True)
        self._note.hide()
        chart = QWidget()
        lay = QVBoxLayout(chart)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(legend_row)
        lay.addWidget(self._plot, 1)
        lay.addWidget(self._overview)
        lay.addWidget(self._note)
        self._hint = QLabel("Select one or more series in the table to chart them.")
        self._hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._hint.setWordWrap(True)
        self._stack = QStackedWidget()
        self._stack.addWidget(self._hint)
        self._stack.addWidget(chart)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self._stack)
        self._apply_theme()

    def resizeEvent(self, event: QResizeEvent) -> None:
        share = round(event.size().height() * OVERVIEW_SHARE)
        self._overview.setMaximumHeight(max(OVERVIEW_MIN, min(OVERVIEW_MAX, share)))
        super().resizeEvent(event)

    # -- public API ---------------------------------------------------------------------
    def set_series(self, views: list[SeriesView], rebased: bool) -> None:
        self._views, self._rebased = list(views), rebased
        self._render()

    def set_rebased(self, rebased: bool) -> None:
        if rebased != self._rebased:
            self.set_series(self._views, rebased)

    def set_markers(self, markers: list[NewsMarker]) -> None:
        self._markers = list(markers)
        self._draw_markers()

    def charted(self) -> list[SeriesView]:
        return [c.view for c in self._curves]

    def curves(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """(series id, x, y) of each plotted line, as plotted."""
        return [(c.view.id, c.xs.copy(), c.ys.copy()) for c in self._curves]

    def marker_points(self) -> list[tuple[float, float, NewsMarker]]:
        if self._marker_item is None:
            return []
        return [(p.pos().x(), p.pos().y(), p.data()) for p in self._marker_item.points()]

    def region_dates(self) -> tuple[dt.date, dt.date] | None:
        """The days the range selector (the overview's window) spans; None when empty."""
        if not self._curves:
            return None
        lo, hi = self._region.getRegion()
        return date_of(lo), date_of(hi)

    def shown_dates(self) -> tuple[dt.date, dt.date] | None:
        """The first and last charted dates in view (the padding around them aside)."""
        if not self._curves:
            return None
        (x0, x1), _ = self._vb.viewRange()
        lo = max(x0, min(float(c.xs[0]) for c in self._curves))
        hi = min(x1, max(float(c.xs[-1]) for c in self._curves))
        return date_of(lo), date_of(max(lo, hi))

    def showing_all(self) -> bool:
        """Every charted date is in view (nothing to gain from "Show all dates")."""
        if not self._curves:
            return True
        lo, hi = self._full_range()
        (x0, x1), _ = self._vb.viewRange()
        return x0 <= lo + DAY / 2 and x1 >= hi - DAY / 2

    def show_all(self) -> None:
        """The whole span of the charted series, in the chart and the overview's window."""
        if self._curves:
            lo, hi = self._full_range()
            self._vb.setXRange(lo, hi, padding=0)
            self._sync_region(lo, hi)
            self._vb.enableAutoRange(y=True)

    def export_header(self) -> ExportHeader:
        shown = self.shown_dates()
        if shown is None:
            raise ValueError("nothing is charted")
        labels = entry_labels([c.view for c in self._curves])
        return ExportHeader(
            tuple((label, c.colour.name()) for label, c in zip(labels, self._curves, strict=True)),
            basis_text([c.view for c in self._curves], self._rebased, self._base_date,
                       [date_of(float(c.xs[0])) for c in self._curves]),
            shown[0], shown[1], dt.date.today(),
        )  # fmt: skip

    def export_png(self, path: str | Path) -> None:
        """The plot under a header with its series, unit or rebase basis and dates."""
        header = self.export_header()
        self._hide_hover()
        exporter = ImageExporter(self._plot.getPlotItem())
        # Twice the on-screen width, so the image stays sharp in a report.
        exporter.parameters()["width"] = max(int(self._plot.width() * 2), 800)
        plot = exporter.export(toBytes=True)
        bg, fg, muted = self._theme_colours()
        image = compose(plot, header, background=bg, text=fg, muted=muted)
        if not image.save(str(path), "PNG") or Path(path).stat().st_size == 0:
            raise OSError(f"could not write {path}")

    def export_csv(self, path: str | Path) -> None:
        """The charted values in core's CSV layout: rebased (and labelled so) when shown so."""
        if not self._curves:
            raise ValueError("nothing is charted")
        base = self._base_date if self._rebased else None
        export_csv([c.view.series for c in self._curves], Path(path), rebased_at=base)

    def refresh_theme(self) -> None:
        self._apply_theme()
        self._render()

    # -- hover ----------------------------------------------------------------------------
    def nearest_point(self, x: float, y: float | None = None) -> HoverPoint | None:
        """The plotted point nearest to (x, y): by date per line, then by on-screen distance."""
        sx, sy = self._pixel_size()
        best: tuple[float, _Curve, int] | None = None
        for curve in self._curves:
            if not len(curve.xs):
                continue
            i = int(np.searchsorted(curve.xs, x))
            cands = [j for j in (i - 1, i) if 0 <= j < len(curve.xs)]
            j = min(cands, key=lambda k: abs(curve.xs[k] - x))
            dx = (curve.xs[j] - x) / sx
            dy = 0.0 if y is None else (curve.ys[j] - y) / sy
            dist = float(np.hypot(dx, dy))
            if best is None or dist < best[0]:
                best = (dist, curve, j)
        if best is None:
            return None
        _, curve, j = best
        xj = float(curve.xs[j])
        view = curve.view
        return HoverPoint(view.id, view.label, date_of(xj), xj, float(curve.ys[j]),
                          float(curve.raw[j]))  # fmt: skip

    def _pixel_size(self) -> tuple[float, float]:
        try:
            px = self._vb.viewPixelSize()
        except Exception:  # noqa: BLE001 - no geometry yet (never shown)
            return 1.0, 1.0
        return (px[0] or 1.0, px[1] or 1.0)

    def _on_mouse_moved(self, pos: QPointF) -> None:
        if not self._curves or not self._vb.sceneBoundingRect().contains(pos):
            self._hide_hover()
            return
        p = self._vb.mapSceneToView(pos)
        hp = self.nearest_point(p.x(), p.y())
        if hp is None:
            self._hide_hover()
            return
        self._show_hover(hp)

    def _show_hover(self, hp: HoverPoint) -> None:
        colour = next(c.colour for c in self._curves if c.view.id == hp.series_id)
        self._cross.setPos(hp.x)
        self._dot.setData([hp.x], [hp.y], brush=colour, pen=pg.mkPen(self._fg(), width=1))
        text = f"{hp.label}\n{hp.date.isoformat()}: {hp.value:,.2f}"
        if self._rebased:
            text += f"  (rebased {hp.y:,.1f})"
        self._label.setText(text)
        size = self._label.textItem.boundingRect().size()  # pixels: the text is unscaled
        point = self._vb.mapViewToScene(QPointF(hp.x, hp.y))
        self.readout_rect = place_readout(point, size, self._vb.sceneBoundingRect())
        self._label.setPos(self._vb.mapSceneToView(self.readout_rect.topLeft()))
        for it in (self._cross, self._dot, self._label):
            it.show()

    def _hide_hover(self) -> None:
        for it in (self._cross, self._dot, self._label):
            it.hide()
        self.readout_rect = QRectF()

    # -- markers --------------------------------------------------------------------------
    def _draw_markers(self) -> None:
        if self._marker_item is not None:
            self._plot.removeItem(self._marker_item)
            self._marker_item = None
        by_id = {c.view.id: c for c in self._curves}
        # The light theme's highlight yellow reads on both backgrounds; the outline in the
        # line's colour says which series the news belongs to.
        mark = colours(False)["mark"]
        spots = []
        for m in self._markers:
            curve = by_id.get(m.series_id)
            if curve is None or not len(curve.xs):
                continue
            x = epoch_seconds(m.date)
            # On the line between assessments, so the marker reads as "news at this point".
            y = float(np.interp(x, curve.xs, curve.ys))
            spots.append({"pos": (x, y), "data": m, "brush": pg.mkBrush(mark),
                          "pen": pg.mkPen(curve.colour, width=2)})  # fmt: skip
        if not spots:
            return
        item = pg.ScatterPlotItem(symbol="d", size=14, hoverable=True, hoverSize=17,
                                  tip=self._marker_tip)  # fmt: skip
        item.addPoints(spots)
        item.setZValue(15)
        item.sigClicked.connect(self._on_marker_clicked)
        self._plot.addItem(item, ignoreBounds=True)
        self._marker_item = item

    @staticmethod
    def _marker_tip(x: float, y: float, data: NewsMarker) -> str:
        names = ", ".join(data.entities)
        return f"{data.date.isoformat()} — {data.title}\nMentions: {names}\nClick to open"

    def _on_marker_clicked(self, _item: object, points: list, _ev: object = None) -> None:
        if len(points):
            self.marker_clicked.emit(points[0].data().doc_id)

    # -- drawing --------------------------------------------------------------------------
    def _render(self) -> None:
        self._hide_hover()
        for c in self._curves:
            self._plot.removeItem(c.item)
        for it in self._extras:
            self._plot.removeItem(it)
        self._extras.clear()
        self._overview.getPlotItem().clearPlots()
        self._curves = []
        self._stack.setCurrentIndex(1 if self._views else 0)
        if not self._views:
            self._note.hide()
            self._draw_markers()
            self._update_full_view()
            return
        base_date = max((v.series.first_date for v in self._views if v.series.first_date),
                        default=None)  # fmt: skip
        self._base_date = base_date
        notes: list[str] = []
        palette = _PALETTE_DARK if is_dark() else _PALETTE_LIGHT
        self._assign_colours(palette)
        for view in self._views:
            pts = view.series.points
            if not pts:
                notes.append(f"{view.label} has no points.")
                continue
            if self._rebased:
                try:
                    pairs = rebase(pts, base_date)
                except ValueError as exc:
                    notes.append(f"{view.label} cannot be rebased: {exc}.")
                    continue
            else:
                pairs = [(p.date, p.value) for p in pts]
            own = {p.date: p.value for p in pts}
            xs = np.array([epoch_seconds(d) for d, _ in pairs], dtype=float)
            ys = np.array([v for _, v in pairs], dtype=float)
            raw = np.array([own[d] for d, _ in pairs], dtype=float)
            colour = QColor(palette[self._colour_slots[view.id] % len(palette)])
            item = self._plot.plot(xs, ys, antialias=True,
                                   pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=5,
                                   symbolBrush=colour, symbolPen=None)  # fmt: skip
            self._overview.plot(xs, ys, pen=pg.mkPen(colour, width=1))
            self._curves.append(_Curve(view, xs, ys, raw, colour, item))
        if self._rebased and self._curves and base_date is not None:
            pen = pg.mkPen(colours(is_dark())["muted"], style=Qt.PenStyle.DashLine)
            line = pg.InfiniteLine(pos=100.0, angle=0, movable=False, pen=pen)
            self._plot.addItem(line, ignoreBounds=True)
            self._extras.append(line)
        charted = [c.view for c in self._curves]
        self._axis_text = axis_title(charted, self._rebased)
        self._plot.setLabel("left", self._axis_text)
        labels = entry_labels(charted)
        self.legend.setText(legend_html(
            [(label, c.colour.name()) for label, c in zip(labels, self._curves, strict=True)]))
        starts = [date_of(float(c.xs[0])) for c in self._curves]
        self._basis_texts = (basis_text(charted, self._rebased, base_date, starts, short=True),
                             basis_text(charted, self._rebased, base_date, starts))  # fmt: skip
        self.basis.setToolTip(self._basis_texts[1])
        self._fit_axis_title()
        self._note.setText(" ".join(notes))
        self._note.setVisible(bool(notes))
        self._fit_ranges()
        self._draw_markers()
        self._update_full_view()

    def _fit_axis_title(self, *_args: object) -> None:
        """Show the y-axis title only where the plot is tall enough for all of it.

        pyqtgraph centres a vertical title on the axis and cuts what does not fit;
        the legend row says the same (unit or basis), so hiding it loses nothing.
        """
        axis = self._plot.getPlotItem().getAxis("left")
        width = QFontMetricsF(axis.label.font()).horizontalAdvance(self._axis_text)
        fits = bool(self._axis_text) and width + 12 <= self._vb.height()
        axis.showLabel(fits)
        # Without "Index" on the axis the row says in full that the lines are rebased.
        self.basis.setText(self._basis_texts[0 if fits else 1])

    def axis_title_shown(self) -> str:
        """The y-axis title as painted ("" when hidden for lack of room)."""
        axis = self._plot.getPlotItem().getAxis("left")
        return self._axis_text if axis.label.isVisible() else ""

    def _assign_colours(self, palette: tuple[str, ...]) -> None:
        # A series keeps its colour while it stays charted, so adding one doesn't repaint all.
        ids = [v.id for v in self._views]
        self._colour_slots = {k: s for k, s in self._colour_slots.items() if k in ids}
        for sid in ids:
            if sid not in self._colour_slots:
                used = set(self._colour_slots.values())
                free = [i for i in range(len(palette)) if i not in used]
                self._colour_slots[sid] = free[0] if free else len(self._colour_slots)

    def _full_range(self) -> tuple[float, float]:
        lo = min(float(c.xs[0]) for c in self._curves)
        hi = max(float(c.xs[-1]) for c in self._curves)
        pad = max((hi - lo) * 0.02, 3 * DAY)
        return lo - pad, hi + pad

    def _fit_ranges(self) -> None:
        if not self._curves:
            return
        lo, hi = self._full_range()
        self._vb.setLimits(xMin=lo, xMax=hi, minXRange=7 * DAY)
        self._overview.getPlotItem().getViewBox().setXRange(lo, hi, padding=0)
        self._overview.getPlotItem().getViewBox().enableAutoRange(y=True)
        self._vb.enableAutoRange(y=True)
        # Bounds first would clamp the old window into the new span and drag the chart
        # there through _on_region, so both change with the sync guard up.
        self._syncing = True
        try:
            self._region.setBounds((None, None))
            self._region.setRegion((lo, hi))
            self._region.setBounds((lo, hi))
        finally:
            self._syncing = False
        self._vb.setXRange(lo, hi, padding=0)

    # -- range sync between the chart and the overview ------------------------------------
    def _on_main_range(self, _vb: object, rng: tuple[float, float]) -> None:
        self._sync_region(*rng)
        self._update_full_view()

    def _update_full_view(self) -> None:
        shown = self.showing_all()
        if shown != self._all_shown:
            self._all_shown = shown
            self.full_view_changed.emit(shown)

    def _sync_region(self, lo: float, hi: float) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            self._region.setRegion((lo, hi))
        finally:
            self._syncing = False

    def _on_region(self) -> None:
        if self._syncing or not self._curves:
            return
        lo, hi = self._region.getRegion()
        self._syncing = True
        try:
            self._vb.setXRange(lo, hi, padding=0)
        finally:
            self._syncing = False

    # -- keyboard --------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self._plot and event.type() == QEvent.Type.KeyPress:
            return self._key(event)  # type: ignore[arg-type]
        if event.type() == QEvent.Type.Leave and obj in (self._plot, self._plot.viewport()):
            self._hide_hover()
        return super().eventFilter(obj, event)

    def _key(self, event: QKeyEvent) -> bool:
        if not self._curves:
            return False
        (x0, x1), _ = self._vb.viewRange()
        width = x1 - x0
        key = event.key()
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            step = width * 0.1 * (-1 if key == Qt.Key.Key_Left else 1)
            self._vb.setXRange(x0 + step, x1 + step, padding=0)
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus):
            factor = 0.8 if key != Qt.Key.Key_Minus else 1.25
            mid = (x0 + x1) / 2
            self._vb.setXRange(mid - width * factor / 2, mid + width * factor / 2, padding=0)
        elif key in (Qt.Key.Key_Home, Qt.Key.Key_0):
            self.show_all()
        else:
            return False
        return True

    # -- theme -----------------------------------------------------------------------------
    def _fg(self) -> QColor:
        return self.palette().color(self.foregroundRole())

    @staticmethod
    def _theme_colours() -> tuple[QColor, QColor, QColor]:
        """(background, text, muted) of the plot in the current theme."""
        dark = is_dark()
        return (QColor("#1e1f22") if dark else QColor("#ffffff"),
                QColor("#e6e6e6") if dark else QColor("#202124"),
                QColor(colours(dark)["muted"]))  # fmt: skip

    def _apply_theme(self) -> None:
        dark = is_dark()
        c = colours(dark)
        bg, fg, _ = self._theme_colours()
        for w in (self._plot, self._overview):
            w.setBackground(bg)
            for name in ("left", "bottom"):
                axis = w.getPlotItem().getAxis(name)
                axis.setPen(pg.mkPen(c["muted"]))
                axis.setTextPen(pg.mkPen(fg))
        self.basis.setStyleSheet(f"color: {c['muted']};")
        self._cross.setPen(pg.mkPen(c["muted"], style=Qt.PenStyle.DashLine))
        self._label.setColor(fg)
        self._label.fill = pg.mkBrush(bg.red(), bg.green(), bg.blue(), 230)
        self._label.border = pg.mkPen(c["muted"])
        accent = QColor(c["link"])
        self._region.setBrush(pg.mkBrush(accent.red(), accent.green(), accent.blue(), 50))
        for line in self._region.lines:
            line.setPen(pg.mkPen(accent, width=2))
        self._note.setStyleSheet(f"color: {c['stale']};")
        self._hint.setStyleSheet(f"color: {c['muted']}; font-size: 11pt;")
