"""The window's menu bar: every command with its shortcut, in one place.

The menus only name commands; what they do lives in the window's panels and
controllers, so a command reachable from a menu and from a panel does the same.
The About box is here too, being reachable only from the Help menu.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from .. import APP_NAME, __version__

if TYPE_CHECKING:
    from .main_window import MainWindow

THEMES = (("system", "Follow system"), ("light", "Light"), ("dark", "Dark"))


def add_action(
    menu: QMenu,
    text: str,
    slot: Callable[[], object],
    shortcut: QKeySequence | QKeySequence.StandardKey | None = None,
    fallback: str | None = None,
) -> QAction:
    """``fallback``: the shortcut where the platform has none for a standard key."""
    act = menu.addAction(text)
    if shortcut is not None:
        seq = QKeySequence(shortcut)
        if seq.isEmpty() and fallback:
            seq = QKeySequence(fallback)
        act.setShortcut(seq)
    act.triggered.connect(lambda _c=False: slot())
    return act


def build_menus(window: MainWindow) -> QActionGroup:
    """Fill ``window``'s menu bar; returns the View → Theme choices to keep ticked."""
    bar, acts = window.menuBar(), window.library_actions
    file = bar.addMenu("&File")
    # The entries that write to the library: disabled when it is read-only.
    writing = acts.writing_actions
    writing["add_folder"] = add_action(file, "&Add folder…", acts.add_folder,
                                       QKeySequence("Ctrl+O"))
    writing["add_files"] = add_action(file, "Add &files…", acts.add_files,
                                      QKeySequence("Ctrl+Shift+O"))
    writing["import_prices"] = add_action(file, "&Import prices…", window.import_prices)
    add_action(file, "&Export results (CSV)…", window.export_results, QKeySequence("Ctrl+E"))
    files = window.workbench_files
    add_action(file, "Export &brief…", files.export_brief, QKeySequence("Ctrl+B"))
    file.addSeparator()
    add_action(file, "Export &library…", files.export_library)
    add_action(file, "I&mport library…", files.import_library)
    file.addSeparator()
    switch = window.library_switch
    add_action(file, "&Connect to team library…", switch.connect_team)
    add_action(file, "Use &local library", switch.use_local)
    file.addSeparator()
    writing["reindex"] = add_action(file, "&Re-index", lambda: window.index_paths([]),
                                    QKeySequence("F5"))
    add_action(file, "&Problems…", acts.show_problems)
    file.addSeparator()
    add_action(file, "&Quit", window.close, QKeySequence.StandardKey.Quit, "Ctrl+Q")

    edit = bar.addMenu("&Edit")
    add_action(edit, "&Search", window.search_bar.focus_search)
    add_action(edit, "&Find in article", window.reader.open_find, QKeySequence("Ctrl+F"))
    add_action(edit, "&Clear filters", window.search.clear_filters,
               QKeySequence("Ctrl+Shift+Backspace"))
    saved = window.saved_searches  # disables its entry itself on a read-only library
    saved.save_action = add_action(edit, "Sa&ve search…", saved.save_current,
                                   QKeySequence("Ctrl+S"))
    edit.addSeparator()
    edit.addAction(window.reader.save_quote_action)  # Ctrl+Shift+Q; also the reader's menu
    notes = window.annotations  # disables its entry itself on a read-only library
    notes.tag_all_action = add_action(edit, "&Tag all results…", notes.tag_all_results)

    view = bar.addMenu("&View")
    add_action(view, "&Facts table…", window.show_facts, QKeySequence("Ctrl+Shift+T"))
    toggle = window.price_dock.toggleViewAction()
    toggle.setText("&Price panel")
    toggle.setShortcut(QKeySequence("Ctrl+P"))
    view.addAction(toggle)
    add_action(view, "&What's new…", saved.show_whats_new, QKeySequence("Ctrl+Shift+N"))
    theme_menu = view.addMenu("&Theme")
    themes = QActionGroup(window)
    for key, label in THEMES:
        act = theme_menu.addAction(label)
        act.setCheckable(True)
        act.setData(key)
        themes.addAction(act)
        act.triggered.connect(lambda _c=False, k=key: window.set_theme(k))

    go = bar.addMenu("&Go")
    nav = window.entities
    for act in (nav.back_action, nav.forward_action, nav.open_action):
        go.addAction(act)

    prices = bar.addMenu("&Prices")
    add_action(prices, "&Alerts…", window.alerts.open_dialog)
    prices.addAction(toggle)

    help_menu = bar.addMenu("&Help")
    add_action(help_menu, "&Query syntax", window.search_bar.show_help, QKeySequence("F1"))
    add_action(help_menu, "&About Cellsight", lambda: show_about(window))
    return themes


def show_about(window: MainWindow) -> None:
    lib = window.library
    QMessageBox.about(
        window, f"About {APP_NAME}",
        f"<b>{APP_NAME} {__version__}</b><br>A research browser for the battery and "
        "electric-vehicle supply chain.<br><br>Library: "
        + (f"{getattr(lib, 'address', None) or lib.folder}<br>{lib.count()} documents."
           if lib is not None else "opening…"))
