"""Fuzzing the e-mail readers: only typed errors escape, no case hangs or balloons.

Messages are generated from the pieces broken mail is made of (encoded words in any
charset, lying labels, broken boundaries and transfer encodings, "From " lines in
bodies), and the real files of tests/data/email are mutated and truncated. Hostile
shapes (deep nesting, many parts, huge attachments) run under time and memory limits.
"""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest
from harness import fuzz, limits
from hypothesis import given
from hypothesis import strategies as st

from cellsight.core.errors import IngestError
from cellsight.core.ingest import email_reader
from cellsight.core.ingest.registry import parse_bytes, readers
from cellsight.core.model import ParsedDocument

DATA = Path(__file__).resolve().parents[1] / "data" / "email"
CHARSETS = ("utf-8", "gb2312", "gbk", "big5", "windows-1251", "koi8-r", "iso-2022-jp",
            "shift_jis", "latin-1", "x-unknown", "NONE", "utf-16", "")  # fmt: skip
CODECS = ("utf-8", "gb18030", "big5", "cp1251", "koi8-r", "iso-2022-jp", "shift_jis",
          "latin-1", "utf-16")  # fmt: skip
TEXTS = ("Lithium carbonate prices held steady.", "宁德时代与多家车企签署协议", "寧德時代電池",
         "Никель подешевел", "リチウム価格", "Ünïcödé café", "From the desk:", ">From here",
         "=?utf-8?B?", "=3D=\n", "--b1", "\x00\x01", "")  # fmt: skip


def check_docs(docs: list[ParsedDocument]) -> None:
    assert docs
    for doc in docs:
        assert isinstance(doc.title, str) and doc.title.strip()
        assert doc.text.strip() and "\x00" not in doc.title + doc.text
    parts = [d.part for d in docs]
    assert len(parts) == len(set(parts))  # ids are hash(path#part): parts must differ


def read_cleanly(name: str, data: bytes, seconds: float = 30.0) -> None:
    with limits(seconds=seconds, max_mb=300):
        try:
            docs = parse_bytes(Path(name), data)
        except IngestError as exc:
            assert exc.reason.strip()
            return
    check_docs(docs)


@st.composite
def encoded_text(draw: st.DrawFn) -> tuple[bytes, str]:
    text = draw(st.one_of(st.sampled_from(TEXTS), st.text(max_size=60)))
    codec = draw(st.sampled_from(CODECS))
    return text.encode(codec, errors="ignore"), draw(st.sampled_from(CHARSETS))


@st.composite
def header_value(draw: st.DrawFn) -> bytes:
    raw, label = draw(encoded_text())
    kind = draw(st.sampled_from(["raw", "b", "q", "broken"]))
    if kind == "raw":
        return raw.replace(b"\n", b" ")
    if kind == "b":
        return b"=?" + label.encode() + b"?B?" + base64.b64encode(raw) + b"?="
    if kind == "q":
        return b"=?" + label.encode() + b"?Q?" + raw.hex("=").upper().encode() + b"?="
    return draw(st.sampled_from([b"=?utf-8?B?4p?=", b"=?big5?Q?=ZZ?=", b"=??B??=", b"=?x?", b""]))


@st.composite
def leaf(draw: st.DrawFn) -> bytes:
    body, label = draw(encoded_text())
    ctype = draw(
        st.sampled_from(
            [
                "text/plain",
                "text/html",
                "application/pdf",
                "image/png",
                "message/rfc822",
                "text/plain; format=flowed",
            ]
        )
    )
    cte = draw(
        st.sampled_from(
            [
                "",
                "base64",
                "quoted-printable",
                "7bit",
                "8-bit",
                "x-uuencode",
                "quoted-printable;",
                "base64 ",
            ]
        )
    )
    if cte.startswith("base64") and draw(st.booleans()):
        body = base64.encodebytes(body) + draw(st.sampled_from([b"", b"!!junk!!\n", b"===="]))
    if ctype == "text/html":
        body = b"<html><body><p>" + body + b'</p><img src="https://t.example/o.gif" width=1>'
    head = f"Content-Type: {ctype}; charset={label}\nContent-Transfer-Encoding: {cte}\n"
    if draw(st.booleans()):
        head += 'Content-Disposition: attachment; filename="a.bin"\n'
    return head.encode() + b"\n" + body


