"""Fuzzing the feed, Word and PowerPoint readers: only IngestError escapes, nothing
hangs, balloons, resolves an entity or reaches the network.

Feeds are generated from parts (roots, DOCTYPEs with entities, entries with odd dates,
markup, duplicate ids, many encodings); Office files are real ones from tests/data
with one XML member damaged, bytes flipped or a member dropped, then read through
``registry.parse_bytes`` as the indexer does.
"""

from __future__ import annotations

import io
import socket
import tempfile
import zipfile
from pathlib import Path

import pytest
from harness import fuzz, limits
from hypothesis import given
from hypothesis import strategies as st

from cellsight.core.errors import IngestError
from cellsight.core.ingest import docx_reader, feeds, office_meta, pptx_reader
from cellsight.core.ingest.registry import parse_bytes
from cellsight.core.model import ParsedDocument

DATA = Path(__file__).resolve().parents[1] / "data"
OFFICE_FILES = {
    name: (DATA / "office" / name).read_bytes()
    for name in ("tika_testWORD_various.docx", "zh_energy_storage.docx",
                 "tika_testWORD_template.dotx", "de_akku_deck.pptx", "tika_testPPT_groups.pptx",
                 "tika_testPPT_various.pptx")
}  # fmt: skip


# A file an external entity points at: its content must never appear in what is read.
SECRET = Path(tempfile.gettempdir()) / "cellsight-fuzz-entity-target.txt"
SECRET.write_text("LEAKED-FILE-CONTENT")
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "gbk", "big5", "cp1252", "latin-1", "utf-16",
             "utf-16-be", "utf-32", "shift_jis", "koi8-r")  # fmt: skip


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("a reader tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def check_docs(docs: list[ParsedDocument]) -> None:
    assert docs
    for doc in docs:
        assert isinstance(doc.title, str) and doc.text.strip()
        assert "\x00" not in doc.title + doc.text
        assert list(doc.pages) == sorted(doc.pages) and all(p <= len(doc.text) for p in doc.pages)


def read_cleanly(name: str, data: bytes, seconds: float = 30.0, max_mb: float = 400) -> list:
    with limits(seconds=seconds, max_mb=max_mb):
        try:
            docs = parse_bytes(Path(name), data)
        except IngestError as exc:
            assert exc.reason.strip()
            return []
    check_docs(docs)
    read = "".join(d.title + d.text for d in docs)
    assert "LEAKED-FILE-CONTENT" not in read
    # An internal entity's value is in the input: only a feed or Office document, whose
    # DOCTYPE is never shown, must not contain it (a text reader shows the markup).
    if docs[0].kind in ("feed", "docx", "pptx"):
        assert "SECRET-MARKER" not in read
    return docs


# -- feeds ----------------------------------------------------------------------------------
_DOCTYPES = st.sampled_from([
    "", "<!DOCTYPE rss PUBLIC \"-//Netscape Communications//DTD RSS 0.91//EN\" "
    "\"http://my.netscape.com/publish/formats/rss-0.91.dtd\">",
    f'<!DOCTYPE rss [<!ENTITY x SYSTEM "file://{SECRET}">]>',
    f'<!DOCTYPE rss [\n<!ENTITY x SYSTEM "{SECRET}">\n]>',
    '<!DOCTYPE rss [<!ENTITY a "SECRET-MARKER"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY x "&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
    '<!DOCTYPE rss [<!ENTITY % p SYSTEM "http://198.51.100.7/p.dtd"> %p;]>',
    "<!DOCTYPE feed [", "<!-- unterminated",
])  # fmt: skip
_TEXT = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["Lithium prices rose", "宁德时代扩产", "&x;", "&amp;", "&nbsp;", "&#0;",
                     "&#xD800;", "<![CDATA[<b>bold</b>]]>", "]]>", "<", "&", "\x00", "\ufeff"]),
)
_DATES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["Mon, 06 May 2024 09:00:00 GMT", "2024-05-06T09:00:00+08:00",
                     "2024年5月6日 09:00", "Fr, 03 Mai 2024 10:00:00 +0200", "3 mai 2024",
                     "31/02/2024", "0000-00-00", "Tue, 99 Foo 99999 99:99:99", "1518478934",
                     "2024-13-45", "9999-12-31T23:59:59Z"]),
)
_MARKUP_TAGS = ("p", "div", "script", "style", "a", "img", "br", "table", "tr", "td", "iframe",
                "svg", "li", "h1", "span", "object", "noscript")


