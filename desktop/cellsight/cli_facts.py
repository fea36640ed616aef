"""The `facts` command: the figures a search finds, as a table (JSON in the README).

Registered by ``cli.build_parser``; the library is imported when the command runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core.entity_facts import Fact

Handler = Callable[[argparse.Namespace, argparse.ArgumentParser], int]


def add_parsers(sub: Any) -> dict[str, Handler]:
    fa = sub.add_parser("facts", help="the figures stated in the documents a search finds: "
                        "capacities, money, prices, tonnages, shares")
    fa.add_argument("query", nargs="*", help='a query, e.g. CATL "capacity:>20 date:>2023"')
    fa.add_argument("--json", action="store_true")
    fa.add_argument("--unit", metavar="UNIT",
                    help="one unit or family: GWh, MWh, t, %%, USD, CNY, USD/kWh, CNY/t, "
                    "capacity, mass, pct, money_eur …")
    fa.add_argument("--min", type=float, metavar="X", help="at least X (in --unit)")
    fa.add_argument("--max", type=float, metavar="Y", help="at most Y (in --unit)")
    fa.add_argument("--sort", choices=["date", "value"], default="date",
                    help="newest first (default) or largest first")
    fa.add_argument("--limit", type=int, default=50, metavar="N", help="facts at most (50)")
    return {"facts": cmd_facts}


def cmd_facts(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .cli import EXIT_OK, _emit, _open
    from .core.facts import facts

    if args.limit < 0:
        parser.error("--limit must not be negative")
    if args.unit is None and (args.min is not None or args.max is not None
                              or args.sort == "value"):  # fmt: skip
        parser.error("--min, --max and --sort value need --unit (units do not compare)")
    with _open(args) as lib:
        # A malformed query raises QueryError: cli.main prints it and exits 2.
        got = facts(lib, " ".join(args.query), unit=args.unit, min=args.min, max=args.max,
                    limit=args.limit, sort=args.sort)  # fmt: skip
    if args.json:
        _emit({"facts": [fact_json(f) for f in got]})
    else:
        for f in got:
            day = f.date.isoformat() if f.date else "undated"
            print(f"{day:<10}  {_value(f):>16}  {f.quantity:<16} {f.title[:40]}  "
                  f"{f.text[:80]}")  # fmt: skip
    return EXIT_OK


def _value(f: Fact) -> str:
    return f"{f.value:,.6g} {f.unit}" if f.value is not None else ""


def fact_json(f: Fact) -> dict[str, Any]:
    return {"doc": f.doc_id, "path": f.path, "title": f.title,
            "date": f.date.isoformat() if f.date else None, "value": f.value, "unit": f.unit,
            "quantity": f.quantity, "text": f.text, "entities": list(f.entities)}  # fmt: skip
