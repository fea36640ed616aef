"""Build Cellsight's installers: ``make package`` (or ``python packaging/build.py``).

Steps, each skipped when its inputs did not change since the last build:
  icons   PNG sizes, .ico and .icns rendered from resources/icons/cellsight.svg
  bundle  the PyInstaller one-folder app (packaging/cellsight.spec)
  deb     packaging/dist/cellsight_<version>_<arch>.deb          (Linux)
  tar     packaging/dist/cellsight-<version>-linux-<machine>.tar.gz (Linux)
Windows and macOS build the bundle here; Inno Setup (windows/cellsight.iss) and
macos/make_dmg.sh wrap it, as the CI workflow does.

    python packaging/build.py [--formats deb,tar] [--force]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bundle
from bundle import BUILD, HERE, ROOT
from identity import Identity, load_identity

DIST = HERE / "dist"
ICONS = BUILD / "icons"
SVG = ROOT / "resources" / "icons" / "cellsight.svg"
LINUX = sys.platform.startswith("linux")


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


class Timer:
    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.steps: list[str] = []

    def step(self, name: str, t0: float, cached: bool, detail: str = "") -> None:
        state = "cached" if cached else f"{time.perf_counter() - t0:.1f} s"
        line = f"{name:<7} {state:<9} {detail}".rstrip()
        self.steps.append(line)
        print(line, flush=True)


def build_icons(force: bool) -> bool:
    fp = bundle.fingerprint([SVG, HERE / "icons.py"])
    if not force and bundle.is_current("icons", fp, [ICONS / "cellsight.ico"]):
        return True
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    subprocess.run([sys.executable, str(HERE / "icons.py"), str(SVG), str(ICONS)], env=env,
                   check=True)
    bundle.mark_current("icons", fp)
    return False


def build_bundle(ident: Identity, force: bool) -> tuple[Path, bool]:
    fp = bundle.bundle_fingerprint()
    out = bundle.bundle_dir(ident.package)
    if not force and bundle.is_current("bundle", fp, [out]):
        return out, True
    bundle.mark_current("bundle", "")  # an interrupted build must not look current
    bundle.run_pyinstaller(ident.package)
    version = bundle.smoke_check(out, ident.package)
    if ident.version not in version:
        raise RuntimeError(f"the frozen app reports {version!r}, expected {ident.version}")
    bundle.mark_current("bundle", fp)
    return out, False


def build_deb(ident: Identity, bundle_path: Path, force: bool) -> tuple[Path, bool]:
    import deb

    target = DIST / f"{ident.package}_{ident.version}_{deb.deb_arch()}.deb"
    fp = bundle.fingerprint(
        [HERE / "deb.py", HERE / "linux_deps.py", HERE / "elf.py", ICONS, ROOT / "resources"],
        bundle.bundle_fingerprint())
    if not force and bundle.is_current(target.name, fp, [target]):
        return target, True
    built = deb.build_deb(ident, bundle_path, ICONS, BUILD, DIST)
    bundle.mark_current(target.name, fp)
    return built, False


def build_tar(ident: Identity, bundle_path: Path, force: bool) -> tuple[Path, bool]:
    import deb

    top = f"{ident.package}-{ident.version}"
    target = DIST / f"{top}-linux-{platform.machine()}.tar.gz"
    fp = bundle.fingerprint([HERE / "build.py", HERE / "deb.py", ICONS, ROOT / "resources"],
                            bundle.bundle_fingerprint())
    if not force and bundle.is_current(target.name, fp, [target]):
        return target, True
    share = BUILD / "tar-share"
    if share.exists():
        shutil.rmtree(share)
    deb.stage_share(ident, ICONS, share)

    def owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    DIST.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
        tar.add(bundle_path, arcname=top, filter=owned_by_root)
        tar.add(share, arcname=f"{top}/share", filter=owned_by_root)
    partial.replace(target)
    bundle.mark_current(target.name, fp)
    return target, False


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default = "deb,tar" if LINUX else "bundle"
    p.add_argument("--formats", default=default,
                   help=f"comma-separated: bundle, deb, tar (default here: {default})")
    p.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    args = p.parse_args(argv)
    formats = {f.strip() for f in args.formats.split(",") if f.strip()}
    unknown = formats - {"bundle", "deb", "tar"}
    if unknown:
        p.error(f"unknown format(s): {', '.join(sorted(unknown))}")
    if formats & {"deb", "tar"} and not LINUX:
        p.error("deb and tar are built on Linux; see packaging/README.md for the others")

    ident = load_identity()
    timer = Timer()
    print(f"Building {ident.name} {ident.version} ({', '.join(sorted(formats))})", flush=True)
    t0 = time.perf_counter()
    timer.step("icons", t0, build_icons(args.force))
    t0 = time.perf_counter()
    bundle_path, cached = build_bundle(ident, args.force)
    timer.step("bundle", t0, cached, f"{_mb(bundle.tree_size(bundle_path))}  {bundle_path}")
    for fmt, builder in (("deb", build_deb), ("tar", build_tar)):
        if fmt in formats:
            t0 = time.perf_counter()
            target, cached = builder(ident, bundle_path, args.force)
            timer.step(fmt, t0, cached, f"{_mb(target.stat().st_size)}  {target}")
    print(f"total   {time.perf_counter() - timer.start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"build.py: {exc}", file=sys.stderr)
        sys.exit(1)
