"""What indexing one source file produces: documents, records and failures.

Shared by the in-process indexer and the bulk-build worker processes, so a file
gives the same result whichever of them reads it. Pure: reads the file, touches
neither the index nor the store.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from .enrich.enricher import Enricher
from .errors import IngestError
from .ingest.registry import parse_bytes
from .model import Document, Failure, ParsedDocument
from .scan import SourceFile, sidecar_for
from .store import FileRecord

log = logging.getLogger("cellsight.index")


def doc_id_for(path: str, part: int) -> str:
    return hashlib.blake2b(f"{path}#{part}".encode(), digest_size=8).hexdigest()


def content_hash(data: bytes, sidecar: Path | None) -> str:
    h = hashlib.blake2b(data, digest_size=16)
    if sidecar is not None:
        h.update(sidecar.read_bytes())
    return h.hexdigest()


@dataclass
class FileOutcome:
    kind: str  # "added", "updated", "unchanged" or "failed"
    record: FileRecord
    docs: list[Document] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)  # stored ids the file no longer has
    failure: Failure | None = None


@dataclass(frozen=True)
class ReadFile:
    """A changed file read and parsed, its documents not yet enriched."""

    src: SourceFile
    is_update: bool  # the store had a record of the file
    digest: str
    old_ids: tuple[str, ...]
    parsed: tuple[ParsedDocument, ...]


def process_file(
    src: SourceFile,
    rec: FileRecord | None,
    old_ids: list[str],
    enricher: Enricher,
    *,
    bad_name: bool,
    max_bytes: int,
) -> FileOutcome:
    """Read, parse and enrich one file; ``old_ids`` are the documents stored for it."""
    read = read_file(src, rec, old_ids, bad_name=bad_name, max_bytes=max_bytes)
    return read if isinstance(read, FileOutcome) else enrich_file(read, enricher)


def read_file(
    src: SourceFile,
    rec: FileRecord | None,
    old_ids: list[str],
    *,
    bad_name: bool,
    max_bytes: int,
) -> FileOutcome | ReadFile:
    """The first half of ``process_file``: the outcome of an unchanged or unreadable
    file, or the parsed documents of a changed one for ``enrich_file``."""
    path = Path(src.path)
    try:
        if bad_name:
            raise IngestError(src.path, "the file name is not valid UTF-8 text; rename "
                              "the file to index it")
        if src.size > max_bytes:
            raise IngestError(
                src.path,
                f"too large ({src.size / 1e6:.1f} MB; the limit is "
                f"{max_bytes / 1e6:.3g} MB)",  # .3g: a small limit read "0 MB"
            )
        try:
            data = path.read_bytes()
            # Inside the try: an unreadable (or vanished) sidecar aborted the whole
            # run with a bare OSError instead of failing this one file.
            digest = content_hash(data, sidecar_for(path))
        except OSError as exc:
            raise IngestError(src.path, f"cannot read: {exc.strerror or exc}") from exc
        if rec is not None and rec.hash == digest and rec.ok:
            return FileOutcome("unchanged", FileRecord(src.path, src.mtime_ns, src.size,
                                                       digest, True))
        parsed = parse_bytes(path, data)
    except IngestError as exc:
        log.info("skipped %s: %s", exc.path, exc.reason)
        return FileOutcome(
            "failed",
            FileRecord(src.path, src.mtime_ns, src.size, "", False),
            deletes=list(old_ids),
            failure=Failure(exc.path, exc.reason),
        )
    return ReadFile(src, rec is not None, digest, tuple(old_ids), tuple(parsed))


def enrich_file(read: ReadFile, enricher: Enricher) -> FileOutcome:
    """The second half of ``process_file``: entities and topics for each document."""
    src = read.src
    remaining = set(read.old_ids)
    docs = []
    problems: list[str] = []
    for p in read.parsed:
        doc_id = doc_id_for(src.path, p.part)
        docs.append(enricher.enrich(doc_id, p))
        remaining.discard(doc_id)
        problems.extend(p.problems)
    return FileOutcome(
        "updated" if read.is_update else "added",
        FileRecord(src.path, src.mtime_ns, src.size, read.digest, True),
        docs=docs,
        deletes=sorted(remaining),
        # Members that could not be read (an e-mail's attachments): the file is indexed,
        # and they are listed under Problems (stored, not counted as failed).
        failure=Failure(src.path, "; ".join(problems[:20])) if problems else None,
    )
