"""The `entity` command: an entity's page on the command line (JSON in the README).

Registered by ``cli.build_parser``; the library is imported when the command runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core.entity_page import EntityPage

Handler = Callable[[argparse.Namespace, argparse.ArgumentParser], int]
_BARS = " ▁▂▃▄▅▆▇█"


def add_parsers(sub: Any) -> dict[str, Handler]:
    en = sub.add_parser("entity", help="an entity's page: mentions over time, who comes "
                        "with it, its prices, the figures stated with it, latest documents")
    en.add_argument("name", nargs="+", metavar="NAME_OR_ID",
                    help="an entity's id, name or alias, e.g. CATL, 宁德时代, robin-zeng")
    en.add_argument("--json", action="store_true")
    en.add_argument("--latest", type=int, default=10, metavar="N",
                    help="latest documents to list (default 10)")
    en.add_argument("--facts", type=int, default=50, metavar="N",
                    help="facts to list at most (default 50)")
    return {"entity": cmd_entity}


def cmd_entity(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .cli import EXIT_OK, _emit, _open
    from .core.entity_page import entity_page

    if args.latest < 0 or args.facts < 0:
        parser.error("--latest and --facts must not be negative")
    with _open(args) as lib:
        # An unknown name raises UnknownEntityError (a CellsightError): cli.main prints
        # it with the close names and exits 1.
        page = entity_page(lib, " ".join(args.name), latest=args.latest, facts=args.facts)
    if args.json:
        _emit(page_json(page))
    else:
        _print_page(page)
    return EXIT_OK


def _iso(day: Any) -> str | None:
    return day.isoformat() if day is not None else None


def page_json(page: EntityPage) -> dict[str, Any]:
    from .cli import _result_json
    from .core.model import SearchRequest, SearchResult

    t = page.timeline
    return {
        "id": page.id, "name": page.name, "type": page.type, "aliases": list(page.aliases),
        "documents": page.documents, "library_documents": page.library_documents,
        "unit": t.unit,
        "timeline": [{"period": p.period, "count": p.count, "topics": dict(p.topics)}
                     for p in t.periods],
        "undated": {"count": t.undated, "topics": dict(t.undated_topics)},
        "cooccurring": [{"id": r.id, "name": r.name, "type": r.type, "count": r.count,
                         "documents": r.documents, "score": round(r.score, 3)}
                        for r in page.cooccurring],
        "min_support": page.min_support,
        "series": [{**s.view.to_json(),
                    "markers": [{"doc": m.doc_id, "date": _iso(m.date), "title": m.title}
                                for m in s.markers]}
                   for s in page.series],
        "facts": [{"doc": f.doc_id, "path": f.path, "title": f.title, "date": _iso(f.date),
                   "value": f.value, "unit": f.unit, "quantity": f.quantity, "text": f.text,
                   "entities": list(f.entities)} for f in page.facts],
        # The hits exactly as `search --json` writes them.
        "latest": _result_json(SearchResult(SearchRequest(), len(page.latest), page.latest,
                                            {}))["hits"],
        "elapsed_ms": round(page.elapsed_ms, 1),
    }  # fmt: skip


def _print_page(page: EntityPage) -> None:
    print(f"{page.name} ({page.type}, {page.id}): {page.documents} of "
          f"{page.library_documents} documents")
    if page.aliases:
        print("also: " + ", ".join(page.aliases))
    t = page.timeline
    if t.periods:
        shown = t.periods[-24:]
        top = max(p.count for p in shown) or 1
        bars = "".join(_BARS[round(p.count / top * (len(_BARS) - 1))] for p in shown)
        print(f"\nper {t.unit}, {shown[0].period} to {shown[-1].period}: {bars}")
        for p in [p for p in shown if p.count][-6:]:  # the latest that hold documents
            topics = ", ".join(f"{name} {n}" for name, n in p.topics[:3])
            print(f"  {p.period}  {p.count:>5}  {topics}")
    print(f"  undated  {t.undated:>5}")
    if page.cooccurring:
        print(f"\nwith it (lift, at least {page.min_support} documents together):")
        for r in page.cooccurring[:10]:
            print(f"  {r.score:5.2f}  {r.count:>5}  {r.name} ({r.type})")
    if page.series:
        print("\nprice series:")
        for s in page.series:
            st = s.view.stats
            latest = f"{st.latest.value:g} {s.view.series.unit}" if st.latest else "—"
            print(f"  {s.view.id}: {latest}, {len(s.markers)} documents marked")
    if page.facts:
        print("\nfacts:")
        for f in page.facts[:15]:
            print(f"  {_iso(f.date) or 'undated'}  {f.quantity:<14} {f.text[:90]}")
    if page.latest:
        print("\nlatest:")
        for h in page.latest:
            print(f"  {h.id}  {_iso(h.date) or 'undated'}  {h.title}")
