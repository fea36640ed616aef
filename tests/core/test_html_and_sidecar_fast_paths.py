"""The ingest fast paths give exactly what the library calls they replace give.

Dates read without dateutil, sidecars found without pathlib, page tags picked from one
walk of the soup instead of a find_all() per question, UTF-16 sniffing cut short.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import unicodedata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from dateutil import parser as dateparser

from cellsight.core.ingest import dates, encoding, html_body, html_meta, tickers
from cellsight.core.ingest.text import read_sidecar
from cellsight.core.scan import SIDECAR, sidecar_for

# --- dates ---------------------------------------------------------------------------


def _dateutil(value: str) -> dt.date | None:
    try:
        return dateparser.parse(value, fuzzy=False).date()
    except (ValueError, OverflowError):
        return None


def test_month_name_dates_read_as_dateutil_reads_them() -> None:
    wrong = []
    for year in ("1000", "1999", "2024", "9999", "0099", "0100"):
        for month in dates._MONTHS:
            for day in [*map(str, range(40)), "00", "07", "010"]:
                for text in (f"{day} {month} {year}", f"{month} {day}, {year}"):
                    dates._parse_date.cache_clear()
                    if dates.parse_date(text) != _dateutil(text):
                        wrong.append(text)
    assert wrong == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, None),
        ("  ", None),
        (" 5 March 2024 ", dt.date(2024, 3, 5)),
        ("2024-03-05T10:00:00Z", dt.date(2024, 3, 5)),
        ("2024年3月5日", dt.date(2024, 3, 5)),
        ("Sept 5, 2020", dt.date(2020, 9, 5)),
        ("31 February 2020", None),
        ("not a date", None),
    ],
)
def test_parse_date(text: str | None, expected: dt.date | None) -> None:
    assert dates.parse_date(text) == expected
    assert dates.parse_date(text) == expected  # and again, from the cache


def test_ticker_dates_are_cached_without_changing_them() -> None:
    for _ in range(2):
        assert tickers.to_date("2024-06-07") == dt.date(2024, 6, 7)
        assert tickers.to_date(" 2024-06-07T10:00:00Z ") == dt.date(2024, 6, 7)
        assert tickers.to_date("2024-02-30") is None
        assert tickers.to_date("7 June 2024") is None
        assert tickers.to_date(20240607) is None


# --- sidecars ------------------------------------------------------------------------


def _pathlib_sidecar(path: Path) -> Path | None:
    for cand in (path.with_name(path.name + SIDECAR), path.with_suffix(SIDECAR)):
        if cand != path and cand.is_file():
            return cand
    return None


@pytest.mark.parametrize(
    "name", ["a.txt", "a", ".hidden", "a.", "a.b.c", "report.2024", "x.meta.json.txt"]
)
@pytest.mark.parametrize("sidecars", [(), ("long",), ("short",), ("long", "short"), ("dir",)])
def test_sidecar_lookup_matches_pathlib(tmp_path: Path, name: str, sidecars: tuple) -> None:
    path = tmp_path / name
    path.write_text("Title\n\nBody text here.", encoding="utf-8")
    long_name, short_name = path.with_name(name + SIDECAR), path.with_suffix(SIDECAR)
    for kind in sidecars:
        target = long_name if kind == "long" else short_name
        if kind == "dir":
            target.mkdir()
        else:
            target.write_text(json.dumps({"source": kind}), encoding="utf-8")
    expected = _pathlib_sidecar(path)
    assert sidecar_for(path) == expected
    assert sidecar_for(Path(os.path.relpath(path))) == _pathlib_sidecar(
        Path(os.path.relpath(path))
    )
    assert read_sidecar(path) == ({"source": json.loads(expected.read_text())["source"]}
                                  if expected else {})


def test_sidecar_of_a_path_without_a_name_raises_as_before() -> None:
    with pytest.raises(ValueError):
        sidecar_for(Path("/"))


# --- html ----------------------------------------------------------------------------

_PAGE = """<!doctype html><html><head><title>Site | Head</title>
<meta property="og:title" content="OG"><meta name="keywords" content="a, b">
<meta property="article:tag" content="one"><meta property="article:tag">
<meta property="article:tag" content="two"><meta class="article:tag x" content="three">
<link rel="stylesheet" href="/s.css"><link rel="Canonical" href="https://x.test/a">
<link rel="canonical">
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "LD"}</script>
<script type="APPLICATION/LD+JSON">[]</script><script>var x;</script>
<script type="text/javascript">1</script></head>
<body><h1>First</h1><h1>Second</h1><time datetime="2024-03-05">x</time>
<div class="body"><p>One sentence, long enough, with a <a href="#">link</a> in it.<br>A second
line, long enough too.</p><p>Third, another paragraph of some length.<br/></p></div>
</body></html>"""


def test_meta_tags_picked_in_one_walk_are_the_find_all_results() -> None:
    soup = BeautifulSoup(_PAGE, "lxml")
    by_name = html_meta._by_name(soup)
    for name in html_meta._LOOKED_AT:
        assert by_name[name] == soup.find_all(name)
    scripts = [s for s in by_name["script"] if html_meta._attr_is(
        s.get("type"), lambda v: v is not None and bool(html_meta._LD_JSON.search(v)))]
    assert scripts == soup.find_all("script", attrs={"type": html_meta._LD_JSON})
    assert [str(c) for c in html_meta._all_content(by_name, "article:tag")] == [
        str(t["content"])
        for t in soup.find_all("meta", attrs={"property": "article:tag", "content": True})
    ]
    links = soup.find_all("link", href=True)
    assert html_meta._canonical(by_name) == "https://x.test/a" and len(links) == 2
    assert html_meta._heading(by_name) == "First"
    assert html_meta._title_tag(by_name) == "Site | Head"
    meta = html_meta.extract_meta(soup)
    assert (meta.title, meta.date, meta.tags) == ("LD", dt.date(2024, 3, 5), ("one", "two"))


def test_named_tags_are_the_find_all_results() -> None:
    soup = BeautifulSoup(_PAGE, "lxml")
    for name in ("p", "a", "br", "h1", "body", "meta"):
        assert list(html_body._named(soup, name)) == soup.find_all(name)
    assert next(html_body._named(soup, "body")) is soup.body
    assert html_body.soup_paragraphs(soup) == [
        "One sentence, long enough, with a link in it.",
        "A second line, long enough too.",
        "Third, another paragraph of some length.",
    ]


# --- encoding ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"abc",
        b"plain text, no NUL",
        "UTF-16 text without a BOM".encode("utf-16-le"),
        "UTF-16 text without a BOM".encode("utf-16-be"),
        b"\x00" * 64,
        bytes(range(256)) * 4,
        b"text with one \x00 NUL in it",
    ],
)
def test_utf16_sniffing_without_nul_bytes_is_unchanged(data: bytes) -> None:
    sample = data[: min(len(data), 65536) & ~1]
    half = len(sample) // 2
    expected = None
    if len(sample) >= 4:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if odd > 0.4 * half and even < 0.05 * half:
            expected = "utf-16-le"
        elif even > 0.4 * half and odd < 0.05 * half:
            expected = "utf-16-be"
        if expected and encoding._bad_share(sample.decode(expected, errors="replace")) >= 0.02:
            expected = None
    assert encoding._bomless_utf16(data) == expected


def test_stripped_characters_are_ascii_controls_and_the_bom() -> None:
    stripped = [chr(c) for c in range(0x110000) if encoding._STRIP_CONTROLS.match(chr(c))]
    assert [c for c in stripped if not c.isascii()] == ["\ufeff"]
    kept = set(encoding._KEPT_BYTES)
    assert [c for c in stripped if c.isascii()] == [chr(b) for b in range(128) if b not in kept]


@pytest.mark.parametrize(
    "text",
    ["", "plain", "tab\tand\nlines\r\x0c", "nul\x00", "bell\x07", "del\x7f", "bom\ufeff",
     "zwnbsp-like \u200b\u2060", "surrogate \ud800 here", "CJK 电池 and ß", "\x1f", "\x0b"],
)
def test_control_check_agrees_with_the_regex(text: str) -> None:
    assert encoding._has_stripped(text) == bool(encoding._STRIP_CONTROLS.search(text))
    assert encoding.clean_text(text) == unicodedata.normalize(
        "NFC", encoding._STRIP_CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    )
