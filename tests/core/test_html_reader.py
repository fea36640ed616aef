"""HtmlReader: page metadata, article body extraction, embedded Nuxt payloads."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest

from cellsight.core.errors import IngestError
from cellsight.core.ingest.html import HtmlReader, declared_charset
from cellsight.core.ingest.html_meta import strip_site_suffix

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "html"
BENCH = ROOT / "benchmarks" / "html_extraction"
READER = HtmlReader()


def read(path: Path) -> list:
    return READER.read(path, path.read_bytes())


def test_json_ld_graph_metadata_and_body() -> None:
    (doc,) = read(DATA / "jsonld_graph.html")
    assert doc.kind == "html"
    assert doc.title == "Ford’s Marshall plant nears completion" and not doc.title_derived
    assert doc.date == dt.date(2024, 3, 28)
    assert doc.author == "Jo Park, Ana Ruiz"
    assert doc.source == "Battery Desk"
    assert doc.url == "https://batterydesk.example/2024/03/ford-marshall/"
    assert doc.image == "https://batterydesk.example/img/marshall.jpg"
    assert doc.tags == ("Ford", "LFP", "CATL") and doc.categories == ("Plants",)
    assert doc.excerpt == "The LFP plant licensed from CATL is in its final phase."
    paras = doc.text.split("\n\n")
    assert paras[0].startswith("Ford’s lithium iron phosphate battery plant")
    assert "Licensing model" in paras
    assert paras[-1].startswith("Production is slated to begin in 2026")
    for junk in (
        "Advertisement",
        "Cobalt slides",
        "All rights reserved",
        "SECRET-TRACKER",
        "By Jo Park",
        "Home",
    ):
        assert junk not in doc.text


def test_opengraph_page_with_mislabelled_latin1() -> None:
    (doc,) = read(DATA / "opengraph_only.html")
    assert doc.title == "Cobalt refiners face scrutiny"
    assert doc.url == "https://metals.example/news/cobalt-refiners"
    assert doc.source == "metals.example"  # the canonical host: the page names no site
    assert doc.author == "Lena Vogel" and doc.date == dt.date(2024, 6, 12)
    assert doc.tags == ("cobalt", "ESG") and doc.excerpt == "Refiners promise audits."
    assert "miner’s chief executive" in doc.text and "“highest” standards – a claim" in doc.text
    assert "Comment:" not in doc.text


def test_time_element_and_h1_title() -> None:
    (doc,) = read(DATA / "time_and_title_only.html")
    assert doc.title == "Graphite licences slow shipments"
    assert doc.date == dt.date(2024, 2, 20)
    assert doc.source is None and doc.author is None
    assert doc.text.startswith("Posted 20 February\n\nExporters of spherical graphite")


def test_untitled_page_derives_a_title(tmp_path: Path) -> None:
    page = tmp_path / "untitled.html"
    page.write_text(
        "<html><body><p>Nickel prices slid again on Monday. Traders blamed "
        "new supply from Indonesia.</p></body></html>"
    )
    (doc,) = read(page)
    assert doc.title == "Nickel prices slid again on Monday" and doc.title_derived


def test_page_without_article_text(tmp_path: Path) -> None:
    page = tmp_path / "app.html"
    page.write_text(
        "<!doctype html><html><body><div id=app></div><script>go()</script></body></html>"
    )
    with pytest.raises(IngestError, match="no article text"):
        read(page)


def test_sniff() -> None:
    assert READER.sniff(Path("a.html"), b"<p>hi") == 80
    assert READER.sniff(Path("a.txt"), b"\xef\xbb\xbf  <!DOCTYPE html><html>") == 85
    assert READER.sniff(Path("a.txt"), b"<!-- saved --> <html lang=en>") == 85
    assert READER.sniff(Path("a.txt"), b"Plain words") == 0
    assert READER.sniff(Path("a.dat"), bytes(range(256))) == 0


def test_declared_charset() -> None:
    assert declared_charset(b'<meta charset="gb2312">') == "gb2312"
    assert (
        declared_charset(
            b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
        )
        == "windows-1252"
    )
    assert declared_charset(b'<?xml version="1.0" encoding="ISO-8859-1"?><html>') == "ISO-8859-1"
    assert declared_charset(b"<html><p>none</p>") is None


def test_site_suffix_stripping() -> None:
    assert strip_site_suffix("Nickel glut | Mining Example", "Mining Example") == "Nickel glut"
    assert strip_site_suffix("Mining Example - Nickel glut", "Mining Example") == "Nickel glut"
    assert strip_site_suffix("Nickel - the glut", "Mining Example") == "Nickel - the glut"
    assert strip_site_suffix("碳酸锂价格上涨_新闻网示例", "新闻网示例") == "碳酸锂价格上涨"


def _nuxt_page(tmp_path: Path, payload: str) -> Path:
    page = tmp_path / "story.html"
    page.write_text(
        '<!doctype html><html><head><link rel="canonical" href="https://prices.example/a/b">'
        "<title>Shell title</title></head><body><div id=__nuxt><p>The shell page has a "
        "paragraph of its own that is long enough to count as text.</p></div>"
        f'<script type="application/json" id="__NUXT_DATA__" data-ssr="true">{payload}'
        "</script></body></html>",
        encoding="utf-8",
    )
    return page


needs_payload = pytest.mark.skipif(
    importlib.util.find_spec("cellsight.core.ingest.payload") is None,
    reason="payload reader not available",
)


@needs_payload
def test_embedded_nuxt_payload_is_used(tmp_path: Path) -> None:
    seed = next((ROOT / "seeds").glob("003_*.txt")).read_text(encoding="utf-8")
    docs = read(_nuxt_page(tmp_path, seed))
    assert docs[0].title == "CATL looks to overseas markets amid domestic battery oversupply"
    assert len(docs[0].series) == 15
    assert all(d.path.endswith("story.html") for d in docs)
    assert docs[0].url is not None and docs[0].url.startswith("https://prices.example/")


@needs_payload
def test_unusable_payload_falls_back_to_html(tmp_path: Path) -> None:
    (doc,) = read(_nuxt_page(tmp_path, '[{"data":1},{"nothing":"here"}]'))
    assert doc.kind == "html" and "shell page has a paragraph" in doc.text


def test_missing_payload_module_falls_back_to_html(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "cellsight.core.ingest.payload", None)
    seed = next((ROOT / "seeds").glob("003_*.txt")).read_text(encoding="utf-8")
    (doc,) = read(_nuxt_page(tmp_path, seed))
    assert doc.kind == "html" and doc.title == "Shell title"
    assert "shell page has a paragraph" in doc.text


def test_benchmark_pages_extract_well() -> None:
    spec = importlib.util.spec_from_file_location("html_bench_evaluate", BENCH / "evaluate.py")
    assert spec is not None and spec.loader is not None
    evaluate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(evaluate)
    scores = []
    for truth in sorted((BENCH / "truth").glob("*.txt")):
        (doc,) = read(BENCH / "pages" / f"{truth.stem}.html")
        _, recall, f1 = evaluate.score(doc.text, truth.read_text(encoding="utf-8"))
        assert recall > 0.95, truth.stem
        scores.append(f1)
    assert len(scores) >= 8
    assert sum(scores) / len(scores) > 0.95
