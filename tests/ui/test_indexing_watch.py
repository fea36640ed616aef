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
    controller.watch_sources()
    assert str(src) in controller.watcher.directories()
    yield controller, src, calls
    lib.close()


def test_touched_file_is_indexed_by_a_targeted_update(qtbot, watched) -> None:  # type: ignore[no-untyped-def]
    controller, src, calls = watched
    target = next(src.glob("001_*"))
    # Rewriting in place is not reported for a folder on Linux; the touch is (IN_ATTRIB).
    target.write_text(target.read_text() + "\nThe zqvtouched line.\n")
    labels: list[str] = []
    controller.started.connect(labels.append)
    with qtbot.waitSignal(controller.finished, timeout=20_000) as finished:
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
    with qtbot.waitSignal(controller.finished, timeout=20_000) as finished:
        staging.rename(src / "2025")  # one event for a whole tree moved in
    assert calls == [[src]] and finished.args[0].added == 1
    assert controller.library.search("zqvdeepnote").total == 1
    assert str(src / "2025" / "q1") in controller.watcher.directories()
    # The new folder's own watch now reports a change inside it.
    with qtbot.waitSignal(controller.finished, timeout=20_000) as finished:
        (src / "2025" / "q1" / "note.txt").unlink()
    assert calls[-1] == [src / "2025" / "q1"] and finished.args[0].removed == 1


def test_vanished_source_falls_back_to_a_full_update(qtbot, watched) -> None:  # type: ignore[no-untyped-def]
    controller, src, calls = watched
    with qtbot.waitSignal(controller.finished, timeout=20_000) as finished:
        shutil.rmtree(src)  # (a rename of the watched folder itself is not reported)
    assert calls == [None]
    assert finished.args[0].removed == 4
    assert controller.library.count() == 0
