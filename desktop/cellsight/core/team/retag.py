"""Catalogue edits re-tag the shared documents of a team library (issue 18).

A member's catalogue edit (an entity added, an alias, an entity hidden) re-enriches the
documents of their own cache (Library.apply_catalogue_changes); the documents other
members indexed are only on the server. ``retag`` finds those an edit can change, rebuilds
each Document from its ``stored`` copy, enriches it again with the member's current
catalogue (the pipeline's own Enricher) and sends back only those whose enrichment
changed, keeping what says where the document came from (``seq``, ``content_hash``,
``origin``, ``indexed_by`` …: the writer's next sync must see its document as unchanged)
and adding ``retagged_by``/``retagged_at``.

Which documents: for a new entity or alias, those where a search for the quoted surface
finds it (the team searcher's own query building, so stemming, CJK bigrams and other
languages' stems agree with what a search finds); for a hidden entity, those whose facet
field holds it. A surface with no searchable word (one letter, stop words only) could be
anywhere: every document is examined. Paged by id with ``search_after`` (no 10,000 cap).

Idempotent: a rerun re-enriches the same candidates and sends only those still
different, so a run killed after any bulk (fault point ``team-bulk``) is finished by the
next. Each index action is conditional on the version read (``if_seq_no``): a document
another member re-sent meanwhile is not overwritten, and the edit stays pending.
``retag_pending`` keeps the edits already applied in a file of the cache folder, so each
apply sends what changed since the last one (an undone edit re-tags too).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import faults
from ..atomic_file import atomic_write
from ..errors import QueryError
from ..index.schema import ENTITY_FACETS, KEYWORD_FIELDS
from ..progress import CancelToken, Progress, ProgressSink, null_sink
from ..serialize import enrichment_to_json
from . import indexer as team_indexer
from .client import Client
from .writer import member_name

if TYPE_CHECKING:
    from ..enrich.catalogue import Catalogue, UserChanges
    from ..enrich.enricher import Enricher
    from ..query.team_searcher import TeamSearcher

log = logging.getLogger("cellsight.team")
APPLIED_FILE = "retag-applied.json"
PAGE = 200  # documents per search page: each carries its whole stored text
SURFACES_PER_QUERY = 50  # each a few span clauses: well under the bool clause limit
# Fields to_source takes from its arguments, not from the document: kept as they are.
PROVENANCE = frozenset({"seq", "content_hash", "origin", "indexed_by", "indexed_at",
                        "retagged_by", "retagged_at"})
# Document fields to_source leaves out when empty: an emptied facet must go, not stay.
OPTIONAL = frozenset({*KEYWORD_FIELDS, "figures", "date"})
_FACET_OF = {etype: name for name, etype in ENTITY_FACETS.items()}
_QUERY_SYNTAX = str.maketrans({c: " " for c in '":()[]{}*~^'})


@dataclass(frozen=True)
class Edit:
    """One catalogue change, as what finds the documents it may change."""

    kind: str  # "added", "alias", "hidden"; "un…" when undone
    entity_id: str
    surfaces: tuple[str, ...] = ()  # phrases whose documents may change
    facet: tuple[str, str] | None = None  # (field, value): documents tagged with it
    detail: str = ""  # what else identifies the change (an added entity's definition)

    @property
    def key(self) -> str:
        raw = json.dumps([self.kind, self.entity_id, self.detail or list(self.surfaces)],
                         ensure_ascii=False)
        return hashlib.sha1(raw.encode("utf-8")).hexdigest()

    def undone(self) -> Edit:
        """The edit taken back: the documents with its surfaces change again."""
        return replace(self, kind=f"un{self.kind}", facet=None)


@dataclass
class RetagReport:
    edits: int = 0
    examined: int = 0  # candidate documents read and enriched again
    retagged: int = 0  # sent with their new enrichment
    unchanged: int = 0  # candidates whose enrichment did not change: not sent
    conflicts: int = 0  # changed on the server meanwhile: left for the next run
    bulks: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False
    no_index: bool = False
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return not (self.failed or self.conflicts or self.cancelled or self.no_index)


def _clean(value: str) -> str:
    return value.replace(",", " ").strip()  # as index.schema stores a facet value


def current_edits(user: UserChanges, catalogue: Catalogue) -> dict[str, Edit]:
    """The member's catalogue changes, by key."""
    edits: list[Edit] = []
    for e in user.added:
        detail = json.dumps([e.type, e.name, list(e.aliases), list(e.exact)], ensure_ascii=False)
        edits.append(Edit("added", e.id, e.forms, detail=detail))
    for entity_id, alias in user.aliases:
        if alias.strip():
            edits.append(Edit("alias", entity_id, (alias.strip(),)))
    for entity_id in sorted(user.hidden):
        ent = catalogue.get(entity_id)
        if ent is None:
            continue
        facet = (_FACET_OF[ent.type], _clean(ent.name)) if ent.type in _FACET_OF else None
        edits.append(Edit("hidden", entity_id, ent.forms, facet, detail="hidden"))
    return {e.key: e for e in edits}


