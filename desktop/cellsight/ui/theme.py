"""Light and dark themes: a Fusion palette plus the colours painted into documents.

"system" follows the desktop's colour scheme (Qt 6.5+ styleHints().colorScheme()).
Entity colours are chosen per theme so that text on them stays readable.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

ENTITY_LABELS = {
    "company": "Company",
    "person": "Person",
    "place": "Place",
    "organisation": "Organisation",
    "policy": "Policy",
    "material": "Material",
    "product": "Product",
    "quantity": "Quantity",
}

_LIGHT = {
    "muted": "#5f6368", "mark": "#ffe066", "mark_text": "#000000",
    "chip": "#e3ecfa", "chip_text": "#1a3d7c", "link": "#1a57c7",
    "company": "#cfe2ff", "person": "#ffd8b5", "place": "#c9f0d1", "organisation": "#e6d5fb",
    "policy": "#ffc9d2", "material": "#fff0b3", "product": "#c8f1f3", "quantity": "#e4e4e4",
    "entity_text": "#111111", "up": "#1b7f3b", "down": "#b3261e", "stale": "#a15c00",
}
_DARK = {
    "muted": "#a0a4ab", "mark": "#b8860b", "mark_text": "#ffffff",
    "chip": "#2b3a55", "chip_text": "#cfe0ff", "link": "#8ab4f8",
    "company": "#23436e", "person": "#6b4020", "place": "#1f5230", "organisation": "#4a2f70",
    "policy": "#6e2533", "material": "#5e5214", "product": "#1d5557", "quantity": "#444444",
    "entity_text": "#f2f2f2", "up": "#6fd08c", "down": "#f28b82", "stale": "#f0b35a",
}


def colours(dark: bool) -> dict[str, str]:
    return _DARK if dark else _LIGHT


def system_prefers_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def is_dark(app: QApplication | None = None) -> bool:
    app = app or QApplication.instance()  # type: ignore[assignment]
    if app is None:
        return False
    return bool(app.property("cellsightDark"))


def apply_theme(app: QApplication, mode: str = "system") -> bool:
    """Apply "light", "dark" or "system"; returns True when the result is dark."""
    dark = system_prefers_dark() if mode == "system" else mode == "dark"
    app.setStyle("Fusion")
    app.setPalette(_dark_palette() if dark else app.style().standardPalette())
    app.setProperty("cellsightDark", dark)
    c = colours(dark)
    app.setStyleSheet(
        f"QPushButton#filterChip, QPushButton#filterChipExcluded {{"
        f" border-radius: 9px; padding: 2px 8px; background: {c['chip']}; color: {c['chip_text']};"
        f" border: none; }}"
        f"QPushButton#filterChipExcluded {{ background: {c['policy']};"
        f" color: {c['entity_text']}; }}"
        f"QLabel#banner {{ padding: 6px; border-radius: 4px; }}"
        + (_DARK_INDICATORS if dark else "")
    )
    return dark


# Fusion outlines check boxes with a darker shade of the window colour, which
# disappears on a dark base; draw them explicitly (filled = checked).
_DARK_INDICATORS = (
    "QTreeView::indicator, QListView::indicator, QTableView::indicator {"
    " width: 11px; height: 11px; border: 1px solid #9aa0a8; border-radius: 2px;"
    " background: #1e1f22; }"
    "QTreeView::indicator:checked, QListView::indicator:checked,"
    " QTableView::indicator:checked { background: #5b8ee6; border-color: #cfe0ff; }"
)


def _dark_palette() -> QPalette:
    p = QPalette()
    base, window, text = QColor("#1e1f22"), QColor("#2b2d30"), QColor("#e6e6e6")
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor("#26282b"),
        QPalette.ColorRole.ToolTipBase: window,
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: window,
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor("#ff6b6b"),
        QPalette.ColorRole.Link: QColor("#8ab4f8"),
        QPalette.ColorRole.Highlight: QColor("#3d6bb3"),
        QPalette.ColorRole.HighlightedText: QColor("#ffffff"),
        QPalette.ColorRole.PlaceholderText: QColor("#8c8f94"),
        QPalette.ColorRole.Mid: QColor("#3c3f44"),
        # Fusion draws check boxes and frames from these; light-palette defaults vanish.
        QPalette.ColorRole.Light: QColor("#5a5e66"),
        QPalette.ColorRole.Midlight: QColor("#4a4d54"),
        QPalette.ColorRole.Dark: QColor("#8c9099"),
        QPalette.ColorRole.Shadow: QColor("#000000"),
    }
    for role, colour in roles.items():
        p.setColor(role, colour)
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#6d7075"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#6d7075"))
    return p
