"""The library end to end on the real seeds: index, search, facets, prices, updates."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest

from cellsight.core.errors import QueryError
from cellsight.core.library import Library
from cellsight.core.model import SearchRequest

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
PAYLOAD_TITLE = "CATL looks to overseas markets amid domestic battery oversupply"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Library:
    root = tmp_path_factory.mktemp("seeded")
    src = root / "src"
    shutil.copytree(SEEDS, src)
    lib = Library(root / "lib")
    report = lib.update([src])
    assert report.added == 4 and not report.failed
    yield lib
    lib.close()


def _titles(lib: Library, query: str, **kw: object) -> list[str]:
    return [h.title for h in lib.search(SearchRequest(query=query, **kw)).hits]  # type: ignore[arg-type]


def test_seeds_index_into_four_documents(seeded: Library) -> None:
    res = seeded.search(SearchRequest(query=""))
    assert res.total == 4
    # Browsing lists newest first; only the payload article is dated.
    assert res.hits[0].title == PAYLOAD_TITLE
    assert res.hits[0].date == dt.date(2024, 6, 7)


def test_payload_article_metadata(seeded: Library) -> None:
    hit = seeded.search(SearchRequest(query=f'title:"{PAYLOAD_TITLE}"')).hits[0]
    doc = seeded.document(hit.id)
    assert doc is not None
    assert doc.parsed.author and "Didi Bostock" in doc.parsed.author
    assert doc.parsed.tags and doc.parsed.categories
    assert len(doc.parsed.series) == 15


def test_licensing_ranks_the_two_licensing_articles_first(seeded: Library) -> None:
    hits = seeded.search(SearchRequest(query="licensing")).hits
    assert len(hits) >= 2
    firsts = {Path(h.path).name[:3] for h in hits[:2]}
    assert firsts == {"000", "001"}
    assert any("«" in h.snippet or h.snippet_spans for h in hits[:2])


def test_company_facet_counts_catl_in_all_documents(seeded: Library) -> None:
    res = seeded.search(SearchRequest(query=""))
    companies = {c.value: c.count for c in res.facets["company"]}
    assert companies["CATL"] == 4
    assert set(res.facets) >= {"company", "topic", "person", "place", "organisation",
                               "policy", "material", "source", "year"}


def test_facet_filters_or_within_and_across(seeded: Library) -> None:
    musk = seeded.search(SearchRequest(filters=(("person", "Elon Musk"),)))
    assert musk.total >= 1
    both = seeded.search(SearchRequest(filters=(("person", "Elon Musk"), ("company", "CATL"))))
    assert both.total == musk.total
    # The person facet still offers other people while Musk is selected (OR within).
    people = {c.value for c in musk.facets["person"]}
    assert "Elon Musk" in people
    excluded = seeded.search(SearchRequest(excludes=(("person", "Elon Musk"),)))
    assert excluded.total == 4 - musk.total


def test_field_query_with_alias_and_case(seeded: Library) -> None:
    assert seeded.search("company:catl").total == 4
    assert seeded.search('company:"Contemporary Amperex Technology"').total == 4
    assert seeded.search("org:MIIT").total >= 1


def test_malformed_queries_raise_clear_errors(seeded: Library) -> None:
    for bad in ['"unclosed', "(lithium", "nosuchfield:x", "lithium AND"]:
        with pytest.raises(QueryError):
            seeded.search(bad)


def test_spelling_suggestion_for_a_typo(seeded: Library) -> None:
    res = seeded.search("licensng")
    assert res.total == 0
    assert res.suggestion and "licens" in res.suggestion


def test_date_sort_and_ranges(seeded: Library) -> None:
    assert seeded.search("date:2024").total == 1
    assert seeded.search("date:[2024-01-01 to 2024-12-31]").total == 1
    hits = seeded.search(SearchRequest(query="CATL", sort="date")).hits
    assert hits[0].date == dt.date(2024, 6, 7)


def test_paging_has_no_cap(seeded: Library) -> None:
    page1 = seeded.search(SearchRequest(query="", limit=2, offset=0)).hits
    page2 = seeded.search(SearchRequest(query="", limit=2, offset=2)).hits
    assert len(page1) == 2 and len(page2) == 2
    assert not {h.id for h in page1} & {h.id for h in page2}


def test_more_like_this(seeded: Library) -> None:
    hit = seeded.search("licensing").hits[0]
    similar = seeded.more_like(hit.id)
    assert similar and hit.id not in {h.id for h in similar}


def test_more_like_this_key_terms_are_whooshs(seeded: Library) -> None:
    from whoosh.classify import Expander

    from cellsight.core.query.searcher import _KeyTermReader

    s = seeded.searcher._current().searcher
    memo: dict[tuple[str, bytes], float] = {}
    for hit in seeded.search("").hits:
        row = seeded.store.hit_row(hit.id)
        assert row is not None
        expander = Expander(_KeyTermReader(s.reader(), memo), "body")
        expander.add_text(row.text)
        assert expander.expanded_terms(5, normalize=False) == s.key_terms_from_text(
            "body", row.text, numterms=5, normalize=False)
    assert memo  # the frequencies were kept for the next document


def test_prices_from_seed(seeded: Library) -> None:
    book = seeded.prices()
    assert len(book.series) == 15
    lithium = book.get("lithium")
    assert lithium is not None
    assert lithium.stats.latest is not None and lithium.stats.latest.value == 411.01
    assert lithium.stats.latest.date == dt.date(2026, 5, 27)
    assert lithium.stats.previous is not None and lithium.stats.previous.value == 408.51
    assert len(lithium.series.points) == 12
    assert "lithium" in lithium.entity_ids


def test_market_context_and_news_markers(seeded: Library) -> None:
    hit = seeded.search(f'title:"{PAYLOAD_TITLE}"').hits[0]
    doc = seeded.document(hit.id)
    assert doc is not None
    ctx = seeded.market_context(doc)
    assert ctx, "the payload article mentions materials linked to price series"
    ids = [h.id for h in seeded.search("").hits]
    markers = seeded.news_markers([c.view.id for c in ctx], ids)
    assert any(m.doc_id == hit.id for m in markers)


def test_news_markers_from_facets_equal_those_read_from_the_documents(seeded: Library) -> None:
    """The markers come from the entity facets (no document read): the same as the
    spans of the documents themselves say, for every series and in the same order."""
    from cellsight.core.prices_view import news_markers

    ids = list(seeded.matching_ids(SearchRequest(query="")))
    series = [v.id for v in seeded.prices().series]
    fast = seeded.news_markers(series, ids)
    slow = news_markers(seeded.prices(), series, list(seeded.store.documents(ids)))
    def key(m):  # type: ignore[no-untyped-def]  # names in link order, not mention order
        return (m.series_id, m.doc_id, m.date, m.title, frozenset(m.entities))

    assert fast and sorted(map(key, fast), key=repr) == sorted(map(key, slow), key=repr)
    assert seeded.news_markers(series, []) == []
    assert seeded.news_markers(["no-such-series"], ids) == []


def test_reindex_unchanged_is_a_no_op_and_edits_update_one(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    with Library(tmp_path / "lib") as lib:
        lib.update([src])
        again = lib.update()
        assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 4)
        target = next(src.glob("002_*"))
        target.write_text(target.read_text() + "\nSodium-ion batteries were also discussed.\n")
        os.utime(target, ns=(1, 1_000_000_000_000))
        edited = lib.update()
        assert (edited.added, edited.updated, edited.unchanged) == (0, 1, 3)
        assert lib.search('"sodium-ion batteries were also discussed"').total == 1
        target.unlink()
        gone = lib.update()
        assert gone.removed == 1
        assert lib.search("").total == 3


def test_bad_file_is_reported_and_others_index(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    payload = next(src.glob("003_*")).read_text()
    (src / "truncated.json").write_text(payload[: len(payload) // 2])
    (src / "empty.txt").write_bytes(b"")
    (src / "junk.bin").write_bytes(bytes(range(256)) * 40)
    with Library(tmp_path / "lib") as lib:
        report = lib.update([src])
        assert report.added == 4
        failed = {Path(f.path).name: f.reason for f in report.failed}
        assert set(failed) == {"truncated.json", "empty.txt", "junk.bin"}
        assert all(failed.values())
        assert {Path(f.path).name for f in lib.failures()} == set(failed)
        assert lib.search("").total == 4


def test_user_catalogue_changes_survive_and_apply(tmp_path: Path) -> None:
    from cellsight.core.enrich.catalogue import Entity

    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    with Library(tmp_path / "lib") as lib:
        lib.update([src])
        lib.add_entity(Entity(id="user-ibv", type="product", name="Installed volume",
                              aliases=("installed battery volume",), exact=(), ticker=None,
                              series=()))
        lib.hide_entity("tesla")
        lib.apply_catalogue_changes()
        assert lib.search(SearchRequest(filters=(("product", "Installed volume"),))).total == 1
        assert "Tesla" not in {c.value for c in lib.search("").facets["company"]}
    with Library(tmp_path / "lib") as reopened:
        assert reopened.search(SearchRequest(filters=(("product", "Installed volume"),))).total == 1


def test_damaged_index_is_rebuilt_from_the_store(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    with Library(tmp_path / "lib") as lib:
        lib.update([src])
    for seg in (tmp_path / "lib" / "index").glob("*.seg"):
        seg.write_bytes(seg.read_bytes()[:100])
    with Library(tmp_path / "lib") as lib:
        assert lib.index.needs_rebuild
        lib.rebuild_index()
        assert lib.search("licensing").total >= 2


def test_clean_close_lets_the_next_open_skip_the_full_store_check(tmp_path: Path) -> None:
    from cellsight.core import library as library_module

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.txt").write_text("Lithium note\n\nA note about lithium.\n")
    with Library(tmp_path / "lib") as lib:
        lib.update([tmp_path / "src"])
    store = tmp_path / "lib" / "documents.sqlite"
    mark = tmp_path / "lib" / "documents.closed"
    assert mark.exists()
    assert library_module._store_unchanged_since_close(store)
    assert not mark.exists()  # consumed: a crash now would leave no mark behind
    library_module._remember_clean_close(store)
    with store.open("r+b") as f:  # changed behind our back: the check must run again
        f.seek(200)
        f.write(b"\x00")
    assert not library_module._store_unchanged_since_close(store)


def test_hit_rows_read_the_same_from_old_and_new_enrichment(seeded: Library) -> None:
    """Rows stored before the enrichment carried its result-row summary read as before."""
    store = seeded.store
    for hit in seeded.search("").hits:
        current = store.hit_row(hit.id)
        doc = store.document(hit.id)
        assert current is not None and doc is not None
        assert current.companies == tuple(dict.fromkeys(doc.entity_names("company")))
        assert current.topics == tuple(t.name for t in doc.topics)
        raw, crc = store.conn.execute(
            "SELECT enrichment, crc FROM documents WHERE id=?", (hit.id,)).fetchone()
        legacy = json.loads(raw)
        del legacy["hit"]
        # A row that old has no checksum either (it is filled when a store is migrated).
        store.conn.execute("UPDATE documents SET enrichment=?, crc=NULL WHERE id=?",
                           (json.dumps(legacy), hit.id))
        try:
            assert store.hit_row(hit.id) == current
        finally:
            store.conn.execute("UPDATE documents SET enrichment=?, crc=? WHERE id=?",
                               (raw, crc, hit.id))
