"""Plain-text and Markdown articles.

A saved text article states its metadata in a header block, front matter or a
``.meta.json`` sidecar, and those come first. Otherwise the clipping's own words
are read (text_meta): the headline under the page furniture, the byline and the
dateline beside it. Failing a headline, the first sentence is cut short and
flagged as derived. Nothing is guessed from the file's name.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import IngestError
from ..model import ParsedDocument
from ..scan import sidecar_for
from .dates import parse_date
from .encoding import BinaryDataError, clean_text, decode_bytes, looks_binary
from .registry import register
from .text_meta import stated_meta

TEXT_SUFFIXES = {".txt": 40, ".text": 40, ".md": 45, ".markdown": 45}
MARKDOWN_SUFFIXES = (".md", ".markdown")
HEADLINE_MAX = 150
DERIVED_TITLE_MAX = 110

# Header keys a text file may state in a leading "Key: value" block or front matter.
_META_KEYS = {
    "title": "title",
    "headline": "title",
    "date": "date",
    "published": "date",
    "source": "source",
    "publisher": "source",
    "author": "author",
    "by": "author",
    "url": "url",
    "link": "url",
}
_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z ]{0,20}):\s*(.*)$")
_ATX_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_ABBREVIATIONS = {
    "co", "corp", "inc", "ltd", "plc", "llc", "bros", "mr", "mrs", "ms", "dr", "prof", "st",
    "jr", "sr", "gen", "gov", "sen", "rep", "no", "nos", "vs", "etc", "approx", "est", "dept",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "e.g", "i.e", "u.s", "u.k", "u.n", "e.u", "a.m", "p.m", "fig", "ft", "mt",
}  # fmt: skip
_SENTENCE_END = re.compile(
    r"([.!?…])[\"'”’)\]]*(?=\s+[\"“'‘(\[A-Z0-9]|\s*$)"  # Latin: space, then a capital
    r"|[。！？][”’」』]*"  # CJK terminators need no space after them
)
_JSON_START = re.compile(r"^\s*(\{\s*(\"|\}|$)|\[\s*(\{|\[|\"|-?\d|true|false|null|\]|$))")


class TextReader:
    name = "text"

    def sniff(self, path: Path, head: bytes) -> int:
        suffix = path.suffix.lower()
        if looks_binary(head):
            # Claim a binary .txt weakly, so the user hears "binary", not "unsupported".
            return 5 if suffix in TEXT_SUFFIXES else 0
        score = TEXT_SUFFIXES.get(suffix)
        if score is None:
            if suffix and not _is_hash_like(suffix):
                return 0
            score = 20
        if _JSON_START.match(head.decode("utf-8", errors="replace").lstrip("\ufeff")):
            return 10  # a payload reader is much surer; plain JSON gets refused below
        return score

    def read(self, path: Path, data: bytes) -> list[ParsedDocument]:
        try:
            raw, _encoding = decode_bytes(data)
        except BinaryDataError as exc:
            raise IngestError(str(path), str(exc)) from exc
        text = clean_text(raw)
        if not text.strip():
            raise IngestError(str(path), "no text (the file holds only whitespace)")
        _refuse_json(path, text)
        markdown = path.suffix.lower() in MARKDOWN_SUFFIXES
        meta, text = split_header(text)
        meta.update(read_sidecar(path))
        return [build_document(path, "text", text, meta, markdown=markdown)]


def build_document(
    path: Path, kind: str, text: str, meta: dict[str, str], *, markdown: bool = False
) -> ParsedDocument:
    """Title + paragraphs from body text, with stated metadata applied."""
    lines = text.split("\n")
    heading_title: str | None = None
    if markdown:
        lines, heading_title = _strip_markdown_headings(lines)
    paragraphs = split_paragraphs(lines)
    if not paragraphs:
        raise IngestError(str(path), "no text (the file holds only whitespace)")
    title = meta.get("title", "").strip()
    derived = False
    # What the header, front matter or sidecar states comes first; what the words
    # of the clipping state (its headline, byline, dateline) fills the gaps.
    stated = stated_meta(paragraphs)
    if title:
        if paragraphs[0].strip() == title and len(paragraphs) > 1:
            paragraphs = paragraphs[1:]
    elif heading_title is not None and len(paragraphs) > 1:
        title, paragraphs = heading_title, paragraphs[1:]
    elif stated.title is not None and len(paragraphs) > 1:
        title = stated.title
        if stated.title_index == 0:
            paragraphs = paragraphs[1:]
    elif is_headline(paragraphs[0]) and len(paragraphs) > 1:
        title, paragraphs = paragraphs[0], paragraphs[1:]
    else:
        title, derived = derive_title(paragraphs[0]), True
    return ParsedDocument(
        path=str(path),
        kind=kind,
        title=title,
        text="\n\n".join(paragraphs),
        title_derived=derived,
        date=parse_date(meta.get("date")) or stated.date,
        source=meta.get("source") or stated.source,
        author=meta.get("author") or stated.author,
        url=meta.get("url") or None,
    )


def split_paragraphs(lines: list[str]) -> list[str]:
    """Paragraphs from lines: one per line, unless the text is hard-wrapped."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        stripped = " ".join(line.split())
        if stripped:
            blocks[-1].append(stripped)
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    if _hard_wrapped(blocks):
        return [_join_wrapped(block) for block in blocks]
    return [line for block in blocks for line in block]


