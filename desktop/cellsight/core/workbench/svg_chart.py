"""A small SVG line chart for briefs: one series, date axis, value axis, news markers.

Pure Python so the core can write HTML and Markdown briefs without Qt or matplotlib;
the PDF writer renders the same SVG with QtSvg. Only SVG Tiny features are used
(no CSS, no ``dominant-baseline``) because QSvgRenderer implements no more. Every
text that reaches the SVG (series labels come from payloads) is XML-escaped.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax import saxutils

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
LINE, GRID, AXIS, MARK, TEXT = "#1f6fb2", "#e3e6ea", "#8a9099", "#c0392b", "#333333"
BAND = "#fdf1e7"  # the brief's own dates behind the line
# Characters XML 1.0 forbids: one in a payload's label would make the whole SVG unreadable.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True)
class ChartMarker:
    date: dt.date
    label: str  # the reference number of the document, "3"
    title: str = ""  # shown as the mark's tooltip in browsers


def line_chart_svg(points: Sequence[tuple[dt.date, float]], *, title: str, unit: str,
                   markers: Sequence[ChartMarker] = (), width: int = 720, height: int = 280,
                   period: tuple[dt.date, dt.date] | None = None) -> str:  # fmt: skip
    """The chart as a standalone SVG document (UTF-8 text); ``period`` is shaded."""
    pts = sorted(points)
    left, right, top, bottom = 64, 16, 64, 40
    pw, ph = width - left - right, height - top - bottom
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}">',
           f"<title>{escape(title)}</title>",
           f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
           _text(left, 20, title, size=14, weight="bold"),
           _text(width - right, 20, unit, size=11, anchor="end", fill=AXIS)]  # fmt: skip
    if not pts:
        out.append(_text(width / 2, top + ph / 2, "no points in this period", anchor="middle"))
        return "\n".join([*out, "</svg>"])
    d0, d1 = pts[0][0], pts[-1][0]
    if d0 == d1:  # one point: give the axis some width around it
        d0, d1 = d0 - dt.timedelta(days=15), d1 + dt.timedelta(days=15)
    values = [v for _, v in pts]
    lo, hi, step = _nice_range(min(values), max(values))
    span_days = (d1 - d0).days

    def x(day: dt.date) -> float:
        return left + pw * (day - d0).days / span_days

    def y(value: float) -> float:
        return top + ph * (1 - (value - lo) / (hi - lo))

    if period is not None and period[0] < period[1]:
        a, b = max(period[0], d0), min(period[1], d1)
        if a < b:
            out.append(f'<rect x="{x(a):.1f}" y="{top}" width="{x(b) - x(a):.1f}" '
                       f'height="{ph}" fill="{BAND}"/>')
    for i in range(round((hi - lo) / step) + 1):
        v = lo + i * step
        out.append(_line(left, y(v), left + pw, y(v), GRID))
        out.append(_text(left - 6, y(v) + 4, _fmt_value(v, step), anchor="end", fill=AXIS))
    for day, label in _date_ticks(d0, d1):
        out.append(_line(x(day), top + ph, x(day), top + ph + 4, AXIS))
        out.append(_text(x(day), top + ph + 18, label, anchor="middle", fill=AXIS))
    out.append(_line(left, top + ph, left + pw, top + ph, AXIS))
    out.append(_line(left, top, left, top + ph, AXIS))
    coords = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in pts)
    out.append(f'<polyline points="{coords}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    for d, v in pts:
        out.append(f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="2.5" fill="{LINE}"/>')
    out.extend(_markers(markers, pts, x, y, top, top + ph))
    return "\n".join([*out, "</svg>"])


def _markers(markers: Sequence[ChartMarker], pts: list[tuple[dt.date, float]], x, y,  # type: ignore[no-untyped-def]
             top: float, base: float) -> list[str]:  # fmt: skip
    """A dashed stem from the axis to the line and a numbered tag above the plot.

    Markers on one day share a tag ("1, 4"); tags that would overlap their neighbour
    drop to a second row, so every number stays readable."""
    by_day: dict[dt.date, list[ChartMarker]] = {}
    for m in sorted(markers, key=lambda m: (m.date, _num(m.label))):
        if pts[0][0] <= m.date <= pts[-1][0]:
            by_day.setdefault(m.date, []).append(m)
    out: list[str] = []
    last_end = [-1e9, -1e9]  # right edge of the last tag in each row
    for day, group in sorted(by_day.items()):
        cx, cy = x(day), y(_interpolate(pts, day))
        label = ", ".join(m.label for m in group)
        w = 8 + 7 * len(label)
        row = 0 if cx - w / 2 > last_end[0] + 2 else 1
        last_end[row] = cx + w / 2
        ty = top - 28 + row * 16
        tip = "; ".join(f"[{m.label}] {m.title}" for m in group)
        out.append(f"<g><title>{escape(tip)}</title>")
        out.append(f'<line x1="{cx:.1f}" y1="{base:.1f}" x2="{cx:.1f}" y2="{ty + 6:.1f}" '
                   f'stroke="{MARK}" stroke-width="1" stroke-dasharray="3,3"/>')
        out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="#ffffff" '
                   f'stroke="{MARK}" stroke-width="2"/>')
        out.append(f'<rect x="{cx - w / 2:.1f}" y="{ty - 7:.1f}" width="{w}" height="14" '
                   f'rx="3" fill="{MARK}"/>')
        out.append(_text(cx, ty + 4, label, size=10, anchor="middle", fill="#ffffff",
                         weight="bold"))
        out.append("</g>")
    return out


def _interpolate(pts: list[tuple[dt.date, float]], day: dt.date) -> float:
    for (a, va), (b, vb) in itertools.pairwise(pts):
        if a <= day <= b:
            return va if a == b else va + (vb - va) * (day - a).days / (b - a).days
    return pts[-1][1] if day >= pts[-1][0] else pts[0][1]


def _num(label: str) -> int:
    return int(label) if label.isdigit() else 0


def _nice_range(lo: float, hi: float, ticks: int = 5) -> tuple[float, float, float]:
    """Axis bounds on round numbers that enclose [lo, hi] in about ``ticks`` steps."""
    if hi == lo:
        pad = abs(lo) * 0.05 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / ticks
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step, step


def _fmt_value(v: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return f"{v:,.{decimals}f}"


def _date_ticks(d0: dt.date, d1: dt.date, most: int = 7) -> list[tuple[dt.date, str]]:
    """Month starts (every 1, 2, 3, 6 months) or years, whichever fits ``most`` ticks;
    a span under two months gets day ticks."""
    days = (d1 - d0).days
    if days < 60:
        step = max(1, math.ceil(days / most))
        return [(d, f"{d.day} {_MONTHS[d.month - 1]}")
                for d in (d0 + dt.timedelta(days=i) for i in range(0, days + 1, step))]  # fmt: skip
    for months in (1, 2, 3, 6, 12, 24, 60, 120):
        ticks = []
        m = (d0.year * 12 + d0.month - 1 + months - 1) // months * months
        while (day := dt.date(m // 12, m % 12 + 1, 1)) <= d1:
            if day >= d0:
                ticks.append(day)
            m += months
        if len(ticks) <= most:
            if months >= 12:
                return [(d, str(d.year)) for d in ticks]
            return [(d, f"{_MONTHS[d.month - 1]} {d.year}") for d in ticks]
    return []


def escape(text: str) -> str:
    return saxutils.escape(_NOT_XML.sub("", text))


def _line(x1: float, y1: float, x2: float, y2: float, color: str) -> str:
    return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="{color}" stroke-width="1"/>')


def _text(x: float, y: float, text: str, *, size: int = 11, anchor: str = "start",
          fill: str = TEXT, weight: str = "normal") -> str:  # fmt: skip
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}" font-weight="{weight}">{escape(text)}</text>')

