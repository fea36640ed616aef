"""TextReader and the encoding layer under it."""

from __future__ import annotations

import codecs
import datetime as dt
import json
from pathlib import Path

import pytest

from cellsight.core.errors import IngestError
from cellsight.core.ingest.encoding import (
    BinaryDataError,
    decode_bytes,
    looks_binary,
    normalise_charset,
)
from cellsight.core.ingest.text import TextReader, derive_title, first_sentence, is_headline

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
READER = TextReader()


def read(path: Path) -> list:
    return READER.read(path, path.read_bytes())


# --- encoding ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_bom_decides(bom: bytes, codec: str) -> None:
    text = "Ni–Co “spread” 镍钴"
    assert decode_bytes(bom + text.encode(codec)) == (text, codec)


def test_bomless_utf16_is_detected() -> None:
    text = "Graphite exports fell in March.\nTraders expect a recovery."
    assert decode_bytes(text.encode("utf-16-le")) == (text, "utf-16-le")
    assert decode_bytes(text.encode("utf-16-be")) == (text, "utf-16-be")


def test_declared_gb2312_reads_gbk_and_utf8() -> None:
    text = "朱镕基与王喆讨论电池技术许可"  # 镕 and 喆 are outside GB2312
    assert decode_bytes(text.encode("gbk"), "gb2312") == (text, "gb18030")
    assert decode_bytes(text.encode("utf-8"), "GB2312")[0] == text


def test_wrong_declaration_falls_back_to_detection() -> None:
    text = "Привет, как дела? Это тест кодировки для проверки."
    decoded, codec = decode_bytes(text.encode("cp1251"), "shift_jis")
    assert decoded == text and codec == "cp1251"


def test_western_legacy_text_reads_as_cp1252() -> None:
    text = "The miner’s “refinery” – naïve façade"
    assert decode_bytes(text.encode("cp1252")) == (text, "cp1252")
    assert decode_bytes("Genève négociants".encode("latin-1"))[0] == "Genève négociants"


def test_binary_is_refused() -> None:
    with pytest.raises(BinaryDataError):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    assert looks_binary(bytes(range(256)) * 8)
    assert not looks_binary("plain text, ütf-8 ✓\n".encode())


def test_charset_labels() -> None:
    assert normalise_charset("GB2312") == "gb18030"
    assert normalise_charset("iso-8859-1") == "cp1252"
    assert normalise_charset("'utf-8'") == "utf-8"
    assert normalise_charset("no-such-charset") is None


# --- titles --------------------------------------------------------------------


def test_headline_rules() -> None:
    assert is_headline("CATL and Tesla Forge Ahead on Licensing")
    assert is_headline("Will sodium-ion replace LFP?")
    assert not is_headline("A sentence that ends with a period.")
    assert not is_headline("lowercase start is not a headline")
    assert not is_headline("X" * 151)
    assert not is_headline("Prices rose. Traders were pleased")


def test_first_sentence_skips_abbreviations() -> None:
    para = "Contemporary Amperex Technology Co. Limited met U.S. officials. Then it left."
    assert first_sentence(para) == "Contemporary Amperex Technology Co. Limited met U.S. officials."


def test_derived_title_cut_at_word_boundary() -> None:
    title = derive_title("word " * 60)
    assert title.endswith("…") and len(title) <= 111 and not title.endswith(" …")
    assert derive_title("Short sentence here. More text.") == "Short sentence here"


@pytest.mark.parametrize(
    ("seed", "start"),
    [
        ("000_", "Amid the accelerating electric vehicle (EV) race, Contemporary Amperex"),
        ("001_", "Chinese power battery giant Contemporary Amperex Technology Co Ltd has"),
        ("002_", "China's Minister of Industry and Information Technology (MIIT) Jin"),
    ],
)
def test_seed_articles(seed: str, start: str) -> None:
    path = next(SEEDS.glob(f"{seed}*.txt"))
    assert READER.sniff(path, path.read_bytes()[:4096]) == 40
    (doc,) = read(path)
    assert doc.kind == "text" and doc.title_derived
    assert doc.title.startswith(start) and doc.title.endswith("…") and len(doc.title) <= 111
    assert doc.date is None and doc.source is None and doc.author is None
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert doc.text.split("\n\n") == lines  # every line a paragraph, none lost


