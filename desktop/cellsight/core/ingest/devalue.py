"""Decoder for devalue's flattened JSON form: the format of Nuxt 3 payloads.

A payload is one JSON array. Entry 0 is the root; objects hold integer references
as values, plain arrays hold references as elements, and an array whose first
element is a string is a typed value (``["Date", iso]``, ``["Set", ref, …]``,
``["ShallowReactive", ref]`` …). Negative references are constants.

How JavaScript values come out in Python:

- ``undefined`` and array holes -> ``None``; NaN, ±Infinity and -0 -> ``float``
- ``Date`` -> timezone-aware ``datetime`` (UTC when unstated); an invalid Date -> ``None``
- ``Set`` -> ``set`` and ``Map`` -> ``dict`` when every member/key is hashable and
  distinct in Python and the collection does not contain itself; otherwise a ``list``
  of members / a ``list`` of ``(key, value)`` tuples
- ``RegExp`` -> ``JSRegExp(source, flags)``: JavaScript pattern syntax is not Python's,
  so the pattern is kept as data rather than compiled
- ``BigInt`` -> ``int``; boxed primitives (``Object``) -> the primitive
- null-prototype objects (``"null"``) -> ``dict``; sparse arrays -> ``list`` with ``None``
- ``ArrayBuffer``/``DataView`` -> ``bytes``; typed arrays -> ``list`` of numbers
- ``URL`` -> ``str``; ``URLSearchParams`` -> ``list`` of ``(name, value)``;
  ``Temporal.*`` -> its ISO string
- Nuxt's Reactive, ShallowReactive, Ref, ShallowRef, NuxtError and Island -> the
  wrapped value; EmptyRef/EmptyShallowRef -> the value they encode

Decoding is iterative (an explicit stack), so nesting is bounded by ``max_depth``
rather than by Python's recursion limit. Every malformed input raises PayloadError.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
import math
import re
import struct
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qsl

from ..errors import PayloadError

Reviver = Callable[[Any], Any]

UNDEFINED, HOLE, NAN, POSITIVE_INFINITY, NEGATIVE_INFINITY, NEGATIVE_ZERO = -1, -2, -3, -4, -5, -6
SPARSE = -7  # first element of a sparse array: [SPARSE, length, index, ref, index, ref …]

_CONSTANTS: dict[int, Any] = {
    UNDEFINED: None,
    HOLE: None,
    NAN: math.nan,
    POSITIVE_INFINITY: math.inf,
    NEGATIVE_INFINITY: -math.inf,
    NEGATIVE_ZERO: -0.0,
}


@dataclass(frozen=True)
class JSRegExp:
    """A JavaScript regular expression, kept uncompiled."""

    source: str
    flags: str = ""


def _unwrap(data: Any) -> Any:
    return data


def _empty_ref(data: Any) -> Any:
    # Nuxt stores a falsy ref's value as text: "_" for undefined, "0n" for 0n, else JSON.
    if not isinstance(data, str):
        return data
    if data == "_":
        return None
    if data == "0n":
        return 0
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return data  # Nuxt's parser (destr) also leaves non-JSON text as it is


NUXT_REVIVERS: Mapping[str, Reviver] = MappingProxyType(
    {
        "Reactive": _unwrap,
        "ShallowReactive": _unwrap,
        "Ref": _unwrap,
        "ShallowRef": _unwrap,
        "EmptyRef": _empty_ref,
        "EmptyShallowRef": _empty_ref,
        "NuxtError": _unwrap,
        "Island": _unwrap,
        # Spellings used by Nuxt 3 release candidates.
        "reactive": _unwrap,
        "ref": _unwrap,
        "shallowRef": _unwrap,
    }
)

_TYPED_ARRAYS: dict[str, str] = {
    "Int8Array": "b",
    "Uint8Array": "B",
    "Uint8ClampedArray": "B",
    "Int16Array": "h",
    "Uint16Array": "H",
    "Int32Array": "i",
    "Uint32Array": "I",
    "Float16Array": "e",
    "Float32Array": "f",
    "Float64Array": "d",
    "BigInt64Array": "q",
    "BigUint64Array": "Q",
}
_STRING_VALUES = frozenset(
    {"URL", "URLSearchParams"}
    | {
        f"Temporal.{name}"
        for name in (
            "Duration Instant PlainDate PlainTime PlainDateTime PlainMonthDay "
            "PlainYearMonth ZonedDateTime"
        ).split()
    }
)
_BUILT_IN = frozenset(
    {"Date", "RegExp", "BigInt", "Object", "ArrayBuffer", "DataView", "Set", "Map", "null"}
    | _TYPED_ARRAYS.keys()
    | _STRING_VALUES
)
_BIGINT = re.compile(r"\s*[+-]?\d+\s*")
_MISSING: Any = object()
_SCALARS = frozenset({str, int, float, bool, type(None)})
_LIST, _OBJECT, _SET, _MAP, _REVIVE = range(5)


def unflatten(
    data: list[Any] | str | bytes | int,
    *,
    revivers: dict[str, Reviver] | None = None,
    max_items: int = 2_000_000,
    max_depth: int = 10_000,
    fallback: Callable[[str, Any], Any] | None = None,
) -> Any:
    """Rebuild the value a devalue payload describes.

    ``data`` is the JSON text or the already-parsed array. ``revivers`` maps type
    markers to functions of the revived inner value; they take precedence over the
    built-in types and over Nuxt's own markers. A marker that is neither raises
    PayloadError, unless ``fallback`` is given: it is then called with the marker and
    the revived inner value (sites add their own markers with Nuxt payload reducers).
    """
    if isinstance(data, bytes | str):
        data = _parse_json(data.lstrip("\ufeff") if isinstance(data, str) else data)
    if type(data) is int:
        if data in _CONSTANTS:
            return _CONSTANTS[data]
        raise PayloadError(f"not a devalue payload: a bare number ({data}) is no reference")
    if not isinstance(data, list):
        raise PayloadError(f"not a devalue payload: expected a JSON array, got {_kind(data)}")
    if not data:
        raise PayloadError("not a devalue payload: the array is empty")
    if len(data) > max_items:
        raise PayloadError(f"payload too large: {len(data):,} entries (the limit is {max_items:,})")
    table = dict(NUXT_REVIVERS)
    table.update(revivers or {})
    return _Decoder(data, table, max_depth, max_items, fallback).run()


def _parse_json(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        # A cut-off download is the usual cause; say so when the text stops early.
        ended = exc.doc.rstrip()
        if not ended:
            raise PayloadError("empty text, not a payload") from exc
        what = "invalid JSON"
        if exc.pos >= len(ended) or not ended.endswith(("]", "}")):
            what = "truncated JSON (the text ends early)"
        raise PayloadError(f"{what} at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    except UnicodeDecodeError as exc:
        raise PayloadError(f"payload is not UTF-8 text: {exc.reason}") from exc
    except RecursionError as exc:
        raise PayloadError("JSON nested too deeply to be a devalue payload") from exc
    except ValueError as exc:  # e.g. an integer literal longer than Python converts
        raise PayloadError(f"invalid JSON: {exc}") from exc


def _kind(value: Any) -> str:
    return {dict: "an object", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


class _Frame:
    """A container being filled: ``refs[pos:]`` still have to be resolved."""

    __slots__ = ("fn", "index", "keys", "kind", "marker", "pos", "refs", "target")

    def __init__(self, index: int, kind: int, target: Any, refs: Any, keys: Any = None) -> None:
        self.index = index
        self.kind = kind
        self.target = target
        self.refs = refs
        self.keys = keys
        self.pos = 0
        self.marker = ""
        self.fn: Reviver = _unwrap


class _Decoder:
    def __init__(
        self,
        values: list[Any],
        revivers: dict[str, Reviver],
        max_depth: int,
        max_items: int,
        fallback: Callable[[str, Any], Any] | None,
    ) -> None:
        self.values = values
        self.fallback = fallback
        self.revivers = revivers
        self.max_depth = max_depth
        self.max_items = max_items
        self.done: list[Any] = [_MISSING] * len(values)
        self.open_collections: set[int] = set()  # Sets/Maps being filled
        self.leaked: set[int] = set()  # …of which a reference escaped before completion
        self.reviving: dict[int, _Frame] = {}
        self.copied = False

    def run(self) -> Any:
        value, frame = self.visit(0, 0)
        if frame is None:
            return value
        stack = [frame]
        while True:
            frame = stack[-1]
            if frame.kind == _LIST or frame.kind == _OBJECT:
                self.fill_scalars(frame)
            if frame.pos < len(frame.refs):
                value, child = self.visit(frame.refs[frame.pos], frame.index)
                if child is not None:
                    if len(stack) >= self.max_depth:
                        raise PayloadError(f"payload nested deeper than {self.max_depth} levels")
                    stack.append(child)
                    continue
            else:
                stack.pop()
                value = self.finish(frame)
                if not stack:
                    return value
                frame = stack[-1]
            self.accept(frame, value)

    def fill_scalars(self, frame: _Frame) -> None:
        # Fast path for the bulk of a payload: references to text, numbers and
        # containers already built. Anything else is left to ``visit``.
        refs, keys, target, done, values = (
            frame.refs,
            frame.keys,
            frame.target,
            self.done,
            self.values,
        )
        size, pos, end = len(values), frame.pos, len(frame.refs)
        while pos < end:
            ref = refs[pos]
            if type(ref) is not int or not 0 <= ref < size or ref in self.open_collections:
                break
            value = done[ref]
            if value is _MISSING:
                value = values[ref]
                if type(value) not in _SCALARS:
                    break
                done[ref] = value
            target[keys[pos]] = value
            pos += 1
        frame.pos = pos

    def visit(self, ref: Any, parent: int) -> tuple[Any, _Frame | None]:
        """Resolve a reference now, or open a frame that will fill it."""
        if type(ref) is not int:
            raise PayloadError(f"entry {parent}: {ref!r} is not a reference")
        if ref < 0:
            if ref in _CONSTANTS:
                return _CONSTANTS[ref], None
            raise PayloadError(f"entry {parent}: unknown constant {ref}")
        if ref >= len(self.values):
            raise PayloadError(
                f"entry {parent}: reference {ref} is out of range "
                f"(the payload has {len(self.values)} entries)"
            )
        done = self.done[ref]
        if done is not _MISSING:
            if ref in self.open_collections:
                self.leaked.add(ref)
            return done, None
        pending = self.reviving.get(ref)
        if pending is not None:
            return self.revive_in_cycle(pending), None
        return self.build(ref)

    def build(self, i: int) -> tuple[Any, _Frame | None]:
        raw = self.values[i]
        if raw is None or isinstance(raw, bool | int | float | str):
            self.done[i] = raw
            return raw, None
        if isinstance(raw, dict):
            target: dict[str, Any] = {}
            self.done[i] = target
            return target, _Frame(i, _OBJECT, target, list(raw.values()), list(raw))
        if not isinstance(raw, list):
            raise PayloadError(f"entry {i}: unsupported value of type {type(raw).__name__}")
        if raw and isinstance(raw[0], str):
            return self.typed(i, raw[0], raw)
        if raw and type(raw[0]) is int and raw[0] == SPARSE:
            return self.sparse(i, raw)
        items: list[Any] = [None] * len(raw)
        self.done[i] = items
        return items, _Frame(i, _LIST, items, raw, range(len(raw)))

    def sparse(self, i: int, raw: list[Any]) -> tuple[Any, _Frame]:
        length = raw[1] if len(raw) > 1 else None
        positions, refs = raw[2::2], raw[3::2]
        if type(length) is not int or not 0 <= length <= self.max_items:
            raise PayloadError(f"entry {i}: sparse array with invalid length {length!r}")
        if len(positions) != len(refs) or any(
            type(p) is not int or not 0 <= p < length for p in positions
        ):
            raise PayloadError(f"entry {i}: sparse array with an invalid position")
        items: list[Any] = [None] * length
        self.done[i] = items
        return items, _Frame(i, _LIST, items, refs, positions)

    def typed(self, i: int, marker: str, raw: list[Any]) -> tuple[Any, _Frame | None]:
        fn = self.revivers.get(marker)
        if fn is None and self.fallback is not None and marker not in _BUILT_IN:
            fn = functools.partial(self.fallback, marker)
        if fn is not None:
            return None, self.start_revive(i, marker, fn, raw)
        arg = raw[1] if len(raw) > 1 else None
        if marker in ("Set", "Map", "null"):
            entries = raw[1:]
            if marker != "Set" and len(entries) % 2:
                raise PayloadError(f"entry {i}: {marker} has an odd number of entries")
            if marker == "null":
                keys = entries[0::2]
                if not all(isinstance(k, str) for k in keys):
                    raise PayloadError(f"entry {i}: null-prototype object with a non-text key")
                obj: dict[str, Any] = {}
                self.done[i] = obj
                return obj, _Frame(i, _OBJECT, obj, entries[1::2], keys)
            members: list[Any] = []
            self.done[i] = members
            self.open_collections.add(i)
            return members, _Frame(i, _SET if marker == "Set" else _MAP, members, entries)
        value = self.leaf(i, marker, arg, raw)
        self.done[i] = value
        return value, None

    def leaf(self, i: int, marker: str, arg: Any, raw: list[Any]) -> Any:
        """Typed values that hold no references to containers."""
        try:
            if marker == "Date":
                return _date(arg)
            if marker == "RegExp":
                flags = raw[2] if len(raw) > 2 else ""
                if not isinstance(arg, str) or not isinstance(flags, str):
                    raise ValueError("source and flags must be text")
                return JSRegExp(arg, flags)
            if marker == "BigInt":
                return _bigint(arg)
            if marker == "Object":
                return self.boxed(i, arg)
            if marker == "ArrayBuffer":
                return _base64(arg)
            if marker in _TYPED_ARRAYS or marker == "DataView":
                return self.view(i, marker, raw)
            if marker in _STRING_VALUES:
                if not isinstance(arg, str):
                    raise ValueError("expected text")
                if marker == "URLSearchParams":
                    return parse_qsl(arg, keep_blank_values=True)
                return arg
        except (ValueError, OverflowError, struct.error) as exc:
            raise PayloadError(f"entry {i}: invalid {marker}: {exc}") from exc
        raise PayloadError(f"entry {i}: unknown type marker {marker!r}")

    def boxed(self, i: int, arg: Any) -> Any:
        if type(arg) is not int:
            if arg is None or isinstance(arg, bool | float | str):
                return arg  # older devalue wrote the primitive inline
            raise ValueError("expected a primitive")
        # Current devalue refers to the primitive; only primitives and BigInts may be boxed.
        target = self.values[arg] if 0 <= arg < len(self.values) else None
        if isinstance(target, dict) or (
            isinstance(target, list) and (not target or target[0] != "BigInt")
        ):
            raise ValueError("only primitives can be boxed")
        value, pending = self.visit(arg, i)
        if pending is not None:
            raise ValueError("a boxed value cannot go through a reviver")
        return value

    def view(self, i: int, marker: str, raw: list[Any]) -> Any:
        source = raw[1] if len(raw) > 1 else None
        if isinstance(source, str):
            buffer = _base64(source)  # older devalue inlined the bytes
        elif type(source) is int and 0 <= source < len(self.values):
            target = self.values[source]
            if not (isinstance(target, list) and target and target[0] == "ArrayBuffer"):
                raise ValueError("the view does not refer to an ArrayBuffer")
            buffer, pending = self.visit(source, i)
            if pending is not None:
                raise ValueError("the buffer cannot go through a reviver")
        else:
            raise ValueError("missing buffer")
        if not isinstance(buffer, bytes):
            raise ValueError("the buffer was revived as something other than bytes")
        code = _TYPED_ARRAYS.get(marker, "B")
        size = struct.calcsize(code)
        offset = raw[2] if len(raw) > 2 else 0
        count = raw[3] if len(raw) > 3 else None
        if type(offset) is not int or not 0 <= offset <= len(buffer):
            raise ValueError(f"bad byte offset {offset!r}")
        if count is None:
            count, extra = divmod(len(buffer) - offset, size)
            if extra:
                raise ValueError("buffer length is not a multiple of the element size")
        if type(count) is not int or not 0 <= offset + count * size <= len(buffer):
            raise ValueError(f"bad length {count!r}")
        chunk = buffer[offset : offset + count * size]
        if marker == "DataView":
            return chunk
        return list(struct.unpack(f"<{count}{code}", chunk))

    def start_revive(self, i: int, marker: str, fn: Reviver, raw: list[Any]) -> _Frame:
        arg = raw[1] if len(raw) > 1 else UNDEFINED
        if type(arg) is not int:
            # A reviver overriding a built-in type gets that type's inline data; give it
            # a slot of its own so it is decoded like any other entry.
            arg = self.add_slot(arg)
        frame = _Frame(i, _REVIVE, None, [arg])
        frame.marker, frame.fn = marker, fn
        self.reviving[i] = frame
        return frame

    def add_slot(self, raw: Any) -> int:
        if not self.copied:
            self.values = list(self.values)
            self.copied = True
        self.values.append(raw)
        self.done.append(_MISSING)
        return len(self.values) - 1

    def revive_in_cycle(self, frame: _Frame) -> Any:
        # The wrapped value refers back to its own wrapper: devalue hands the reviver the
        # partly built inner container, which for Nuxt's wrappers is the container itself.
        inner = frame.refs[0]
        if inner < 0 or self.done[inner] is _MISSING:
            raise PayloadError(f"entry {frame.index}: {frame.marker} wraps itself")
        return self.call(frame, self.done[inner])

    def call(self, frame: _Frame, value: Any) -> Any:
        try:
            return frame.fn(value)
        except Exception as exc:
            raise PayloadError(
                f"entry {frame.index}: reviver for {frame.marker!r} failed: {exc}"
            ) from exc

    def accept(self, frame: _Frame, value: Any) -> None:
        kind = frame.kind
        if kind == _LIST or kind == _OBJECT:
            frame.target[frame.keys[frame.pos]] = value
        elif kind == _REVIVE:
            frame.target = value
        else:
            frame.target.append(value)
        frame.pos += 1

    def finish(self, frame: _Frame) -> Any:
        i = frame.index
        if frame.kind == _REVIVE:
            del self.reviving[i]
            value = self.call(frame, frame.target)
        elif frame.kind in (_SET, _MAP):
            self.open_collections.discard(i)
            value = _collection(frame.kind, frame.target, leaked=i in self.leaked)
        else:
            return frame.target
        self.done[i] = value
        return value


def _collection(kind: int, members: list[Any], *, leaked: bool) -> Any:
    pairs = list(zip(members[0::2], members[1::2], strict=True)) if kind == _MAP else []
    if leaked:
        # Something inside refers back to this collection and already holds the list.
        if kind == _MAP:
            members[:] = pairs
        return members
    keys = [k for k, _ in pairs] if kind == _MAP else members
    try:
        distinct = len(set(keys)) == len(keys)
    except TypeError:
        distinct = False
    if kind == _SET:
        return set(members) if distinct else members
    return dict(pairs) if distinct else pairs


def _date(arg: Any) -> dt.datetime | None:
    if not isinstance(arg, str):
        raise ValueError("expected an ISO date string")
    if not arg:
        return None  # devalue writes an invalid Date as ""
    text = arg.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _bigint(arg: Any) -> int:
    if type(arg) is int:
        return arg
    if isinstance(arg, str) and _BIGINT.fullmatch(arg):
        return int(arg)
    raise ValueError(f"{arg!r} is not an integer")


def _base64(arg: Any) -> bytes:
    if not isinstance(arg, str):
        raise ValueError("expected base64 text")
    try:
        return base64.b64decode(arg, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"bad base64: {exc}") from exc


def walk(root: Any) -> Iterator[dict[str, Any] | list[Any]]:
    """Every dict and list reachable from ``root``, once each, in document order.

    Decoded payloads share and cycle freely, so containers are tracked by identity;
    the walk is iterative, so depth does not matter.
    """
    seen: set[int] = set()
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            children: Iterable[Any] = node.values()
        elif isinstance(node, list | tuple):  # tuples: Map entries kept as pairs
            children = node
        else:
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        if not isinstance(node, tuple):
            yield node
        stack.extend(reversed([c for c in children if isinstance(c, dict | list | tuple)]))
