"""A portable library: export to one zip, import elsewhere; everything the user made
survives, moved sources are re-rooted (ids follow), nothing is read again, and a
hostile archive is refused with a reason."""

from __future__ import annotations

import json
import os
import shutil
import stat
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cellsight.cli import main
from cellsight.core.library import Library
from cellsight.core.model import SearchRequest
from cellsight.core.workbench.portable import (
    MissingRootsError,
    PortableError,
    PortableLimits,
    export_library,
    import_library,
    read_manifest,
)
from cellsight.core.workbench.records import AlertRule

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
DATA = Path(__file__).resolve().parents[1] / "data"
NEWS = ("Gotion opens a cathode plant in Morocco\n\nGotion High-Tech said on Monday its "
        "lithium iron phosphate cathode plant near Kenitra started production.")  # fmt: skip


@pytest.fixture
def made(tmp_path: Path) -> Iterator[Library]:
    """A library with one of everything a user makes."""
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    (src / "sub").mkdir()
    (src / "sub" / "gotion.txt").write_text(NEWS, encoding="utf-8")
    (src / "sub" / "gotion.meta.json").write_text('{"title": "Gotion in Morocco"}')
    shutil.copy(DATA / "payloads" / "prices_only.txt", src / "prices_only.txt")
    csv = tmp_path / "lithium.csv"
    shutil.copy(DATA / "prices" / "lithium.csv", csv)
    with Library(tmp_path / "lib") as lib:
        lib.update([src])
        gotion = lib.store.doc_ids_for_path(str(src / "sub" / "gotion.txt"))[0]
        other = lib.store.doc_ids_for_path(str(src / "000_f46d39af272e523c.txt"))[0]
        wb = lib.workbench
        wb.tag([gotion, other], "Europe", "cathodes")
        wb.star(gotion)
        wb.note(gotion, "Hungarian gigafactory next?")
        wb.quote(gotion, 0, 20)
        wb.save_search("Morocco", SearchRequest(query="Morocco", sort="date"))
        lib.import_prices(csv)
        series = lib.prices().series[0].id
        wb.add_alert(AlertRule(name="high", series=series, kind="above", level=1.0))
        wb.store.log_trigger("high", lib.prices().series[0].series.points[-1].date,
                             "above 1", [gotion])  # fmt: skip
        lib.add_user_entity("Kenitra plant", "company", "Gotion Kenitra")
        lib.add_alias("catl", "Ningde battery maker")
        lib.hide_entity("tesla")
        yield lib


def state(lib: Library, where: Callable[[str], str] = lambda p: p) -> dict[str, Any]:
    """What the user made, with documents named by (translated) path and part."""
    by_id = {d.id: (where(d.parsed.path), d.parsed.part) for d in lib.store.documents()}
    c = lib.user.conn
    wb = lib.workbench

    def doc(i: str) -> Any:
        return by_id.get(i, ("missing", i))

    ann = {}
    for i in by_id:
        a = wb.annotations(i)
        if a.tags or a.starred or a.notes or a.quotes:
            ann[doc(i)] = (a.tags, a.starred, [n.text for n in a.notes],
                           [(q.start, q.end, q.text) for q in a.quotes])  # fmt: skip
    return {
        "sources": [where(str(p)) for p in lib.sources()],
        "documents": sorted(by_id.values()),
        "annotations": ann,
        "arrivals": sorted((doc(i), at) for i, at in c.execute("SELECT * FROM arrivals")),
        "saved": [(s.name, s.query, s.sort, s.last_seen) for s in wb.store.saved_searches()],
        "alerts": [r.describe() for r in wb.store.alerts()],
        "alert_log": [(n, at, m, [doc(i) for i in json.loads(d)])
                      for n, at, m, d in c.execute("SELECT * FROM alert_log")],
        "catalogue": lib.user.changes(),
        "prices": sorted((s.id, s.points) for _, s in lib.user.imported_series()),
        "failures": [(where(f.path), f.reason) for f in lib.failures()],
    }


def moved(old: Path, new: Path) -> Callable[[str], str]:
    return lambda p: str(new) + p[len(str(old)):] if p.startswith(str(old)) else p


