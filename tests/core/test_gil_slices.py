"""The sliced conversions give what the one-call versions give, at every size."""

from __future__ import annotations

import numpy as np
import pytest

from cellsight.core import gil_slices
from cellsight.core.gil_slices import SLICE

SIZES = (0, 1, SLICE - 1, SLICE, SLICE + 1, 3 * SLICE + 7)


@pytest.mark.parametrize("n", SIZES)
def test_tolist_equals_one_call(n: int) -> None:
    ids = np.array([f"{i:016x}" for i in range(n)], dtype=str)
    assert gil_slices.tolist(ids) == ids.tolist()
    nums = np.arange(n, dtype=np.int64) * 3
    assert gil_slices.tolist(nums) == nums.tolist()
    assert all(type(x) is int for x in gil_slices.tolist(nums[:5]))


@pytest.mark.parametrize("n", SIZES)
def test_positions_equal_one_call(n: int) -> None:
    items = [f"d{i % (n // 2 + 1)}" for i in range(n)]  # repeats: the last one wins
    assert gil_slices.positions(items) == dict(zip(items, range(n), strict=True))


@pytest.mark.parametrize("n", SIZES)
def test_same_equals_list_equality(n: int) -> None:
    a = list(range(n))
    assert gil_slices.same(a, list(a))
    assert not gil_slices.same(a, [*a, 1])
    if n:
        b = list(a)
        b[-1] = -1
        assert not gil_slices.same(a, b)


@pytest.mark.parametrize("n", SIZES)
def test_str_array_equals_one_call(n: int) -> None:
    items = [f"id-{i}" * (1 + i % 3) for i in range(n)]
    got, want = gil_slices.str_array(items), np.array(items, dtype=str)
    assert got.dtype.kind == "U" and got.tolist() == want.tolist()
    assert gil_slices.str_array(["ab", "ä" * 20]).tolist() == ["ab", "ä" * 20]
