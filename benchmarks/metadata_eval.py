"""Field accuracy of the text reader on the labelled clippings in tests/data/articles.

Prints title accuracy and date / author / source precision and recall per language,
for the committed text reader (``git show HEAD:…``, loaded as a throw-away module)
and for the working tree, so a change shows its before → after:

    .venv/bin/python benchmarks/metadata_eval.py [--rev HEAD] [--json]

Precision counts only stated values (a reader that says nothing is not wrong);
recall is over every article whose label has the field. A wrong date is worse
than none, so date precision is the figure the tests hold at 1.0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARTICLES = REPO / "tests" / "data" / "articles"
LANGS = ("en", "de", "zh-Hans", "zh-Hant")
sys.path.insert(0, str(REPO / "desktop"))

from cellsight.core.model import ParsedDocument  # noqa: E402

Reader = Callable[[Path], ParsedDocument]


def load_labels() -> dict[str, dict]:
    return json.loads((ARTICLES / "labels.json").read_text(encoding="utf-8"))


def _squash(text: str | None) -> str:
    return re.sub(r"\W+", "", (text or "").lower())


def _names(value: str | None) -> frozenset[str]:
    parts = re.split(r"\s*(?:,|、|，|/|／|;|\band\b|\bund\b|&)\s*", value or "")
    return frozenset(_squash(p) for p in parts if _squash(p))


def title_ok(doc: ParsedDocument, label: dict) -> bool:
    return _squash(doc.title) in {_squash(t) for t in [label["title"], *label["title_alt"]]}


def author_ok(doc: ParsedDocument, label: dict) -> bool:
    return bool(doc.author) and _names(doc.author) == frozenset(
        _squash(a) for a in label["authors"]
    )


def source_ok(doc: ParsedDocument, label: dict) -> bool:
    return bool(doc.source) and _squash(doc.source) in {_squash(s) for s in label["source"]}


def score(read: Reader, labels: dict[str, dict] | None = None) -> dict[str, dict[str, float]]:
    """Per language (and "all"): n, title, and precision/recall of date, author, source."""
    labels = labels or load_labels()
    tallies: dict[str, dict[str, int]] = {}
    for label in labels.values():
        doc = read(ARTICLES / label["file"])
        truth = dt.date.fromisoformat(label["date"]) if label["date"] else None
        checks = {
            "title": (True, title_ok(doc, label), True),
            "date": (
                doc.date is not None,
                doc.date == truth and truth is not None,
                truth is not None,
            ),
            "author": (bool(doc.author), author_ok(doc, label), bool(label["authors"])),
            "source": (bool(doc.source), source_ok(doc, label), bool(label["source"])),
        }
        for lang in (label["lang"], "all"):
            t = tallies.setdefault(lang, {"n": 0})
            t["n"] += 1
            for name, (stated, right, labelled) in checks.items():
                t[f"{name}_stated"] = t.get(f"{name}_stated", 0) + stated
                t[f"{name}_right"] = t.get(f"{name}_right", 0) + right
                t[f"{name}_labelled"] = t.get(f"{name}_labelled", 0) + labelled
    table: dict[str, dict[str, float]] = {}
    for lang, t in tallies.items():
        row: dict[str, float] = {"n": t["n"], "title": t["title_right"] / t["n"]}
        for name in ("date", "author", "source"):
            stated, right, labelled = (t[f"{name}_{k}"] for k in ("stated", "right", "labelled"))
            row[f"{name}_p"] = right / stated if stated else 1.0
            row[f"{name}_r"] = right / labelled if labelled else 1.0
        table[lang] = row
    return table


def reader_from_source(source: str) -> Reader:
    """A TextReader built from another version of text.py, without registering it."""
    name = "cellsight.core.ingest._text_under_test"
    module = types.ModuleType(name)
    module.__package__ = "cellsight.core.ingest"
    # The module registers its reader on import; the copy under test must not
    # replace the real one in the registry.
    code = re.sub(r"^register\(TextReader\(\)\)\s*$", "", source, flags=re.M)
    exec(compile(code, f"<{name}>", "exec"), module.__dict__)
    reader = module.TextReader()
    return lambda path: reader.read(path, path.read_bytes())[0]


def current_reader() -> Reader:
    from cellsight.core.ingest.text import TextReader

    reader = TextReader()
    return lambda path: reader.read(path, path.read_bytes())[0]


def committed_reader(rev: str) -> Reader:
    source = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{rev}:desktop/cellsight/core/ingest/text.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return reader_from_source(source)


COLUMNS = ("title", "date_p", "date_r", "author_p", "author_r", "source_p", "source_r")


def format_table(before: dict, after: dict) -> str:
    head = f"{'lang':8} {'n':>3} " + " ".join(f"{c:>13}" for c in COLUMNS)
    lines = [head, "-" * len(head)]
    for lang in (*LANGS, "all"):
        if lang not in after:
            continue
        cells = [f"{before[lang][c]:.2f}→{after[lang][c]:.2f}".rjust(13) for c in COLUMNS]
        lines.append(f"{lang:8} {after[lang]['n']:>3} " + " ".join(cells))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rev", default="HEAD", help="the 'before' revision of text.py")
    parser.add_argument("--json", action="store_true", help="print both tables as JSON")
    args = parser.parse_args()
    labels = load_labels()
    before = score(committed_reader(args.rev), labels)
    after = score(current_reader(), labels)
    if args.json:
        print(json.dumps({"before": before, "after": after}, indent=1))
    else:
        print(f"before = {args.rev}, after = working tree; cells are before→after\n")
        print(format_table(before, after))


if __name__ == "__main__":
    main()