def unread(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a source file was read again: {args[0]}")

    monkeypatch.setattr("cellsight.core.pipeline.process_file", refuse)


def test_round_trip_keeps_everything_the_user_made(
    made: Library,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = state(made)
    report = export_library(made, tmp_path / "out" / "lib.zip")
    assert report.documents == made.count() and report.source_files == 0
    m = read_manifest(report.target)
    assert m.roots == (str(tmp_path / "src"),) and not m.with_sources
    r = import_library(report.target, tmp_path / "copy")
    assert (r.documents, r.rerooted, r.missing_roots) == (made.count(), (), ())
    unread(monkeypatch)
    with Library(tmp_path / "copy") as lib:
        assert not lib.index.needs_rebuild
        assert state(lib) == before
        assert lib.search("tag:Europe").total == 2
        assert lib.search("note:hungar*").total == 1
        assert lib.search("Kenitra").total == 1
        u = lib.update()
        assert (u.added, u.updated, u.removed, u.unchanged) == (0, 0, 0, len(made.store.files()))


def test_moved_sources_are_rerooted_and_ids_follow(
    made: Library,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = state(made)
    old_ids = made.store.all_ids()
    made.close()
    archive = export_library(Library(tmp_path / "lib"), tmp_path / "lib.zip").target
    src, elsewhere = tmp_path / "src", tmp_path / "moved" / "research"
    elsewhere.parent.mkdir()
    os.rename(src, elsewhere)  # the old root no longer exists
    with pytest.raises(MissingRootsError) as refused:
        import_library(archive, tmp_path / "copy")
    assert refused.value.missing == (str(src),) and not (tmp_path / "copy").exists()
    r = import_library(archive, tmp_path / "copy", roots={str(src): elsewhere})
    assert r.rerooted == ((str(src), str(elsewhere)),)
    unread(monkeypatch)
    with Library(tmp_path / "copy") as lib:
        assert state(lib) == state_moved(before, src, elsewhere)
        assert not lib.store.all_ids() & old_ids  # every id is the new path's
        hit = lib.search("Kenitra").hits[0]
        assert hit.path == str(elsewhere / "sub" / "gotion.txt")
        assert lib.workbench.annotations(hit.id).starred
        assert lib.workbench.status(lib.workbench.saved("Morocco")).new == 0
        for _ in range(2):
            u = lib.update()
            assert (u.added, u.updated, u.removed) == (0, 0, 0) and u.unchanged


def state_moved(before: dict[str, Any], old: Path, new: Path) -> dict[str, Any]:
    where = moved(old, new)

    def fix(v: Any) -> Any:
        if isinstance(v, str):
            return where(v)
        if isinstance(v, tuple):
            return tuple(fix(x) for x in v)
        if isinstance(v, list):
            return [fix(x) for x in v]
        if isinstance(v, dict):
            return {fix(k): fix(x) for k, x in v.items()}
        return v

    out = {k: fix(v) for k, v in before.items() if k not in ("catalogue", "prices", "saved")}
    out.update({k: before[k] for k in ("catalogue", "prices", "saved")})
    out["documents"] = sorted(out["documents"])
    out["arrivals"] = sorted(out["arrivals"])
    return out


def test_with_sources_the_files_travel_and_read_as_unchanged(
    made: Library,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = state(made)
    files = made.store.files()
    report = export_library(made, tmp_path / "lib.zip", with_sources=True)
    assert report.source_files == len(files) + 1  # and the sidecar
    made.close()
    src = tmp_path / "src"
    shutil.rmtree(src)
    r = import_library(report.target, tmp_path / "copy")
    here = tmp_path / "copy" / "sources" / "src"
    assert r.rerooted == ((str(src), str(here)),) and r.source_files == len(files) + 1
    assert (here / "sub" / "gotion.meta.json").is_file()
    for path, rec in files.items():
        assert os.stat(moved(src, here)(path)).st_mtime_ns <= rec.mtime_ns
    unread(monkeypatch)
    with Library(tmp_path / "copy") as lib:
        assert state(lib) == state_moved(before, src, here)
        assert lib.search("Gotion in Morocco").total >= 1
        u = lib.update()
        assert (u.added, u.updated, u.removed, u.unchanged) == (0, 0, 0, len(files))
        assert lib.update().unchanged == len(files)


def test_a_source_that_is_still_there_stays_and_a_mapping_to_itself_keeps_a_missing_one(
    made: Library,
    tmp_path: Path,
) -> None:
    archive = export_library(made, tmp_path / "lib.zip").target
    ghost = tmp_path / "ghost"
    ghost.mkdir()
    made.add_sources([ghost])
    archive2 = export_library(made, tmp_path / "lib2.zip").target
    ghost.rmdir()
    assert import_library(archive, tmp_path / "a").rerooted == ()
    r = import_library(archive2, tmp_path / "b", roots={str(ghost): ghost})
    assert r.missing_roots == (str(ghost),) and r.rerooted == ()


def test_the_target_must_be_empty_and_roots_must_be_known(made: Library, tmp_path: Path) -> None:
    archive = export_library(made, tmp_path / "lib.zip").target
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    with pytest.raises(PortableError, match="not empty"):
        import_library(archive, full)
    assert sorted(p.name for p in full.iterdir()) == ["keep.txt"]
    with pytest.raises(PortableError, match="not a source of this library"):
        import_library(archive, tmp_path / "x", roots={"/nowhere": tmp_path})
    empty = tmp_path / "empty"
    empty.mkdir()
    assert import_library(archive, empty).documents == made.count()


def test_export_replaces_an_older_zip_and_leaves_no_work_files(
    made: Library,
    tmp_path: Path,
) -> None:
    target = tmp_path / "lib.zip"
    target.write_bytes(b"an older export")
    export_library(made, target)
    assert zipfile.is_zipfile(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lib", "lib.zip", "lithium.csv", "src"]


def test_cli_export_info_and_import_with_root(
    made: Library,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    made.close()
    zip_path, lib = tmp_path / "lib.zip", str(tmp_path / "lib")
    assert main(["--library", lib, "library", "export", str(zip_path)]) == 0
    assert "exported" in capsys.readouterr().out
    assert main(["library", "info", str(zip_path)]) == 0
    assert str(tmp_path / "src") in capsys.readouterr().out
    os.rename(tmp_path / "src", tmp_path / "new")
    copy = str(tmp_path / "copy")
    assert main(["--library", copy, "library", "import", str(zip_path)]) == 1
    err = capsys.readouterr().err
    assert f"--root {tmp_path / 'src'}=NEW_FOLDER" in err and not Path(copy).exists()
    assert main(["--library", copy, "library", "import", str(zip_path),
                 "--root", f"{tmp_path / 'src'}={tmp_path / 'new'}"]) == 0  # fmt: skip
    assert f"→ {tmp_path / 'new'}" in capsys.readouterr().out
    assert main(["--library", copy, "search", "--json", "tag:Europe"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 2


# -- hostile archives ------------------------------------------------------------------
def rewrite(archive: Path, out: Path, *, add: dict[str, bytes] | None = None,
            manifest: Callable[[dict[str, Any]], None] | None = None,
            info: Callable[[zipfile.ZipInfo], None] | None = None,
            listed: bool = True) -> Path:  # fmt: skip
    """A copy of ``archive`` with members added (listed in the manifest unless not
    ``listed``), its manifest edited, or each added member's entry changed."""
    with zipfile.ZipFile(archive) as zin, zipfile.ZipFile(out, "w") as zout, \
            warnings.catch_warnings():  # fmt: skip
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name: that is the test
        m = json.loads(zin.read("cellsight-library.json"))
        for item in zin.infolist():
            if item.filename != "cellsight-library.json":
                zout.writestr(item, zin.read(item))
        for name, data in (add or {}).items():
            zi = zipfile.ZipInfo(name)
            zi.external_attr = (stat.S_IFREG | 0o644) << 16
            if info is not None:
                info(zi)
            zout.writestr(zi, data)
            if listed:
                m["members"][name] = len(data)
        if manifest is not None:
            manifest(m)
        zout.writestr("cellsight-library.json", json.dumps(m))
    return out


@pytest.fixture
def archive(made: Library, tmp_path: Path) -> Path:
    return export_library(made, tmp_path / "good.zip", with_sources=True).target


def symlink(zi: zipfile.ZipInfo) -> None:
    zi.create_system = 3
    zi.external_attr = (stat.S_IFLNK | 0o777) << 16


HOSTILE: list[tuple[str, dict[str, Any], str]] = [
    ("absolute", {"add": {"/etc/evil": b"x"}}, "absolute path"),
    ("dotdot", {"add": {"sources/src/../../evil.txt": b"x"}}, "leaves its folder"),
    ("backslash", {"add": {"sources/src/..\\..\\evil.txt": b"x"}}, "leaves its folder"),
    ("drive", {"add": {"C:/evil.txt": b"x"}}, "absolute path"),
    ("symlink", {"add": {"sources/src/link": b"/etc/passwd"}, "info": symlink}, "symbolic link"),
    ("unexpected", {"add": {"run.sh": b"x"}}, "unexpected member"),
    ("duplicate", {"add": {"user.sqlite": b"x"}}, "there twice"),
    ("unlisted", {"add": {"sources/src/extra.txt": b"x"}, "listed": False},
     "unexpected member"),
    ("unknown bundle", {"add": {"sources/other/a.txt": b"x"}}, "unexpected member"),
    ("subfolder in index", {"add": {"index/sub/x": b"x"}}, "unexpected member"),
    ("size lie", {"manifest": lambda m: m["members"].update({"user.sqlite": 1})},
     "its manifest says"),
    ("missing member", {"manifest": lambda m: m["members"].update({"index/gone": 5})},
     "missing"),
    ("other format", {"manifest": lambda m: m.update(format="datashare")}, "another format"),
    ("newer version", {"manifest": lambda m: m.update(version=2)}, "made by a newer"),
    ("bad roots", {"manifest": lambda m: m.update(roots="everything")}, "malformed"),
    ("bundle escape", {"manifest": lambda m: m["roots"][0].update(bundle="..")}, "malformed"),
]


@pytest.mark.parametrize(("how", "why"), [(h[1], h[2]) for h in HOSTILE],
                         ids=[h[0] for h in HOSTILE])  # fmt: skip
def test_hostile_archives_are_refused_with_a_reason(
    archive: Path,
    tmp_path: Path,
    how: dict[str, Any],
    why: str,
) -> None:
    bad = rewrite(archive, tmp_path / "bad.zip", **how)
    with pytest.raises(PortableError, match=why):
        import_library(bad, tmp_path / "copy")
    assert not (tmp_path / "copy").exists() and not list(tmp_path.glob(".copy*"))
    assert not (tmp_path / "etc").exists() and not (tmp_path / "evil.txt").exists()


def test_archives_that_are_no_library_zip_or_too_large_are_refused(
    archive: Path,
    tmp_path: Path,
) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(PortableError, match="not a readable zip"):
        import_library(junk, tmp_path / "copy")
    with zipfile.ZipFile(tmp_path / "plain.zip", "w") as zf:
        zf.writestr("notes.txt", "hello")
    with pytest.raises(PortableError, match=r"has no cellsight-library\.json"):
        import_library(tmp_path / "plain.zip", tmp_path / "copy")
    with pytest.raises(PortableError, match="unpacks to"):
        import_library(archive, tmp_path / "copy", limits=PortableLimits(max_total=100_000))
    with pytest.raises(PortableError, match=r"member '.*' unpacks to"):
        import_library(archive, tmp_path / "copy", limits=PortableLimits(max_member=50_000))
    with pytest.raises(PortableError, match="members"):
        import_library(archive, tmp_path / "copy", limits=PortableLimits(max_members=3))
    bomb = rewrite(archive, tmp_path / "bomb.zip")
    with zipfile.ZipFile(bomb, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("sources/src/zeros.txt", b"\0" * 3_000_000)
    with pytest.raises(PortableError, match="zip bomb"):
        import_library(bomb, tmp_path / "copy", limits=PortableLimits(max_ratio=100))
    assert not (tmp_path / "copy").exists()


def replace_member(archive: Path, out: Path, name: str, change: Callable[[Any], None],
                   tmp: Path) -> Path:  # fmt: skip
    """A copy of ``archive`` whose database ``name`` was changed by ``change``."""
    import sqlite3

    db = tmp / name
    with zipfile.ZipFile(archive) as zf:
        db.write_bytes(zf.read(name))
    with sqlite3.connect(db) as conn:
        change(conn)
    conn.close()
    data = db.read_bytes()
    with zipfile.ZipFile(archive) as zin, zipfile.ZipFile(out, "w") as zout:
        m = json.loads(zin.read("cellsight-library.json"))
        m["members"][name] = len(data)
        for item in zin.infolist():
            if item.filename not in (name, "cellsight-library.json"):
                zout.writestr(item, zin.read(item))
        zout.writestr(name, data)
        zout.writestr("cellsight-library.json", json.dumps(m))
    return out


def test_a_database_with_triggers_or_damage_is_refused(archive: Path, tmp_path: Path) -> None:
    def trigger(conn: Any) -> None:
        conn.execute("CREATE TRIGGER t AFTER UPDATE ON sources BEGIN DELETE FROM tags; END")

    def no_documents(conn: Any) -> None:
        conn.execute("DROP TABLE documents")

    for name, change, why in (("user.sqlite", trigger, "triggers"),
                              ("documents.sqlite", no_documents, "no table documents")):
        bad = replace_member(archive, tmp_path / "bad.zip", name, change, tmp_path)
        with pytest.raises(PortableError, match=why):
            import_library(bad, tmp_path / "copy")
        assert not (tmp_path / "copy").exists()
    junk = tmp_path / "junk.zip"
    with zipfile.ZipFile(archive) as zin, zipfile.ZipFile(junk, "w") as zout:
        m = json.loads(zin.read("cellsight-library.json"))
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "documents.sqlite":
                data = data[:4096] + b"\xff" * (len(data) - 4096)
            if item.filename != "cellsight-library.json":
                zout.writestr(item, data)
        zout.writestr("cellsight-library.json", json.dumps(m))
    with pytest.raises(PortableError, match=r"documents\.sqlite is"):
        import_library(junk, tmp_path / "copy")


def test_an_archive_from_before_the_workbench_imports(made: Library, tmp_path: Path) -> None:
    from cellsight.core.workbench.store import DOC_TABLES

    def drop(conn: Any) -> None:
        for table in (*DOC_TABLES, "saved_searches", "alerts", "alert_log"):
            conn.execute(f"DROP TABLE {table}")

    archive = export_library(made, tmp_path / "lib.zip").target
    old = replace_member(archive, tmp_path / "old.zip", "user.sqlite", drop, tmp_path)
    import_library(old, tmp_path / "copy")
    with Library(tmp_path / "copy") as lib:
        assert lib.workbench.tags() == [] and lib.search("Kenitra").total == 1


def test_the_sample_documents_move_to_this_apps_own(made: Library, tmp_path: Path) -> None:
    from cellsight.core.paths import seeds_dir

    src = tmp_path / "src"
    archive = export_library(made, tmp_path / "lib.zip").target
    other = rewrite(archive, tmp_path / "other.zip",
                    manifest=lambda m: m.update(seeds=str(src)))  # fmt: skip
    shutil.rmtree(src)
    r = import_library(other, tmp_path / "copy")
    assert r.rerooted == ((str(src), str(seeds_dir())),)


def test_a_read_only_library_exports_and_is_not_touched(
    made: Library,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cellsight.core import library as library_module

    folder = made.folder
    made.close()
    monkeypatch.setattr(library_module, "_read_only_reason", lambda f: "read-only (forced)")

    def look() -> dict[str, tuple[int, int]]:
        return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}

    before = look()
    with Library(folder) as ro:
        assert ro.read_only
        report = export_library(ro, tmp_path / "ro.zip", with_sources=True)
    assert look() == before
    monkeypatch.undo()
    assert import_library(report.target, tmp_path / "copy").documents == report.documents
