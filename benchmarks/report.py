"""The Markdown summary of one results JSON: one column per corpus size."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

Row = tuple[str, Callable[[dict[str, Any]], str]]


def _num(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def _lat(d: dict[str, Any] | None) -> str:
    if not d or not d.get("n"):
        return "–"
    return f"{_num(d['median'], 1)} / {_num(d['p95'], 1)}"


def _get(d: dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def _query_row(cat: str) -> Row:
    return (f"query `{cat}`: top 20 + snippets + all facets (ms, median / p95)",
            lambda s: _lat(_get(s, "queries", "categories", cat)))


def _ratio_row(cat: str) -> Row:
    # "all" differs in mix: Cellsight's also holds field, filter, date and browse queries.
    return (f"ratio Cellsight/Recoll: query `{cat}` median", lambda s: _ratio(
        _get(s, "queries", "categories", cat, "median"),
        _get(s, "recoll", "queries", "in_process", "categories", cat, "median")))


CATEGORIES = ("all", "term", "and2", "phrase", "boolean", "field", "filter", "date", "prefix",
              "chinese", "browse")

ROWS: list[Row] = [
    ("documents indexed", lambda s: _num(_get(s, "build", "docs"))),
    ("source size (MB)", lambda s: _num(_get(s, "build", "source_mb"), 1)),
    ("full build: docs/s", lambda s: _num(_get(s, "build", "docs_per_s"), 1)),
    ("full build: MB/s", lambda s: _num(_get(s, "build", "mb_per_s"), 2)),
    ("full build: seconds (median)", lambda s: _num(_get(s, "build", "seconds", "median"), 1)),
    ("full build: peak RSS (MB), main process / largest of N workers",
     lambda s: f"{_num(_get(s, 'build', 'peak_rss_mb'))} / "
               f"{_num(_get(s, 'build', 'worker_peak_rss_mb'))} (N={_get(s, 'build', 'workers')})"),
    ("index size (MB) / whole library (MB)",
     lambda s: f"{_num(_get(s, 'build', 'index_mb'), 1)} / "
               f"{_num(_get(s, 'build', 'library_mb'), 1)}"),
    ("one changed file until searchable (ms, median / p95)",
     lambda s: _lat(_get(s, "incremental", "changed_file_searchable_ms"))),
    ("re-index of unchanged sources (ms, median / p95)",
     lambda s: _lat(_get(s, "incremental", "reindex_unchanged_ms"))),
    ("open library + first results, in process (ms)",
     lambda s: _lat(_get(s, "open", "open_first_results_ms"))),
    *[_query_row(c) for c in CATEGORIES],
    ("query `all`, each query's first run after opening (ms, median / p95)",
     lambda s: _lat(_get(s, "queries", "cold_categories", "all"))),
    ("query `prefix`, each query's first run after opening (ms, median / p95)",
     lambda s: _lat(_get(s, "queries", "cold_categories", "prefix"))),
    ("more like this (ms, median / p95)", lambda s: _lat(_get(s, "queries", "more_like_ms"))),
    ("misspelt query + suggestion (ms, median / p95)",
     lambda s: _lat(_get(s, "queries", "suggest_ms"))),
    ("harness RSS after the query mix (MB)",
     lambda s: _num(_get(s, "queries", "rss_after_queries_mb"))),
    ("app cold start → ready (ms, median)",
     lambda s: _num(_get(s, "app_cold_start", "ready_ms", "median"))),
    ("app cold start → window painted (ms, median)",
     lambda s: _num(_get(s, "app_cold_start", "painted_ms", "median"))),
    ("keystroke → results shown, incl. 150 ms debounce (ms, median / p95)",
     lambda s: _lat(_get(s, "keystrokes", "key_to_results_ms"))),
    ("debounced query → results shown (ms, median / p95)",
     lambda s: _lat(_get(s, "keystrokes", "search_to_results_shown_ms"))),
    ("keystroke → results painted, incl. 150 ms debounce (ms, median / p95)",
     lambda s: _lat(_get(s, "keystrokes", "key_to_painted_ms"))),
    ("debounced query → results painted (ms, median / p95)",
     lambda s: _lat(_get(s, "keystrokes", "search_to_painted_ms"))),
    ("app peak RSS, library open and searched (MB)",
     lambda s: _num(_get(s, "keystrokes", "peak_rss_mb"))),
]

RECOLL_ROWS: list[Row] = [
    ("Recoll: documents", lambda s: _num(_get(s, "recoll", "docs"))),
    ("Recoll: build docs/s", lambda s: _num(_get(s, "recoll", "docs_per_s"), 1)),
    ("Recoll: build peak RSS (MB)", lambda s: _num(_get(s, "recoll", "peak_rss_mb"))),
    ("Recoll: index size (MB)", lambda s: _num(_get(s, "recoll", "index_mb"), 1)),
    ("Recoll: query all, in process (ms, median / p95)",
     lambda s: _lat(_get(s, "recoll", "queries", "in_process", "categories", "all"))),
    ("Recoll: query all, recollq process (ms, median / p95)",
     lambda s: _lat(_get(s, "recoll", "queries", "recollq_process", "all"))),
    ("ratio Cellsight/Recoll: build time", lambda s: _ratio(
        _get(s, "build", "seconds", "median"), _get(s, "recoll", "seconds", "median"))),
    *[_ratio_row(c) for c in ("all", "term", "and2", "phrase", "boolean", "prefix")],
]


def _format_rows(fmt: str, unit: str) -> list[Row]:
    def pace(who: str) -> Any:
        def row(s: dict[str, Any]) -> str:
            docs, per_s = _get(s, "formats", fmt, "files"), _get(s, "formats", fmt, who,
                                                                 "docs_per_s")
            pages = _get(s, "formats", fmt, "pages")
            if not docs or not per_s:
                return "–"
            if pages:
                return f"{per_s:,.1f} ({per_s * pages / docs:,.0f} pages/s)"
            return f"{per_s:,.1f}"
        return row

    return [
        (f"{unit} only: files", lambda s: _num(_get(s, "formats", fmt, "files"))),
        (f"{unit} only: Cellsight build docs/s", pace("cellsight")),
        (f"{unit} only: Recoll build docs/s, same folder", pace("recoll")),
    ]


FORMAT_ROWS: list[Row] = [*_format_rows("pdf", "PDF"), *_format_rows("email", "e-mail")]


def _ratio(a: Any, b: Any) -> str:
    if not a or not b:
        return "–"
    return f"{a / b:,.1f}×"


def markdown(results: dict[str, Any]) -> str:
    sizes: dict[str, dict[str, Any]] = results.get("sizes", {})
    m = results.get("machine", {})
    lines = [
        f"Run {results.get('date')} · `{results.get('command')}`",
        f"Machine: {m.get('nproc')} CPUs ({m.get('cpu')}), {m.get('ram_gb')} GB RAM, "
        f"Python {m.get('python')}; load average at start {m.get('loadavg_at_start')}",
        "",
        "| metric | " + " | ".join(f"{int(k):,} files" for k in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    rows = ROWS + (RECOLL_ROWS if any("recoll" in s for s in sizes.values()) else [])
    rows += FORMAT_ROWS if any("formats" in s for s in sizes.values()) else []
    for label, fn in rows:
        lines.append(f"| {label} | " + " | ".join(fn(s) for s in sizes.values()) + " |")
    seeds = results.get("seeds_cold_start", {})
    lines += ["", "App on the bundled seeds (ms, median): first run (indexes the seeds) "
              f"ready {_num(_get(seeds, 'first_run', 'ready_ms', 'median'))}, painted "
              f"{_num(_get(seeds, 'first_run', 'painted_ms', 'median'))}; second run ready "
              f"{_num(_get(seeds, 'second_run', 'ready_ms', 'median'))}, painted "
              f"{_num(_get(seeds, 'second_run', 'painted_ms', 'median'))}."]
    stall = results.get("stall")
    if stall:
        lines.append(
            f"UI thread while the window indexes {stall['size']:,} files: longest stall "
            f"{_num(stall.get('max_gap_ms'))} ms, {stall.get('gaps_over_100ms')} stalls over "
            f"100 ms, median tick gap {_num(_get(stall, 'gap_ms', 'median'), 1)} ms; "
            f"{_num(stall.get('seconds'), 1)} s in all; app peak RSS while building "
            f"{_num(stall.get('peak_rss_mb'))} MB.")
    return "\n".join(lines) + "\n"
