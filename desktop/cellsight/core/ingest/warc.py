"""Web archives: WARC and WARC.gz files (Webrecorder, wget --warc-file, Heritrix,
browsertrix, Common Crawl extracts).

Each HTML page the archive captured (a response record with status 200, or a
resource record, of type text/html) becomes a document read by the article
extractor; requests, metadata, revisits (deduplicated captures) and non-HTML
captures are skipped. A record's document keeps its part number whenever the file is
re-read, because the part is derived from the captured address, not the position.

Hostile archives are bounded: the gzip layer is undone here, with a byte budget,
rather than by warcio (which would inflate a bomb whole), and warcio's line reader
gets a length and count limit (it joins a long line block by block, which is
quadratic, and it loops over any run of blank lines one at a time).
"""

from __future__ import annotations

import dataclasses
import io
import logging
import zlib
from collections.abc import Iterator
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, ChunkedDataException
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from ..errors import IngestError
from ..model import ParsedDocument
from .dates import parse_date
from .mhtml import read_html_part, split_content_type, with_origin
from .nesting import member_part
from .registry import DEFAULT_MAX_BYTES, register

log = logging.getLogger("cellsight.ingest.warc")

GZIP_MAGIC = b"\x1f\x8b"
MAX_RECORDS = 200_000
MAX_PAGE = 20 * 1024 * 1024  # one captured page; beyond this it is a dump, not an article
MAX_EXPANDED = 1024 * 1024 * 1024  # decompressed bytes, the whole archive
MAX_RATIO = 20  # decompressed / compressed above the floor; real WARC.gz stays under 10
RATIO_FLOOR = 32 * 1024 * 1024
MAX_LINE = 1024 * 1024
MAX_LINES = 10_000  # header or blank lines read in a row without any content between
_BLOCK = 64 * 1024
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_ENCODINGS = ("identity", "", *BufferedReader.get_supported_decompressors())


class WarcReader:
    name = "warc"
    max_bytes = DEFAULT_MAX_BYTES

    def sniff(self, path: Path, head: bytes) -> int:
        name = path.name.lower()
        if head.startswith((b"WARC/1.", b"WARC/0.")):
            return 95
        if head.startswith(GZIP_MAGIC):
            try:
                start = zlib.decompressobj(31).decompress(head, 16)
            except zlib.error:
                start = b""
            if start.startswith(b"WARC/"):
                return 95
        # A .warc that is not one is claimed weakly, to say so rather than "unsupported".
        return 10 if name.endswith((".warc", ".warc.gz")) else 0

    def read(self, path: Path, data: bytes) -> list[ParsedDocument]:
        if data.startswith(GZIP_MAGIC):
            budget = min(MAX_EXPANDED, max(RATIO_FLOOR, MAX_RATIO * len(data)))
            raw: io.RawIOBase = _Gunzip(data, budget)
        elif data.startswith((b"WARC/1.", b"WARC/0.")):
            raw = io.BytesIO(data)
        else:
            raise IngestError(str(path), "not a WARC web archive (no WARC/1.x header)")
        docs: list[ParsedDocument] = []
        failures: list[str] = []
        parts: set[int] = set()
        try:
            for record in _records(path, raw):
                try:
                    page = _page(path, record)
                except IngestError as exc:
                    failures.append(f"{_uri(record)}: {exc.reason}")
                    continue
                for doc in page:
                    # Stable per captured address (and the page's own part); a second capture
                    # of the same address takes the next free number.
                    docs.append(dataclasses.replace(
                        doc, part=member_part(doc.member or "", doc.part, parts)))
        except _Expanded as exc:
            failures.append(str(exc))
        except (ArchiveLoadFailed, ChunkedDataException, zlib.error, EOFError, OSError,
                ValueError) as exc:  # fmt: skip
            failures.append(f"damaged WARC data ({_short(exc)})")
        if failures:
            log.info("%s: %d WARC record(s) not read: %s", path, len(failures),
                     "; ".join(failures[:5]))  # fmt: skip
        if not docs:
            reason = "; ".join(failures[:3]) or "no HTML pages in the archive"
            raise IngestError(str(path), f"warc: {reason}")
        return docs


