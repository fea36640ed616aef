"""The reader's HTML: escaped, well-formed, with the right anchors and marks."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QByteArray, QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QTextBrowser

from cellsight.core.model import Document, EntitySpan, HighlightSpan, ParsedDocument
from cellsight.ui.render import (
    is_heading,
    paragraphs,
    parse_entity_href,
    render_document_html,
    render_title_html,
)
from cellsight.ui.theme import colours
from cellsight.ui.widgets.reader_view import SafeTextBrowser

_ALLOWED = {"p": {"style"}, "h3": {"style"}, "a": {"href", "style"}, "span": {"style"}}
_BLOCKS = {"p", "h3"}


class Walk(HTMLParser):
    """Checks nesting and tags; records each block's text with per-character labels."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.blocks: list[tuple[str, str]] = []  # (tag, text)
        self.labels: list[list[tuple[int | None, bool, str | None]]] = []
        self._anchor: tuple[int | None, str | None] | None = None
        self._marks = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in _ALLOWED or tag == "br", tag
        assert {k for k, _ in attrs} <= _ALLOWED.get(tag, set()), (tag, attrs)
        if tag == "br":
            self._text("\n")
            return
        if tag in _BLOCKS:
            assert not self.stack, "blocks do not nest"
            self.blocks.append((tag, ""))
            self.labels.append([])
        else:
            assert self.stack and self.stack[0] in _BLOCKS, "inline markup outside a block"
        if tag == "a":
            assert "a" not in self.stack and "span" not in self.stack
            a = dict(attrs)
            self._anchor = (parse_entity_href(a["href"] or ""), a["style"])
            assert re.fullmatch(r"entity:\d+", a["href"] or "")
        if tag == "span":
            assert "span" not in self.stack
            self._marks += 1
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag == "br", tag
        self._text("\n")

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (self.stack, tag)
        self.stack.pop()
        if tag == "a":
            self._anchor = None
        if tag == "span":
            self._marks -= 1

    def handle_data(self, data: str) -> None:
        if not self.stack:
            assert not data.strip(), f"text outside a block: {data!r}"
            return
        self._text(data)

    def _text(self, data: str) -> None:
        assert self.stack, "text outside a block"
        tag, text = self.blocks[-1]
        self.blocks[-1] = (tag, text + data)
        index, style = self._anchor if self._anchor else (None, None)
        self.labels[-1].extend((index, self._marks > 0, style) for _ in data)

    def close(self) -> None:
        super().close()
        assert not self.stack, f"unclosed: {self.stack}"


def walk(markup: str) -> Walk:
    w = Walk()
    w.feed(markup)
    w.close()
    return w


def make_doc(title: str, body: str, spans: list[EntitySpan] = ()) -> Document:  # type: ignore[assignment]
    return Document("d1", ParsedDocument("x.txt", "text", title, body), tuple(spans))


def span_of(doc: Document, surface: str, etype: str, name: str, nth: int = 0) -> EntitySpan:
    full = doc.full_text
    start = doc.body_offset - 1
    for _ in range(nth + 1):
        start = full.index(surface, start + 1)
    return EntitySpan(start, start + len(surface), etype, name.lower(), name, surface)


def with_spans(doc: Document, spans: list[EntitySpan]) -> Document:
    return Document(doc.id, doc.parsed, tuple(spans))


def test_document_markup_is_escaped_and_never_becomes_tags() -> None:
    body = (
        'Intro <script>alert(1)</script> & "quotes"\n\n'
        "<img src=http://x> <a href='file:///etc/passwd'>x</a>\n\n"
        "&lt;already&gt; escaped"
    )
    doc = make_doc("<b>Title</b>", body)
    out = render_document_html(doc, [], hidden_types=set(), dark=False)
    assert "<script" not in out and "<img" not in out and "<a href='" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&amp;lt;already&amp;gt;" in out
    w = walk(out)
    assert [t for _, t in w.blocks] == [body[s:e] for s, e in paragraphs(body)]
    assert render_title_html(doc, [], dark=False) == "&lt;b&gt;Title&lt;/b&gt;"