def _multipart(children: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        boundary = draw(st.sampled_from([b"b1", b"b1-2", b"==x==", b"", b"a b", b"b1--"]))
        parts = draw(st.lists(children, max_size=4))
        out = b"Content-Type: multipart/" + draw(
            st.sampled_from([b"mixed", b"alternative", b"related", b"digest"])
        )
        out += b'; boundary="' + boundary + b'"\n\n'
        for part in parts:
            out += b"--" + boundary + b"\n" + part + b"\n"
        if draw(st.booleans()):
            out += b"--" + boundary + b"--\n"
        return out

    return build()


@st.composite
def message(draw: st.DrawFn) -> bytes:
    headers = b""
    for name in draw(
        st.lists(
            st.sampled_from(
                [
                    b"From",
                    b"Subject",
                    b"Date",
                    b"Message-ID",
                    b"To",
                    b"Received",
                    b"MIME-Version",
                    b"List-Id",
                    b"Archived-At",
                    b"Keywords",
                ]
            ),
            min_size=1,
            max_size=8,
        )
    ):
        value = draw(
            st.one_of(
                header_value(),
                st.sampled_from(
                    [
                        b"Mon, 30 Jun 3609 15:33:50 +0600",
                        b"Pn, 29 paX 2007",
                        b"<a@b>",
                        b"1.0",
                        b"Benchmark <news@benchmarkminerals.com>",
                        b'"Last, First" <x@y.z>',
                    ]
                ),
            )
        )
        fold = b"\n " if draw(st.booleans()) else b""
        headers += name + b": " + fold + value + b"\n"
    body = draw(st.recursive(leaf(), _multipart, max_leaves=8))
    return headers + body


@st.composite
def mailbox(draw: st.DrawFn) -> bytes:
    out = b""
    for msg in draw(st.lists(message(), min_size=1, max_size=4)):
        sep = draw(
            st.sampled_from(
                [
                    b"From a@b.example Mon Jun  1 10:00:00 2009\n",
                    b"From nobody\n",
                    b"From \n",
                    b">From x\n",
                    b"",
                ]
            )
        )
        gap = draw(st.sampled_from([b"\n", b"", b"\r\n"]))
        out += gap + sep + msg
        if draw(st.booleans()):
            out += b"\nFrom time to time the market moves.\n"
    if draw(st.booleans()):
        out = out.replace(b"\n", b"\r\n")
    return out


@fuzz
@given(data=message(), name=st.sampled_from(["m.eml", "m", "m.txt"]))
def test_fuzz_generated_messages(data: bytes, name: str) -> None:
    read_cleanly(name, data)


@fuzz
@given(data=mailbox(), name=st.sampled_from(["box.mbox", "box", "box.eml"]))
def test_fuzz_generated_mailboxes(data: bytes, name: str) -> None:
    read_cleanly(name, data)


_REAL = sorted(p for p in DATA.iterdir() if p.suffix in (".eml", ".mbox", ".msg"))


@fuzz
@given(
    index=st.integers(0, len(_REAL) - 1),
    seed=st.integers(0, 2**32 - 1),
    cut=st.floats(0.0, 1.0),
    flips=st.integers(0, 40),
)
def test_fuzz_mutated_real_files(index: int, seed: int, cut: float, flips: int) -> None:
    path = _REAL[index]
    data = bytearray(path.read_bytes())
    rng = random.Random(seed)
    for _ in range(flips):
        data[rng.randrange(len(data))] = rng.randrange(256)
    if cut < 0.3:  # a third of the cases truncated
        data = data[: max(1, int(len(data) * cut / 0.3))]
    read_cleanly(path.name, bytes(data))


# -- hostile shapes, by construction ---------------------------------------------------------
def _headed(body: bytes) -> bytes:
    return b"From: A <a@b.example>\nSubject: Hostile\nMessage-ID: <h@b.example>\n" + body


def test_a_50_mb_attachment_is_not_decoded(tmp_path: Path) -> None:
    readers()  # every reader module imported before memory is measured
    attachment = base64.encodebytes(bytes(50 * 1024 * 1024))  # 50 MB of zeros, 68 MB encoded
    data = _headed(
        b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n--b1\n'
        b"Content-Type: text/plain; charset=utf-8\n\n"
        b"Lithium carbonate prices in China held steady this week.\n--b1\n"
        b'Content-Type: application/pdf; name="assessment.pdf"\n'
        b"Content-Transfer-Encoding: base64\n\n" + attachment + b"\n--b1--\n"
    )
    with limits(seconds=30, max_mb=40):  # the bytes alone are 68 MB
        (doc,) = parse_bytes(tmp_path / "big.eml", data)
    assert doc.text == "Lithium carbonate prices in China held steady this week."
    box = (
        b"From a@b.example Thu May  9 09:00:00 2024\n"
        + data
        + b"\nFrom a@b.example Fri May 10 09:00:00 2024\nSubject: Next\n\nNickel.\n"
    )
    with limits(seconds=30, max_mb=40):
        docs = parse_bytes(tmp_path / "big.mbox", box)
    assert [d.title for d in docs] == ["Hostile", "Next"]


def test_deep_nesting_and_many_parts_are_bounded(tmp_path: Path) -> None:
    deep = b""
    for i in range(5000):
        deep += b'Content-Type: multipart/mixed; boundary="d%d"\n\n--d%d\n' % (i, i)
    deep += b"Content-Type: text/plain\n\nBuried nickel.\n"
    many = (
        b'Content-Type: multipart/mixed; boundary="m"\n\n'
        + b"".join(b"--m\nContent-Type: image/png\n\nx\n" for _ in range(200_000))
        + b"--m--\n"
    )
    folded = b"Subject: " + b"\n x" * 200_000 + b"\n\nBody text.\n"
    for name, body in (("deep.eml", deep), ("many.eml", many), ("folded.eml", folded)):
        with limits(seconds=30, max_mb=150):
            try:
                docs = parse_bytes(tmp_path / name, _headed(body))
            except IngestError as exc:
                assert exc.reason
            else:
                check_docs(docs)


def test_a_mailbox_of_many_tiny_messages_is_capped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(email_reader, "MAX_MESSAGES", 2_000)  # 20,000 in use
    box = b"".join(
        b"From a@b.example Mon Jun  1 10:00:00 2009\nSubject: m%d\n\nCobalt %d.\n\n" % (i, i)
        for i in range(6_000)
    )
    with limits(seconds=60):
        docs = parse_bytes(tmp_path / "tiny.mbox", box)
    assert [d.title for d in docs] == [f"m{i}" for i in range(2_000)]
    check_docs(docs)


def test_a_mailbox_of_from_lines_is_bounded(tmp_path: Path) -> None:
    box = b"From a@b.example Mon Jun  1 10:00:00 2009\nSubject: s\n\n" + b"From x\n" * 200_000
    with limits(seconds=60):
        docs = parse_bytes(tmp_path / "froms.mbox", box)
    assert len(docs) == 1
