"""Briefs as PDF: Qt's writer, read back with pypdfium2 — titles, notes, quotes, charts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from cellsight.core.library import Library
from cellsight.core.model import SearchRequest
from cellsight.core.workbench.brief import build_brief
from cellsight.ui.brief_pdf import export_brief, write_pdf

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
PAYLOAD_TITLE = "CATL looks to overseas markets amid domestic battery oversupply"
NOTE = "Oversupply at home pushes CATL abroad — check Debrecen's start date."
HOSTILE_NOTE = "<script>alert(1)</script> stays text"


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Library:
    root = tmp_path_factory.mktemp("brief_pdf")
    shutil.copytree(SEEDS, root / "src")
    lib = Library(root / "lib")
    assert not lib.update([root / "src"]).failed
    payload = next(h.id for h in lib.search("*").hits if h.title == PAYLOAD_TITLE)
    lib.workbench.note(payload, NOTE)
    lib.workbench.note(payload, HOSTILE_NOTE)
    full = lib.document(payload).full_text  # type: ignore[union-attr]
    start = full.index("harvest")
    lib.workbench.quote(payload, start, start + len("harvest” overseas markets"))
    lib.workbench.save_search("CATL", SearchRequest(query="company:CATL", sort="date"))
    yield lib
    lib.close()


def _text(path: Path) -> tuple[int, str, int]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
        images = sum(len(list(pdf[i].get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])))
                     for i in range(len(pdf)))  # fmt: skip
        return len(pdf), " ".join(text.split()), images
    finally:
        pdf.close()


def test_pdf_holds_titles_notes_quotes_and_charts(qapp, lib: Library, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    brief = build_brief(lib, saved="CATL", title="CATL weekly")
    out = tmp_path / "brief.pdf"
    write_pdf(brief, out)
    pages, text, images = _text(out)
    assert pages >= 2 and images == len(brief.charts) == 3
    assert "CATL weekly" in text and "Saved search “CATL”" in text
    for doc in brief.selected:
        assert " ".join(doc.title.split())[:40] in text
    assert NOTE in text and HOSTILE_NOTE in text
    assert "harvest” overseas markets" in text
    assert "Key moves" in text and "Lithium ion Batteries" in text
    payload = next(d for d in brief.selected if d.title == PAYLOAD_TITLE)
    assert f"{NOTE} [{payload.ref}]" in text


def test_export_picks_the_format_from_the_suffix(qapp, lib: Library, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    brief = build_brief(lib, request=SearchRequest(query="licensing"))
    assert export_brief(brief, tmp_path / "a.PDF") == [tmp_path / "a.PDF"]
    assert _text(tmp_path / "a.PDF")[0] >= 1
    assert export_brief(brief, tmp_path / "a.htm")[0].read_text("utf-8").startswith("<!DOCTYPE")
    assert len(export_brief(brief, tmp_path / "a.md")) == 1 + len(brief.charts)
    with pytest.raises(ValueError):
        export_brief(brief, tmp_path / "a.docx")


def test_cli_writes_a_pdf_without_a_display(lib: Library, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}  # fmt: skip
    out = tmp_path / "cli.pdf"
    run = subprocess.run([sys.executable, "-m", "cellsight", "--library", str(lib.folder),
                          "brief", "--saved", "CATL", "-o", str(out)],
                         env=env, capture_output=True, text=True, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "wrote" in run.stdout and NOTE in _text(out)[1]
