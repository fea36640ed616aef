"""Every real mail file in tests/data/email and tests/data/msg through the readers.

``python benchmarks/mail_listing.py tests/data`` prints a line per document (file, kind,
title, length, Han characters and their script, a hash of title and text) and a total.
Run it on two commits and ``diff`` the listings to see what a change to the mail readers
changed.
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
from pathlib import Path

import opencc

REPO = Path(__file__).resolve().parents[1]
sys.path.append(str(REPO / "desktop"))  # after PYTHONPATH: another commit can be listed

from cellsight.core.ingest.registry import parse_bytes  # noqa: E402

HAN = re.compile(r"[\u4e00-\u9fff]")
MAIL = (".eml", ".msg", ".mbox")


def _script(han: list[str], to_simplified: opencc.OpenCC) -> str:
    if len(han) < 10:
        return ""
    text = "".join(han)
    return "simplified" if to_simplified.convert(text) == text else "traditional"


def main(root: Path) -> None:
    to_simplified = opencc.OpenCC("t2s")
    files = sorted(p for d in ("email", "msg") for p in (root / d).iterdir() if p.suffix in MAIL)
    docs = failed = 0
    scripts: dict[str, int] = {}
    t0 = time.perf_counter()
    for p in files:
        try:
            parsed = parse_bytes(p, p.read_bytes())
        except Exception as exc:  # noqa: BLE001 - every failure is listed, not raised
            failed += 1
            print(f"{p.name}: failed {type(exc).__name__}: {str(exc)[:80]}")
            continue
        for d in parsed:
            docs += 1
            text = f"{d.title}\n{d.text}"
            han = HAN.findall(text)
            script = _script(han, to_simplified)
            if script:
                scripts[script] = scripts.get(script, 0) + 1
            digest = hashlib.sha1(text.encode()).hexdigest()[:10]
            print(f"{p.name} | {d.kind} | {d.title[:40]!r} | {len(d.text)} chars | "
                  f"{len(han)} han {script} | {digest}")  # fmt: skip
    print(f"# {len(files)} files, {docs} documents, {failed} failed, Chinese {scripts}, "
          f"{time.perf_counter() - t0:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else REPO / "tests" / "data"))
