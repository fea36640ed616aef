"""Bring the team index in line with the local store: bulk-index what is new or changed,
delete what is gone. The local pipeline has read and enriched the files (one reader
path); this only copies its documents.

Incremental by content: each team document carries its store row's checksum
(``content_hash``) and its writer (``origin``, team/writer.py). A sync lists the server's
(id, hash, origin), sends the documents whose hash differs or which the server lacks, and
deletes the ids the store no longer holds *that this writer sent*: another member's
documents are never deleted by this machine's sync (two writers indexing different
folders into one library). A document both writers hold (one shared folder) belongs to
whoever sent it last; if that writer drops it, the other's next sync sends it again.
Documents of a version-1 index (no origin) are claimed by the first writer holding them.
``_id`` is the document id, so sending a document twice replaces it: a sync killed
between two bulks leaves every document sent so far, and the next one sends the rest:
no duplicates and no losses. Fault point ``team-bulk`` (core/faults) follows each bulk.

Pipelined: while one bulk is on the server, the next is built (term streams and JSON
are Python's work, indexing the node's; on two cores they overlap). ``BULKS_IN_FLIGHT``
bounds the bulks sent and not yet answered; answers are taken in order, so progress and
the fault point still count finished bulks one by one. A node of a cluster lost during
the copy fails some items (503: a shard's primary gone until its replica is promoted):
those are retried like a busy node's 429s, and what still fails is sent by the next run.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .. import faults
from ..enrich.language import SNOWBALL
from ..index.schema import figure_terms, keyword_values
from ..model import Document
from ..progress import Progress, ProgressSink, null_sink
from ..serialize import enrichment_to_json, parsed_to_dict
from ..store import DocumentStore
from .client import (
    Client,
    TeamDiskFullError,
    TeamError,
    TeamMappingError,
    bulk_item,
    is_flood_stage,
)
from .mapping import UPGRADABLE, foreign_reason, index_body, mapping_version, upgrade_body
from .terms import term_stream

log = logging.getLogger("cellsight.team")
BATCH_BYTES = 4_000_000  # a bulk request's size: well under http.max_content_length
# Documents per bulk; CELLSIGHT_TEAM_BULK_DOCS lowers it (tests kill between small bulks).
BATCH_DOCS = int(os.environ.get("CELLSIGHT_TEAM_BULK_DOCS") or 1000)
LIST_PAGE = 5000
ITEM_RETRIES = 4  # per bulk item rejected with 429 (a busy node's write queue) or 503
RETRY_ITEM_STATUS = frozenset({429, 503})
# Bulks on the wire at once; CELLSIGHT_TEAM_BULKS sets it. Measured at 50k documents on
# two cores (benchmarks/RESULTS.md, "Team backend at scale"): none (build after answer)
# 610 docs/s, 1 with the next built meanwhile 824, 2 889. One: most of the gain, and a
# run killed after N answered bulks has sent exactly N (no bulk still on the wire).
BULKS_IN_FLIGHT = int(os.environ.get("CELLSIGHT_TEAM_BULKS") or 1)
ENV_SHARDS = "CELLSIGHT_TEAM_SHARDS"  # a new index's shards (default 1)
ENV_REPLICAS = "CELLSIGHT_TEAM_REPLICAS"  # a new index's replicas (default: 1 if a node can)


@dataclass
class SyncReport:
    indexed: int = 0
    deleted: int = 0
    unchanged: int = 0
    others: int = 0  # team documents other writers sent, left alone
    bulks: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (doc id, reason)
    seconds: float = 0.0
    bytes_sent: int = 0


def to_source(doc: Document, seq: int, content_hash: str, *, origin: str = "",
              member: str = "", at: str = "") -> dict[str, Any]:
    """The team document for ``doc``: the embedded index's fields, as terms and values,
    and who sent it (``origin`` the writer, ``member`` the person, ``at`` when)."""
    p = doc.parsed
    lang = doc.language if doc.language in SNOWBALL else ""
    src: dict[str, Any] = {
        "id": doc.id, "seq": seq, "content_hash": content_hash, "origin": origin,
        "indexed_by": member,
        "title_terms": term_stream(p.title), "body_terms": term_stream(p.text, lang),
        "author": p.author or "",
        "daynum": p.date.toordinal() if p.date else 0,
        "stored": {"parsed": parsed_to_dict(p), "enrichment": enrichment_to_json(doc)},
    }
    if at:
        src["indexed_at"] = at
    if p.date:
        src["date"] = p.date.isoformat()
    for name, vals in keyword_values(doc).items():
        kept = list(dict.fromkeys(v for v in vals if v))
        if kept:
            src[name] = kept
    figures: dict[str, list[float]] = {}
    for term in figure_terms(doc):
        column, _, value = term.partition("=")
        figures.setdefault(column, []).append(float(value))
    if figures:
        src["figures"] = figures
    return src


def _env_int(name: str) -> int | None:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isdigit() else None


class TeamIndexer:
    def __init__(self, client: Client, *, writer: str = "", member: str = "",
                 shards: int | None = None, replicas: int | None = None,
                 in_flight: int | None = None) -> None:
        """``writer``: this cache's writer id (its documents are the ones its syncs may
        delete); ``member``: the name each sent document is attributed to.
        ``shards``/``replicas`` apply when this creates the index (an existing one
        keeps its own); unset, they come from CELLSIGHT_TEAM_SHARDS / _REPLICAS."""
        self.client = client
        self.writer = writer
        self.member = member
        self.shards = shards or _env_int(ENV_SHARDS) or 1
        self.replicas = replicas if replicas is not None else _env_int(ENV_REPLICAS)
        # 0: each bulk answered before the next is built (the measurements' baseline).
        self.in_flight = max(0, BULKS_IN_FLIGHT if in_flight is None else in_flight)

    # -- the index ----------------------------------------------------------------------
    def ensure_index(self) -> bool:
        """Create the index if it is not there (True if created); refuse a foreign one."""
        c = self.client
        status, answer = c.request("GET", c.index_path("/_mapping"))
        if status == 404:
            status, answer = c.request("PUT", c.index_path(),
                                       index_body(self.shards, self.replicas))
            if status == 200:
                return True
            # Another job created it in between: check it like any existing index.
            status, answer = c.request("GET", c.index_path("/_mapping"))
        mapping = next(iter(answer.values()))["mappings"] if isinstance(answer, dict) else {}
        why = foreign_reason(mapping)
        if why:
            raise TeamMappingError(f"The index {c.url.index!r} on {c.url.base} cannot hold a "
                                   f"Cellsight team library: {why}. Use another index name.")
        if mapping_version(mapping) in UPGRADABLE:
            status, answer = c.request("PUT", c.index_path("/_mapping"), upgrade_body())
            if status != 200:
                raise TeamMappingError(f"The index {c.url.index!r} on {c.url.base} could not "
                                       f"be upgraded to this Cellsight's mapping: "
                                       f"{str(answer)[:200]}")
            log.info("team index %s upgraded to mapping version 2", c.url.index)
        return False

    def check_writable(self) -> None:
        """Raise TeamReadOnlyError now, before any file is read, for a member who may
        only search: a bulk request deleting an id no document has changes nothing."""
        c = self.client
        probe = json.dumps({"delete": {"_index": c.url.index, "_id": "__cellsight_probe__"}})
        status, answer = c._send("POST", c.url.base + "/_bulk", (probe + "\n").encode(),
                                 {**c._headers, "Content-Type": "application/x-ndjson"})
        if status != 200:
            raise c.error(status, answer, "POST /_bulk")

    def owned_count(self) -> int:
        """How many team documents this writer sent (0 on a missing index)."""
        c = self.client
        status, answer = c.request("POST", c.index_path("/_count"),
                                   {"query": {"term": {"origin": self.writer}}})
        return int(answer.get("count", 0)) if status == 200 and isinstance(answer, dict) else 0

    def remote_hashes(self) -> dict[str, str]:
        """Every team document's id and content hash."""
        return {doc_id: h for doc_id, (h, _origin) in self.remote_rows().items()}

    def remote_rows(self) -> dict[str, tuple[str, str]]:
        """Every team document's id, content hash and origin, paged by id (no 10,000 cap)."""
        c = self.client
        out: dict[str, tuple[str, str]] = {}
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {"size": LIST_PAGE, "_source": False, "track_total_hits": False,
                                    "sort": [{"id": "asc"}],
                                    "docvalue_fields": ["content_hash", "origin"]}
            if after is not None:
                body["search_after"] = after
            # Never a partial list (a shard copy lost mid-page): that would resend.
            _status, answer = c.request("POST", c.index_path("/_search"), body,
                                        params={"allow_partial_search_results": "false"})
            hits = answer["hits"]["hits"]
            for h in hits:
                fields = h.get("fields", {})
                out[h["_id"]] = ((fields.get("content_hash") or [""])[0],
                                 (fields.get("origin") or [""])[0])
            if len(hits) < LIST_PAGE:
                return out
            after = hits[-1]["sort"]

    # -- sync -----------------------------------------------------------------------------
    def sync(self, store: DocumentStore, progress: ProgressSink = null_sink) -> SyncReport:
        t0 = time.perf_counter()
        self.ensure_index()
        local = _local_rows(store)
        remote = self.remote_rows()
        report = SyncReport()
        send = [doc_id for doc_id, (_seq, h) in local.items() if self._stale(remote.get(doc_id), h)]
        gone = sorted(doc_id for doc_id, (_h, origin) in remote.items()
                      if origin == self.writer and doc_id not in local)
        report.unchanged = len(local) - len(send)
        report.others = sum(1 for doc_id, (_h, origin) in remote.items()
                            if origin != self.writer and doc_id not in local)
        faults.plan("team-bulk", max(1, (len(send) + BATCH_DOCS - 1) // BATCH_DOCS))
        total = len(send) + len(gone)

        def finish(bulk: Future[SyncReport]) -> None:
            part = bulk.result()  # a TeamError of the bulk is raised here
            report.indexed += part.indexed
            report.deleted += part.deleted
            report.failed += part.failed
            report.bytes_sent += part.bytes_sent
            report.bulks += 1
            faults.reached("team-bulk")
            done = report.indexed + report.deleted + len(report.failed)
            progress(Progress(done, total, stage="team"))

        pending: deque[Future[SyncReport]] = deque()
        bound = max(1, self.in_flight)
        with ThreadPoolExecutor(bound, thread_name_prefix="team-bulk") as pool:
            try:
                for lines, ids in self._batches(store, local, send, gone):
                    while len(pending) >= bound:
                        finish(pending.popleft())
                    pending.append(pool.submit(self._bulk, lines, ids))
                    if not self.in_flight:
                        finish(pending.popleft())
                while pending:
                    finish(pending.popleft())
            finally:
                for bulk in pending:
                    bulk.cancel()
        self.client.request("POST", self.client.index_path("/_refresh"))
        report.seconds = time.perf_counter() - t0
        log.info("team sync: %d indexed, %d deleted, %d unchanged, %d failed, %d other "
                 "writers' in %.1f s", report.indexed, report.deleted, report.unchanged,
                 len(report.failed), report.others, report.seconds)
        return report

    def _stale(self, remote: tuple[str, str] | None, local_hash: str) -> bool:
        """Whether the team copy needs this machine's version: missing, different, or
        unowned (a version-1 document, claimed by the first writer that has it)."""
        if remote is None or remote[0] != local_hash:
            return True
        return not remote[1] and bool(self.writer)

    def _batches(self, store: DocumentStore, local: dict[str, tuple[int, str]],
                 send: list[str], gone: list[str]
                 ) -> Iterator[tuple[list[str], list[tuple[str, str]]]]:
        lines: list[str] = []
        ids: list[tuple[str, str]] = []  # (doc id, "index" or "delete") per action
        size = 0
        index = self.client.url.index
        at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

        def full() -> bool:
            return size >= BATCH_BYTES or len(ids) >= BATCH_DOCS

        for doc in store.documents(send):
            seq, h = local[doc.id]
            action = json.dumps({"index": {"_index": index, "_id": doc.id}})
            source = json.dumps(to_source(doc, seq, h, origin=self.writer, member=self.member,
                                          at=at), ensure_ascii=False)
            lines += [action, source]
            ids.append((doc.id, "index"))
            size += len(action) + len(source) + 2
            if full():
                yield lines, ids
                lines, ids, size = [], [], 0
        for doc_id in gone:
            line = json.dumps({"delete": {"_index": index, "_id": doc_id}})
            lines.append(line)
            ids.append((doc_id, "delete"))
            size += len(line) + 1
            if full():
                yield lines, ids
                lines, ids, size = [], [], 0
        if ids:
            yield lines, ids

    def _bulk(self, lines: list[str], ids: list[tuple[str, str]]) -> SyncReport:
        """Send one bulk (in a pool thread); its counts, merged by ``sync`` in order."""
        report = SyncReport()
        pending = list(range(len(ids)))
        spans = _line_spans(lines, ids)
        for attempt in range(ITEM_RETRIES + 1):
            payload = "".join(lines[i] + "\n" for n in pending for i in spans[n]).encode()
            report.bytes_sent += len(payload)
            answer = self._post_bulk(payload)
            retry: list[int] = []
            for n, item in zip(pending, answer["items"], strict=True):
                op, result, status, done = bulk_item(item)
                if done:
                    if op == "delete":
                        report.deleted += 1
                    else:
                        report.indexed += 1
                    continue
                if is_flood_stage(result):
                    raise self.client.error(429, result, "bulk")
                if status in RETRY_ITEM_STATUS and attempt < ITEM_RETRIES:
                    retry.append(n)
                    continue
                err = result.get("error") or {}
                report.failed.append((ids[n][0], f"{err.get('type', status)}: "
                                                  f"{err.get('reason', '')}"))
            if not retry:
                break
            pending = retry
            self.client._pause(attempt, "429/503 for some bulk items")
        return report

    def _post_bulk(self, payload: bytes) -> dict[str, Any]:
        c = self.client
        status, answer = c._send("POST", c.url.base + "/_bulk", payload,
                                 {**c._headers, "Content-Type": "application/x-ndjson"})
        if status != 200:
            err = c.error(status, answer, "POST /_bulk")
            if is_flood_stage(answer):
                raise TeamDiskFullError(str(err))
            raise err
        if not isinstance(answer, dict) or "items" not in answer:
            raise TeamError(f"The team library server's bulk answer was not understood: "
                            f"{str(answer)[:200]}")
        return answer


def _line_spans(lines: list[str], ids: list[tuple[str, str]]) -> list[range]:
    """The lines of each action: two for an index, one for a delete."""
    spans: list[range] = []
    at = 0
    for _doc_id, op in ids:
        width = 2 if op == "index" else 1
        spans.append(range(at, at + width))
        at += width
    return spans


def _local_rows(store: DocumentStore) -> dict[str, tuple[int, str]]:
    """Each stored document's row order and checksum, without decoding any document."""
    rows = store.conn.execute("SELECT id, rowid, crc FROM documents")
    return {doc_id: (int(rowid), f"{(crc or 0) & 0xFFFFFFFF:08x}") for doc_id, rowid, crc in rows}