def test_entity_spans_become_coloured_anchors_and_hidden_types_do_not() -> None:
    doc = make_doc("T", "Elon Musk met CATL in Beijing.")
    spans = [
        span_of(doc, "Elon Musk", "person", "Elon Musk"),
        span_of(doc, "CATL", "company", "CATL"),
        span_of(doc, "Beijing", "place", "Beijing"),
    ]
    doc = with_spans(doc, spans)
    for dark in (False, True):
        c = colours(dark)
        w = walk(render_document_html(doc, [], hidden_types=set(), dark=dark))
        anchors = {(doc.entities[i].type, style) for i, _, style in w.labels[0] if i is not None}
        assert {t for t, _ in anchors} == {"person", "company", "place"}
        for etype, style in anchors:
            assert f"background-color:{c[etype]}" in style
            assert f"color:{c['entity_text']}" in style and "text-decoration:none" in style
    hidden = walk(render_document_html(doc, [], hidden_types={"company"}, dark=False))
    types = {doc.entities[i].type for i, _, _ in hidden.labels[0] if i is not None}
    assert types == {"person", "place"}
    assert hidden.blocks[0][1] == doc.parsed.text


def test_terms_overlapping_entities_nest_correctly() -> None:
    body = "Tesla CEO Elon Musk spoke.\n\nCATL and Tesla agreed."
    doc = make_doc("Musk", body)
    doc = with_spans(
        doc,
        [
            span_of(doc, "Tesla", "company", "Tesla"),
            span_of(doc, "Elon Musk", "person", "Elon Musk"),
            span_of(doc, "CATL", "company", "CATL"),
            span_of(doc, "Tesla", "company", "Tesla", nth=1),
        ],
    )
    full = doc.full_text
    # "Tesla CEO Elon" crosses two entity edges; "Musk" sits inside one entity; the
    # last term runs from inside "CATL" into the plain text; the title term is ignored.
    terms = [
        HighlightSpan(full.index("Tesla CEO Elon"), full.index(" Musk"), "term"),
        HighlightSpan(full.index("Musk spoke"), full.index(" spoke"), "term"),
        HighlightSpan(full.index("ATL and"), full.index(" Tesla agreed"), "term"),
        HighlightSpan(0, 4, "term"),
    ]
    out = render_document_html(doc, terms, hidden_types=set(), dark=False)
    w = walk(out)
    assert [t for _, t in w.blocks] == ["Tesla CEO Elon Musk spoke.", "CATL and Tesla agreed."]
    first = "".join("^" if marked else "." for _, marked, _ in w.labels[0])
    assert first == "^^^^^^^^^^^^^^.^^^^......."
    second = "".join("^" if marked else "." for _, marked, _ in w.labels[1])
    assert second == ".^^^^^^^................"[: len(w.blocks[1][1])]
    assert render_title_html(doc, terms, dark=False).startswith('<span style="background')


def test_entity_crossing_a_paragraph_break_is_split_and_title_spans_are_dropped() -> None:
    doc = make_doc("Lithium news", "about lithium\n\niron phosphate cells")
    full = doc.full_text
    start = full.index("lithium\n")
    cross = EntitySpan(start, full.index(" cells"), "material", "lfp", "LFP", "x")
    in_title = EntitySpan(0, 7, "material", "lithium", "Lithium", "Lithium")
    doc = with_spans(doc, [in_title, cross])
    w = walk(render_document_html(doc, [], hidden_types=set(), dark=False))
    assert [t for _, t in w.blocks] == ["about lithium", "iron phosphate cells"]
    marked = [["x" if i is not None else "." for i, _, _ in block] for block in w.labels]
    assert "".join(marked[0]) == "......xxxxxxx"
    assert "".join(marked[1]) == "xxxxxxxxxxxxxx......"
    assert all(i in (None, 1) for block in w.labels for i, _, _ in block)


def test_headings_only_for_short_title_case_lines_between_paragraphs() -> None:
    long = "A paragraph of ordinary text that goes on for a while. " * 3
    paras = [
        long,
        "Strategic Collaboration: CATL and Tesla Forge Ahead",
        long,
        "Photo: screenshot from social media platform",
        long,
        "How does CATL compare?",
        long,
        "Closing Words Here",
    ]
    assert [is_heading(paras, i) for i in range(len(paras))] == [
        False,
        True,
        False,
        False,
        False,
        False,
        False,
        False,
    ]
    doc = make_doc("T", "\n\n".join(paras))
    w = walk(render_document_html(doc, [], hidden_types=set(), dark=False))
    assert [tag for tag, _ in w.blocks] == ["p", "h3", "p", "p", "p", "p", "p", "p"]


