"""How ``note:WORD`` matches a note: whole words, case- and accent-insensitive, a
trailing ``*`` for a prefix; Chinese and Japanese (no spaces between words) by
substring, traditional and simplified alike.

Notes are few (hundreds, typed by one person) and short, so a scan beats keeping
a second full-text index in step with every edit.
"""

from __future__ import annotations

import re
import unicodedata

from ..cjk import fold, has_cjk

_WORD = re.compile(r"\w+", re.UNICODE)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return fold(plain)


def note_matches(text: str, word: str) -> bool:
    w = _fold(word.strip())
    prefix = w.endswith("*")
    w = w.rstrip("*")
    if not w:
        return False
    body = _fold(text)
    if has_cjk(w):
        return w in body
    words = _WORD.findall(body)
    return any(t.startswith(w) for t in words) if prefix else w in words
