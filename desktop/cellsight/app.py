"""Composition root of the desktop app: builds the services and hands them to the window."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from . import APP_ID, APP_NAME, __version__
from .core.paths import default_library_dir, log_dir, resources_dir

if TYPE_CHECKING:
    from .core.library import Library
    from .ui.main_window import MainWindow

log = logging.getLogger("cellsight.app")
T0 = time.perf_counter()


def _setup_logging() -> Path | None:
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            folder / "cellsight.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    return folder / "cellsight.log"


def _process_age_ms() -> float | None:
    """Milliseconds since this process was started (Linux), for honest start-up figures."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        boot_s = time.clock_gettime(time.CLOCK_BOOTTIME)
        return (boot_s - start_ticks / os.sysconf("SC_CLK_TCK")) * 1000
    except (OSError, ValueError, IndexError, AttributeError):
        return None


_AGE_AT_T0 = _process_age_ms()


def _elapsed() -> str:
    ms = (time.perf_counter() - T0) * 1000
    if _AGE_AT_T0 is None:
        return f"{ms:.0f} ms"
    return f"{ms:.0f} ms ({ms + _AGE_AT_T0:.0f} ms since the process started)"


def _open_library(folder: Path) -> tuple[Library, bool]:
    """Runs on a worker thread: the import is most of the cost (search engine, numpy)."""
    from .core.library import Library

    lib = Library(folder)
    try:
        first_run = lib.ensure_default_sources()
    except BaseException:
        lib.close()
        raise
    return lib, first_run


def _open_team(address: str) -> tuple[Library, bool]:
    """A team library (worker thread): its secret from the environment, this session or
    the keyring; its access checked, so the window greys out what a reader may not do."""
    from .core.team.library import TeamLibrary
    from .core.team.secrets import with_secret
    from .core.team.url import parse_team_url

    lib = TeamLibrary(with_secret(parse_team_url(address)), check_access=True)
    return lib, False  # type: ignore[return-value]  # the window's calls, over the server


def run_app(
    library: Path | str | None = None,
    *,
    search: str | None = None,
    screenshot: Path | None = None,
    exit_when_ready: bool = False,
) -> int:
    """Paint the window first, then open the library off the UI thread and fill it in."""
    log_file = _setup_logging()
    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QMessageBox

    from .core.errors import CellsightError
    from .ui.crash import CrashReporter
    from .ui.main_window import MainWindow
    from .ui.messages import MessageBus
    from .ui.tasks import TaskRunner
    from .ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    icon = resources_dir() / "icons" / "cellsight.svg"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    settings = QSettings()
    apply_theme(app, str(settings.value("theme", "system")))
    crash = CrashReporter(app, show_dialog=not exit_when_ready)
    crash.install()

    from .ui.dialogs.team_connect_dialog import SETTING as TEAM_SETTING

    # A team library: named on the command line, or the one chosen last time (its address
    # only; the secret is the keyring's). A remembered one that fails opens the local one.
    team = library if isinstance(library, str) else (
        None if library is not None else str(settings.value(TEAM_SETTING, "") or "") or None)
    remembered = team is not None and not isinstance(library, str)
    folder = library if isinstance(library, Path) else default_library_dir()
    messages = MessageBus(app)
    tasks = TaskRunner(app)
    window = MainWindow(None, tasks=tasks, messages=messages, settings=settings)
    window.restore_state()
    window.library_switch.local_folder = folder
    if search is not None:
        window.search_bar.set_text(search)
        window.search.set_query(search)
    opened: list[Library] = []  # closed at exit, even if the window never got it
    exit_code = [0]

    def attach(result: object) -> None:
        lib, first_run = result  # type: ignore[misc]
        if not window.isVisible():
            return  # closed while the library was opening; it is closed at exit
        window.attach_library(lib)
        assert window.indexing is not None
        if first_run:
            window.show_welcome()
        if getattr(lib, "address", None) is not None:
            pass  # a team library is indexed by its scheduled job, or on F5 / Add folder
        elif lib.read_only:
            pass  # nothing to index into; the window says why (MainWindow.attach_library)
        elif lib.index.needs_rebuild:
            messages.warning(f"Rebuilding the search index: {lib.index.rebuild_reason}. "
                             "Your notes and catalogue changes are safe.")
            window.indexing.rebuild()
            window.indexing.update([])
        elif first_run or lib.count() == 0:
            window.indexing.update([])  # nothing to show until the sources are read
        elif not exit_when_ready:
            # Catch up with files changed while the app was closed once the stored
            # results are on screen and the user pauses: it scans every source.
            window.quiet.connect(lambda: window.indexing.update([]) if window.indexing
                                 else None, Qt.ConnectionType.SingleShotConnection)

    def cannot_open(exc: BaseException) -> None:
        text = (str(exc) if isinstance(exc, CellsightError)
                else f"unexpected error ({type(exc).__name__}: {exc})")
        if remembered and not opened:
            messages.warning(f"Cannot open the team library {team}: {text} The local library "
                             "is open instead; File → Connect to team library… tries again.")
            start(local=True)
            return
        log.error("cannot open the library %s: %s", folder, text)
        print(f"cellsight: cannot open its library: {text}", file=sys.stderr, flush=True)
        if not exit_when_ready:
            QMessageBox.critical(window, APP_NAME, f"Cellsight cannot open its library.\n\n"
                                 f"{text}")
        exit_code[0] = 1
        window.close()

    def start(local: bool = False) -> None:
        def work(_p: object, _c: object) -> tuple[Library, bool]:
            lib, first_run = (_open_team(team) if team is not None and not local
                              else _open_library(folder))
            opened.append(lib)
            return lib, first_run

        handle = tasks.run("open library", work, lane="search")
        handle.finished.connect(attach)
        handle.failed.connect(cannot_open)

    def open_library() -> None:
        log.info("window painted after %s", _elapsed())
        start()

    window.painted.connect(open_library, Qt.ConnectionType.SingleShotConnection)
    window.show()

    def on_ready() -> None:
        lib = window.library
        assert lib is not None
        ms = (time.perf_counter() - T0) * 1000
        log.info("cellsight ready: %d documents, results shown after %s", lib.count(),
                 _elapsed())
        print(f"cellsight ready: {lib.count()} documents in {ms:.0f} ms", file=sys.stderr,
              flush=True)
        if screenshot is not None:
            QTimer.singleShot(300, lambda: _shoot(window, screenshot, exit_when_ready))
        elif exit_when_ready:
            QTimer.singleShot(0, window.close)

    window.ready.connect(on_ready)
    if log_file:
        log.info("log file: %s", log_file)
    code = app.exec()
    tasks.shutdown()
    from .ui.library_switch import close_all

    close_all()  # the libraries File → Connect / Use local library opened
    for lib in opened:
        lib.close()
    return exit_code[0] or int(code)


def _shoot(window: MainWindow, path: Path, quit_after: bool) -> None:
    # Wait until indexing, prices and the chart have settled, so the screenshot shows
    # the real library.
    if not window.settled():
        from PySide6.QtCore import QTimer

        QTimer.singleShot(200, lambda: _shoot(window, path, quit_after))
        return
    window.grab().save(str(path))
    print(f"cellsight screenshot: {path}", file=sys.stderr, flush=True)
    if quit_after:
        window.close()
