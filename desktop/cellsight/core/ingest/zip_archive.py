"""ZIP archives of documents: each member the registry can read becomes a document of
the archive, shown as "archive.zip › inner.pdf".

A member is routed like a file on disk (by its name's suffix and its first bytes),
but its document keeps the archive's path and names the member. Nothing is ever
extracted: members are read into memory through zip_limits, so a lying directory
entry cannot inflate a member past its stated size, and a member's name (even
"../../x" or "/etc/x") is only a label and a suffix to sniff by. Archives inside
archives are read to MAX_DEPTH levels, within one byte budget for the whole tree.

Office documents, EPUB books and OpenDocument files are ZIPs too; they belong to
their own readers, so sniff declines them and read hands a misnamed one over.
"""

from __future__ import annotations

import dataclasses
import logging
import lzma
import re
import struct
import zipfile
import zlib
from collections import Counter
from pathlib import Path, PurePosixPath

from ..errors import IngestError
from ..model import ParsedDocument
from ..scan import is_page_assets
from .nesting import SEP, inside, member_part, relink, tree
from .nesting import member_path as _member_path
from .registry import (
    DEFAULT_MAX_BYTES,
    SNIFF_BYTES,
    TEXT_MAX_BYTES,
    choose_reader,
    parse_bytes,
    register,
)
from .zip_limits import DEFAULT_LIMITS, is_zip, open_zip, read_member

log = logging.getLogger("cellsight.ingest.zip")

MAX_DEPTH = 2  # an archive, and archives inside it; one level further is refused
PACKAGE_SUFFIXES = (".docx", ".docm", ".dotx", ".xlsx", ".xlsm", ".xltx", ".pptx", ".pptm",
                    ".ppsx", ".potx", ".epub", ".odt", ".ods", ".odp", ".odg", ".ott",
                    ".ots", ".otp", ".jar", ".apk", ".xpi", ".whl", ".nupkg", ".vsix")
_OOXML_PARTS = {"word/": ".docx", "xl/": ".xlsx", "ppt/": ".pptx"}
_ODF_TYPES = {"application/epub+zip": ".epub",
              "application/vnd.oasis.opendocument.text": ".odt",
              "application/vnd.oasis.opendocument.spreadsheet": ".ods",
              "application/vnd.oasis.opendocument.presentation": ".odp"}
_PACKAGE_NAMES = ("[Content_Types].xml", "_rels/", "docProps/", "word/", "xl/", "ppt/",
                  "mimetype", "META-INF/")
# Hidden names (but not "." or "..", which are only odd labels here), macOS resource
# forks, Windows thumbnails and folder settings, and sidecars.
_JUNK = re.compile(r"(^|/)(__MACOSX/|\.(?!\.?(/|$))[^/]*(/|$)|Thumbs\.db$|desktop\.ini$)"
                   r"|\.meta\.json$", re.I)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ZipReader:
    name = "zip"
    max_bytes = DEFAULT_MAX_BYTES

    def sniff(self, path: Path, head: bytes) -> int:
        suffix = path.suffix.lower()
        if not is_zip(head):
            return 10 if suffix == ".zip" else 0  # to say "damaged", not "unsupported"
        if suffix in PACKAGE_SUFFIXES or any(
            n.startswith(_PACKAGE_NAMES) for n in _local_names(head)
        ):
            return 0
        return 60 if suffix == ".zip" else 40

    def read(self, path: Path, data: bytes) -> list[ParsedDocument]:
        # Archives count their own levels; an e-mail between two of them does not.
        if tree().depth("zip") >= MAX_DEPTH:
            raise IngestError(str(path), f"archive nested more than {MAX_DEPTH} levels deep")
        zf = open_zip(path, data)
        infos = zf.infolist()
        names = {i.filename for i in infos}
        package = _package_suffix(zf, names)
        if package is not None:
            return _as_package(path, data, package)
        with inside("zip") as level:
            docs, failures, unsupported = _read_members(path, zf, infos, names, level.budget)
        if failures:
            log.info("%s: %d member(s) not read: %s", path, len(failures),
                     "; ".join(failures[:10]))  # fmt: skip
        if docs:
            return docs
        if failures and all(f.endswith("password-protected") for f in failures):
            raise IngestError(str(path), "password-protected archive (nothing readable "
                              "without the password)")  # fmt: skip
        if failures:
            raise IngestError(str(path), "no member could be read: " + "; ".join(failures[:3]))
        kinds = ", ".join(f"{n} {s}" for s, n in unsupported.most_common(5))
        raise IngestError(str(path), "no documents Cellsight reads in the archive"
                          + (f" ({kinds})" if kinds else " (it is empty)"))  # fmt: skip


