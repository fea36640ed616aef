"""What ELF files link: ``NEEDED`` libraries and the glibc symbol versions they require.

Read with ``objdump -p`` (binutils), many files per call, because the bundle holds a few
hundred shared objects and one process each would dominate a cached build.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

_FILE = re.compile(r"^(?P<path>.+):\s+file format (?P<fmt>\S+)$")
_GLIBC = re.compile(r"\bGLIBC_(\d+(?:\.\d+)+)\b")
_GLIBCXX = re.compile(r"\bGLIBCXX_(\d+(?:\.\d+)+)\b")
_BATCH = 64


@dataclass
class ElfInfo:
    needed: list[str] = field(default_factory=list)
    glibc: tuple[int, ...] = ()  # highest GLIBC_x.y version referenced, () if none
    glibcxx: tuple[int, ...] = ()  # highest GLIBCXX_3.4.n referenced


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"\x7fELF"
    except OSError:
        return False


def elf_files(root: Path) -> list[Path]:
    """Regular ELF files under root (symlinks are skipped; their targets are listed)."""
    out = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if not path.is_symlink() and is_elf(path):
                out.append(path)
    return sorted(out)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def _parse(text: str) -> dict[str, ElfInfo]:
    infos: dict[str, ElfInfo] = {}
    current: ElfInfo | None = None
    for line in text.splitlines():
        m = _FILE.match(line.strip())
        if m:
            current = infos.setdefault(m.group("path"), ElfInfo())
            continue
        if current is None:
            continue
        words = line.split()
        if len(words) == 2 and words[0] == "NEEDED":
            current.needed.append(words[1])
        for version in _GLIBC.findall(line):
            current.glibc = max(current.glibc, _version(version))
        for version in _GLIBCXX.findall(line):
            current.glibcxx = max(current.glibcxx, _version(version))
    return infos


def scan(paths: Iterable[Path]) -> dict[Path, ElfInfo]:
    todo = [str(p) for p in paths]
    found: dict[Path, ElfInfo] = {}
    for i in range(0, len(todo), _BATCH):
        batch = todo[i:i + _BATCH]
        proc = subprocess.run(["objdump", "-p", *batch], capture_output=True, text=True,
                              check=False)
        if proc.returncode != 0 and not proc.stdout:
            raise RuntimeError(f"objdump failed: {proc.stderr.strip()}")
        parsed = _parse(proc.stdout)
        for p in batch:
            found[Path(p)] = parsed.get(p, ElfInfo())
    return found


def needed(path: str) -> list[str]:
    return scan([Path(path)])[Path(path)].needed
