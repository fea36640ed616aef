"""Plain text from Storyblok rich text (the ``{"type": "doc", "content": [...]}`` tree).

Paragraphs, headings, quotes, code and image captions each become one block; a
list becomes one block of "• item" lines ("1. item" for ordered lists, nested
lists indented). Links keep their anchor text; other marks are dropped.
Rendering recurses only ``MAX_DEPTH`` levels; anything deeper is flattened to its
text, so hostile nesting cannot exhaust Python's stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 64
Block = tuple[str, str]  # (kind, text): paragraph, heading, list, quote, code, caption

_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")
_TEXT_FIELDS = ("title", "headline", "heading", "text", "quote", "caption", "description")
_LISTS = frozenset({"bullet_list", "ordered_list"})


@dataclass(frozen=True)
class RichText:
    text: str  # blocks separated by a blank line
    blocks: tuple[Block, ...]


def is_rich_text(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.get("type") == "doc"
        and isinstance(value.get("content"), list)
    )


def render(doc: Any) -> RichText:
    blocks: list[Block] = []
    if isinstance(doc, dict):
        _block(_as_tree(doc), 0, blocks)
    kept = tuple((kind, text) for kind, text in blocks if text)
    return RichText("\n\n".join(text for _, text in kept), kept)


def _as_tree(root: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``root`` in which every dict and list appears once.

    A decoded payload may share or cycle: a node listing itself as its own child made
    rendering loop forever (reliability fuzzing), and a node shared twice at each of
    40 levels would be rendered 2**40 times. Later references to a container already
    copied become empty ones, so the work stays linear in the payload's size. The copy
    is iterative, so depth does not matter here either.
    """
    seen = {id(root)}
    top: dict[str, Any] = {}
    stack: list[tuple[Any, Any]] = [(root, top)]
    while stack:
        src, dst = stack.pop()
        for key, value in src.items() if isinstance(src, dict) else enumerate(src):
            if isinstance(value, dict | list):
                copy: Any = {} if isinstance(value, dict) else []
                if id(value) not in seen:
                    seen.add(id(value))
                    stack.append((value, copy))
                value = copy
            if isinstance(dst, dict):
                dst[key] = value
            else:
                dst.append(value)
    return top


def _children(node: dict[str, Any]) -> list[Any]:
    content = node.get("content")
    return content if isinstance(content, list) else []


def _attrs(node: dict[str, Any]) -> dict[str, Any]:
    attrs = node.get("attrs")
    return attrs if isinstance(attrs, dict) else {}


def _block(node: dict[str, Any], depth: int, out: list[Block]) -> None:
    kind = node.get("type")
    kind = kind if isinstance(kind, str) else ""
    if depth >= MAX_DEPTH:
        out.append(("paragraph", _clean(_flat_text(node))))
    elif kind in ("paragraph", "heading"):
        _inline_block("heading" if kind == "heading" else "paragraph", node, out)
    elif kind in _LISTS:
        out.append(("list", "\n".join(_list_lines(node, depth))))
    elif kind == "code_block":
        out.append(("code", _flat_text(node).strip("\n")))
    elif kind == "blockquote":
        inner: list[Block] = []
        for child in _children(node):
            if isinstance(child, dict):
                _block(child, depth + 1, inner)
        out.extend(("quote", text) for _, text in inner)
    elif kind == "image":
        out.append(("caption", _caption(_attrs(node))))
    elif kind == "blok":
        _bloks(_attrs(node).get("body"), depth + 1, out)
    elif kind == "table":
        out.append(("table", "\n".join(_table_rows(node))))
    elif kind in ("text", "hard_break", "emoji"):
        out.append(("paragraph", _clean(_inline_text([node]))))
    else:  # doc, list_item outside a list, and node types this reader does not know
        for child in _children(node):
            if isinstance(child, dict):
                _block(child, depth + 1, out)


def _inline_block(kind: str, node: dict[str, Any], out: list[Block]) -> None:
    # Images sit inside paragraphs in Storyblok; their caption becomes its own block.
    inline = [c for c in _children(node) if isinstance(c, dict) and c.get("type") != "image"]
    out.append((kind, _clean(_inline_text(inline))))
    for child in _children(node):
        if isinstance(child, dict) and child.get("type") == "image":
            out.append(("caption", _caption(_attrs(child))))


def _inline_text(nodes: list[Any]) -> str:
    parts: list[str] = []
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        kind = node.get("type")
        if kind == "text":
            text = node.get("text")
            parts.append(text if isinstance(text, str) else "")
        elif kind == "hard_break":
            parts.append("\n")
        elif kind == "emoji":
            emoji = _attrs(node).get("emoji")
            parts.append(emoji if isinstance(emoji, str) else "")
        else:
            stack.extend(reversed(_children(node)))
    return "".join(parts)


def _flat_text(node: dict[str, Any]) -> str:
    return _inline_text([node])


def _clean(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _caption(attrs: dict[str, Any]) -> str:
    for key in ("alt", "title"):
        value = attrs.get(key)
        if isinstance(value, str) and value.strip():
            return _clean(value)
    return ""


def _list_lines(node: dict[str, Any], depth: int) -> list[str]:
    ordered = node.get("type") == "ordered_list"
    start = _attrs(node).get("order")
    number = start if type(start) is int else 1
    lines: list[str] = []
    for item in _children(node):
        if not isinstance(item, dict):
            continue
        parts: list[Block] = []
        for child in _children(item) if item.get("type") == "list_item" else [item]:
            if isinstance(child, dict):
                _block(child, depth + 2, parts)
        marker = f"{number}." if ordered else "•"
        number += 1
        first = True
        for kind, text in parts:
            if not text:
                continue
            if kind == "list":
                lines.extend("  " + line for line in text.split("\n"))
            elif first:
                lines.append(f"{marker} {text.replace(chr(10), ' ')}")
                first = False
            else:
                lines.append(f"  {text.replace(chr(10), ' ')}")
    return lines


def _table_rows(node: dict[str, Any]) -> list[str]:
    rows: list[str] = []
    for row in _children(node):
        if isinstance(row, dict):
            cells = [_clean(_flat_text(c)).replace("\n", " ") for c in _children(row)]
            if any(cells):
                rows.append(" | ".join(cells))
    return rows


def _bloks(body: Any, depth: int, out: list[Block]) -> None:
    """Embedded Storyblok components: their rich text and short text fields."""
    if not isinstance(body, list) or depth >= MAX_DEPTH:
        return
    for component in body:
        if not isinstance(component, dict):
            continue
        for key, value in component.items():
            if is_rich_text(value):
                _block(value, depth + 1, out)
            elif isinstance(value, str) and key in _TEXT_FIELDS:
                out.append(("paragraph", _clean(value)))
            elif isinstance(value, dict) and isinstance(value.get("filename"), str):
                out.append(("caption", _caption(value)))
            elif isinstance(value, list):
                _bloks(value, depth + 1, out)
