"""A read-only library opens for searching, reading, facets, prices and export.

Two real cases: a read-only bind mount (root with CAP_SYS_ADMIN; skipped elsewhere),
and a library made unwritable with ``chmod -R a-w`` opened by an unprivileged user
(root writes through permission bits). That user cannot run this interpreter here
(it lives under /root), so the checks run in a child forked from the test process
that drops to ``nobody`` with setuid: every module they need is imported before the
fork, by the same checks run on the writable library. Each case compares with the
writable library's answers, sees every writing action refused with the reason, runs
the CLI, and finds nothing on disk changed. One more case, read-only mode forced on a
writable folder, shows nothing is even attempted (root could have written).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pwd
import select
import shutil
import signal
import sqlite3
import stat
import subprocess
import tempfile
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import PYTHON, REPO, SEEDS, child_env, read_only_view, run_cli

# Imported before a fork drops privileges.
import cellsight.core.prices.csv_import
import cellsight.core.workbench.service  # noqa: F401
from cellsight import cli
from cellsight.core import library as library_module
from cellsight.core.errors import LibraryError, LibraryReadOnlyError
from cellsight.core.library import Library
from cellsight.core.model import SearchRequest
from cellsight.core.workbench.records import AlertRule

QUERIES = ("", "lithium", "licensing", "company:CATL", "battery OR cathode")
PRICES_CSV = "date,lithium,cobalt\n2024-01-31,1,2\n2024-02-29,4,5\n"
Snapshot = dict[str, tuple[int, int, int]]


def snapshot(folder: Path) -> Snapshot:
    """Every path under ``folder`` (and itself) with its size, mtime and mode."""
    out: Snapshot = {}
    for p in [folder, *folder.rglob("*")]:
        st = p.lstat()
        out[str(p.relative_to(folder))] = (st.st_size, st.st_mtime_ns, stat.S_IMODE(st.st_mode))
    return out


def answers(lib_dir: Path, out_dir: Path) -> dict[str, Any]:
    """What reading the library gives: the same for its writable and read-only forms."""
    with Library(lib_dir) as lib:
        totals = {q: lib.search(q).total for q in QUERIES}
        everything = lib.search(SearchRequest(query="", limit=0))
        facets = {k: [(c.value, c.count) for c in v] for k, v in everything.facets.items()}
        hit = lib.search("lithium").hits[0]
        doc = lib.document(hit.id)
        assert doc is not None
        book = lib.prices()
        series = sorted((s.id, s.to_json()["latest"]) for s in book.series)
        exported = out_dir / "export.csv"
        rows = lib.export_results(SearchRequest(query="lithium"), exported)
        return {
            "read_only": lib.read_only, "reason": lib.read_only_reason, "totals": totals,
            "facets": facets, "doc": [hit.id, doc.parsed.title, len(doc.full_text)],
            "highlights": len(lib.highlights(doc, "lithium")), "series": series,
            "export": [rows, exported.read_text(encoding="utf-8-sig")],
            "failures": len(lib.failures()), "count": lib.count(),
        }  # fmt: skip


def refusals(lib_dir: Path, csv: Path) -> dict[str, str]:
    """Every writing action on a read-only library: the error it raised."""
    actions: dict[str, Callable[[Library], object]] = {
        "update": lambda lib: lib.update(),
        "update paths": lambda lib: lib.update([SEEDS]),
        "rebuild_index": lambda lib: lib.rebuild_index(),
        "apply_catalogue_changes": lambda lib: lib.apply_catalogue_changes(),
        "add_user_entity": lambda lib: lib.add_user_entity("Acme", "company", "Acme Cells"),
        "add_alias": lambda lib: lib.add_alias("catl", "Ningde"),
        "hide_entity": lambda lib: lib.hide_entity("catl"),
        "import_prices": lambda lib: lib.import_prices(csv),
        "add_sources": lambda lib: lib.add_sources([SEEDS]),
        "remove_source": lambda lib: lib.remove_source(SEEDS),
        "save_search": lambda lib: lib.workbench.save_search("x", SearchRequest("lithium")),
        "tag": lambda lib: lib.workbench.tag(sorted(lib.store.all_ids())[:1], "t"),
        "star": lambda lib: lib.workbench.star(sorted(lib.store.all_ids())[0]),
        "note": lambda lib: lib.workbench.note(sorted(lib.store.all_ids())[0], "n"),
        "add_alert": lambda lib: lib.workbench.add_alert(
            AlertRule("a", "lithium", "above", level=1.0)),
    }
    out: dict[str, str] = {}
    with Library(lib_dir) as lib:
        for name, action in actions.items():
            try:
                action(lib)
                out[name] = "not refused"
            except LibraryReadOnlyError as exc:
                out[name] = f"refused: {exc}"
            except Exception as exc:  # noqa: BLE001 - reported to the parent as is
                out[name] = f"{type(exc).__name__}: {exc}"
        out["ensure_default_sources"] = str(lib.ensure_default_sources())
    return out


def cli_in_process(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


def cli_answers(lib_dir: Path, run: Callable[..., tuple[int, str, str]]) -> dict[str, Any]:
    lib = str(lib_dir)
    code, out, _err = run("--library", lib, "search", "--json", "lithium")
    search = [code, json.loads(out)["total"] if code == 0 else out]
    show = run("--library", lib, "show", "--json", answers_doc_id(lib_dir))[0]
    return {"search": search, "show": show,
            "facets": run("--library", lib, "facets", "--json")[0],
            "prices": run("--library", lib, "prices", "--json")[0],
            "problems": run("--library", lib, "problems")[0]}  # fmt: skip


def answers_doc_id(lib_dir: Path) -> str:
    with Library(lib_dir) as lib:
        return lib.search("lithium").hits[0].id


def cli_subprocess(*args: str) -> tuple[int, str, str]:
    ran = run_cli(*args)
    return ran.returncode, ran.stdout, ran.stderr


def cli_refusals(lib_dir: Path, csv: Path,
                 run: Callable[..., tuple[int, str, str]]) -> dict[str, Any]:  # fmt: skip
    out = {}
    for name, args in (("index", ("index",)), ("index paths", ("index", str(SEEDS))),
                       ("import-prices", ("import-prices", str(csv)))):  # fmt: skip
        code, _out, err = run("--library", str(lib_dir), *args)
        out[name] = [code, err]
    return out


@pytest.fixture(scope="module")
def built() -> Iterator[tuple[Path, dict[str, Any]]]:
    """A library of the seeds in a folder others can reach (pytest's tmp is 0700), and
    what its writable form answers."""
    base = Path(tempfile.mkdtemp(prefix="cellsight-ro-"))
    base.chmod(0o755)
    try:
        lib_dir = base / "lib"
        with Library(lib_dir) as lib:
            lib.update([SEEDS])
        out = base / "expected"
        out.mkdir()
        expected = answers(lib_dir, out)
        # Also imports everything the CLI needs before a child drops its privileges.
        expected["cli"] = cli_answers(lib_dir, cli_in_process)
        yield base, json.loads(json.dumps(expected))  # as a child's answers come back
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(base)], check=False)
        shutil.rmtree(base, ignore_errors=True)


def fresh_copy(base: Path, name: str) -> Path:
    """A copy of the built library (its array caches removed, so that a search has
    to build them and must not save them)."""
    lib_dir = base / name
    shutil.copytree(base / "lib", lib_dir)
    for cache in (lib_dir / "index").glob("cellsight-arrays-*"):
        cache.unlink()
    return lib_dir


def prices_csv(base: Path) -> Path:
    csv = base / "prices.csv"
    csv.write_text(PRICES_CSV)
    csv.chmod(0o644)
    return csv


def check(got: dict[str, Any], expected: dict[str, Any], why: str) -> None:
    got = json.loads(json.dumps(got))
    assert got["read_only"] is True
    assert why in got["reason"] and "you can search and read" in got["reason"]
    for key in ("totals", "facets", "doc", "highlights", "series", "export", "failures",
                "count"):
        assert got[key] == expected[key], key
    assert got["totals"]["lithium"] > 0 and got["export"][0] > 0


def check_refusals(got: dict[str, str], reason: str) -> None:
    for name, outcome in got.items():
        if name == "ensure_default_sources":
            assert outcome == "False"
        else:
            assert outcome == f"refused: {reason}", name


def check_cli(got: dict[str, Any], refused: dict[str, Any], expected: dict[str, Any]) -> None:
    assert got == expected["cli"]
    for name, (code, err) in refused.items():
        assert code == 1, name
        assert "is read-only" in err and "you can search and read" in err, name
        assert "Traceback" not in err, name


def test_read_only_mount(built: tuple[Path, dict[str, Any]]) -> None:
    base, expected = built
    lib_dir = fresh_copy(base, "mounted")
    csv = prices_csv(base)
    out = base / "out-mount"
    out.mkdir()
    before = snapshot(lib_dir)
    with read_only_view(lib_dir, base / "view") as view:
        got = answers(view, out)
        check(got, expected, "a read-only file system")
        check_refusals(refusals(view, csv), got["reason"])
        check_cli(cli_answers(view, cli_subprocess), cli_refusals(view, csv, cli_subprocess),
                  expected)
        # The app opens it too, searches, and exits cleanly.
        ran = subprocess.run([PYTHON, "-m", "cellsight", "--library", str(view),
                              "--exit-when-ready"], capture_output=True, text=True,
                             timeout=600, env=child_env())  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        assert "cellsight ready" in ran.stderr
        with pytest.raises(LibraryError, match="is read-only"):
            Library(view / "new library")  # nothing to open, and nowhere to create it
    assert snapshot(lib_dir) == before


def run_as(user: pwd.struct_passwd, work: Callable[[], Any], timeout: float = 300) -> Any:
    """``work()`` in a forked child running as ``user``; its JSON result, or its
    traceback as a failure."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            os.close(read)
            signal.alarm(int(timeout))
            os.setgroups([])
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)
            result: Any = {"ok": work()}
        except BaseException:  # noqa: BLE001 - everything goes back to the parent
            result = {"error": traceback.format_exc()}
            code = 1
        try:
            with os.fdopen(write, "w") as f:
                json.dump(result, f)
        finally:
            os._exit(code)
    os.close(write)
    chunks = []
    with os.fdopen(read) as f:
        while select.select([f], [], [], timeout)[0]:
            chunk = f.read()
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    text = "".join(chunks)
    assert text, f"the child ended without an answer (status {status})"
    result = json.loads(text)
    assert "error" not in result, result["error"]
    return result["ok"]


