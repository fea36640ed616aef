"""The task lanes the window's background work is split across (see ``tasks.py``).

Each lane is a one-thread pool, so work in one lane runs in the order it was asked
for and never waits behind another lane. Searches and document loads have the
``search`` lane to themselves, so typing never waits behind prices, news markers,
the catalogue or the chart library, which share the ``background`` lane.
"""

from __future__ import annotations

SEARCH_LANE = "search"  # searches and opening documents: what the user waits for
BACKGROUND_LANE = "background"  # prices, markers, catalogue, chart library
WATCH_LANE = "watch"  # listing the source folders for file watches
