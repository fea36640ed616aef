"""The `brief` command: a saved search or a query written up as HTML, Markdown or PDF.

Registered by ``cli.build_parser``. The library, the renderers and (for PDF) Qt are
imported only when the command runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

Handler = Callable[[argparse.Namespace, argparse.ArgumentParser], int]


def add_parsers(sub: Any) -> dict[str, Handler]:
    br = sub.add_parser("brief", help="write a brief (HTML, Markdown or PDF) of a saved "
                        "search or a query", description="Write a brief: the documents "
                        "with your notes and quotes, charts of the linked price series "
                        "with news markers, and the key moves, every statement citing "
                        "its document.")  # fmt: skip
    br.add_argument("query", nargs="*", help="a query (or use --saved)")
    br.add_argument("--saved", metavar="NAME", help="brief a saved search")
    br.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    br.add_argument("--format", choices=["html", "md", "pdf"],
                    help="default: from the file's suffix (.html, .md, .pdf)")
    br.add_argument("--title", help="default: the saved search's name or the query")
    br.add_argument("--limit", type=int, default=50, help="at most N documents (default 50)")
    br.add_argument("--sort", choices=["relevance", "date"], default="relevance")
    br.add_argument("--filter", action="append", default=[], metavar="FIELD=VALUE")
    br.add_argument("--exclude", action="append", default=[], metavar="FIELD=VALUE")
    return {"brief": cmd_brief}


def cmd_brief(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .cli import EXIT_OK, _open, _pairs
    from .core.model import SearchRequest

    query = " ".join(args.query).strip()
    if args.saved and (query or args.filter or args.exclude):
        parser.error("brief: give a saved search (--saved) or a query, not both")
    if not args.saved and not query:
        parser.error("brief: give a query (* for everything) or --saved NAME")
    if args.limit < 1:
        parser.error("brief: --limit must be at least 1")
    from .core.workbench.brief import build_brief, format_for

    fmt = args.format or format_for(args.output)
    if fmt is None:
        parser.error(f"brief: cannot tell the format from {args.output.name!r}; "
                     "use .html, .md or .pdf, or --format")  # fmt: skip
    if not args.output.parent.is_dir():
        parser.error(f"brief: no such folder: {args.output.parent}")
    filters, excludes = _pairs(args.filter, parser), _pairs(args.exclude, parser)

    with _open(args) as lib:
        if args.saved:
            brief = build_brief(lib, saved=args.saved, title=args.title, limit=args.limit)
        else:
            req = SearchRequest(query=query, filters=filters, excludes=excludes,
                                sort=args.sort)  # fmt: skip
            brief = build_brief(lib, request=req, title=args.title, limit=args.limit)
    written = _write(brief, args.output, fmt)
    extra = f" and {len(written) - 1} chart files in {written[1].parent}" if written[1:] else ""
    print(f"wrote {args.output} ({fmt}): {len(brief.selected)} documents, "
          f"{len(brief.charts)} charts{extra}")
    return EXIT_OK


def _write(brief: Any, path: Path, fmt: str) -> list[Path]:
    if fmt == "pdf":
        from .ui.brief_pdf import write_pdf  # Qt is loaded for PDF only

        write_pdf(brief, path)
        return [path]
    from .core.workbench.brief import write_brief

    return write_brief(brief, path, fmt)
