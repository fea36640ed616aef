"""Reading order of a PDF page from its text lines, and the page's paragraphs.

The PDF reader hands over one ``Line`` per run of text on one baseline (display
coordinates, y growing downwards, in points). Lines are grouped into blocks (lines
stacked at a body line's pitch, overlapping horizontally) and the blocks are put in
reading order by recursive cuts at column gutters and between horizontal strips, so
two columns are read one after the other however the file draws them, and a heading
across both still comes first. Vertical CJK columns are read right to left. Lines in
the top and bottom margins are kept apart as page "edges", so that those repeated on
many pages (running headers, footers) and page numbers can be dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from .pdf_text import PAGE_NUMBER, TERMINAL, Vocabulary, clean_cjk, join_lines

EDGE_BAND = 0.08  # top and bottom share of the page where running headers and footers sit
LINE_PITCH = 1.7  # a line within this many line heights under the last one continues its block
MAX_CUT_DEPTH = 40  # nested column and strip cuts; deeper regions are read top-down
SHORT_LINE = 0.65  # a line shorter than this share of its block's width ends a paragraph

_BULLET = re.compile(r"^(?:[•●▪■◦○□►▶✓✔➢–—-]\s|\(?\d{1,2}[.)]\s|\(?[a-z][.)]\s)")
_DIGITS = re.compile(r"\d+")

Box = tuple[float, float, float, float]  # x0, top, x1, bottom


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float  # the line's height in points (font ascent to descent)
    vertical: bool = False  # a CJK column written top to bottom


@dataclass(frozen=True, slots=True)
class Para:
    lines: tuple[str, ...]
    size: float
    top: float
    edge: str | None = None  # the key of a margin line, for running-header detection


def page_paragraphs(lines: list[Line], height: float) -> list[Para]:
    """The page's paragraphs in reading order, margin lines first and last."""
    lines = [ln for ln in lines if ln.text.strip()]
    if not lines:
        return []
    vertical = [ln for ln in lines if ln.vertical]
    if sum(len(ln.text) for ln in vertical) * 2 > sum(len(ln.text) for ln in lines):
        return _vertical_paragraphs(lines)  # a short run ("序") is a column too
    lines = [ln for ln in lines if not ln.vertical] + vertical
    head, body, foot = _split_edges(lines, height)
    blocks = _order(_blocks(_merge_same_baseline(body)))
    paras = _run_on([p for block in blocks for p in _block_paragraphs(block)])
    return [_edge(ln) for ln in head] + paras + [_edge(ln) for ln in foot]


def _run_on(paras: list[Para]) -> list[Para]:
    """Join a paragraph cut by a column break: the one before stops mid-sentence and
    this one goes on in lower case ("Donec nonummy" | "pellentesque ante")."""
    out: list[Para] = []
    for p in paras:
        prev = out[-1] if out else None
        if (
            prev is not None
            and p.lines[0][:1].islower()
            and not prev.lines[-1].rstrip().endswith(TERMINAL)
            and abs(prev.size - p.size) <= 0.2 * max(prev.size, p.size)
        ):
            out[-1] = Para(prev.lines + p.lines, prev.size, prev.top)
        else:
            out.append(p)
    return out


def running_keys(pages: list[list[Para]]) -> set[str]:
    """Keys of margin lines on many pages (headers, footers), and page numbers."""
    counts: Counter[str] = Counter()
    for paras in pages:
        counts.update({p.edge for p in paras if p.edge is not None})
    # Three pages, or two of a short file: a book's running head changes by chapter.
    need = 2 if sum(1 for paras in pages if paras) <= 4 else 3
    return {key for key, n in counts.items() if n >= need}


def is_dropped(para: Para, running: set[str]) -> bool:
    """A margin line repeated on other pages, or a page number."""
    if para.edge is None:
        return False
    return para.edge in running or bool(PAGE_NUMBER.match(clean_cjk(para.lines[0]).strip()))


def page_text(
    paras: list[Para], running: set[str], vocab: Vocabulary, *, numbers: bool = True
) -> list[str]:
    """Paragraph strings of one page, running headers (and page numbers) dropped."""
    out = []
    for p in paras:
        if is_dropped(p, running) if numbers else (p.edge is not None and p.edge in running):
            continue
        text = join_lines(p.lines, vocab)
        if text:
            out.append(text)
    return out