def test_library_the_user_cannot_write(built: tuple[Path, dict[str, Any]]) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root, to switch to an unprivileged user")
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user 'nobody' here")
    base, expected = built
    lib_dir = fresh_copy(base, "unwritable")
    csv = prices_csv(base)
    out = base / "out-user"
    out.mkdir()
    out.chmod(0o777)
    subprocess.run(["chmod", "-R", "a-w", str(lib_dir)], check=True)
    before = snapshot(lib_dir)

    def work() -> dict[str, Any]:
        assert not os.access(lib_dir, os.W_OK)
        return {"answers": answers(lib_dir, out), "refusals": refusals(lib_dir, csv),
                "cli": cli_answers(lib_dir, cli_in_process),
                "cli_refusals": cli_refusals(lib_dir, csv, cli_in_process)}  # fmt: skip

    got = run_as(nobody, work)
    check(got["answers"], expected, "no permission to write to it")
    check_refusals(got["refusals"], got["answers"]["reason"])
    check_cli(got["cli"], got["cli_refusals"], expected)
    assert snapshot(lib_dir) == before


def test_read_only_mode_attempts_no_write(built: tuple[Path, dict[str, Any]],
                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Read-only mode forced on a folder root can write: the EROFS and EACCES above
    would have hidden a write that was attempted and failed quietly (array caches)."""
    base, expected = built
    lib_dir = fresh_copy(base, "forced")
    out = base / "out-forced"
    out.mkdir()
    before = snapshot(lib_dir)
    force_read_only(monkeypatch)
    got = answers(lib_dir, out)
    check(got, expected, "forced")
    check_refusals(refusals(lib_dir, prices_csv(base)), got["reason"])
    assert snapshot(lib_dir) == before


def killed_after_import(lib_dir: Path, csv: Path) -> None:
    """Import prices and die before closing: the change is left in user.sqlite-wal."""
    code = ("import os, sys; from pathlib import Path; from cellsight.core.library import "
            "Library; lib = Library(Path(sys.argv[1])); lib.import_prices(Path(sys.argv[2])); "
            "os._exit(0)")  # fmt: skip
    subprocess.run([PYTHON, "-c", code, str(lib_dir), str(csv)], check=True,
                   env=child_env(), cwd=REPO, timeout=300)  # fmt: skip
    assert (lib_dir / "user.sqlite-wal").stat().st_size > 0


def test_changes_left_in_a_write_ahead_log(built: tuple[Path, dict[str, Any]]) -> None:
    """A library copied or mounted while a process had it open: with its -shm file the
    log is read (mode=ro); without it (immutable=1) the library opens as of its last
    checkpoint, without the log's changes."""
    base, expected = built
    csv = prices_csv(base)
    for keep_shm in (True, False):
        lib_dir = fresh_copy(base, f"wal-{keep_shm}")
        killed_after_import(lib_dir, csv)
        if not keep_shm:
            (lib_dir / "user.sqlite-shm").unlink()
        before = snapshot(lib_dir)
        with read_only_view(lib_dir, base / f"wal-view-{keep_shm}") as view, \
                Library(view) as lib:  # fmt: skip
            assert lib.read_only
            assert lib.search("lithium").total == expected["totals"]["lithium"]
            assert bool(lib.user.imported_series()) is keep_shm
            lib.prices()
        assert snapshot(lib_dir) == before


def force_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(library_module, "_read_only_reason",
                        lambda folder: f"The library at {folder} is read-only (forced): "
                        "you can search and read, but not index, edit the catalogue or "
                        "import prices.")  # fmt: skip


def damage_toc(lib_dir: Path) -> None:
    toc = next((lib_dir / "index").glob("_main_*.toc"))
    toc.write_bytes(b"\x00garbled" * 16)


def remove_index(lib_dir: Path) -> None:
    shutil.rmtree(lib_dir / "index")


def empty_index(lib_dir: Path) -> None:
    """An index with no documents over a full store (a killed rebuild)."""
    with Library(lib_dir) as lib:
        lib.index.reset()


def garble_user_data(lib_dir: Path) -> None:
    (lib_dir / "user.sqlite").write_bytes(b"not a database" * 64)


def remove_store(lib_dir: Path) -> None:
    (lib_dir / "documents.sqlite").unlink()


@pytest.mark.parametrize(("damage", "error", "message"), [
    (damage_toc, LibraryReadOnlyError, "needs to be rebuilt (the search index was damaged"),
    (remove_index, LibraryReadOnlyError, "needs to be rebuilt (the search index is missing)"),
    (empty_index, LibraryReadOnlyError, "needs to be rebuilt (the search index was missing"),
    (garble_user_data, LibraryError, "Cannot open the read-only library"),
    (remove_store, LibraryError, "Cannot open the read-only library"),
])  # fmt: skip
def test_what_would_need_repair_is_a_clear_error(
    built: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch,
    damage: Callable[[Path], None], error: type[Exception], message: str,
) -> None:
    """Where a writable library would rebuild or set aside, a read-only one cannot:
    it says so, and leaves everything as it was."""
    base, _expected = built
    lib_dir = fresh_copy(base, f"damaged-{damage.__name__}")
    damage(lib_dir)
    before = snapshot(lib_dir)
    force_read_only(monkeypatch)
    with pytest.raises(error) as info:
        Library(lib_dir)
    assert message in str(info.value)
    if error is LibraryReadOnlyError:
        assert "but the library is read-only" in str(info.value)
    assert snapshot(lib_dir) == before
    if damage is not garble_user_data:  # which no library replaces: the user made it
        ran = run_cli("--library", str(lib_dir), "search", "lithium")  # writable: repairs
        assert ran.returncode == 0, ran.stderr


def test_store_from_before_row_checksums(built: tuple[Path, dict[str, Any]],
                                         monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """A read-only store cannot be given its ``crc`` column: its rows read unchecked."""
    base, expected = built
    lib_dir = fresh_copy(base, "before-checksums")
    conn = sqlite3.connect(lib_dir / "documents.sqlite")
    conn.execute("ALTER TABLE documents DROP COLUMN crc")
    conn.commit()
    conn.close()
    before = snapshot(lib_dir)
    force_read_only(monkeypatch)
    out = base / "out-before-checksums"
    out.mkdir()
    check(answers(lib_dir, out), expected, "forced")
    assert snapshot(lib_dir) == before
