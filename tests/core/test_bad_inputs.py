"""Awkward inputs through the registry: read correctly, or IngestError with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from cellsight.core.errors import IngestError
from cellsight.core.ingest.registry import read_path

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"


@pytest.mark.parametrize(
    ("name", "kind", "words"),
    [
        ("utf16_bom.txt", "text", ["Indonesia's nickel output", "leaching plants"]),
        ("utf16le_nobom.txt", "text", ["Indonesia's nickel output", "leaching plants"]),
        ("utf16be_nobom.txt", "text", ["Indonesia's nickel output", "leaching plants"]),
        ("cp1252_smart_quotes.txt", "text", ["miner’s chief", "“highest” standards – a claim"]),
        ("latin1.txt", "text", ["Genève", "négociants évoquent une pénurie"]),
        ("gbk_declared_gb2312.html", "html", ["朱镕和王喆", "宁德时代与多家车企"]),
        ("utf8_declared_gb2312.html", "html", ["朱镕和王喆", "宁德时代与多家车企"]),
        ("numeric_refs.html", "html", ["“patchy” — especially", "Europe & the US", "café"]),
        ("spaced ünïcödé 电池 name.txt", "text", ["volume production of sodium-ion"]),
        ("hostile_scripts.html", "html", ["export licensing", "Korea and Japan"]),
    ],
)
def test_awkward_but_readable(name: str, kind: str, words: list[str]) -> None:
    docs = read_path(BAD / name)
    assert len(docs) == 1
    doc = docs[0]
    assert doc.kind == kind
    full = f"{doc.title}\n\n{doc.text}"
    for word in words:
        assert word in full
    assert "\ufffd" not in full and "\x00" not in full


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.txt", "empty file"),
        ("whitespace_only.txt", "no text"),
        ("binary_junk.bin", "unsupported file type"),
        ("binary_junk.txt", "binary file (not text)"),
        ("truncated.json", "unsupported file type"),
        ("truncated_json.txt", "truncated or malformed JSON"),
        ("valid_not_payload.json", "unsupported file type"),
        ("valid_not_payload.txt", "not a recognised page payload"),
        ("scripts_only.html", "no article text"),
        ("truncated_payload.txt", "payload"),
    ],
)
def test_unreadable_gives_a_clear_reason(name: str, reason: str) -> None:
    with pytest.raises(IngestError) as info:
        read_path(BAD / name)
    assert reason in info.value.reason
    assert info.value.path.endswith(name)


def test_every_file_in_the_corpus_reads_or_fails_cleanly() -> None:
    files = [p for p in BAD.iterdir() if p.is_file()]
    assert len(files) >= 18
    for path in files:
        try:
            docs = read_path(path)
        except IngestError as exc:
            assert exc.reason.strip()
        else:
            assert docs and all(d.text.strip() for d in docs)


def test_hostile_html_keeps_scripts_and_handlers_out() -> None:
    doc = read_path(BAD / "hostile_scripts.html")[0]
    full = f"{doc.title}\n{doc.text}"
    for marker in ("head-script", "body-script", "evil-handler", "steal()", "noscript-text"):
        assert marker not in full
    assert doc.url is None  # a javascript: canonical link is not an address


def test_deeply_nested_html_does_not_crash(tmp_path: Path) -> None:
    depth = 100_000
    page = tmp_path / "deep.html"
    page.write_text(
        "<!doctype html><html><body>"
        + "<div>" * depth
        + "<p>Lithium refiners in Chile raised output again this quarter, officials said.</p>"
        + "</div>" * depth
        + "</body></html>",
        encoding="utf-8",
    )
    try:
        docs = read_path(page)
    except IngestError as exc:
        assert exc.reason
    else:
        assert "Lithium refiners in Chile" in docs[0].text


def test_deeply_nested_inline_tags(tmp_path: Path) -> None:
    page = tmp_path / "deep-inline.html"
    page.write_text(
        "<html><body><article>"
        + "<span><b><i>" * 20_000
        + "Cobalt traders in Rotterdam reported thin volumes, and prices were flat."
        + "</i></b></span>" * 20_000
        + "</article></body></html>",
        encoding="utf-8",
    )
    try:
        docs = read_path(page)
    except IngestError as exc:
        assert exc.reason
    else:
        assert "Cobalt traders in Rotterdam" in docs[0].text


def test_huge_file_is_refused_with_its_size(tmp_path: Path) -> None:
    big = tmp_path / "huge.txt"
    with big.open("wb") as fh:
        line = b"Battery makers expanded capacity again this year, analysts said.\n"
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            fh.write(line)
    with pytest.raises(IngestError) as info:
        read_path(big)
    assert "too large" in info.value.reason


@pytest.mark.slow
def test_large_text_under_the_limit_reads(tmp_path: Path) -> None:
    big = tmp_path / "large.txt"
    para = "Cathode plants in Hungary ran near capacity, a supplier said.\n\n"
    big.write_text("Hungary cathode output\n\n" + para * 150_000, encoding="utf-8")
    doc = read_path(big)[0]
    assert doc.title == "Hungary cathode output"
    assert doc.text.count("\n\n") == 150_000 - 1


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as info:
        read_path(tmp_path / "gone.txt")
    assert "cannot open" in info.value.reason
