"""Fuzzing the saved-page and archive readers (MHTML, WARC, ZIP), and their hostile
cases under time and memory limits: only IngestError escapes, nothing hangs, nothing
balloons, nothing is written.

Inputs start from the real files in tests/data/archives: cut short, bytes flipped,
records and parts rearranged; ZIPs are also built whole with hostile names, nesting
and sizes. Routing goes through ``registry.parse_bytes`` as in the indexer.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

import pytest
from harness import REPO, fuzz, limits
from hypothesis import given
from hypothesis import strategies as st

from cellsight.core.errors import IngestError
from cellsight.core.ingest.registry import parse_bytes
from cellsight.core.model import ParsedDocument

# A failing case is replayed with its arguments printed; the real files make that
# print large, and Hypothesis' warning about it would hide the failure itself.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
DATA = REPO / "tests" / "data" / "archives"
MHTML = [(DATA / n).read_bytes() for n in ("golem_quantumscape.mhtml", "tika_firefox_maf.mhtml",
                                          "tika_ie8_truncated.mhtml")]  # fmt: skip
WARCS = [(DATA / n).read_bytes() for n in (
    "warcio_example.warc.gz", "warcio_iana_chunked.warc", "warcio_resource.warc.gz",
    "tika_multiple.warc.gz", "battery_crawl.warc.gz")]  # fmt: skip
ZIPS = [(DATA / n).read_bytes() for n in (
    "battery_clippings.zip", "tika_zip_of_zip.zip", "tika_encrypted.zip",
    "tika_overlapping_names.zip", "tika_droste.zip")]  # fmt: skip
CORPORA = {"mhtml": MHTML, "warc": WARCS, "zip": ZIPS}


def read_cleanly(name: str, data: bytes, seconds: float = 60.0,
                 max_mb: float | None = None) -> list[ParsedDocument]:  # fmt: skip
    with limits(seconds=seconds, max_mb=max_mb):
        try:
            docs = parse_bytes(Path(name), data)
        except IngestError as exc:
            assert exc.reason.strip()
            return []
    assert docs
    for doc in docs:
        assert doc.text.strip() and "\x00" not in doc.title + doc.text
        assert doc.path == name
    assert len({d.part for d in docs}) == len(docs)  # document ids never collide
    return docs


@st.composite
def damaged(draw: st.DrawFn, kind: str) -> bytes:
    """A real file cut short, with a few bytes overwritten, or a slice dropped."""
    corpus = CORPORA[kind]  # by name: Hypothesis prints a strategy's arguments
    data = bytearray(corpus[draw(st.integers(0, len(corpus) - 1))])
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(data) - 1))
        data[at : at + 4] = draw(st.binary(min_size=1, max_size=4))
    if draw(st.booleans()):
        cut = draw(st.integers(1, len(data)))
        data = data[:cut]
    if draw(st.booleans()) and len(data) > 64:
        a = draw(st.integers(0, len(data) - 32))
        data = data[:a] + data[a + draw(st.integers(1, 32)) :]
    return bytes(data)


# -- MHTML -----------------------------------------------------------------------------------
_CTES = ("quoted-printable", "base64", "7bit", "8bit", "binary", "x-uuencode", "")
_TYPES = ("text/html", "text/html; charset=gbk", "text/html; charset=x-user-defined",
          "text/html; charset=utf-16", "application/xhtml+xml", "image/png", "text/css",
          'multipart/alternative; boundary="B"', 'multipart/related; boundary="A"',
          "multipart/related", "text/html; charset=\"")


@st.composite
def mime_pages(draw: st.DrawFn) -> bytes:
    """A saved-page structure: parts, nesting, encodings and boundaries all drawn."""
    boundary = draw(st.sampled_from(["A", "B", "----=_NextPart", "", "A\r\n"]))
    out = [b"From: <Saved by Blink>\r\nMIME-Version: 1.0\r\n",
           f'Content-Type: multipart/related; type="text/html"; boundary="{boundary}"'
           .encode(errors="replace"), b"\r\n\r\n"]  # fmt: skip
    for _ in range(draw(st.integers(0, 6))):
        delim = draw(st.sampled_from(["A", "B", boundary]))
        body = draw(st.one_of(
            st.binary(max_size=300),
            st.sampled_from([b"<html><p>Lithium prices rose in May.</p></html>",
                             b"PGh0bWw+PHA+Q29iYWx0PC9wPjwvaHRtbD4=", b"=3D=\r\n=C3=BC",
                             b"<html><p>\xc4\xe3\xba\xc3 \xb5\xe7\xb3\xd8</p></html>"]),
        ))  # fmt: skip
        out.append(f"\r\n--{delim}\r\nContent-Type: {draw(st.sampled_from(_TYPES))}\r\n"
                   f"Content-Transfer-Encoding: {draw(st.sampled_from(_CTES))}\r\n\r\n"
                   .encode(errors="replace"))  # fmt: skip
        out.append(body)
    if draw(st.booleans()):
        out.append(f"\r\n--{boundary}--\r\n".encode(errors="replace"))
    return b"".join(out)


@fuzz
@given(data=st.one_of(damaged("mhtml"), mime_pages()),
       name=st.sampled_from(["page.mhtml", "page.mht", "page"]))  # fmt: skip
def test_fuzz_mhtml_reader(data: bytes, name: str) -> None:
    read_cleanly(name, data)


def test_mhtml_with_very_many_parts_or_deep_nesting_is_bounded() -> None:
    parts = b"".join(b"\r\n--B\r\nContent-Type: image/png\r\n\r\nPNG" for _ in range(30_000))
    many = (b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="B"\r\n\r\n'
            + parts + b"\r\n--B--")
    read_cleanly("many.mhtml", many, max_mb=200)
    deep = b"MIME-Version: 1.0\r\n"
    for level in range(50):
        deep += (f'Content-Type: multipart/related; boundary="L{level}"\r\n\r\n'
                 f"--L{level}\r\n").encode()
    deep += b"Content-Type: text/html\r\n\r\n<html><p>Deep cobalt</p></html>"
    read_cleanly("deep.mhtml", deep, max_mb=50)
    endless_header = b"MIME-Version: 1.0\r\n" + b"X-Junk: y\r\n" * 1_000_000
    read_cleanly("header.mhtml", endless_header, max_mb=200)


# -- WARC ------------------------------------------------------------------------------------
def _record(kind: str, ctype: str, body: bytes, length: int | None = None) -> bytes:
    head = (f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: https://x.example/{kind}\r\n"
            f"WARC-Date: 2024-01-01T00:00:00Z\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(body) if length is None else length}\r\n\r\n")
    return head.encode() + body + b"\r\n\r\n"


_HTTP = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
         b"<html><p>Nickel output in Indonesia rose again.</p></html>")


@st.composite
def warc_files(draw: st.DrawFn) -> bytes:
    """Records of drawn kinds, types, lengths (some lying) and gzip layering."""
    records = []
    for _ in range(draw(st.integers(1, 6))):
        body = draw(st.one_of(st.just(_HTTP), st.binary(max_size=200),
                              st.just(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                                      b"Content-Type: text/html\r\n\r\nzz\r\n<p>x\r\n0\r\n"),
                              st.just(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                                      b"Content-Type: text/html\r\n\r\n\x1f\x8bjunk")))
        kind = draw(st.sampled_from(["response", "resource", "revisit", "request",
                                     "warcinfo", "metadata", "bogus"]))
        ctype = draw(st.sampled_from(["application/http; msgtype=response", "text/html",
                                      "image/png", ""]))
        length = draw(st.one_of(st.none(), st.integers(0, 400), st.just(10**12)))
        records.append(_record(kind, ctype, body, length))
    if draw(st.booleans()):
        return b"".join(zlib.compress(r, wbits=31) for r in records)
    return b"".join(records)


@fuzz
@given(data=st.one_of(damaged("warc"), warc_files()),
       name=st.sampled_from(["crawl.warc.gz", "crawl.warc", "crawl"]))  # fmt: skip
def test_fuzz_warc_reader(data: bytes, name: str) -> None:
    read_cleanly(name, data)


def test_warc_gzip_bomb_stays_within_memory() -> None:
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = _record("resource", "image/png", b"", 2**31)[: -len(b"\r\n\r\n")]
    parts = [comp.compress(head)]
    parts += [comp.compress(bytes(2**20)) for _ in range(256)]  # 256 MB of zeros
    bomb = b"".join(parts) + comp.flush()
    assert len(bomb) < 2**20
    assert read_cleanly("bomb.warc.gz", bomb, max_mb=64) == []


def test_warc_floods_of_lines_are_cut_short() -> None:
    page = _record("resource", "text/html", b"<html><p>Graphite anodes from Morocco.</p></html>")
    # 40 MB of blank lines after a page (warcio reads them one at a time), a header
    # block of a million lines, and one 40 MB line (joined block by block).
    for flood in (b"\r\n" * (20 * 2**20),
                  b"WARC/1.0\r\n" + b"X-A: b\r\n" * 1_000_000 + b"\r\n",
                  b"WARC/1.0\r\nX-A: " + b"a" * (40 * 2**20) + b"\r\n\r\n"):
        docs = read_cleanly("flood.warc", page + flood, seconds=60, max_mb=100)
        assert [d.member for d in docs] == ["https://x.example/resource"]
        gz = zlib.compress(page, wbits=31) + zlib.compress(flood, 1, wbits=31)
        read_cleanly("flood.warc.gz", gz, seconds=60, max_mb=100)


# -- ZIP -------------------------------------------------------------------------------------
_NAMES = st.one_of(
    st.sampled_from(["a.txt", "b.html", "../../up.txt", "/abs/x.txt", "C:\\win\\y.txt",
                     "dir/", "page.html", "page_files/frame.html", "__MACOSX/._a.txt",
                     ".hidden.txt", "inner.zip", "x.mhtml", "c.warc", "d.pdf", "e.docx",
                     "nul\x00name.txt", "\u202eevil.txt", "very/" * 40 + "deep.txt"]),
    st.text(min_size=1, max_size=30),
)
_SAMPLES = (b"Lithium carbonate prices fell in May.\n\nCATL said so.",
            b"<html><title>Cobalt</title><p>Cobalt output rose.</p></html>",
            MHTML[0][:3000], WARCS[1], ZIPS[1], b"%PDF-1.4\n%junk", b"")
# Drawn by index: Hypothesis would otherwise print the files in every strategy repr.
_CONTENT = st.one_of(st.binary(max_size=300),
                     st.integers(0, len(_SAMPLES) - 1).map(_SAMPLES.__getitem__))


@st.composite
def zip_files(draw: st.DrawFn, depth: int = 0) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", draw(st.sampled_from([zipfile.ZIP_STORED,
                                                         zipfile.ZIP_DEFLATED]))) as z:
        names: set[str] = set()
        for _ in range(draw(st.integers(0, 6))):
            name = draw(_NAMES)
            if name in names:
                continue
            names.add(name)
            inner = draw(zip_files(depth + 1)) if depth < 3 and draw(st.booleans()) else None
            try:
                z.writestr(name if inner is None else name + ".zip",
                           inner if inner is not None else draw(_CONTENT))
            except (ValueError, UnicodeError, IndexError):  # a name zipfile will not write
                continue
    return buf.getvalue()


@fuzz
@given(data=st.one_of(damaged("zip"), zip_files()),
       name=st.sampled_from(["archive.zip", "archive", "archive.docx"]))  # fmt: skip
def test_fuzz_zip_reader(data: bytes, name: str, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.getbasetemp() / "fuzz_zip"
    folder.mkdir(exist_ok=True)
    before = set(folder.rglob("*"))
    read_cleanly(str(folder / name), data)
    assert set(folder.rglob("*")) == before  # a member is never written out


def test_nested_zip_bomb_is_bounded() -> None:
    # The shape of "42.zip": archives of archives, each leaf a 100 MB member in 100 KB.
    # Each leaf is refused by its expansion ratio, a third level by the depth limit.
    leaf = io.BytesIO()
    with zipfile.ZipFile(leaf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros.txt", bytes(100 * 2**20))
    level = leaf.getvalue()
    for depth in range(2):
        nxt = io.BytesIO()
        with zipfile.ZipFile(nxt, "w", zipfile.ZIP_STORED) as z:
            for i in range(10):
                z.writestr(f"{i}.zip", level)
        level = nxt.getvalue()
        assert read_cleanly(f"42-{depth}.zip", level, max_mb=100) == []
