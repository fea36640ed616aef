"""Workbench commands: saved searches, alerts, tags, stars and notes (see the README).

Registered by ``cli.build_parser``; the library and the workbench are imported when a
command runs, so ``cellsight search`` pays nothing for them.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from typing import Any

Handler = Callable[[argparse.Namespace, argparse.ArgumentParser], int]


def add_parsers(sub: Any) -> dict[str, Handler]:
    sv = sub.add_parser("saved", help="saved searches and what is new in them")
    svs = sv.add_subparsers(dest="saved_command", required=True)
    add = svs.add_parser("add", help="save a search under a name")
    add.add_argument("name")
    add.add_argument("query", nargs="*")
    add.add_argument("--filter", action="append", default=[], metavar="FIELD=VALUE")
    add.add_argument("--exclude", action="append", default=[], metavar="FIELD=VALUE")
    add.add_argument("--sort", choices=["relevance", "date"], default="relevance")
    ls = svs.add_parser("list", help="saved searches with their totals and new documents")
    ls.add_argument("--json", action="store_true")
    show = svs.add_parser("show", help="run a saved search (marks it seen)")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    show.add_argument("--limit", type=int, default=10)
    show.add_argument("--keep-new", action="store_true", help="do not mark it seen")
    for verb, text in (("seen", "mark a saved search seen"), ("remove", "delete a saved search")):
        svs.add_parser(verb, help=text).add_argument("name")

    al = sub.add_parser("alert", help="price alerts, optionally tied to a saved search")
    als = al.add_subparsers(dest="alert_command", required=True)
    aa = als.add_parser("add", help="add or replace an alert rule")
    aa.add_argument("name")
    aa.add_argument("--series", required=True, help="series id (see `cellsight prices`)")
    rule = aa.add_mutually_exclusive_group(required=True)
    rule.add_argument("--above", type=float, metavar="X")
    rule.add_argument("--below", type=float, metavar="X")
    rule.add_argument("--change", type=float, metavar="PCT",
                      help="a move of at least PCT %% (negative: a fall)")
    rule.add_argument("--stale", type=int, metavar="DAYS", help="no new point for DAYS")
    aa.add_argument("--points", type=int, default=1, help="change over the last K points")
    aa.add_argument("--since", type=dt.date.fromisoformat, help="change since this date")
    aa.add_argument("--direction", choices=["any", "up", "down"], default="any")
    aa.add_argument("--saved", help="fire only with new documents in this saved search")
    alist = als.add_parser("list", help="alerts and whether they are triggered")
    alist.add_argument("--json", action="store_true")
    als.add_parser("remove", help="delete an alert").add_argument("name")

    tg = sub.add_parser("tag", help="tag documents")
    tg.add_argument("doc_id")
    tg.add_argument("tags", nargs="+")
    ut = sub.add_parser("untag", help="remove tags from a document")
    ut.add_argument("doc_id")
    ut.add_argument("tags", nargs="+")
    st = sub.add_parser("star", help="star a document (--off to unstar)")
    st.add_argument("doc_id")
    st.add_argument("--off", action="store_true")
    nt = sub.add_parser("note", help="write a note on a document")
    nt.add_argument("doc_id")
    nt.add_argument("text", nargs="+")
    nw = sub.add_parser("whats-new", help="new documents per saved search, moved prices, "
                        "alerts")
    nw.add_argument("--since", type=dt.date.fromisoformat, help="default: last visit")
    nw.add_argument("--json", action="store_true")
    return {"saved": cmd_saved, "alert": cmd_alert, "tag": cmd_tag, "untag": cmd_untag,
            "star": cmd_star, "note": cmd_note, "whats-new": cmd_whats_new}


def _iso(t: dt.date | dt.datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def _team_sync(lib: Any) -> None:
    """On a team library: the team's user data in, this member's changes out. A failure
    (unreachable, a reader) is said; the change stays here and the next sync sends it."""
    sync = getattr(lib, "sync_user_data", None)
    if sync is None:
        return
    import sys

    from .core.team.client import TeamError

    try:
        sync()
    except TeamError as exc:
        print(f"cellsight: user data not synced with the team library: {exc}", file=sys.stderr)


def _by(lib: Any, kind: str, ref: object) -> dict[str, str]:
    """On a team library, who made this record's synced version: {"by", "by_at"}."""
    author = getattr(lib, "user_data_author", None)
    got = author(kind, ref) if author is not None else None
    return {"by": got.user, "by_at": got.at.isoformat()} if got is not None else {}


def _by_text(row: dict[str, Any]) -> str:
    return f"  — by {row['by']} · {row['by_at'][:10]}" if row.get("by") else ""


