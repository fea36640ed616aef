"""A brief as Markdown, with its charts as SVG files in a folder beside it.

Markdown passes raw HTML through and turns ``![](…)`` into images, so document
text is escaped twice over: ``< > &`` become entities (no tag survives) and every
character Markdown gives a meaning inside a line is backslash-escaped (no link,
image, emphasis, table cell or heading can be smuggled in). Lines that would start
a list, quote or rule are escaped too.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from ..slug import slug
from .brief import Brief, BriefDoc, KeyMove
from .brief_html import (
    COVERAGE,
    MARKS,
    cites,
    count_text,
    pct_text,
    period_text,
    safe_href,
    value_text,
    where_text,
)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Parentheses and "!" are left alone: without an unescaped "[" they build no link or image.
_PUNCT = re.compile(r"([\\`*_\[\]#|~])")
_LINE_START = re.compile(r"^(\s*)([-+=:])")
_NUMBERED = re.compile(r"^(\s*\d+)([.)])")  # "1." would start a list: "1\." does not


def md(text: object) -> str:
    """One line of untrusted text, inert in Markdown (newlines become spaces)."""
    return _escape(" ".join(str(text).split()))


def _escape(line: str) -> str:
    line = _CONTROL.sub("", line).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    line = _LINE_START.sub(r"\1\\\2", _PUNCT.sub(r"\\\1", line))
    return _NUMBERED.sub(r"\1\\\2", line)


def md_lines(text: str) -> list[str]:
    return [_escape(line.rstrip()) for line in text.strip().splitlines() if line.strip()]


def md_link(label: str, url: str | None) -> str:
    href = safe_href(url)
    if href is None:
        return md(url or "")
    # Characters that would end the destination are percent-encoded.
    dest = quote(href, safe=":/?#@!$&'*+,;=%~-._")
    return f"[{md(label)}]({dest})"


def chart_folder(path: Path) -> Path:
    return path.with_name(path.stem + "_files")


def write_markdown(brief: Brief, path: Path) -> list[Path]:
    folder = chart_folder(path)
    written: list[Path] = []
    names = []
    if brief.charts:
        folder.mkdir(parents=True, exist_ok=True)
    for i, chart in enumerate(brief.charts, 1):
        name = f"{i:02d}-{slug(chart.series_id) or 'series'}.svg"
        (folder / name).write_text(chart.svg, encoding="utf-8")
        written.append(folder / name)
        names.append(f"{quote(folder.name)}/{quote(name)}")
    path.write_text(render_markdown(brief, names), encoding="utf-8")
    return [path, *written]


def render_markdown(brief: Brief, chart_files: list[str]) -> str:
    """The Markdown text; ``chart_files[i]`` is the relative address of chart i."""
    origin = md(brief.origin) + (f": {md(brief.query)}" if brief.query else "")
    out = [f"# {md(brief.title)}", "",
           f"{origin}  ",
           f"Period: {md(period_text(brief))} · {md(count_text(brief))} · "
           f"made {brief.created:%Y-%m-%d %H:%M} with Cellsight", ""]  # fmt: skip
    if brief.charts:
        out += ["## Markets", ""]
    for i, (chart, file) in enumerate(zip(brief.charts, chart_files, strict=True)):
        move = next((m for m in brief.moves if m.series_id == chart.series_id), None)
        marks = "; ".join(f"[{m.label}] {md(m.title)} ({m.date.isoformat()})"
                          for m in chart.markers)  # fmt: skip
        caption = f"*Figure {i + 1}.* {md(chart.label)} ({md(chart.unit)})."
        if move is not None:
            caption += f" Source: {_source(move)}."
        caption += f" News markers: {marks}." if marks else " No dated document on this chart."
        out += [f"![{md(chart.label)} chart]({file})", "", caption, ""]
    if brief.moves:
        out += _moves(brief.moves)
    out += ["## Documents", ""]
    if not brief.selected:
        out += ["No documents matched.", ""]
    for doc in brief.selected:
        out += _document(doc)
    if brief.cited_only:
        out += ["## Price data sources", ""]
        out += [f"- [{d.ref}] {md(d.title)} — {_meta(d)}" for d in brief.cited_only]
        out.append("")
    out += ["---", "", "Numbers in brackets, [1], cite the numbered documents of this brief.", ""]
    return "\n".join(out)


def _source(move: KeyMove) -> str:
    parts = [md(move.provider)] if move.provider else []
    if move.url:
        parts.append(md_link(move.url, move.url))
    if move.refs:
        parts.append(f"points from {cites(move.refs)}")
    if move.imported:
        parts.append("imported from " + ", ".join(md(n) for n in move.imported))
    return ", ".join(parts) or "unknown"


def _moves(moves: tuple[KeyMove, ...]) -> list[str]:
    out = ["## Key moves", "", "| Series | From | To | Change | High | Low | Source |",
           "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]  # fmt: skip
    for m in moves:
        cells = [f"{md(m.label)}{md(MARKS[m.coverage])} ({md(m.unit)})",
                 *(f"{value_text(p.value)} ({p.date})" for p in (m.first, m.last)),
                 pct_text(m.change_pct),
                 *(f"{value_text(p.value)} ({p.date})" for p in (m.high, m.low)),
                 _source(m)]  # fmt: skip
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    for c in sorted({m.coverage for m in moves}, key=list(COVERAGE).index):
        out.append(f"{md(MARKS[c]) or 'Unmarked'}: {md(COVERAGE[c])}.  ")
    return [*out, ""]


def _meta(doc: BriefDoc) -> str:
    bits = [md(b) for b in (doc.source, doc.author) if b]
    bits.append(doc.date.isoformat() if doc.date else "undated")
    bits.append(md_link(doc.url, doc.url) if doc.url else f"file {md(where_text(doc))}")
    return " · ".join(bits)


def _document(doc: BriefDoc) -> list[str]:
    star = " ★" if doc.starred else ""
    out = [f"### [{doc.ref}] {md(doc.title)}{star}", "", _meta(doc) + "  "]
    if doc.topics:
        out.append("Topics: " + md(", ".join(doc.topics)) + "  ")
    if doc.tags:
        out.append("Tags: " + md(", ".join(doc.tags)) + "  ")
    out.append("")
    if doc.notes:
        out += ["**Notes**", ""]
        for n in doc.notes:
            lines = md_lines(n.text) or [""]
            lines[-1] += f" [{doc.ref}] ({n.at:%Y-%m-%d})"
            out.append("- " + "  \n  ".join(lines))
        out.append("")
    if doc.quotes:
        out += ["**Quotes**", ""]
        for q in doc.quotes:
            page = f", p. {q.page}" if q.page else ""
            lines = md_lines(q.text) or [""]
            lines[0] = "“" + lines[0]
            lines[-1] += f"” [{doc.ref}]{page}"
            out += ["> " + line + "  " for line in lines] + [""]
    return out