def _read_members(
    path: Path, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], names: set[str],
    budget: list[int],
) -> tuple[list[ParsedDocument], list[str], Counter[str]]:
    docs: list[ParsedDocument] = []
    failures: list[str] = []
    unsupported: Counter[str] = Counter()
    taken: set[int] = set()
    for info in infos:
        if info.is_dir() or _skipped(info.filename, names):
            continue
        label = _label(info)
        if info.flag_bits & 0x1:
            failures.append(f"{label}: password-protected")
            continue
        inner = _member_path(path, info.filename)
        try:
            head = _head(path, zf, info)
            reader = choose_reader(inner, head)
            if reader is None:
                unsupported[PurePosixPath(info.filename).suffix.lower() or "(no ext.)"] += 1
                continue
            limit = getattr(reader, "max_bytes", TEXT_MAX_BYTES)
            if info.file_size > limit:
                failures.append(f"{label}: too large for {reader.name} "
                                f"({info.file_size / 1e6:.1f} MB)")  # fmt: skip
                continue
            if info.file_size > budget[0]:
                failures.append(f"{label}: the archive unpacks to over "
                                f"{DEFAULT_LIMITS.max_total / 1e6:.0f} MB in all")  # fmt: skip
                continue
            budget[0] -= info.file_size
            parsed = parse_bytes(inner, read_member(path, zf, info))
        except IngestError as exc:
            failures.append(f"{label}: {exc.reason}")
            continue
        renumbered: dict[int, int] = {}
        placed = []
        for doc in parsed:
            member = f"{label}{SEP}{doc.member}" if doc.member else label
            renumbered[doc.part] = member_part(member, doc.part, taken)
            placed.append(dataclasses.replace(doc, path=str(path), member=member,
                                              part=renumbered[doc.part]))  # fmt: skip
        docs.extend(relink(placed, renumbered))  # an e-mail's attachments keep their message
    return docs, failures, unsupported


def _head(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The member's first bytes, for sniffing, without inflating the rest."""
    if info.file_size <= SNIFF_BYTES:
        return read_member(path, zf, info)
    try:
        with zf.open(info) as fh:
            return fh.read(SNIFF_BYTES)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError,
            zlib.error, lzma.LZMAError) as exc:  # fmt: skip
        raise IngestError(str(path), f"damaged ZIP member {info.filename!r} ({exc})") from exc


def _label(info: zipfile.ZipInfo) -> str:
    """The member's name as the archive's author wrote it, readable."""
    name = info.filename
    if not info.flag_bits & 0x800:  # no UTF-8 flag: zipfile decoded it as cp437
        raw = name.encode("cp437", errors="replace")
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError:
            # Chinese Windows writes GBK names without saying so; decoded as cp437
            # they turn into box-drawing characters no real name contains.
            if re.search(r"[\u2500-\u25ff]", name):
                try:
                    name = raw.decode("gbk")
                except UnicodeDecodeError:
                    pass
    return _CONTROL.sub("", name).strip() or "(unnamed member)"


def _skipped(name: str, names: set[str]) -> bool:
    """Hidden files, macOS resource forks, thumbnails, sidecars and the parts of a
    "Web page, complete" saved beside its page."""
    if _JUNK.search(name):
        return True
    parts = name.split("/")[:-1]
    for i, folder in enumerate(parts):
        prefix = "/".join([*parts[:i], ""]) if i else ""
        if is_page_assets(folder, lambda n, p=prefix: p + n in names):
            return True
    return False


def _local_names(head: bytes) -> list[str]:
    """Member names from the local headers that fit in ``head`` (the start of a ZIP)."""
    names, at = [], 0
    while head.startswith(b"PK\x03\x04", at) and at + 30 <= len(head) and len(names) < 20:
        flags, csize, nlen, xlen = struct.unpack_from("<6xH10xI4xHH", head, at)
        names.append(head[at + 30 : at + 30 + nlen].decode("cp437"))
        if flags & 0x8 and not csize:  # size only in a descriptor after the data
            break
        at += 30 + nlen + xlen + csize
    return names


def _package_suffix(zf: zipfile.ZipFile, names: set[str]) -> str | None:
    """The suffix of the format an archive really is (.docx, .epub …), if any."""
    if "[Content_Types].xml" in names:
        for prefix, suffix in _OOXML_PARTS.items():
            if any(n.startswith(prefix) for n in names):
                return suffix
    if "mimetype" in names:
        info = zf.getinfo("mimetype")
        if info.file_size <= 200 and not info.flag_bits & 0x1:
            try:
                kind = zf.read(info).decode("ascii", errors="replace").strip()
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError,
                    zlib.error, lzma.LZMAError):  # fmt: skip
                return None
            return _ODF_TYPES.get(kind, ".odf" if kind.startswith(
                "application/vnd.oasis.opendocument") else None)  # fmt: skip
    return None


def _as_package(path: Path, data: bytes, suffix: str) -> list[ParsedDocument]:
    # Handed to the reader of the format it really is; if there is none, say what it is.
    try:
        docs = parse_bytes(path.with_name(path.name + suffix), data)
    except IngestError as exc:
        raise IngestError(str(path), f"this ZIP is a {suffix} document: {exc.reason}"
                          ) from exc  # fmt: skip
    return [dataclasses.replace(d, path=str(path)) for d in docs]


READER = register(ZipReader())