def test_paragraphs_split_on_blank_lines_only() -> None:
    body = "\n  \nfirst line\nsecond line\n \t\n\nnext  \n\n"
    spans = paragraphs(body)
    assert [body[s:e] for s, e in spans] == ["first line\nsecond line", "next"]
    assert render_document_html(make_doc("T", " \n"), [], hidden_types=set(), dark=False)


_TEXT = st.text(alphabet="ab <>&\"'é;\n\t", max_size=80)


@st.composite
def documents(draw: st.DrawFn) -> tuple[Document, list[HighlightSpan], set[str]]:
    title = draw(st.text(alphabet="Tt <&", max_size=8))
    body = draw(_TEXT)
    n = len(title) + 2 + len(body)
    pos = st.integers(min_value=0, max_value=n)
    types = st.sampled_from(["company", "person", "quantity", "material"])
    spans = []
    for a, b, t in draw(st.lists(st.tuples(pos, pos, types), max_size=8)):
        s, e = min(a, b), max(a, b)
        spans.append(EntitySpan(s, e, t, f"id{len(spans)}", f"N{len(spans)}", "x"))
    terms = [
        HighlightSpan(min(a, b), max(a, b), "term")
        for a, b in draw(st.lists(st.tuples(pos, pos), max_size=6))
    ]
    hidden = draw(st.sets(types, max_size=2))
    return make_doc(title, body, spans), terms, hidden


@settings(max_examples=300, deadline=None)
@given(documents(), st.booleans())
def test_random_spans_give_well_formed_html_with_the_original_text(
    case: tuple[Document, list[HighlightSpan], set[str]], dark: bool
) -> None:
    doc, terms, hidden = case
    out = render_document_html(doc, terms, hidden_types=hidden, dark=dark)
    w = walk(out)
    body = doc.full_text[doc.body_offset :]
    paras = paragraphs(body)
    if not paras:
        assert "no text" in out
        return
    assert [t for _, t in w.blocks] == [body[s:e] for s, e in paras]
    covered = set()
    for t in terms:
        covered.update(range(t.start, t.end))
    for (s, _), labels in zip(paras, w.labels, strict=True):
        for k, (index, marked, _) in enumerate(labels):
            at = doc.body_offset + s + k
            assert marked == (at in covered)
            if index is not None:
                span = doc.entities[index]
                assert span.start <= at < span.end and span.type not in hidden


def test_safe_browser_loads_no_resources(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    picture = tmp_path / "p.png"
    picture.write_bytes(b"not really a png but a file that exists")
    local = QUrl.fromLocalFile(str(picture))
    plain = QTextBrowser()
    qtbot.addWidget(plain)
    image = QTextDocument.ResourceType.ImageResource.value
    assert plain.loadResource(image, local) is not None  # what the override prevents
    safe = SafeTextBrowser()
    qtbot.addWidget(safe)
    for url in (local, QUrl("http://example.com/x.png"), QUrl("https://x/y.css")):
        for kind in QTextDocument.ResourceType:
            assert _empty(safe.loadResource(kind.value, url))
    # Even markup that bypassed the renderer could not pull a resource in.
    safe.setHtml(f'<img src="{local.toString()}"><img src="http://example.com/x.png">')
    assert _empty(safe.document().resource(image, local))
    assert _empty(safe.document().resource(image, QUrl("http://example.com/x.png")))
    assert not safe.openLinks() and not safe.openExternalLinks()


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, QByteArray) and value.isEmpty())


@pytest.mark.parametrize("href", ["entity:", "entity:x", "http://x", "entity:-1", "file:3"])
def test_only_entity_hrefs_parse(href: str) -> None:
    assert parse_entity_href(href) is None
    assert parse_entity_href("entity:12") == 12


def test_paged_document_shows_where_each_page_begins() -> None:
    body = "First page words.\n\nStill page one.\n\nSecond page.\n\nThird page, scanned."
    pages = (0, body.index("Second"), body.index("Third"))
    parsed = ParsedDocument("r.pdf", "pdf", "Report", body, pages=pages, ocr_pages=(3,))
    out = render_document_html(Document("d", parsed), [], hidden_types=set(), dark=False)
    labels = re.findall(r"— (p\. \d+[^—]*) —", out)
    assert labels == ["p. 1", "p. 2", "p. 3 · text read by OCR"]
    assert out.index("p. 2") < out.index("Second page") < out.index("p. 3")
    plain = render_document_html(make_doc("T", body), [], hidden_types=set(), dark=False)
    assert "p. 1" not in plain
