"""The frozen bundle and the build cache: rebuild only when an input changed.

An artefact is current when the fingerprint of its inputs (path, size and mtime of every
file, plus tool versions) matches the one stored when it was built. That is what keeps
``make test`` fast: the packaging test reuses the bundle and the .deb unless the app,
its resources, the recipe or the installed libraries changed.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "packaging"
BUILD = HERE / "build"
STAMPS = BUILD / "stamps"

# Everything the frozen app is made of.
BUNDLE_INPUTS = (
    ROOT / "desktop" / "cellsight", ROOT / "resources", ROOT / "seeds", ROOT / "pyproject.toml",
    HERE / "cellsight.spec", HERE / "launcher.py", HERE / "trim.py", HERE / "elf.py",
    HERE / "linux_deps.py", HERE / "identity.py", HERE / "bundle.py", HERE / "macos",
)


def _files(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += [q for q in p.rglob("*") if q.is_file() and "__pycache__" not in q.parts]
        elif p.is_file():
            out.append(p)
    return sorted(out)


def _site_packages() -> list[str]:
    # Installed distributions and their versions, from the dist-info folder names.
    names: set[str] = set()
    for entry in sys.path:
        p = Path(entry)
        if p.name == "site-packages" and p.is_dir():
            names.update(q.name for q in p.glob("*.dist-info"))
    return sorted(names)


def fingerprint(paths: Iterable[Path], *extra: str) -> str:
    h = hashlib.sha256()
    for f in _files(paths):
        st = f.stat()
        h.update(f"{f.relative_to(ROOT) if f.is_relative_to(ROOT) else f}"
                 f"\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    for item in extra:
        h.update(item.encode() + b"\n")
    return h.hexdigest()


def bundle_fingerprint() -> str:
    return fingerprint(BUNDLE_INPUTS, sys.version, platform.machine(), *_site_packages())


def is_current(name: str, print_: str, outputs: Iterable[Path]) -> bool:
    stamp = STAMPS / name
    return (stamp.is_file() and stamp.read_text() == print_
            and all(p.exists() for p in outputs))


def mark_current(name: str, print_: str) -> None:
    STAMPS.mkdir(parents=True, exist_ok=True)
    (STAMPS / name).write_text(print_)


def bundle_dir(package: str) -> Path:
    return BUILD / "bundle" / package


def run_pyinstaller(package: str) -> Path:
    """Freeze the app; returns the one-folder bundle. The log goes to build/pyinstaller.log."""
    out = bundle_dir(package)
    if out.exists():
        shutil.rmtree(out)  # PyInstaller would ask before replacing it
    log = BUILD / "pyinstaller.log"
    with log.open("w", encoding="utf-8") as fh:
        proc = subprocess.run(
            [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
             "--distpath", str(BUILD / "bundle"), "--workpath", str(BUILD / "work"),
             str(HERE / "cellsight.spec")],
            # The repo's packaging/ folder must not shadow the `packaging` library.
            cwd=BUILD, stdout=fh, stderr=subprocess.STDOUT, check=False,
        )
    if proc.returncode != 0:
        tail = log.read_text(encoding="utf-8").splitlines()[-30:]
        raise RuntimeError("PyInstaller failed:\n" + "\n".join(tail))
    strip_interpreter(out)
    return out


def strip_interpreter(bundle: Path) -> None:
    """Drop debug info from the interpreter's own libraries (source-built Pythons, such as
    pyenv's, keep it: 20 MB in libpython alone). Wheel libraries are left untouched:
    stripping can corrupt the ones auditwheel patched."""
    tool = shutil.which("strip")
    if tool is None or not sys.platform.startswith("linux"):
        return
    internal = bundle / "_internal"
    targets = [p for p in internal.glob("libpython3*.so*") if not p.is_symlink()]
    targets += sorted((internal / f"python{sys.version_info[0]}.{sys.version_info[1]}"
                       / "lib-dynload").glob("*.so"))
    if targets:
        subprocess.run([tool, "--strip-debug", *map(str, targets)], check=True)


def smoke_check(bundle: Path, package: str) -> str:
    """Run the frozen `--version` so a broken bundle fails the build, not the user."""
    exe = bundle / (f"{package}-cli.exe" if os.name == "nt" else package)
    proc = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=120,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"the frozen app does not start:\n{proc.stdout}{proc.stderr}")
    return proc.stdout.strip()


def tree_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())
