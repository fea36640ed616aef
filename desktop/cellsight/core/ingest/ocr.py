"""Reading scanned pages with the Tesseract command-line program, when installed.

Tesseract runs as a child process (image on stdin, text on stdout), so a hang or a
crash in it costs one page, never the indexer. Only the languages Cellsight reads
and Tesseract has installed are asked for. ``CELLSIGHT_OCR=0`` switches OCR off,
as if Tesseract were not there (tests, and users who prefer speed).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from functools import lru_cache

log = logging.getLogger("cellsight.ingest")

OCR_ENV = "CELLSIGHT_OCR"
LANGUAGES = ("eng", "chi_sim", "chi_tra")  # English, simplified and traditional Chinese
# A guard against a hung process only: a dense A4 page at 300 dpi takes a few seconds.
PAGE_TIMEOUT = 300.0
INSTALL_HINT = "install OCR: tesseract-ocr"
OFF_HINT = f"OCR is switched off by {OCR_ENV}=0"
_WORDLIKE = re.compile(r"[\"'‘“(\[]?(?:[A-Z]?[a-z]{2,}|[\d][\d.,:%/-]*)[.,;:!?)\]’'\"”]*")


def languages() -> tuple[str, ...]:
    """The languages OCR reads with; empty when OCR is off or not installed."""
    if _switched_off():
        return ()
    exe = shutil.which("tesseract")
    return _installed(exe) if exe else ()


def unavailable_reason() -> str:
    """Why a scanned page cannot be read (for the analyst's failure list)."""
    return OFF_HINT if _switched_off() else INSTALL_HINT


def page_text(image: bytes, langs: tuple[str, ...]) -> str:
    """Text of one scanned page. English first, the common case and the fastest model
    (4 s a page here); when that reads as noise (a Chinese page read as Latin gives
    "RREKA—FEKBOR"), the Chinese models, simplified and traditional together, which
    read either script at a precision of 0.90–0.94 (either model alone fails on the
    other script) in twice the time. An English page never pays for Chinese."""
    latin = tuple(lang for lang in langs if lang == "eng")
    han = tuple(lang for lang in langs if lang.startswith("chi"))
    text = image_text(image, latin) if latin else ""
    if latin and (not han or reads_as_words(text)):
        return text
    chinese = image_text(image, han) if han else ""
    return chinese if chinese.strip() else text


def reads_as_words(text: str) -> bool:
    """Most tokens are words or numbers (0.78 on an English scan, 0.10 on a Chinese
    page read with the English model)."""
    tokens = text.split()
    good = sum(1 for t in tokens if _WORDLIKE.fullmatch(t))
    return bool(tokens) and good >= 0.4 * len(tokens)


def image_text(image: bytes, langs: tuple[str, ...]) -> str:
    """Text Tesseract reads from one encoded page image; "" when it fails."""
    exe = shutil.which("tesseract")
    if not exe or not langs:
        return ""
    # One thread: Tesseract's OpenMP threads slow it several times over on a machine
    # that is busy indexing (4.2 s against 37 s for a page, measured on two cores).
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        done = subprocess.run(
            [exe, "stdin", "stdout", "-l", "+".join(langs)],
            input=image,
            capture_output=True,
            timeout=PAGE_TIMEOUT,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        log.warning("tesseract: no answer within %.0f s, page skipped", PAGE_TIMEOUT)
        return ""
    except OSError as exc:
        log.warning("tesseract could not run: %s", exc)
        return ""
    if done.returncode != 0:
        log.warning("tesseract failed (%d): %s", done.returncode,
                    done.stderr.decode("utf-8", "replace")[-300:])  # fmt: skip
        return ""
    return done.stdout.decode("utf-8", errors="replace")


def _switched_off() -> bool:
    return os.environ.get(OCR_ENV, "").strip().lower() in ("0", "off", "no", "false")


@lru_cache(maxsize=4)
def _installed(exe: str) -> tuple[str, ...]:
    # Cached per executable: asking costs a process start, the answer never changes.
    try:
        done = subprocess.run(
            [exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("tesseract --list-langs failed: %s", exc)
        return ()
    # The first line is a heading ('List of available languages in "…" (4):').
    have = {line.strip() for line in (done.stdout + done.stderr).splitlines()[1:]}
    return tuple(lang for lang in LANGUAGES if lang in have)
