"""Price series in a team library: every member's snapshots in one index, attributed.

A member's price book was its cache library's: a member who had not indexed the price
files saw none. Here every series snapshot a machine holds (the documents its
pipeline read, the CSV/XLSX files it imported) is one document of ``<index>-prices``,
so every member charts the same series.

``_id`` is the writer (team/writer.py), the snapshot's origin (document id, or
``import:<file>``) and the series id, so a publish sent twice replaces, never doubles.
A publish lists this writer's (id, hash) pairs, sends what changed and deletes what
this machine no longer holds: only its own, never another member's. ``user`` and
``at`` say who sent each snapshot and when.

Reading fetches every snapshot and merges them as Library.prices does. Whether the
index changed is one cheap request (document count and newest ``at``: a publish either
adds, replaces, so a newer ``at``, or deletes, so a lower count). What was fetched is
kept in the cache folder, so a start without the server still charts the last book.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..atomic_file import atomic_write
from ..model import SeriesSnapshot
from ..serialize import series_from_dict, series_to_dict
from .client import Client, TeamError, TeamMappingError, bulk_item
from .side_index import side_foreign_reason, side_index_body

if TYPE_CHECKING:
    from ..enrich.catalogue import Catalogue
    from ..prices_view import PriceBook

log = logging.getLogger("cellsight.team")
SUFFIX = "-prices"
META_KEY = "cellsight_prices"
VERSION = 1
CACHE_FILE = "team-prices.json"
PAGE = 2000
BULK_DOCS = 500
ITEM_RETRIES = 4
RETRY_ITEM_STATUS = frozenset({429, 503})

Snapshots = list[tuple[str, SeriesSnapshot]]  # (origin, snapshot) as Library.prices merges
Stamp = tuple[int, str | None]  # (documents, newest at)


_KEYWORD = {"type": "keyword"}
PROPERTIES: dict[str, Any] = {
    "id": _KEYWORD,  # _id again: a sort key for paging (sorting on _id is not)
    "series_id": _KEYWORD, "origin": _KEYWORD, "writer": _KEYWORD, "user": _KEYWORD,
    "at": {"type": "date"}, "content_hash": _KEYWORD,
    "snapshot": {"type": "object", "enabled": False},
}


def index_body() -> dict[str, Any]:
    return side_index_body(META_KEY, VERSION, PROPERTIES)


def foreign_reason(mapping: dict[str, Any]) -> str:
    return side_foreign_reason(mapping, META_KEY, VERSION, PROPERTIES, "price series")


def snapshot_id(writer: str, origin: str, series_id: str) -> str:
    # Hashed: an origin is a file name of any length, and _id is limited to 512 bytes.
    tail = hashlib.sha1(f"{origin}\0{series_id}".encode()).hexdigest()[:24]
    return f"{writer}-{tail}"


def content_hash(origin: str, snapshot: dict[str, Any]) -> str:
    raw = json.dumps([origin, snapshot], sort_keys=True, ensure_ascii=False)
    return hashlib.sha1(raw.encode()).hexdigest()


@dataclass(frozen=True)
class PriceSource:
    """Who put one snapshot of a series in the team library, from what, and when."""

    series_id: str
    origin: str
    writer: str
    user: str
    at: str


@dataclass
class PricesReport:
    indexed: int = 0
    deleted: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (snapshot id, reason)


class TeamPrices:
    """One team library's price index, as this writer publishes and reads it."""

    def __init__(self, client: Client, cache_folder: Path, writer: str, user: str) -> None:
        self.client = client
        self.index = client.url.index + SUFFIX
        self.writer, self.user = writer, user
        self._file = Path(cache_folder) / CACHE_FILE
        self._lock = threading.Lock()
        self._checked = False  # the index's mapping looked at (once per session)
        self._fetched: tuple[Stamp, list[dict[str, Any]]] | None = None
        self._book: tuple[Any, PriceBook] | None = None

    def _path(self, suffix: str = "") -> str:
        return "/" + quote(self.index, safe="") + suffix

    # -- the index ----------------------------------------------------------------------
    def ensure_index(self, *, create: bool = True) -> bool:
        """True if the index is there (made now when ``create``); a foreign one raises."""
        if self._checked:
            return True
        status, answer = self.client.request("GET", self._path("/_mapping"))
        if status == 404 and not create:
            return False
        if status == 404:
            status, answer = self.client.request("PUT", self._path(), index_body(),
                                                 ok=(200, 201, 400))
            if status == 400 and (answer or {}).get("error", {}).get(
                    "type") != "resource_already_exists_exception":
                raise self.client.error(status, answer, f"PUT {self._path()}")
            # Made now, or by another member in between: checked like any existing one.
            status, answer = self.client.request("GET", self._path("/_mapping"))
        mapping = next(iter(answer.values()))["mappings"] if isinstance(answer, dict) else {}
        why = foreign_reason(mapping)
        if why:
            raise TeamMappingError(
                f"The index {self.index!r} on {self.client.url.base} cannot hold the team "
                f"library's price series: {why}. Delete it or use another team index name.")
        self._checked = True
        return True

    def check_writable(self) -> None:
        """Raise TeamReadOnlyError for a member who may only read, before anything is
        imported: a bulk deleting an id no snapshot has changes nothing."""
        self.ensure_index()
        probe = [{"delete": {"_index": self.index, "_id": "__cellsight_probe__"}}]
        status, answer = self.client.request("POST", "/_bulk", ndjson=probe)
        if status != 200:
            raise self.client.error(status, answer, "POST /_bulk")

    # -- publishing -----------------------------------------------------------------------
    def publish(self, snapshots: Snapshots) -> PricesReport:
        """Bring this writer's documents in line with ``snapshots``; others' are untouched."""
        self.ensure_index()
        now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        local: dict[str, dict[str, Any]] = {}
        for origin, snap in snapshots:
            body = series_to_dict(snap)
            sid = snapshot_id(self.writer, origin, snap.id)
            local[sid] = {"id": sid, "series_id": snap.id, "origin": origin,
                          "writer": self.writer, "user": self.user, "at": now,
                          "content_hash": content_hash(origin, body), "snapshot": body}
        remote = {d["id"]: d.get("content_hash", "") for d in self._scan(
            {"term": {"writer": self.writer}}, ["id", "content_hash"])}
        send = [d for sid, d in local.items() if remote.get(sid) != d["content_hash"]]
        gone = sorted(set(remote) - set(local))
        report = PricesReport(unchanged=len(local) - len(send))
        actions: list[tuple[str, dict[str, Any] | None]] = [(d["id"], d) for d in send]
        actions += [(sid, None) for sid in gone]
        for at in range(0, len(actions), BULK_DOCS):
            self._bulk(actions[at:at + BULK_DOCS], report)
        if actions:
            self.client.request("POST", self._path("/_refresh"))
        log.info("team prices: %d sent, %d deleted, %d unchanged, %d failed", report.indexed,
                 report.deleted, report.unchanged, len(report.failed))
        return report

    def _bulk(self, actions: list[tuple[str, dict[str, Any] | None]],
              report: PricesReport) -> None:
        """One bulk; items a busy node refused (429/503) are sent again with the
        client's backoff, as the document indexer does."""
        pending = actions
        for attempt in range(ITEM_RETRIES + 1):
            lines: list[Any] = []
            for sid, doc in pending:
                op = "index" if doc is not None else "delete"
                lines.append({op: {"_index": self.index, "_id": sid}})
                if doc is not None:
                    lines.append(doc)
            _status, answer = self.client.request("POST", "/_bulk", ndjson=lines)
            if not isinstance(answer, dict) or "items" not in answer:
                raise TeamError(f"The team library server's bulk answer was not understood: "
                                f"{str(answer)[:200]}")
            retry = []
            for (sid, doc), item in zip(pending, answer["items"], strict=True):
                op, result, status, done = bulk_item(item)
                if done:
                    if op == "delete":
                        report.deleted += 1
                    else:
                        report.indexed += 1
                elif status in RETRY_ITEM_STATUS and attempt < ITEM_RETRIES:
                    retry.append((sid, doc))
                else:
                    err = result.get("error") or {}
                    report.failed.append((sid, f"{err.get('type', status)}: "
                                               f"{err.get('reason', '')}"))
            if not retry:
                return
            pending = retry
            self.client._pause(attempt, "429/503 for some price series")

    def _scan(self, query: dict[str, Any], source: list[str]) -> Iterator[dict[str, Any]]:
        """Every matching document's ``source`` fields, paged by id (no 10,000 cap)."""
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {"size": PAGE, "query": query, "_source": source,
                                    "sort": [{"id": "asc"}], "track_total_hits": False}
            if after is not None:
                body["search_after"] = after
            status, answer = self.client.request(
                "POST", self._path("/_search"), body,
                params={"allow_partial_search_results": "false"})
            if status == 404:
                return
            hits = answer["hits"]["hits"]
            for h in hits:
                yield h["_source"]
            if len(hits) < PAGE:
                return
            after = hits[-1]["sort"]

    # -- reading --------------------------------------------------------------------------
    def stamp(self) -> Stamp:
        status, answer = self.client.request("POST", self._path("/_search"), {
            "size": 0, "track_total_hits": True, "aggs": {"at": {"max": {"field": "at"}}}})
        if status == 404:
            return (0, None)
        newest = answer["aggregations"]["at"]
        return (int(answer["hits"]["total"]["value"]),
                newest.get("value_as_string") if newest.get("value") is not None else None)

    def documents(self) -> list[dict[str, Any]]:
        """Every member's snapshot documents: fetched when the index changed, else the
        ones in memory; without the server, the ones last fetched (the cache file)."""
        with self._lock:
            try:
                if not self.ensure_index(create=False):
                    self._fetched = ((0, None), [])
                    return []
                now = self.stamp()
                if self._fetched is None or self._fetched[0] != now:
                    docs = list(self._scan({"match_all": {}}, [
                        "series_id", "origin", "writer", "user", "at", "snapshot"]))
                    self._fetched = (now, docs)
                    self._keep(now, docs)
            except TeamMappingError:
                raise
            except TeamError as exc:
                if self._fetched is None:
                    self._fetched = self._load()
                log.info("team prices from the last fetch (%s)", exc)
            return self._fetched[1] if self._fetched else []

    def snapshots(self, mine: Snapshots | None = None) -> Snapshots:
        """The team's snapshots as (origin, snapshot); with ``mine``, this writer's
        come from there (current even if a publish has not reached the server)."""
        out: Snapshots = []
        for d in self.documents():
            if mine is not None and d.get("writer") == self.writer:
                continue
            out.append((d["origin"], series_from_dict(d["snapshot"])))
        return out + list(mine or [])

    def book(self, local_key: Any, mine: Callable[[], Snapshots],
             catalogue: Callable[[], Catalogue]) -> PriceBook:
        """The merged book, merged again only when the team's documents or this
        machine's (``local_key``: book_cache.cache_key) changed."""
        from ..prices import merge_snapshots
        from ..prices_view import price_book_of

        self.documents()  # brings ``_fetched`` up to date (or keeps the last one)
        key = (self._fetched[0] if self._fetched else None, local_key)
        memo = self._book
        if memo is None or memo[0] != key:
            memo = self._book = (key, price_book_of(merge_snapshots(self.snapshots(mine())),
                                                    catalogue()))
        return memo[1]

    def sources(self) -> dict[str, tuple[PriceSource, ...]]:
        """Per series, who sent its snapshots (the fetched documents)."""
        out: dict[str, list[PriceSource]] = {}
        for d in self.documents():
            out.setdefault(d["series_id"], []).append(PriceSource(
                d["series_id"], d["origin"], d["writer"], d.get("user", ""), d.get("at", "")))
        return {sid: tuple(sorted(v, key=lambda s: (s.at, s.origin))) for sid, v in out.items()}

    def _keep(self, stamp: Stamp, docs: list[dict[str, Any]]) -> None:
        try:
            with atomic_write(self._file) as fh:
                json.dump({"format": VERSION, "index": self.index, "stamp": list(stamp),
                           "documents": docs}, fh, ensure_ascii=False, separators=(",", ":"))
        except OSError as exc:  # a full disk costs an offline start its prices, no more
            log.warning("could not keep the team's prices: %s", exc)

    def _load(self) -> tuple[Stamp, list[dict[str, Any]]] | None:
        try:
            data = json.loads(self._file.read_text(encoding="utf-8"))
            if data.get("format") != VERSION or data.get("index") != self.index:
                return None
            docs = [d for d in data["documents"] if isinstance(d, dict)
                    and isinstance(d.get("snapshot"), dict) and isinstance(d.get("origin"), str)]
            return ((int(data["stamp"][0]), data["stamp"][1]), docs)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            log.info("team prices file ignored (%s)", exc)
            return None
