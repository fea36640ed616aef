"""The reader widget on real seed documents from a library built from the seeds."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt, QUrl
from PySide6.QtGui import QHelpEvent, QTextCursor, QTextDocument
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QTextBrowser, QToolTip

from cellsight.core.library import Library
from cellsight.core.model import Document, ParsedDocument
from cellsight.core.prices_view import MarketContext
from cellsight.core.query.highlight import highlight_spans
from cellsight.ui.dialogs.entity_dialog import ALIAS_MODE, ENTITY_MODE, EntityDialog
from cellsight.ui.render import entity_href
from cellsight.ui.theme import colours
from cellsight.ui.widgets.reader_view import EMPTY_TEXT, ReaderView

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    lib = Library(tmp_path_factory.mktemp("lib"))
    report = lib.update([SEEDS])
    assert not report.failed
    yield lib
    lib.close()


def seed(lib: Library, prefix: str) -> Document:
    (doc,) = [d for d in lib.store.documents() if Path(d.parsed.path).name.startswith(prefix)]
    return doc


@pytest.fixture
def reader(qtbot) -> ReaderView:  # type: ignore[no-untyped-def]
    view = ReaderView()
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    qtbot.waitExposed(view)
    return view


def anchors(browser: QTextBrowser) -> list[tuple[str, int, str]]:
    """(href, position, text) of every anchored fragment in the browser's document."""
    out = []
    block = browser.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            href = frag.charFormat().anchorHref()
            if href:
                out.append((href, frag.position(), frag.text()))
            it += 1
        block = block.next()
    return out


def href_of(doc: Document, name: str) -> str:
    index = next(
        i for i, s in enumerate(doc.entities) if s.name == name and s.start >= doc.body_offset
    )
    return entity_href(index)


def point_of(browser: QTextBrowser, position: int) -> QPoint:
    cursor = QTextCursor(browser.document())
    cursor.setPosition(position + 1)
    browser.setTextCursor(cursor)
    browser.ensureCursorVisible()
    return browser.cursorRect(cursor).center()


def test_seed_002_shows_entity_anchors_header_and_side_list(reader, library) -> None:  # type: ignore[no-untyped-def]
    doc = seed(library, "002")
    reader.show_document(doc, [], ())
    found = anchors(reader.browser)
    types = {doc.entities[int(h.split(":")[1])].type for h, _, _ in found}
    assert {"company", "person", "place", "organisation"} <= types
    musk = [t for h, _, t in found if h == href_of(doc, "Elon Musk") or t == "Musk"]
    assert musk and all(t in ("Musk", "Elon Musk") for t in musk)
    assert reader.meta_label.text() == "unknown source · undated"
    assert not reader.open_button.isVisibleTo(reader)  # a text file has no URL
    names = {item.text(0) for item in reader.entity_list.entity_items()}
    assert {"Elon Musk", "CATL", "Tesla", "MIIT"} <= names
    # The body starts after the title: the derived title is not repeated in it.
    assert reader.browser.toPlainText().startswith("China's Minister")


def test_legend_toggle_removes_and_restores_a_types_highlighting(reader, library, qtbot) -> None:  # type: ignore[no-untyped-def]
    doc = seed(library, "002")
    reader.show_document(doc, [], ())

    def person_anchors() -> int:
        return sum(doc.entities[int(h[7:])].type == "person" for h, _, _ in anchors(reader.browser))

    before = person_anchors()
    assert before >= 7
    button = reader.legend_buttons()["person"]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not button.isChecked() and "person" in reader.hidden_types()
    assert person_anchors() == 0
    assert any(h for h, _, _ in anchors(reader.browser))  # other types stay
    # The choice holds for the next document too, until toggled back.
    reader.show_document(seed(library, "003"), [], ())
    assert not reader.legend_buttons()["person"].isChecked()
    reader.show_document(doc, [], ())
    qtbot.mouseClick(reader.legend_buttons()["person"], Qt.MouseButton.LeftButton)
    assert person_anchors() == before
    # Re-rendering for a toggle keeps the reading position.
    reader.resize(700, 400)
    reader.show_document(seed(library, "003"), [], ())
    bar = reader.browser.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    middle = bar.value()
    assert middle > 0
    reader.set_type_visible("company", False)
    assert bar.value() == middle and not reader.legend_buttons()["company"].isChecked()
    reader.set_type_visible("company", True)


