"""Watched folders: a change is indexed by a targeted update of what the watcher
reported, and new folders get watches of their own."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from cellsight.core.library import Library
from cellsight.ui.indexing import IndexingController
from cellsight.ui.tasks import TaskRunner

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture
def watched(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> Iterator[tuple[IndexingController, Path, list[Any]]]:
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    lib = Library(tmp_path / "lib")
    lib.update([src])
    calls: list[Any] = []  # the ``changed`` argument of every update the controller ran
    real_update = lib.update

    def spy(*args: Any, **kw: Any) -> Any:
        calls.append(kw.get("changed"))
        return real_update(*args, **kw)

    monkeypatch.setattr(lib, "update", spy)
    controller = IndexingController(lib, TaskRunner(QApplication.instance()))
    controller._watch_timer.setInterval(200)  # the burst window, shortened for the test
    with qtbot.waitSignal(controller.watching, timeout=60_000):
        controller.watch_sources()  # the folders are listed off the UI thread
    assert str(src) in controller.watcher.directories()
    yield controller, src, calls
    lib.close()


def test_file_rewritten_in_place_is_indexed_by_a_targeted_update(qtbot, watched) -> None:  # type: ignore[no-untyped-def]
    controller, src, calls = watched
    target = next(src.glob("001_*"))
    assert str(target) in controller.watcher.files()
    with qtbot.waitSignal(controller.finished, timeout=120_000) as finished:
        # Same inode, no rename, no touch: on Linux only the file's own watch sees it.
        with target.open("r+", encoding="utf-8") as f:
            text = f.read()
            f.seek(0)
            f.write(text + "\nThe zqvinplace line.\n")
    assert calls == [[target]]
    assert finished.args[0].updated == 1
    assert controller.library.search("zqvinplace").total == 1
    assert str(target) in controller.watcher.files()


def test_touched_file_is_indexed_by_a_targeted_update(qtbot, watched) -> None:  # type: ignore[no-untyped-def]
    controller, src, calls = watched
    target = next(src.glob("001_*"))
    # Beyond the watch budget a file has no watch of its own: a rewrite in place is not
    # reported for its folder on Linux, but a touch is (IN_ATTRIB).
    controller.watcher.removePath(str(target))
    target.write_text(target.read_text() + "\nThe zqvtouched line.\n")
    labels: list[str] = []
    controller.started.connect(labels.append)
    with qtbot.waitSignal(controller.finished, timeout=120_000) as finished:
        st = target.stat()
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    assert labels == ["Updating changed files"]
    assert calls == [[src]]
    assert finished.args[0].updated == 1
    assert controller.library.search("zqvtouched").total == 1


def test_new_subfolder_is_indexed_and_then_watched(qtbot, watched) -> None:  # type: ignore[no-untyped-def]
    controller, src, calls = watched
    staging = src.parent / "staging"
    (staging / "q1").mkdir(parents=True)
    (staging / "q1" / "note.txt").write_text("Deep note\n\nA zqvdeepnote line.\n")
    with qtbot.waitSignal(controller.finished, timeout=120_000) as finished:
        staging.rename(src / "2025")  # one event for a whole tree moved in
    assert calls == [[src]] and finished.args[0].added == 1
    assert controller.library.search("zqvdeepnote").total == 1
    qtbot.waitUntil(lambda: str(src / "2025" / "q1" / "note.txt") in controller.watcher.files(),
                    timeout=60_000)  # fmt: skip
    assert str(src / "2025" / "q1") in controller.watcher.directories()
    assert str(src / "2025" / "q1" / "note.txt") in controller.watcher.files()
    # The new folder's own watch now reports a change inside it (and the file's, its end).
    with qtbot.waitSignal(controller.finished, timeout=120_000) as finished:
        (src / "2025" / "q1" / "note.txt").unlink()
    assert calls[-1] == [src / "2025" / "q1", src / "2025" / "q1" / "note.txt"]
    assert finished.args[0].removed == 1


def test_vanished_source_falls_back_to_a_full_update(qtbot, watched) -> None:  # type: ignore[no-untyped-def]
    controller, src, calls = watched
    with qtbot.waitSignal(controller.finished, timeout=120_000) as finished:
        shutil.rmtree(src)  # (a rename of the watched folder itself is not reported)
    assert calls == [None]
    assert finished.args[0].removed == 4
    assert controller.library.count() == 0


def test_folders_come_first_within_the_watch_budget(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    from cellsight.ui import indexing

    src = tmp_path / "src"
    for sub in ("a", "b", "c"):
        (src / sub).mkdir(parents=True)
        for i in range(3):
            (src / sub / f"n{i}.txt").write_text(f"Note {sub}{i}\n\nText.\n")
    (src / ".hidden.txt").write_text("x")
    lib = Library(tmp_path / "lib")
    lib.update([src])
    monkeypatch.setattr(indexing, "WATCH_LIMIT", 6)
    controller = IndexingController(lib, TaskRunner(QApplication.instance()))
    try:
        monkeypatch.setattr(indexing, "WATCH_BATCH", 4)
        # The folders in the first batch, the files on the next turn of the event loop.
        added: list[list[str]] = []
        real_add = controller.watcher.addPaths
        monkeypatch.setattr(controller.watcher, "addPaths",
                            lambda paths: (added.append(list(paths)), real_add(paths))[1])
        with qtbot.waitSignal(controller.watching, timeout=60_000):
            controller.watch_sources()
        assert sorted(added[0]) == [
            str(src), str(src / "a"), str(src / "b"), str(src / "c")]
        assert len(added) == 2
        assert sorted(controller.watcher.files()) == [str(src / "a" / "n0.txt"),
                                                      str(src / "a" / "n1.txt")]
        with qtbot.waitSignal(controller.watching, timeout=60_000):
            controller.watch_sources()  # nothing more: the budget is spent
        assert len(controller.watcher.files()) == 2 and not controller._to_watch
    finally:
        lib.close()


def test_source_folders_are_listed_off_the_ui_thread(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    import threading

    from cellsight.ui import indexing

    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    lib = Library(tmp_path / "lib")
    lib.update([src])
    threads: list[threading.Thread] = []
    real_walk = indexing._walk

    def spy(*args: Any) -> None:
        threads.append(threading.current_thread())
        real_walk(*args)

    monkeypatch.setattr(indexing, "_walk", spy)
    controller = IndexingController(lib, TaskRunner(QApplication.instance()))
    try:
        with qtbot.waitSignal(controller.watching, timeout=60_000):
            controller.watch_sources()
        assert threads and threading.main_thread() not in threads
        assert str(src) in controller.watcher.directories()
        assert len(controller.watcher.files()) == len(list(src.glob("*")))
    finally:
        lib.close()
