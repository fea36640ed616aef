"""Composition root of the desktop app: builds the services and hands them to the window."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import time
from pathlib import Path

from . import APP_ID, APP_NAME, __version__
from .core.paths import default_library_dir, log_dir, resources_dir

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


def run_app(
    library: Path | None = None,
    *,
    search: str | None = None,
    screenshot: Path | None = None,
    exit_when_ready: bool = False,
) -> int:
    log_file = _setup_logging()
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QMessageBox

    from .core.errors import CellsightError
    from .core.library import Library
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

    folder = library or default_library_dir()
    try:
        lib = Library(folder)
    except CellsightError as exc:
        QMessageBox.critical(None, APP_NAME, f"Cellsight cannot open its library.\n\n{exc}")
        return 1
    first_run = lib.ensure_default_sources()
    messages = MessageBus(app)
    tasks = TaskRunner(app)
    window = MainWindow(lib, tasks=tasks, messages=messages, settings=settings)
    window.restore_state()
    if search is not None:
        window.search_bar.set_text(search)
        window.search.set_query(search)
    if first_run:
        window.show_welcome()
    if lib.index.needs_rebuild:
        messages.warning(f"Rebuilding the search index: {lib.index.rebuild_reason}. "
                         "Your notes and catalogue changes are safe.")
        window.indexing.rebuild()
    window.indexing.update([])  # catch up with files changed while the app was closed
    window.show()
    QTimer.singleShot(0, lambda: log.info(
        "window painted after %.0f ms", (time.perf_counter() - T0) * 1000))

    def on_ready() -> None:
        ms = (time.perf_counter() - T0) * 1000
        log.info("cellsight ready: %d documents, window painted after %.0f ms", lib.count(), ms)
        print(f"cellsight ready: {lib.count()} documents in {ms:.0f} ms", file=sys.stderr,
              flush=True)
        if screenshot is not None:
            QTimer.singleShot(300, lambda: _shoot(window, screenshot, exit_when_ready, app))
        elif exit_when_ready:
            QTimer.singleShot(0, window.close)

    window.ready.connect(on_ready)
    if log_file:
        log.info("log file: %s", log_file)
    code = app.exec()
    tasks.shutdown()
    lib.close()
    return int(code)


def _shoot(window, path: Path, quit_after: bool, app) -> None:  # type: ignore[no-untyped-def]
    # Wait until indexing has settled so the screenshot shows the real library.
    if window.indexing.busy or window.tasks.active():
        from PySide6.QtCore import QTimer

        QTimer.singleShot(200, lambda: _shoot(window, path, quit_after, app))
        return
    window.grab().save(str(path))
    print(f"cellsight screenshot: {path}", file=sys.stderr, flush=True)
    if quit_after:
        window.close()

