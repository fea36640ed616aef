"""Fuzzing every reader: only typed errors escape, no case hangs or balloons.

Routing goes through ``registry.parse_bytes`` (what the indexer calls), so a reader's
``ValueError`` turning into an ``IngestError`` counts as handled, exactly as in use.
The payload decoder and the Storyblok renderer are also driven directly, because
the payload reader only reaches them for input that already looks like a page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness import fuzz, limits
from hypothesis import given
from hypothesis import strategies as st

from cellsight.core.errors import IngestError, PayloadError
from cellsight.core.ingest.devalue import unflatten, walk
from cellsight.core.ingest.payload import parse_nuxt_payload
from cellsight.core.ingest.registry import parse_bytes
from cellsight.core.ingest.storyblok import RichText, render
from cellsight.core.model import ParsedDocument

ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb2312", "cp1252", "latin-1", "utf-16",
             "utf-16-le", "utf-16-be", "shift_jis", "koi8-r")


def encoded(text: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    return st.tuples(text, st.sampled_from(ENCODINGS)).map(
        lambda te: te[0].encode(te[1], errors="ignore")
    )


def check_docs(docs: list[ParsedDocument]) -> None:
    assert docs
    for doc in docs:
        assert isinstance(doc.title, str) and isinstance(doc.text, str)
        assert doc.text.strip()
        assert "\x00" not in doc.title + doc.text


def read_cleanly(name: str, data: bytes, seconds: float = 30.0) -> None:
    with limits(seconds=seconds):
        try:
            docs = parse_bytes(Path(name), data)
        except IngestError as exc:
            assert exc.reason.strip()
            return
    check_docs(docs)


# -- text ---------------------------------------------------------------------------------
_line = st.one_of(
    st.text(max_size=120),
    st.sampled_from(["Title: Lithium output", "Date: 2024-13-45", "Date: 31/02/2024",
                     "Author: ", "Source: Reuters", "---", "# Heading", "####### x", "",
                     "{", "[1, 2", '{"a": 1}', "\ufeff", "\x00\x01", "­", "word-\n"]),
)
text_files = st.one_of(
    st.binary(max_size=3000),
    encoded(st.lists(_line, max_size=40).map("\n".join)),
)


@fuzz
@given(data=text_files, name=st.sampled_from(["a.txt", "b.md", "c.text", "noext"]))
def test_fuzz_text_reader(data: bytes, name: str) -> None:
    read_cleanly(name, data)


# -- HTML ---------------------------------------------------------------------------------
_TAGS = ("p", "div", "span", "a", "script", "style", "iframe", "img", "meta", "link", "title",
         "h1", "article", "main", "table", "tr", "td", "ul", "li", "br", "noscript",
         "template", "svg", "math", "object", "form", "time", "nav", "footer", "pre", "head",
         "body", "html", "base", "frameset", "textarea", "xmp", "plaintext", "select")
_ATTRS = ("href", "src", "content", "property", "name", "charset", "http-equiv", "class",
          "role", "id", "datetime", "onload", "style", "type", "hidden", "itemprop")
_VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["javascript:alert(1)", "file:///etc/passwd", "http://t.example/p.gif",
                     "og:title", "article:published_time", "2024-02-30", "application/ld+json",
                     "refresh", "0;url=file:///etc/passwd", "gb2312", "x-bogus", "utf-16",
                     "navigation", "__NUXT_DATA__", "display:none", "Content-Type"]),
)
_ENTITIES = st.one_of(
    st.integers(min_value=0, max_value=0x11_0000 + 5).map(lambda n: f"&#{n};"),
    st.integers(min_value=0, max_value=0xFFFF_FFFF).map(lambda n: f"&#x{n:x};"),
    st.sampled_from(["&amp;", "&nbsp;", "&lt;script&gt;", "&#;", "&#xD800;", "&bogus;", "&"]),
)
_leaf = st.one_of(st.text(max_size=80), _ENTITIES,
                  st.sampled_from(["Lithium prices rose again in May.", "<!--", "]]>", "<"]))


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    attr = st.tuples(st.sampled_from(_ATTRS), _VALUES).map(
        lambda kv: f' {kv[0]}="{kv[1].replace(chr(34), "&quot;")}"'
    )
    return st.tuples(
        st.sampled_from(_TAGS), st.lists(attr, max_size=3), st.lists(children, max_size=4),
        st.booleans(),
    ).map(lambda t: f"<{t[0]}{''.join(t[1])}>{''.join(t[2])}" + (f"</{t[0]}>" if t[3] else ""))


html_pages = st.tuples(
    st.sampled_from(["", "<!doctype html>", '<?xml version="1.0" encoding="gbk"?>',
                     '<meta charset="gb2312">', '<meta charset="utf-16">',
                     '<meta http-equiv="Content-Type" content="text/html; charset=x-bogus">',
                     "<html><head><title>T</title></head><body>"]),
    st.recursive(_leaf, _element, max_leaves=40),
).map("".join)


@fuzz
@given(data=st.one_of(encoded(html_pages), st.binary(max_size=2000).map(b"<html>".__add__)))
def test_fuzz_html_reader(data: bytes) -> None:
    read_cleanly("page.html", data)


# -- devalue payloads ----------------------------------------------------------------------
_MARKERS = ("Date", "Set", "Map", "RegExp", "BigInt", "Object", "null", "Reactive",
            "ShallowReactive", "Ref", "EmptyRef", "Uint8Array", "Float64Array", "ArrayBuffer",
            "DataView", "URL", "URLSearchParams", "Temporal.PlainDate", "NuxtError", "Island",
            "SiteMarker")


@st.composite
def devalue_arrays(draw: st.DrawFn) -> list[Any]:
    """Flattened payloads with references in and out of range, cycles and typed values."""
    n = draw(st.integers(min_value=1, max_value=25))
    ref = st.integers(min_value=-9, max_value=n + 2)
    scalar = st.one_of(st.text(max_size=20), st.floats(allow_nan=False), st.booleans(),
                       st.none(), st.integers(min_value=-(2**70), max_value=2**70))
    entry = st.one_of(
        scalar,
        st.lists(ref, max_size=5),
        st.dictionaries(st.text(max_size=8), ref, max_size=5),
        st.tuples(st.sampled_from(_MARKERS), st.lists(st.one_of(ref, scalar), max_size=4)).map(
            lambda t: [t[0], *t[1]]
        ),
        st.lists(ref, min_size=2, max_size=6).map(lambda xs: [-7, *xs]),
    )
    return draw(st.lists(entry, min_size=n, max_size=n))


@fuzz
@given(data=devalue_arrays(), lenient=st.booleans())
def test_fuzz_devalue_unflatten(data: list[Any], lenient: bool) -> None:
    with limits(seconds=30, max_mb=200):
        try:
            value = unflatten(data, fallback=(lambda _m, v: v) if lenient else None)
        except PayloadError as exc:
            assert str(exc)
            return
        for _ in walk(value):  # the walk over a cyclic result must end
            pass


@fuzz
@given(text=st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_fuzz_devalue_text(text: str | bytes) -> None:
    with limits(seconds=30):
        try:
            unflatten(text)
        except PayloadError:
            pass


@st.composite
def story_payloads(draw: st.DrawFn) -> list[Any]:
    """A story whose rich text is a random graph: shared nodes, cycles, dangling refs."""
    head: list[Any] = [
        {"story": 1}, {"name": 2, "slug": 3, "content": 4}, "Fuzzed story", "../../etc/x",
        {"component": 5, "body": 6, "date": 7}, "article", {"type": 8, "content": 9},
        "2024-06-07", "doc",
    ]
    n = draw(st.integers(min_value=1, max_value=20))
    first = len(head) + 1
    last = first + 2 * n
    ref = st.integers(min_value=-3, max_value=last + 2)
    head.append(draw(st.lists(st.integers(first, last - 1), min_size=1, max_size=4)))
    for _ in range(n):
        kind = draw(st.sampled_from(["paragraph", "heading", "bullet_list", "ordered_list",
                                     "list_item", "text", "blockquote", "code_block", "image",
                                     "blok", "table", "table_row", "hard_break", "doc", "x"]))
        node = {"type": len(head) + 1, "content": draw(ref), "text": draw(ref),
                "attrs": draw(ref)}
        head.append(node)
        head.append(kind)
    while len(head) < last + 3:
        head.append(draw(st.one_of(
            st.text(max_size=40),
            st.lists(ref, max_size=4),
            st.dictionaries(st.sampled_from(["body", "alt", "order", "emoji", "level"]), ref,
                            max_size=3),
        )))
    return head


@fuzz
@given(payload=story_payloads())
def test_fuzz_payload_reader_rich_text_graphs(payload: list[Any]) -> None:
    with limits(seconds=30, max_mb=200):
        try:
            docs = parse_nuxt_payload("fuzz.json", json.dumps(payload))
        except IngestError as exc:
            assert exc.reason
            return
    check_docs(docs)


@fuzz
@given(data=st.one_of(devalue_arrays().map(json.dumps), story_payloads().map(json.dumps)))
def test_fuzz_payload_through_registry(data: str) -> None:
    read_cleanly("payload.json", data.encode())


# -- Storyblok rich text -------------------------------------------------------------------
_rich_leaf = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": st.one_of(st.text(), st.integers())},
                          optional={"marks": st.lists(st.dictionaries(st.text(), st.text()))}),
    st.fixed_dictionaries({"type": st.sampled_from(["hard_break", "emoji", "image"]),
                           "attrs": st.dictionaries(st.sampled_from(["alt", "emoji", "title"]),
                                                    st.one_of(st.text(), st.none()))}),
    st.none(), st.text(max_size=5), st.integers(),
)


def _rich_node(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {"type": st.sampled_from(["doc", "paragraph", "heading", "bullet_list", "ordered_list",
                                  "list_item", "blockquote", "code_block", "table",
                                  "table_row", "table_cell", "blok", "unknown", "text"])},
        optional={
            "content": st.one_of(st.lists(children, max_size=4), children),
            "attrs": st.one_of(
                st.fixed_dictionaries({}, optional={
                    "order": st.one_of(st.integers(), st.text()),
                    "body": st.lists(st.dictionaries(
                        st.sampled_from(["text", "title", "rich", "image", "items"]),
                        st.one_of(st.text(), children, st.lists(children, max_size=2)),
                        max_size=3), max_size=3),
                }),
                st.text(max_size=3),
            ),
        },
    )


@st.composite
def rich_graphs(draw: st.DrawFn) -> Any:
    """A rich-text tree, then re-wired so some nodes are shared or contain themselves."""
    root = {"type": "doc", "content": draw(st.lists(st.recursive(_rich_leaf, _rich_node,
                                                                 max_leaves=30), max_size=5))}
    nodes = [n for n in walk(root) if isinstance(n, dict)]
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        a = draw(st.sampled_from(nodes))
        b = draw(st.sampled_from(nodes))
        if isinstance(a.get("content"), list):
            a["content"].append(b)
            a["content"].append(b)
    return root


@fuzz
@given(doc=rich_graphs())
def test_fuzz_storyblok_render(doc: Any) -> None:
    with limits(seconds=30, max_mb=100):
        out = render(doc)
    assert isinstance(out, RichText)
    assert out.text == "\n\n".join(text for _, text in out.blocks)


def test_storyblok_self_containing_node_renders_once() -> None:
    # Found by the fuzz run: this looped forever before render() cut cycles.
    para: dict[str, Any] = {"type": "paragraph", "content": [{"type": "text", "text": "Cobalt"}]}
    para["content"].append(para)
    with limits(seconds=30):
        out = render({"type": "doc", "content": [para, para]})
    assert out.text == "Cobalt"


def test_storyblok_shared_subtree_is_linear_not_exponential() -> None:
    # 2**60 copies if every reference were followed; each node is rendered once instead.
    node: dict[str, Any] = {"type": "text", "text": "Li"}
    for _ in range(60):
        node = {"type": "paragraph", "content": [node, node]}
    with limits(seconds=30, max_mb=50):
        out = render({"type": "doc", "content": [node]})
    assert out.text == "Li"
