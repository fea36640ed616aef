"""The command line: the same library the window uses, scriptable, with JSON output.

Exit codes: 0 done (files that failed are listed), 1 nothing could be done,
2 usage error (bad arguments or a malformed query).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__

if TYPE_CHECKING:
    from .core.model import Hit, IndexReport, SearchRequest, SearchResult
    from .core.progress import Progress

# The core (numpy, Whoosh, the model) is imported by the commands that use it: a search
# answered by the resident server (cli_serve) never imports it (issue 17).

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
# Commands a resident search server may answer (cli_serve), and, inside that server,
# what _open returns instead of opening the library again.
SERVED = ("search", "facets")
SERVING: Any = None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cellsight",
        description="Research browser for the battery and EV supply chain. "
        "Without a command, opens the desktop app.",
    )
    p.add_argument("--library", type=_library_arg,
                   help="library folder (default: CELLSIGHT_LIBRARY or the user data folder), "
                   "or a team library: opensearch+http(s)://HOST:PORT/INDEX")
    p.add_argument("--log-level", default="WARNING",
                   choices=["DEBUG", "INFO", "WARNING", "ERROR"], type=str.upper)
    p.add_argument("--version", action="version", version=f"cellsight {__version__}")
    app = p.add_argument_group("desktop app options")
    app.add_argument("--search", metavar="QUERY", help="open the app with this search")
    app.add_argument("--screenshot", type=Path, metavar="PNG",
                     help="save a screenshot of the window once it is ready")
    app.add_argument("--exit-when-ready", action="store_true",
                     help="quit once the window is ready (smoke tests)")
    sub = p.add_subparsers(dest="command")

    ix = sub.add_parser("index", help="add sources and index them incrementally")
    ix.add_argument("paths", nargs="*", type=Path, help="files or folders to add")
    ix.add_argument("--json", action="store_true")

    se = sub.add_parser("search", help="search the library")
    se.add_argument("query", nargs="*", help='query, e.g. licensing company:CATL "LFP cells"')
    se.add_argument("--json", action="store_true")
    se.add_argument("--limit", type=int, default=10)
    se.add_argument("--offset", type=int, default=0)
    se.add_argument("--sort", choices=["relevance", "date"], default="relevance")
    se.add_argument("--filter", action="append", default=[], metavar="FIELD=VALUE")
    se.add_argument("--exclude", action="append", default=[], metavar="FIELD=VALUE")
    se.add_argument("--collapse", action="store_true",
                    help="one result per cluster of near-duplicates")
    se.add_argument("--cluster", metavar="ID", help="only the near-duplicates of cluster ID")
    se.add_argument("--batch", metavar="FILE", type=Path,
                    help="one query (or JSON object) per line, '-' for standard input; "
                    "answers as JSON lines")

    sh = sub.add_parser("show", help="show one document with its entities")
    sh.add_argument("doc_id")
    sh.add_argument("--json", action="store_true")

    ins = sub.add_parser("inspect", help="parse files without touching the library")
    ins.add_argument("files", nargs="+", type=Path)
    ins.add_argument("--json", action="store_true")

    fa = sub.add_parser("facets", help="facet counts for a query (default: everything)")
    fa.add_argument("query", nargs="*")
    fa.add_argument("--json", action="store_true")

    pr = sub.add_parser("prices", help="price series with computed statistics")
    pr.add_argument("--series", help="one series id, e.g. lithium")
    pr.add_argument("--json", action="store_true")

    imp = sub.add_parser("import-prices",
                         help="import price series from a CSV file or an Excel workbook")
    imp.add_argument("csv", type=Path)

    sub.add_parser("problems", help="files that could not be indexed, and why")
    sub.add_parser("verify", help="check the index and stored documents for damage, "
                   "and repair it")
    # The workbench's commands, each module importing its work only when run.
    from . import cli_brief, cli_entity, cli_facts, cli_library, cli_workbench

    for module in (cli_workbench, cli_brief, cli_library, cli_entity, cli_facts):
        COMMANDS.update(module.add_parsers(sub))
    return p


def _library_arg(value: str) -> Path | str:
    """A folder, or a team library's address kept as text (Path would fold its //)."""
    return value if value.lower().startswith("opensearch+") else Path(value)


