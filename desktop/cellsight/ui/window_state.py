"""What the window keeps between runs: layout, recent queries, theme, the last search,
and which price series were charted and whether rebased.

Stored in the window's QSettings. The search request is stored as JSON so that a
value written by another version, or edited by hand, can be read or dropped
without failing: an unreadable request just starts with an empty search.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings

from ..core.model import SearchRequest

if TYPE_CHECKING:
    from .main_window import MainWindow
    from .prices_controller import PricesController

CHART_SERIES = "prices/charted"  # JSON list of series ids
CHART_REBASED = "prices/rebased"


def request_to_json(request: SearchRequest) -> str:
    """The parts of ``request`` worth keeping; paging and typing state are not."""
    return json.dumps({"query": request.query, "sort": request.sort,
                       "filters": request.filters, "excludes": request.excludes})


def request_from_json(raw: object) -> SearchRequest:
    """The request stored by :func:`request_to_json`; an empty one if unreadable."""
    if not raw:
        return SearchRequest()
    try:
        d = json.loads(str(raw))
        return SearchRequest(
            query=d.get("query", ""), sort=d.get("sort", "relevance"),
            filters=tuple(tuple(x) for x in d.get("filters", [])),  # type: ignore[misc]
            excludes=tuple(tuple(x) for x in d.get("excludes", [])),  # type: ignore[misc]
        )
    except (ValueError, TypeError):
        return SearchRequest()


def restore_state(settings: QSettings, window: MainWindow) -> None:
    """Apply what :func:`save_state` stored; call before the window is shown."""
    s = settings
    geo = s.value("geometry")
    if geo is not None:
        window.restoreGeometry(geo)
    state = s.value("windowState")
    if state is not None:
        window.dock_sized = window.restoreState(state)
    splitter = s.value("splitter")
    if splitter is not None:
        window.splitter.restoreState(splitter)
    recent = s.value("recent")
    if recent:
        window.search_bar.set_recent(json.loads(str(recent)))
    # The theme itself was applied by the app before the window was built (no
    # flash of the wrong colours); here only the menu is brought in line with it.
    window.check_theme(str(s.value("theme", "system")))
    req = request_from_json(s.value("request"))
    window.search_bar.set_text(req.query)
    window.search_bar.set_sort(req.sort)
    window.search.restore(req)
    restore_chart(s, window.price_data)


def save_state(settings: QSettings, window: MainWindow) -> None:
    s = settings
    s.setValue("geometry", window.saveGeometry())
    s.setValue("windowState", window.saveState())
    s.setValue("splitter", window.splitter.saveState())
    s.setValue("recent", json.dumps(window.search_bar.recent()))
    s.setValue("request", request_to_json(window.search.request))
    save_chart(s, window.price_data)
    s.sync()


def restore_chart(settings: QSettings, prices: PricesController) -> None:
    """The chart of the last session; nothing happens when none was stored or it is unreadable."""
    raw = settings.value(CHART_SERIES)
    if raw is None:
        return
    try:
        ids = [str(x) for x in json.loads(str(raw))]
    except (ValueError, TypeError):
        return
    prices.restore_chart(ids, _flag(settings.value(CHART_REBASED, False)))


def save_chart(settings: QSettings, prices: PricesController) -> None:
    state = prices.chart_state()
    if state is None:
        return  # the panel was never built and nothing was stored: keep it so
    ids, rebased = state
    settings.setValue(CHART_SERIES, json.dumps(ids))
    settings.setValue(CHART_REBASED, rebased)


def _flag(value: object) -> bool:
    # INI and native backends hand booleans back as the strings "true"/"false".
    return value is True or str(value).lower() in ("true", "1")