def _edge(line: Line) -> Para:
    key = _DIGITS.sub("#", " ".join(clean_cjk(line.text).lower().split()))
    return Para((line.text,), line.size, line.top, edge=key)


def _split_edges(lines: list[Line], height: float) -> tuple[list[Line], list[Line], list[Line]]:
    """Margin lines (in the top or bottom band, or the first or last line standing a
    line's height apart from the rest: a page number under the text) and the body."""
    head, body, foot = [], [], []
    for ln in lines:
        if ln.bottom <= EDGE_BAND * height:
            head.append(ln)
        elif ln.top >= (1 - EDGE_BAND) * height:
            foot.append(ln)
        else:
            body.append(ln)
    if len(body) > 1:
        by_top = sorted(body, key=lambda ln: ln.top)
        first, last = by_top[0], max(body, key=lambda ln: ln.bottom)
        if len(first.text) <= 100 and min(ln.top for ln in by_top[1:]) - first.bottom >= first.size:
            head.append(first)
            body.remove(first)
        rest = [ln for ln in body if ln is not last]
        if rest and len(last.text) <= 100 and last.top - max(ln.bottom for ln in rest) >= last.size:
            foot.append(last)
            body.remove(last)
    # A band line close above or below body text belongs to it (a page set tight).
    inner_top = min((ln.top for ln in body), default=height)
    inner_bottom = max((ln.bottom for ln in body), default=0.0)
    keep_head = [ln for ln in head if inner_top - ln.bottom >= 0.5 * ln.size]
    keep_foot = [ln for ln in foot if ln.top - inner_bottom >= 0.5 * ln.size]
    body += [ln for ln in head + foot if ln not in keep_head and ln not in keep_foot]
    return _sorted(keep_head), body, _sorted(keep_foot)


def _sorted(lines: object) -> list[Line]:
    return sorted(lines, key=lambda ln: (round(ln.top), ln.x0))  # type: ignore[attr-defined]


def _merge_same_baseline(lines: list[Line]) -> list[Line]:
    """Join a line with the next one in the stream when that continues it on the
    same baseline, close by: files often break one visual line into several runs."""
    out: list[Line] = []
    for ln in lines:
        prev = out[-1] if out else None
        if (
            prev is not None
            and _v_overlap(prev, ln) > 0.6 * min(prev.size, ln.size)
            and -0.5 * ln.size <= ln.x0 - prev.x1 <= 1.5 * max(prev.size, ln.size)
        ):
            gap = "" if ln.x0 - prev.x1 < 0.15 * ln.size or prev.text.endswith(" ") else " "
            out[-1] = Line(prev.text + gap + ln.text, prev.x0, min(prev.top, ln.top),
                           max(prev.x1, ln.x1), max(prev.bottom, ln.bottom),
                           max(prev.size, ln.size))  # fmt: skip
        else:
            out.append(ln)
    return out


def _blocks(lines: list[Line]) -> list[list[Line]]:
    blocks: list[list[Line]] = []
    for ln in lines:
        for block in reversed(blocks[-8:]):
            if _continues(block[-1], ln):
                block.append(ln)
                break
        else:
            blocks.append([ln])
    return blocks


def _continues(prev: Line, ln: Line) -> bool:
    size = prev.size if prev.size > ln.size else ln.size
    if not 0.75 <= ln.size / prev.size <= 1.33:
        return False
    pitch = ln.top - prev.top
    if not 0.4 * size < pitch <= LINE_PITCH * size:
        return False
    right = prev.x1 if prev.x1 < ln.x1 else ln.x1
    left = prev.x0 if prev.x0 > ln.x0 else ln.x0
    return right - left > 0.5 * ln.size


