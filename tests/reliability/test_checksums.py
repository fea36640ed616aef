"""Silent byte damage: a flipped byte that keeps every size and modification time.

Truncation and deletion are covered by test_corruption.py; here each kind of index
file, and a document row's text, gets one byte flipped in its middle. Whoosh and
SQLite's quick_check cannot see that; the checksums (core/index/manifest.py,
core/store_checks.py) must, and the usual repair paths must bring everything back.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from harness import REPO, SEEDS, run_cli, write_corpus

from cellsight.core.index import manifest, whoosh_index
from cellsight.core.index.whoosh_index import INDEX_NAME
from cellsight.core.library import Library
from cellsight.core.locking import WriteLock

PRICES = REPO / "tests" / "data" / "prices" / "lithium.csv"
MARKER = "marker7x"  # the unique word of one generated note (harness.write_corpus)
QUERIES = ("licensing", "lithium", "company:CATL", MARKER, "Installed volume")
INDEX_KINDS = (".toc", ".seg")  # every kind of file a live index holds (checked below)


def user_state(lib: Library) -> tuple[object, ...]:
    changes = lib.user.changes()
    return (tuple(lib.sources()), changes.added, tuple(sorted(changes.aliases)),
            tuple(sorted(changes.hidden)),
            tuple(sorted(s.id for _, s in lib.user.imported_series())))  # fmt: skip


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], tuple]:  # type: ignore[type-arg]
    """Seeds plus 300 notes in three updates (three segments), an added entity and
    imported prices; the totals of QUERIES and the user state."""
    root = tmp_path_factory.mktemp("checksums")
    src = root / "src"
    shutil.copytree(SEEDS, src / "seeds")
    with Library(root / "lib") as lib:
        lib.update([src])
        for start in (0, 150):
            write_corpus(src / "notes", 150, start=start)
            lib.update()
        lib.add_user_entity("installed battery volume", "product", "Installed volume")
        assert lib.import_prices(PRICES) >= 1
        lib.apply_catalogue_changes()
        totals = {q: lib.search(q).total for q in QUERIES}
        state = user_state(lib)
        assert len(lib.index.index._segments()) >= 3
    assert totals[MARKER] == 1 and totals["licensing"] >= 2
    return root / "lib", totals, state


def copy(pristine: tuple, tmp_path: Path) -> Path:  # type: ignore[type-arg]
    lib_dir = tmp_path / "lib"
    shutil.copytree(pristine[0], lib_dir)  # copy2: modification times kept
    return lib_dir


def live_files(lib_dir: Path) -> list[str]:
    folder = lib_dir / "index"
    gen = max(int(p.stem.rsplit("_", 1)[1]) for p in folder.glob(f"_{INDEX_NAME}_*.toc"))
    return manifest.live_files(folder, INDEX_NAME, gen)


def flip(path: Path, at: int, mask: int = 0xFF) -> None:
    """One byte changed, size and times as they were: what bit rot looks like."""
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[at] ^= mask
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def flip_index_file(lib_dir: Path, kind: str) -> str:
    names = [n for n in live_files(lib_dir) if n.endswith(kind)]
    name = max(names, key=lambda n: (lib_dir / "index" / n).stat().st_size)
    path = lib_dir / "index" / name
    flip(path, path.stat().st_size // 2)
    return name


def assert_restored(lib: Library, pristine: tuple) -> None:  # type: ignore[type-arg]
    _, totals, state = pristine
    assert {q: lib.search(q).total for q in QUERIES} == totals
    assert user_state(lib) == state
    assert all(h.title != "(missing document)" for h in lib.search(MARKER).hits)


def test_every_kind_of_index_file_is_covered(pristine) -> None:  # type: ignore[no-untyped-def]
    kinds = {Path(n).suffix for n in live_files(pristine[0])}
    assert kinds == set(INDEX_KINDS)
    recorded = manifest.load(pristine[0] / "index")
    assert set(recorded) == set(live_files(pristine[0]))  # npz caches and locks left out


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_flipped_byte_in_index_file_is_detected_and_repaired(pristine, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                             kind: str) -> None:
    lib_dir = copy(pristine, tmp_path)
    name = flip_index_file(lib_dir, kind)
    with Library(lib_dir) as lib:
        assert lib.index.needs_rebuild
        assert lib.index.rebuild_reason == (
            f"the search index was damaged (checksum mismatch in {name})")
        lib.update()  # the usual repair: a rebuild from the store, then a scan
        assert not lib.index.needs_rebuild
        assert_restored(lib, pristine)
    with Library(lib_dir) as again:  # the rebuilt index and its checksums agree
        assert not again.index.needs_rebuild
        assert_restored(again, pristine)


def test_large_index_is_hashed_by_the_first_update(pristine, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Past OPEN_HASH_BYTES, opening checks sizes only; the first update hashes."""
    monkeypatch.setattr(whoosh_index, "OPEN_HASH_BYTES", 0)
    lib_dir = copy(pristine, tmp_path)
    name = flip_index_file(lib_dir, ".seg")
    with Library(lib_dir) as lib:
        assert not lib.index.needs_rebuild  # not looked at yet
        with WriteLock(lib_dir):
            lib.index.check_pending()  # what update() does first, under the lock
        assert lib.index.rebuild_reason == (
            f"the search index was damaged (checksum mismatch in {name})")
        lib.update()
        assert not lib.index.needs_rebuild
        assert_restored(lib, pristine)