def _html(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from(_MARKUP_TAGS), st.lists(children, max_size=3)).map(
        lambda t: f"<{t[0]} onclick=\"evil()\">{''.join(t[1])}</{t[0]}>"
    )


_CONTENT = st.recursive(_TEXT, _html, max_leaves=15)


@st.composite
def entries(draw: st.DrawFn, atom: bool) -> str:
    guid = draw(st.sampled_from(["", "urn:1", "urn:2", "https://e.org/1", " "]))
    title, date = draw(_TEXT), draw(_DATES)
    body = draw(_CONTENT)
    escaped = draw(st.booleans())
    if escaped:
        body = body.replace("&", "&amp;").replace("<", "&lt;")
    if atom:
        return (f"<entry><id>{guid}</id><title type='html'>{title}</title><updated>{date}"
                f"</updated><content type='html'>{body}</content></entry>")  # fmt: skip
    return (f"<item><guid>{guid}</guid><title>{title}</title><pubDate>{date}</pubDate>"
            f"<link>{draw(st.sampled_from(['', 'javascript:x()', 'file:///etc/x']))}</link>"
            f"<description>{body}</description></item>")  # fmt: skip


@st.composite
def feed_documents(draw: st.DrawFn) -> bytes:
    atom = draw(st.booleans())
    items = "".join(draw(st.lists(entries(atom), max_size=8)))
    if atom:
        body = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{draw(_TEXT)}</title>{items}'
        body += draw(st.sampled_from(["</feed>", "", "</fee"]))
    else:
        body = f"<rss version='2.0'><channel><title>{draw(_TEXT)}</title>{items}"
        body += draw(st.sampled_from(["</channel></rss>", "", "</channel"]))
    prolog = draw(st.sampled_from(["", '<?xml version="1.0"?>', '<?xml version="1.0" '
                                   'encoding="gb2312"?>', "\n\n<?xml version='1.0'?>"]))
    text = prolog + draw(_DOCTYPES) + body
    return text.encode(draw(st.sampled_from(ENCODINGS)), errors="ignore")


@fuzz
@given(data=st.one_of(feed_documents(), st.binary(max_size=2000).map(b"<rss>".__add__)),
       name=st.sampled_from(["f.rss", "f.xml", "f.txt", "f"]))  # fmt: skip
def test_fuzz_feed_reader(data: bytes, name: str) -> None:
    docs = read_cleanly(name, data)
    if docs and docs[0].kind == "feed":
        assert len({d.part for d in docs}) == len(docs)
        assert all("evil" not in d.text and "<script" not in d.text for d in docs)


