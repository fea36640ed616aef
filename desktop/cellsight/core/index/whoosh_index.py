"""Opening, creating, validating and rebuilding the Whoosh index of a library."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError, Index
from whoosh.writing import SegmentWriter

from . import whoosh_patches  # noqa: F401 - applies the fixes before any index opens
from .schema import SCHEMA_VERSION, build_schema

log = logging.getLogger("cellsight.index")
INDEX_NAME = "main"


class IndexStore:
    """Owns the index folder. ``needs_rebuild`` tells the library to refill it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.needs_rebuild = False
        self.rebuild_reason = ""
        self.index = self._open()

    def _storage(self) -> FileStorage:
        # supports_mmap=False: the default copies postings into RAM (1.5 GB at 50k docs).
        return FileStorage(str(self.folder), supports_mmap=False)

    def _version_file(self) -> Path:
        return self.folder / "cellsight-schema-version"

    def _open(self) -> Index:
        self.folder.mkdir(parents=True, exist_ok=True)
        storage = self._storage()
        version = self._read_version()
        if storage.index_exists(INDEX_NAME) and version == SCHEMA_VERSION:
            try:
                ix = storage.open_index(INDEX_NAME)
                self._validate(ix)
                return ix
            except Exception as exc:  # noqa: BLE001 - any failure to open means "rebuild"
                log.warning("index at %s is damaged (%s); rebuilding", self.folder, exc)
                self._flag(f"the search index was damaged ({type(exc).__name__}: {exc})")
        elif storage.index_exists(INDEX_NAME):
            self._flag(f"the index format changed (version {version} → {SCHEMA_VERSION})")
        return self._create()

    def _flag(self, reason: str) -> None:
        self.needs_rebuild = True
        self.rebuild_reason = reason

    @staticmethod
    def _validate(ix: Index) -> None:
        # Touch every segment's files: a truncated or missing file fails here, not later.
        with ix.searcher() as s:
            for name in ("title", "body"):
                for _ in s.reader().lexicon(name):
                    break
            s.doc_count_all()
            if s.doc_count_all():
                s.stored_fields(0)

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

    def reset(self) -> None:
        self.index.close()
        self.index = self._create()

    def writer(self) -> SegmentWriter:
        return self.index.writer(limitmb=256)

    def generation(self) -> int:
        return self.index.latest_generation()

    def close(self) -> None:
        self.index.close()


def index_exists(folder: Path) -> bool:
    try:
        return FileStorage(str(folder)).index_exists(INDEX_NAME)
    except EmptyIndexError:
        return False
