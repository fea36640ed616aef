"""Bring the team index in line with the local store: bulk-index what is new or changed,
delete what is gone. The local pipeline has read and enriched the files (one reader
path); this only copies its documents.

Incremental by content: each team document carries its store row's checksum
(``content_hash``). A sync lists the server's (id, hash) pairs, sends the documents whose
hash differs or which the server lacks, and deletes the ids the store no longer holds.
``_id`` is the document id, so sending a document twice replaces it: a sync killed
between two bulks leaves every document sent so far, and the next one sends the rest:
no duplicates and no losses. Fault point ``team-bulk`` (core/faults) follows each bulk.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .. import faults
from ..enrich.language import SNOWBALL
from ..index.schema import figure_terms, keyword_values
from ..model import Document
from ..progress import Progress, ProgressSink, null_sink
from ..serialize import enrichment_to_json, parsed_to_dict
from ..store import DocumentStore
from .client import Client, TeamDiskFullError, TeamError, TeamMappingError, is_flood_stage
from .mapping import foreign_reason, index_body
from .terms import term_stream

log = logging.getLogger("cellsight.team")
BATCH_BYTES = 4_000_000  # a bulk request's size: well under http.max_content_length
# Documents per bulk; CELLSIGHT_TEAM_BULK_DOCS lowers it (tests kill between small bulks).
BATCH_DOCS = int(os.environ.get("CELLSIGHT_TEAM_BULK_DOCS") or 1000)
LIST_PAGE = 5000
ITEM_RETRIES = 4  # per bulk item rejected with 429 (a busy node's write queue)


@dataclass
class SyncReport:
    indexed: int = 0
    deleted: int = 0
    unchanged: int = 0
    bulks: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (doc id, reason)
    seconds: float = 0.0
    bytes_sent: int = 0


def to_source(doc: Document, seq: int, content_hash: str) -> dict[str, Any]:
    """The team document for ``doc``: the embedded index's fields, as terms and values."""
    p = doc.parsed
    lang = doc.language if doc.language in SNOWBALL else ""
    src: dict[str, Any] = {
        "id": doc.id, "seq": seq, "content_hash": content_hash,
        "title_terms": term_stream(p.title), "body_terms": term_stream(p.text, lang),
        "author": p.author or "",
        "daynum": p.date.toordinal() if p.date else 0,
        "stored": {"parsed": parsed_to_dict(p), "enrichment": enrichment_to_json(doc)},
    }
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


class TeamIndexer:
    def __init__(self, client: Client) -> None:
        self.client = client

    # -- the index ----------------------------------------------------------------------
    def ensure_index(self) -> bool:
        """Create the index if it is not there (True if created); refuse a foreign one."""
        c = self.client
        status, answer = c.request("GET", c.index_path("/_mapping"))
        if status == 404:
            status, answer = c.request("PUT", c.index_path(), index_body())
            if status == 200:
                return True
            # Another job created it in between: check it like any existing index.
            status, answer = c.request("GET", c.index_path("/_mapping"))
        mapping = next(iter(answer.values()))["mappings"] if isinstance(answer, dict) else {}
        why = foreign_reason(mapping)
        if why:
            raise TeamMappingError(f"The index {c.url.index!r} on {c.url.base} cannot hold a "
                                   f"Cellsight team library: {why}. Use another index name.")
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

    def remote_hashes(self) -> dict[str, str]:
        """Every team document's id and content hash, paged by id (no 10,000 cap)."""
        c = self.client
        out: dict[str, str] = {}
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {"size": LIST_PAGE, "_source": False, "track_total_hits": False,
                                    "sort": [{"id": "asc"}], "docvalue_fields": ["content_hash"]}
            if after is not None:
                body["search_after"] = after
            _status, answer = c.request("POST", c.index_path("/_search"), body)
            hits = answer["hits"]["hits"]
            for h in hits:
                got = h.get("fields", {}).get("content_hash") or [""]
                out[h["_id"]] = got[0]
            if len(hits) < LIST_PAGE:
                return out
            after = hits[-1]["sort"]

    # -- sync -----------------------------------------------------------------------------
    def sync(self, store: DocumentStore, progress: ProgressSink = null_sink) -> SyncReport:
        t0 = time.perf_counter()
        self.ensure_index()
        local = _local_rows(store)
        remote = self.remote_hashes()
        report = SyncReport()
        send = [doc_id for doc_id, (_seq, h) in local.items() if remote.get(doc_id) != h]
        gone = sorted(set(remote) - set(local))
        report.unchanged = len(local) - len(send)
        faults.plan("team-bulk", max(1, (len(send) + BATCH_DOCS - 1) // BATCH_DOCS))
        for lines, ids in self._batches(store, local, send, gone):
            self._bulk(lines, ids, report)
            done = report.indexed + report.deleted + len(report.failed)
            progress(Progress(done, len(send) + len(gone), stage="team"))
        self.client.request("POST", self.client.index_path("/_refresh"))
        report.seconds = time.perf_counter() - t0
        log.info("team sync: %d indexed, %d deleted, %d unchanged, %d failed in %.1f s",
                 report.indexed, report.deleted, report.unchanged, len(report.failed),
                 report.seconds)
        return report

    def _batches(self, store: DocumentStore, local: dict[str, tuple[int, str]],
                 send: list[str], gone: list[str]
                 ) -> Iterator[tuple[list[str], list[tuple[str, str]]]]:
        lines: list[str] = []
        ids: list[tuple[str, str]] = []  # (doc id, "index" or "delete") per action
        size = 0
        index = self.client.url.index

        def full() -> bool:
            return size >= BATCH_BYTES or len(ids) >= BATCH_DOCS

        for doc in store.documents(send):
            seq, h = local[doc.id]
            action = json.dumps({"index": {"_index": index, "_id": doc.id}})
            source = json.dumps(to_source(doc, seq, h), ensure_ascii=False)
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

    def _bulk(self, lines: list[str], ids: list[tuple[str, str]], report: SyncReport) -> None:
        pending = list(range(len(ids)))
        spans = _line_spans(lines, ids)
        for attempt in range(ITEM_RETRIES + 1):
            payload = "".join(lines[i] + "\n" for n in pending for i in spans[n]).encode()
            report.bytes_sent += len(payload)
            answer = self._post_bulk(payload)
            retry: list[int] = []
            for n, item in zip(pending, answer["items"], strict=True):
                op, result = next(iter(item.items()))
                status = result.get("status", 500)
                if status < 300 or (op == "delete" and status == 404):
                    if op == "delete":
                        report.deleted += 1
                    else:
                        report.indexed += 1
                    continue
                if is_flood_stage(result):
                    raise self.client.error(429, result, "bulk")
                if status == 429 and attempt < ITEM_RETRIES:
                    retry.append(n)
                    continue
                err = result.get("error") or {}
                report.failed.append((ids[n][0], f"{err.get('type', status)}: "
                                                  f"{err.get('reason', '')}"))
            if not retry:
                break
            pending = retry
            self.client._pause(attempt, "429 for some bulk items")
        report.bulks += 1
        faults.reached("team-bulk")

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
