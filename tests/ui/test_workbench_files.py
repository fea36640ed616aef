"""File → Export brief / Export library / Import library, with the dialogs answered."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox
from windows import new_window, seeded_library, settings_in

from cellsight.core.library import Library
from cellsight.core.model import SearchRequest
from cellsight.ui.main_window import MainWindow
from cellsight.ui.workbench_files import BriefDialog, WorkbenchFiles


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    lib = seeded_library(tmp_path)
    w = new_window(qtbot, lib, settings_in(tmp_path))
    with qtbot.waitSignal(w.search.results_ready, timeout=120_000):
        w.search.set_query("CATL")
    yield w
    qtbot.waitUntil(lambda: not w.tasks.active(), timeout=120_000)
    lib.close()


def answer_message(qtbot, window: MainWindow, action) -> str:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.messages.posted, timeout=120_000) as blocker:
        action()
    return blocker.args[0].text


@pytest.mark.parametrize("suffix", [".html", ".pdf", ".md"])
def test_brief_of_the_current_results(qtbot, window: MainWindow, tmp_path: Path,  # type: ignore[no-untyped-def]
                                      monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    out = tmp_path / f"brief{suffix}"
    monkeypatch.setattr(BriefDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    files = WorkbenchFiles(window)
    text = answer_message(qtbot, window, files.export_brief)
    assert text.startswith("Brief of 4 documents written to"), text
    if suffix == ".pdf":
        pdf = pdfium.PdfDocument(str(out))
        body = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
        assert "CATL" in body and "Documents" in body
    else:
        body = out.read_text(encoding="utf-8")
        assert "CATL looks to overseas markets" in body
        if suffix == ".md":
            assert list((tmp_path / "brief_files").glob("*.svg"))


def test_brief_of_a_saved_search_is_offered(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert window.library is not None
    window.library.workbench.save_search("Tesla", SearchRequest(query="Tesla"))
    dialog = BriefDialog(window, "Current results", ["Tesla"], "Tesla", starred=2)
    assert dialog.saved_name() == "Tesla" and not dialog.starred_only()
    dialog.source.setCurrentIndex(0)
    assert dialog.saved_name() is None and not dialog.starred_only()
    dialog.source.setCurrentIndex(1)
    assert dialog.starred_only() and dialog.source.currentText() == "Starred documents (2)"


def test_brief_of_the_starred_documents(qtbot, window: MainWindow, tmp_path: Path,  # type: ignore[no-untyped-def]
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    lib = window.library
    assert lib is not None
    doc = sorted(lib.store.all_ids())[1]
    lib.workbench.star(doc)
    out = tmp_path / "starred.html"

    def accept(self: BriefDialog) -> QDialog.DialogCode:
        self.source.setCurrentIndex(self.source.findData("__starred__"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(BriefDialog, "exec", accept)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    text = answer_message(qtbot, window, WorkbenchFiles(window).export_brief)
    assert text.startswith("Brief of 1 document written to"), text
    assert "Starred documents" in out.read_text(encoding="utf-8")


def test_library_export_then_import_asks_for_the_moved_folder(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    lib = window.library
    assert lib is not None
    first = sorted(lib.store.all_ids())[0]
    lib.workbench.tag([first], "keep")
    archive = tmp_path / "lib.zip"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(archive), ""))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    files = WorkbenchFiles(window)
    assert answer_message(qtbot, window, files.export_library).startswith("Exported 4 documents")
    moved = tmp_path / "moved"
    shutil.move(str(tmp_path / "src"), moved)  # the sources are elsewhere now
    asked: list[str] = []

    def pick(_parent: object, caption: str, *a: object) -> str:
        asked.append(caption)
        return str(moved)

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", pick)
    text = answer_message(qtbot, window,
                          lambda: files.import_into(archive, tmp_path / "imported", {}))
    assert text == f"Imported 4 documents into {tmp_path / 'imported'}."
    assert len(asked) == 1 and str(tmp_path / "src") in asked[0]
    with Library(tmp_path / "imported") as imported:
        assert imported.search("tag:keep").total == 1
        assert imported.sources() == [moved]
