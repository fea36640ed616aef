"""Damaged index and document store: detected on open, rebuilt, user data untouched."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from harness import SEEDS, run_cli

from cellsight.core.enrich.catalogue import Entity
from cellsight.core.errors import LibraryError
from cellsight.core.library import Library

LITHIUM_CSV = "date,lithium-spot\n2024-01-31,101.5\n2024-02-29,99.25\n2024-03-31,103\n"
QUERIES = ("licensing", "lithium", "company:CATL", "Tesla")


def user_state(lib: Library) -> tuple[object, ...]:
    changes = lib.user.changes()
    return (tuple(lib.sources()), changes.added, tuple(sorted(changes.aliases)),
            tuple(sorted(changes.hidden)), tuple(sorted(s.id for _, s in
                                                        lib.user.imported_series())))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], tuple]:  # type: ignore[type-arg]
    """A library of the seeds with user data of every kind; the totals of QUERIES."""
    root = tmp_path_factory.mktemp("pristine")
    shutil.copytree(SEEDS, root / "src")
    csv = root / "prices.csv"
    csv.write_text(LITHIUM_CSV)
    with Library(root / "lib") as lib:
        lib.update([root / "src"])
        lib.add_entity(Entity(id="user-ibv", type="product", name="Installed volume",
                              aliases=("installed battery volume",), exact=(), ticker=None,
                              series=()))
        lib.add_alias("catl", "Ningde Times")
        lib.hide_entity("tesla")
        lib.import_prices(csv)
        lib.apply_catalogue_changes()
        totals = {q: lib.search(q).total for q in QUERIES}
        state = user_state(lib)
    assert totals["licensing"] >= 2 and state[1]
    return root / "lib", totals, state


def copy(pristine: tuple, tmp_path: Path) -> Path:  # type: ignore[type-arg]
    lib_dir = tmp_path / "lib"
    shutil.copytree(pristine[0], lib_dir)
    return lib_dir


def _seg(ix: Path) -> Path:
    return max(ix.glob("*.seg"), key=lambda p: p.stat().st_size)


def _truncate(fraction: float) -> Callable[[Path], None]:
    def damage(ix: Path) -> None:
        seg = _seg(ix)
        data = seg.read_bytes()
        seg.write_bytes(data[: int(len(data) * fraction)] if fraction else data[:-1])
    return damage


INDEX_DAMAGE: dict[str, Callable[[Path], None]] = {
    "segment truncated to 0": _truncate(0.0001),
    "segment truncated to half": _truncate(0.5),
    "segment missing its last byte": _truncate(0),
    "segment deleted": lambda ix: _seg(ix).unlink(),
    "TOC deleted": lambda ix: next(ix.glob("*.toc")).unlink(),
    "TOC garbled": lambda ix: next(ix.glob("*.toc")).write_bytes(b"\xff\xfe garbage" * 50),
    "TOC truncated": lambda ix: next(ix.glob("*.toc")).write_bytes(
        next(ix.glob("*.toc")).read_bytes()[:40]),
    "index folder deleted": shutil.rmtree,
    "schema version deleted": lambda ix: (ix / "cellsight-schema-version").unlink(),
}


@pytest.mark.parametrize("damage", INDEX_DAMAGE, ids=list(INDEX_DAMAGE))
def test_damaged_index_is_detected_and_rebuilt(pristine, tmp_path: Path, damage: str) -> None:  # type: ignore[no-untyped-def]
    _, totals, state = pristine
    lib_dir = copy(pristine, tmp_path)
    INDEX_DAMAGE[damage](lib_dir / "index")
    with Library(lib_dir) as lib:
        assert lib.index.needs_rebuild, damage
        assert lib.index.rebuild_reason
        assert lib.rebuild_index() == lib.count()
        assert not lib.index.needs_rebuild
        assert {q: lib.search(q).total for q in QUERIES} == totals
        assert user_state(lib) == state
    with Library(lib_dir) as again:  # the rebuilt index is a sound one
        assert not again.index.needs_rebuild


def test_cli_says_it_rebuilds_and_answers(pristine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lib_dir = copy(pristine, tmp_path)
    _truncate(0.5)(lib_dir / "index")
    ran = run_cli("--library", str(lib_dir), "search", "licensing")
    assert ran.returncode == 0, ran.stderr
    assert "the search index was damaged" in ran.stderr and "rebuilding it" in ran.stderr
    assert ran.stdout.startswith(f"{pristine[1]['licensing']} documents")


def test_kill_during_rebuild_is_caught_on_next_open(pristine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # rebuild_index() resets the index and commits once at the end; a kill in between
    # left an empty but valid index that searched as if the library were empty.
    lib_dir = copy(pristine, tmp_path)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child dies by SIGKILL
        lib = Library(lib_dir)
        lib.index.reset()
        os.kill(os.getpid(), signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    with Library(lib_dir) as lib:
        assert lib.index.needs_rebuild
        assert "missing or empty" in lib.index.rebuild_reason
        lib.rebuild_index()
        assert lib.search("licensing").total == pristine[1]["licensing"]


def _garble(offset: int, size: int) -> Callable[[Path], None]:
    def damage(db: Path) -> None:
        data = bytearray(db.read_bytes())
        at = offset if offset >= 0 else len(data) + offset
        data[at:at + size] = bytes((i * 37 + 11) % 256 for i in range(size))
        db.write_bytes(bytes(data))
    return damage


STORE_DAMAGE: dict[str, Callable[[Path], None]] = {
    "header garbled": _garble(0, 100),
    "a middle page garbled": _garble(4096 * 3, 4096),
    "last page garbled": _garble(-4096, 4096),
    "truncated to half": lambda db: db.write_bytes(db.read_bytes()[: db.stat().st_size // 2]),
    "zero bytes": lambda db: db.write_bytes(b""),
    "deleted": lambda db: db.unlink(),
}


@pytest.mark.parametrize("damage", STORE_DAMAGE, ids=list(STORE_DAMAGE))
def test_damaged_document_store_is_replaced_and_refilled(pristine, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                         damage: str) -> None:
    _, totals, state = pristine
    lib_dir = copy(pristine, tmp_path)
    db = lib_dir / "documents.sqlite"
    (lib_dir / "documents.sqlite-wal").write_bytes(os.urandom(5000))  # a stale WAL beside it
    STORE_DAMAGE[damage](db)
    with Library(lib_dir) as lib:
        if damage not in ("deleted", "zero bytes"):
            assert lib.index.needs_rebuild
            assert "document store was damaged" in lib.index.rebuild_reason
            assert (lib_dir / "documents.damaged").exists()  # kept for inspection
        assert lib.count() == 0
        # The old index no longer points into the fresh store: no "(missing document)".
        assert lib.search("licensing").total in (0, totals["licensing"])
        assert all(h.title != "(missing document)" for h in lib.search("licensing").hits)
        report = lib.update()  # re-reads every source
        assert report.added == len(list(SEEDS.iterdir()))
        lib.apply_catalogue_changes()
        assert {q: lib.search(q).total for q in QUERIES} == totals
        assert user_state(lib) == state


def test_damaged_user_data_is_never_replaced(pristine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lib_dir = copy(pristine, tmp_path)
    user = lib_dir / "user.sqlite"
    _garble(0, 100)(user)
    damaged = user.read_bytes()
    with pytest.raises(LibraryError, match="Cannot open the library"):
        Library(lib_dir)
    assert user.read_bytes() == damaged  # left for the user (or a backup) to recover
    ran = run_cli("--library", str(lib_dir), "search", "licensing")
    assert ran.returncode == 1 and "Traceback" not in ran.stderr
