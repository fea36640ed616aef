"""``cellsight search --batch FILE``: many queries, one process, JSON lines out.

A script that ran ``cellsight search`` per query paid the start and the library's
opening every time; a batch pays them once. Each input line is a query, or a JSON
object ``{"query", "filters", "excludes", "sort", "limit", "offset", "collapse"}``
(filters as ``[["company", "CATL"]]``, ``{"company": "CATL"}`` or ``["company=CATL"]``);
blank lines and lines starting with ``#`` are skipped. Each answer is one line: the
``search --json`` shape plus ``"line"``; a query that cannot run gives
``{"line", "query", "error"}`` and the batch goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from .core.errors import QueryError
from .core.model import SearchRequest

FIELDS = {"query", "filters", "excludes", "sort", "limit", "offset", "collapse"}


def parse_line(text: str, default: SearchRequest) -> SearchRequest:
    text = text.strip()
    if not text.startswith("{"):
        return replace(default, query=text)
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as exc:
        raise QueryError(f"not a JSON object: {exc.msg} (column {exc.colno})") from exc
    if not isinstance(spec, dict):
        raise QueryError("a JSON line must be an object")
    unknown = set(spec) - FIELDS
    if unknown:
        raise QueryError(f"unknown keys {sorted(unknown)} (use {sorted(FIELDS)})")
    req = replace(default, query=str(spec.get("query", "")),
                  filters=_pairs(spec.get("filters", ())),
                  excludes=_pairs(spec.get("excludes", ())))  # fmt: skip
    for key, kind in (("sort", str), ("limit", int), ("offset", int), ("collapse", bool)):
        if key in spec:
            value = spec[key]
            bad_int = kind is int and (isinstance(value, bool) or not isinstance(value, int)
                                       or value < 0)  # fmt: skip
            if bad_int or not isinstance(value, kind):
                what = "a non-negative integer" if kind is int else f"a {kind.__name__}"
                raise QueryError(f"“{key}” must be {what}")
            req = replace(req, **{key: value})
    return req


def _pairs(raw: Any) -> tuple[tuple[str, str], ...]:
    if isinstance(raw, dict):
        items: Iterable[Any] = ([k, v] for k, v in raw.items())
    elif isinstance(raw, (list, tuple)):
        items = raw
    else:
        raise QueryError("filters are a list of [field, value] pairs or an object")
    out = []
    for item in items:
        if isinstance(item, str) and "=" in item:
            field, value = item.split("=", 1)
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            field, value = item
        else:
            raise QueryError(f"a filter is [field, value] or \"field=value\", not {item!r}")
        out.append((str(field).strip().lower(), str(value).strip()))
    return tuple(out)


def run_batch(library: Any, lines: Iterable[str], default: SearchRequest,
              to_json: Any) -> Iterator[dict[str, Any]]:  # fmt: skip
    for n, raw in enumerate(lines, 1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        try:
            req = parse_line(text, default)
            out = to_json(library.search(req))
        except QueryError as exc:
            yield {"line": n, "query": text, "error": str(exc)}
            continue
        yield {"line": n, **out}