def test_feed_with_more_entries_than_the_limit_is_read_in_part(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(feeds, "MAX_ENTRIES", 100)
    item = "<item><guid>urn:{0}</guid><title>Entry {0}</title></item>"
    items = "".join(item.format(i) for i in range(500))
    docs = read_cleanly("big.rss", f"<rss><channel>{items}</channel></rss>".encode())
    assert len(docs) == 100


def test_feed_larger_than_its_limit_is_refused_unparsed() -> None:
    data = b"<rss version='2.0'><channel>" + b" " * (feeds.FeedReader.max_bytes + 1)
    with limits(seconds=10), pytest.raises(IngestError, match="too large for feed"):
        parse_bytes(Path("huge.rss"), data)


# -- Office -----------------------------------------------------------------------------------
def _rezip(original: bytes, change: dict[str, bytes | None]) -> bytes:
    """``original`` with the members in ``change`` replaced (None: dropped)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            if info.filename in change:
                data = change[info.filename]
                if data is None:
                    continue
            else:
                data = zin.read(info)
            zout.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _xml_members(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return sorted(n for n in zf.namelist() if n.endswith((".xml", ".rels")))


_XML_DAMAGE = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
    st.sampled_from([
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "SECRET-MARKER">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">'
        b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>&c;</w:t></w:r></w:p></w:body></w:document>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file://%s">]><x>&e;</x>'
        % str(SECRET).encode(),
        b"<a>" * 5000,
        b"",
    ]),
)  # fmt: skip


@st.composite
def damaged_office_files(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(OFFICE_FILES)))
    original = OFFICE_FILES[name]
    how = draw(st.sampled_from(["member", "truncate", "drop", "flip"]))
    members = _xml_members(original)
    target = draw(st.sampled_from(members))
    if how == "member":
        with zipfile.ZipFile(io.BytesIO(original)) as zf:
            xml = zf.read(target)
        cut = draw(st.integers(min_value=0, max_value=len(xml)))
        data = _rezip(original, {target: xml[:cut] + draw(_XML_DAMAGE) + xml[cut:]})
    elif how == "truncate":
        with zipfile.ZipFile(io.BytesIO(original)) as zf:
            xml = zf.read(target)
        data = _rezip(original, {target: xml[: draw(st.integers(0, len(xml)))]})
    elif how == "drop":
        data = _rezip(original, {target: None})
    else:
        raw = bytearray(original)
        for at in draw(st.lists(st.integers(0, len(raw) - 1), min_size=1, max_size=8)):
            raw[at] ^= draw(st.integers(1, 255))
        data = bytes(raw)
    return name, data


@fuzz
@given(case=damaged_office_files())
def test_fuzz_office_readers_on_damaged_real_files(case: tuple[str, bytes]) -> None:
    name, data = case
    read_cleanly(name, data)


def test_billion_laughs_in_a_document_part_stays_small() -> None:
    laughs = b"".join(b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10))
    xml = (b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY l0 "lol">' + laughs + b"]>"
           b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           b"<w:body><w:p><w:r><w:t>Cathode &l9;</w:t></w:r></w:p></w:body>"
           b"</w:document>")  # fmt: skip
    original = OFFICE_FILES["zh_energy_storage.docx"]
    docs = read_cleanly("laughs.docx", _rezip(original, {"word/document.xml": xml}), max_mb=100)
    assert all(len(d.text) < 10_000 for d in docs)


def test_deeply_nested_document_xml_is_refused_or_read_flat() -> None:
    w = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    deep = b"<w:sdt><w:sdtContent>" * 100_000
    xml = b"<w:document " + w + b"><w:body>" + deep + b"<w:p><w:r><w:t>Nickel</w:t></w:r></w:p>"
    original = OFFICE_FILES["zh_energy_storage.docx"]
    read_cleanly("deep.docx", _rezip(original, {"word/document.xml": xml}))


def test_paragraph_and_slide_limits_bound_what_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docx_reader, "MAX_BLOCKS", 5)
    doc = read_cleanly("x.docx", OFFICE_FILES["tika_testWORD_various.docx"])[0]
    assert len(doc.text.split("\n\n")) <= 5
    monkeypatch.setattr(pptx_reader, "MAX_SLIDES", 2)
    deck = read_cleanly("x.pptx", OFFICE_FILES["de_akku_deck.pptx"])[0]
    assert len(deck.pages) == 2


def test_oversized_xml_parts_are_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office_meta, "XML_PART_MAX", 20_000)  # the real limit is 48 MB
    padded = _rezip(OFFICE_FILES["de_akku_deck.pptx"], {
        "ppt/slides/slide2.xml": b"<!-- padding -->" * 2000 + b"<p:sld/>"})  # fmt: skip
    with pytest.raises(IngestError, match=r"ppt/slides/slide2.xml unpacks to 0 MB of XML"):
        parse_bytes(Path("big.pptx"), padded)
    monkeypatch.setattr(office_meta, "XML_PART_MAX", 1_000)
    with pytest.raises(IngestError, match=r"word/\S+ unpacks to 0 MB of XML"):
        parse_bytes(Path("big.docx"), OFFICE_FILES["tika_testWORD_various.docx"])


def test_many_members_are_refused_before_parsing() -> None:
    original = OFFICE_FILES["de_akku_deck.pptx"]
    out = io.BytesIO(original)
    with zipfile.ZipFile(out, "a") as zf:
        for i in range(10_001):
            zf.writestr(f"ppt/media/pad{i}.bin", b"")
    refused = r"has 10,0\d\d members \(the limit is 10,000\)"
    with limits(seconds=60), pytest.raises(IngestError, match=refused):
        parse_bytes(Path("many.pptx"), out.getvalue())


@pytest.mark.parametrize("bit", [0x1, 0x20, 0x40])
@pytest.mark.parametrize("name", ["tika_testPPT_groups.pptx", "zh_energy_storage.docx"])
def test_office_part_flagged_encrypted_is_a_clear_refusal(name: str, bit: int) -> None:
    """A damaged byte that sets a member's "encrypted" (or "patched data") flag in the
    central directory: zipfile then raises RuntimeError inside python-pptx (found by
    the fuzz test above in CI)."""
    raw = bytearray(OFFICE_FILES[name])
    cd = raw.rfind(b"PK\x01\x02")  # the last member's central directory entry
    raw[cd + 8] |= bit
    with limits(seconds=10), pytest.raises(IngestError, match="marked encrypted"):
        parse_bytes(Path(name), bytes(raw))