def _order(blocks: list[list[Line]]) -> list[list[Line]]:
    """Blocks in reading order, by recursive cuts: at a gutter that runs through the
    whole region (columns, left to right), else at the gaps between horizontal strips
    (top to bottom). Neighbouring strips that together still have a gutter are one
    region first, so two columns whose paragraph breaks happen to line up are still
    read one column after the other, while a heading across both stays on top."""
    if len(blocks) < 2:
        return blocks
    boxes = [_bbox(b) for b in blocks]
    sizes = sorted(ln.size for b in blocks for ln in b)
    gutter = max(4.0, 0.6 * sizes[len(sizes) // 2])
    return [blocks[i] for i in _cut(list(range(len(blocks))), boxes, gutter, 0)]


def _cut(items: list[int], boxes: list[Box], gutter: float, depth: int) -> list[int]:
    if len(items) < 2 or depth > MAX_CUT_DEPTH:
        return sorted(items, key=lambda i: (boxes[i][1], boxes[i][0]))
    columns = _columns(items, boxes, gutter)
    if len(columns) > 1:
        return [i for col in columns for i in _cut(col, boxes, gutter, depth + 1)]
    strips = _strips(items, boxes)
    if len(strips) == 1:  # overlapping blocks: neither cut exists
        return sorted(items, key=lambda i: (boxes[i][1], boxes[i][0]))
    regions = [strips[0]]
    for strip in strips[1:]:
        if len(_columns(regions[-1] + strip, boxes, gutter)) > 1:
            regions[-1] = regions[-1] + strip
        else:
            regions.append(strip)
    return [i for region in regions for i in _cut(region, boxes, gutter, depth + 1)]


def _columns(items: list[int], boxes: list[Box], gutter: float) -> list[list[int]]:
    groups: list[list[int]] = []
    right = 0.0
    for i in sorted(items, key=lambda i: boxes[i][0]):
        if not groups or boxes[i][0] - right >= gutter:
            groups.append([i])
        else:
            groups[-1].append(i)
        right = max(right, boxes[i][2]) if len(groups[-1]) > 1 else boxes[i][2]
    return groups


def _strips(items: list[int], boxes: list[Box]) -> list[list[int]]:
    groups: list[list[int]] = []
    bottom = 0.0
    for i in sorted(items, key=lambda i: boxes[i][1]):
        if not groups or boxes[i][1] >= bottom - 1.0:
            groups.append([i])
        else:
            groups[-1].append(i)
        bottom = max(bottom, boxes[i][3]) if len(groups[-1]) > 1 else boxes[i][3]
    return groups


def _block_paragraphs(block: list[Line]) -> list[Para]:
    block = sorted(block, key=lambda ln: ln.top)
    left = min(ln.x0 for ln in block)
    right = max(ln.x1 for ln in block)
    width = max(right - left, 1.0)
    paras: list[list[Line]] = [[block[0]]]
    for prev, ln in pairwise(block):
        size = max(prev.size, ln.size)
        brk = (
            _BULLET.match(ln.text.lstrip())
            or ln.text.startswith("\u3000")
            or (
                ln.x0 > left + 0.8 * size
                and prev.x0 <= left + 0.4 * size
                and abs((ln.x0 - left) - (right - ln.x1)) > 1.5 * size  # not centred
            )
            or prev.x1 - left < SHORT_LINE * width
            or (prev.x1 < right - 2 * size and prev.text.rstrip().endswith(TERMINAL))
            or abs(ln.size - prev.size) > 0.2 * size
        )
        if brk:
            paras.append([ln])
        else:
            paras[-1].append(ln)
    return [
        Para(tuple(ln.text for ln in p), sorted(ln.size for ln in p)[len(p) // 2], p[0].top)
        for p in paras
    ]


def _vertical_paragraphs(lines: list[Line]) -> list[Para]:
    """Vertical columns: bands of columns top to bottom (a page may set its text in
    two tiers), in each band right to left; columns further apart than a column and
    a half start a new paragraph."""
    bands: list[list[Line]] = []
    bottom = 0.0
    for ln in sorted(lines, key=lambda ln: ln.top):
        if not bands or ln.top >= bottom - 0.5 * ln.size:
            bands.append([ln])
        else:
            bands[-1].append(ln)
        bottom = max(bottom, ln.bottom) if len(bands[-1]) > 1 else ln.bottom
    paras: list[list[Line]] = []
    for band in bands:
        prev = None
        for ln in sorted(band, key=lambda ln: (-ln.x1, ln.top)):
            if prev is not None and prev.x0 - ln.x1 <= 1.5 * ln.size:
                paras[-1].append(ln)
            else:
                paras.append([ln])
            prev = ln
    return [Para(tuple(ln.text for ln in p), p[0].size, min(ln.top for ln in p)) for p in paras]


def _bbox(block: list[Line]) -> Box:
    return (min(ln.x0 for ln in block), min(ln.top for ln in block),
            max(ln.x1 for ln in block), max(ln.bottom for ln in block))  # fmt: skip


def _v_overlap(a: Line, b: Line) -> float:
    return min(a.bottom, b.bottom) - max(a.top, b.top)
