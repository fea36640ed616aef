"""Figures as range facets in the window: "Capacity (GWh)" buckets follow the query, and a
ticked bucket filters like any facet value (issue 16)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from windows import new_window, settings_in

from cellsight.core.library import Library
from cellsight.core.model import SearchRequest
from cellsight.ui.models.facets_model import FacetRole

PLANTS = {
    "big.txt": "CATL plans Debrecen plant\n\nCATL said the Debrecen plant will reach 100 GWh "
               "of annual capacity by 2028.",
    "mid.txt": "Gotion in Morocco\n\nGotion's Kenitra factory will start at 20 GWh and reach "
               "40 GWh later.",
    "small.txt": "Startup pilot line\n\nThe pilot line in Oslo has 0.5 GWh of capacity.",
}  # fmt: skip


def plants_library(tmp_path: Path) -> Library:
    src = tmp_path / "src"
    src.mkdir()
    for name, text in PLANTS.items():
        (src / name).write_text(text, encoding="utf-8")
    lib = Library(tmp_path / "lib")
    lib.update([src])
    return lib


def test_capacity_buckets_show_and_filter(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lib = plants_library(tmp_path)
    window = new_window(qtbot, lib, settings_in(tmp_path))
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000):
        window.search.set_query("plant OR factory OR line")
    model = window.facets.model
    groups = {model.index(r, 0).data(): model.index(r, 0) for r in range(model.rowCount())}
    assert "Capacity (GWh)" in groups
    group = groups["Capacity (GWh)"]
    values = [model.index(r, 0, group).data() for r in range(model.rowCount(group))]
    assert values == ["<1 GWh  (1)", "20–50 GWh  (1)", "≥50 GWh  (1)"]
    big = model.index(2, 0, group)
    assert big.data(FacetRole) == ("capacity", "≥50 GWh")
    with qtbot.waitSignal(window.search.results_ready, timeout=120_000) as blocker:
        model.setData(big, Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert [h.title for h in blocker.args[0].hits] == ["CATL plans Debrecen plant"]
    qtbot.waitUntil(lambda: not window.tasks.active(), timeout=120_000)
    lib.close()


def test_facts_table_lists_sorts_and_opens(qtbot, qtmodeltester, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from cellsight.ui.dialogs.facts_dialog import FactsDialog

    lib = plants_library(tmp_path)
    window = new_window(qtbot, lib, settings_in(tmp_path), show=False)
    dialog = FactsDialog(lib, window.tasks, SearchRequest(), window)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=120_000):
        dialog.unit.setCurrentIndex(dialog.unit.findData("GWh"))
        dialog.sort.setCurrentIndex(1)  # largest first
        dialog.reload()
    qtmodeltester.check(dialog.model)
    shown = [dialog.proxy.index(r, 0).data() for r in range(dialog.proxy.rowCount())]
    assert shown == ["100 GWh", "40 GWh", "20 GWh", "0.5 GWh"]
    dialog.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # the analyst re-sorts
    assert dialog.proxy.index(0, 0).data() == "0.5 GWh"
    with qtbot.waitSignal(dialog.loaded, timeout=120_000):
        dialog.low.setValue(30)
        dialog.reload()
    assert dialog.model.rowCount() == 2
    with qtbot.waitSignal(dialog.document_requested) as blocker:
        dialog.table.doubleClicked.emit(dialog.proxy.index(0, 4))
    assert blocker.args[0] in lib.store.all_ids()
    qtbot.waitUntil(lambda: not window.tasks.active(), timeout=120_000)
    lib.close()
