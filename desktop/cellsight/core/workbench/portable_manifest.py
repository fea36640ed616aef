"""The manifest of a portable library zip, and the checks an archive must pass.

A portable library is a zip from ``portable.export_library``; the archive that
``import_library`` is given may come from anywhere, so nothing in it is trusted: the
manifest must be of this format and version, every member must be one the manifest
lists (with the size it lists) and shaped like a member we write, and no name may
leave the folder it is extracted into. Sizes come from the central directory, which a
hostile file can misstate, so members are also read through ``copy_member``, which
stops at the stated size whatever the directory says.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import stat
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import CellsightError

FORMAT = "cellsight-library"
VERSION = 1
MANIFEST_NAME = "cellsight-library.json"
DATABASES = ("documents.sqlite", "user.sqlite")
INDEX_DIR = "index/"
SOURCES_DIR = "sources/"
_CHUNK = 1 << 20


class PortableError(CellsightError):
    """A library could not be exported or imported; the message says why."""


class MissingRootsError(PortableError):
    """Source folders of the archive are not on this computer and were not re-rooted."""

    def __init__(self, missing: tuple[str, ...]) -> None:
        super().__init__(
            f"{len(missing)} source folder{'s' if len(missing) != 1 else ''} of the library "
            f"{'are' if len(missing) != 1 else 'is'} not on this computer: "
            f"{', '.join(missing)}. Say where each one is now, or export the library "
            "with its sources.")  # fmt: skip
        self.missing = missing


@dataclass(frozen=True)
class PortableLimits:
    """What an imported archive may hold. Real libraries are large (a 50k-document
    store is over a gigabyte), so the sizes are generous; the free space of the target
    disk is the binding check (see ``portable.import_library``)."""

    max_members: int = 2_000_000
    max_member: int = 64 << 30
    max_total: int = 4 << 40
    max_manifest: int = 256 << 20
    # Deflate cannot expand more than ~1032 times; anything beyond is another method.
    max_ratio: float = 1100.0


DEFAULT_LIMITS = PortableLimits()


@dataclass(frozen=True)
class SourceRoot:
    path: str  # as the exporting computer spelled it
    kind: str  # "folder" or "file"
    bundle: str | None  # sources/<bundle>/… in the zip, when the files are in it


@dataclass(frozen=True)
class Manifest:
    roots: tuple[str, ...]
    with_sources: bool
    created: dt.datetime
    documents: int = 0
    app_version: str = ""
    sep: str = "/"  # the exporting computer's path separator
    seeds: str = ""  # where the exporting app kept its sample documents
    sources: tuple[SourceRoot, ...] = ()
    members: Mapping[str, int] = field(default_factory=dict)  # name → size, manifest aside
    mtimes: Mapping[str, int] = field(default_factory=dict)  # source member → mtime_ns
    format: str = FORMAT
    version: int = VERSION

    def to_json(self) -> str:
        return json.dumps({
            "format": self.format, "version": self.version,
            "created": self.created.isoformat(), "app": self.app_version,
            "documents": self.documents, "with_sources": self.with_sources,
            "sep": self.sep, "seeds": self.seeds,
            "roots": [{"path": r.path, "kind": r.kind, "bundle": r.bundle}
                      for r in self.sources],
            "members": dict(self.members), "mtimes": dict(self.mtimes),
        }, ensure_ascii=False, indent=1)  # fmt: skip


def read_manifest(archive: Path, limits: PortableLimits = DEFAULT_LIMITS) -> Manifest:
    """The manifest of ``archive``, after checking the whole archive against it."""
    with open_archive(archive) as zf:
        return check_archive(zf, archive, limits)


def open_archive(archive: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(archive)
    except FileNotFoundError as exc:
        raise PortableError(f"{archive}: no such file") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise PortableError(f"{archive} is not a readable zip archive ({exc})") from exc


def check_archive(zf: zipfile.ZipFile, archive: Path, limits: PortableLimits) -> Manifest:
    def refuse(why: str) -> PortableError:
        return PortableError(f"{archive} is not a Cellsight library archive: {why}")

    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise refuse(f"it has {len(infos):,} members (the limit is {limits.max_members:,})")
    names: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        why = unsafe_name(info.filename) or unsafe_entry(info, limits)
        if why:
            raise refuse(f"member {info.filename!r} {why}")
        if info.filename in names:
            raise refuse(f"member {info.filename!r} is there twice")
        names[info.filename] = info
    if MANIFEST_NAME not in names:
        raise refuse(f"it has no {MANIFEST_NAME}")
    manifest = _parse(_read_small(zf, names[MANIFEST_NAME], limits.max_manifest, refuse), refuse)
    bundles = {r.bundle for r in manifest.sources if r.bundle}
    total = 0
    for name, info in names.items():
        if name == MANIFEST_NAME:
            continue
        if name not in manifest.members or not _expected_shape(name, bundles):
            raise refuse(f"unexpected member {name!r}")
        if manifest.members[name] != info.file_size:
            raise refuse(f"member {name!r} is {info.file_size:,} bytes, its manifest says "
                         f"{manifest.members[name]:,}")
        total += info.file_size
    absent = sorted(set(manifest.members) - set(names))
    if absent:
        raise refuse(f"members its manifest lists are missing ({', '.join(absent[:3])})")
    for name in DATABASES:
        if name not in names:
            raise refuse(f"it has no {name}")
    if total > limits.max_total:
        raise refuse(f"it unpacks to {total / 1e9:,.1f} GB (the limit is "
                     f"{limits.max_total / 1e9:,.0f} GB)")
    return manifest


def unsafe_name(name: str) -> str:
    """Why ``name`` may not be extracted ("" when it may): nothing absolute, no drive,
    no step up or in place, in either separator (a backslash separates on Windows)."""
    if not name or "\x00" in name or len(name) > 4096:
        return "has an invalid name"
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "has an absolute path"
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts) or ".." in name.replace("\\", "/").split("/"):
        return "has a path that leaves its folder ('..', '.' or an empty step)"
    return ""


def unsafe_entry(info: zipfile.ZipInfo, limits: PortableLimits) -> str:
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "is a symbolic link"
    if info.is_dir() or stat.S_IFMT(mode) not in (0, stat.S_IFREG):
        return "is not a plain file"
    if info.flag_bits & 0x1:
        return "is encrypted"
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return f"uses a compression this app does not unpack ({info.compress_type})"
    if info.file_size > limits.max_member:
        return (f"unpacks to {info.file_size / 1e9:,.1f} GB (the limit is "
                f"{limits.max_member / 1e9:,.0f} GB)")
    if info.file_size > 1_000_000 and info.file_size > limits.max_ratio * max(
            1, info.compress_size):  # fmt: skip
        return f"expands {info.file_size / max(1, info.compress_size):,.0f} times (a zip bomb)"
    return ""


def _expected_shape(name: str, bundles: set[str | None]) -> bool:
    if name in DATABASES:
        return True
    if name.startswith(INDEX_DIR):
        return "/" not in name[len(INDEX_DIR):]
    if name.startswith(SOURCES_DIR):
        bundle, _, rest = name[len(SOURCES_DIR):].partition("/")
        return bundle in bundles and bool(rest)
    return False


def copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, out: IO[bytes]) -> None:
    """Write the member to ``out``: never more than its stated size, and zipfile checks
    its CRC at the end."""
    left = info.file_size
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(min(_CHUNK, left + 1))
                if not chunk:
                    break
                if len(chunk) > left:
                    raise PortableError(f"member {info.filename!r} is larger than its "
                                        "directory entry says")
                left -= len(chunk)
                out.write(chunk)
    # zlib raises its own error on a corrupt stream (not OSError/ValueError).
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, zlib.error) as exc:
        raise PortableError(f"member {info.filename!r} of the archive is damaged "
                            f"({exc})") from exc  # fmt: skip


def _read_small(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, refuse: Any) -> bytes:
    if info.file_size > limit:
        raise refuse(f"its manifest is {info.file_size / 1e6:,.0f} MB")
    buf = io.BytesIO()
    copy_member(zf, info, buf)
    return buf.getvalue()


def _parse(raw: bytes, refuse: Any) -> Manifest:
    try:
        d = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise refuse(f"its manifest is not JSON ({exc})") from exc
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise refuse(f"its manifest is of another format "
                     f"({d.get('format') if isinstance(d, dict) else type(d).__name__!r})")
    version = d.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version != VERSION:
        newer = isinstance(version, int) and version > VERSION
        raise refuse(f"its format version is {version!r}, this Cellsight reads version "
                     f"{VERSION}" + ("; it was made by a newer Cellsight" if newer else ""))
    try:
        roots = tuple(SourceRoot(_str(r["path"]), _one_of(r["kind"], "folder", "file"),
                                 _bundle(r.get("bundle"))) for r in d["roots"])  # fmt: skip
        members = {_str(k): _count(v) for k, v in _dict(d["members"]).items()}
        mtimes = {_str(k): _count(v) for k, v in _dict(d.get("mtimes", {})).items()}
        created = dt.datetime.fromisoformat(_str(d["created"]))
        manifest = Manifest(
            roots=tuple(r.path for r in roots), with_sources=bool(d["with_sources"]),
            created=created, documents=_count(d.get("documents", 0)),
            app_version=str(d.get("app", "")), sep=_one_of(d.get("sep", "/"), "/", "\\"),
            seeds=str(d.get("seeds") or ""), sources=roots, members=members, mtimes=mtimes)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise refuse(f"its manifest is incomplete or malformed ({exc!r})") from exc
    if len(set(manifest.roots)) != len(manifest.roots):
        raise refuse("its manifest lists a source twice")
    labels = [r.bundle for r in roots if r.bundle]
    if len(set(labels)) != len(labels):
        raise refuse("its manifest gives two sources one folder")
    return manifest


def _str(v: object) -> str:
    if not isinstance(v, str) or not v:
        raise ValueError(f"expected text, got {v!r}")
    return v


def _count(v: object) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise ValueError(f"expected a count, got {v!r}")
    return v


def _dict(v: object) -> dict[Any, Any]:
    if not isinstance(v, dict):
        raise ValueError(f"expected an object, got {type(v).__name__}")
    return v


def _one_of(v: object, *allowed: str) -> str:
    if v not in allowed:
        raise ValueError(f"{v!r} is not one of {allowed}")
    return str(v)


def _bundle(v: object) -> str | None:
    if v is None:
        return None
    name = _str(v)
    if "/" in name or "\\" in name or name in (".", ".."):
        raise ValueError(f"bad bundle name {name!r}")
    return name