def pending(current: dict[str, Edit], applied: dict[str, Edit]) -> list[Edit]:
    """What changed since ``applied``: new edits, and applied ones since taken back."""
    return ([e for k, e in current.items() if k not in applied]
            + [e.undone() for k, e in applied.items() if k not in current])


def load_applied(folder: Path) -> dict[str, Edit]:
    try:
        raw = json.loads((Path(folder) / APPLIED_FILE).read_text(encoding="utf-8"))
        out = {}
        for key, d in raw.get("applied", {}).items():
            facet = tuple(d["facet"]) if d.get("facet") else None
            out[key] = Edit(d["kind"], d["entity_id"], tuple(d.get("surfaces") or ()),
                            facet, d.get("detail", ""))  # type: ignore[arg-type]
        return out
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}  # none or unreadable: every edit is applied again (idempotent)


def save_applied(folder: Path, applied: dict[str, Edit]) -> None:
    with atomic_write(Path(folder) / APPLIED_FILE) as fh:
        json.dump({"version": 1, "applied": {k: asdict(e) for k, e in applied.items()}},
                  fh, ensure_ascii=False, indent=1)


def retag_pending(client: Client, enricher: Enricher, user: UserChanges, folder: Path, *,
                  member: str | None = None, progress: ProgressSink = null_sink,
                  cancel: CancelToken | None = None) -> RetagReport:
    """Re-tag for the edits since the last complete run, then remember them applied."""
    current = current_edits(user, enricher.catalogue)
    applied = load_applied(folder)
    todo = pending(current, applied)
    if not todo:
        return RetagReport()
    report = retag(client, enricher, todo, member=member, progress=progress, cancel=cancel)
    if report.complete:
        save_applied(folder, current)
    return report


def retag(client: Client, enricher: Enricher, changed: Sequence[Edit], *,
          member: str | None = None, progress: ProgressSink = null_sink,
          cancel: CancelToken | None = None) -> RetagReport:
    """Re-enrich the team documents ``changed`` may affect; send those that changed."""
    from ..query.team_searcher import TeamSearcher

    t0 = time.perf_counter()
    report = RetagReport(edits=len(changed))
    if client.request("GET", client.index_path("/_count"))[0] == 404:
        report.no_index = True  # nobody indexed yet: nothing to re-tag, the edits wait
        return report
    searcher = TeamSearcher(client)
    who = member or member_name(client.url)
    seen: set[str] = set()  # a document several chunks find is examined once
    for query in _queries(searcher, changed):
        _run(client, enricher, query, who, seen, report, progress, cancel)
        if report.cancelled or report.no_index:
            break
    if report.bulks:
        client.request("POST", client.index_path("/_refresh"))
    report.seconds = time.perf_counter() - t0
    log.info("team retag: %d edits, %d examined, %d retagged, %d unchanged, %d conflicts, "
             "%d failed in %.1f s", report.edits, report.examined, report.retagged,
             report.unchanged, report.conflicts, len(report.failed), report.seconds)
    return report


def _queries(searcher: TeamSearcher, changed: Sequence[Edit]) -> Iterator[dict[str, Any]]:
    clauses: list[dict[str, Any]] = []
    for edit in changed:
        if edit.facet is not None:
            clauses.append({"term": {edit.facet[0]: edit.facet[1]}})
            continue
        for surface in edit.surfaces:
            clause = surface_clause(searcher, surface)
            if clause is None:
                yield {"match_all": {}}  # a surface no search can find: look everywhere
                return
            clauses.append(clause)
    for i in range(0, len(clauses), SURFACES_PER_QUERY):
        yield {"bool": {"should": clauses[i:i + SURFACES_PER_QUERY], "minimum_should_match": 1}}


