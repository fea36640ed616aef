"""Render the app icon from its SVG: PNG sizes for hicolor, an .ico and an .icns.

Only the SVG is committed; every raster comes from it at build time, through Qt's own
SVG renderer so no extra image tool is needed. ICO and ICNS are written by hand: both
formats can carry PNG images as they are, so they are a small header plus the PNGs.

    QT_QPA_PLATFORM=offscreen python packaging/icons.py resources/icons/cellsight.svg OUT
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types that hold a PNG of the given pixel size.
ICNS_TYPES = ((b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256),
              (b"ic09", 512), (b"ic10", 1024))


def render_pngs(svg: Path, sizes: tuple[int, ...]) -> dict[int, bytes]:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(["icons"])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg}: not a valid SVG")
    out: dict[int, bytes] = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buf, "PNG"):
            raise RuntimeError(f"could not encode the {size}px icon as PNG")
        out[size] = bytes(data.data())
    return out


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = b"", b""
    for size in sizes:
        blob = pngs[size]
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICO directory entry
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
        blobs += blob
    return header + entries + blobs


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    body = b"".join(kind + struct.pack(">I", len(pngs[size]) + 8) + pngs[size]
                    for kind, size in ICNS_TYPES)
    return b"icns" + struct.pack(">I", len(body) + 8) + body


def build_icons(svg: Path, out: Path) -> None:
    """out/<N>x<N>.png for each hicolor size, out/cellsight.ico, out/cellsight.icns."""
    sizes = tuple(sorted({*HICOLOR_SIZES, *ICO_SIZES, *(s for _, s in ICNS_TYPES)}))
    pngs = render_pngs(svg, sizes)
    out.mkdir(parents=True, exist_ok=True)
    for size in HICOLOR_SIZES:
        (out / f"{size}x{size}.png").write_bytes(pngs[size])
    (out / "cellsight.ico").write_bytes(ico_bytes({s: pngs[s] for s in ICO_SIZES}))
    (out / "cellsight.icns").write_bytes(icns_bytes(pngs))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: icons.py SVG OUTDIR")
    build_icons(Path(sys.argv[1]), Path(sys.argv[2]))
