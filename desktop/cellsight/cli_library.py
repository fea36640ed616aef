"""The `library` command: export the library to one zip, import it elsewhere, look in one.

``cellsight library export FILE.zip [--with-sources]`` writes the ``--library`` folder;
``cellsight library import FILE.zip [--root OLD=NEW]...`` makes the ``--library`` folder
(absent or empty) from the zip; ``cellsight library info FILE.zip`` shows its manifest.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

Handler = Callable[[argparse.Namespace, argparse.ArgumentParser], int]


def add_parsers(sub: Any) -> dict[str, Handler]:
    lb = sub.add_parser("library", help="export the library to a zip, or import one")
    lbs = lb.add_subparsers(dest="library_command", required=True)
    ex = lbs.add_parser("export", help="write the library (optionally with its source "
                        "files) to one zip")
    ex.add_argument("file", type=Path, metavar="FILE.zip")
    ex.add_argument("--with-sources", action="store_true",
                    help="put the source files in the zip too")
    im = lbs.add_parser("import", help="make the --library folder (new or empty) from a zip")
    im.add_argument("file", type=Path, metavar="FILE.zip")
    im.add_argument("--root", action="append", default=[], metavar="OLD=NEW",
                    help="a source folder of the zip (OLD, as `library info` lists it) is "
                    "now at NEW; repeat for each")
    info = lbs.add_parser("info", help="what a library zip holds")
    info.add_argument("file", type=Path, metavar="FILE.zip")
    info.add_argument("--json", action="store_true")
    return {"library": cmd_library}


def cmd_library(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.library_command == "export":
        return _export(args)
    if args.library_command == "import":
        return _import(args, parser)
    return _info(args)


def _export(args: argparse.Namespace) -> int:
    from .cli import EXIT_OK
    from .core.library import Library
    from .core.paths import default_library_dir
    from .core.workbench.portable import export_library

    with Library(args.library or default_library_dir()) as lib:
        r = export_library(lib, args.file, with_sources=args.with_sources,
                           progress=_throttled())  # fmt: skip
    files = f", {r.source_files} source files" if args.with_sources else ""
    print(f"exported {r.documents} documents, {len(r.roots)} sources{files} to {r.target} "
          f"({r.bytes / 1e6:.1f} MB)")
    for path in r.skipped:
        print(f"  left out (cannot be read): {path}")
    return EXIT_OK


def _import(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .cli import EXIT_FAIL, EXIT_OK
    from .core.paths import default_library_dir
    from .core.workbench.portable import MissingRootsError, import_library

    roots = {}  # not cli._pairs: that lower-cases the key, and a path keeps its spelling
    for v in args.root:
        if "=" not in v:
            parser.error(f"--root expects OLD=NEW, got {v!r}")
        old, new = v.split("=", 1)
        roots[old] = Path(new)
    folder = Path(args.library or default_library_dir())
    if folder.is_dir() and any(folder.iterdir()):
        print(f"cellsight: the library folder {folder} is not empty; a library is imported "
              "into a new or empty folder: choose one with --library FOLDER", file=sys.stderr)
        return EXIT_FAIL
    try:
        r = import_library(args.file, folder, roots=roots, progress=_throttled())
    except MissingRootsError as exc:
        print(f"cellsight: {exc}", file=sys.stderr)
        for old in exc.missing:
            print(f"  --root {_quote(old)}=NEW_FOLDER   where {old} is now", file=sys.stderr)
        print("(or --root OLD=OLD to keep a source where it was, e.g. a drive not "
              "connected now)", file=sys.stderr)
        return EXIT_FAIL
    print(f"imported {r.documents} documents into {r.folder}")
    for old, new in r.rerooted:
        print(f"  {old} → {new}")
    for old in r.missing_roots:
        print(f"  kept, but not on this computer: {old}")
    return EXIT_OK


def _info(args: argparse.Namespace) -> int:
    from .cli import EXIT_OK, _emit
    from .core.workbench.portable import read_manifest

    m = read_manifest(args.file)
    data = {"created": m.created.isoformat(), "app": m.app_version, "documents": m.documents,
            "with_sources": m.with_sources,
            "roots": [{"path": r.path, "bundled": r.bundle is not None} for r in m.sources],
            "bytes": sum(m.members.values())}  # fmt: skip
    if args.json:
        _emit(data)
        return EXIT_OK
    print(f"{m.documents} documents, made {m.created:%Y-%m-%d %H:%M} by Cellsight "
          f"{m.app_version or '?'}; unpacks to {data['bytes'] / 1e6:.1f} MB")
    for r in m.sources:
        print(f"  {r.path}{'  (files in the zip)' if r.bundle else ''}")
    return EXIT_OK


def _quote(path: str) -> str:
    return f'"{path}"' if any(c in path for c in " '\"$") else path


def _throttled() -> Any:
    """The CLI's progress printer, a line per 5 % of the members at most (a library
    zip can hold tens of thousands of files)."""
    from .cli import _progress_printer

    show = _progress_printer()
    last = [-1, ""]

    def sink(p: Any) -> None:
        step = p.done * 20 // p.total if p.total else -1
        if step != last[0] or p.stage != last[1] or p.stage == "done":
            last[0], last[1] = step, p.stage
            show(p)

    return sink
