"""A brief as one self-contained HTML file: styles inline, charts as embedded SVG images.

Everything that came from a document, a payload or the user (titles, sources,
notes, quotes, series labels, addresses) is untrusted: it is escaped, links are
written only for http(s) addresses, and the page carries a Content-Security-Policy
that forbids scripts, remote images and external styles even if a bug let markup
through. The same markup is what the PDF writer hands to Qt's rich text (a subset of
HTML and CSS), so it keeps to tables, paragraphs, lists and blockquotes.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from .brief import Brief, BriefChart, BriefDoc, KeyMove

# Control characters have no business in a brief and some readers choke on them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
COVERAGE = {
    "range": "first and last points within the brief's dates",
    "around": "the points either side of the brief's dates (too few points within them)",
    "series": "the whole series: it does not cover the brief's dates",
}
MARKS = {"range": "", "around": "*", "series": "†"}
STYLE = """
body { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; color: #222222;
       line-height: 1.45; }
h1 { font-size: 22pt; margin-bottom: 4px; }
h2 { font-size: 15pt; color: #1f4e79; border-bottom: 1px solid #cccccc; margin-top: 22px; }
h3 { font-size: 12pt; margin-bottom: 2px; margin-top: 16px; }
h4 { font-size: 10pt; color: #555555; margin-bottom: 2px; margin-top: 6px; }
.meta { color: #666666; font-size: 9pt; margin-top: 0; }
.ref { color: #c0392b; font-weight: bold; }
.cite { color: #c0392b; }
table.moves { border-collapse: collapse; font-size: 9pt; }
table.moves th { background-color: #eef2f6; text-align: left; }
table.moves td, table.moves th { border: 1px solid #d5dbe1; padding: 4px; }
td.num { text-align: right; }
.up { color: #1e8449; } .down { color: #c0392b; }
blockquote { margin: 4px 0 4px 16px; padding: 2px 10px; color: #333333;
             border-left: 3px solid #c0392b; background-color: #faf6f4; }
.note { background-color: #fff8dc; }
.chart { margin: 10px 0 2px 0; line-height: 100%; } .chart img { max-width: 100%; height: auto; }
.caption { font-size: 9pt; color: #555555; margin-top: 0; }
.footer { font-size: 8pt; color: #888888; margin-top: 24px; }
"""
# A reading column in browsers. Not for Qt's rich text: there "margin: auto" shrinks
# and centres the tables, and the page already has margins.
SCREEN_STYLE = "body { max-width: 54em; margin: 2em auto; padding: 0 1em; }"


def esc(text: object) -> str:
    return html.escape(_CONTROL.sub("", str(text)), quote=True)


def safe_href(url: str | None) -> str | None:
    """The address if a link to it is harmless (an absolute http/https URL), else None:
    ``javascript:``, ``data:`` and relative addresses are shown as text, never linked."""
    if not url or _CONTROL.search(url) or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def value_text(v: float) -> str:
    return f"{v:,.2f}"


def pct_text(p: float | None) -> str:
    return "–" if p is None else f"{p:+.1f} %"


def period_text(brief: Brief) -> str:
    n, dated = len(brief.selected), sum(d.date is not None for d in brief.selected)
    if brief.date_range is None:
        return "undated documents" if n else "no documents"
    a, b = (d.isoformat() for d in brief.date_range)
    text = a if a == b else f"{a} – {b}"
    return text if dated == n else f"{text} ({dated} of {n} documents dated)"


def count_text(brief: Brief) -> str:
    n = len(brief.selected)
    more = f" of {brief.total} matching" if brief.total > n else ""
    return f"{n} document{'s' if n != 1 else ''}{more}"


def where_text(doc: BriefDoc) -> str:
    """Where a document came from when it states no web address: its file's name
    (not the full path, which would tell readers about the analyst's disk)."""
    name = doc.path.replace("\\", "/").rsplit("/", 1)[-1]
    return f"{name} › {doc.member}" if doc.member else name


def cites(refs: tuple[int, ...] | list[int]) -> str:
    return " ".join(f"[{r}]" for r in refs)


def render_html(brief: Brief, *, image_src: Callable[[int, BriefChart], str] | None = None,
                chart_width: int = 720, screen: bool = True) -> str:  # fmt: skip
    """The brief as HTML. ``image_src`` names each chart's image (the PDF writer
    passes resource names); by default the SVG is embedded as a data: URI.
    ``chart_width``: the charts' width in CSS pixels (Qt does not shrink images to fit);
    ``screen``: style for a browser window rather than Qt's paged layout."""
    src = image_src or _data_uri
    style = STYLE + (SCREEN_STYLE if screen else "")
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
           '<meta name="generator" content="Cellsight">',
           f"<title>{esc(brief.title)}</title><style>{style}</style></head><body>",
           f"<h1>{esc(brief.title)}</h1>",
           f'<p class="meta">{esc(brief.origin)}'
           + (f": {esc(brief.query)}" if brief.query else "") + "<br>"
           f"Period: {esc(period_text(brief))} · {esc(count_text(brief))} · "
           f"made {brief.created:%Y-%m-%d %H:%M} with Cellsight</p>"]  # fmt: skip
    if brief.charts:
        out.append("<h2>Markets</h2>")
        for i, chart in enumerate(brief.charts):
            out += _chart(i, chart, brief, src(i, chart), chart_width)
    if brief.moves:
        out += _moves(brief.moves)
    out.append("<h2>Documents</h2>")
    if not brief.selected:
        out.append("<p>No documents matched.</p>")
    for doc in brief.selected:
        out += _document(doc)
    if brief.cited_only:
        out.append("<h2>Price data sources</h2><ul>")
        out += [f"<li>{_ref_anchor(d)} {esc(d.title)}<br>{_meta(d)}</li>"
                for d in brief.cited_only]  # fmt: skip
        out.append("</ul>")
    out.append('<p class="footer">Numbers in brackets, [1], cite the numbered documents '
               "of this brief.</p></body></html>")
    return "\n".join(out)


def _data_uri(_: int, chart: BriefChart) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(chart.svg.encode()).decode("ascii")


def _chart(i: int, chart: BriefChart, brief: Brief, src: str, width: int) -> list[str]:
    move = next((m for m in brief.moves if m.series_id == chart.series_id), None)
    marks = "; ".join(f"[{m.label}] {esc(m.title)} ({m.date.isoformat()})"
                      for m in chart.markers)  # fmt: skip
    caption = f"Figure {i + 1}. {esc(chart.label)} ({esc(chart.unit)})."
    if move is not None:
        caption += f" Source: {_source(move)}."
    caption += f" News markers: {marks}." if marks else " No dated document on this chart."
    height = round(width * chart.height / chart.width)
    return [f'<p class="chart"><img src="{esc(src)}" width="{width}" height="{height}" '
            f'alt="{esc(chart.label)} chart"></p>', f'<p class="caption">{caption}</p>']


def _source(move: KeyMove) -> str:
    parts = []
    if move.provider:
        parts.append(esc(move.provider))
    href = safe_href(move.url)
    if href:
        parts.append(f'<a href="{esc(href)}">{esc(move.url)}</a>')
    elif move.url:
        parts.append(esc(move.url))
    if move.refs:
        parts.append(f'points from <span class="cite">{cites(move.refs)}</span>')
    if move.imported:
        parts.append("imported from " + ", ".join(esc(n) for n in move.imported))
    return ", ".join(parts) or "unknown"


def _moves(moves: tuple[KeyMove, ...]) -> list[str]:
    out = ['<h2>Key moves</h2><table class="moves" cellspacing="0" cellpadding="4" width="100%">',
           "<tr><th>Series</th><th>From</th><th>To</th><th>Change</th><th>High</th>"
           "<th>Low</th><th>Source</th></tr>"]  # fmt: skip
    for m in moves:
        tone = "" if m.change_pct is None else ("up" if m.change_pct >= 0 else "down")
        out.append(
            f"<tr><td>{esc(m.label)}{MARKS[m.coverage]}<br><small>{esc(m.unit)}</small></td>"
            + "".join(f'<td class="num">{value_text(p.value)}<br><small>{p.date}</small></td>'
                      for p in (m.first, m.last))
            + f'<td class="num"><span class="{tone}">{pct_text(m.change_pct)}</span></td>'
            + "".join(f'<td class="num">{value_text(p.value)}<br><small>{p.date}</small></td>'
                      for p in (m.high, m.low))
            + f"<td>{_source(m)}</td></tr>")  # fmt: skip
    out.append("</table>")
    used = sorted({m.coverage for m in moves}, key=list(COVERAGE).index)
    out.append('<p class="caption">' + "<br>".join(
        f"{MARKS[c] or 'Unmarked'}: {esc(COVERAGE[c])}." for c in used) + "</p>")
    return out


def _ref_anchor(doc: BriefDoc) -> str:
    return f'<a name="ref-{doc.ref}"></a><span class="ref">[{doc.ref}]</span>'


def _meta(doc: BriefDoc) -> str:
    bits = [esc(b) for b in (doc.source, doc.author) if b]
    bits.append(doc.date.isoformat() if doc.date else "undated")
    href = safe_href(doc.url)
    if href:
        bits.append(f'<a href="{esc(href)}">{esc(doc.url)}</a>')
    elif doc.url:
        bits.append(esc(doc.url))
    else:
        bits.append(f"file {esc(where_text(doc))}")
    return f'<span class="meta">{" · ".join(bits)}</span>'


def _document(doc: BriefDoc) -> list[str]:
    star = " ★" if doc.starred else ""
    out = [f"<h3>{_ref_anchor(doc)} {esc(doc.title)}{star}</h3>", f'<p class="meta">{_meta(doc)}']
    if doc.topics:
        out.append("<br>Topics: " + esc(", ".join(doc.topics)))
    if doc.tags:
        out.append("<br>Tags: " + esc(", ".join(doc.tags)))
    out.append("</p>")
    cite = f'<span class="cite">[{doc.ref}]</span>'
    if doc.notes:
        out.append("<h4>Notes</h4><ul>")
        out += [f'<li><span class="note">{_lines(n.text)}</span> {cite} '
                f'<small class="meta">{n.at:%Y-%m-%d}</small></li>' for n in doc.notes]
        out.append("</ul>")
    if doc.quotes:
        out.append("<h4>Quotes</h4>")
        for q in doc.quotes:
            page = f", p. {q.page}" if q.page else ""
            out.append(f"<blockquote>“{_lines(q.text)}” {cite}{page}</blockquote>")
    return out


def _lines(text: str) -> str:
    return "<br>".join(esc(line) for line in text.strip().splitlines())
