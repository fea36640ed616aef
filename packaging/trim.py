"""Trim what PyInstaller collects down to what Cellsight loads.

The hooks collect every plugin of every type a used Qt module owns (EGLFS, VNC, evdev,
virtual keyboard, QML tooling …), and with them the Qt libraries those plugins link.
We keep a short list of plugins, then drop every bundled library that nothing kept still
links (followed through ELF ``NEEDED`` entries on Linux), and leave out the system
libraries the ``.deb`` declares as dependencies (see ``linux_deps``). Data files lose
Qt's translations and Babel's locale tables (see ``trim_datas``).
"""

from __future__ import annotations

import posixpath
import sys
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

import elf

# TOC entries are (name inside the bundle, source path, typecode).
Entry = tuple[str, str, str]

_COMMON = {
    "imageformats": {"qsvg", "qico", "qjpeg", "qgif"},
    "iconengines": {"qsvgicon"},
    "styles": None,  # None: keep all of this type
}
KEEP_PLUGINS: dict[str, dict[str, set[str] | None]] = {
    "linux": {
        **_COMMON,
        "platforms": {"qxcb", "qoffscreen", "qwayland", "qminimal"},
        "platformthemes": {"qxdgdesktopportal"},  # gtk3 theme would drag GTK into the bundle
        "platforminputcontexts": {"composeplatforminputcontextplugin",
                                  "ibusplatforminputcontextplugin"},
        "xcbglintegrations": None,
        "wayland-decoration-client": None,
        "wayland-graphics-integration-client": None,
        "wayland-shell-integration": None,
    },
    "win32": {**_COMMON, "platforms": {"qwindows", "qoffscreen", "qminimal"}},
    "darwin": {**_COMMON, "platforms": {"qcocoa", "qoffscreen", "qminimal"}},
}


def _plugin_of(name: str) -> tuple[str, str] | None:
    """(plugin type, plugin stem) for a bundled Qt plugin, else None."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if "plugins" not in parts:
        return None
    i = parts.index("plugins")
    if len(parts) != i + 3:  # plugins/<type>/<file>
        return None
    return parts[i + 1], parts[-1].split(".")[0].removeprefix("lib")


def keep_plugin(name: str, platform: str = sys.platform) -> bool:
    found = _plugin_of(name)
    if found is None:
        return True
    ptype, stem = found
    allowed = KEEP_PLUGINS.get(platform, KEEP_PLUGINS["linux"])
    if ptype not in allowed:
        return False
    stems = allowed[ptype]
    return stems is None or stem in stems


def _link_target(e: Entry) -> str:
    # A SYMLINK entry's source is the link target, relative to the link's folder.
    return posixpath.normpath(posixpath.join(posixpath.dirname(e[0]), e[1]))


def prune_unreachable(binaries: Iterable[Entry], roots: Callable[[Entry], bool],
                      needed: Callable[[str], list[str]] = elf.needed) -> list[Entry]:
    """Keep the root entries, the bundled libraries they reach through NEEDED, and the
    symlinks that point at something kept."""
    entries = list(binaries)
    files = [e for e in entries if e[2] != "SYMLINK"]
    by_base: dict[str, Entry] = {}
    for e in files:
        by_base.setdefault(PurePosixPath(e[0]).name, e)
    keep: set[str] = set()
    todo = [e for e in files if roots(e)]
    while todo:
        e = todo.pop()
        if e[0] in keep:
            continue
        keep.add(e[0])
        for lib in needed(e[1]):
            dep = by_base.get(lib)
            if dep is not None and dep[0] not in keep:
                todo.append(dep)
    return [e for e in entries
            if (e[0] in keep if e[2] != "SYMLINK" else _link_target(e) in keep)]


# Opened with ctypes at run time, so no extension module links them: without this they
# look unreachable and were pruned (the first bundle with PDFs had no libpdfium.so).
CTYPES_LIBRARIES = frozenset({"libpdfium.so"})


def trim_linux(binaries: Iterable[Entry], is_system: Callable[[str], bool]) -> list[Entry]:
    kept = [e for e in binaries if keep_plugin(e[0], "linux")
            and not is_system(PurePosixPath(e[0]).name)]

    def is_root(e: Entry) -> bool:
        # Extension modules and plugins are loaded by name at run time; libraries only
        # matter if one of those (or the interpreter) links them.
        base = PurePosixPath(e[0]).name
        return (e[2] == "EXTENSION" or _plugin_of(e[0]) is not None
                or base.startswith("libpython") or base in CTYPES_LIBRARIES)

    infos = elf.scan(Path(e[1]) for e in kept if e[2] != "SYMLINK")
    return prune_unreachable(kept, is_root, lambda src: infos[Path(src)].needed)


# Babel's 30 MB of CLDR locale data only serve courlan's URL language filter, which
# trafilatura applies when asked for a target language; Cellsight never asks. The root
# and English tables keep a call that does happen working.
_BABEL_KEEP = {"root.dat", "en.dat"}


def keep_data(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if "translations" in parts and "PySide6" in parts:
        return False  # Qt's own dialog strings; the UI is English only
    if parts[:2] == ("babel", "locale-data"):
        return parts[-1] in _BABEL_KEEP
    return True


def trim_datas(datas: Iterable[Entry], binaries: Iterable[Entry]) -> list[Entry]:
    """Drop unwanted data files, and the SYMLINK entries (PyInstaller lists them with the
    data) whose target library was trimmed away."""
    entries = [e for e in datas if keep_data(e[0])]
    present = {e[0] for e in binaries} | {e[0] for e in entries if e[2] != "SYMLINK"}
    return [e for e in entries if e[2] != "SYMLINK" or _link_target(e) in present]
