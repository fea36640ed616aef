"""PDF reports and e-mail newsletters for the benchmark corpus.

PDFs are written by LibreOffice (headless Writer) from an HTML rendering of the
article: real fonts, real line breaking and page layout, as a word processor's
"Export as PDF" makes them, so the PDF reader is
measured on what it meets in a folder, not on a PDF library's minimal output. Files
are converted in batches (one soffice start per batch, a second of start-up shared by
a few hundred files). E-mails are MIME messages from Python's e-mail package: an HTML
newsletter part with its chrome (a tracking pixel, an unsubscribe footer) and a plain
text alternative.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import shutil
import subprocess
import sys
import tempfile
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol

from pages import slug

BATCH = 250
QT_PDF = Path(__file__).with_name("qt_pdf.py")


class ArticleLike(Protocol):
    index: int
    title: str
    date: dt.date
    source: str
    author: str
    paragraphs: tuple[str, ...]


def soffice() -> str | None:
    if os.environ.get("CELLSIGHT_BENCH_PDF_WRITER") == "qt":  # the path CI takes
        return None
    return shutil.which("soffice") or shutil.which("libreoffice")


def report_html(art: ArticleLike) -> str:
    """The article as a two-level report: headline, byline and date, sections."""
    paras = []
    for n, p in enumerate(art.paragraphs):
        if n and n % 3 == 0:
            paras.append(f"<h2>{html.escape(p.split('.')[0][:60])}</h2>")
        paras.append(f"<p>{html.escape(p)}</p>")
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(art.title)}</title>"
        "<style>body{font-family:'DejaVu Serif';font-size:11pt} h1{font-size:20pt}</style>"
        "</head><body>"
        f"<h1>{html.escape(art.title)}</h1>"
        f"<p><i>By {html.escape(art.author)}, {html.escape(art.source)} · "
        f"{art.date.strftime('%B %d, %Y')}</i></p>"
        + "".join(paras) + "</body></html>"
    )


def pdf_writer() -> str:
    return "libreoffice" if soffice() else "qt"


def write_pdfs(jobs: list[tuple[Path, ArticleLike]]) -> None:
    """Convert each article to a PDF at its path (LibreOffice in batches, or Qt's PDF
    writer where LibreOffice is not installed)."""
    exe = soffice()
    with tempfile.TemporaryDirectory(prefix="cs-pdf-") as tmp:
        profile = Path(tmp) / "profile"
        for lo in range(0, len(jobs), BATCH):
            batch = jobs[lo : lo + BATCH]
            stage = Path(tmp) / f"b{lo}"
            stage.mkdir()
            for target, art in batch:
                (stage / f"{target.stem}.html").write_text(report_html(art), encoding="utf-8")
            out = stage / "pdf"
            pending = sorted(stage.glob("*.html"))
            for _attempt in range(3):  # soffice sometimes drops a file of a long batch
                subprocess.run(_command(exe, profile, out, stage, pending), check=False,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               timeout=3600)  # fmt: skip
                pending = [h for h in pending if not (out / f"{h.stem}.pdf").is_file()]
                if not pending:
                    break
            for target, _art in batch:
                made = out / f"{target.stem}.pdf"
                if not made.is_file():
                    raise SystemExit(f"{pdf_writer()} made no PDF for {target.name}")
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(made, target)
            shutil.rmtree(stage)


def _command(exe: str | None, profile: Path, out: Path, stage: Path,
             pages: list[Path]) -> list[str]:
    if exe is None:
        return [sys.executable, str(QT_PDF), str(stage)]
    # Read as a Writer document: Writer/Web's own export left the first page blank and
    # lost the headline's first line.
    return [exe, f"-env:UserInstallation=file://{profile}", "--headless",
            "--infilter=HTML (StarWriter)", "--convert-to", "pdf:writer_pdf_Export",
            "--outdir", str(out), *map(str, pages)]


def newsletter(art: ArticleLike) -> bytes:
    """A newsletter e-mail carrying the article."""
    msg = EmailMessage()
    domain = slug(art.source) + ".example"
    msg["From"] = f"{art.source} <newsletter@{domain}>"
    msg["To"] = "analyst@example.org"
    msg["Subject"] = art.title
    msg["Date"] = format_datetime(dt.datetime.combine(art.date, dt.time(7, 30),
                                                      tzinfo=dt.UTC))
    msg["Message-ID"] = f"<n{art.index}.{art.date:%Y%m%d}@{domain}>"  # the same every run
    msg["List-Unsubscribe"] = f"<https://{domain}/unsubscribe?u={art.index}>"
    text = "\n\n".join((art.title, f"By {art.author}", *art.paragraphs,
                        f"Unsubscribe: https://{domain}/unsubscribe"))
    msg.set_content(text)
    body = "".join(f"<p>{html.escape(p)}</p>" for p in art.paragraphs)
    msg.add_alternative(
        "<!DOCTYPE html><html><body><table><tr><td>"
        f"<a href='https://{domain}/view'>View in browser</a></td></tr>"
        f"<tr><td><h1>{html.escape(art.title)}</h1><p>By {html.escape(art.author)}</p>"
        f"{body}</td></tr><tr><td><p>You are receiving this because you subscribed to "
        f"{html.escape(art.source)}. <a href='https://{domain}/unsubscribe'>Unsubscribe</a>"
        f"</p><img src='https://{domain}/open.gif?u={art.index}' width='1' height='1'>"
        "</td></tr></table></body></html>",
        subtype="html",
    )
    msg.set_boundary(f"=_cellsight_{art.index}")  # random by default: same bytes every run
    return bytes(msg)
