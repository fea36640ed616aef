"""Which PDF library Cellsight reads with: speed, reading order on columns, CJK text.

``python benchmarks/pdf_eval.py [--runs 3] [--write]`` reads the real PDFs of
``tests/data/pdf`` (those with a text layer) with each candidate and prints a markdown
table (``--write`` also saves it to ``benchmarks/pdf_eval.md``):

- pypdfium2, its plain text (``PdfTextPage.get_text_range``, content-stream order);
- the Cellsight reader: pypdfium2's text runs and boxes, ordered by ``pdf_layout``;
- pdfminer.six ``extract_text`` (its own layout analysis);
- poppler's ``pdftotext``, default (reading order) and ``-layout``, one process per
  file as Recoll runs it.

Speed is milliseconds per page, each file's best of ``--runs`` runs, the methods taking
turns file by file (the machine is shared: the best run is the least disturbed). Reading order:
passages that run across line breaks inside one column, read off the rendered pages,
must each be found whole (two columns interleaved line by line break them) and in the
order a person reads them. CJK: character bigrams of the source article recovered
from PDFs printed from it (a space or a line break between two characters loses the
bigram, as it does in the index), spaces put between CJK characters, and the column
order of a vertical Japanese page. The last rows index the same files end to end
(read, enrich, index) in a Cellsight library and, when ``recollindex`` is installed
(``packaging/sysdeps.sh bench``), in Recoll, which reads PDFs with pdftotext.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "desktop"))
os.environ["CELLSIGHT_OCR"] = "0"  # text layers only: OCR is the same for every library

import pypdfium2 as pdfium  # noqa: E402
from pdfminer.high_level import extract_text  # noqa: E402

from cellsight.core.ingest.pdf import read_pdf  # noqa: E402
from cellsight.core.library import Library  # noqa: E402

DATA = REPO / "tests" / "data" / "pdf"
ZH = REPO / "tests" / "data" / "zh"
SKIP = {"password_protected.pdf", "header_only.pdf", "scanned_linn.pdf", "text_then_scan.pdf"}

# (file, page index, passages in reading order), read off the rendered pages.
ORDER = [
    (
        "tracemonkey_p1-3.pdf",
        0,
        [
            "Trace-based Just-in-Time Type Specialization for Dynamic Languages",
            "Dynamic languages such as JavaScript are more difficult to compile than statically "
            "typed ones. Since no concrete type information is available",
            "Keywords JavaScript, just-in-time compilation, trace trees.",
            "Dynamic languages such as JavaScript, Python, and Ruby, are popular since they are "
            "expressive, accessible to non-experts",
            "and is used for the application logic of browser-based productivity applications "
            "such as Google Mail",
            "Compilers for statically typed languages rely on type information to generate "
            "efficient machine code.",
            "Each compiled trace covers one path through the program with one mapping of values "
            "to types.",
        ],
    ),
    (
        "tracemonkey_p1-3.pdf",
        1,
        [
            "Hence, recording and compiling a trace speculates that the path and typing will be "
            "exactly as they were during recording for subsequent iterations of the loop.",
            "We solve the nested loop problem by recording nested trace trees.",
            "We implemented these techniques for an existing JavaScript interpreter, SpiderMonkey.",
            "JavaScript is described in Section 6. Related work is discussed in Section 8.",
            "Figure 1. Sample program: sieve of Eratosthenes.",
            "a set of industry benchmarks. The paper ends with conclusions in Section 9",
            "This section provides an overview of our system by describing how TraceMonkey "
            "executes an example program.",
            "Here is the sequence of events broken down by outer loop iteration:",
        ],
    ),
    (
        "latex_two_column.pdf",
        0,
        [
            "This is a sample document with two columns filled with Lorem Ipsum text.",
            "Lorem ipsum dolor sit amet, consectetuer adipiscing elit. Ut purus elit, vestibulum "
            "ut, placerat ac, adipiscing vitae, felis.",
            "Nam dui ligula, fringilla a, euismod sodales, sollicitudin vel, wisi.",
            "Vivamus viverra fermentum felis. Donec nonummy pellentesque ante.",
            "Proin fermentum massa ac quam. Sed diam turpis, molestie vitae, placerat a, "
            "molestie nec, leo.",
            "Quisque ullamcorper placerat ipsum. Cras nibh.",
            "Fusce mauris. Vestibulum luctus nibh at lectus.",
        ],
    ),
    (
        "latex_two_column.pdf",
        1,
        [
            "lacus vel est. Curabitur consectetuer.",
            "Sed commodo posuere pede. Mauris ut est.",
            "Pellentesque habitant morbi tristique senectus et netus et malesuada fames ac "
            "turpis egestas.",
            "Vestibulum ante ipsum primis in faucibus orci luctus et ultrices posuere cubilia",
            "Nulla nec lacus.",
            "Suspendisse vitae elit. Aliquam arcu neque, ornare in, ullamcorper quis",
        ],
    ),
    (
        "two_columns_row_order.pdf",
        0,
        [
            "Amid the accelerating electric vehicle (EV) race, Contemporary Amperex Technology "
            "Co. Limited (CATL), China's leading battery manufacturer, is charting a bold course",
            "This initiative, spearheaded by CATL Chairman Robin Zeng, focuses on the "
            "development and deployment of faster charging batteries.",
            "The implications of CATL's strategic initiatives extend far beyond the immediate "
            "benefits of faster charging and cost reduction.",
        ],
    ),
    (
        "vertical_jo.pdf",
        0,
        [
            "わたくしといふ現象は假定された有機交流電燈のひとつの青い照明です",
            "風景やみんなといっしょにせはしくせはしく明滅しながら",
            "因果交流電燈のひとつの青い照明です",
            "これらは二十二箇月の過去とかんずる方角から紙と鑛質インクをつらね",
        ],
    ),
]
CJK_SOURCES = {"zh_battery_article.pdf": "doc_0079.txt", "zh_hant_article.pdf": "doc_0051-hant.txt"}
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PAIR = re.compile(f"(?=([{_CJK}][{_CJK}]))")
_SPACED = re.compile(f"[{_CJK}][ \u3000]+[{_CJK}]")


def pdfium_plain(path: Path) -> list[str]:
    doc = pdfium.PdfDocument(path.read_bytes())
    pages = []
    try:
        for i in range(len(doc)):
            try:
                page = doc[i]
            except pdfium.PdfiumError:  # a broken page: the others are still read
                pages.append("")
                continue
            pages.append(page.get_textpage().get_text_range())
        return pages
    finally:
        doc.close()


def cellsight(path: Path) -> list[str]:
    doc = read_pdf(path, path.read_bytes())
    ends = [*doc.pages[1:], len(doc.text)]
    pages = [doc.text[a:b] for a, b in zip(doc.pages, ends, strict=True)]
    pages[0] = f"{doc.title}\n\n{pages[0]}"  # the headline is the title, not the body
    return pages


def pdfminer(path: Path) -> list[str]:
    return extract_text(str(path)).split("\f")


def pdftotext(*flags: str) -> Callable[[Path], list[str]]:
    def run(path: Path) -> list[str]:
        out = subprocess.run(["pdftotext", *flags, "-enc", "UTF-8", str(path), "-"],
                             capture_output=True, check=True).stdout  # fmt: skip
        return out.decode("utf-8", "replace").split("\f")

    return run


METHODS: dict[str, Callable[[Path], list[str]]] = {
    "pypdfium2, plain text": pdfium_plain,
    "Cellsight reader (pypdfium2 + pdf_layout)": cellsight,
    "pdfminer.six": pdfminer,
    "pdftotext": pdftotext(),
    "pdftotext -layout": pdftotext("-layout"),
}


def normal(text: str) -> str:
    """One spelling for every tool: ligatures unfolded, hyphenation undone, spaces
    collapsed (and none at all between CJK characters, for the order check)."""
    text = unicodedata.normalize("NFKC", text).replace("\ufffe", "").replace("\u00ad", "")
    text = re.sub(r"(?<=[a-z])-\s*\n\s*(?=[a-z])", "", text)
    text = " ".join(text.split()).lower()
    return re.sub(f"(?<=[{_CJK}）（、，]) (?=[{_CJK}（）])", "", text)


def order_score(pages: list[str], page: int, passages: list[str]) -> tuple[int, int]:
    text = normal(pages[page]) if page < len(pages) else ""
    at = [text.find(normal(p)) for p in passages]
    found = sum(1 for a in at if a >= 0)
    ordered = sum(1 for a, b in pairwise(at) if 0 <= a < b)
    return found, ordered


def cjk_scores(pages: list[str], source: str) -> tuple[float, int]:
    truth = set(_PAIR.findall(source))
    text = "".join(pages)
    got = set(_PAIR.findall(text))
    return len(truth & got) / len(truth), len(_SPACED.findall(text))


def timed(
    files: list[Path], runs: int, skip: tuple[str, ...] = ()
) -> tuple[dict[str, float], dict[str, dict[str, list]]]:
    """Seconds per method (each file's best of ``runs``) and each method's texts. The
    methods take turns file by file, so that load from elsewhere on the machine falls
    on all of them alike; the best run is the one least disturbed by it."""
    methods = {name: m for name, m in METHODS.items() if name not in skip}
    best: dict[str, float] = dict.fromkeys(methods, 0.0)
    texts: dict[str, dict[str, list]] = {name: {} for name in methods}
    for path in files:
        times: dict[str, list[float]] = {name: [] for name in methods}
        for _ in range(runs):
            for name, method in methods.items():
                start = time.perf_counter()
                texts[name][path.name] = method(path)
                times[name].append(time.perf_counter() - start)
        for name in methods:
            best[name] += min(times[name])
    return best, texts


def measure(runs: int) -> list[dict[str, object]]:
    files = [p for p in sorted(DATA.glob("*.pdf")) if p.name not in SKIP]
    pages_in = {p: len(pdfium.PdfDocument(p.read_bytes())) for p in files}
    rows = []
    best, all_texts = timed(files, runs)
    for name in METHODS:
        seconds, texts = best[name], all_texts[name]
        found = ordered = total = pairs = 0
        for file, page, passages in ORDER:
            f, o = order_score(texts[file], page, passages)
            found, ordered = found + f, ordered + o
            total, pairs = total + len(passages), pairs + len(passages) - 1
        recall, spaced = zip(*(cjk_scores(texts[pdf], (ZH / src).read_text(encoding="utf-8"))
                               for pdf, src in CJK_SOURCES.items()), strict=True)  # fmt: skip
        toc = len(_SPACED.findall("".join(texts["xiaobiaosong_contents.pdf"])))
        rows.append({
            "method": name, "ms_page": 1000 * seconds / sum(pages_in.values()),
            "found": f"{found}/{total}", "ordered": f"{ordered}/{pairs}",
            "recall": statistics.mean(recall), "spaced": sum(spaced) + toc,
        })  # fmt: skip
    rows += index_pace(files, sum(pages_in.values()))
    return rows


def index_pace(files: list[Path], pages: int) -> list[dict[str, object]]:
    """ms per page to index ``files`` once a first file is indexed (the catalogue
    loaded, Recoll's database made): Cellsight's library and, when installed, Recoll's
    ``recollindex`` (its process start counted, as it runs)."""
    tmp = Path(tempfile.mkdtemp(prefix="pdf-eval-"))
    rows = []
    first = len(pdfium.PdfDocument(files[0].read_bytes()))
    try:
        ours, theirs = [], []
        for k in range(3):  # best of three builds each, taking turns
            ours.append(_cellsight_seconds(tmp / f"c{k}", files))
            if shutil.which("recollindex"):
                theirs.append(_recoll_seconds(tmp / f"r{k}", files))
        rows.append(("Cellsight indexing them (read, enrich, index)", min(ours)))
        if theirs:
            rows.append(("Recoll indexing them (recollindex, pdftotext inside)", min(theirs)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [{"method": m, "ms_page": 1000 * s / max(pages - first, 1), "found": "",
             "ordered": "", "recall": None, "spaced": None} for m, s in rows]  # fmt: skip


def _cellsight_seconds(tmp: Path, files: list[Path]) -> float:
    src = tmp / "src"
    src.mkdir(parents=True)
    shutil.copy(files[0], src / files[0].name)
    with Library(tmp / "lib") as lib:
        lib.update([src])
        for path in files[1:]:
            shutil.copy(path, src / path.name)
        start = time.perf_counter()
        report = lib.update([src])
        seconds = time.perf_counter() - start
    assert not report.failed, report.failed
    return seconds


def _recoll_seconds(tmp: Path, files: list[Path]) -> float:
    src, conf = tmp / "src", tmp / "conf"
    src.mkdir(parents=True)
    conf.mkdir()
    (conf / "recoll.conf").write_text(f"topdirs = {src}\nloglevel = 1\n")
    shutil.copy(files[0], src / files[0].name)
    subprocess.run(["recollindex", "-c", str(conf)], capture_output=True, check=True)
    for path in files[1:]:
        shutil.copy(path, src / path.name)
    start = time.perf_counter()
    subprocess.run(["recollindex", "-c", str(conf)], capture_output=True, check=True)
    return time.perf_counter() - start


def folder_speed(folder: Path, runs: int) -> str:
    """ms/page of each method on every readable PDF under ``folder`` (speed only)."""
    files, pages = [], 0
    for path in sorted(folder.rglob("*.pdf")):
        try:
            n = len(pdfium.PdfDocument(path.read_bytes()))
            read_pdf(path, path.read_bytes())
            subprocess.run(["pdftotext", "-q", str(path), "/dev/null"], check=True, timeout=60)
        except Exception:  # noqa: BLE001 - the speed table counts files every tool reads
            continue
        files.append(path)
        pages += n
    out = [f"Speed on {len(files)} PDFs under {folder} ({pages} pages), best of {runs} runs:",
           "", "| method | ms/page |", "| --- | ---: |"]  # fmt: skip
    best, _ = timed(files, runs, skip=("pdfminer.six",))  # far behind already: hours here
    for name, seconds in best.items():
        out.append(f"| {name} | {1000 * seconds / pages:.1f} |")
    for pace in index_pace(files, pages):
        out.append(f"| {pace['method']} | {pace['ms_page']:.1f} |")
    return "\n".join(out) + "\n"


def table(rows: list[dict[str, object]], files: int, pages: int) -> str:
    out = [
        f"PDF libraries on the {files} real PDFs of tests/data/pdf with a text layer "
        f"({pages} pages); `python benchmarks/pdf_eval.py --write`. Each file's best of "
        "the runs, the methods taking turns (the machine is shared); passages: sentences "
        "running across line breaks in one column, read off the rendered pages, found "
        "whole and in reading order (pages with two columns, one with two columns drawn "
        "row by row, one vertical Japanese page); CJK: the source article's character "
        "bigrams found in the PDFs printed from it, and spaces between two CJK "
        "characters in those and a letter-spaced table of contents (the one space the "
        "reader leaves is in the headline itself).",
        "",
        "| method | ms/page | passages found whole | in reading order | CJK bigram recall "
        "| spaces put between CJK characters |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        recall = "" if r["recall"] is None else f"{r['recall']:.1%}"
        spaced = "" if r["spaced"] is None else str(r["spaced"])
        out.append(f"| {r['method']} | {r['ms_page']:.1f} | {r['found']} | {r['ordered']} "
                   f"| {recall} | {spaced} |")  # fmt: skip
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="save to benchmarks/pdf_eval.md")
    parser.add_argument("--folder", type=Path, help="also time every PDF under this folder")
    parser.add_argument("--note", default="", help="how the --folder was made, for the table")
    args = parser.parse_args()
    if shutil.which("pdftotext") is None:
        sys.exit("pdftotext is missing: packaging/sysdeps.sh bench installs poppler-utils")
    files = [p for p in sorted(DATA.glob("*.pdf")) if p.name not in SKIP]
    pages = sum(len(pdfium.PdfDocument(p.read_bytes())) for p in files)
    text = table(measure(args.runs), len(files), pages)
    if args.folder:
        text += "\n" + folder_speed(args.folder, args.runs)
        text += f"\n{args.note}\n" if args.note else ""
    print(text)
    if args.write:
        (REPO / "benchmarks" / "pdf_eval.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