def test_clicking_an_entity_emits_its_type_and_name(reader, library, qtbot) -> None:  # type: ignore[no-untyped-def]
    doc = seed(library, "002")
    reader.show_document(doc, [], ())
    with qtbot.waitSignal(reader.entity_clicked) as blocker:
        reader.browser.anchorClicked.emit(QUrl(href_of(doc, "Elon Musk")))
    assert blocker.args == ["person", "Elon Musk"]
    # A real mouse click on the first "CATL" anchor.
    catl = href_of(doc, "CATL")
    position = next(p for h, p, _ in anchors(reader.browser) if h == catl)
    reader.browser.setTextCursor(QTextCursor(reader.browser.document()))
    point = point_of(reader.browser, position)
    with qtbot.waitSignal(reader.entity_clicked) as blocker:
        qtbot.mouseClick(reader.browser.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert blocker.args == ["company", "CATL"]
    # Quantities are not filters; foreign URLs are ignored.
    quantity = next(i for i, s in enumerate(doc.entities) if s.type == "quantity")
    with qtbot.assertNotEmitted(reader.entity_clicked):
        reader.browser.anchorClicked.emit(QUrl(entity_href(quantity)))
        reader.browser.anchorClicked.emit(QUrl("http://example.com"))
        reader.browser.anchorClicked.emit(QUrl("entity:99999"))


def test_entity_tooltip_shows_type_name_and_aliases(reader, library, qtbot) -> None:  # type: ignore[no-untyped-def]
    doc = seed(library, "002")
    catalogue = library.catalogue()
    reader.set_alias_lookup(lambda eid: catalogue.get(eid).aliases if catalogue.get(eid) else ())
    reader.show_document(doc, [], ())
    tip = reader.entity_tooltip(href_of(doc, "Elon Musk"))
    assert "Person" in tip and "Elon Musk" in tip and "马斯克" in tip
    assert reader.entity_tooltip("http://example.com") is None
    position = next(p for h, p, _ in anchors(reader.browser) if h == href_of(doc, "Elon Musk"))
    point = point_of(reader.browser, position)
    viewport = reader.browser.viewport()
    event = QHelpEvent(QEvent.Type.ToolTip, point, viewport.mapToGlobal(point))
    QApplication.sendEvent(viewport, event)
    assert "Elon Musk" in QToolTip.text()
    QToolTip.hideText()


def test_find_bar_counts_and_steps_through_matches(reader, library, qtbot) -> None:  # type: ignore[no-untyped-def]
    doc = seed(library, "002")
    reader.show_document(doc, highlight_spans(doc.full_text, ["musk"]), ())
    expected = doc.parsed.text.lower().count("musk")
    assert expected >= 5
    reader.browser.setFocus()
    reader.open_find()  # Ctrl+F is the window's Edit → Find action (tested with the window)
    bar = reader.find_bar
    assert bar.isVisible() and bar.edit.hasFocus()
    qtbot.keyClicks(bar.edit, "Musk")
    assert bar.match_count() == expected
    assert bar.current_index() == 0 and bar.count_label.text() == f"1 of {expected}"
    assert reader.browser.textCursor().selectedText() == "Musk"
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    assert bar.current_index() == 1 and bar.count_label.text() == f"2 of {expected}"
    first_two = reader.browser.textCursor().selectionStart()
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert bar.current_index() == 0 and reader.browser.textCursor().selectionStart() < first_two
    qtbot.mouseClick(bar.prev_button, Qt.MouseButton.LeftButton)  # wraps to the last
    assert bar.count_label.text() == f"{expected} of {expected}"
    # Re-rendering (legend toggle) keeps the matches and the position.
    reader.set_type_visible("person", False)
    assert bar.match_count() == expected and bar.current_index() == expected - 1
    reader.set_type_visible("person", True)
    bar.search("no such words")
    assert bar.match_count() == 0 and bar.count_label.text() == "No matches"
    qtbot.keyClick(bar.edit, Qt.Key.Key_Escape)
    assert not bar.isVisible() and reader.browser.extraSelections() == []


def test_market_context_card_click_emits_series(reader, library, qtbot) -> None:  # type: ignore[no-untyped-def]
    doc = seed(library, "003")
    context: tuple[MarketContext, ...] = library.market_context(doc)
    assert context
    reader.show_document(doc, [], context)
    cards = reader.market_strip.cards()
    assert [c.series_id for c in cards] == [c.view.id for c in context]
    dated = next(c for c in context if c.at_date is not None and c.change_pct is not None)
    card = cards[context.index(dated)]
    assert dated.at_date.date.isoformat() in card.then_label.text()
    want = colours(False)["up" if dated.change_pct > 0 else "down"]
    assert want in card.change_label.styleSheet()
    with qtbot.waitSignal(reader.series_clicked) as blocker:
        qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    assert blocker.args == [dated.view.id]
    card.setFocus()
    with qtbot.waitSignal(reader.series_clicked) as blocker:
        qtbot.keyClick(card, Qt.Key.Key_Space)
    assert blocker.args == [dated.view.id]
    reader.show_document(seed(library, "002"), [], ())
    assert not reader.market_strip.isVisibleTo(reader)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://example.com/a", True),
        ("http://example.com/a?b=1", True),
        ("/article/catl-looks-to-overseas-markets", False),
        ("file:///etc/passwd", False),
        ("javascript:alert(1)", False),
        ("ftp://example.com/a", False),
        ("https://", False),
        (None, False),
    ],
)
def test_open_original_only_for_web_urls(reader, library, qtbot, url, shown) -> None:  # type: ignore[no-untyped-def]
    doc = seed(library, "003")
    doc = dataclasses.replace(doc, parsed=dataclasses.replace(doc.parsed, url=url))
    opened: list[QUrl] = []
    reader._open_url = opened.append
    reader.show_document(doc, [], ())
    assert reader.open_button.isVisibleTo(reader) is shown
    assert reader.meta_label.text() == "unknown source · 2024-06-07 · Didi Bostock"
    assert not opened  # nothing opens until the user clicks
    if shown:
        qtbot.mouseClick(reader.open_button, Qt.MouseButton.LeftButton)
        assert opened == [QUrl(url)]


