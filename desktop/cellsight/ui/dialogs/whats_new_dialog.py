"""View → What's new…: since a chosen day, the new documents per saved search, the price
series that moved and the alerts that fired, on one page.

The dialog is non-modal and only shows a ``WhatsNew`` the controller computed in the
background; choosing another day asks for another (``since_changed``). Clicking a
document opens it in the reader, clicking a saved search opens that search.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..models.saved_model import count_text
from ..theme import colours, is_dark

if TYPE_CHECKING:
    from ...core.workbench.service import SeriesMove, WhatsNew

TargetRole = Qt.ItemDataRole.UserRole + 1  # ("doc", id) | ("saved", name) | None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 and not word.endswith('s') else ''}"


def new_documents(wn: WhatsNew) -> int:
    """Distinct new documents: one matching two saved searches is one new document."""
    return len(frozenset().union(*(st.new_ids for st, _res in wn.saved)))


def move_text(m: SeriesMove) -> str:
    unit = f" {m.unit}" if m.unit else ""
    return f"{m.first:g} → {m.last:g}{unit}  ({m.change_pct:+.1f} %, {m.since} to {m.at})"


class WhatsNewDialog(QDialog):
    since_changed = Signal(object)  # dt.date the user chose
    document_requested = Signal(str)  # doc id
    saved_requested = Signal(str)  # saved search name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("What's new")
        self.resize(860, 600)
        self.whats_new: WhatsNew | None = None
        self.date_edit = QDateEdit(self)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setMaximumDate(QDate.currentDate())
        self.date_edit.setAccessibleName("Since")
        self.date_edit.dateChanged.connect(lambda d: self.since_changed.emit(d.toPython()))
        self.summary = QLabel("Loading…", self)
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["What", "Details"])
        self.tree.setAccessibleName("What's new")
        self.tree.setUniformRowHeights(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.header().setStretchLastSection(True)
        self.tree.itemClicked.connect(lambda item, _col: self._follow(item))
        self.tree.itemActivated.connect(lambda item, _col: self._follow(item))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(QLabel("Since:", self))
        top.addWidget(self.date_edit)
        top.addWidget(self.summary, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.tree, 1)
        lay.addWidget(buttons)

    def set_loading(self) -> None:
        self.summary.setText("Loading…")

    def show_whats_new(self, wn: WhatsNew, *, last_visit: bool = False) -> None:
        """Fill the page; ``last_visit``: ``wn.since`` is the default (the last visit)."""
        self.whats_new = wn
        local = wn.since.astimezone()
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(QDate(local.year, local.month, local.day))
        self.date_edit.blockSignals(False)
        new = new_documents(wn)
        when = local.strftime("%Y-%m-%d %H:%M") + (" (your last visit)" if last_visit else "")
        self.summary.setText(f"Since {when}: {_plural(new, 'new document')}, "
                             f"{_plural(len(wn.moves), 'series')} moved, "
                             f"{_plural(len(wn.alerts), 'alert')} triggered.")
        self.tree.clear()
        self._saved_section(wn)
        self._moves_section(wn)
        self._alerts_section(wn)
        self.tree.expandAll()
        self.tree.setFocus()  # not the date field, whose year would sit selected
        self.tree.resizeColumnToContents(0)
        self.tree.setColumnWidth(0, min(self.tree.columnWidth(0), self.width() * 3 // 5))

    # -- sections ------------------------------------------------------------------------
    def _section(self, title: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(self.tree, [title, ""])
        font = QFont(self.font())
        font.setBold(True)
        item.setFont(0, font)
        item.setFirstColumnSpanned(True)
        return item

    def _note(self, parent: QTreeWidgetItem, text: str) -> None:
        item = QTreeWidgetItem(parent, [text, ""])
        item.setForeground(0, QBrush(QColor(colours(is_dark())["muted"])))
        item.setFirstColumnSpanned(True)

    def _saved_section(self, wn: WhatsNew) -> None:
        head = self._section(f"New documents in saved searches ({new_documents(wn)})")
        if not wn.saved:
            self._note(head, "No saved searches yet: Edit → Save search… (Ctrl+S).")
        for st, res in wn.saved:
            row = QTreeWidgetItem(head, [st.saved.name,
                                         f"{st.new} new · {count_text(st.total, 0)} in all"])
            row.setData(0, TargetRole, ("saved", st.saved.name))
            row.setToolTip(0, "Open this saved search")
            if st.new:
                font = QFont(self.font())
                font.setBold(True)
                row.setFont(0, font)
            for hit in res.hits:
                date = hit.date.isoformat() if hit.date else "undated"
                where = f"{date} · {hit.source or 'unknown source'}"
                doc = QTreeWidgetItem(row, [hit.title, where])
                doc.setData(0, TargetRole, ("doc", hit.id))
                doc.setToolTip(0, f"Open “{hit.title}” in the reader")
            if st.new > len(res.hits):
                self._note(row, f"… and {st.new - len(res.hits)} more: open the saved search")

    def _moves_section(self, wn: WhatsNew) -> None:
        head = self._section(f"Price series that moved ({len(wn.moves)})")
        if not wn.moves:
            self._note(head, "No series has a new point since then.")
        c = colours(is_dark())
        for m in wn.moves:
            item = QTreeWidgetItem(head, [m.label, move_text(m)])
            if m.change_pct:
                item.setForeground(1, QBrush(QColor(c["up" if m.change_pct > 0 else "down"])))

    def _alerts_section(self, wn: WhatsNew) -> None:
        head = self._section(f"Triggered alerts ({len(wn.alerts)})")
        if not wn.alerts:
            self._note(head, "No alert is triggered.")
        for a in wn.alerts:
            item = QTreeWidgetItem(head, [a.rule.name, a.message or a.rule.describe()])
            item.setToolTip(1, f"{a.rule.series}: {a.rule.describe()}")

    def _follow(self, item: QTreeWidgetItem) -> None:
        target = item.data(0, TargetRole)
        if not target:
            return
        kind, value = target
        (self.document_requested if kind == "doc" else self.saved_requested).emit(value)

    def items(self) -> list[QTreeWidgetItem]:
        """Every row, depth first (for tests and accessibility checks)."""
        out: list[QTreeWidgetItem] = []
        stack = [self.tree.topLevelItem(i) for i in reversed(range(self.tree.topLevelItemCount()))]
        while stack:
            item = stack.pop()
            out.append(item)
            stack.extend(item.child(i) for i in reversed(range(item.childCount())))
        return out


def since_datetime(day: dt.date) -> dt.datetime:
    """The start of ``day`` on this computer's clock, as the aware time the core wants."""
    return dt.datetime.combine(day, dt.time.min).astimezone()
