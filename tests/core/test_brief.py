"""Briefs: what they hold, that every statement cites its document, and that hostile
document text stays text in HTML and Markdown."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cellsight.cli import main
from cellsight.core.errors import QueryError
from cellsight.core.library import Library
from cellsight.core.model import SearchRequest
from cellsight.core.workbench.brief import Brief, build_brief, write_brief
from cellsight.core.workbench.brief_html import render_html
from cellsight.core.workbench.brief_md import md
from cellsight.core.workbench.svg_chart import ChartMarker, line_chart_svg

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
PAYLOAD_TITLE = "CATL looks to overseas markets amid domestic battery oversupply"
NOTE = "Licensing instead of building plants: watch the royalty terms."
QUOTE = "technology licensing partnerships"
HOSTILE = ('<script>alert("x")</script><img src="http://evil.example/a.png"> '
           '[click](javascript:alert(1)) ![pixel](http://evil.example/b.png) '
           '**bold** | cell | `code` & <b onmouseover="x()">b</b>')  # fmt: skip


def _library(root: Path, extra: dict[str, str] | None = None) -> Library:
    src = root / "src"
    shutil.copytree(SEEDS, src)
    for name, text in (extra or {}).items():
        (src / name).write_text(text, encoding="utf-8")
    lib = Library(root / "lib")
    assert not lib.update([src]).failed
    return lib


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Library:
    lib = _library(tmp_path_factory.mktemp("brief"))
    wb = lib.workbench
    wb.save_search("CATL licensing", SearchRequest(query="licensing"))
    hit = lib.search(f'"{QUOTE}"').hits[0]
    wb.note(hit.id, NOTE)
    full = lib.document(hit.id).full_text  # type: ignore[union-attr]
    start = full.index(QUOTE)
    wb.quote(hit.id, start, start + len(QUOTE))
    wb.tag([hit.id], "licensing watch")
    yield lib
    lib.close()


def _payload_id(lib: Library) -> str:
    return next(h.id for h in lib.search("*").hits if h.title == PAYLOAD_TITLE)


def test_brief_of_everything_holds_documents_charts_and_moves(lib: Library) -> None:
    brief = build_brief(lib, request=SearchRequest(query="*"))
    assert brief.title == "All documents" and brief.origin == "Search"
    assert [d.ref for d in brief.documents] == [1, 2, 3, 4] and brief.total == 4
    assert not brief.cited_only
    assert brief.date_range == (dt.date(2024, 6, 7), dt.date(2024, 6, 7))
    payload = next(d for d in brief.documents if d.title == PAYLOAD_TITLE)
    assert payload.topics and payload.date == dt.date(2024, 6, 7)
    # CATL is named in every document and links the battery series; most mentioned first.
    assert len(brief.charts) == 3
    assert brief.charts[0].series_id == "lithium-ion-batteries"
    (marker,) = brief.charts[0].markers
    assert (marker.date, marker.label) == (dt.date(2024, 6, 7), str(payload.ref))
    move = brief.moves[0]
    # One dated article: too short a range for two points, so the points either side.
    assert move.coverage == "around"
    assert (move.first.date, move.first.value) == (dt.date(2024, 5, 31), 90.7)
    assert (move.last.date, move.last.value) == (dt.date(2024, 6, 28), 87.2)
    assert move.change_pct == pytest.approx(-3.8589, abs=1e-3)
    assert (move.high.value, move.low.value) == (90.7, 87.2)
    assert move.refs == (payload.ref,) and move.url == "/battery-gigafactory/prices"
    assert brief.moves[1].coverage == "series"  # LFP's points start after the article


def _citations(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\[(\d+)\]", text)}


def test_every_citation_names_a_listed_document(lib: Library) -> None:
    brief = build_brief(lib, saved="CATL licensing")
    refs = {d.ref for d in brief.documents}
    # The payload that supplied the price points is cited though it does not match.
    (source,) = brief.cited_only
    assert source.title == PAYLOAD_TITLE and source.ref == len(brief.documents)
    assert all(m.refs == (source.ref,) for m in brief.moves)
    page = render_html(brief)
    assert _citations(page) <= refs and refs <= _citations(page)
    for ref in refs:
        assert f'<a name="ref-{ref}"></a>' in page
    noted = next(d for d in brief.documents if d.notes)
    assert re.search(re.escape(NOTE) + r'</span> <span class="cite">\[' + str(noted.ref), page)
    assert re.search(re.escape(QUOTE) + r'” <span class="cite">\[' + str(noted.ref), page)
    text = _markdown(brief)
    assert _citations(text) <= refs
    assert f"{NOTE} [{noted.ref}]" in text and f"{QUOTE}” [{noted.ref}]" in text


def _markdown(brief: Brief) -> str:
    from cellsight.core.workbench.brief_md import render_markdown

    return render_markdown(brief, [f"c{i}.svg" for i in range(len(brief.charts))])


def test_brief_from_a_saved_search_has_notes_quotes_and_tags(lib: Library) -> None:
    before = lib.workbench.saved("CATL licensing").last_seen
    brief = build_brief(lib, saved="CATL licensing", title="  ")
    assert brief.title == "CATL licensing" and brief.origin == "Saved search “CATL licensing”"
    assert brief.query == "licensing"
    assert len(brief.selected) == 2
    noted = next(d for d in brief.selected if d.notes)
    assert [n.text for n in noted.notes] == [NOTE]
    assert [q.text for q in noted.quotes] == [QUOTE] and noted.quotes[0].page is None
    assert noted.tags == ("licensing watch",)
    assert lib.workbench.saved("CATL licensing").last_seen == before  # not marked seen
    assert build_brief(lib, saved="CATL licensing", title="Weekly", limit=1).title == "Weekly"
    one = build_brief(lib, saved="CATL licensing", limit=1)
    assert len(one.selected) == 1 and one.total == 2
    assert "1 document of 2 matching" in render_html(one)


def test_selection_keeps_its_order_and_refuses_unknown_ids(lib: Library) -> None:
    ids = [h.id for h in lib.search("*").hits]
    brief = build_brief(lib, doc_ids=[ids[2], ids[0], ids[2]])
    assert [d.id for d in brief.selected] == [ids[2], ids[0]]
    assert brief.origin == "Selection" and brief.query is None
    with pytest.raises(QueryError):
        build_brief(lib, doc_ids=["nope"])
    with pytest.raises(ValueError):
        build_brief(lib, saved="CATL licensing", doc_ids=ids)
    with pytest.raises(ValueError):
        build_brief(lib)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _hostile_library(root: Path) -> Library:
    body = ("CATL said its lithium-ion cells would be licensed. " + HOSTILE + "\n\n"
            "More text about CATL and LFP.")  # fmt: skip
    meta = {"title": "<script>alert('t')</script> Evil & co", "date": "2024-06-20",
            "source": "<img src=x onerror=alert(1)> [src](javascript:alert(2))",
            "url": "javascript:alert(3)"}  # fmt: skip
    lib = _library(root, {"evil.txt": body, "evil.meta.json": json.dumps(meta)})
    evil = next(h.id for h in lib.search("Evil").hits)
    lib.workbench.note(evil, HOSTILE + "\n# heading\n- item\n1. one\n> quoted")
    full = lib.document(evil).full_text  # type: ignore[union-attr]
    lib.workbench.quote(evil, full.index("<script>alert(\"x\")"), full.index("More text"))
    return lib


def test_hostile_text_is_escaped_in_html_and_markdown(tmp_path: Path) -> None:
    lib = _hostile_library(tmp_path)
    brief = build_brief(lib, request=SearchRequest(query="CATL"))
    evil = next(d for d in brief.documents if "Evil" in d.title)
    assert evil.notes and evil.quotes
    written = write_brief(brief, tmp_path / "b.html", "html")
    page = written[0].read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(page)
    names = {t for t, _ in parser.tags}
    assert not names & {"script", "iframe", "object", "embed", "link", "b", "form"}
    for tag, attrs in parser.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        if tag == "img":
            assert (attrs["src"] or "").startswith("data:image/svg+xml;base64,")
        if tag == "a" and "href" in attrs:
            assert (attrs["href"] or "").startswith(("http://", "https://")), attrs
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt; Evil &amp; co" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    for _, attrs in (t for t in parser.tags if t[0] == "img"):
        svg = base64.b64decode((attrs["src"] or "").split(",", 1)[1]).decode()
        root = ET.fromstring(svg)
        assert not [e for e in root.iter() if e.tag.endswith(("script", "foreignObject"))]

    text = write_brief(brief, tmp_path / "b.md", "md")[0].read_text(encoding="utf-8")
    assert "<script" not in text and "<img" not in text and "<b " not in text
    images = [line for line in text.splitlines() if "![" in line.replace("\\!", "").replace(
        "!\\[", "")]  # fmt: skip
    assert all(line.startswith("![") and "](b_files/" in line for line in images)
    assert "\\[click\\](javascript:alert(1))" in text
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark", {"html": True}).render(text)
    parser = _Tags()
    parser.feed(rendered)
    names = {t for t, _ in parser.tags}
    assert not names & {"script", "b", "code", "iframe"}
    assert "<strong>bold</strong>" not in rendered and "<td>" not in rendered.split("Documents")[1]
    tags = [t for t, _ in parser.tags]
    assert tags.count("h1") == 1 and tags.count("h3") == len(brief.selected)
    for tag, attrs in parser.tags:
        if tag == "img":
            assert (attrs["src"] or "").startswith("b_files/")
        if tag == "a":
            assert (attrs.get("href") or "").startswith(("http://", "https://"))
    lib.close()


def test_markdown_writes_its_charts_beside_it(lib: Library, tmp_path: Path) -> None:
    brief = build_brief(lib, request=SearchRequest(query="*"))
    out = tmp_path / "week 23.md"
    written = write_brief(brief, out, "md")
    assert written[0] == out and len(written) == 1 + len(brief.charts)
    text = out.read_text(encoding="utf-8")
    for chart_file in written[1:]:
        assert chart_file.parent == tmp_path / "week 23_files"
        ET.fromstring(chart_file.read_text(encoding="utf-8"))  # well-formed SVG
        assert f"](week%2023_files/{chart_file.name})" in text
    assert "| Series | From | To | Change | High | Low | Source |" in text


def test_markdown_escape_leaves_plain_prose_readable() -> None:
    assert md("CATL (China) will invest $3.5 billion!") == "CATL (China) will invest $3.5 billion!"
    assert (md("a_b *c* [d](e) <x> & #1 | y")
            == "a\\_b \\*c\\* \\[d\\](e) &lt;x&gt; &amp; \\#1 \\| y")
    assert md("- not a list") == "\\- not a list" and md("2. not either") == "2\\. not either"


def test_svg_chart_axes_markers_and_escaping() -> None:
    pts = [(dt.date(2024, 1, 1) + dt.timedelta(days=30 * i), 100.0 + i) for i in range(8)]
    svg = line_chart_svg(pts, title="<Li> & \x01co", unit="USD/t",
                         markers=[ChartMarker(dt.date(2024, 3, 15), "2", "<t>"),
                                  ChartMarker(dt.date(2024, 3, 15), "1", "u"),
                                  ChartMarker(dt.date(2030, 1, 1), "9", "outside")])  # fmt: skip
    root = ET.fromstring(svg)
    texts = [e.text for e in root.iter() if e.tag.endswith("text")]
    assert "<Li> & co" in texts and "USD/t" in texts
    assert "1, 2" in texts and "9" not in texts  # one tag per day, none off the chart
    assert "Feb 2024" in texts and "100" in texts and "108" in texts
    ET.fromstring(line_chart_svg(pts[:1], title="one", unit="u"))
    assert "no points" in line_chart_svg([], title="none", unit="u")


def test_cli_brief(lib: Library, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--library", str(lib.folder)]
    assert main([*args, "brief", "-o", str(tmp_path / "b.html"), "licensing"]) == 0
    assert "2 documents" in capsys.readouterr().out
    assert "<h1>licensing</h1>" in (tmp_path / "b.html").read_text(encoding="utf-8")
    assert main([*args, "brief", "--saved", "CATL licensing", "--title", "Week",
                 "-o", str(tmp_path / "w.md")]) == 0  # fmt: skip
    assert (tmp_path / "w.md").read_text(encoding="utf-8").startswith("# Week\n")
    assert main([*args, "brief", "--saved", "nope", "-o", str(tmp_path / "x.md")]) == 2
    for bad in (["-o", str(tmp_path / "x.txt"), "licensing"],
                ["--saved", "CATL licensing", "-o", str(tmp_path / "x.md"), "licensing"],
                ["-o", str(tmp_path / "x.md")]):  # fmt: skip
        with pytest.raises(SystemExit) as exc:
            main([*args, "brief", *bad])
        assert exc.value.code == 2


def test_imported_points_are_cited_by_file(tmp_path: Path) -> None:
    lib = _library(tmp_path)
    csv = tmp_path / "lfp-desk.csv"
    csv.write_text("date,LFP\n2024-06-01,100\n2024-06-15,104\n", encoding="utf-8")
    lib.import_prices(csv)
    brief = build_brief(lib, doc_ids=[_payload_id(lib)])
    move = next(m for m in brief.moves if m.series_id == "lfp")
    assert move.coverage == "around" and move.change_pct == pytest.approx(4.0)
    assert move.imported == ("lfp-desk.csv",) and move.refs == ()
    assert "imported from lfp-desk.csv" in render_html(brief)
    # A series that reaches the brief's dates comes before one that cannot show them.
    assert [m.coverage for m in brief.moves][:2] == ["around", "around"]
    lib.close()
