"""The "Saved searches" list at the top of the sidebar: name, total, a badge of new ones.

The widget only shows the model and says what the user asked for (open, rename,
delete, mark seen, save the current search); ``SavedController`` does it.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..models.saved_model import NewRole, SavedModel, TotalRole
from ..theme import colours

EMPTY_TEXT = ("No saved searches yet. Edit → Save search… (Ctrl+S) keeps the current "
              "query and filters here, with a count of what is new.")
# The badge: strong enough to be seen at a glance in either theme.
BADGE = {False: ("#1a57c7", "#ffffff"), True: ("#8ab4f8", "#10131a")}


def paint_badge(painter: QPainter, rect: QRect, text: str, *, dark: bool) -> None:
    """A rounded pill with ``text`` centred in it (the new-documents count, "new")."""
    bg, fg = BADGE[dark]
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(bg))
    painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
    painter.setPen(QColor(fg))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


class SavedDelegate(QStyledItemDelegate):
    PAD = 6

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:  # fmt: skip
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        name = opt.text
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        dark = opt.palette.color(QPalette.ColorRole.Base).lightness() < 128
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        text = opt.palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        new, total = int(index.data(NewRole) or 0), int(index.data(TotalRole) or 0)
        r = opt.rect.adjusted(self.PAD, 0, -self.PAD, 0)
        fm = QFontMetrics(opt.font)
        bold = QFont(opt.font)
        bold.setBold(True)
        bm = QFontMetrics(bold)
        painter.save()
        right = r.right()
        if new:
            label = str(new)
            w = max(bm.horizontalAdvance(label) + 12, bm.height())
            pill = QRect(right - w + 1, r.center().y() - bm.height() // 2, w, bm.height())
            painter.setFont(bold)
            paint_badge(painter, pill, label, dark=dark)
            right -= w + 6
        painter.setFont(opt.font)
        count = str(total)
        cw = fm.horizontalAdvance(count)
        painter.setPen(text if selected else QColor(colours(dark)["muted"]))
        painter.drawText(QRect(right - cw + 1, r.top(), cw, r.height()),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, count)
        right -= cw + 8
        painter.setFont(bold if new else opt.font)  # bold like an unread mailbox
        painter.setPen(text)
        nm = bm if new else fm
        painter.drawText(QRect(r.left(), r.top(), right - r.left(), r.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         nm.elidedText(name, Qt.TextElideMode.ElideRight, right - r.left()))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:  # fmt: skip
        return QSize(option.rect.width(), QFontMetrics(option.font).height() + 10)


class _View(QListView):
    enter_pressed = Signal(QModelIndex)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.enter_pressed.emit(self.currentIndex())
            return
        super().keyPressEvent(event)


class SavedList(QWidget):
    opened = Signal(str)  # name
    rename_requested = Signal(str, str)  # old name, new name
    delete_requested = Signal(str)
    mark_seen_requested = Signal(str)
    save_requested = Signal()  # save the current search

    def __init__(self, model: SavedModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._read_only = ""  # the reason, when the library cannot be written
        title = QLabel("Saved searches", self)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        # Elided rather than widening the sidebar's minimum beyond the facets'.
        title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.save_button = QToolButton(self)
        self.save_button.setText("+")
        self.save_button.setToolTip("Save the current search (Ctrl+S)")
        self.save_button.setAccessibleName("Save the current search")
        self.save_button.setAutoRaise(True)
        self.save_button.clicked.connect(self.save_requested)
        head = QHBoxLayout()
        head.setContentsMargins(6, 4, 2, 0)
        head.addWidget(title, 1)
        head.addWidget(self.save_button)

        self.view = _View(self)
        self.view.setModel(model)
        self.view.setItemDelegate(SavedDelegate(self.view))
        self.view.setUniformItemSizes(True)
        self.view.setAccessibleName("Saved searches")
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.view.clicked.connect(self._open)
        self.view.enter_pressed.connect(self._open)
        self.empty_label = QLabel(EMPTY_TEXT, self)
        self.empty_label.setWordWrap(True)
        self.empty_label.setContentsMargins(6, 2, 6, 6)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(head)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.empty_label)
        lay.addStretch(0)
        for sig in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            sig.connect(self._show_empty)
        self._show_empty()

    def set_read_only(self, reason: str) -> None:
        """Opening still works; saving, renaming, deleting and marking seen do not."""
        self._read_only = reason
        self.save_button.setEnabled(not reason)
        self.save_button.setToolTip(reason or "Save the current search (Ctrl+S)")

    def select(self, name: str | None) -> None:
        """Show ``name`` as the search on screen (None: none of them is)."""
        row = self.model.row_of(name) if name else -1
        if row < 0:
            self.view.clearSelection()
            self.view.setCurrentIndex(QModelIndex())
        else:
            self.view.setCurrentIndex(self.model.index(row))

    def _show_empty(self) -> None:
        empty = self.model.rowCount() == 0
        self.view.setVisible(not empty)
        self.empty_label.setVisible(empty)

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.opened.emit(str(index.data()))

    def _menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        name = str(index.data())
        menu = QMenu(self)
        menu.addAction("Open", lambda: self.opened.emit(name))
        writes = [menu.addAction("Rename…", lambda: self._rename(name)),
                  menu.addAction("Mark seen", lambda: self.mark_seen_requested.emit(name))]
        menu.addSeparator()
        writes.append(menu.addAction("Delete…", lambda: self._delete(name)))
        for act in writes:
            act.setEnabled(not self._read_only)
            act.setToolTip(self._read_only)
        if not index.data(NewRole):
            writes[1].setEnabled(False)
        menu.exec(self.view.viewport().mapToGlobal(pos))

    def _rename(self, name: str) -> None:
        new, ok = QInputDialog.getText(self, "Rename saved search", "New name:",
                                       QLineEdit.EchoMode.Normal, name)  # fmt: skip
        new = " ".join(new.split())
        if ok and new and new != name:
            self.rename_requested.emit(name, new)

    def _delete(self, name: str) -> None:
        answer = QMessageBox.question(
            self, "Delete saved search",
            f"Delete the saved search “{name}”? The documents stay in the library.")
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_requested.emit(name)


def install_above(splitter: QSplitter, facets: QWidget, saved: QWidget) -> QSplitter:
    """Put ``saved`` above ``facets``: the sidebar becomes a vertical splitter in the
    facets' place (the same index, so the window's saved splitter sizes still apply)."""
    sidebar = QSplitter(Qt.Orientation.Vertical)
    sidebar.setObjectName("sidebar")
    sidebar.setChildrenCollapsible(False)
    splitter.replaceWidget(splitter.indexOf(facets), sidebar)
    sidebar.addWidget(saved)
    sidebar.addWidget(facets)
    facets.setVisible(True)  # replaceWidget hid it
    sidebar.setStretchFactor(1, 1)
    sidebar.setSizes([150, 650])
    return sidebar
