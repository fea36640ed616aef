"""Team libraries: a shared OpenSearch 2.x index behind the same Library calls (issue 18).

``open_team_library("opensearch+http://HOST:PORT/INDEX")`` gives what the CLI needs of a
Library (search, document, count, update, failures, close). The query translation and
the searcher live in core/query (team_dsl, team_searcher): Whoosh stays in core/index
and core/query.
"""

from __future__ import annotations

from .url import is_team_url, parse_team_url

__all__ = ["is_team_url", "open_team_library", "parse_team_url"]


def open_team_library(address: str, **kwargs: object):  # type: ignore[no-untyped-def]
    from .library import open_team_library as _open

    return _open(address, **kwargs)  # type: ignore[arg-type]