def _select(reader: ReaderView, text: str) -> None:
    found = reader.browser.document().find(text, 0, QTextDocument.FindFlag.FindCaseSensitively)
    assert not found.isNull()
    reader.browser.setTextCursor(found)


def _action(menu, prefix: str):  # type: ignore[no-untyped-def]
    return next(a for a in menu.actions() if a.text().startswith(prefix))


def test_context_menu_add_entity_and_alias_and_hide(reader, library, qtbot) -> None:  # type: ignore[no-untyped-def]
    doc = seed(library, "002")
    reader.show_document(doc, [], ())
    reader.set_entity_choices([("tesla", "Tesla", "company"), ("catl", "CATL", "company")])
    _select(reader, "Megapack power storage plant")
    menu = reader.context_menu(QPoint(1, 1))
    texts = [a.text() for a in menu.actions()]
    assert "Add as entity…" in texts and "Add as alias of…" in texts
    assert not any(t.startswith("Hide this entity") for t in texts)

    _action(menu, "Add as entity").trigger()
    dialog = reader.dialog
    assert isinstance(dialog, EntityDialog) and dialog.mode == ENTITY_MODE
    assert dialog.canonical_name() == "Megapack power storage plant"
    dialog.type_combo.setCurrentIndex(dialog.type_combo.findData("product"))
    dialog.name_edit.setText("Shanghai Megafactory")
    with qtbot.waitSignal(reader.add_entity_requested) as blocker:
        dialog.accept()
    assert blocker.args == ["Megapack power storage plant", "product", "Shanghai Megafactory"]

    _select(reader, "Megapack")
    _action(reader.context_menu(QPoint(1, 1)), "Add as alias of").trigger()
    dialog = reader.dialog
    assert dialog.mode == ALIAS_MODE and dialog.selected_entity_id() is None
    assert dialog.choose_entity("tesla")
    with qtbot.waitSignal(reader.add_alias_requested) as blocker:
        dialog.accept()
    assert blocker.args == ["tesla", "Megapack"]

    position = next(p for h, p, _ in anchors(reader.browser) if h == href_of(doc, "Elon Musk"))
    point = point_of(reader.browser, position)
    reader.browser.setTextCursor(QTextCursor(reader.browser.document()))  # no selection
    menu = reader.context_menu(point)
    assert not any(a.text().startswith("Add as") for a in menu.actions())
    with qtbot.waitSignal(reader.hide_entity_requested) as blocker:
        _action(menu, "Hide this entity").trigger()
    assert blocker.args == ["elon-musk"]