def test_headline_line_becomes_title(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text("Cobalt Slides as Congo Output Hits Record\r\n\r\nPrices fell.\r\nMore.\r\n")
    (doc,) = read(path)
    assert doc.title == "Cobalt Slides as Congo Output Hits Record" and not doc.title_derived
    assert doc.text == "Prices fell.\n\nMore."


def test_hard_wrapped_text_is_rejoined(tmp_path: Path) -> None:
    body = (
        "Lithium producers in Western Australia cut output as prices\n"
        "fell below the cost of many mines, and two operators put\n"
        "expansion plans on hold.\n\n"
        "Analysts expect the market to stay in surplus until late\n"
        "next year, when demand from storage projects catches up.\n"
    )
    path = tmp_path / "wrapped.txt"
    path.write_text("Australian lithium cuts\n\n" + body)
    (doc,) = read(path)
    paras = doc.text.split("\n\n")
    assert len(paras) == 2
    assert paras[0].startswith("Lithium producers") and paras[0].endswith("on hold.")


def test_markdown_heading_and_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text(
        "---\nauthor: Priya Raman\ndate: 2024-09-10\n---\n# Sodium-ion notes.\n\n"
        "## Costs\n\nHard carbon got cheaper.\n"
    )
    (doc,) = read(path)
    assert doc.title == "Sodium-ion notes." and not doc.title_derived
    assert doc.text == "Costs\n\nHard carbon got cheaper."
    assert doc.author == "Priya Raman" and doc.date == dt.date(2024, 9, 10)


def test_header_block_only_with_known_keys(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Title: Nickel glut deepens\nSource: Mining Example\n\nPrices fell again.\n")
    (doc,) = read(path)
    assert (doc.title, doc.source, doc.text) == (
        "Nickel glut deepens",
        "Mining Example",
        "Prices fell again.",
    )
    other = tmp_path / "b.txt"
    other.write_text("Strategic Collaboration: CATL and Tesla\n\nThey met.\n")
    (doc,) = read(other)
    assert doc.title == "Strategic Collaboration: CATL and Tesla" and doc.source is None


@pytest.mark.parametrize("sidecar", ["article.txt.meta.json", "article.meta.json"])
def test_sidecar_overrides(tmp_path: Path, sidecar: str) -> None:
    path = tmp_path / "article.txt"
    path.write_text("lowercase opening sentence about graphite. More text follows here.\n")
    meta = {
        "title": "Graphite licences",
        "date": "2024-02-20",
        "source": "Anode Weekly",
        "author": "K. Ito",
        "url": "https://anode.example/g",
        "ignored": 1,
    }
    (tmp_path / sidecar).write_text(json.dumps(meta))
    (doc,) = read(path)
    assert doc.title == "Graphite licences" and not doc.title_derived
    assert doc.date == dt.date(2024, 2, 20)
    assert (doc.source, doc.author, doc.url) == (
        "Anode Weekly",
        "K. Ito",
        "https://anode.example/g",
    )


def test_broken_sidecar_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("Some text here.\n")
    (tmp_path / "x.txt.meta.json").write_text("{not json")
    with pytest.raises(IngestError, match="sidecar"):
        read(path)


def test_sniff_scores(tmp_path: Path) -> None:
    assert READER.sniff(tmp_path / "a.txt", b"Hello") == 40
    assert READER.sniff(tmp_path / "README", b"Hello") == 20
    assert READER.sniff(tmp_path / "a.csv", b"a,b") == 0
    assert READER.sniff(tmp_path / "a.txt", b'[{"data":1}]') < 20
    assert READER.sniff(tmp_path / "noext", bytes(range(256))) == 0


def test_control_characters_removed(tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_bytes(b"Nickel\x07 price\x1b note\n\nBody\x0b text here.\n")
    (doc,) = read(path)
    assert "\x07" not in doc.title and "\x0b" not in doc.text
