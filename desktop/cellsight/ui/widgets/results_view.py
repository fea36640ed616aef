"""The results list: title, date · source, snippet with marked terms, topic chips."""

from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from ...core.model import Hit
from ..models.results_model import (
    HitRole,
    NewRole,
    ResultsModel,
    SimilarRole,
    StarRole,
    member_label,
)
from ..theme import colours
from .saved_list import paint_badge

ROW_HEIGHT = 96
STAR = "★"
STAR_COLOUR = {False: "#e0a100", True: "#f5c542"}  # by dark theme: gold on either base


def snippet_html(hit: Hit, *, dark: bool) -> str:
    c = colours(dark)
    parts, last = [], 0
    for s, e in hit.snippet_spans:
        parts.append(html.escape(hit.snippet[last:s]))
        parts.append(f"<span style='background:{c['mark']};color:{c['mark_text']}'>"
                     f"{html.escape(hit.snippet[s:e])}</span>")
        last = e
    parts.append(html.escape(hit.snippet[last:]))
    if hit.page is not None:  # where in a long report the passage is
        parts.insert(0, f"<b>p. {hit.page}</b> · ")  # muted grey vanished on a selected row
    return "".join(parts)


def meta_text(hit: Hit) -> str:
    date = hit.date.isoformat() if hit.date else "undated"
    where = member_label(hit.path, hit.member)
    return " · ".join(x for x in (date, hit.source or "unknown source", hit.author, where) if x)


def new_mark(painter: QPainter, mid_left: QPoint, font: QFont, *, dark: bool) -> int:
    """The "new" pill of a hit, its left edge and vertical middle at ``mid_left``;
    returns the width it takes, with the gap after it."""
    fm = QFontMetrics(font)
    pill = QRect(mid_left.x(), mid_left.y() - fm.height() // 2,
                 fm.horizontalAdvance("new") + 12, fm.height())
    painter.save()
    painter.setFont(font)
    paint_badge(painter, pill, "new", dark=dark)
    painter.restore()
    return pill.width() + 6


