"""The workbench in the core: saved searches that count arrivals, user fields in queries,
tags, stars, notes and quotes, and that all of it survives a rebuild."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from cellsight.core.errors import LibraryReadOnlyError, QueryError
from cellsight.core.library import Library
from cellsight.core.model import SearchRequest
from cellsight.core.query.user_fields import split
from cellsight.core.workbench.note_words import note_matches

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
NEWS = ("Gotion opens a cathode plant in Morocco\n\nGotion High-Tech said on Monday its "
        "lithium iron phosphate cathode plant near Kenitra started production, supplying "
        "CATL and European carmakers with LFP material.")  # fmt: skip


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    with Library(tmp_path / "lib") as library:
        library.update([src])
        yield library


def add_file(lib: Library, name: str, text: str) -> str:
    src = lib.sources()[0]
    (src / name).write_text(text, encoding="utf-8")
    lib.update()
    return lib.store.doc_ids_for_path(str(src / name))[0]


def test_first_index_records_every_document_as_arrived(lib: Library) -> None:
    assert lib.workbench.store.arrived_since(None) == lib.store.all_ids()


def test_saved_search_counts_only_documents_that_arrived_since_last_seen(lib: Library) -> None:
    wb = lib.workbench
    saved = wb.save_search("LFP", SearchRequest(query="LFP"))
    before = wb.status(saved)
    assert before.total >= 1 and before.new == 0
    new_id = add_file(lib, "gotion.txt", NEWS)
    add_file(lib, "other.txt", "Cobalt prices\n\nCobalt hydroxide payables fell again.")
    st = wb.status(wb.saved("LFP"))
    assert (st.total, st.new, st.new_ids) == (before.total + 1, 1, frozenset({new_id}))
    res, new = wb.open_saved("LFP")
    assert new == {new_id} and new_id in {h.id for h in res.hits}
    assert wb.status(wb.saved("LFP")).new == 0  # opening marked it seen


def test_index_pass_queues_what_arrived_per_saved_search(lib: Library) -> None:
    wb = lib.workbench
    wb.save_search("Morocco", SearchRequest(query="Morocco"))
    wb.save_search("cobalt", SearchRequest(query="cobalt"))
    wb.take_arrived()
    add_file(lib, "gotion.txt", NEWS)
    arrived = wb.take_arrived()
    assert len(arrived) == 1 and arrived[0].documents == 1
    assert arrived[0].saved == (("Morocco", 1),)
    assert wb.take_arrived() == []


def test_saved_search_keeps_filters_and_sort_and_replaces_by_name(lib: Library) -> None:
    wb = lib.workbench
    wb.save_search("x", SearchRequest(query="lithium", filters=(("topic", "Prices"),),
                                      excludes=(("company", "Tesla"),), sort="date"))
    s = wb.saved("x")
    assert (s.query, s.filters, s.excludes, s.sort) == (
        "lithium", (("topic", "Prices"),), (("company", "Tesla"),), "date")
    wb.save_search("x", SearchRequest(query="cobalt"))
    assert [x.query for x in wb.store.saved_searches()] == ["cobalt"]
    with pytest.raises(QueryError):
        wb.save_search("bad", SearchRequest(query='"unclosed'))
    wb.remove_saved("x")
    with pytest.raises(QueryError, match="no saved search"):
        wb.saved("x")


def test_tags_stars_and_notes_are_query_clauses_and_facets(lib: Library) -> None:
    wb = lib.workbench
    ids = sorted(lib.store.all_ids())
    wb.tag(ids[:2], "Europe", "watch list")
    wb.tag([ids[2]], "europe")  # the same tag, whatever the case
    wb.star(ids[0])
    wb.note(ids[1], "Ask about the Hungary plant's ramp-up")
    assert lib.search("tag:Europe").total == 3
    assert lib.search('tag:"watch list"').total == 2
    assert lib.search("tag:europe -tag:\"watch list\"").total == 1
    assert lib.search("starred:yes").total == 1
    assert lib.search("starred:no").total == lib.count() - 1
    assert {h.id for h in lib.search("note:hungary").hits} == {ids[1]}
    assert lib.search("note:ramp*").total == 1 and lib.search("note:ram").total == 0
    facets = lib.search("").facets
    assert [(c.value, c.count) for c in facets["tag"]] == [("Europe", 3), ("watch list", 2)]
    assert [(c.value, c.count) for c in facets["starred"]] == [("yes", 1)]
    # A facet click filters like any other facet, and leaves its own counts choosable.
    res = lib.search(SearchRequest(filters=(("tag", "watch list"),)))
    assert res.total == 2 and {c.value for c in res.facets["tag"]} == {"Europe", "watch list"}
    wb.untag([ids[0]], "EUROPE")
    assert lib.search("tag:europe").total == 2


def test_user_clauses_combine_with_words_and_are_text_inside_quotes() -> None:
    c = split('lithium tag:Europe -tag:"old news" starred:yes note:capex* "tag:phrase"')
    assert c.query == 'lithium "tag:phrase"'
    assert c.filters == (("tag", "Europe"), ("starred", "yes"), ("note", "capex*"))
    assert c.excludes == (("tag", "old news"),)
    with pytest.raises(QueryError):
        split("starred:maybe")


def test_note_words_fold_case_accents_and_chinese_scripts() -> None:
    assert note_matches("Électrolyte plant in Hungary", "electrolyte")
    assert not note_matches("Hungarian plant", "hungary")
    assert note_matches("Hungarian plant", "hungar*")
    assert note_matches("寧德時代 在匈牙利建廠", "宁德时代")


def test_quote_keeps_exact_offsets_of_the_full_text(lib: Library) -> None:
    doc_id = add_file(lib, "gotion.txt", NEWS)
    doc = lib.document(doc_id)
    assert doc is not None
    start = doc.full_text.index("lithium iron phosphate")
    q = lib.workbench.quote(doc_id, start, start + len("lithium iron phosphate"))
    assert q.text == "lithium iron phosphate"
    assert lib.workbench.annotations(doc_id).quotes == (q,)
    with pytest.raises(ValueError):
        lib.workbench.quote(doc_id, 10, 10_000_000)
    with pytest.raises(QueryError):
        lib.workbench.note("no-such-doc", "x")


def test_user_data_survives_a_rebuild_and_rebuild_brings_no_new_arrivals(lib: Library) -> None:
    wb = lib.workbench
    ids = sorted(lib.store.all_ids())
    wb.tag([ids[0]], "keep")
    wb.note(ids[0], "kept note")
    wb.save_search("all", SearchRequest(query=""))
    lib.rebuild_index()
    assert lib.search("tag:keep").total == 1 and lib.search("note:kept").total == 1
    assert wb.status(wb.saved("all")).new == 0


def test_whats_new_lists_new_documents_and_moved_prices(lib: Library, tmp_path: Path) -> None:
    wb = lib.workbench
    wb.save_search("Morocco", SearchRequest(query="Morocco"))
    since = dt.datetime.now(dt.UTC)
    new_id = add_file(lib, "gotion.txt", NEWS)
    csv = tmp_path / "p.csv"
    today = dt.date.today()
    csv.write_text(f"date,Test index\n{today - dt.timedelta(days=30)},100\n{today},120\n")
    lib.import_prices(csv)
    wn = wb.whats_new(since - dt.timedelta(days=10))
    (st, res), = wn.saved
    assert st.new == 1 and [h.id for h in res.hits] == [new_id]
    move = next(m for m in wn.moves if m.series_id == "test-index")
    assert round(move.change_pct) == 20


def test_read_only_library_reads_saved_searches_and_refuses_writes(
    lib: Library, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cellsight.core import library as library_module

    folder = lib.folder
    lib.workbench.save_search("x", SearchRequest(query="lithium"))
    lib.close()
    monkeypatch.setattr(library_module, "_read_only_reason",
                        lambda f: f"The library at {f} is read-only (forced).")  # fmt: skip
    with Library(folder) as ro:
        assert ro.workbench.status(ro.workbench.saved("x")).total >= 1
        res, _new = ro.workbench.open_saved("x")  # reads, and marks nothing
        assert res.total >= 1
        with pytest.raises(LibraryReadOnlyError):
            ro.workbench.tag(sorted(ro.store.all_ids())[:1], "t")


def test_read_only_library_from_before_the_workbench_reads_as_empty(
    lib: Library, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sqlite3

    from cellsight.core import library as library_module
    from cellsight.core.workbench.store import DOC_TABLES

    folder = lib.folder
    lib.close()
    with sqlite3.connect(folder / "user.sqlite") as conn:
        for table in (*DOC_TABLES, "saved_searches", "alerts", "alert_log"):
            conn.execute(f"DROP TABLE {table}")
    monkeypatch.setattr(library_module, "_read_only_reason", lambda f: "read-only (forced)")
    with Library(folder) as ro:
        assert ro.workbench.statuses() == [] and ro.workbench.alert_states() == []
        assert ro.search("tag:x").total == 0 and ro.search("lithium").total >= 1
    with sqlite3.connect(folder / "user.sqlite") as conn:
        assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name='tags'").fetchone()


def test_tag_clause_also_finds_the_tags_the_source_gave(lib: Library) -> None:
    tagged = [d for d in lib.store.documents() if "Data Visualisation" in d.parsed.tags]
    assert tagged, "a seed page carries publisher tags"
    assert {h.id for h in lib.search('tag:"data visualisation"').hits} == {tagged[0].id}
    other = next(i for i in lib.store.all_ids() if i != tagged[0].id)
    lib.workbench.tag([other], "Data Visualisation")
    assert lib.search('tag:"Data Visualisation"').total == 2


def test_large_id_sets_map_through_the_id_table_and_prefer_live_copies(lib: Library) -> None:
    bogus = {f"missing-{i}" for i in range(300)}  # over the one-by-one lookup's limit
    doc_id = add_file(lib, "gotion.txt", NEWS)
    (lib.sources()[0] / "gotion.txt").write_text(NEWS + "\n\nUpdated: Kenitra line two.")
    lib.update()  # the same id again, in a new segment; the old copy deleted
    for within in (frozenset(bogus | {doc_id}), frozenset({doc_id})):
        res = lib.search(SearchRequest(query="Kenitra", within_ids=within))
        assert [h.id for h in res.hits] == [doc_id]
    every = frozenset(lib.store.all_ids() | bogus)
    assert lib.search(SearchRequest(within_ids=every, limit=0)).total == lib.count()


def test_rename_keeps_dates_and_alerts_in_one_change(lib: Library) -> None:
    from cellsight.core.workbench.records import AlertRule

    wb = lib.workbench
    before = wb.save_search("old", SearchRequest(query="lithium"))
    wb.add_alert(AlertRule("a", lib.prices().series[0].id, "above", level=1.0, saved="old"))
    after = wb.rename_saved("old", "  new   name ")
    assert (after.name, after.created, after.last_seen) == ("new name", before.created,
                                                             before.last_seen)
    assert [r.saved for r in wb.store.alerts()] == ["new name"]
    with pytest.raises(QueryError):
        wb.saved("old")
    wb.save_search("other", SearchRequest(query="x"))
    with pytest.raises(QueryError, match="exists"):
        wb.rename_saved("other", "new name")


def test_matching_ids_lists_every_result_in_order_without_hits(lib: Library) -> None:
    req = SearchRequest(query="CATL", sort="date")
    ids = lib.matching_ids(req)
    full = lib.search(SearchRequest(query="CATL", sort="date", limit=100))
    assert ids == tuple(h.id for h in full.hits) and len(ids) == full.total


def test_quote_offsets_are_trimmed_with_its_text(lib: Library) -> None:
    doc_id = add_file(lib, "gotion.txt", NEWS)
    doc = lib.document(doc_id)
    assert doc is not None
    at = doc.full_text.index("Gotion High-Tech")
    q = lib.workbench.quote(doc_id, at - 2, at + len("Gotion High-Tech") + 1)
    assert doc.full_text[q.start:q.end] == q.text == "Gotion High-Tech"


def test_id_table_is_kept_beside_the_index_and_read_back(lib: Library) -> None:
    bogus = frozenset(f"missing-{i}" for i in range(300))
    every = frozenset(lib.store.all_ids()) | bogus
    assert lib.search(SearchRequest(within_ids=every, limit=0)).total == lib.count()
    kept = list((lib.folder / "index").glob("cellsight-arrays-*-ids.npz"))
    assert kept
    folder = lib.folder
    lib.close()
    with Library(folder) as again:  # a new process reads the table instead of rebuilding it
        some = frozenset(sorted(again.store.all_ids())[:2]) | bogus
        assert again.search(SearchRequest(within_ids=some, limit=0)).total == 2
