"""The devalue decoder: every marker, shared and cyclic references, limits and errors."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cellsight.core.errors import PayloadError
from cellsight.core.ingest.devalue import JSRegExp, unflatten, walk

DATA = Path(__file__).resolve().parents[1] / "data" / "payloads"
SEED = Path(__file__).resolve().parents[2] / "seeds" / "003_f22a0f1a84bb31d8.txt"


def test_every_marker_in_the_fixture_decodes() -> None:
    r = unflatten((DATA / "all_types.json").read_text())
    assert r["date"] == dt.datetime(2024, 6, 7, 12, 30, tzinfo=dt.UTC)
    assert r["set"] == {"alpha", 42}
    assert r["map"] == {"alpha": {"x": 42}, "beta": 42}
    assert r["re"] == JSRegExp("^li(thium)?$", "gi")
    assert r["big"] == 123456789012345678901234567890
    assert r["boxed"] == "alpha" and r["boxedOld"] is True
    assert r["nullobj"] == {"k": 42, "m": "alpha"}
    assert r["arr"] == [42, None, None, "alpha", "tail"]
    assert r["ref"] == 42 and r["shallowRef"] == "alpha"
    assert r["emptyRef"] is False and r["emptyShallowRef"] == 0 and r["emptyUndef"] is None
    assert r["undef"] is None
    assert math.isnan(r["nan"])
    assert r["inf"] == math.inf and r["ninf"] == -math.inf
    assert r["nzero"] == 0 and math.copysign(1.0, r["nzero"]) == -1.0
    assert r["sparse"] == [None, 42, None, "alpha", None]
    assert r["url"] == "https://example.com/a?b=1"
    assert r["bytes"] == b"\x01\x02\x03"
    assert r["u16"] == [1, 2]
    assert r["params"] == [("a", "1"), ("b", "two")]
    assert r["badDate"] is None


def test_shared_references_are_the_same_object() -> None:
    r = unflatten((DATA / "all_types.json").read_text())
    assert r["sharedA"] is r["sharedB"]
    assert r["reactive"] is r["map"]["alpha"]  # Reactive unwraps to the very object
    assert r["shallowReactive"] is r["arr"]
    assert r["self"]["me"] is r["self"]
    assert r["self"]["twin"] is r["sharedA"]


def test_seed_payload_root_is_unwrapped() -> None:
    root = unflatten(SEED.read_text())
    assert set(root) == {"data", "prerenderedAt"}
    tickers = root["data"]["ticker-data"]
    assert len(tickers) == 15
    assert tickers[0]["label"] == "Lithium" and tickers[0]["today"] == 411.01
    # Both tickers refer to entry 48 for their url; a shared entry decodes once.
    assert tickers[0]["url"] is tickers[1]["url"]


def test_cycles_are_built_before_they_are_filled() -> None:
    lst = unflatten("[[0, 1], 7]")
    assert lst[0] is lst and lst[1] == 7
    a = unflatten('[{"b": 1}, {"a": 0}]')
    assert a["b"]["a"] is a


def test_set_and_map_fall_back_to_lists_when_python_cannot_hold_them() -> None:
    assert unflatten('[["Set", 1, 2], {"a": 2}, 3]') == [{"a": 3}, 3]
    assert unflatten('[["Set", 1, 2], 1, true]') == [1, True]  # equal in Python, not in JS
    pairs = unflatten('[["Map", 1, 2], [3], "v", 9]')
    assert pairs == [([9], "v")]
    own = unflatten('[["Set", 0, 1], "x"]')
    assert isinstance(own, list) and own[0] is own and own[1] == "x"


def test_revivers_and_cycles_through_wrappers() -> None:
    root = unflatten('[{"self": 1}, ["Reactive", 0]]')
    assert root["self"] is root
    inner = unflatten('[["Reactive", 1], {"back": 0}]')
    assert inner["back"] is inner
    with pytest.raises(PayloadError, match="wraps itself"):
        unflatten('[["Ref", 0]]')


def test_custom_revivers_run_after_their_value_is_complete() -> None:
    payload = '[["Money", 1], {"amount": 2, "currency": 3}, 5, "EUR"]'
    assert unflatten(payload, revivers={"Money": lambda d: (d["amount"], d["currency"])}) == (
        5,
        "EUR",
    )
    seen = unflatten('[["Date", "2024-01-01T00:00:00.000Z"]]', revivers={"Date": lambda s: s})
    assert seen == "2024-01-01T00:00:00.000Z"
    with pytest.raises(PayloadError, match="reviver for 'Money' failed"):
        unflatten(payload, revivers={"Money": lambda d: d["missing"]})


def test_unknown_marker_is_named_unless_revived() -> None:
    with pytest.raises(PayloadError, match="'Decimal'"):
        unflatten('[["Decimal", 1], "1.5"]')
    kept = unflatten('[["Decimal", 1], "1.5"]', fallback=lambda marker, v: (marker, v))
    assert kept == ("Decimal", "1.5")


def test_standalone_constants() -> None:
    assert unflatten("-1") is None
    assert math.isnan(unflatten("-3"))
    assert math.copysign(1.0, unflatten(-6)) == -1.0
    with pytest.raises(PayloadError, match="bare number"):
        unflatten("5")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ('{"a": 1}', "expected a JSON array, got an object"),
        ('"text"', "got a string"),
        ("true", "got a boolean"),
        ("[]", "empty"),
        ("", "empty text"),
        ('[{"a": 5}]', "reference 5 is out of range"),
        ('[{"a": "1"}]', "is not a reference"),
        ('[{"a": true}]', "is not a reference"),
        ('[{"a": 1.5}]', "is not a reference"),
        ('[{"a": -9}]', "unknown constant -9"),
        ('[["BigInt", "12x"]]', "invalid BigInt"),
        ('[["Date", "not a date"]]', "invalid Date"),
        ('[["Map", 1]]', "odd number"),
        ('[["null", 1, 2]]', "non-text key"),
        ('[["RegExp", 1]]', "invalid RegExp"),
        ('[["Object", 1], {"a": 2}]', "invalid Object"),
        ('[["Uint16Array", "AQID"]]', "invalid Uint16Array"),
        ('[["ArrayBuffer", "!!"]]', "invalid ArrayBuffer"),
        ('[["Int8Array", 1], "AQID"]', "invalid Int8Array"),
        ("[[-7, -1]]", "sparse array with invalid length"),
        ("[[-7, 3, 5, 0]]", "sparse array with an invalid position"),
    ],
)
def test_malformed_payloads_raise_payload_error(payload: str, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        unflatten(payload)


def test_json_errors_give_line_and_column() -> None:
    with pytest.raises(PayloadError, match=r"truncated JSON .* line 1, column \d+"):
        unflatten(SEED.read_text()[:5000])
    with pytest.raises(PayloadError, match="invalid JSON at line 3, column 3"):
        unflatten("[\n1,\n2,,3\n]")


def test_size_limit() -> None:
    with pytest.raises(PayloadError, match="too large"):
        unflatten([[1, 2], 3, 4] + [0] * 10, max_items=10)
    with pytest.raises(PayloadError, match="sparse array with invalid length"):
        unflatten([[-7, 10**9]], max_items=1000)


def _chain(depth: int) -> list[Any]:
    return [[i + 1] for i in range(depth)] + ["leaf"]


def test_deep_payload_is_refused_with_a_clear_error() -> None:
    with pytest.raises(PayloadError, match="nested deeper than 10000 levels"):
        unflatten(json.dumps(_chain(100_000)))


def test_deep_payload_decodes_without_recursion_when_allowed() -> None:
    node = unflatten(_chain(100_000), max_depth=200_000)
    depth = 0
    while isinstance(node, list):
        node, depth = node[0], depth + 1
    assert (depth, node) == (100_000, "leaf")


def test_deeply_nested_json_text_is_a_payload_error() -> None:
    with pytest.raises(PayloadError):
        unflatten("[" * 100_000 + "]" * 100_000)


def test_walk_visits_each_container_once_in_cycles() -> None:
    root = unflatten('[{"a": 1, "b": 1, "c": 0}, [0, 2], {"z": 3}, "leaf"]')
    seen = list(walk(root))
    assert len(seen) == 3 and seen[0] is root


# --- properties -----------------------------------------------------------------

_refs = st.integers(min_value=-8, max_value=12)
_primitives = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
_markers = st.sampled_from(
    ["Date", "Set", "Map", "RegExp", "BigInt", "Object", "null", "Reactive", "ShallowRef",
     "EmptyRef", "ArrayBuffer", "Uint8Array", "Float64Array", "DataView", "URL", "Nope"]
)  # fmt: skip
_entries = st.one_of(
    _primitives,
    st.lists(_refs, max_size=5),
    st.dictionaries(st.text(max_size=3), _refs, max_size=4),
    st.tuples(_markers, st.lists(_refs | _primitives, max_size=4)).map(lambda t: [t[0], *t[1]]),
    st.recursive(_primitives, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(), c)),
    st.lists(_refs, min_size=1, max_size=5).map(lambda xs: [-7, *xs]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_entries, min_size=0, max_size=14))
def test_random_arrays_raise_only_payload_error(values: list[Any]) -> None:
    for data in (values, json.dumps(values)):
        try:
            unflatten(data)
        except PayloadError:
            pass


def _flatten(root: Any) -> list[Any]:
    """A minimal devalue encoder for plain JSON-like values, sharing by identity."""
    out: list[Any] = []
    index: dict[int, int] = {}

    def add(value: Any) -> int:
        if isinstance(value, float) and math.isnan(value):
            return -3
        if isinstance(value, dict | list) and id(value) in index:
            return index[id(value)]
        slot = len(out)
        out.append(None)
        if isinstance(value, dict | list):
            index[id(value)] = slot
        if isinstance(value, dict):
            out[slot] = {k: add(v) for k, v in value.items()}
        elif isinstance(value, list):
            out[slot] = [add(v) for v in value]
        else:
            out[slot] = value
        return slot

    add(root)
    return out


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=5), c, max_size=4),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(_json_values, _json_values)
def test_round_trip_of_plain_values_with_sharing(a: Any, b: Any) -> None:
    value = {"a": a, "b": b, "again": a}
    decoded = unflatten(json.dumps(_flatten(value)))
    assert decoded == value
    if isinstance(a, dict | list):
        assert decoded["a"] is decoded["again"]
