"""Reader registry: each format registers itself; files are routed by sniffing.

A reader states how sure it is that it can read a file (``sniff``) from the file's
extension and first bytes; the most confident reader wins. That is how a Nuxt
payload saved as ``.txt`` still reaches the payload reader.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from ..errors import IngestError
from ..model import ParsedDocument

log = logging.getLogger("cellsight.ingest")

# The largest file read at all (reports and archives run to tens of megabytes); a
# reader may set a lower ``max_bytes`` of its own: text beyond 20 MB is a log or a
# dump, not an article, and parsing it would only hold a worker up.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
TEXT_MAX_BYTES = 20 * 1024 * 1024
SNIFF_BYTES = 4096
# Reader modules, one per format; importing one registers its reader.
BUILTIN_READERS = (
    "text", "html", "payload", "pdf", "email_reader", "msg", "feeds", "docx_reader",
    "pptx_reader", "xlsx_reader", "mhtml", "warc", "zip_archive",
)  # fmt: skip


class Reader(Protocol):
    name: str
    max_bytes: int  # files above this are reported "too large" (TEXT_MAX_BYTES if unset)

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


_loaded = False


def _load_builtin_readers() -> None:
    # Importing the modules registers them; kept lazy so registry has no cycle.
    global _loaded
    if _loaded:
        return
    for name in BUILTIN_READERS:
        try:
            importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as exc:  # a format still being written this session
            if exc.name != f"{__package__}.{name}":
                raise
    _loaded = True


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
        raise IngestError(str(p), f"unsupported file type ({p.suffix.lower() or 'no extension'})")
    limit = getattr(reader, "max_bytes", TEXT_MAX_BYTES)
    if len(data) > limit:
        raise IngestError(
            str(p), f"too large for {reader.name} ({len(data) / 1e6:.1f} MB; the limit is "
            f"{limit / 1e6:.3g} MB)",
        )
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