def _records(path: Path, raw: io.RawIOBase) -> Iterator[ArcWarcRecord]:
    it = ArchiveIterator(raw, block_size=_BLOCK)
    # Replace warcio's reader (it would also try gzip again, unbudgeted) before the
    # iterator starts: same class family, no decompression, bounded lines.
    it.reader = _BoundedLines(it.fh, block_size=_BLOCK)
    # warcio prints a warning to stderr for each record whose length was wrong; the
    # reasons are logged by read() instead.
    it.INC_RECORD = ""
    records = iter(it)
    for n in range(MAX_RECORDS):
        try:
            record = next(records)
        except StopIteration:
            return
        # warcio's own failures on malformed headers (a response record without a
        # WARC-Target-URI raises AttributeError inside it): a damaged archive.
        except (AttributeError, TypeError, IndexError, KeyError) as exc:
            raise ArchiveLoadFailed(f"malformed record {n + 1} ({exc})") from exc
        yield record
    log.info("%s: stopped after %d WARC records", path, MAX_RECORDS)


def _page(path: Path, record: ArcWarcRecord) -> list[ParsedDocument]:
    uri = _uri(record)
    if record.rec_type == "response":
        http = record.http_headers
        if http is None or http.get_statuscode() != "200":
            return []
        ctype, charset = split_content_type(http.get_header("Content-Type"))
        encoding = str(http.get_header("Content-Encoding") or "identity").strip().lower()
        if ctype in _HTML_TYPES and encoding not in _ENCODINGS:
            # warcio would hand the compressed bytes over as they are (brotli needs a
            # module this app does not ship).
            raise IngestError(str(path), f"page stored {encoding}-compressed, "
                              "which cannot be read")  # fmt: skip
    elif record.rec_type == "resource":
        ctype, charset = split_content_type(record.rec_headers.get_header("Content-Type"))
    else:
        return []  # warcinfo, request, metadata, revisit, conversion
    if ctype not in _HTML_TYPES:
        return []
    try:
        body = record.content_stream().read(MAX_PAGE + 1)
    except (ChunkedDataException, zlib.error, EOFError, OSError, ValueError) as exc:
        raise IngestError(str(path), f"damaged page data ({_short(exc)})") from exc
    if len(body) > MAX_PAGE:
        raise IngestError(str(path), f"page larger than {MAX_PAGE // 2**20} MB")
    if not body.strip():
        return []
    captured = parse_date(record.rec_headers.get_header("WARC-Date"))
    # The address the archive captured is the page's; the crawl date stands in for a
    # publication date only when the page states none.
    return [
        dataclasses.replace(with_origin(doc, path, "warc", uri or None, captured),
                            url=uri or doc.url, member=uri or None)
        for doc in read_html_part(path, body, charset)
    ]  # fmt: skip


def _uri(record: ArcWarcRecord) -> str:
    return str(record.rec_headers.get_header("WARC-Target-URI") or "").strip()


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:160] or type(exc).__name__


class _Expanded(Exception):
    """The decompressed archive ran past its budget (a gzip bomb, or not a WARC)."""


class _Gunzip(io.RawIOBase):
    """The decompressed bytes of a (multi-member) gzip file, never more than
    ``budget`` of them: a bomb stops at the budget instead of filling memory."""

    def __init__(self, data: bytes, budget: int) -> None:
        self._data = memoryview(data)
        self._off = 0  # the first input byte not yet consumed
        self._z = zlib.decompressobj(31)
        self._budget = budget
        self._total = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        want = len(buffer)
        while not self._done and want:
            start = self._off
            piece = self._data[start : start + _BLOCK]
            # At the end of the input zlib may still hold output it could not return.
            out = self._z.decompress(piece, want)
            if self._z.eof:
                # The remainder (unused_data) is the next member or trailing junk.
                self._off = start + len(piece) - len(self._z.unused_data)
                if self._data[self._off : self._off + 2] == GZIP_MAGIC:
                    self._z = zlib.decompressobj(31)
                else:  # padding or junk after the last member
                    self._done = True
            else:
                self._off = start + len(piece) - len(self._z.unconsumed_tail)
                if not piece and not out:  # a truncated last member: what came out stands
                    self._done = True
            if out:
                self._total += len(out)
                if self._total > self._budget:
                    raise _Expanded(f"decompresses to over {self._budget // 2**20} MB "
                                    "(a gzip bomb, or not a web archive)")  # fmt: skip
                buffer[: len(out)] = out
                return len(out)
        return 0


class _BoundedLines(BufferedReader):
    """warcio's plain reader with a cap on line length and on lines in a row."""

    def __init__(self, stream: object, block_size: int) -> None:
        super().__init__(stream, block_size=block_size, decomp_type=None)
        self._lines = 0

    def readline(self, length: int | None = None) -> bytes:
        self._lines += 1
        if self._lines > MAX_LINES:
            raise ArchiveLoadFailed(f"over {MAX_LINES:,} header or blank lines in a row")
        return super().readline(min(length, MAX_LINE) if length else MAX_LINE)

    def read(self, length: int | None = None) -> bytes:
        self._lines = 0
        return super().read(length)


READER = register(WarcReader())