class HitDelegate(QStyledItemDelegate):
    """Paints one hit in fixed lines: title, meta + topic chips, two lines of snippet.

    Fixed lines keep every row the same height (fast uniform layout) and cut text at
    line boundaries with an ellipsis instead of clipping glyphs.
    """

    PAD = 6
    SNIPPET_LINES = 2

    def _fonts(self, base: QFont) -> tuple[QFont, QFont]:
        title = QFont(base)
        title.setBold(True)
        title.setPointSizeF(base.pointSizeF() * 1.1)
        small = QFont(base)
        small.setPointSizeF(base.pointSizeF() * 0.92)
        return title, small

    def row_height(self, base: QFont) -> int:
        title, small = self._fonts(base)
        lines = QFontMetrics(title).lineSpacing() + QFontMetrics(small).lineSpacing() * (
            1 + self.SNIPPET_LINES)
        return lines + 3 * self.PAD

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        hit: Hit | None = index.data(HitRole)
        if hit is None:
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        dark = opt.palette.color(QPalette.ColorRole.Base).lightness() < 128
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        text_colour = opt.palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        c = colours(dark)
        title_font, small = self._fonts(opt.font)
        tm, sm = QFontMetrics(title_font), QFontMetrics(small)
        r = opt.rect.adjusted(self.PAD, self.PAD, -self.PAD, -self.PAD)
        painter.save()
        painter.setClipRect(opt.rect)
        y = r.top()
        left = r.left()
        if index.data(NewRole):  # arrived since the saved search on screen was last opened
            left += new_mark(painter, QPoint(left, y + tm.lineSpacing() // 2), small, dark=dark)
        painter.setFont(title_font)
        painter.setPen(text_colour)
        title_w = r.left() + r.width() - left
        if index.data(StarRole):  # starred by the user: a star at the end of the title line
            star_w = tm.horizontalAdvance(STAR) + self.PAD
            title_w -= star_w
            painter.setPen(QColor(STAR_COLOUR[dark]))
            painter.drawText(QRect(r.right() - star_w, y, star_w, tm.lineSpacing()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, STAR)
            painter.setPen(text_colour)
        painter.drawText(QRect(left, y, title_w, tm.lineSpacing()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         tm.elidedText(hit.title, Qt.TextElideMode.ElideRight, title_w))
        y += tm.lineSpacing() + self.PAD // 2
        painter.setFont(small)
        meta = meta_text(hit)
        similar = index.data(SimilarRole)
        pill = similar_rect(opt.rect, opt.font, similar) if similar else None
        chips_end = pill.left() - 4 if pill is not None else r.right()
        meta_w = min(sm.horizontalAdvance(meta) + 12, chips_end - r.left())
        painter.setPen(text_colour if selected else QColor(c["muted"]))
        painter.drawText(QRect(r.left(), y, meta_w, sm.lineSpacing()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         sm.elidedText(meta, Qt.TextElideMode.ElideRight, meta_w))
        x = r.left() + meta_w
        if pill is not None:  # a folded hit: its near-duplicates, one click away
            painter.save()
            paint_badge(painter, pill, similar_text(similar), dark=dark)
            painter.restore()
        for topic in hit.topics[:3]:
            w = sm.horizontalAdvance(topic) + 12
            if x + w > chips_end:
                break
            chip = QRect(x, y + 1, w, sm.lineSpacing() - 2)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(c["chip"]))
            painter.drawRoundedRect(chip, 6, 6)
            painter.setPen(QColor(c["chip_text"]))
            painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, topic)
            x += w + 4
        y += sm.lineSpacing() + self.PAD // 2
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(small)
        doc.setHtml(snippet_html(hit, dark=dark))
        doc.setTextWidth(r.width())
        painter.translate(r.left(), y)
        # Clip at whole lines so a third line is hidden, never cut through.
        painter.setClipRect(QRect(0, 0, r.width(), sm.lineSpacing() * self.SNIPPET_LINES),
                            Qt.ClipOperation.IntersectClip)
        ctx = QAbstractTextDocumentLayout.PaintContext()
        ctx.palette.setColor(QPalette.ColorRole.Text, text_colour)
        doc.documentLayout().draw(painter, ctx)
        painter.restore()
        painter.setPen(opt.palette.color(QPalette.ColorRole.Mid))
        painter.drawLine(opt.rect.bottomLeft(), opt.rect.bottomRight())

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(option.rect.width(), self.row_height(option.font))


def similar_text(n: int) -> str:
    return f"{n} similar"


def similar_rect(row: QRect, base: QFont, n: int) -> QRect:
    """Where a folded hit's "N similar" pill is: the right end of its meta line (the
    delegate paints it there, the view takes clicks on it)."""
    pad = HitDelegate.PAD
    title, small = HitDelegate()._fonts(base)
    fm = QFontMetrics(small)
    y = row.top() + pad + QFontMetrics(title).lineSpacing() + pad // 2
    w = fm.horizontalAdvance(similar_text(n)) + 12
    return QRect(row.right() - pad - w, y, w, fm.lineSpacing() - 1)


class ResultsView(QListView):
    opened = Signal(object)  # Hit — Enter, click or keyboard selection
    expand_cluster = Signal(object)  # Hit — its "N similar" was clicked
    near_end = Signal()  # scrolled close to the last loaded row: fetch the next page

    def __init__(self, model: ResultsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setItemDelegate(HitDelegate(self))
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setAccessibleName("Search results")
        self.setWordWrap(True)
        self.activated.connect(self._open)
        self.selectionModel().currentChanged.connect(lambda cur, _prev: self._open(cur))
        self.verticalScrollBar().valueChanged.connect(self._check_end)

    def _open(self, index: QModelIndex) -> None:
        hit = index.data(HitRole) if index.isValid() else None
        if hit is not None:
            self.opened.emit(hit)

    def _check_end(self, value: int) -> None:
        bar = self.verticalScrollBar()
        if bar.maximum() and value > bar.maximum() - 3 * ROW_HEIGHT:
            self.near_end.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        similar = index.data(SimilarRole) if index.isValid() else 0
        if similar:
            if similar_rect(self.visualRect(index), self.font(), similar).contains(
                    event.position().toPoint()):
                self.expand_cluster.emit(index.data(HitRole))
                return
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._open(self.currentIndex())
            return
        super().keyPressEvent(event)