def is_headline(line: str) -> bool:
    """Short, unpunctuated, capitalised: reads as a headline, not a sentence."""
    line = line.strip()
    if not line or len(line) > HEADLINE_MAX or len(line.split()) < 2:
        return False
    if line[-1] in ".,;:" or line[0].islower():
        return False
    # Two or more sentences are a paragraph even when short.
    return not re.search(r"[a-z]{2}[.!?]\s+[A-Z]", line)


def derive_title(paragraph: str, limit: int = DERIVED_TITLE_MAX) -> str:
    """The first sentence of ``paragraph``, cut at a word boundary to ``limit``."""
    sentence = first_sentence(paragraph)
    if len(sentence) <= limit:
        return sentence.rstrip(".")
    cut = sentence[: limit - 1]
    if " " in cut and sentence[limit - 1] != " ":
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-–—([{\"'“‘") + "…"


def first_sentence(paragraph: str) -> str:
    paragraph = paragraph.strip()
    for match in _SENTENCE_END.finditer(paragraph):
        end = match.end()
        if match.group(1) == "." and _is_abbreviation(paragraph[: match.start(1)]):
            continue
        return paragraph[:end].strip()
    return paragraph


def read_sidecar(path: Path) -> dict[str, str]:
    """Metadata from ``NAME.ext.meta.json`` or ``NAME.meta.json`` beside the file."""
    candidate = sidecar_for(path)  # the same two names, looked up the same way
    if candidate is None:
        return {}
    try:
        data = json.loads(candidate.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeError, ValueError) as exc:
        raise IngestError(str(path), f"unreadable sidecar {candidate.name}: {exc}") from exc
    if not isinstance(data, dict):
        raise IngestError(str(path), f"sidecar {candidate.name} is not a JSON object")
    return {
        _META_KEYS[key.lower()]: str(value).strip()
        for key, value in data.items()
        if key.lower() in _META_KEYS and isinstance(value, str | int | float)
    }


def split_header(text: str) -> tuple[dict[str, str], str]:
    """Stated metadata from YAML-style front matter or a leading ``Key: value`` block."""
    lines = text.lstrip("\n").split("\n")
    if lines and lines[0].strip() == "---":
        for i in range(1, min(len(lines), 60)):
            if lines[i].strip() in ("---", "..."):
                return _header_fields(lines[1:i]), "\n".join(lines[i + 1 :])
        return {}, text
    block: list[str] = []
    for line in lines[:12]:
        if not line.strip():
            break
        block.append(line)
    fields = _header_fields(block)
    # Only a block made wholly of known keys is a header; "Strategic Collaboration:
    # CATL and Tesla" is a subheading, not metadata.
    if block and len(fields) == len(block) and len(block) < len(lines):
        return fields, "\n".join(lines[len(block) :])
    return {}, text


def _header_fields(lines: list[str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in lines:
        m = _HEADER_LINE.match(line.strip())
        if not m or m.group(1).strip().lower() not in _META_KEYS:
            continue
        value = m.group(2).strip().strip("\"'")
        if value:
            fields[_META_KEYS[m.group(1).strip().lower()]] = value
    return fields


def _strip_markdown_headings(lines: list[str]) -> tuple[list[str], str | None]:
    out: list[str] = []
    first: str | None = None
    seen_text = False
    for line in lines:
        m = _ATX_HEADING.match(line)
        if m:
            heading = m.group(2).strip()
            if not seen_text and first is None and heading:
                first = heading
            out.append(heading)
        else:
            out.append(line)
        seen_text = seen_text or bool(out[-1].strip())
    return out, first


def _hard_wrapped(blocks: list[list[str]]) -> bool:
    inner = [line for block in blocks if len(block) > 1 for line in block[:-1]]
    if len(inner) < 3 or len(blocks) < 2:
        return False
    unterminated = sum(1 for line in inner if line[-1] not in '.!?:"”’)')
    short = sum(1 for line in inner if len(line) <= 100)
    return unterminated >= 0.5 * len(inner) and short >= 0.9 * len(inner)


def _join_wrapped(block: list[str]) -> str:
    out = block[0]
    for line in block[1:]:
        # Keep list items on their own lines; join wrapped prose with spaces.
        if re.match(r"^([-*+•]|\d+[.)])\s", line):
            out += "\n" + line
        elif out.endswith("-") and out[-2:-1].isalpha():
            out += line  # "battery-" + "making": keep the hyphen, drop the break
        else:
            out += " " + line
    return out


def _is_abbreviation(before: str) -> bool:
    word = re.search(r"([A-Za-z][A-Za-z.]*)$", before)
    if not word:
        return False
    token = word.group(1).lower()
    if token in _ABBREVIATIONS or len(token) == 1:
        return True
    return bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", token))  # initialisms: "U.S.", "N.Y."


def _is_hash_like(suffix: str) -> bool:
    # "report.2024" or a content-hash name: the dot does not start a real extension.
    return suffix[1:].isdigit() or len(suffix) > 9


def _refuse_json(path: Path, text: str) -> None:
    if not _JSON_START.match(text):
        return
    try:
        json.loads(text)
    except ValueError:
        raise IngestError(str(path), "truncated or malformed JSON data, not article text") from None
    raise IngestError(str(path), "JSON data that is not a recognised page payload")


register(TextReader())
