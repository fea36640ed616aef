"""The system libraries the Linux bundle uses from the host, and the packages that ship them.

One table drives three things: the bundle leaves these libraries out (the system copy
matches the user's graphics stack, fonts and input methods, as with the PySide6 wheel),
the ``.deb`` declares their packages in ``Depends``, and ``deb.check_external_libraries``
proves every library the bundle needs from outside is covered by this table.
"""

from __future__ import annotations

import re

# Depends entry -> soname stems it provides ("libfoo" for "libfoo.so.N"). Alternatives
# cover the 64-bit time_t renames (Ubuntu 24.04, Debian 13) next to the older names.
DEPENDS: dict[str, tuple[str, ...]] = {
    "libstdc++6": ("libstdc++",),  # system copy: Mesa's drivers need the newest one loaded
    "libgcc-s1": ("libgcc_s",),
    "libglib2.0-0t64 | libglib2.0-0": ("libglib-2.0", "libgobject-2.0", "libgio-2.0",
                                       "libgmodule-2.0", "libgthread-2.0"),
    "libegl1": ("libEGL",),
    "libgl1": ("libGL", "libGLX", "libOpenGL"),
    "libfontconfig1": ("libfontconfig",),
    "libfreetype6": ("libfreetype",),
    "libxkbcommon0": ("libxkbcommon",),
    "libxkbcommon-x11-0": ("libxkbcommon-x11",),
    "libdbus-1-3": ("libdbus-1",),
    "libx11-6": ("libX11",),
    "libx11-xcb1": ("libX11-xcb",),
    "libxcb1": ("libxcb",),
    "libxcb-cursor0": ("libxcb-cursor",),
    "libxcb-icccm4": ("libxcb-icccm",),
    "libxcb-image0": ("libxcb-image",),
    "libxcb-keysyms1": ("libxcb-keysyms",),
    "libxcb-render-util0": ("libxcb-render-util",),
    "libxcb-shape0": ("libxcb-shape",),
    "libxcb-randr0": ("libxcb-randr",),
    "libxcb-render0": ("libxcb-render",),
    "libxcb-shm0": ("libxcb-shm",),
    "libxcb-sync1": ("libxcb-sync",),
    "libxcb-xfixes0": ("libxcb-xfixes",),
    "libxcb-xinerama0": ("libxcb-xinerama",),
    "libxcb-xkb1": ("libxcb-xkb",),
    "libxcb-util1": ("libxcb-util",),
    "libxcb-glx0": ("libxcb-glx",),
    "libxcb-xinput0": ("libxcb-xinput",),
    "libxrender1": ("libXrender",),
    "libxi6": ("libXi",),
    "fonts-dejavu-core": (),  # no library: Qt needs at least one font to draw text
}

# Wanted only in a Wayland session; Qt falls back to X11 (XWayland) without them.
RECOMMENDS: dict[str, tuple[str, ...]] = {
    "libwayland-client0": ("libwayland-client",),
    "libwayland-cursor0": ("libwayland-cursor",),
    "libwayland-egl1": ("libwayland-egl",),
    "fonts-wqy-microhei": (),  # no library: Chinese text (both scripts) shows as boxes without it
    # Run as a program, never linked: scanned PDF pages are read by OCR only when present.
    "tesseract-ocr": (),
    "tesseract-ocr-eng": (),
    "tesseract-ocr-chi-sim": (),
    "tesseract-ocr-chi-tra": (),
}

# Always present on any glibc system; covered by the libc6 version bound deb.py computes.
LIBC_SONAMES = ("libc", "libm", "libdl", "libpthread", "librt", "libutil", "ld-linux",
                "libresolv", "libcrypt", "libanl", "libnsl")

# The libstdc++6 release that first has a GLIBCXX_3.4.N symbol version (N -> GCC).
GLIBCXX_GCC = {25: "8", 26: "9", 28: "10", 29: "11", 30: "12", 31: "13", 32: "13.2",
               33: "14", 34: "15"}

_SONAME = re.compile(r"^(?P<stem>.+?)\.so(\.\d+)*$")


def soname_stem(name: str) -> str:
    """``libxcb-cursor.so.0`` -> ``libxcb-cursor``."""
    m = _SONAME.match(name)
    return m.group("stem") if m else name


def alternatives(entry: str) -> set[str]:
    """``"a | b"`` -> {"a", "b"}."""
    return {p.strip() for p in entry.split("|")}


def package_for(soname: str, table: dict[str, tuple[str, ...]] = DEPENDS) -> str | None:
    stem = soname_stem(soname)
    for package, stems in table.items():
        if stem in stems:
            return package
    return None


def is_libc(soname: str) -> bool:
    stem = soname_stem(soname)
    return stem in LIBC_SONAMES or stem.startswith("ld-linux")


def is_system_library(soname: str) -> bool:
    """True for libraries the bundle takes from the host instead of shipping."""
    return (package_for(soname) is not None or package_for(soname, RECOMMENDS) is not None
            or is_libc(soname))
