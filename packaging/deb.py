"""The Debian package: stage the file tree, derive Depends from the bundle, run dpkg-deb.

Layout: the bundle in /opt/cellsight, /usr/bin/cellsight as a relative symlink to it (so
the tree also works extracted under a scratch root), the desktop entry, hicolor icons,
AppStream metainfo and the copyright file under /usr/share.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import subprocess
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import elf
from identity import Identity
from linux_deps import DEPENDS, GLIBCXX_GCC, RECOMMENDS, alternatives, is_libc, package_for

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"


def deb_arch() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                          check=True).stdout.strip()


def release_date() -> str:
    # SOURCE_DATE_EPOCH makes the metadata reproducible; otherwise the build day.
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return when.date().isoformat()


def metainfo_xml(ident: Identity) -> str:
    """The committed metainfo with this version's <releases> entry added."""
    tree = ET.parse(RESOURCES / f"{ident.app_id}.metainfo.xml")
    component = tree.getroot()
    for old in component.findall("releases"):
        component.remove(old)
    releases = ET.SubElement(component, "releases")
    ET.SubElement(releases, "release", version=ident.version, date=release_date())
    ET.indent(tree, space="  ")
    return ET.tostring(component, encoding="unicode", xml_declaration=True) + "\n"


def long_description(ident: Identity) -> str:
    """The Debian extended description, from the metainfo's paragraphs and list."""
    root = ET.parse(RESOURCES / f"{ident.app_id}.metainfo.xml").getroot()
    blocks: list[str] = []
    description = root.find("description")
    for node in description if description is not None else []:
        if node.tag == "p":
            blocks.append(textwrap.fill(" ".join((node.text or "").split()), 78))
        elif node.tag == "ul":
            blocks.append("\n".join(textwrap.fill(" ".join((li.text or "").split()), 78,
                                                  initial_indent="  * ",
                                                  subsequent_indent="    ")
                                    for li in node.findall("li")))
    return "\n.\n".join(blocks)


def external_libraries(bundle: Path) -> tuple[dict[str, list[str]], elf.ElfInfo]:
    """Libraries the bundle links but does not ship -> the files needing them, and the
    highest glibc / libstdc++ symbol versions any file requires."""
    shipped = {p.name for p in bundle.rglob("*") if ".so" in p.name or p.suffix == ".so"}
    infos = elf.scan(elf.elf_files(bundle))
    external: dict[str, list[str]] = {}
    worst = elf.ElfInfo()
    for path, info in infos.items():
        worst.glibc = max(worst.glibc, info.glibc)
        worst.glibcxx = max(worst.glibcxx, info.glibcxx)
        for lib in info.needed:
            if lib not in shipped:
                external.setdefault(lib, []).append(str(path.relative_to(bundle)))
    return external, worst


def _host_package(soname: str) -> str | None:
    """The installed package that ships soname on this machine, if any."""
    out = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True, check=False)
    for line in out.stdout.splitlines():
        if line.strip().startswith(soname + " ") and "=>" in line:
            path = line.split("=>", 1)[1].strip()
            for cand in (path, path.removeprefix("/usr"), os.path.realpath(path)):
                q = subprocess.run(["dpkg-query", "-S", cand], capture_output=True, text=True,
                                   check=False)
                if q.returncode == 0:
                    return q.stdout.split(":", 1)[0].strip()
    return None


def check_external_libraries(external: dict[str, list[str]]) -> list[str]:
    """Problems with the dependency table: a linked library no entry covers, or an entry
    naming a package other than the one that ships the library here."""
    problems = []
    for soname, users in sorted(external.items()):
        if is_libc(soname):
            continue
        entry = package_for(soname) or package_for(soname, RECOMMENDS)
        if entry is None:
            problems.append(f"{soname} (needed by {users[0]}) is neither shipped nor declared "
                            "in linux_deps.DEPENDS")
            continue
        host = _host_package(soname)
        if host is not None and host.split(":")[0] not in alternatives(entry):
            problems.append(f"{soname} comes from {host} here, but linux_deps says {entry}")
    return problems


