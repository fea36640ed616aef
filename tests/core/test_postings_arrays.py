"""Bulk decoders of ``query.postings`` against Whoosh's own per-document readers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

from cellsight.core.library import Library
from cellsight.core.query.postings import ArrayCache, SegmentPostings, numeric_column
from cellsight.core.query.w3blocks import read_postings


def _leaves(lib: Library):  # type: ignore[no-untyped-def]
    s = lib.index.index.searcher()
    return s, [leaf for leaf, _ in s.reader().leaf_readers()]


def test_columns_and_positions_match_whoosh(tmp_path: Path, seeds: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for i in range(30):
        # Some documents without an author, so the length column ends early.
        head = f"Title: Cells {i}\nDate: 2024-03-{i % 28 + 1:02d}\n"
        head += f"Author: Ann Lee {i}\n" if i % 3 else ""
        words = ["battery demand grows", "lithium prices fall"][i % 2]
        body = " ".join(words for _ in range(i + 1))
        (src / f"a{i:02d}.txt").write_text(head + "\n" + body + " energy storage.\n")
    with Library(tmp_path / "lib") as lib:
        lib.update([seeds, src])
        s, leaves = _leaves(lib)
        try:
            for leaf in leaves:
                n = leaf.doc_count_all()
                for field in ("title", "body", "author"):
                    reader = leaf._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
                    if reader is None:
                        continue
                    expected = [reader[i] for i in range(n)]
                    assert numeric_column(reader, n, np.uint8).tolist() == expected
                days = leaf.column_reader("daynum", translate=False)
                assert numeric_column(days, n, np.int64).tolist() == [days[i] for i in range(n)]

                seg = SegmentPostings(leaf, ArrayCache())
                for word in (b"batteri", b"demand", b"lithium", b"energi", b"storag"):
                    if ("body", word) not in leaf:
                        continue
                    docs, pos = seg.positions("body", word)
                    m = leaf.postings("body", word)
                    want = [(d, p) for d, v in m.items_as("positions") for p in v]
                    assert list(zip(docs.tolist(), pos.tolist(), strict=True)) == want
        finally:
            s.close()


def test_direct_block_reader_matches_whoosh_matchers(tmp_path: Path, seeds: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for i in range(300):  # "cells" in every document: lists of several blocks
        extra = " ".join(f"w{j}" for j in range(i % 7))
        (src / f"b{i:03d}.txt").write_text(
            f"Title: Cells {i}\n\nCells cells {extra} lithium{i % 3} grid {'grid ' * (i % 4)}\n")
    with Library(tmp_path / "lib") as lib:
        lib.update([seeds, src])
        s, leaves = _leaves(lib)
        try:
            checked = multi_block = 0
            for leaf in leaves:
                for field, btext in leaf.all_terms():
                    fmt = leaf.schema[field].format
                    got = read_postings(leaf, field, btext, values=True)
                    if got is None:
                        continue  # inlined: Whoosh's matcher reads those
                    m = leaf._terms.matcher(field, btext, fmt)
                    want = list(m.items_as("weight"))
                    assert list(zip(got[0].tolist(), got[1].tolist(), strict=True)) == want
                    vals = []
                    m = leaf._terms.matcher(field, btext, fmt)
                    while m.is_active():
                        vals.append(m.value())
                        m.next()
                    assert got[2] == vals
                    ids_only = read_postings(leaf, field, btext, values=False)
                    assert ids_only is not None
                    assert ids_only[0].tolist() == got[0].tolist()
                    assert ids_only[1].tolist() == got[1].tolist()
                    checked += 1
                    multi_block += len(got[0]) > 128
            assert checked > 500 and multi_block > 0
        finally:
            s.close()
