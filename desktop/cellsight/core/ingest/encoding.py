"""Turn the bytes of a saved article into text, whatever encoding it claims.

Saved pages lie about their charset (GB2312 pages that are really GBK or UTF-8,
"ISO-8859-1" pages full of Windows smart quotes), and text files carry no charset
at all. So every claim is verified, and detection is the fallback, not the rule.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from charset_normalizer import from_bytes

BINARY_REASON = "binary file (not text)"

# Sample size for the cheap byte statistics; large enough to be representative.
_SAMPLE = 65536

# Byte values that never occur in text: C0 controls other than TAB LF VT FF CR ESC.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27)) + b"\x7f"
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_BYTES)

# A declared charset names a family; decoding with its superset is what browsers do.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_cn": "gb18030",
    "latin_1": "cp1252",
    "iso8859_1": "cp1252",
    "ascii": "cp1252",
    "iso8859_9": "cp1254",
    "euc_kr": "cp949",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
}

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_BOM_PREFIXES = tuple(bom for bom, _ in _BOMS)

_BAD_CHARS = re.compile(r"[\ufffd\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_STRIP_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufeff]")
# Every byte but the ASCII characters _STRIP_CONTROLS removes (its only other one is
# U+FEFF; test_html_and_sidecar_fast_paths checks that against every character).
_KEPT_BYTES = bytes(b for b in range(256) if not (b < 128 and _STRIP_CONTROLS.match(chr(b))))


class BinaryDataError(ValueError):
    """The bytes are not text in any encoding we can recognise."""

    def __init__(self) -> None:
        super().__init__(BINARY_REASON)


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data``; return ``(text, encoding used)``.

    Order: byte-order mark, UTF-16 without a BOM, strict UTF-8, the declared
    charset (verified), charset-normalizer, then cp1252 with replacement.
    Raises ``BinaryDataError`` for data that is not text.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace"), name
    utf16 = _bomless_utf16(data)
    if utf16 is not None:
        return data.decode(utf16, errors="replace"), utf16
    if looks_binary(data):
        raise BinaryDataError()
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared:
        attempt = _decode_declared(data, declared)
        if attempt is not None:
            return attempt
    detected = _detect(data)
    if detected is not None:
        return detected
    return data.decode("cp1252", errors="replace"), "cp1252"


def looks_binary(data: bytes) -> bool:
    """True when the bytes hold NULs or many control codes (images, archives, …)."""
    sample = data[:_SAMPLE]
    if not sample:
        return False
    if _bomless_utf16(sample) is not None or sample.startswith(_BOM_PREFIXES):
        return False
    nuls = sample.count(0)
    if nuls > max(1, len(sample) // 1000):
        return True
    controls = len(sample.translate(None, _NOT_CONTROL))  # one pass, not one per byte value
    return controls > max(2, len(sample) // 50)


def normalise_charset(name: str) -> str | None:
    """Python codec name for a declared charset, widened to its superset."""
    label = name.strip().strip("\"'").lower()
    if not label:
        return None
    if label in ("x-user-defined", "binary", "none"):
        return None
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    key = codec.replace("-", "_")
    return _SUPERSETS.get(key, codec)


def clean_text(text: str) -> str:
    """Unify line endings, drop control characters and compose accents (NFC)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    if _has_stripped(text):  # rarely: the regex scan costs ten times this check
        text = _STRIP_CONTROLS.sub("", text)
    return unicodedata.normalize("NFC", text)


def _has_stripped(text: str) -> bool:
    """Whether _STRIP_CONTROLS would remove anything, found in the UTF-8 form in C:
    there each ASCII control is its own byte (no other character has bytes below
    0x80), and U+FEFF is EF BB BF (a lead byte can only start a character)."""
    data = text.encode("utf-8", "surrogatepass")
    return bool(data.translate(None, _KEPT_BYTES)) or b"\xef\xbb\xbf" in data


def _bomless_utf16(data: bytes) -> str | None:
    # ASCII-heavy UTF-16 puts a NUL in every other byte; detect which half.
    sample = data[: min(len(data), _SAMPLE) & ~1]
    if len(sample) < 4 or 0 not in sample:
        return None  # no NUL at all (most files): nothing below could say UTF-16
    half = len(sample) // 2
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        name = "utf-16-le"
    elif even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        name = "utf-16-be"
    else:
        return None
    text = sample.decode(name, errors="replace")
    return name if _bad_share(text) < 0.02 else None


def _decode_declared(data: bytes, declared: str) -> tuple[str, str] | None:
    codec = normalise_charset(declared)
    if codec is None or codec.startswith(("utf_16", "utf_32", "utf-16", "utf-32")):
        # A page saved as bytes cannot be UTF-16 without a BOM we already checked.
        return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        text = data.decode(codec, errors="replace")
        # Real pages often carry one stray byte; keep the claim if that is all.
        return (text, codec) if _bad_share(text) < 0.002 else None
    return (text, codec) if _bad_share(text) < 0.01 else None


def _detect(data: bytes) -> tuple[str, str] | None:
    matches = from_bytes(data)
    best = matches.best()
    if best is None or best.encoding is None:
        return None
    # On short Western text the detector ties cp1250/cp1252/cp1257; cp1252 is by
    # far the likeliest of those, so it wins any tie it is part of.
    for match in matches:
        if (
            match.encoding == "cp1252"
            and match.chaos <= best.chaos
            and match.coherence >= best.coherence - 0.01
        ):
            best = match
            break
    text = str(best)
    if _bad_share(text) > 0.01:
        return None
    return text, best.encoding


def _bad_share(text: str) -> float:
    if not text:
        return 0.0
    return len(_BAD_CHARS.findall(text)) / len(text)