def surface_clause(searcher: TeamSearcher, surface: str) -> dict[str, Any] | None:
    """What a team search for ``"surface"`` matches, or None if it has no word to find."""
    from ..query.languages import widen
    from ..query.team_dsl import translate

    text = '"' + " ".join(surface.translate(_QUERY_SYNTAX).split()) + '"'
    if text == '""':
        return None
    try:
        q = searcher.builder.parse(text, lambda _field, _value: None)
    except QueryError:
        return None
    q = widen(q, text, searcher._languages(), searcher.builder.stops)
    return translate(q)


def _pages(client: Client, query: dict[str, Any]) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """(total, hits) per page, by id; raises LookupError if there is no index."""
    after: list[Any] | None = None
    first = True
    while True:
        body: dict[str, Any] = {"query": {"bool": {"filter": [query]}}, "size": PAGE,
                                "sort": [{"id": "asc"}], "seq_no_primary_term": True,
                                "track_total_hits": first}
        if after is not None:
            body["search_after"] = after
        status, answer = client.request("POST", client.index_path("/_search"), body,
                                        params={"allow_partial_search_results": "false"})
        if status == 404:
            raise LookupError(client.url.index)
        hits = answer["hits"]["hits"]
        total = int(answer["hits"]["total"]["value"]) if first else -1
        yield total, hits
        if len(hits) < PAGE:
            return
        after, first = hits[-1]["sort"], False


def _run(client: Client, enricher: Enricher, query: dict[str, Any], member: str,
         seen: set[str], report: RetagReport, progress: ProgressSink,
         cancel: CancelToken | None) -> None:
    total = 0
    done = 0
    try:
        for n, hits in _pages(client, query):
            total = n if n >= 0 else total
            if cancel is not None and cancel.is_set():
                report.cancelled = True
                return
            at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            sends = list(_retagged(enricher, hits, member, at, seen, report))
            done += len(hits)
            if sends:
                _send(client, sends, report)
            progress(Progress(done, max(total, done), stage="retag"))
    except LookupError:
        report.no_index = True  # deleted meanwhile


Source = dict[str, Any]


def _retagged(enricher: Enricher, hits: Iterable[Source], member: str, at: str,
              seen: set[str], report: RetagReport) -> Iterator[tuple[Source, Source]]:
    """(hit, new source) for each hit whose enrichment changes."""
    from ..query.team_searcher import _document

    for hit in hits:
        if hit["_id"] in seen:
            continue
        seen.add(hit["_id"])
        src = hit["_source"]
        report.examined += 1
        old = _document(hit["_id"], src["stored"])
        new = enricher.enrich(old.id, old.parsed)  # the pipeline's own enrichment
        if json.loads(enrichment_to_json(new)) == json.loads(src["stored"]["enrichment"]):
            report.unchanged += 1
            continue
        yield hit, new_source(src, team_indexer.to_source(new, src.get("seq", 0),
                                                          src.get("content_hash", "")),
                              member, at)


def new_source(old: dict[str, Any], fresh: dict[str, Any], member: str, at: str
               ) -> dict[str, Any]:
    """``fresh``'s document fields over ``old``'s provenance (and any field to_source
    does not make), plus who re-tagged it and when."""
    derived = (set(fresh) | OPTIONAL) - PROVENANCE
    out = {k: v for k, v in old.items() if k not in derived}
    out.update((k, v) for k, v in fresh.items() if k in derived)
    out["retagged_by"], out["retagged_at"] = member, at
    return out


def _send(client: Client, sends: list[tuple[dict[str, Any], dict[str, Any]]],
          report: RetagReport) -> None:
    if not report.bulks and not report.retagged:
        # A version-1 index gains the re-tag fields here (its mapping is strict).
        team_indexer.TeamIndexer(client, in_flight=0).ensure_index()
    bulk = team_indexer.TeamIndexer(client, in_flight=0)
    size = max(1, team_indexer.BATCH_DOCS)
    for i in range(0, len(sends), size):
        lines: list[str] = []
        ids: list[tuple[str, str]] = []
        for hit, source in sends[i:i + size]:
            lines.append(json.dumps({"index": {
                "_index": client.url.index, "_id": hit["_id"],
                "if_seq_no": hit["_seq_no"], "if_primary_term": hit["_primary_term"]}}))
            lines.append(json.dumps(source, ensure_ascii=False))
            ids.append((hit["_id"], "index"))
        part = bulk._bulk(lines, ids)
        report.retagged += part.indexed
        for doc_id, why in part.failed:
            if why.startswith("version_conflict"):
                report.conflicts += 1
            else:
                report.failed.append((doc_id, why))
        report.bulks += 1
        faults.reached("team-bulk")
