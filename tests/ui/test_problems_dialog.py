"""The Problems dialog: every row shows its own file, reason and time (issue 17)."""

from __future__ import annotations

import datetime as dt

from cellsight.core.model import Failure
from cellsight.ui.widgets.problems_dialog import ProblemsDialog


def test_each_row_keeps_its_reason_and_time_when_sorted(qtbot) -> None:  # type: ignore[no-untyped-def]
    # Paths out of order: the table sorts them, and with sorting on while filling, the
    # reasons and times of most rows were set into other rows or lost.
    when = dt.datetime(2026, 12, 4, 9, 30)
    failures = [Failure(f"/data/{name}.pdf", f"reason for {name}", when + dt.timedelta(minutes=i))
                for i, name in enumerate(["zeta", "alpha", "mike", "bravo", "yankee"])]
    dialog = ProblemsDialog(failures)
    qtbot.addWidget(dialog)
    t = dialog.table
    rows = [(t.item(r, 0).text(), t.item(r, 1).text(), t.item(r, 2).text())
            for r in range(t.rowCount())]
    expected = {(f.path, f.reason, f.when.strftime("%Y-%m-%d %H:%M")) for f in failures}  # type: ignore[union-attr]
    assert set(rows) == expected
    assert t.item(0, 1).toolTip() == t.item(0, 1).text()
    assert dialog.width() >= 1100
