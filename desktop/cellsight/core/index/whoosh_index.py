"""Opening, creating, validating and rebuilding the Whoosh index of a library."""

from __future__ import annotations

import logging
import shutil
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError, Index
from whoosh.searching import Searcher as WSearcher
from whoosh.writing import SegmentWriter

from ..errors import LibraryBusyError, LibraryReadOnlyError
from ..locking import WriteLock
from . import manifest, whoosh_patches  # noqa: F401 - whoosh_patches applies its fixes
from .reader_pool import ReaderPool
from .schema import SCHEMA_VERSION, build_schema

log = logging.getLogger("cellsight.index")
INDEX_NAME = "main"
OPEN_ATTEMPTS = 5
# Opening hashes at most this much of the recorded index files; a larger index is
# checked by size on opening and hashed in full by the next update (see check_pending).
# Hashing all 183 MB of a 50k index took 39 ms from the page cache and far longer from
# disk, against 250 ms for opening and first results; 32 MB is ~7 ms (a ~8k library).
OPEN_HASH_BYTES = 32 << 20
DAMAGE_LOCK_WAIT = 0.5  # seconds to wait for the write lock to confirm a mismatch


class IndexStore:
    """Owns the index folder. ``needs_rebuild`` tells the library to refill it."""

    def __init__(self, folder: Path, *, read_only: bool = False) -> None:
        """``read_only``: open the index as it is, or raise LibraryReadOnlyError if it
        would have to be created or rebuilt; nothing is locked, written or recorded."""
        self.folder = folder
        self.read_only = read_only
        self.needs_rebuild = False
        self.rebuild_reason = ""
        # The searcher that validated the index on opening, kept for the first search:
        # opening a reader means reading every segment's term table (0.1 s at 50k).
        self._validated: WSearcher | None = None
        # Recorded files not hashed since opening (a large index), or a mismatch seen
        # while another process held the write lock: check_pending() settles both.
        self._unchecked = False
        # The writers' readers for finding the documents a commit replaces.
        self._deleting = ReaderPool()
        self.index = self._open()
        if self._rebuild_marker().exists():
            self._flag("an earlier rebuild of the search index did not finish")
        if read_only and self.needs_rebuild:
            self.close()
            raise LibraryReadOnlyError(rebuild_refused(folder.parent, self.rebuild_reason))

    def _storage(self) -> FileStorage:
        # supports_mmap=False: the default copies postings into RAM (1.5 GB at 50k docs).
        # readonly: Whoosh itself refuses to create, rename or delete a file.
        return FileStorage(str(self.folder), supports_mmap=False, readonly=self.read_only)

    def _version_file(self) -> Path:
        return self.folder / "cellsight-schema-version"

    def _open(self) -> Index:
        if self.read_only:
            return self._open_read_only()
        self.folder.mkdir(parents=True, exist_ok=True)
        found = self._try_open()
        if isinstance(found, Index):
            self._check_files(found, locked=False)
            return found
        # Replacing the index deletes it, so that happens only under the library's
        # write lock. Without it, a process opening the library while another one
        # committed took the commit's deleted TOC for damage and wiped the live index
        # under the indexer (reliability tests). Under the lock nobody is writing, so
        # a second look is conclusive.
        with WriteLock(self.folder.parent):
            found = self._try_open(attempts=1)
            if isinstance(found, Index):
                self._check_files(found, locked=True)
                return found
            if found:
                bad = self._mismatched_file()
                if bad is not None:  # the cause, where the checksums know it
                    found = f"the search index was damaged (checksum mismatch in {bad})"
                log.warning("index at %s: %s; rebuilding", self.folder, found)
                self._flag(found)
            return self._create()

    def _open_read_only(self) -> Index:
        """The index as it is. Whatever would replace it in a writable library (damage,
        an older format, none at all) is an error here: nothing can be rebuilt."""
        found = self._try_open()
        if not isinstance(found, Index):
            raise LibraryReadOnlyError(rebuild_refused(
                self.folder.parent, found or "the search index is missing"))
        self._check_files(found, locked=False)
        return found

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

    # -- checksums (see manifest.py) ---------------------------------------------------
    def _check_files(self, ix: Index, *, locked: bool) -> None:
        """Compare the live files with their recorded sizes and checksums.

        Without the write lock a mismatch is only a suspicion: another process may be
        mid-commit (a reset reuses TOC names). It is looked at again under the lock,
        as a missing TOC is; files nobody recorded yet (an index from an older
        version, a kill before the record landed) are hashed and recorded only there.
        """
        suspect = ""
        if not locked:
            try:
                names = manifest.live_files(self.folder, INDEX_NAME, ix.latest_generation())
                known = manifest.load(self.folder)
                hash_known = manifest.listed_bytes(names, known) <= OPEN_HASH_BYTES
                suspect = manifest.mismatch(self.folder, names, known,
                                            hash_known=hash_known) or ""  # fmt: skip
            except FileNotFoundError:
                return  # a concurrent commit replaced this generation; it is recorded
            except Exception as exc:  # noqa: BLE001 - whatever it is, look under the lock
                suspect = type(exc).__name__
            if not suspect and all(n in known for n in names):
                self._unchecked = not hash_known
                return
        if self.read_only:
            # No lock to look again under, nothing to record: unrecorded files stay
            # unchecked, and a mismatch is taken as it is (on a read-only medium no
            # commit can be under way; a writer elsewhere on a shared folder could be).
            if suspect:
                self._flag(f"the search index did not match its checksums ({suspect})")
            return
        lock: AbstractContextManager[Any] = (
            nullcontext() if locked
            else WriteLock(self.folder.parent, timeout=DAMAGE_LOCK_WAIT if suspect else 0)
        )  # fmt: skip
        try:
            with lock:
                self._settle(ix, hash_all=None)
        except LibraryBusyError:
            # Someone is writing: unrecorded files wait for a later open; a suspected
            # mismatch is settled by the next update, which holds the lock.
            self._unchecked = self._unchecked or bool(suspect)

    def _settle(self, ix: Index, *, hash_all: bool | None) -> int:
        """Under the write lock (conclusive: nobody commits): flag damage, or record
        the files not recorded yet. ``hash_all`` None hashes within OPEN_HASH_BYTES.
        Returns how many files were checked."""
        try:
            names = manifest.live_files(self.folder, INDEX_NAME, ix.latest_generation())
            known = manifest.load(self.folder)
            if hash_all is None:
                hash_all = manifest.listed_bytes(names, known) <= OPEN_HASH_BYTES
            bad = manifest.mismatch(self.folder, names, known, hash_known=hash_all)
            if bad is None and any(n not in known for n in names):
                manifest.save(self.folder, manifest.updated(self.folder, names, known))
        except FileNotFoundError as exc:
            self._flag(f"the search index was damaged ({Path(exc.filename or '?').name} "
                       "is missing)")
            return 0
        except OSError as exc:  # unreadable; a read-only library only skips recording
            log.warning("cannot check the index checksums: %s", exc)
            return 0
        except Exception as exc:  # noqa: BLE001 - a TOC that no longer reads is damage
            self._flag(f"the search index was damaged ({type(exc).__name__}: {exc})")
            return 0
        if bad is not None:
            log.warning("index file %s does not match its checksum", bad)
            self._flag(f"the search index was damaged (checksum mismatch in {bad})")
        self._unchecked = not hash_all
        return len(names)

    def _mismatched_file(self) -> str | None:
        """A recorded file, still there, that no longer matches (under the lock)."""
        try:
            known = manifest.load(self.folder)
            present = [n for n in sorted(known) if (self.folder / n).is_file()]
            return manifest.mismatch(self.folder, present, known, hash_known=True)
        except OSError:
            return None

    def check_pending(self) -> None:
        """The hashing opening deferred (a large index) or could not settle (the lock
        was busy). The caller holds the write lock; an update calls this first."""
        if self._unchecked and not self.needs_rebuild:
            self._settle(self.index, hash_all=True)

    def verify_files(self) -> int:
        """Hash every live index file against its record (the caller holds the write
        lock); damage flags ``needs_rebuild``. Returns the number of files checked."""
        return self._settle(self.index, hash_all=True)

    def record_checksums(self) -> None:
        """Record the live generation's files after a commit (under the write lock)."""
        try:
            names = manifest.live_files(self.folder, INDEX_NAME, self.index.latest_generation())
            manifest.save(self.folder, manifest.updated(self.folder, names,
                                                        manifest.load(self.folder)))
        except Exception as exc:  # noqa: BLE001 - the commit stands; the next open records
            log.warning("cannot record the index checksums: %s", exc)

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
        if self.read_only:  # the library refuses first; never delete what cannot be remade
            raise LibraryReadOnlyError(rebuild_refused(self.folder.parent, "a reset"))
        if self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True)
        ix = self._storage().create_index(build_schema(), indexname=INDEX_NAME)
        self._version_file().write_text(str(SCHEMA_VERSION))
        self._unchecked = False
        self.index = ix  # record_checksums reads the generation from it
        self.record_checksums()
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
        self._deleting.close()
        self.index.close()
        self.index = self._create()

    def writer(self) -> SegmentWriter:
        """A writer whose commit also records the new files' checksums: every commit
        (batches, bulk segments, rebuilds) goes through a writer made here."""
        writer = self.index.writer(limitmb=256)
        commit = writer.commit

        def commit_and_record(*args: Any, **kwargs: Any) -> None:
            commit(*args, **kwargs)
            self.record_checksums()

        writer.commit = commit_and_record  # type: ignore[method-assign]
        return writer

    def deleting_searcher(self, writer: SegmentWriter) -> WSearcher:
        """A searcher over ``writer``'s segments for ``delete_by_term(searcher=…)``:
        otherwise each writer opens a reader over every segment (≈190 ms at 200k
        documents, once per commit). It may keep readers over stale deletion sets, so
        it serves delete_by_term (every match, deleted or not) and never
        update_document (whose one match could be a copy deleted already)."""
        return self._deleting.searcher(self.index, segments=writer.segments,
                                       generation=writer.generation, exact=False)

    def doc_count(self) -> int:
        # From the table of contents: Whoosh's doc_count opens a reader to ask.
        return sum(seg.doc_count() for seg in self.index._segments())

    def live_ids_not_in(self, known: set[str]) -> list[str]:
        """Live documents whose id is not in ``known`` (the store's): orphans a kill
        between the index commit and the store commit leaves. Reads every id in the
        index (about 1 s at 200k documents)."""
        with self.index.searcher() as s:
            ids = (t.decode() if isinstance(t, bytes) else t for t in s.reader().lexicon("id"))
            # The lexicon still holds deleted documents' ids until a merge drops them.
            return [i for i in ids if i not in known and s.document_number(id=i) is not None]

    def generation(self) -> int:
        return self.index.latest_generation()

    def close(self) -> None:
        self._keep_none()
        self._deleting.close()
        self.index.close()

    def _keep_none(self) -> None:
        if self._validated is not None:
            self._validated.close()
            self._validated = None


def rebuild_refused(library: Path, reason: str) -> str:
    return (f"The search index of the library at {library} needs to be rebuilt ({reason}), "
            "but the library is read-only. Open it once where it can be written (or a "
            "writable copy of it) to rebuild the index.")


def index_exists(folder: Path) -> bool:
    try:
        return FileStorage(str(folder)).index_exists(INDEX_NAME)
    except EmptyIndexError:
        return False
