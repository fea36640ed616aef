"""Price series: merging payload snapshots, computing figures, CSV import/export."""

from typing import Any

from .series import IMPORT_PREFIX, PointConflict, PriceSeries, merge_snapshots, series_id
from .stats import (
    SeriesStats,
    compare_stated,
    compute_stats,
    library_newest,
    period_from_frequency,
    rebase,
    series_period,
    sparkline,
    value_at,
)

__all__ = [
    "IMPORT_PREFIX",
    "PointConflict",
    "PriceSeries",
    "SeriesStats",
    "compare_stated",
    "compute_stats",
    "export_csv",
    "import_csv",
    "library_newest",
    "merge_snapshots",
    "period_from_frequency",
    "rebase",
    "series_id",
    "series_period",
    "sparkline",
    "value_at",
]


def __getattr__(name: str) -> Any:
    # CSV import/export (and the table parsers behind it) load on first use: the alerts
    # and the price view need only series and stats, and a CLI search neither (issue 17).
    if name in ("export_csv", "import_csv"):
        from . import csv_import

        return getattr(csv_import, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
