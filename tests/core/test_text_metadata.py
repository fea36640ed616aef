"""Headline, date, author and source read from the words of a clipping.

The labelled set (tests/data/articles, sources in tests/data/README.md) holds real
pages saved as text clippings, furniture and all. Its floors are the figures
measured when the reader learned to read them (benchmarks/metadata_eval.py prints
the table); date precision is held at 1.0, as a wrong date is worse than none.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest

from cellsight.core.ingest.datelines import line_dates
from cellsight.core.ingest.html import HtmlReader
from cellsight.core.ingest.text import TextReader

ROOT = Path(__file__).resolve().parents[2]
READER = TextReader()


def _eval_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "metadata_eval", ROOT / "benchmarks" / "metadata_eval.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("metadata_eval", module)
    spec.loader.exec_module(module)
    return module


EVAL = _eval_module()

# lang: (title, date precision, date recall, author p, author r, source p, source r)
FLOORS = {
    "en": (1.00, 1.0, 0.76, 1.00, 0.88, 1.00, 0.32),
    "de": (1.00, 1.0, 0.72, 1.00, 0.77, 1.00, 0.04),
    "zh-Hans": (1.00, 1.0, 1.00, 1.00, 0.85, 1.00, 0.94),
    "zh-Hant": (1.00, 1.0, 0.92, 1.00, 0.88, 1.00, 0.61),
}


@pytest.fixture(scope="module")
def table() -> dict[str, dict[str, float]]:
    return EVAL.score(EVAL.current_reader())


def test_labelled_set_is_real_and_covers_every_language() -> None:
    labels = EVAL.load_labels()
    assert len(labels) >= 60
    langs = [label["lang"] for label in labels.values()]
    assert {lang: langs.count(lang) >= 10 for lang in FLOORS} == dict.fromkeys(FLOORS, True)
    for label in labels.values():
        assert (EVAL.ARTICLES / label["file"]).stat().st_size < 6000
        assert label["corpus"] and label["corpus_path"] and label["licence"]


@pytest.mark.parametrize("lang", list(FLOORS))
def test_field_accuracy_holds_its_floor(table: dict, lang: str) -> None:
    row = table[lang]
    got = tuple(round(row[c], 2) for c in EVAL.COLUMNS)
    floor = FLOORS[lang]
    assert all(g >= f for g, f in zip(got, floor, strict=True)), (lang, got, floor)


def test_no_wrong_date_on_the_labelled_set(table: dict) -> None:
    assert table["all"]["date_p"] == 1.0


def test_the_eval_runs_against_the_committed_reader_too() -> None:
    # The "before" column: a copy of text.py built from source, not registered.
    source = (ROOT / "desktop" / "cellsight" / "core" / "ingest" / "text.py").read_text("utf-8")
    read = EVAL.reader_from_source(source)
    label = next(iter(EVAL.load_labels().values()))
    assert read(EVAL.ARTICLES / label["file"]).title


# --- the reader on clippings written for one rule each ----------------------------


def read(tmp_path: Path, text: str, name: str = "clip.txt"):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    (doc,) = READER.read(path, path.read_bytes())
    return doc


def test_chinese_furniture_source_and_datetime(tmp_path: Path) -> None:
    doc = read(
        tmp_path,
        "设置 • 日夜间 • 字号\n首页 > 科技 > 正文\n"
        "宁德时代发布新一代钠离子电池 能量密度达160Wh/kg\n"
        "2021/12/21 9:19:04 来源:快科技 作者:雪花\n阅读 1234\n"
        "宁德时代今日发布了第一代钠离子电池，其单体能量密度达到160Wh/kg。\n",
    )
    assert doc.title == "宁德时代发布新一代钠离子电池 能量密度达160Wh/kg" and not doc.title_derived
    assert (doc.date, doc.source, doc.author) == (dt.date(2021, 12, 21), "快科技", "雪花")


def test_dive_brief_and_wire_byline(tmp_path: Path) -> None:
    doc = read(
        tmp_path,
        "Dive Brief:\nFord to build $3.5B battery plant in Michigan using CATL tech\n"
        "Published Feb. 13, 2023\nBy Phoebe Wall Howard, AP Auto Writer\n"
        "Ford will build a battery factory in Marshall, Michigan.\n",
    )
    assert doc.title.startswith("Ford to build") and doc.date == dt.date(2023, 2, 13)
    assert (doc.author, doc.source) == ("Phoebe Wall Howard", "AP")


def test_leading_date_marker_is_a_date_not_a_title(tmp_path: Path) -> None:
    doc = read(
        tmp_path,
        "date 2023-03-27 source web\nSkip to content\nAdvertisement\n"
        "Lithium prices slide as Chinese demand cools\nShare this article\n"
        "Lithium carbonate prices fell again this week.\n",
    )
    assert doc.title == "Lithium prices slide as Chinese demand cools"
    assert doc.date == dt.date(2023, 3, 27)


def test_german_dateline_and_von_byline(tmp_path: Path) -> None:
    doc = read(
        tmp_path,
        "Startseite > Wirtschaft\nNorthvolt baut Batteriefabrik in Heide\n"
        "13. Februar 2023\nVon Max Mustermann, Redakteur\n"
        "Der schwedische Batteriehersteller Northvolt will in Schleswig-Holstein bauen.\n",
    )
    assert doc.title == "Northvolt baut Batteriefabrik in Heide"
    assert (doc.date, doc.author) == (dt.date(2023, 2, 13), "Max Mustermann")


def test_name_slash_publication_under_the_headline(tmp_path: Path) -> None:
    doc = read(
        tmp_path,
        "Ford picks Michigan for LFP battery plant with CATL\n"
        "Phoebe Wall Howard / Detroit Free Press\nMonday, February 13, 2023\n"
        "Ford Motor Co. said it will build the plant.\n",
    )
    assert (doc.author, doc.source) == ("Phoebe Wall Howard", "Detroit Free Press")
    assert doc.date == dt.date(2023, 2, 13)


@pytest.mark.parametrize(
    ("byline", "author", "source"),
    [
        ("聯合報／記者王小明／台北報導", "王小明", "聯合報"),
        ("记者 张三", "张三", None),
        ("作者:李四", "李四", None),
        ("石佳/中国青年报", "石佳", "中国青年报"),
        ("（中央社記者溫貴香台北21日電）行政院今天表示，蛋荒將緩解。", "溫貴香", "中央社"),
        ("来源：新华网", None, "新华网"),
    ],
)
def test_chinese_bylines(
    tmp_path: Path, byline: str, author: str | None, source: str | None
) -> None:
    doc = read(
        tmp_path,
        f"首頁 > 產經\n台塑與鴻海合資電池廠正式投產\n{byline}\n2023年2月14日 10:30\n"
        "台塑集團與鴻海今天宣布，合資的電池芯廠正式投產。\n",
    )
    assert doc.title == "台塑與鴻海合資電池廠正式投產"
    assert (doc.author, doc.source, doc.date) == (author, source, dt.date(2023, 2, 14))


@pytest.mark.parametrize(
    ("byline", "author", "source"),
    [
        ("By TOM KRISHER, AP Auto Writer", "TOM KRISHER", "AP"),
        ("By Jane Doe | Reuters", "Jane Doe", "Reuters"),
        (
            "By Orhan Coskun and Suleiman Al-Khalidi Reuters",
            "Orhan Coskun, Suleiman Al-Khalidi",
            "Reuters",
        ),
        ("By Li Wei, Staff Reporter", "Li Wei", None),
        ("Amy Gibbons Political Correspondent", "Amy Gibbons", None),
    ],
)
def test_english_bylines(tmp_path: Path, byline: str, author: str, source: str | None) -> None:
    doc = read(
        tmp_path,
        f"Menu\nFord to build EV battery plant in Michigan\n{byline}\nFebruary 13, 2023\n"
        "Ford will build a plant in Marshall.\n",
    )
    assert (doc.author, doc.source, doc.date) == (author, source, dt.date(2023, 2, 13))


def test_page_furniture_is_never_the_title(tmp_path: Path) -> None:
    doc = read(
        tmp_path,
        "Photo: Reuters\nHome > News > Markets\nev-battery-prices\n"
        "Nickel rebounds after LME trading halt ends\n阅读 1234\nBy Jane Doe | Reuters\n"
        "Nickel prices rebounded on Monday.\n",
    )
    assert doc.title == "Nickel rebounds after LME trading halt ends"


@pytest.mark.parametrize(
    "text",
    [
        "Menu\nSolid-state battery pilot line opens in Japan\nMarch 24\nBy Jane Doe\nText here.\n",
        "首页\n比亚迪刀片电池产能再扩张 新工厂落地\n12月21日 10:30 来源：新华网\n"
        "比亚迪宣布新工厂投产。\n",
        "Graphite exports fall sharply in March\nExports fell 20% in March.\nMore.\n"
        "© 2023 Battery News Ltd.\n",
        "Graphite exports fall sharply in March\nExports fell.\n"
        + "More market text here.\n" * 14
        + "The deal was signed on February 13, 2023 in Beijing.\n",
        "Battery Day set for autumn reveal event\nDecember 1, 2091\nThe event is in Texas.\n",
        "Battery outlook for the year ahead in Europe\n2023\nAnalysts expect demand to grow.\n",
        "Battery plant opens in Hungary\nWorkers at the plant in Debrecen, Hungary, on Monday, "
        "Feb. 13, 2023, as the line started.\nThe plant will make cells.\n",
        "Euro battery makers warn on costs today\nPublished on 06/01/2026 - 13:55\nText.\n",
    ],
    ids=[
        "no-year",
        "cjk-no-year",
        "copyright",
        "deep-in-body",
        "future",
        "bare-year",
        "caption",
        "day-month-ambiguous",
    ],
)
def test_undated_clippings_stay_undated(tmp_path: Path, text: str) -> None:
    assert read(tmp_path, text).date is None


def test_update_stamp_is_not_a_publication_date() -> None:
    assert line_dates("November 28, 2013 -- Updated 0203 GMT (1003 HKT)") == []
    published, updated = line_dates("April 21, 2020 at 5:52 pm Updated April 22, 2020 at 7:07 am")
    assert (published.date, published.updated, updated.updated) == (
        dt.date(2020, 4, 21),
        False,
        True,
    )


@pytest.mark.parametrize(
    ("line", "date"),
    [
        ("Monday, February 13, 2023", dt.date(2023, 2, 13)),
        ("Feb. 13, 2023", dt.date(2023, 2, 13)),
        ("13 February 2023", dt.date(2023, 2, 13)),
        ("2023年2月14日 08:00", dt.date(2023, 2, 14)),
        ("2021/12/21 9:19:04", dt.date(2021, 12, 21)),
        ("Stand: 28.04.2023 17:23 Uhr", dt.date(2023, 4, 28)),
        ("13. Februar 2023, 05:00 Uhr", dt.date(2023, 2, 13)),
        ("Do 25.04.24 | 14:07 Uhr | Von Eva Kirchner-Rätsch", dt.date(2024, 4, 25)),
        ("March 7, 20247:55 AM UTC", dt.date(2024, 3, 7)),
    ],
)
def test_dateline_spellings(line: str, date: dt.date) -> None:
    assert line_dates(line)[0].date == date


def test_stated_header_comes_first(tmp_path: Path) -> None:
    doc = read(
        tmp_path,
        "Title: Stated headline\nDate: 2024-01-05\nAuthor: Stated Author\n\n"
        "Menu\nA different headline in the body text\nBy Someone Else\nJanuary 9, 2024\nText.\n",
    )
    assert (doc.title, doc.date, doc.author) == (
        "Stated headline",
        dt.date(2024, 1, 5),
        "Stated Author",
    )


def test_plain_article_keeps_its_derived_title(tmp_path: Path) -> None:
    doc = read(
        tmp_path,
        "Prices of lithium carbonate fell again this week as Chinese buyers held "
        "back, traders said on Friday, and inventories at the big producers rose further.\n"
        "Strategic Outlook: Producers Trim Output\nMore text follows here.\n",
    )
    assert doc.title_derived and doc.title.startswith("Prices of lithium carbonate")


# --- saved pages whose tags say nothing -----------------------------------------


def _page(tmp_path: Path, head: str, body: str) -> object:
    path = tmp_path / "page.html"
    path.write_text(f"<!doctype html><html><head>{head}</head><body>{body}</body></html>", "utf-8")
    (doc,) = HtmlReader().read(path, path.read_bytes())
    return doc


ARTICLE = "<p>" + "Ford will build a battery plant in Marshall, Michigan, with CATL. " * 6 + "</p>"


def test_html_byline_fills_what_the_tags_leave_out(tmp_path: Path) -> None:
    doc = _page(
        tmp_path,
        "<title>Ford plant</title>",
        "<h1>Ford to build battery plant in Michigan</h1><p class='byline'>By "
        "<a href='/a'>Phoebe Wall Howard</a></p><p>Feb. 13, 2023</p>" + ARTICLE,
    )
    assert (doc.author, doc.date) == ("Phoebe Wall Howard", dt.date(2023, 2, 13))


def test_html_tags_keep_priority_and_lose_their_by(tmp_path: Path) -> None:
    doc = _page(
        tmp_path,
        "<meta name='author' content='By Jane Doe'>"
        "<meta property='article:published_time' content='2023-02-10'>",
        "<h1>Ford to build battery plant in Michigan</h1><p>By Someone Else</p>"
        "<p>Feb. 13, 2023</p>" + ARTICLE,
    )
    assert (doc.author, doc.date) == ("Jane Doe", dt.date(2023, 2, 10))