def cmd_saved(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .cli import EXIT_OK, _emit, _open, _pairs, _result_json
    from .core.model import SearchRequest

    with _open(args) as lib:
        _team_sync(lib)
        wb = lib.workbench
        verb = args.saved_command
        if verb == "add":
            req = SearchRequest(query=" ".join(args.query), filters=_pairs(args.filter, parser),
                                excludes=_pairs(args.exclude, parser), sort=args.sort)
            s = wb.save_search(args.name, req)
            print(f"saved “{s.name}”: {wb.status(s).total} documents")
        elif verb == "list":
            rows = [{"name": st.saved.name, "query": st.saved.query,
                     "filters": [list(f) for f in st.saved.filters],
                     "excludes": [list(f) for f in st.saved.excludes], "sort": st.saved.sort,
                     "total": st.total, "new": st.new, "last_seen": _iso(st.saved.last_seen),
                     **_by(lib, "saved", st.saved.name)}
                    for st in wb.statuses()]  # fmt: skip
            if args.json:
                _emit({"saved": rows})
            for r in rows if not args.json else ():
                new = f", {r['new']} new" if r["new"] else ""
                print(f"{r['name']}: {r['total']} documents{new}  ({r['query'] or '*'})"
                      f"{_by_text(r)}")
        elif verb == "show":
            res, new = wb.open_saved(args.name, limit=args.limit, mark_seen=not args.keep_new)
            out = _result_json(res)
            for h in out["hits"]:
                h["new"] = h["id"] in new
            out["new"] = len(new)
            if args.json:
                _emit(out)
            else:
                print(f"{res.total} documents, {len(new)} new")
                for h in out["hits"]:
                    print(f"{'* ' if h['new'] else '  '}{h['id']}  {h['title']}  "
                          f"({h['date'] or 'undated'})")
        elif verb == "seen":
            wb.mark_seen(args.name)
        else:
            wb.remove_saved(args.name)
        if verb in ("add", "remove"):
            _team_sync(lib)
    return EXIT_OK


def cmd_alert(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .cli import EXIT_OK, EXIT_USAGE, _emit, _open
    from .core.workbench.records import AlertRule

    with _open(args) as lib:
        _team_sync(lib)
        wb = lib.workbench
        if args.alert_command == "add":
            kind = next(k for k in ("above", "below", "change", "stale")
                        if getattr(args, k) is not None)  # fmt: skip
            rule = AlertRule(
                name=args.name, series=args.series, kind=kind,
                level=args.above if kind == "above" else args.below if kind == "below" else None,
                pct=args.change, points=args.points, since=args.since, days=args.stale,
                direction=args.direction, saved=args.saved)
            try:
                rule = wb.add_alert(rule)
            except ValueError as exc:
                print(f"cellsight: {exc}")
                return EXIT_USAGE
            print(f"alert “{rule.name}”: {rule.series} {rule.describe()}")
        elif args.alert_command == "list":
            states = wb.alert_states()
            rows = [{"name": s.rule.name, "series": s.rule.series, "rule": s.rule.describe(),
                     "triggered": s.triggered, "since": _iso(s.since), "at": _iso(s.at),
                     "value": s.value, "change_pct": None if s.change_pct is None
                     else round(s.change_pct, 2), "message": s.message,
                     "documents": list(s.documents), **_by(lib, "alert", s.rule.name)}
                    for s in states]  # fmt: skip
            if args.json:
                _emit({"alerts": rows})
            else:
                for r in rows:
                    flag = "TRIGGERED" if r["triggered"] else "quiet"
                    print(f"{r['name']} [{flag}] {r['series']} {r['rule']}: {r['message']}"
                          f"{_by_text(r)}")
        else:
            wb.remove_alert(args.name)
        if args.alert_command != "list":
            _team_sync(lib)
    return EXIT_OK


def cmd_tag(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .cli import EXIT_OK, _open

    with _open(args) as lib:
        lib.workbench.tag([args.doc_id], *args.tags)
        _team_sync(lib)
        print(", ".join(lib.workbench.annotations(args.doc_id).tags))
    return EXIT_OK


def cmd_untag(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .cli import EXIT_OK, _open

    with _open(args) as lib:
        lib.workbench.untag([args.doc_id], *args.tags)
        _team_sync(lib)
    return EXIT_OK


def cmd_star(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .cli import EXIT_OK, _open

    with _open(args) as lib:
        lib.workbench.star(args.doc_id, not args.off)
        _team_sync(lib)
    return EXIT_OK


def cmd_note(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .cli import EXIT_OK, _open

    with _open(args) as lib:
        note = lib.workbench.note(args.doc_id, " ".join(args.text))
        _team_sync(lib)
        print(f"note {note.id} on {note.doc_id}")
    return EXIT_OK


def cmd_whats_new(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .cli import EXIT_OK, _emit, _open, _result_json

    since = (dt.datetime.combine(args.since, dt.time(), dt.UTC)
             if args.since else None)  # fmt: skip
    with _open(args) as lib:
        _team_sync(lib)
        wn = lib.workbench.whats_new(since)
    data: dict[str, Any] = {
        "since": wn.since.isoformat(),
        "saved": [{"name": st.saved.name, "new": st.new,
                   "hits": _result_json(res)["hits"]} for st, res in wn.saved],
        "moves": [{"series": m.series_id, "label": m.label, "unit": m.unit, "from": m.first,
                   "to": m.last, "change_pct": round(m.change_pct, 2),
                   "since": m.since.isoformat(), "at": m.at.isoformat()} for m in wn.moves],
        "alerts": [{"name": a.rule.name, "message": a.message,
                    "documents": list(a.documents)} for a in wn.alerts],
    }  # fmt: skip
    if args.json:
        _emit(data)
        return EXIT_OK
    print(f"What's new since {wn.since:%Y-%m-%d %H:%M}")
    for s in data["saved"]:
        print(f"\n{s['name']}: {s['new']} new")
        for h in s["hits"]:
            print(f"  {h['id']}  {h['title']} ({h['date'] or 'undated'})")
    if data["moves"]:
        print("\nPrices")
        for m in data["moves"]:
            print(f"  {m['label']}: {m['from']:g} → {m['to']:g} ({m['change_pct']:+.1f} %)")
    for a in data["alerts"]:
        print(f"\nALERT {a['name']}: {a['message']}")
    return EXIT_OK
