"""Fuzzing the price CSV importer, the entity matcher and the query parser.

Allowed failures: PriceImportError for a CSV, QueryError for a query; the matcher
must never fail at all and its spans must stay inside the text.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import FUZZ_EXAMPLES, SEEDS, fuzz, limits
from hypothesis import given, settings
from hypothesis import strategies as st

from cellsight.core.enrich.catalogue import Catalogue, Entity, UserChanges
from cellsight.core.enrich.enricher import Enricher
from cellsight.core.enrich.matcher import EntityMatcher
from cellsight.core.errors import CatalogueError, PriceImportError, QueryError
from cellsight.core.library import Library
from cellsight.core.model import SearchRequest

# -- CSV prices ---------------------------------------------------------------------------
_cells = st.one_of(
    st.sampled_from(["date", "Date", "series", "value", "price", "lithium", "cobalt", "Close",
                     "2024-01-31", "2024-02-30", "31/01/2024", "01/31/2024", "03/04/2025",
                     "1 Jan 2024", "Jan 2024", "0000-00-00", "9999-12-31", "1,234.5",
                     "1.234,5", "12,5", "1,2,3", "$1,000", "-", "n/a", "nan", "inf", "1e400",
                     "-0", "", " ", "#comment", '"', '""', "1e-400", "٣٫٥", "１２"]),
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
_csv_text = st.tuples(
    st.lists(st.lists(_cells, min_size=1, max_size=5), max_size=12),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
).map(lambda t: t[2].join(t[1].join(row) for row in t[0]))
csv_files = st.one_of(
    st.binary(max_size=800),
    st.tuples(_csv_text, st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"])).map(
        lambda t: t[0].encode(t[1], errors="ignore")
    ),
)


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="cellsight-fuzz-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@fuzz
@given(data=csv_files)
def test_fuzz_price_csv(scratch: Path, data: bytes) -> None:
    from cellsight.core.prices.csv_import import import_csv

    path = scratch / "prices.csv"
    path.write_bytes(data)
    with limits(seconds=30):
        try:
            snaps = import_csv(path)
        except PriceImportError as exc:
            assert str(exc).startswith("prices.csv:")
            return
    assert snaps
    for snap in snaps:
        assert snap.id and snap.points
        dates = [p.date for p in snap.points]
        assert dates == sorted(set(dates))
        assert all(p.value == p.value and abs(p.value) != float("inf") for p in snap.points)


# -- entity matcher -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher.default()


_NAMES = ("CATL", "Contemporary Amperex", "Tesla", "BYD", "lithium", "LFP", "Albemarle",
          "Indonesia", "cobalt", "sodium-ion", "Ganfeng", "Li-ion")
_texts = st.lists(
    st.one_of(st.sampled_from(_NAMES), st.text(max_size=30),
              st.sampled_from(["-\n", "\u00ad", "\u2019s", " ", "\n\n", "宁德时代", "ＣＡＴＬ",
                               "12,000 tonnes", "$1.2bn", "45 GWh", "3.5%", "İ", "ß", "ﬁ"])),
    max_size=30,
).map("".join)


def check_spans(text: str, spans: list) -> None:  # type: ignore[type-arg]
    last_end = 0
    for s in spans:
        assert 0 <= s.start < s.end <= len(text)
        assert s.start >= last_end, "spans overlap or are unsorted"
        last_end = s.end


@fuzz
@given(text=_texts)
def test_fuzz_matcher_and_enricher(enricher: Enricher, text: str) -> None:
    with limits(seconds=30):
        check_spans(text, enricher.matcher.find(text))
        check_spans("Title\n\n" + text, enricher.spans("Title", text))


@settings(fuzz, max_examples=max(FUZZ_EXAMPLES // 4, 10))  # a catalogue build per case
@given(aliases=st.lists(st.text(min_size=0, max_size=12), min_size=1, max_size=4), text=_texts)
def test_fuzz_matcher_with_user_typed_aliases(aliases: list[str], text: str) -> None:
    # Whatever a user types as a name or alias, the catalogue either refuses it with a
    # CatalogueError or matches with spans inside the text.
    entity = Entity(id="user-fuzz", type="company", name=aliases[0] or "x",
                    aliases=tuple(aliases[1:]), exact=(), ticker=None, series=())
    with limits(seconds=30):
        try:
            catalogue = Catalogue.load(user=UserChanges(added=(entity,)))
        except CatalogueError:
            return
        matcher = EntityMatcher(catalogue)
        haystack = text + " " + " ".join(aliases)
        check_spans(haystack, matcher.find(haystack))


# -- query parser -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    lib = Library(tmp_path_factory.mktemp("fuzzlib"))
    lib.update([SEEDS])
    yield lib
    lib.close()


_tokens = st.one_of(
    st.sampled_from(["lithium", "CATL", "AND", "OR", "NOT", "(", ")", '"', "*", "?", "~", "~2",
                     "^3", "company:", "topic:", "date:", "year:", "title:", "bogus:", "Date:",
                     "date:[2024-01-01 to 2024-06-30]", "date:[", "]", "[", "{", "}", "TO", "to",
                     "date:>2024", "date:<=2023-02-30", "date:2024", "\\", "/", "-", "+", "!",
                     ":", "::", "http://x.example/a", "company:\"Contemporary Amperex\"",
                     "price:", "series:lithium", "*:*", "title:*", "l*m", "𝔩ithium", "\x00"]),
    st.text(max_size=10),
)
queries = st.one_of(st.lists(_tokens, max_size=8).map(" ".join), st.text(max_size=40))


@fuzz
@given(query=queries, sort=st.sampled_from(["relevance", "date"]),
       offset=st.integers(min_value=0, max_value=5))
def test_fuzz_search_queries(library: Library, query: str, sort: str, offset: int) -> None:
    with limits(seconds=30):
        try:
            res = library.search(SearchRequest(query=query, sort=sort, offset=offset, limit=3))
        except QueryError as exc:
            assert str(exc)
            return
        assert 0 <= len(res.hits) <= 3 and res.total >= 0
        for hit in res.hits:
            doc = library.document(hit.id)
            assert doc is not None
            for span in library.highlights(doc, query):
                assert 0 <= span.start < span.end <= len(doc.full_text)


@fuzz
@given(field=st.one_of(st.sampled_from(["company", "topic", "Company", "kind", "date"]),
                       st.text(max_size=8)),
       value=st.text(max_size=15))
def test_fuzz_search_filters(library: Library, field: str, value: str) -> None:
    with limits(seconds=30):
        try:
            library.search(SearchRequest(filters=((field, value),), excludes=((field, value),)))
        except QueryError as exc:
            assert str(exc)
