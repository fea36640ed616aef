"""Hostile documents: no markup survives ingest, the reader loads nothing and opens
nothing by itself, and nothing in a document writes outside the library folder."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import SEEDS, tree
from PySide6.QtCore import QByteArray, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QTextDocument
from PySide6.QtGui import Qt as GuiQt  # mightBeRichText lives in QtGui's Qt
from PySide6.QtWidgets import QLabel

from cellsight.core.library import Library
from cellsight.core.model import Document
from cellsight.ui.widgets.reader_view import ReaderView, SafeTextBrowser

TRACKER = "tracker.example"
ARTICLE = ("Cathode makers in Poland expanded output again this quarter, and buyers of "
           "high-nickel material signed longer contracts, officials said.")
HOSTILE_PAGES = {
    "scripts.html": f"""<!doctype html><html><head><title>Poland cathode output</title>
<meta http-equiv="refresh" content="0;url=file:///etc/passwd">
<link rel="stylesheet" href="http://{TRACKER}/s.css"><base href="file:///">
<style>body {{ background: url(http://{TRACKER}/bg.png) }}</style>
<script>fetch("http://{TRACKER}/beacon")</script></head>
<body onload="steal()"><article><h1>Poland cathode output</h1>
<p onmouseover="alert(1)" style="background-image:url('http://{TRACKER}/p.gif')">{ARTICLE}</p>
<img src="http://{TRACKER}/pixel.gif" onerror="alert(2)" alt="">
<p>Read the <a href="file:///etc/shadow">filing</a> or <a href="javascript:alert(3)">this</a>
and <a href="https://example.com/ok">the source</a>.</p>
<iframe src="http://{TRACKER}/frame" srcdoc="<script>alert(4)</script>"></iframe>
<object data="file:///etc/hosts"></object><embed src="http://{TRACKER}/e.swf">
<svg onload="alert(5)"><image href="http://{TRACKER}/svg.png"/></svg>
<form action="http://{TRACKER}/post"><input name="q" value="x"></form>
<template><img src="http://{TRACKER}/t.gif"></template></article></body></html>""",
    "canonical.html": f"""<html><head><title>Nickel contracts lengthen</title>
<link rel="canonical" href="file:///etc/passwd"><meta property="og:url" content="javascript:x()">
<meta property="og:image" content="http://{TRACKER}/og.png"></head><body><main>
<p>{ARTICLE}</p><p>Traders expect more <b onclick="x()">long-term</b> deals.</p></main>
</body></html>""",
}
MARKERS = ("<", ">", "alert(", "steal(", "fetch(", TRACKER, "javascript:", "file:", "url(",
           "onerror", "onload", "refresh")


def hostile_payload() -> str:
    """A Storyblok story whose slug and links try path traversal and local files."""
    return json.dumps([
        {"story": 1}, {"name": 2, "slug": 3, "full_slug": 3, "content": 4}, "Traversal story",
        "../../../../etc/cellsight-owned", {"component": 5, "body": 6, "canonical": 11},
        "article", {"type": 7, "content": 8}, "doc", [9], {"type": 10, "content": 12},
        "paragraph", "file:///etc/passwd", [13, 16], {"type": 14, "text": 15, "marks": 18},
        "text", ARTICLE, {"type": 14, "text": 17}, "<img src=x onerror=alert(9)>", [19],
        {"type": 20, "attrs": 21}, "link", {"href": 22}, "javascript:alert(10)",
    ])


@pytest.fixture(scope="module")
def hostile_library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Library, Path]]:
    root = tmp_path_factory.mktemp("hostile")
    src = root / "src"
    src.mkdir()
    for name, page in HOSTILE_PAGES.items():
        (src / name).write_text(page)
    (src / "payload.json").write_text(hostile_payload())
    (src / "sidecar.txt").write_text(f"Sidecar note\n\n{ARTICLE}")
    (src / "sidecar.txt.meta.json").write_text(json.dumps({
        "url": "../../../../tmp/cellsight-escape", "title": "../../../etc/x",
        "source": "/etc/passwd", "path": "/etc/cron.d/evil",
    }))
    outside_before = tree(root)
    lib = Library(root / "lib")
    report = lib.update([src])
    assert not report.failed, report.failed
    lib.update([src, SEEDS])
    # Nothing new anywhere under the test folder except inside the library itself.
    created = {p for p in tree(root) - outside_before if not p.startswith("lib")}
    assert not created, created
    yield lib, src
    lib.close()


def test_no_markup_or_remote_reference_survives_ingest(hostile_library) -> None:  # type: ignore[no-untyped-def]
    lib, src = hostile_library
    docs = [d for d in lib.store.documents() if d.parsed.path.startswith(str(src))]
    assert len(docs) == 4
    for doc in docs:
        p = doc.parsed
        stored = " ".join(filter(None, (p.title, p.text, p.author, p.source, p.excerpt,
                                        *p.tags, *p.categories)))
        for marker in MARKERS:
            assert marker not in stored.replace("<img src=x onerror=alert(9)>", ""), (
                p.path, marker)
        assert p.url is None or p.url.startswith(("http://", "https://", "/", "../")), p.url
        assert "Cathode makers in Poland" in p.text
    payload = next(d for d in docs if d.parsed.path.endswith("payload.json"))
    # A document's own literal text is kept as text (escaped at display), never as markup.
    assert "<img src=x onerror=alert(9)>" in payload.parsed.text


@pytest.fixture
def opened(monkeypatch) -> list[QUrl]:  # type: ignore[no-untyped-def]
    calls: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: calls.append(url) or True)
    return calls


@pytest.fixture
def loads(monkeypatch) -> list[tuple[str, bool]]:  # type: ignore[no-untyped-def]
    seen: list[tuple[str, bool]] = []
    real = SafeTextBrowser.loadResource

    def recording(self: SafeTextBrowser, kind: int, url: QUrl) -> QByteArray:
        out = real(self, kind, url)
        seen.append((url.toString(), not (out is None or out.isEmpty())))
        return out

    monkeypatch.setattr(SafeTextBrowser, "loadResource", recording)
    return seen


def poisoned(doc: Document) -> Document:
    """The document with markup planted in every field the reader shows."""
    img = f'<img src="http://{TRACKER}/x.gif"><a href="file:///etc/passwd">f</a>'
    parsed = dataclasses.replace(
        doc.parsed, title=f"{img} {doc.parsed.title}", author=img, source=img,
        tags=(img,), categories=(img,),
        text=doc.parsed.text + f'\n\n{img} <script>alert(1)</script> <a href="javascript:x">j</a>',
    )
    return dataclasses.replace(doc, parsed=parsed)


def test_reader_loads_nothing_and_shows_markup_as_text(hostile_library, qtbot, loads,  # type: ignore[no-untyped-def]
                                                       opened) -> None:
    lib, _ = hostile_library
    view = ReaderView()
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    qtbot.waitExposed(view)
    for doc in lib.store.documents():
        for shown in (doc, poisoned(doc)):
            ctx = lib.market_context(shown)
            ctx = tuple(dataclasses.replace(c, view=dataclasses.replace(
                c.view, series=dataclasses.replace(c.view.series, label="<img src=x>Li")))
                for c in ctx)
            view.show_document(shown, lib.highlights(shown, "cathode"), ctx)
            qtbot.wait(5)
            # Any resource the browser was asked for came back empty.
            assert not [u for u, got in loads if got]
            image = QTextDocument.ResourceType.ImageResource.value
            for url in (f"http://{TRACKER}/x.gif", "file:///etc/passwd"):
                res = view.browser.document().resource(image, QUrl(url))
                assert res is None or (isinstance(res, QByteArray) and res.isEmpty())
            # Labels show document text as text: markup from the document is escaped.
            for label in view.findChildren(QLabel):
                text = label.text()
                if label.textFormat() == Qt.TextFormat.PlainText or not GuiQt.mightBeRichText(text):
                    continue
                assert "<img" not in text and "<a href=\"file" not in text, text
    assert not opened


@pytest.mark.parametrize("href", ["file:///etc/passwd", "javascript:alert(1)", "entity:999",
                                  "http://tracker.example/x", "ftp://x/y", "data:text/html,x"])
def test_link_clicks_in_the_body_open_nothing(hostile_library, qtbot, opened, href) -> None:  # type: ignore[no-untyped-def]
    lib, _ = hostile_library
    view = ReaderView()
    qtbot.addWidget(view)
    doc = poisoned(next(iter(lib.store.documents())))
    view.show_document(doc, [], ())
    view.browser.anchorClicked.emit(QUrl(href))
    # The rendered body has no anchors other than entity ones the app wrote itself.
    block = view.browser.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            anchor = it.fragment().charFormat().anchorHref()
            assert not anchor or anchor.startswith("entity:"), anchor
            it += 1
        block = block.next()
    assert not opened


def test_open_original_only_for_web_urls_and_only_on_click(hostile_library, qtbot,  # type: ignore[no-untyped-def]
                                                            opened) -> None:
    lib, src = hostile_library
    view = ReaderView()
    qtbot.addWidget(view)
    view.show()
    docs = {Path(d.parsed.path).name: d for d in lib.store.documents()
            if d.parsed.path.startswith(str(src))}
    for name in ("canonical.html", "payload.json", "sidecar.txt"):
        view.show_document(docs[name], [], ())
        assert not view.open_button.isVisibleTo(view), (name, docs[name].parsed.url)
    web = dataclasses.replace(docs["scripts.html"], parsed=dataclasses.replace(
        docs["scripts.html"].parsed, url="https://example.com/ok"))
    view.show_document(web, [], ())
    assert not opened  # nothing opens by itself
    qtbot.mouseClick(view.open_button, Qt.MouseButton.LeftButton)
    assert opened == [QUrl("https://example.com/ok")]
