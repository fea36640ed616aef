"""Stable ASCII ids from labels and names: series ids and user entity ids share it."""

from __future__ import annotations

import re
import unicodedata

_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """"NCM High-Nickel" → "ncm-high-nickel"."""
    # Accents are folded rather than dropped so "Café" and "Cafe" give one id.
    folded = unicodedata.normalize("NFKD", text.casefold())
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c))
    return _SLUG_JUNK.sub("-", ascii_only).strip("-")
