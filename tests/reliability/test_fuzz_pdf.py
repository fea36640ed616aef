"""Fuzzing the PDF reader with damaged copies of the real PDFs of tests/data/pdf.

Truncations, flipped bytes, cut or repeated ranges: through ``registry.parse_bytes``
(what the indexer calls) every case either reads into sound documents or fails with
an ``IngestError`` that says why, within the harness' time and memory limits. OCR
is off: a mutated scan would otherwise spend its seconds in Tesseract.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from harness import fuzz, limits
from hypothesis import given
from hypothesis import strategies as st

from cellsight.core.errors import IngestError
from cellsight.core.ingest import ocr
from cellsight.core.ingest.registry import parse_bytes
from cellsight.core.model import ParsedDocument

DATA = Path(__file__).resolve().parents[1] / "data" / "pdf"
FILES = sorted(p for p in DATA.glob("*.pdf") if p.stat().st_size <= 200_000)
SAMPLES = {p.name: p.read_bytes() for p in FILES}


@contextlib.contextmanager
def ocr_off() -> Iterator[None]:
    old = os.environ.get(ocr.OCR_ENV)
    os.environ[ocr.OCR_ENV] = "0"
    try:
        yield
    finally:
        if old is None:
            del os.environ[ocr.OCR_ENV]
        else:
            os.environ[ocr.OCR_ENV] = old


def check(docs: list[ParsedDocument]) -> None:
    for doc in docs:
        assert doc.kind == "pdf" and doc.text.strip() and doc.title.strip()
        assert "\x00" not in doc.title + doc.text
        assert doc.pages and doc.pages[0] == 0 and list(doc.pages) == sorted(doc.pages)
        assert doc.pages[-1] <= len(doc.text) and doc.ocr_pages == ()


def read_cleanly(name: str, data: bytes) -> None:
    with ocr_off(), limits(seconds=30, max_mb=200):
        try:
            docs = parse_bytes(Path(name), data)
        except IngestError as exc:
            assert exc.reason.strip()
            return
    check(docs)


@st.composite
def damaged(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(SAMPLES)))
    data = bytearray(SAMPLES[name])
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(st.sampled_from(["cut", "flip", "drop", "repeat", "zero"]))
        if len(data) < 16:
            break
        at = draw(st.integers(min_value=0, max_value=len(data) - 1))
        span = draw(st.integers(min_value=1, max_value=max(1, len(data) // 8)))
        if kind == "cut":
            del data[at:]
        elif kind == "flip":
            data[at] ^= draw(st.integers(min_value=1, max_value=255))
        elif kind == "drop":
            del data[at : at + span]
        elif kind == "repeat":
            data[at:at] = data[at : at + span]
        else:
            data[at : at + span] = bytes(len(data[at : at + span]))
    return name, bytes(data)


@fuzz
@given(case=damaged())
def test_fuzz_damaged_pdfs(case: tuple[str, bytes]) -> None:
    read_cleanly(*case)


def test_every_truncation_step_of_every_sample() -> None:
    assert len(SAMPLES) >= 15
    for name, data in SAMPLES.items():
        for tenth in range(1, 10):
            read_cleanly(name, data[: len(data) * tenth // 10])


def test_a_truncated_sample_still_reads_its_pages() -> None:
    data = SAMPLES["word_title_rotated.pdf"]
    with ocr_off():
        (doc,) = parse_bytes(Path("cut.pdf"), data[: len(data) // 2])
    assert len(doc.pages) == 2 and "This is my second page." in doc.text
