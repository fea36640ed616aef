"""Opening ZIP containers safely: the archive reader and the Office readers (a .docx,
.pptx or .xlsx is a ZIP) share these limits, so a zip bomb dressed as a spreadsheet
is refused before openpyxl or python-docx inflates it.

Sizes come from the central directory, which a hostile file can misstate; readers
therefore also read members through ``read_member``, which stops at the stated size
plus a margin whatever the directory says.
"""

from __future__ import annotations

import io
import lzma
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import IngestError

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a local header, or an empty archive


@dataclass(frozen=True)
class ZipLimits:
    max_members: int = 10_000
    max_total: int = 512 * 1024 * 1024  # uncompressed bytes, all members
    max_member: int = 256 * 1024 * 1024
    max_ratio: float = 200.0  # uncompressed / compressed, per member above 1 MB


DEFAULT_LIMITS = ZipLimits()


def is_zip(head: bytes) -> bool:
    return head.startswith(ZIP_MAGIC)


def open_zip(path: Path, data: bytes, limits: ZipLimits = DEFAULT_LIMITS, *,
             package: bool = False) -> zipfile.ZipFile:  # fmt: skip
    """The archive in ``data``, checked against ``limits``; IngestError with the reason
    (corrupt, too many members, a zip bomb).

    ``package``: the ZIP is an Office package, where no member may be encrypted (an
    encrypted Office file is an OLE container, never a ZIP): python-docx and
    python-pptx read every member and would raise zipfile's RuntimeError on one
    whose flag a damaged byte set. An archive (``package=False``) skips such members
    one by one in ``read_member``."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise IngestError(str(path), f"damaged ZIP archive ({exc})") from exc
    except NotImplementedError as exc:  # a directory entry needing a newer ZIP version
        raise IngestError(str(path), f"ZIP archive this app cannot read ({exc})") from exc
    check_infos(path, infos, limits)
    if package:
        # Bits 0 and 6: encrypted; bit 5: "compressed patched data" (NotImplementedError).
        locked = next((i.filename for i in infos if i.flag_bits & 0x61), None)
        if locked is not None:
            zf.close()
            raise IngestError(str(path), f"damaged or password-protected Office file "
                              f"(its part {locked!r} is marked encrypted)")  # fmt: skip
    return zf


def check_infos(path: Path, infos: list[zipfile.ZipInfo], limits: ZipLimits) -> None:
    if len(infos) > limits.max_members:
        raise IngestError(str(path), f"ZIP archive has {len(infos):,} members (the limit is "
                          f"{limits.max_members:,})")  # fmt: skip
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.max_member:
            raise IngestError(str(path), f"ZIP member {info.filename!r} unpacks to "
                              f"{info.file_size / 1e6:.0f} MB (the limit is "
                              f"{limits.max_member / 1e6:.0f} MB)")  # fmt: skip
        if info.file_size > 1_000_000 and info.file_size > limits.max_ratio * max(
            1, info.compress_size
        ):
            raise IngestError(str(path), f"zip bomb: member {info.filename!r} expands "
                              f"{info.file_size / max(1, info.compress_size):,.0f} times")
    if total > limits.max_total:
        raise IngestError(str(path), f"ZIP archive unpacks to {total / 1e6:.0f} MB (the limit "
                          f"is {limits.max_total / 1e6:.0f} MB)")  # fmt: skip


def read_member(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, never more than its stated size (a lying directory entry
    cannot make it inflate further)."""
    if info.flag_bits & 0x1:
        raise IngestError(str(path), f"ZIP member {info.filename!r} is password-protected")
    try:
        with zf.open(info) as fh:
            data = fh.read(info.file_size + 1)
    # zlib and lzma raise their own errors on corrupt streams (not OSError/ValueError).
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError,
            zlib.error, lzma.LZMAError) as exc:  # fmt: skip
        raise IngestError(str(path), f"damaged ZIP member {info.filename!r} ({exc})") from exc
    if len(data) > info.file_size:
        raise IngestError(str(path), f"ZIP member {info.filename!r} is larger than its "
                          "directory entry says")  # fmt: skip
    return data


def member_names(zf: zipfile.ZipFile) -> set[str]:
    return {info.filename for info in zf.infolist()}