def test_verify_hashes_what_opening_left(pristine, tmp_path: Path,  # type: ignore[no-untyped-def]
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(whoosh_index, "OPEN_HASH_BYTES", 0)
    lib_dir = copy(pristine, tmp_path)
    name = flip_index_file(lib_dir, ".seg")
    with Library(lib_dir) as lib:
        report = lib.verify()
        assert not report.clean and report.repaired
        assert report.index_damage == f"the search index was damaged (checksum mismatch in {name})"
        assert report.index_files == len(live_files(pristine[0]))
        assert_restored(lib, pristine)
        assert lib.verify().clean


def test_mismatch_seen_while_another_process_writes_waits_for_the_lock(  # type: ignore[no-untyped-def]
        pristine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the write lock a mismatch may be a commit in flight: not judged then."""
    monkeypatch.setattr(whoosh_index, "DAMAGE_LOCK_WAIT", 0)
    lib_dir = copy(pristine, tmp_path)
    name = flip_index_file(lib_dir, ".seg")
    with WriteLock(lib_dir):  # another writer, as far as the opener can tell
        lib = Library(lib_dir)
    with lib:
        assert not lib.index.needs_rebuild
        lib.update()  # holds the lock: the suspicion is settled, the index rebuilt
        assert not lib.index.needs_rebuild
        assert_restored(lib, pristine)
        assert name not in manifest.load(lib_dir / "index")


def test_missing_manifest_is_recorded_without_a_rebuild(pristine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """An index from before checksums (or a kill before its record landed)."""
    lib_dir = copy(pristine, tmp_path)
    recorded = manifest.load(lib_dir / "index")
    (lib_dir / "index" / manifest.MANIFEST).unlink()
    with Library(lib_dir) as lib:
        assert not lib.index.needs_rebuild
        assert manifest.load(lib_dir / "index") == recorded
        assert_restored(lib, pristine)


def test_clean_library_verifies_clean(pristine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lib_dir = copy(pristine, tmp_path)
    with Library(lib_dir) as lib:
        report = lib.verify()
        assert report.clean and report.repaired
        assert report.documents == lib.count()
        assert report.index_files == len(live_files(lib_dir))
        assert not lib.store_repairs
    ran = run_cli("--library", str(lib_dir), "verify")
    assert ran.returncode == 0, ran.stderr
    assert "no damage" in ran.stdout


# -- the document store -------------------------------------------------------------------
def marker_offsets(db: Path) -> list[int]:
    data = db.read_bytes()
    found, at = [], data.find(MARKER.encode())
    while at >= 0:
        found.append(at)
        at = data.find(MARKER.encode(), at + 1)
    return found


def marker_doc(lib: Library) -> str:
    hits = lib.search(MARKER).hits
    assert len(hits) == 1
    return hits[0].id


# Which byte of the marker, and how: 0x20 keeps it valid text ("marKer7x"), 0x80 makes
# it invalid UTF-8, and "r" ^ 0x50 is a quote ('ma"ker7x') that breaks the JSON (SQLite's
# json_extract over every row then failed: the prices view).
ROW_DAMAGE = {"letter changed": (3, 0x20), "invalid UTF-8": (3, 0x80),
              "JSON broken": (2, ord("r") ^ ord('"'))}  # fmt: skip


def flip_row(db: Path, how: str) -> None:
    (offset,) = marker_offsets(db)  # only in the row's parsed text; the index has its own
    at, mask = ROW_DAMAGE[how]
    flip(db, offset + at, mask)


@pytest.mark.parametrize("how", ROW_DAMAGE, ids=list(ROW_DAMAGE))
def test_flipped_byte_in_document_row_is_detected_and_repaired(pristine, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                               how: str) -> None:
    lib_dir = copy(pristine, tmp_path)
    assert not (lib_dir / "documents.sqlite-wal").exists()  # all of it in the main file
    flip_row(lib_dir / "documents.sqlite", how)
    with Library(lib_dir) as lib:
        assert not lib.index.needs_rebuild  # the clean-close mark holds: no quick_check
        assert lib.prices().series  # reads every row's prices, damaged or not
        doc_id = marker_doc(lib)
        assert lib.document(doc_id) is None  # never the damaged text
        assert [d.doc_id for d in lib.store_repairs] == [doc_id]
        assert lib.search(MARKER).hits[0].title == "(missing document)"
        report = lib.update()
        assert report.added == 1 and not report.failed  # its file, read again
        doc = lib.document(doc_id)
        assert doc is not None and MARKER in doc.parsed.text
        assert_restored(lib, pristine)
    with Library(lib_dir) as again:
        assert again.verify().clean
        assert_restored(again, pristine)


def test_damaged_row_found_by_verify(pristine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lib_dir = copy(pristine, tmp_path)
    (offset,) = marker_offsets(lib_dir / "documents.sqlite")
    flip(lib_dir / "documents.sqlite", offset + 3, 0x20)
    ran = run_cli("--library", str(lib_dir), "verify")
    assert ran.returncode == 0, ran.stderr
    assert "1 stored documents did not match" in ran.stdout and "repaired" in ran.stdout
    with Library(lib_dir) as lib:
        assert lib.verify().clean
        assert_restored(lib, pristine)
        assert MARKER in (lib.document(marker_doc(lib)) or pytest.fail()).parsed.text


def test_targeted_update_reads_the_repaired_file(pristine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A watcher's update (``changed``) reads the damaged row's file too."""
    lib_dir = copy(pristine, tmp_path)
    (offset,) = marker_offsets(lib_dir / "documents.sqlite")
    flip(lib_dir / "documents.sqlite", offset + 3, 0x20)
    with Library(lib_dir) as lib:
        doc_id = marker_doc(lib)
        assert lib.document(doc_id) is None
        report = lib.update(changed=[lib_dir.parent / "unrelated.txt"])
        assert report.added == 1
        assert lib.document(doc_id) is not None
        assert_restored(lib, pristine)


def test_store_from_before_row_checksums_is_migrated(pristine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lib_dir = copy(pristine, tmp_path)
    conn = sqlite3.connect(lib_dir / "documents.sqlite")
    conn.execute("ALTER TABLE documents DROP COLUMN crc")
    conn.close()
    with Library(lib_dir) as lib:
        assert not lib.index.needs_rebuild
        assert_restored(lib, pristine)  # read unchecked until filled
        assert lib.update().unchanged > 0  # fills the checksums, once
        unfilled = lib.store.conn.execute(
            "SELECT count(*) FROM documents WHERE crc IS NULL").fetchone()[0]
        assert unfilled == 0
        assert lib.verify().clean
