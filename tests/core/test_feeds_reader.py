"""RSS and Atom feeds through the registry: an entry a document, on real feeds."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import socket
from pathlib import Path

import pytest

from cellsight.core.errors import IngestError
from cellsight.core.ingest.feeds import FeedReader
from cellsight.core.ingest.registry import choose_reader, read_path
from cellsight.core.library import Library
from cellsight.core.model import SearchRequest

DATA = Path(__file__).resolve().parents[1] / "data"
FEEDS = DATA / "feeds"
ZH_LABELS = json.loads((DATA / "zh" / "labels.json").read_text(encoding="utf-8"))
DE_LABELS = json.loads((DATA / "articles" / "labels.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    # A reader must never fetch: any attempt to open a connection fails the test.
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("a feed reader tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize(
    ("name", "entries", "source", "title", "date"),
    [
        ("feedjira_techcrunch.xml", 6, "TechCrunch",
         "Google Launches Native Gmail App For iPhone, iPad and iPod Touch", dt.date(2011, 11, 2)),
        ("feedjira_huffpost_canada.xml", 2, "HuffPost Canada - Athena2 - All Posts",
         "The Once-In-A-Lifetime Thrill Of Opening For Tom Petty", dt.date(2017, 10, 17)),
        ("feedjira_google_alerts.atom", 20, "Google Alert - Slack",
         "Slack Stock Has a Compelling Story and the Numbers to Back It Up", dt.date(2019, 7, 10)),
        ("feedjira_typepad_news.xml", 10, "Everything Typepad", "Spotlight: Friday Favorites!",
         dt.date(2013, 2, 22)),
        ("feedjira_hacker_news.xml", 30, "Hacker News", "Dall-E 2", dt.date(2022, 4, 6)),
        ("feedparser_rss10.rdf", 1, "Sample Feed", "First of all", dt.date(2004, 5, 30)),
        ("feedparser_atom10.xml", 1, "Sample Feed", "First entry title", dt.date(2005, 11, 9)),
        ("tika_rsstest_091.rss", 2, "TestChannel", "Awesome Open Source Search Engine", None),
        ("tika_testATOM.atom", 1, "Test Atom Feed", "Atom-Powered Robots Run Amok",
         dt.date(2003, 12, 13)),
        ("zh_energy_news.rss", 6, "能源合作新闻", "老挝稳步扩大电力出口", dt.date(2022, 4, 8)),
        ("de_akku_news.rss", 3, "Akku und Energie – Auswahl", "Lithium aus dem Schredder",
         dt.date(2019, 6, 20)),
    ],
)  # fmt: skip
def test_every_entry_is_a_document(
    name: str, entries: int, source: str, title: str, date: dt.date | None
) -> None:
    docs = read_path(FEEDS / name)
    assert len(docs) == entries
    assert {d.kind for d in docs} == {"feed"}
    assert {d.source for d in docs} == {source}
    assert len({d.part for d in docs}) == entries
    doc = next(d for d in docs if d.title.startswith(title))
    assert doc.date == date
    assert doc.member == doc.title
    for d in docs:
        assert d.text.strip() and "<" not in d.title
        assert not re.search(r"</?(p|div|a|img|span|br)\b", d.text)  # HTML became text


@pytest.mark.parametrize("name", ["feed.txt", "feed.xml", "feed", "feed.bin"])
def test_a_feed_saved_under_any_name_reaches_the_feed_reader(tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    shutil.copy(FEEDS / "zh_energy_news.rss", target)
    docs = read_path(target)
    assert len(docs) == 6 and docs[0].kind == "feed"


def test_roots_are_sniffed_past_comments_stylesheets_and_whitespace() -> None:
    # TypePad: a blank line, the declaration, two style-sheet instructions, then <feed>;
    # Tika's RSS 0.91: an 800-byte licence comment first; feedparser's: a comment, no prolog.
    for name in ("feedjira_typepad_news.xml", "tika_rsstest_091.rss",
                 "feedparser_gb2312_undeclared.xml", "feedparser_rss10.rdf"):  # fmt: skip
        head = (FEEDS / name).read_bytes()[:4096]
        reader = choose_reader(Path("saved.txt"), head)
        assert reader is not None and reader.name == "feed", name


def test_other_xml_and_html_are_not_claimed(tmp_path: Path) -> None:
    reader = FeedReader()
    word_xml = _member(DATA / "office" / "tika_testWORD.docx", "word/document.xml")
    assert reader.sniff(Path("document.xml"), word_xml[:4096]) == 0
    page = (DATA / "html" / "opengraph_only.html").read_bytes()
    assert reader.sniff(Path("news.rss"), page[:4096]) == 0
    (tmp_path / "news.rss").write_bytes(page)
    assert read_path(tmp_path / "news.rss")[0].kind == "html"
    assert reader.sniff(Path("feed.atom"), b"<feed><entry>no namespace</entry></feed>") == 60
    assert reader.sniff(Path("feed.xml"), b"<feed><entry>no namespace</entry></feed>") == 0


def test_undeclared_gb2312_reads_as_chinese() -> None:
    doc = read_path(FEEDS / "feedparser_gb2312_undeclared.xml")[0]
    assert doc.title == "不归移民漫画系列：专业工作"


def test_dates_in_chinese_and_german_spellings_and_the_local_calendar_day() -> None:
    zh = {d.title: d for d in read_path(FEEDS / "zh_energy_news_gb18030_cn_dates.xml")}
    assert len(zh) == 6  # GB18030 bytes, "2024年11月10日 08:00" dates
    for label in ZH_LABELS.values():
        if label["title"] in zh:
            assert zh[label["title"]].date == dt.date.fromisoformat(label["date"])
    assert "储能" in zh["央企走出去——注重低碳环保 发展绿色产业"].text
    de = {d.url: d for d in read_path(FEEDS / "de_akku_news.rss")}  # "Do, 20 Jun 2019 …"
    for label in DE_LABELS.values():
        if label["url"] in de:
            assert de[label["url"]].date == dt.date.fromisoformat(label["date"])
            assert de[label["url"]].author == ", ".join(label["authors"])
    # 08:00 in Beijing is 00:00 UTC; 07:00 would be the day before in UTC. The feed's day counts.
    early = (FEEDS / "zh_energy_news.rss").read_text(encoding="utf-8").replace(
        "08:00:00 +0800", "07:00:00 +0800"
    )
    assert _read_text(early)[0].date == dt.date(2024, 11, 10)
    french = _item("urn:fr", "Batteries", "ven., 7 juin 2024 10:00", "Texte.")
    assert _read_text(_rss([french]))[0].date == dt.date(2024, 6, 7)


def test_content_becomes_paragraphs_without_scripts_or_styles() -> None:
    tc = read_path(FEEDS / "feedjira_techcrunch.xml")
    gmail = next(d for d in tc if d.title.startswith("Google Launches Native Gmail"))
    assert gmail.author == "Sarah Perez"
    assert len(gmail.text.split("\n\n")) >= 4  # content:encoded, not the summary
    assert gmail.url and gmail.url.startswith("http://feedproxy.google.com/")
    # The RSS description beside content:encoded is the excerpt; media:thumbnail the image.
    assert gmail.excerpt and gmail.excerpt.startswith("Google is launching a new native Gmail")
    assert gmail.image == "http://tctechcrunch2011.files.wordpress.com/2011/11/ios2.png?w=104"
    atom = read_path(FEEDS / "feedparser_atom10.xml")[0]
    assert atom.text == "Watch out for nasty tricks" and atom.author == "Mark Pilgrim"
    base = _rss(["<item><title>Cathode plant</title><link>https://example.org/a</link>"
                 "<description><![CDATA[<p>Lithium output rose.</p><script>steal()</script>"
                 "<style>p{x:1}</style><p onclick='evil()'>Nickel fell.</p>]]></description>"
                 "</item>"])  # fmt: skip
    doc = _read_text(base)[0]
    assert doc.text == "Lithium output rose.\n\nNickel fell."
    assert "steal" not in doc.text and "evil" not in doc.text


def test_authors_are_names_not_addresses() -> None:
    huff = read_path(FEEDS / "feedjira_huffpost_canada.xml")
    assert {d.author for d in huff} == {"Canadian Press", "Adrian Sutherland"}
    items = ["<item><title>T</title><author>mark@example.org</author><description>Body text"
             "</description></item>"]  # fmt: skip
    assert _read_text(_rss(items))[0].author is None


def test_the_same_entry_again_keeps_one_document_the_newest() -> None:
    older = _item("urn:x:1", "Old headline", "Mon, 06 May 2024 09:00:00 GMT", "First text.")
    newer = _item("urn:x:1", "New headline", "Tue, 07 May 2024 09:00:00 GMT", "Second text.")
    other = _item("urn:x:2", "Another", "Mon, 06 May 2024 10:00:00 GMT", "Other text.")
    for order in ([newer, other, older], [older, other, newer]):
        docs = _read_text(_rss(order))
        assert [d.title for d in docs if d.text != "Other text."] == ["New headline"]
        assert len(docs) == 2
    same = _read_text(_rss([_item("", "A", "", "Text one.", link="https://e.org/1"),
                            _item("", "B", "", "Text two.", link="https://e.org/1")]))
    assert [d.title for d in same] == ["A"]  # no dates: the first (top) one stays


def test_parts_follow_the_entry_when_the_feed_is_resaved_with_news_on_top() -> None:
    full = (FEEDS / "zh_energy_news.rss").read_text(encoding="utf-8")
    top = full.index("<item>")
    older = full[:top] + full[full.index("</item>", top) + len("</item>") :]
    before = {d.title: d.part for d in _read_text(older)}
    after = {d.title: d.part for d in _read_text(full)}
    assert len(before) == 5 and len(after) == 6
    assert all(after[t] == p for t, p in before.items())


def test_a_feed_without_entries_says_so() -> None:
    with pytest.raises(IngestError) as info:
        read_path(FEEDS / "feedparser_illformed.xml")
    assert "feed has no entries" in info.value.reason
    with pytest.raises(IngestError) as info:
        _read_text(_rss([]))
    assert info.value.reason == "feed has no entries"


def test_bytes_that_name_a_file_are_not_opened() -> None:
    # Given bytes, feedparser would try them as a file name first: never through us.
    target = str(FEEDS / "zh_energy_news.rss").encode()
    with pytest.raises(IngestError, match="no entries"):
        FeedReader().read(Path("x.rss"), target)


def test_no_entity_is_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER")
    external = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "file://{secret}">\n'
        '<!ENTITY remote SYSTEM "http://198.51.100.1/x.dtd">\n]>\n'
        + _rss([_item("urn:1", "Leak &xxe; &remote;", "", "Body &xxe;")]).split("\n", 1)[1]
    )
    docs = _read_text(external)
    assert "SECRET-MARKER" not in docs[0].title + docs[0].text
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    laughs = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">{lol}]>'
        + _rss([_item("urn:1", "Laughs &l9;", "", "Body &l9;")]).split("\n", 1)[1]
    )
    doc = _read_text(laughs)[0]
    assert len(doc.title) + len(doc.text) < 1000


def test_library_indexes_an_entry_a_document_and_keeps_ids_on_resave(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    full = (FEEDS / "zh_energy_news.rss").read_text(encoding="utf-8")
    top = full.index("<item>")
    feed = src / "energy.xml"
    feed.write_text(full[:top] + full[full.index("</item>", top) + len("</item>") :])
    with Library(tmp_path / "lib") as lib:
        first = lib.update([src])
        assert first.added == 1 and not first.failed
        assert lib.search(SearchRequest(query="")).total == 5
        storage = lib.search("储能").hits  # battery storage: two of the five entries
        assert {h.title for h in storage} == {"央企走出去——注重低碳环保 发展绿色产业",
                                              "中非清洁能源合作风头正劲"}  # fmt: skip
        assert all(h.member == h.title and h.kind == "feed" for h in storage)
        old_ids = {h.id for h in lib.search(SearchRequest(query="", limit=50)).hits}
        feed.write_text(full)  # re-saved with the newest entry on top
        again = lib.update()
        assert again.updated == 1
        hits = lib.search(SearchRequest(query="", limit=50)).hits
        assert len(hits) == 6 and old_ids < {h.id for h in hits}
        assert lib.search("阿塞拜疆").hits[0].title == "综述丨中国与阿塞拜疆绿色合作前景广阔"


def _member(path: Path, name: str) -> bytes:
    import zipfile

    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def _read_text(xml: str) -> list:
    return FeedReader().read(Path("feed.xml"), xml.encode("utf-8"))


def _item(guid: str, title: str, date: str, text: str, link: str = "") -> str:
    parts = [f"<title>{title}</title>", f"<description>{text}</description>"]
    if guid:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if link:
        parts.append(f"<link>{link}</link>")
    if date:
        parts.append(f"<pubDate>{date}</pubDate>")
    return "<item>" + "".join(parts) + "</item>"


def _rss(items: list[str]) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            "<title>Test channel</title>" + "".join(items) + "</channel></rss>")  # fmt: skip


def test_invalid_character_references_leave_no_noise() -> None:
    # feedparser turned "&#xD800;" into a lone surrogate and then failed on it.
    title = "Cobalt &#xD800; refinery &#0; output &#1114112; r&#233;sum&#xe9;"
    doc = _read_text(_rss([_item("urn:1", title, "", "Body &amp;#xD800; text")]))[0]
    assert doc.title == "Cobalt refinery output résumé"
    assert doc.text == "Body text"
