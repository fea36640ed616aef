"""Price series: merging payload snapshots, computing figures, CSV import/export."""

from .csv_import import export_csv, import_csv
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
