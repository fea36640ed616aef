"""How a clause that is taken out of the query text (``tag:``, ``starred:``, ``note:``,
figure ranges) stood in it.

Such clauses are applied as filters beside the text query, so they can be required or
excluded but not OR-ed or grouped. ``lithium NOT tag:bulk`` was read as ``lithium
tag:bulk`` (the NOT left behind as a word), and ``NOT tag:bulk`` found nothing: a NOT
right before one is its exclusion, like ``-tag:bulk``; an OR beside one, or a bracket
around it, is refused with the reason rather than silently read as AND.
"""

from __future__ import annotations

import re

from ..errors import QueryError

_NOT_BEFORE = re.compile(r"(?:^|(?<=[\s(]))NOT\s+$")
_OR_BEFORE = re.compile(r"(?:^|\s)OR\s*$")
_OR_AFTER = re.compile(r"^\s*OR(?:\s|$)")


def not_before(query: str, start: int, floor: int) -> int | None:
    """Where a ``NOT`` right before ``query[start:]`` begins (not before ``floor``)."""
    m = _NOT_BEFORE.search(query, floor, start)
    return m.start() if m else None


def check_alone(query: str, start: int, end: int, clause: str) -> None:
    """Refuse a clause OR-ed with something or inside brackets (outside quotes)."""
    before, after = query[:start], query[end:]
    depth = 0
    quoted = False
    for ch in before:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth = max(0, depth - 1)
    if depth or _OR_BEFORE.search(before) or _OR_AFTER.match(after):
        raise QueryError(f"“{clause}” can be required or excluded (-{clause} or NOT "
                         f"{clause}) but not combined with OR or inside brackets.")