def _pairs(values: list[str], parser: argparse.ArgumentParser) -> tuple[tuple[str, str], ...]:
    out = []
    for v in values:
        if "=" not in v:
            parser.error(f"expected FIELD=VALUE, got {v!r}")
        field, value = v.split("=", 1)
        out.append((field.strip().lower(), value.strip()))
    return tuple(out)


def _emit(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _progress_printer() -> Any:
    last = [0.0]
    tty = sys.stderr.isatty()

    def show(p: Progress) -> None:
        now = time.monotonic()
        if p.stage == "indexing" and now - last[0] < (0.1 if tty else 2.0):
            return
        last[0] = now
        eta = f", {p.eta_seconds:.0f}s left" if p.eta_seconds else ""
        line = f"{p.stage} {p.done}/{p.total}{eta} {Path(p.current).name if p.current else ''}"
        sys.stderr.write(("\r" + line[:100].ljust(100)) if tty else line + "\n")
        if p.stage == "done" and tty:
            sys.stderr.write("\n")

    return show


def main(argv: Sequence[str] | None = None, *, resident: bool = False) -> int:
    """``resident``: searches may be answered by the library's search server (the
    ``cellsight`` process itself; callers in-process keep their own state)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from .app import run_app

        _logging(args)

        return run_app(library=args.library, search=args.search, screenshot=args.screenshot,
                       exit_when_ready=args.exit_when_ready)
    if (resident and args.command in SERVED and getattr(args, "batch", None) is None
            and not isinstance(args.library, str)):  # a team library: no local server
        from . import cli_serve

        return cli_serve.search(args, parser, run)  # a resident server's answer, or run's
    return run(args, parser)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """One command in this process, its errors as exit codes."""
    from .core.errors import CellsightError, QueryError

    _logging(args)
    try:
        return COMMANDS[args.command](args, parser)
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error for the user.
        sys.stdout = open(os.devnull, "w")  # silences the flush at exit
        return EXIT_OK
    except QueryError as exc:
        print(f"cellsight: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CellsightError as exc:
        print(f"cellsight: {exc}", file=sys.stderr)
        return EXIT_FAIL


def _logging(args: argparse.Namespace) -> None:
    import logging

    logging.basicConfig(level=args.log_level, format="%(levelname)s %(name)s: %(message)s")


def _open(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    if SERVING is not None:
        return SERVING(args)  # the search server's open library (cli_serve)
    from .cli_start import quick_numpy

    quick_numpy()
    if isinstance(args.library, str):  # opensearch+http(s)://…: a team library
        from .core.team import open_team_library

        return open_team_library(args.library)
    from .core.library import Library
    from .core.paths import default_library_dir

    lib = Library(args.library or default_library_dir())
    if lib.index.needs_rebuild:
        print(f"cellsight: {lib.index.rebuild_reason}; rebuilding it from the library's "
              "documents…", file=sys.stderr)
        lib.rebuild_index()
    return lib


def cmd_index(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        parser.error(f"no such file or folder: {', '.join(missing)}")
    with _open(args) as lib:
        if not args.paths:
            lib.ensure_default_sources()
        report = lib.update(list(args.paths), progress=_progress_printer())
    if args.json:
        _emit(_report_json(report))
    else:
        print(f"added {report.added}, updated {report.updated}, removed {report.removed}, "
              f"unchanged {report.unchanged}, failed {len(report.failed)} "
              f"in {report.seconds:.2f}s")
        for f in report.failed:
            print(f"  failed: {f.path}: {f.reason}")
    nothing = report.added + report.updated + report.removed + report.unchanged == 0
    return EXIT_FAIL if nothing and report.failed else EXIT_OK


def _report_json(r: IndexReport) -> dict[str, Any]:
    return {
        "added": r.added, "updated": r.updated, "removed": r.removed, "unchanged": r.unchanged,
        "failed": [{"path": f.path, "reason": f.reason} for f in r.failed],
        "seconds": round(r.seconds, 3),
    }


def _result_json(res: SearchResult, include_hits: bool = True) -> dict[str, Any]:
    from .core.query.highlight import mark

    out: dict[str, Any] = {"query": res.request.query, "total": res.total}
    if include_hits:
        out["hits"] = [
            {
                "id": h.id, "title": h.title, "date": h.date.isoformat() if h.date else None,
                "source": h.source, "author": h.author, "score": round(h.score, 4),
                "snippet": mark(h.snippet, h.snippet_spans), "topics": list(h.topics),
                "companies": list(h.companies), "path": h.path, "type": h.kind,
                **({"member": h.member} if h.member else {}),
                **({"page": h.page} if h.page is not None else {}),
                **({"cluster": {"id": h.cluster[0], "size": h.cluster[1]}}
                   if h.cluster is not None else {}),
            }
            for h in res.hits
        ]
    out["facets"] = {
        k: [{"value": c.value, "count": c.count} for c in v] for k, v in res.facets.items()
    }
    if res.request.with_histogram:
        out["histogram"] = [{"period": p, "count": n} for p, n in res.histogram]
        out["undated"] = res.undated
    out["suggestion"] = res.suggestion
    return out


def cmd_search(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .core.model import SearchRequest

    if args.limit < 0 or args.offset < 0:
        parser.error("--limit and --offset must not be negative")
    req = SearchRequest(
        query=" ".join(args.query), filters=_pairs(args.filter, parser),
        excludes=_pairs(args.exclude, parser), sort=args.sort, limit=args.limit,
        offset=args.offset, with_histogram="auto" if args.json else None,
        collapse=args.collapse,
    )
    if args.batch is not None:
        return _search_batch(args, req)
    with _open(args) as lib:
        res = lib.cluster_search(req, args.cluster) if args.cluster else lib.search(req)
    if args.json:
        _emit(_result_json(res))
        return EXIT_OK
    from .core.query.highlight import mark

    print(f"{res.total} documents ({res.elapsed_ms:.0f} ms)")
    for h in res.hits:
        date = h.date.isoformat() if h.date else "undated"
        similar = f"  [+{h.cluster[1] - 1} similar]" if h.cluster and h.cluster[1] > 1 else ""
        print(f"\n{h.id}  {h.title}{similar}\n  {date} · {h.source or 'unknown source'}"
              f" · {', '.join(h.topics[:3])}\n  {page_label(h)}{mark(h.snippet, h.snippet_spans)}")
    if res.suggestion:
        print(f"\nDid you mean: {res.suggestion}")
    return EXIT_OK


def _search_batch(args: argparse.Namespace, default: SearchRequest) -> int:
    from dataclasses import replace

    from .cli_batch import run_batch

    try:
        source = (sys.stdin if str(args.batch) == "-"
                  else open(args.batch, encoding="utf-8"))  # closed by the with below
    except OSError as exc:
        print(f"cellsight: cannot read {args.batch}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAIL
    # The command line's options are every line's defaults; one histogram per answer.
    default = replace(default, query="", with_histogram="auto")
    with source, _open(args) as lib:
        for answer in run_batch(lib, source, default, _result_json):
            sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
            sys.stdout.flush()
    return EXIT_OK


def page_label(h: Hit) -> str:
    return f"p. {h.page} · " if h.page is not None else ""


def cmd_show(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .core.serialize import document_to_public

    with _open(args) as lib:
        doc = lib.document(args.doc_id)
    if doc is None:
        print(f"cellsight: no document with id {args.doc_id}", file=sys.stderr)
        return EXIT_FAIL
    data = document_to_public(doc)
    if args.json:
        _emit(data)
    else:
        print(f"{data['title']}\n{data['date'] or 'undated'} · {data['source'] or 'unknown source'}"
              f" · {data['author'] or ''}\n")
        print(doc.parsed.text)
        print("\nEntities: " + ", ".join(sorted({f"{e['name']} ({e['type']})"
                                                  for e in data["entities"]})))
    return EXIT_OK


def cmd_inspect(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .core.enrich.enricher import Enricher
    from .core.errors import IngestError
    from .core.ingest.registry import read_path
    from .core.pipeline import doc_id_for
    from .core.serialize import document_to_public

    enricher = Enricher.default()
    docs, errors = [], []
    for path in args.files:
        try:
            for parsed in read_path(path):
                abs_path = str(Path(path).absolute())
                docs.append(document_to_public(
                    enricher.enrich(doc_id_for(abs_path, parsed.part), parsed)))
        except IngestError as exc:
            errors.append({"path": exc.path, "reason": exc.reason})
    if args.json:
        _emit({"documents": docs, "errors": errors})
    else:
        for d in docs:
            print(f"{d['path']}: [{d['type']}] {d['title']} ({d['date'] or 'undated'}), "
                  f"{len(d['entities'])} entities, {len(d['series'])} series")
        for e in errors:
            print(f"{e['path']}: error: {e['reason']}")
    return EXIT_OK if docs or not errors else EXIT_FAIL


def cmd_facets(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .core.model import SearchRequest

    with _open(args) as lib:
        res = lib.search(SearchRequest(query=" ".join(args.query), limit=0))
    data = _result_json(res, include_hits=False)
    if args.json:
        _emit(data)
    else:
        for field, counts in data["facets"].items():
            shown = ", ".join(f"{c['value']} ({c['count']})" for c in counts[:10])
            print(f"{field}: {shown}")
    return EXIT_OK


def cmd_prices(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    with _open(args) as lib:
        book = lib.prices()
    views = book.series if not args.series else [v for v in book.series if v.id == args.series]
    if args.series and not views:
        print(f"cellsight: no price series {args.series!r}; known: "
              f"{', '.join(v.id for v in book.series)}", file=sys.stderr)
        return EXIT_FAIL
    data = {"series": [v.to_json() for v in views]}
    if args.json:
        _emit(data)
    else:
        print(f"{'series':<24} {'latest':>10} {'change':>8} {'YTD':>8} {'YoY':>8}  as of")
        for s in data["series"]:
            flag = "  stale" if s["stale"] else ""
            print(f"{s['id']:<24} {_num(s['latest']):>10} {_pct(s['change_pct']):>8} "
                  f"{_pct(s['ytd_pct']):>8} {_pct(s['yoy_pct']):>8}  "
                  f"{s['points'][-1]['date'] if s['points'] else '—'}{flag}")
    return EXIT_OK


def _num(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f}"


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:+.2f}%"


def cmd_import_prices(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    with _open(args) as lib:
        n = lib.import_prices(args.csv)
    print(f"imported {n} series from {args.csv}")
    return EXIT_OK


def cmd_problems(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    with _open(args) as lib:
        for f in lib.failures():
            print(f"{f.path}: {f.reason}")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    with _open(args) as lib:
        r = lib.verify(progress=_progress_printer())
    checked = f"{r.index_files} index files, {r.documents} documents"
    if r.clean:
        print(f"verified {checked}: no damage")
        return EXIT_OK
    for what in (r.index_damage, r.store_damage and f"the document store: {r.store_damage}"):
        if what:
            print(f"damage: {what}")
    if r.damaged_documents:
        print(f"damage: {len(r.damaged_documents)} stored documents did not match their "
              f"checksums ({', '.join(r.damaged_documents[:5])}); their files were read again")
    print(f"verified {checked}: " + ("repaired" if r.repaired else "could not repair"))
    return EXIT_OK if r.repaired else EXIT_FAIL


COMMANDS = {
    "index": cmd_index, "search": cmd_search, "show": cmd_show, "inspect": cmd_inspect,
    "facets": cmd_facets, "prices": cmd_prices, "import-prices": cmd_import_prices,
    "problems": cmd_problems, "verify": cmd_verify,
}