def control_fields(ident: Identity, bundle: Path, installed_kib: int) -> dict[str, str]:
    external, worst = external_libraries(bundle)
    problems = check_external_libraries(external)
    if problems:
        raise RuntimeError("the .deb dependencies do not match the bundle:\n  "
                           + "\n  ".join(problems))
    depends = [f"libc6 (>= {'.'.join(map(str, worst.glibc or (2, 28)))})"]
    for entry in DEPENDS:
        bound = ""
        if entry == "libstdc++6" and worst.glibcxx[-1:]:
            gcc = GLIBCXX_GCC.get(worst.glibcxx[-1])
            bound = f" (>= {gcc})" if gcc else ""
        depends.append(entry + bound)
    return {
        "Package": ident.package,
        "Version": ident.version,
        "Architecture": deb_arch(),
        "Maintainer": ident.maintainer,
        "Installed-Size": str(installed_kib),
        "Depends": ", ".join(depends),
        "Recommends": ", ".join(RECOMMENDS),
        "Section": "misc",
        "Priority": "optional",
        "Description": ident.description + "\n" + "\n".join(
            " " + line if line else " ." for line in long_description(ident).splitlines()),
    }


def _normalise_modes(root: Path) -> None:
    # Ownership is set by --root-owner-group; modes must not depend on the build umask.
    for folder, dirs, files in os.walk(root):
        for d in dirs:
            p = Path(folder) / d
            if not p.is_symlink():
                p.chmod(0o755)
        for f in files:
            p = Path(folder) / f
            if p.is_symlink():
                continue
            executable = p.stat().st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
            p.chmod(0o755 if executable else 0o644)


def installed_size_kib(root: Path) -> int:
    total = 0
    for folder, _dirs, files in os.walk(root):
        for f in files:
            p = Path(folder) / f
            if not p.is_symlink():
                total += (p.stat().st_size + 1023) // 1024
    return total


def stage_share(ident: Identity, icons: Path, share: Path) -> None:
    """Desktop entry, metainfo, hicolor icons and copyright under a share/ folder."""
    (share / "applications").mkdir(parents=True, exist_ok=True)
    shutil.copy2(RESOURCES / f"{ident.app_id}.desktop", share / "applications")
    (share / "metainfo").mkdir()
    (share / "metainfo" / f"{ident.app_id}.metainfo.xml").write_text(metainfo_xml(ident),
                                                                     encoding="utf-8")
    hicolor = share / "icons" / "hicolor"
    (hicolor / "scalable" / "apps").mkdir(parents=True)
    shutil.copy2(RESOURCES / "icons" / "cellsight.svg",
                 hicolor / "scalable" / "apps" / f"{ident.app_id}.svg")
    for png in sorted(icons.glob("*x*.png")):
        dest = hicolor / png.stem / "apps"
        dest.mkdir(parents=True)
        shutil.copy2(png, dest / f"{ident.app_id}.png")
    doc = share / "doc" / ident.package
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        f"Upstream-Name: {ident.name}\n\nFiles: *\nCopyright: {ident.maintainer}\n"
        f"License: {ident.licence}\n The bundled third-party components (Python, Qt, PySide6\n"
        " and the Python libraries in the bundle) keep their own licences.\n",
        encoding="utf-8")


def stage(ident: Identity, bundle: Path, icons: Path, root: Path) -> None:
    if root.exists():
        shutil.rmtree(root)
    opt = root / "opt" / ident.package
    shutil.copytree(bundle, opt, symlinks=True)
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / ident.package).symlink_to(f"../../opt/{ident.package}/"
                                                      f"{ident.package}")
    stage_share(ident, icons, root / "usr" / "share")
    _normalise_modes(root)
    control = root / "DEBIAN"
    control.mkdir(mode=0o755)
    fields = control_fields(ident, opt, installed_size_kib(root))
    (control / "control").write_text("".join(f"{k}: {v}\n" for k, v in fields.items()),
                                      encoding="utf-8")


def build_deb(ident: Identity, bundle: Path, icons: Path, work: Path, out_dir: Path) -> Path:
    root = work / "deb-root"
    stage(ident, bundle, icons, root)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{ident.package}_{ident.version}_{deb_arch()}.deb"
    # xz is readable by every dpkg in use (zstd is not, before Debian 12). Level 3 takes
    # half the time of the default 6 for a package 9 % larger (58 vs 53 MB): the packaging
    # test builds it on every change, on CI's two cores.
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", "-z3",
                    f"--threads-max={os.cpu_count() or 1}", "--build", str(root), str(target)],
                   check=True, stdout=subprocess.DEVNULL)
    return target
