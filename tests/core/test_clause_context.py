"""User-field and figure clauses next to NOT, OR and brackets (core/query/clause_context.py)."""

from __future__ import annotations

import pytest

from cellsight.core.errors import QueryError
from cellsight.core.query.numeric_syntax import split as split_figures
from cellsight.core.query.user_fields import split as split_user


@pytest.mark.parametrize(("query", "rest", "filters", "excludes"), [
    ("lithium NOT tag:bulk", "lithium", (), (("tag", "bulk"),)),
    ("NOT tag:bulk", "", (), (("tag", "bulk"),)),
    ("lithium -tag:bulk", "lithium", (), (("tag", "bulk"),)),
    ("NOT -tag:bulk cobalt", "cobalt", (("tag", "bulk"),), ()),
    ("lithium NOT starred:yes", "lithium", (), (("starred", "yes"),)),
    ("lithium tag:a NOT tag:b", "lithium", (("tag", "a"),), (("tag", "b"),)),
    ("NOT cobalt tag:a", "NOT cobalt", (("tag", "a"),), ()),  # NOT belongs to cobalt
    ('"NOT tag:x" lithium', '"NOT tag:x" lithium', (), ()),  # quoted: text
    ("KNOT tag:a", "KNOT", (("tag", "a"),), ()),
])
def test_not_before_a_user_clause_excludes_it(query, rest, filters, excludes) -> None:  # type: ignore[no-untyped-def]
    got = split_user(query)
    assert (got.query, got.filters, got.excludes) == (rest, filters, excludes)


def test_not_before_a_figure_clause_excludes_it() -> None:
    got = split_figures("battery NOT capacity:>20")
    assert got.query == "battery" and not got.filters and len(got.excludes) == 1
    assert got.excludes[0].lo == 20


@pytest.mark.parametrize("query", [
    "lithium OR tag:bulk", "tag:bulk OR lithium", "(tag:a lithium)", "cobalt (nickel OR tag:x)",
    "capacity:>20 OR lithium",
])
def test_or_and_brackets_around_a_clause_are_refused_with_the_reason(query: str) -> None:
    with pytest.raises(QueryError, match="not combined with OR or inside brackets"):
        split_figures(split_user(query).query) if "capacity" in query else split_user(query)


def test_brackets_and_or_elsewhere_are_fine() -> None:
    got = split_user("(lithium OR cobalt) tag:bulk")
    assert got.query == "(lithium OR cobalt)" and got.filters == (("tag", "bulk"),)
    assert split_user('"a (tag:x" OR b').filters == ()  # inside a phrase: text
