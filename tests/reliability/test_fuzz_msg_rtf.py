"""Fuzzing the .msg reader's own RTF de-encapsulation (it replaced RTFDE): only typed
errors escape, no case hangs or balloons.

The RTF bodies of the real messages in tests/data/email are mutated, RTF token soup is
generated, and RTF-only messages (the real files with their other body streams renamed)
are mutated and read through the registry. Hostile shapes run under time and memory
limits, by construction.
"""

from __future__ import annotations

import random
from pathlib import Path

import compressed_rtf
import olefile
from harness import fuzz, limits
from hypothesis import given
from hypothesis import strategies as st

from cellsight.core.errors import IngestError
from cellsight.core.ingest.msg_rtf import MAX_DEPTH, MAX_RTF_BYTES, deencapsulate
from cellsight.core.ingest.registry import parse_bytes

DATA = Path(__file__).resolve().parents[1] / "data" / "email"
_RTF_STREAM = "__substg1.0_10090102"


def _rtf_body(path: Path) -> bytes | None:
    with olefile.OleFileIO(str(path)) as ole:
        if not ole.exists(_RTF_STREAM):
            return None
        return compressed_rtf.decompress(ole.openstream(_RTF_STREAM).read())


def _rtf_only(path: Path, props: tuple[str, ...]) -> bytes:
    data = path.read_bytes()
    for i, prop in enumerate(props):
        old = f"__substg1.0_{prop}".encode("utf-16-le")
        data = data.replace(old, f"__substg1.0_0FF{i}{prop[4:]}".encode("utf-16-le"))
    return data


_BODIES = [body for p in sorted(DATA.glob("*.msg")) if (body := _rtf_body(p))]
_RTF_ONLY = [
    _rtf_only(DATA / "example_received_unicode.msg", ("1000001F",)),
    _rtf_only(DATA / "chinese-traditional.msg", ("1000001E", "1013001E")),
    _rtf_only(DATA / "quick.msg", ("1000001E",)),
]
_PIECES = (b"{", b"}", b"{\\*", b"\\htmlrtf ", b"\\htmlrtf0 ", b"{\\*\\htmltag84 <b>}",
           b"{\\*\\htmltag4 \\par }", b"\\'a4", b"\\'e9", b"\\'", b"\\u-10179?", b"\\u-8704 ",
           b"\\u99999999999", b"\\uc2 ", b"\\uc-5 ", b"\\bin5 ", b"\\bin-3 ", b"\\bin99999999 ",
           b"\\fromhtml1 ", b"\\fromtext ", b"\\ansicpg950 ", b"\\ansicpg0 ", b"\\ansicpg99999 ",
           b"{\\fonttbl{\\f0\\fcharset136 x;}{\\f1\\cpg1251 y;}}", b"\\f0 ", b"\\f1 ", b"\\f-1 ",
           b"\\deff1 ", b"\\plain ", b"\\par ", b"\\tab ", b"\\~", b"\\\\", b"\\{", b"\\",
           b"\r\n", b"\x00\x01", "Lithium 锂 литий ".encode(), b"\xff\xfe",
           b"{\\pict 0a0b}")  # fmt: skip


def _check(result: tuple[str, str] | None) -> None:
    if result is not None:
        kind, content = result
        assert kind in ("html", "text") and content.strip()


@fuzz
@given(
    index=st.integers(0, len(_BODIES) - 1),
    seed=st.integers(0, 2**32 - 1),
    edits=st.integers(0, 60),
    cut=st.floats(0.0, 1.0),
)
def test_fuzz_mutated_real_rtf_bodies(index: int, seed: int, edits: int, cut: float) -> None:
    data = bytearray(_BODIES[index])
    rng = random.Random(seed)
    for _ in range(edits):
        at = rng.randrange(len(data))
        if rng.random() < 0.5:
            data[at] = rng.randrange(256)
        else:  # RTF's own syntax in the wrong place breaks more than random bytes do
            data[at:at] = rng.choice(_PIECES)
    if cut < 0.3:
        data = data[: int(len(data) * cut / 0.3)]
    with limits(seconds=10, max_mb=100):
        _check(deencapsulate(bytes(data)))


@fuzz
@given(pieces=st.lists(st.sampled_from(_PIECES), max_size=300))
def test_fuzz_rtf_token_soup(pieces: list[bytes]) -> None:
    with limits(seconds=10, max_mb=100):
        _check(deencapsulate(b"{\\rtf1 " + b"".join(pieces)))


@fuzz
@given(
    index=st.integers(0, len(_RTF_ONLY) - 1),
    seed=st.integers(0, 2**32 - 1),
    flips=st.integers(0, 40),
    cut=st.floats(0.0, 1.0),
)
def test_fuzz_mutated_rtf_only_messages(index: int, seed: int, flips: int, cut: float) -> None:
    data = bytearray(_RTF_ONLY[index])
    rng = random.Random(seed)
    for _ in range(flips):
        data[rng.randrange(len(data))] = rng.randrange(256)
    if cut < 0.3:
        data = data[: max(1, int(len(data) * cut / 0.3))]
    # Time only: tracing memory makes each whole read ten times slower, and the RTF
    # stages' memory is bounded in test_hostile_rtf_is_bounded.
    with limits(seconds=30):
        try:
            docs = parse_bytes(Path("rtf_only.msg"), bytes(data))
        except IngestError as exc:
            assert exc.reason.strip()
            return
    for doc in docs:
        assert doc.title.strip() and doc.text.strip() and "\x00" not in doc.text


def test_hostile_rtf_is_bounded() -> None:
    # Token-dense quarter megabytes: a microsecond a token (five, traced), linear in size.
    size = 256 * 1024
    cases = {
        "deep": b"{\\rtf1 " + b"{" * size + b"buried",
        "braces": b"{\\rtf1 " + b"{}" * (size // 2) + b"}",
        "words": b"{\\rtf1 " + b"\\htmlrtf0 " * (size // 10) + b"}",
        "bytes": b"{\\rtf1\\ansicpg950 " + b"\\'a4\\'a4" * (size // 8) + b"}",
        "binary": b"{\\rtf1 \\bin2147483647 " + b"x" * size + b"}",
    }
    for name, rtf in cases.items():
        with limits(seconds=30, max_mb=100):
            result = deencapsulate(rtf)
        if name in ("deep", "braces", "words", "binary"):
            assert result is None, name  # no text: nested past MAX_DEPTH, or binary data
        else:
            assert result is not None and result[1].startswith("中中"), name
    # Text nested up to the depth limit is kept; a body past the size limit is not read.
    assert deencapsulate(b"{" * MAX_DEPTH + b"nickel") == ("text", "nickel")
    long = b"{\\rtf1 " + b"a" * MAX_RTF_BYTES + b"cobalt}"
    with limits(seconds=30, max_mb=100):
        result = deencapsulate(long)
    assert result is not None and "cobalt" not in result[1]