def test_entity_dialog_validates_its_answers(qtbot) -> None:  # type: ignore[no-untyped-def]
    entity = EntityDialog("  Shanghai\n plant ", mode=ENTITY_MODE)
    qtbot.addWidget(entity)
    ok = entity.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert entity.canonical_name() == "Shanghai plant" and ok.isEnabled()
    entity.name_edit.setText("   ")
    assert not ok.isEnabled()
    choices = [("tesla", "Tesla", "company"), ("tesla-energy", "Tesla Energy", "company")]
    alias = EntityDialog("Giga", mode=ALIAS_MODE, choices=choices)
    qtbot.addWidget(alias)
    ok = alias.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    alias.entity_combo.setEditText("Tes")  # a partial search matches no single entity
    assert alias.selected_entity_id() is None and not ok.isEnabled()
    alias.entity_combo.setEditText("Tesla Energy (Company)")
    assert alias.selected_entity_id() == "tesla-energy" and ok.isEnabled()
    completer = alias.entity_combo.completer()
    completer.setCompletionPrefix("energy")  # searches inside names, any case
    assert completer.completionCount() == 1
    with pytest.raises(ValueError):
        EntityDialog("x", mode="other")


def test_side_list_click_and_enter_emit_entity(reader, library, qtbot) -> None:  # type: ignore[no-untyped-def]
    reader.show_document(seed(library, "002"), [], ())
    tree = reader.entity_list.tree
    item = next(i for i in reader.entity_list.entity_items() if i.text(0) == "Tesla")
    tree.scrollToItem(item)
    # The row must be laid out and on screen before it can be clicked (it once was
    # not, in a full run of the suite on a loaded machine).
    qtbot.waitUntil(lambda: tree.viewport().rect().contains(tree.visualItemRect(item).center())
                    and tree.itemAt(tree.visualItemRect(item).center()) is item, timeout=120_000)
    rect = tree.visualItemRect(item)
    with qtbot.waitSignal(reader.entity_clicked, timeout=120_000) as blocker:
        qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == ["company", "Tesla"]
    tree.setFocus()
    tree.setCurrentItem(next(i for i in reader.entity_list.entity_items() if i.text(0) == "MIIT"))
    with qtbot.waitSignal(reader.entity_clicked, timeout=120_000) as blocker:
        qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert blocker.args == ["organisation", "MIIT"]
    counts = {i.text(0): int(i.text(1)) for i in reader.entity_list.entity_items()}
    assert counts["Elon Musk"] == sum(
        1
        for s in seed(library, "002").entities
        if s.entity_id == "elon-musk" and s.start >= seed(library, "002").body_offset
    )


def test_clear_and_theme_refresh(reader, library, qtbot) -> None:  # type: ignore[no-untyped-def]
    doc = seed(library, "002")
    reader.show_document(doc, highlight_spans(doc.full_text, ["musk"]), ())
    assert colours(False)["company"] in reader.browser.toHtml()
    app = QApplication.instance()
    app.setProperty("cellsightDark", True)
    try:
        reader.refresh_theme()
        html_text = reader.browser.toHtml()
        assert colours(True)["company"] in html_text and colours(False)["company"] not in html_text
        assert colours(True)["mark"] in reader.title_label.text()
    finally:
        app.setProperty("cellsightDark", False)
    reader.clear()
    assert reader.document() is None
    assert reader.empty_label.isVisible() and reader.empty_label.text() == EMPTY_TEXT
    assert reader.entity_list.entity_items() == []


def test_open_file_for_a_report_without_a_web_address(reader, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = tmp_path / "annual report.pdf"
    report.write_bytes(b"%PDF-1.4 stand-in: only its existence matters here")
    parsed = ParsedDocument(str(report), "pdf", "Annual report", "Body text.", pages=(0,))
    opened: list[QUrl] = []
    reader._open_url = opened.append
    reader.show_document(Document("r1", parsed), [], ())
    assert reader.open_button.isVisibleTo(reader) and reader.open_button.text() == "Open file ↗"
    qtbot.mouseClick(reader.open_button, Qt.MouseButton.LeftButton)
    assert opened == [QUrl.fromLocalFile(str(report))]
    inside = dataclasses.replace(parsed, member="inner.pdf")  # only the archive is a file
    reader.show_document(Document("r2", inside), [], ())
    assert not reader.open_button.isVisibleTo(reader)
