"""TermSegmentWriter against Whoosh's own SegmentWriter, on the same documents.

Both write an uncompounded segment of the real schema; the postings and term files
must be byte for byte the same, and everything a reader sees (stored fields, lengths,
columns, term statistics, postings) must agree.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import SegmentWriter

from cellsight.core.enrich.enricher import Enricher
from cellsight.core.file_outcome import process_file
from cellsight.core.index import segment_writer
from cellsight.core.index.schema import build_schema, to_fields
from cellsight.core.index.segment_writer import BLOCK, TermSegmentWriter
from cellsight.core.scan import SourceFile

VOCAB = (
    "lithium battery batteries cathode cathodes anode nickel cobalt graphite price prices "
    "pricing supply demand tariff tariffs recycling gigafactory plant plants Albemarle "
    "CATL Tesla Ganfeng Chile Australia Indonesia the of and to in a for with on LFP NMC "
    "tonne tonnes 12,000 $14.50/kg 3.5 GWh 2024 Q3 e-mobility state-of-the-art Zürich"
).split()


def _sources(root: Path, seeds: Path, n: int) -> list[Path]:
    rng = random.Random(7)
    root.mkdir()
    paths = sorted(p for p in seeds.iterdir() if p.is_file())
    for i in range(n):
        # Common words reach hundreds of documents, so terms span several blocks.
        words = " ".join(rng.choice(VOCAB) for _ in range(rng.randint(5, 400)))
        date = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if i % 9 else ""
        head = f"Title: {rng.choice(VOCAB)} report {i}\nDate: {date}\nSource: Wire {i % 4}\n\n"
        path = root / f"a{i:04d}.txt"
        path.write_text(head + words + ("\n\n" + words[:200]) * (i % 3), encoding="utf-8")
        paths.append(path)
    path = root / "empty-body.txt"
    path.write_text("Title: Only a title\n\nx\n", encoding="utf-8")
    paths.append(path)
    return paths


def _documents(paths: list[Path]) -> list[dict[str, object]]:
    enricher = Enricher.default()
    docs = []
    for path in paths:
        st = path.stat()
        out = process_file(SourceFile(str(path), st.st_mtime_ns, st.st_size), None, [],
                           enricher, bad_name=False, max_bytes=50_000_000)  # fmt: skip
        docs.extend(to_fields(d) for d in out.docs)
    return docs


def _write(folder: Path, writer_type: type, docs: list[dict[str, object]]) -> Path:
    folder.mkdir()
    ix = FileStorage(str(folder), supports_mmap=False).create_index(build_schema(), "main")
    writer = writer_type(ix, _lk=False)
    writer.compound = False  # separate files, so they can be compared
    for fields in docs:
        writer.add_document(**fields)
    writer.commit(merge=False)
    return folder


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    seeds = Path(__file__).resolve().parents[2] / "seeds"  # not conftest's: tests/team has one too

    base = tmp_path_factory.mktemp("writers")
    docs = _documents(_sources(base / "src", seeds, 420))
    stock = _write(base / "stock", SegmentWriter, docs)
    ours = _write(base / "ours", TermSegmentWriter, docs)
    # Whoosh pickles blocks with protocol 2 and compresses every one; written so, ours
    # must be its very bytes.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(segment_writer, "DATA_PROTOCOL", 2)
        mp.setattr(segment_writer, "COMPRESS_FROM", 0)
        _write(base / "ours-protocol-2", TermSegmentWriter, docs)
    return stock, ours, len(docs)


def _file(folder: Path, ext: str) -> bytes:
    (found,) = [p for p in folder.iterdir() if p.name.endswith(ext)]
    return found.read_bytes()


@pytest.mark.parametrize("ext", [".pst", ".trm"])
def test_postings_and_term_files_are_identical(pair: tuple[Path, Path, int], ext: str) -> None:
    stock, ours, _n = pair
    assert _file(ours.with_name("ours-protocol-2"), ext) == _file(stock, ext)
    if ext == ".pst":  # protocol 4 stores position bytes as bytes: far smaller
        assert len(_file(ours, ext)) < 0.8 * len(_file(stock, ext))


def test_readers_see_the_same_index(pair: tuple[Path, Path, int]) -> None:
    stock, ours, n = pair
    a = FileStorage(str(stock), supports_mmap=False).open_index("main")
    b = FileStorage(str(ours), supports_mmap=False).open_index("main")
    with a.reader() as ra, b.reader() as rb:
        assert ra.doc_count_all() == rb.doc_count_all() == n
        terms = list(ra.all_terms())
        assert terms == list(rb.all_terms())
        assert any(ra.doc_frequency(f, t) > 2 * BLOCK for f, t in terms)  # multi-block terms
        for fieldname, text in terms:
            ia, ib = ra.term_info(fieldname, text), rb.term_info(fieldname, text)
            assert (ia.weight(), ia.doc_frequency(), ia.min_length(), ia.max_length(),
                    ia.max_weight(), ia.min_id(), ia.max_id()) == (
                    ib.weight(), ib.doc_frequency(), ib.min_length(), ib.max_length(),
                    ib.max_weight(), ib.min_id(), ib.max_id())  # fmt: skip
            ma, mb = ra.postings(fieldname, text), rb.postings(fieldname, text)
            assert list(ma.items_as("weight")) == list(mb.items_as("weight"))
            ma, mb = ra.postings(fieldname, text), rb.postings(fieldname, text)
            assert list(ma.all_items()) == list(mb.all_items())  # ids, raw values (positions)
        for docnum in range(n):
            assert ra.stored_fields(docnum) == rb.stored_fields(docnum)
            for fieldname in ("title", "body", "author"):
                assert ra.doc_field_length(docnum, fieldname) == rb.doc_field_length(
                    docnum, fieldname)  # fmt: skip
        for fieldname in ("title", "body", "author"):
            assert ra.field_length(fieldname) == rb.field_length(fieldname)
        assert list(ra.column_reader("daynum")) == list(rb.column_reader("daynum"))


def test_unsupported_fields_are_refused(tmp_path: Path) -> None:
    ix = FileStorage(str(tmp_path), supports_mmap=False).create_index(build_schema(), "main")
    writer = TermSegmentWriter(ix, _lk=False)
    try:
        with pytest.raises(ValueError, match="boosts"):
            writer.add_document(id="x", _boost=2.0)
    finally:
        writer.cancel()


def test_pool_sorted_in_slices_equals_one_sort() -> None:
    import random

    from cellsight.core.index import whoosh_patches
    from cellsight.core.index.whoosh_patches import SORT_SLICE, sorted_in_slices

    rng = random.Random(5)
    for n in (0, 1, SORT_SLICE, SORT_SLICE + 1, 3 * SORT_SLICE + 11):
        items = [("text", f"w{rng.randrange(500)}".encode(), rng.randrange(n or 1), 1.0, None)
                 for _ in range(n)]  # fmt: skip
        assert list(sorted_in_slices(items)) == sorted(items)
    from whoosh import externalsort

    assert externalsort.SortingPool.items is whoosh_patches._items  # applied at import
