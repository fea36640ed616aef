"""Opening, creating, validating and rebuilding the Whoosh index of a library."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError, Index
from whoosh.searching import Searcher as WSearcher
from whoosh.writing import SegmentWriter

from ..locking import WriteLock
from . import whoosh_patches  # noqa: F401 - applies the fixes before any index opens
from .schema import SCHEMA_VERSION, build_schema

log = logging.getLogger("cellsight.index")
INDEX_NAME = "main"
OPEN_ATTEMPTS = 5


class IndexStore:
    """Owns the index folder. ``needs_rebuild`` tells the library to refill it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.needs_rebuild = False
        self.rebuild_reason = ""
        # The searcher that validated the index on opening, kept for the first search:
        # opening a reader means reading every segment's term table (0.1 s at 50k).
        self._validated: WSearcher | None = None
        self.index = self._open()
        if self._rebuild_marker().exists():
            self._flag("an earlier rebuild of the search index did not finish")

    def _storage(self) -> FileStorage:
        # supports_mmap=False: the default copies postings into RAM (1.5 GB at 50k docs).
        return FileStorage(str(self.folder), supports_mmap=False)

    def _version_file(self) -> Path:
        return self.folder / "cellsight-schema-version"

    def _open(self) -> Index:
        self.folder.mkdir(parents=True, exist_ok=True)
        found = self._try_open()
        if isinstance(found, Index):
            return found
        # Replacing the index deletes it, so that happens only under the library's
        # write lock. Without it, a process opening the library while another one
        # committed took the commit's deleted TOC for damage and wiped the live index
        # under the indexer (reliability tests). Under the lock nobody is writing, so
        # a second look is conclusive.
        with WriteLock(self.folder.parent):
            found = self._try_open(attempts=1)
            if isinstance(found, Index):
                return found
            if found:
                log.warning("index at %s: %s; rebuilding", self.folder, found)
                self._flag(found)
            return self._create()

    def _try_open(self, attempts: int = OPEN_ATTEMPTS) -> Index | str:
        """The index, or why it cannot be used ("" when there is none yet)."""
        reason = ""
        for attempt in range(attempts):
            storage = self._storage()
            version = self._read_version()
            try:
                # Inside the try: index_exists() reads the TOC, and a garbled or
                # truncated TOC raised UnicodeDecodeError/EOFError (reliability tests).
                if not storage.index_exists(INDEX_NAME):
                    return ""
                if version != SCHEMA_VERSION:
                    return f"the index format changed (version {version} → {SCHEMA_VERSION})"
                ix = storage.open_index(INDEX_NAME)
                self._keep(self._validate(ix))
                return ix
            except Exception as exc:  # noqa: BLE001 - any failure to open means "rebuild"
                reason = f"the search index was damaged ({type(exc).__name__}: {exc})"
                if not isinstance(exc, FileNotFoundError) or attempt + 1 == attempts:
                    return reason
                # A concurrent commit deletes the TOC and segments being opened; that
                # passes in moments, real damage does not.
                time.sleep(0.05 * (attempt + 1))
        return reason

    def _flag(self, reason: str) -> None:
        self.needs_rebuild = True
        self.rebuild_reason = reason

    @staticmethod
    def _validate(ix: Index) -> WSearcher:
        """A searcher over ``ix``, after touching every segment's files: a truncated or
        missing file fails here, not later."""
        s = ix.searcher()
        try:
            for name in ("title", "body"):
                for _ in s.reader().lexicon(name):
                    break
            if s.doc_count_all():
                s.stored_fields(0)
        except BaseException:
            s.close()
            raise
        return s

    def _keep(self, s: WSearcher) -> None:
        if self._validated is not None:
            self._validated.close()
        self._validated = s

    def take_searcher(self) -> WSearcher | None:
        """The searcher opened to validate the index, once, if still current."""
        s, self._validated = self._validated, None
        if s is not None and s.reader().generation() != self.index.latest_generation():
            s.close()
            return None
        return s

    def _read_version(self) -> int | None:
        try:
            return int(self._version_file().read_text().strip())
        except (OSError, ValueError):
            return None

    def _create(self) -> Index:
        if self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True)
        ix = self._storage().create_index(build_schema(), indexname=INDEX_NAME)
        self._version_file().write_text(str(SCHEMA_VERSION))
        return ix

    def _rebuild_marker(self) -> Path:
        return self.folder / "cellsight-rebuilding"

    def mark_rebuilding(self, on: bool) -> None:
        """While set, the index is known to be partial (a rebuild commits in steps)."""
        if on:
            self._rebuild_marker().write_text("a rebuild from the document store is running\n")
        else:
            self._rebuild_marker().unlink(missing_ok=True)

    def reset(self) -> None:
        self._keep_none()
        self.index.close()
        self.index = self._create()

    def writer(self) -> SegmentWriter:
        return self.index.writer(limitmb=256)

    def doc_count(self) -> int:
        # From the table of contents: Whoosh's doc_count opens a reader to ask.
        return sum(seg.doc_count() for seg in self.index._segments())

    def generation(self) -> int:
        return self.index.latest_generation()

    def close(self) -> None:
        self._keep_none()
        self.index.close()

    def _keep_none(self) -> None:
        if self._validated is not None:
            self._validated.close()
            self._validated = None


def index_exists(folder: Path) -> bool:
    try:
        return FileStorage(str(folder)).index_exists(INDEX_NAME)
    except EmptyIndexError:
        return False
