"""Stars, tags, notes and quotes in the window: the reader's panel, the result list's
marks and menu, bulk tagging, the facets and the queries that find them.

Quotes are the delicate part: the reader shows rich text (whitespace collapsed by
Qt, the title in the header, UTF-16 positions), while a quote names offsets into
``Document.full_text``. The documents here are written to exercise exactly that.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QColor, QTextCursor, QTextDocument
from PySide6.QtWidgets import QApplication, QTextBrowser

from cellsight.core.library import Library
from cellsight.core.model import Document, EntitySpan, ParsedDocument, SearchResult
from cellsight.ui.main_window import MainWindow
from cellsight.ui.messages import MessageBus
from cellsight.ui.models.facets_model import FacetRole
from cellsight.ui.models.results_model import StarRole
from cellsight.ui.tasks import TaskRunner
from cellsight.ui.widgets.quote_marks import QUOTE_COLOURS, OffsetMap, trimmed
from cellsight.ui.widgets.reader_view import ReaderView

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
WAIT = 120_000
EXACT = QTextDocument.FindFlag.FindCaseSensitively

TITLED = (
    "Title: Lithium  prices in Europe\nDate: 2024-05-01\nSource: Test Wire\n\n"
    "Spot lithium carbonate   fell again in   Rotterdam this week.\n\n"
    "  Traders said\tthat demand from cathode makers\nstayed weak through May.\n\n"
    "Analysts expect a floor near 10,000 euros.\n"
)
CHINESE = (
    "宁德时代发布新一代钠离子电池\n\n"
    "  宁德时代  周四表示，新电池的能量密度达到每公斤200瓦时。\n"
    "该公司计划在2025年实现量产。\n\n"
    "分析人士认为，𠀀钠电池将在储能领域 率先应用。\n"
)


def write_docs(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "titled.txt").write_text(TITLED, encoding="utf-8")
    (folder / "zh_sodium.txt").write_text(CHINESE, encoding="utf-8")


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Library, QSettings]]:
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    write_docs(src / "extra")
    lib = Library(tmp_path / "lib")
    lib.update([src])
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    yield lib, settings
    lib.close()


def by_name(lib: Library, name: str) -> Document:
    (doc,) = [d for d in lib.store.documents() if Path(d.parsed.path).name == name]
    return doc


def make_window(qtbot, lib: Library, settings: QSettings) -> MainWindow:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    window = MainWindow(lib, tasks=TaskRunner(app), messages=MessageBus(app), settings=settings)
    qtbot.addWidget(window)
    window.resize(1500, 900)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.search.results_ready, timeout=WAIT):
        window.search.run()
    return window


def open_doc(qtbot, window: MainWindow, doc: Document) -> None:  # type: ignore[no-untyped-def]
    if window.documents.current_id == doc.id and window.reader.document() is not None:
        return
    with qtbot.waitSignal(window.documents.shown, timeout=WAIT):
        window.open_doc_id(doc.id)
    assert window.reader.annotations.isVisible()
    QApplication.processEvents()  # lay the panel out (it was hidden before), to click in it


def select(browser: QTextBrowser, rendered: str) -> None:
    """Select the first occurrence of ``rendered`` (as the reader shows it)."""
    cursor = browser.document().find(rendered, 0, EXACT)
    assert not cursor.isNull(), rendered
    browser.setTextCursor(cursor)


def select_between(browser: QTextBrowser, first: str, last: str) -> None:
    doc = browser.document()
    a, b = doc.find(first, 0, EXACT), doc.find(last, 0, EXACT)
    assert not a.isNull() and not b.isNull()
    cursor = QTextCursor(doc)
    cursor.setPosition(a.selectionStart())
    cursor.setPosition(b.selectionEnd(), QTextCursor.MoveMode.KeepAnchor)
    browser.setTextCursor(cursor)


def facet_values(window: MainWindow, field: str) -> dict[str, str]:
    model = window.facets.model
    out = {}
    for g in range(model.rowCount()):
        group = model.index(g, 0)
        for r in range(model.rowCount(group)):
            idx = model.index(r, 0, group)
            pair = idx.data(FacetRole)
            if pair and pair[0] == field:
                out[pair[1]] = idx.data()
    return out


# -- quote offsets, on the reader alone ----------------------------------------------------
@pytest.fixture
def reader(qtbot) -> ReaderView:  # type: ignore[no-untyped-def]
    view = ReaderView()
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    return view


# Whitespace as a PDF or e-mail reader may leave it (the text reader normalises its
# own): runs of spaces, a tab, a line break inside a paragraph, a paragraph separator,
# and three pages, so page labels sit between the paragraphs.
RAW_TITLE = "Lithium  prices in Europe"
RAW_BODY = ("Spot lithium carbonate   fell again in   Rotterdam this week.\n\n"
            "  Traders said\tthat demand from cathode makers\nstayed weak\u2029through May.\n\n"
            "Analysts expect a floor near 10,000 euros.\n\n"
            "宁德时代  周四表示，𠀀钠电池将在储能领域 率先应用。")


def raw_document() -> Document:
    pages = (0, RAW_BODY.index("Traders"), RAW_BODY.index("宁德"))
    parsed = ParsedDocument("r.pdf", "pdf", RAW_TITLE, RAW_BODY, pages=pages)
    doc = Document("raw", parsed)
    at = doc.full_text.index("Rotterdam")
    catl = doc.full_text.index("宁德时代")
    spans = (EntitySpan(at, at + 9, "place", "place:rotterdam", "Rotterdam", "Rotterdam"),
             EntitySpan(catl, catl + 4, "company", "company:catl", "CATL", "宁德时代"))
    return Document("raw", parsed, spans)


def quoted(reader: ReaderView) -> str:
    got = reader.selection_offsets()
    assert got is not None
    return reader.document().full_text[got[0]:got[1]]


def test_selection_offsets_are_exact_despite_collapsed_whitespace(reader) -> None:  # type: ignore[no-untyped-def]
    doc = raw_document()
    full = doc.full_text
    reader.show_document(doc, [], ())
    assert "— p. 2 —" in reader.browser.toPlainText()  # page labels are in the text
    # Qt shows "carbonate fell" for "carbonate   fell": the quote keeps the source's spaces.
    select(reader.browser, "carbonate fell")
    start, end = reader.selection_offsets()
    assert full[start:end] == "carbonate   fell" and start == full.index("carbonate")
    assert start > doc.body_offset == len(RAW_TITLE) + 2  # the title is not in the body
    select(reader.browser, "in Rotterdam")  # into an entity anchor
    assert quoted(reader) == "in   Rotterdam"
    # A tab, a line break and a paragraph separator inside the selection.
    select(reader.browser, "Traders said that")
    assert quoted(reader) == "Traders said\tthat"
    select_between(reader.browser, "cathode", "through")
    assert quoted(reader) == "cathode makers\nstayed weak\u2029through"
    # Across paragraphs and a page label: the source between them, not the label.
    select_between(reader.browser, "this week", "Traders")
    assert quoted(reader) == "this week.\n\n  Traders"
    # Whitespace at the selection's ends is not part of the quote.
    select_between(reader.browser, "through May.", "Analysts")
    assert quoted(reader) == "through May.\n\nAnalysts"
    select(reader.browser, "— p. 2 —")
    assert reader.selection_offsets() is None  # a label only: nothing of the document
    # Chinese with a character outside the BMP (two UTF-16 units in Qt, one in Python).
    select(reader.browser, "宁德时代 周四表示")
    assert quoted(reader) == "宁德时代  周四表示"
    select(reader.browser, "𠀀钠电池将在储能领域 率先应用")
    assert quoted(reader) == "𠀀钠电池将在储能领域 率先应用"
    assert trimmed("  a b  ", 0, 7) == (2, 5) and trimmed("   ", 0, 3) is None


def test_selection_offsets_in_documents_from_the_library(reader, env) -> None:  # type: ignore[no-untyped-def]
    lib, _ = env
    doc = by_name(lib, "titled.txt")
    assert doc.parsed.title == "Lithium  prices in Europe"
    reader.show_document(doc, [], ())
    select(reader.browser, "carbonate fell again")
    start, end = reader.selection_offsets()
    assert doc.full_text[start:end] == "carbonate fell again"
    assert start == doc.full_text.index("carbonate") > doc.body_offset
    doc = by_name(lib, "zh_sodium.txt")
    reader.show_document(doc, [], ())
    select(reader.browser, "周四表示，新电池")
    assert quoted(reader) == "周四表示，新电池"
    select(reader.browser, "𠀀钠")
    start, end = reader.selection_offsets()
    assert doc.full_text[start:end] == "𠀀钠" and end - start == 2


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_every_word_the_reader_shows_maps_to_the_same_word(reader, env) -> None:  # type: ignore[no-untyped-def]
    lib, _ = env
    n = 0
    for doc in [*lib.store.documents(), raw_document()]:
        reader.show_document(doc, [], ())
        qdoc = reader.browser.document()
        omap = OffsetMap(qdoc, doc)
        assert omap.valid
        full = doc.full_text
        block = qdoc.begin()
        while block.isValid():
            text = block.text()
            for m in re.finditer(r"[^\s\u2028]+", text):
                if text.startswith("— p."):
                    break  # a page label: none of the document's text
                a = block.position() + utf16(text[:m.start()])
                b = a + utf16(m.group())
                got = omap.to_source(a, b)
                assert got is not None and full[got[0]:got[1]] == m.group(), doc.parsed.path
                assert omap.to_document(*got) == (a, b)
                n += 1
            block = block.next()
    assert n > 1000


# -- the window --------------------------------------------------------------------------------
def test_save_quote_paints_it_and_clicking_it_finds_it(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings = env
    window = make_window(qtbot, lib, settings)
    doc = by_name(lib, "titled.txt")
    open_doc(qtbot, window, doc)
    reader = window.reader
    assert not reader.save_quote_action.isEnabled()  # nothing selected yet
    select(reader.browser, "carbonate fell again")
    assert reader.save_quote_action.isEnabled()
    menu = reader.context_menu(QPoint(5, 5))
    assert reader.save_quote_action in menu.actions()
    assert reader.save_quote_action.shortcut().toString() == "Ctrl+Shift+Q"
    edit_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    assert reader.save_quote_action in edit_menu.actions()  # the shortcut's one owner
    reader.save_quote_action.trigger()
    (quote,) = lib.workbench.annotations(doc.id).quotes
    assert doc.full_text[quote.start:quote.end] == quote.text == "carbonate fell again"
    assert quote.start == doc.full_text.index("carbonate fell again")
    items = reader.annotations.quotes
    assert items.count() == 1 and "carbonate fell again" in items.item(0).text()
    # Painted: the quote's characters carry the quote background.
    cursor = reader.browser.document().find("fell again")
    cursor.setPosition(cursor.selectionStart() + 1)
    background = cursor.charFormat().background().color()
    assert background == QColor(QUOTE_COLOURS[False][0])
    # Clicking the quote selects it in the text.
    reader.browser.setTextCursor(QTextCursor(reader.browser.document()))
    rect = items.visualItemRect(items.item(0))
    qtbot.mouseClick(items.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert reader.browser.textCursor().selectedText() == "carbonate fell again"
    # Deleting it removes the paint too.
    items.setCurrentRow(0)
    qtbot.keyClick(items, Qt.Key.Key_Delete)
    assert lib.workbench.annotations(doc.id).quotes == ()
    cursor = reader.browser.document().find("fell again")
    cursor.setPosition(cursor.selectionStart() + 1)
    assert cursor.charFormat().background().color() != QColor(QUOTE_COLOURS[False][0])


def test_star_marks_the_result_and_the_starred_facet(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings = env
    window = make_window(qtbot, lib, settings)
    doc = by_name(lib, "zh_sodium.txt")
    open_doc(qtbot, window, doc)
    star = window.reader.annotations.star_button
    assert star.text() == "☆ Star"
    with qtbot.waitSignal(window.annotations.facets_refreshed, timeout=WAIT):
        qtbot.mouseClick(star, Qt.MouseButton.LeftButton)
    assert lib.workbench.annotations(doc.id).starred and star.text() == "★ Starred"
    row = window.results_model.row_of(doc.id)
    assert window.results_model.index(row).data(StarRole)
    others = [r for r in range(window.results_model.rowCount()) if r != row]
    assert not any(window.results_model.index(r).data(StarRole) for r in others)
    assert facet_values(window, "starred") == {"yes": "★ starred  (1)"}
    groups = [window.facets.model.index(r, 0).data()
              for r in range(window.facets.model.rowCount())]
    assert groups[0] == "Starred"
    with qtbot.waitSignal(window.search.results_ready, timeout=WAIT) as blocker:
        window.search.set_query("starred:yes")
    assert [h.id for h in blocker.args[0].hits] == [doc.id]
    # Unstarring from the result list's menu; the query lists it no more.
    view = window.results
    pos = view.visualRect(window.results_model.index(0)).center()
    menu = window.annotations.results_menu(pos)
    labels = [a.text() for a in menu.actions() if a.text()]
    assert labels == ["Unstar", "Tag…", "Tag all results…"]
    with qtbot.waitSignal(window.search.results_ready, timeout=WAIT) as blocker:
        menu.actions()[0].trigger()
    assert blocker.args[0].total == 0 and not lib.workbench.annotations(doc.id).starred


def test_tags_notes_facet_and_queries(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings = env
    window = make_window(qtbot, lib, settings)
    doc = by_name(lib, "titled.txt")
    open_doc(qtbot, window, doc)
    panel = window.reader.annotations
    with qtbot.waitSignal(window.annotations.facets_refreshed, timeout=WAIT):
        qtbot.keyClicks(panel.tag_edit, "Europe watch")
        qtbot.keyClick(panel.tag_edit, Qt.Key.Key_Return)
    assert lib.workbench.annotations(doc.id).tags == ("Europe watch",)
    assert [c.tag for c in panel.chips] == ["Europe watch"] and panel.tag_edit.text() == ""
    assert facet_values(window, "tag") == {"Europe watch": "Europe watch  (1)"}
    assert panel.tag_edit.completer().model().stringList() == ["Europe watch"]
    with qtbot.waitSignal(window.search.results_ready, timeout=WAIT) as blocker:
        window.search.set_query('tag:"europe watch"')
    assert [h.id for h in blocker.args[0].hits] == [doc.id]
    # Clicking the chip filters the library by the tag, like a facet value.
    with qtbot.waitSignal(window.search.results_ready, timeout=WAIT) as blocker:
        window.search.set_query("")
        qtbot.mouseClick(panel.chips[0].label, Qt.MouseButton.LeftButton)
    assert blocker.args[0].request.filters == (("tag", "Europe watch"),)
    assert [h.id for h in blocker.args[0].hits] == [doc.id]
    with qtbot.waitSignal(window.search.results_ready, timeout=WAIT):
        window.search.clear_filters()
    # A note, found by note:WORD; then edited (double-click puts it in the field).
    qtbot.keyClicks(panel.note_edit, "Check the Rotterdam warehouse stocks")
    with qtbot.waitSignal(window.annotations.facets_refreshed, timeout=WAIT):
        qtbot.keyClick(panel.note_edit, Qt.Key.Key_Return)
    (note,) = lib.workbench.annotations(doc.id).notes
    assert note.text == "Check the Rotterdam warehouse stocks"
    assert panel.notes.count() == 1 and note.text in panel.notes.item(0).text()
    with qtbot.waitSignal(window.search.results_ready, timeout=WAIT) as blocker:
        window.search.set_query("note:warehouse")
    assert [h.id for h in blocker.args[0].hits] == [doc.id]
    open_doc(qtbot, window, doc)
    panel.edit_note(note.id)
    assert panel.note_edit.text() == note.text
    panel.note_edit.setText("Ask about Antwerp stocks")
    with qtbot.waitSignal(window.search.results_ready, timeout=WAIT) as blocker:
        qtbot.keyClick(panel.note_edit, Qt.Key.Key_Return)
    assert blocker.args[0].total == 0  # note:warehouse no longer matches
    assert [n.text for n in lib.workbench.annotations(doc.id).notes] == ["Ask about Antwerp stocks"]
    # Removing the tag with its chip's ✕.
    with qtbot.waitSignal(window.search.results_ready, timeout=WAIT):
        window.search.set_query("")
    open_doc(qtbot, window, doc)
    with qtbot.waitSignal(window.annotations.facets_refreshed, timeout=WAIT):
        qtbot.mouseClick(panel.chips[0].remove, Qt.MouseButton.LeftButton)
    assert lib.workbench.annotations(doc.id).tags == ()
    assert facet_values(window, "tag") == {}


def test_tag_all_results_tags_every_document_of_the_search(qtbot, env) -> None:  # type: ignore[no-untyped-def]
    lib, settings = env
    window = make_window(qtbot, lib, settings)
    with qtbot.waitSignal(window.search.results_ready, timeout=WAIT) as blocker:
        window.search.set_query("lithium")
    found: SearchResult = blocker.args[0]
    assert found.total >= 2
    dialog = window.annotations.tag_all_results()
    assert dialog is not None and f"all {found.total} results" in dialog.what.text()
    dialog.edit.setText("battery metals")
    with qtbot.waitSignal(window.annotations.bulk_tagged, timeout=WAIT) as tagged:
        dialog.accept()
    assert tagged.args == ["battery metals", found.total]
    every = lib.search(found.request.__class__(query="lithium", limit=1000))
    assert all(lib.workbench.annotations(h.id).tags == ("battery metals",) for h in every.hits)
    with qtbot.waitSignal(window.search.results_ready, timeout=WAIT) as blocker:
        window.search.set_query("tag:battery")
    assert blocker.args[0].total == 0  # tags match whole, not by prefix
    with qtbot.waitSignal(window.search.results_ready, timeout=WAIT) as blocker:
        window.search.set_query('tag:"battery metals"')
    assert {h.id for h in blocker.args[0].hits} == {h.id for h in every.hits}
    assert facet_values(window, "tag") == {"battery metals": f"battery metals  ({found.total})"}
    # One document from the result list's "Tag…".
    menu = window.annotations.results_menu(
        window.results.visualRect(window.results_model.index(0)).center())
    next(a for a in menu.actions() if a.text() == "Tag…").trigger()
    dialog = window.annotations.dialog
    dialog.edit.setText("follow up")
    with qtbot.waitSignal(window.search.results_ready, timeout=WAIT):
        dialog.accept()  # the query names a tag: the list is searched again
    first = window.results_model.hit(0)
    assert "follow up" in lib.workbench.annotations(first.id).tags


def test_read_only_library_disables_the_controls(qtbot, env, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cellsight.core import library as library_module

    lib, settings = env
    doc = by_name(lib, "titled.txt")
    lib.workbench.tag([doc.id], "kept")
    folder = lib.folder
    lib.close()
    reason = "The library is read-only (test)."
    monkeypatch.setattr(library_module, "_read_only_reason", lambda _folder: reason)
    with Library(folder) as ro:
        window = make_window(qtbot, ro, settings)
        open_doc(qtbot, window, by_name(ro, "titled.txt"))
        panel = window.reader.annotations
        assert [c.tag for c in panel.chips] == ["kept"]
        for widget in (panel.star_button, panel.tag_edit, panel.note_edit, panel.chips[0].remove):
            assert not widget.isEnabled() and widget.toolTip() == reason
        select(window.reader.browser, "carbonate fell")
        assert not window.reader.save_quote_action.isEnabled()
        assert window.reader.save_quote_action.toolTip() == reason
        menu = window.annotations.results_menu(
            window.results.visualRect(window.results_model.index(0)).center())
        assert not any(a.isEnabled() for a in menu.actions() if a.text())
        assert window.annotations.tag_all_results() is None
        assert not window.annotations.tag_all_action.isEnabled()
        window.close()
