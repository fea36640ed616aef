"""A team library: the shared OpenSearch index, and the local state beside it.

What the CLI (and later the window) calls on a Library, over a team index. The local
half lives in a cache folder per address (``team/<server>-<index>`` under the user's
data folder, or ``CELLSIGHT_TEAM_CACHE``): an ordinary library whose store remembers
the files read, so ``index`` reads only what changed through the one pipeline, and
whose user data holds this member's tags, stars and notes. ``update`` runs the local
pipeline and then copies the store's changes to the server (team.indexer).
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import Document, Failure, HighlightSpan, Hit, IndexReport, SearchRequest, SearchResult
from ..progress import CancelToken, ProgressSink, null_sink
from .client import Client
from .indexer import SyncReport, TeamIndexer
from .url import TeamURL, parse_team_url

if TYPE_CHECKING:
    from ..library import Library
    from ..query.team_searcher import TeamSearcher

log = logging.getLogger("cellsight.team")
ENV_CACHE = "CELLSIGHT_TEAM_CACHE"


def cache_folder(url: TeamURL) -> Path:
    """The local folder for ``url``: one per server and index, never holding secrets."""
    root = os.environ.get(ENV_CACHE)
    if root:
        base = Path(root).expanduser()
    else:
        import platformdirs

        from .. import APP_NAME

        base = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "team"
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{url.host}-{url.port}-{url.index}")
    return base / name


class TeamLibrary:
    read_only = False

    def __init__(self, url: TeamURL, *, client: Client | None = None,
                 cache: Path | None = None) -> None:
        from ..library import Library
        from ..query.team_searcher import TeamSearcher

        self.url = url
        self.client = client or Client(url)
        self.client.check_server()  # unreachable, credentials, version: said before anything
        self.local: Library = Library(cache or cache_folder(url))
        self.folder = self.local.folder
        self.searcher: TeamSearcher = TeamSearcher(
            self.client, self.local._alias_lookup, self.local._name_lookup,
            self.local.workbench)
        self.last_sync: SyncReport | None = None

    def close(self) -> None:
        self.searcher.close()
        self.local.close()

    def __enter__(self) -> TeamLibrary:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ------------------------------------------------------------------------
    def sources(self) -> list[Path]:
        return self.local.sources()

    def ensure_default_sources(self) -> bool:
        return False  # the bundled samples never go into a shared index

    def update(self, paths: list[Path] | None = None, *, changed: list[Path] | None = None,
               progress: ProgressSink = null_sink, cancel: CancelToken | None = None,
               lock_timeout: float = 10.0) -> IndexReport:
        """Read and enrich locally (the one pipeline), then bring the team index in line
        with the local store. A run killed in either half is finished by the next."""
        indexer = TeamIndexer(self.client)
        # A foreign index or a member who may only search: said before reading a file.
        indexer.ensure_index()
        indexer.check_writable()
        report = self.local.update(paths, changed=changed, progress=progress, cancel=cancel,
                                   lock_timeout=lock_timeout)
        if report.cancelled:
            return report
        self.last_sync = indexer.sync(self.local.store, progress)
        self.searcher.refresh()
        failed = tuple(Failure(f"team:{doc_id}", reason)
                       for doc_id, reason in self.last_sync.failed)
        return replace(report, failed=report.failed + failed)

    # -- reading ------------------------------------------------------------------------
    def search(self, request: SearchRequest | str) -> SearchResult:
        if isinstance(request, str):
            request = SearchRequest(query=request)
        return self.searcher.search(request)

    def matching_ids(self, request: SearchRequest) -> tuple[str, ...]:
        every = replace(request, ids_only=True, limit=max(1, self.count()), offset=0,
                        with_facets=False, typing=False)
        return self.searcher.search(every).ids

    def cluster_search(self, request: SearchRequest, cluster_id: str) -> SearchResult:
        # Near-duplicate clusters are not on the server yet: a cluster is its document.
        return self.search(replace(request, within_ids=frozenset({cluster_id}),
                                   collapse=False, offset=0))

    def document(self, doc_id: str) -> Document | None:
        return self.searcher.document(doc_id)

    def highlights(self, doc: Document, query: str) -> list[HighlightSpan]:
        from ..query.highlight import highlight_spans

        return highlight_spans(doc.full_text, self.searcher.terms_for(query),
                               (doc.language,) if doc.language else ())

    def more_like(self, doc_id: str, n: int = 8) -> list[Hit]:
        return self.searcher.more_like(doc_id, n)

    def count(self) -> int:
        return self.searcher.count()

    def failures(self) -> list[Failure]:
        """Files this machine's index runs could not read (the team index has none)."""
        return self.local.failures()


def open_team_library(address: str, *, cache: Path | None = None,
                      client: Client | None = None) -> TeamLibrary:
    return TeamLibrary(parse_team_url(address), client=client, cache=cache)
