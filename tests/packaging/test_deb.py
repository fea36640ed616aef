"""The Linux package, as an analyst gets it: build the .deb, install it into a scratch root,
run the installed program with no Python or virtualenv reachable, start its window under
Xvfb, and validate the desktop entry and AppStream metadata it ships.

The build is cached by packaging/build.py, so this costs a few seconds unless the app or
its packaging changed. The install folder is made read-only and, when the tests run as
root, the app runs as ``nobody``, so any write outside the user's folders fails here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cellsight import APP_ID, __version__

ROOT = Path(__file__).resolve().parents[2]
UNPRIVILEGED = 65534  # nobody

pytestmark = [
    pytest.mark.packaging,
    pytest.mark.slow,
    pytest.mark.skipif(not (sys.platform.startswith("linux") and shutil.which("dpkg-deb")),
                       reason="the .deb is built and installed on Debian-like Linux only"),
]

ARTICLE = """<!doctype html><html><head><title>Graphite anode plant opens</title>
<meta property="og:site_name" content="Cell Wire"></head><body><article>
<h1>Graphite anode plant opens</h1>
<p>Syrah Resources started its Vidalia active anode material plant in Louisiana, adding
11,250 tonnes a year of natural graphite anode capacity for electric-vehicle cells.</p>
<p>Tesla has agreed to buy part of the output, the company said on Tuesday, as North
American cell makers look for graphite supply outside China.</p>
</article></body></html>
"""


@dataclass(frozen=True)
class Installed:
    root: Path  # the scratch root the package was extracted into
    deb: Path
    home: Path  # the user's home, writable by the user the app runs as
    prefix: list[str]  # runs a command as that user

    @property
    def opt(self) -> Path:
        return self.root / "opt" / "cellsight"

    def env(self) -> dict[str, str]:
        """A desktop session's environment: PATH holds only the installed package's bin
        folder (no Python, no virtualenv), and no PYTHONPATH / VIRTUAL_ENV at all."""
        h = self.home
        return {
            "PATH": str(self.root / "usr" / "bin"), "HOME": str(h), "LANG": "C.UTF-8",
            "XDG_CONFIG_HOME": str(h / ".config"), "XDG_DATA_HOME": str(h / ".local/share"),
            "XDG_CACHE_HOME": str(h / ".cache"), "XDG_STATE_HOME": str(h / ".local/state"),
            "XDG_RUNTIME_DIR": str(h / "runtime"),
        }

    def run(self, *args: str, env: dict[str, str] | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
        exe = shutil.which("cellsight", path=str(self.root / "usr" / "bin"))
        assert exe is not None, "the package does not put `cellsight` on the PATH"
        return subprocess.run([*self.prefix, exe, *args], env=env or self.env(), cwd=self.home,
                              capture_output=True, text=True, timeout=timeout, check=False)


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is missing: run `make sysdeps-test` (packaging/sysdeps.sh test)")
    return path


def _set_writable(root: Path, writable: bool) -> None:
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            p = Path(folder) / name
            if p.is_symlink():
                continue
            mode = p.stat().st_mode
            p.chmod(mode | stat.S_IWUSR if writable else mode & ~0o222)


def _snapshot(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.lstat().st_mtime_ns for p in root.rglob("*")}


@pytest.fixture(scope="module")
def deb() -> Path:
    _require("dpkg-deb")
    _require("objdump")
    proc = subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"),
                           "--formats", "deb"], capture_output=True, text=True, timeout=1800,
                          check=False)
    assert proc.returncode == 0, f"packaging/build.py failed:\n{proc.stdout}\n{proc.stderr}"
    found = re.search(r"^deb .*?(\S+\.deb)$", proc.stdout, re.MULTILINE)
    assert found, proc.stdout
    path = Path(found.group(1))
    assert path.name.startswith(f"cellsight_{__version__}_")
    return path


@pytest.fixture(scope="module")
def installed(deb: Path) -> Iterator[Installed]:
    scratch = Path(tempfile.mkdtemp(prefix="cellsight-deb-"))
    scratch.chmod(0o755)  # the unprivileged user must reach the install and its home
    root, home = scratch / "root", scratch / "home"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    home.mkdir()
    (home / "runtime").mkdir(mode=0o700)
    prefix: list[str] = []
    if os.geteuid() == 0:
        prefix = [_require("setpriv"), f"--reuid={UNPRIVILEGED}", f"--regid={UNPRIVILEGED}",
                  "--clear-groups", "--"]
        for p in [home, *home.rglob("*")]:
            os.chown(p, UNPRIVILEGED, UNPRIVILEGED)
    _set_writable(root, writable=False)
    try:
        yield Installed(root=root, deb=deb, home=home, prefix=prefix)
    finally:
        _set_writable(root, writable=True)
        shutil.rmtree(scratch, ignore_errors=True)


def test_control_fields_name_the_package_and_qt_system_libraries(deb: Path) -> None:
    fields = subprocess.run(["dpkg-deb", "-f", str(deb)], capture_output=True, text=True,
                            check=True).stdout
    assert re.search(r"^Package: cellsight$", fields, re.MULTILINE)
    assert re.search(rf"^Version: {re.escape(__version__)}$", fields, re.MULTILINE)
    depends = re.search(r"^Depends: (.*)$", fields, re.MULTILINE)
    assert depends
    for lib in ("libc6 (>= ", "libegl1", "libfontconfig1", "libxkbcommon-x11-0", "libdbus-1-3",
                "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "fonts-dejavu-core"):
        assert lib in depends.group(1)
    assert deb.stat().st_size < 120e6


def test_package_installs_the_app_and_its_desktop_integration(installed: Installed) -> None:
    usr = installed.root / "usr"
    link = usr / "bin" / "cellsight"
    assert link.is_symlink() and not Path(os.readlink(link)).is_absolute()
    assert link.resolve() == (installed.opt / "cellsight").resolve()
    internal = installed.opt / "_internal"
    assert (internal / "resources" / "catalogue.toml").is_file()
    assert sorted(p.name for p in (internal / "seeds").iterdir()) == sorted(
        p.name for p in (ROOT / "seeds").iterdir())
    share = usr / "share"
    assert (share / "applications" / f"{APP_ID}.desktop").is_file()
    assert (share / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    icons = share / "icons" / "hicolor"
    assert (icons / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    for size in (16, 32, 48, 64, 128, 256, 512):
        png = icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
    # Only the Qt modules the app uses: no QML, Quick, WebEngine or EGLFS in the bundle.
    qt_libs = {p.name for p in internal.rglob("libQt6*")}
    assert "libQt6Widgets.so.6" in qt_libs
    assert not {n for n in qt_libs if re.match(r"libQt6(Qml|Quick|WebEngine|EglFS|Pdf)", n)}


def test_installed_cli_runs_without_python(installed: Installed) -> None:
    version = installed.run("--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"cellsight {__version__}"

    article = installed.home / "article.html"
    article.write_text(ARTICLE, encoding="utf-8")
    if installed.prefix:
        os.chown(article, UNPRIVILEGED, UNPRIVILEGED)
    seeds = installed.opt / "_internal" / "seeds"
    article_seed, payload_seed = next(seeds.glob("000_*")), next(seeds.glob("003_*"))
    proc = installed.run("inspect", "--json", str(article_seed), str(payload_seed), str(article))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    data = json.loads(proc.stdout)
    assert data["errors"] == []
    by_type = {d["type"]: d for d in data["documents"]}
    text = by_type["text"]
    assert text["title"].startswith("Amid the accelerating electric vehicle")
    assert "catl" in {e["id"] for e in text["entities"]}
    assert len(by_type["payload"]["series"]) == 15  # the Nuxt payload's ticker series
    # HTML goes through lxml, BeautifulSoup and trafilatura: their data files are bundled.
    assert by_type["html"]["title"] == "Graphite anode plant opens"
    assert "Vidalia" in by_type["html"]["text"]


def test_installed_app_reads_every_format(installed: Installed) -> None:
    """Each format's library is in the bundle, including what is loaded by name at run
    time (pdfium through ctypes): the first bundle with PDFs had no libpdfium.so."""
    data = ROOT / "tests" / "data"
    files = {
        "pdf": data / "pdf" / "tracemonkey_p1-3.pdf",
        "email": data / "email" / "mailchimp_newsletter.eml",
        "msg": data / "email" / "quick.msg",
        "feed": data / "feeds" / "de_akku_news.rss",
        "docx": data / "office" / "tika_testWORD.docx",
        "pptx": data / "office" / "de_akku_deck.pptx",
        "xlsx": data / "xlsx" / "pink_sheet_2024.xlsx",
        "mhtml": data / "archives" / "golem_quantumscape.mhtml",
        "warc": data / "archives" / "battery_crawl.warc.gz",
        "zip": data / "archives" / "battery_clippings.zip",
    }
    proc = installed.run("inspect", "--json", *map(str, files.values()))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    out = json.loads(proc.stdout)
    assert out["errors"] == []
    kinds = {d["type"] for d in out["documents"]}
    assert set(files) - {"zip"} <= kinds, kinds
    pdf = next(d for d in out["documents"] if d["type"] == "pdf")
    assert len(pdf["pages"]) == 3 and "Trace-based" in pdf["title"]


@pytest.fixture()
def display() -> Iterator[str]:
    xvfb = _require("Xvfb")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen([xvfb, "-displayfd", str(write_fd), "-screen", "0",
                               "1280x800x24", "-nolisten", "tcp"], pass_fds=(write_fd,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as fh:
            number = fh.readline().strip()  # written once the server accepts clients
        assert number.isdigit(), "Xvfb did not start"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_installed_gui_starts_under_xvfb_with_a_clean_log(installed: Installed,
                                                          display: str) -> None:
    before = _snapshot(installed.opt)
    library = installed.home / "library"
    env = {**installed.env(), "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    started = time.perf_counter()
    proc = installed.run("--library", str(library), "--exit-when-ready", env=env, timeout=600)
    seconds = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr
    ready = re.search(r"cellsight ready: (\d+) documents", proc.stderr)
    assert ready, proc.stderr
    assert int(ready.group(1)) > 0, "the first start did not open on the bundled seeds"
    logs = list(installed.home.rglob("cellsight.log"))
    assert logs, "the app wrote no log file in the user's folders"
    for output in (proc.stderr, *(p.read_text(encoding="utf-8") for p in logs)):
        assert "Traceback" not in output
        assert not re.search(r"\b(ERROR|CRITICAL)\b", output), output
        assert "Could not load the Qt platform plugin" not in output
    assert _snapshot(installed.opt) == before, "the app wrote into its install folder"
    print(f"\ninstalled app ready under Xvfb after {seconds:.1f} s (cold start)")


def test_shipped_desktop_entry_and_metainfo_validate(installed: Installed) -> None:
    share = installed.root / "usr" / "share"
    desktop = subprocess.run([_require("desktop-file-validate"),
                              str(share / "applications" / f"{APP_ID}.desktop")],
                             capture_output=True, text=True, check=False)
    assert desktop.returncode == 0 and not desktop.stdout.strip(), desktop.stdout
    meta = subprocess.run([_require("appstreamcli"), "validate", "--no-net",
                           str(share / "metainfo" / f"{APP_ID}.metainfo.xml")],
                          capture_output=True, text=True, check=False)
    assert meta.returncode == 0, meta.stdout + meta.stderr
    assert __version__ in (share / "metainfo" / f"{APP_ID}.metainfo.xml").read_text()
