"""A date range as a query clause, ``date:[2024-01-01 to 2024-03-31]``: the histogram's brush.

The range is written into the query rather than kept as a separate filter, so what the
user brushed is what the search bar, a saved search, a brief and ``cellsight search``
all run: the query language already has date ranges, and the searcher's facet filters
have no date field. The filter bar shows each such clause as a chip like the facet
filters; removing the chip takes the clause out of the query.
"""

from __future__ import annotations

import datetime as dt
import re

FIELD = "date"  # the chip's field name, as FilterBar.removed reports it
_CLAUSE = re.compile(r"(?<![\w:])date:\[[^\]]*\]", re.IGNORECASE)


def date_clause(first: dt.date, last: dt.date) -> str:
    """The clause for every day from ``first`` to ``last`` (either order)."""
    lo, hi = sorted((first, last))
    return f"date:[{lo.isoformat()} to {hi.isoformat()}]"


def date_clauses(query: str) -> list[str]:
    """The ``date:[… to …]`` clauses written in ``query``, in order."""
    return _CLAUSE.findall(query)


def without_clause(query: str, clause: str) -> str:
    """``query`` with ``clause`` taken out (every copy of it), spaces tidied."""
    return " ".join(query.replace(clause, " ").split())


def with_date_range(query: str, first: dt.date, last: dt.date) -> str:
    """``query`` narrowed to the range: it replaces any date range already in it, so
    brushing again moves the range instead of intersecting two (which would often be
    empty)."""
    rest = _CLAUSE.sub(" ", query)
    return " ".join(f"{rest} {date_clause(first, last)}".split())


def clause_label(clause: str) -> str:
    """What a chip shows: "2024-01-01 to 2024-03-31"."""
    return clause[len("date:["):-1].strip()
