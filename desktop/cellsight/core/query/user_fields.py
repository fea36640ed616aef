"""Fields the user makes (``tag:``, ``starred:``, ``note:``), searched beside the index.

Tags, stars and notes live in user data, not in the index: a tag applies at once
(no re-index, no commit), survives a rebuild, and works the same on any search
backend, because each clause becomes a set of document ids. The query's other
words go to the index as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from ..errors import QueryError
from .clause_context import check_alone, not_before

USER_FIELDS = ("tag", "starred", "note")
_CLAUSE = re.compile(r'(?<![\w:])(-?)(tag|starred|star|note|notes):(?:"([^"]*)"|([^\s()"]+))',
                     re.IGNORECASE)  # fmt: skip
_YES = {"yes", "true", "1", "y", "on"}
_NO = {"no", "false", "0", "n", "off"}


class UserIndex(Protocol):
    """What the searcher asks of user data; ``version`` changes with every edit."""

    @property
    def version(self) -> int: ...

    def ids_for(self, field: str, value: str) -> frozenset[str]: ...

    def tags(self) -> Iterable[str]: ...


@dataclass(frozen=True)
class UserClauses:
    query: str  # the query without its user-field clauses
    filters: tuple[tuple[str, str], ...] = ()
    excludes: tuple[tuple[str, str], ...] = ()


def split(query: str) -> UserClauses:
    """Take ``tag:x``, ``-tag:x``, ``starred:yes``, ``note:word`` out of ``query``.

    A clause inside a quoted phrase is text, not a clause."""
    filters: list[tuple[str, str]] = []
    excludes: list[tuple[str, str]] = []
    kept: list[str] = []
    at = 0
    for m in _CLAUSE.finditer(query):
        if query.count('"', 0, m.start()) % 2:
            continue
        field = {"star": "starred", "notes": "note"}.get(m.group(2).lower(), m.group(2).lower())
        value = (m.group(3) if m.group(3) is not None else m.group(4)).strip()
        if field == "starred":
            if value.lower() in _NO:
                field, negate = "starred", not m.group(1)
                value = "yes"
            elif value.lower() in _YES:
                negate = bool(m.group(1))
                value = "yes"
            else:
                raise QueryError(f"starred: takes yes or no, not “{value}”.")
        else:
            negate = bool(m.group(1))
        if not value:
            raise QueryError(f"{field}: needs a value, e.g. {field}:lithium.")
        check_alone(query, m.start(), m.end(), m.group(0).lstrip("-"))
        start = m.start()
        nott = not_before(query, start, at)
        if nott is not None:  # "NOT tag:x" is "-tag:x" (and "NOT -tag:x" is "tag:x")
            negate, start = not negate, nott
        (excludes if negate else filters).append((field, value))
        kept.append(query[at:start])
        at = m.end()
    kept.append(query[at:])
    rest = " ".join("".join(kept).split())
    return UserClauses(rest, tuple(filters), tuple(excludes))


def is_user_field(name: str) -> bool:
    return name.lower() in ("tag", "starred", "star", "note", "notes")


def canonical(name: str) -> str:
    return {"star": "starred", "notes": "note"}.get(name.lower(), name.lower())
