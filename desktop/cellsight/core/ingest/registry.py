"""Reader registry: each format registers itself; files are routed by sniffing.

A reader states how sure it is that it can read a file (``sniff``) from the file's
extension and first bytes; the most confident reader wins. That is how a Nuxt
payload saved as ``.txt`` still reaches the payload reader.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from ..errors import IngestError
from ..model import ParsedDocument

log = logging.getLogger("cellsight.ingest")

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
SNIFF_BYTES = 4096


class Reader(Protocol):
    name: str

    def sniff(self, path: Path, head: bytes) -> int:
        """Confidence 0–100 that this reader handles the file; 0 means never."""
        ...

    def read(self, path: Path, data: bytes) -> list[ParsedDocument]:
        """Parse the whole file; raise IngestError with a reason on bad input."""
        ...


_READERS: dict[str, Reader] = {}


def register(reader: Reader) -> Reader:
    _READERS[reader.name] = reader
    return reader


def readers() -> Iterable[Reader]:
    _load_builtin_readers()
    return tuple(_READERS.values())


def _load_builtin_readers() -> None:
    # Importing the modules registers them; kept lazy so registry has no cycle.
    from . import html, payload, text  # noqa: F401


def choose_reader(path: Path, head: bytes) -> Reader | None:
    best: tuple[int, Reader | None] = (0, None)
    for reader in readers():
        score = reader.sniff(path, head)
        if score > best[0]:
            best = (score, reader)
    return best[1]


def read_path(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[ParsedDocument]:
    """Read one file with the best reader. Every failure is an ``IngestError``."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise IngestError(str(p), f"cannot open: {exc.strerror or exc}") from exc
    if size == 0:
        raise IngestError(str(p), "empty file")
    if size > max_bytes:
        raise IngestError(
            str(p), f"too large ({size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.3g} MB)"
        )
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise IngestError(str(p), f"cannot read: {exc.strerror or exc}") from exc
    return parse_bytes(p, data)


def parse_bytes(p: Path, data: bytes) -> list[ParsedDocument]:
    """Parse bytes already read from ``p`` (the indexer hashes them first)."""
    if not data:
        raise IngestError(str(p), "empty file")
    reader = choose_reader(p, data[:SNIFF_BYTES])
    if reader is None:
        raise IngestError(str(p), "unsupported file type (not text, HTML or a page payload)")
    try:
        docs = reader.read(p, data)
    except IngestError:
        raise
    except RecursionError as exc:
        raise IngestError(str(p), f"{reader.name}: nested too deeply") from exc
    except (ValueError, UnicodeError, LookupError, MemoryError) as exc:
        raise IngestError(str(p), f"{reader.name}: {exc}") from exc
    if not docs:
        raise IngestError(str(p), f"{reader.name}: no article found")
    return docs
