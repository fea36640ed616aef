"""Indexing pace on one format at a time, Cellsight and Recoll on the same folder.

The PDFs (and e-mails) of a benchmark corpus are hard-linked into a folder of their
own, then each indexer builds it from scratch: a mixed build hides a slow format
behind fast text files. Pages are counted once with pypdfium2, so the PDF pace is
also stated per page (Recoll reads PDFs with poppler's pdftotext).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import core_bench
import recoll_bench

SUFFIXES = {"pdf": ".pdf", "email": ".eml"}


def linked_folder(src: Path, suffix: str, dest: Path) -> int:
    """Hard links to every ``suffix`` file of ``src`` under ``dest``; their number."""
    if dest.exists():
        shutil.rmtree(dest)
    n = 0
    for path in sorted(src.rglob(f"*{suffix}")):
        target = dest / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, target)
        n += 1
    return n


def pdf_pages(folder: Path) -> int:
    import pypdfium2

    pages = 0
    for path in folder.rglob("*.pdf"):
        pdf = pypdfium2.PdfDocument(str(path))
        pages += len(pdf)
        pdf.close()
    return pages


def measure(src: Path, work: Path, *, recoll: bool) -> dict[str, object]:
    out: dict[str, object] = {}
    for fmt, suffix in SUFFIXES.items():
        folder = work / f"only-{fmt}"
        files = linked_folder(src, suffix, folder)
        if not files:
            continue
        entry: dict[str, object] = {"files": files}
        if fmt == "pdf":
            entry["pages"] = pdf_pages(folder)
        build, lib_dir = core_bench.measure_build(folder, work / f"{fmt}-cellsight", 1)
        entry["cellsight"] = build
        shutil.rmtree(lib_dir, ignore_errors=True)
        if recoll and not recoll_bench.available():
            entry["recoll"] = recoll_bench.measure_build(folder, work / f"{fmt}-recoll", 1)
            shutil.rmtree(work / f"{fmt}-recoll", ignore_errors=True)
        out[fmt] = entry
    return out
