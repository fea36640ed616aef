"""Price series: merging snapshots, computed vs stated figures, CSV import/export."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cellsight.core.errors import PriceImportError
from cellsight.core.model import PricePoint, SeriesSnapshot, StatedFigures
from cellsight.core.prices import (
    PriceSeries,
    compute_stats,
    export_csv,
    import_csv,
    library_newest,
    merge_snapshots,
    period_from_frequency,
    rebase,
    series_id,
    series_period,
    sparkline,
    value_at,
)

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "003_f22a0f1a84bb31d8.txt"
DATA = ROOT / "tests" / "data" / "prices"
D = dt.date


def snap(
    sid: str,
    points: dict[dt.date, float],
    *,
    published: dt.date | None = None,
    label: str | None = None,
    stated: StatedFigures | None = None,
    frequency: str | None = None,
    url: str | None = None,
) -> SeriesSnapshot:
    return SeriesSnapshot(
        id=sid,
        label=label or sid.title(),
        frequency=frequency,
        published=published,
        url=url,
        points=tuple(PricePoint(d, v) for d, v in sorted(points.items())),
        stated=stated or StatedFigures(),
    )


def series_of(points: dict[dt.date, float], **kw: object) -> PriceSeries:
    return merge_snapshots([("doc", snap("x", points, **kw))])["x"]  # type: ignore[arg-type]


# --- the real seed ---------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_series() -> dict[str, PriceSeries]:
    # read_path loads every built-in reader, so all three must exist.
    missing = [
        name
        for name in ("payload", "html", "text")
        if importlib.util.find_spec(f"cellsight.core.ingest.{name}") is None
    ]
    if missing:
        pytest.skip(f"reader modules not written yet: cellsight.core.ingest.{', '.join(missing)}")
    from cellsight.core.ingest.registry import read_path

    docs = read_path(SEED)
    return merge_snapshots(("seed-003", s) for s in docs[0].series)


EXPECTED_IDS = {
    "lithium", "lithium-carbonate", "lithium-hydroxide", "cobalt", "nickel",
    "natural-graphite", "anode-coke", "anode", "cathode", "lithium-ion-batteries",
    "black-mass", "rare-earths", "lfp", "ncm-high-nickel", "ncm-mid-nickel",
}  # fmt: skip


def test_seed_has_fifteen_series(seed_series: dict[str, PriceSeries]) -> None:
    assert set(seed_series) == EXPECTED_IDS
    assert all(s.sources == ("seed-003",) for s in seed_series.values())


def test_seed_lithium_figures(seed_series: dict[str, PriceSeries]) -> None:
    lithium = seed_series["lithium"]
    newest = library_newest(seed_series.values())
    assert newest == D(2026, 5, 27)
    stats = compute_stats(lithium, library_newest=newest)
    assert len(lithium.points) == 12
    assert stats.latest == PricePoint(D(2026, 5, 27), 411.01, "seed-003")
    assert stats.previous is not None and stats.previous.value == 408.51
    assert stats.change_pct == pytest.approx(0.61, abs=0.005)
    assert lithium.stated.change_pct == 0.61
    # YTD against the first fortnightly point of 2026, as the provider does.
    assert stats.ytd_base is not None and stats.ytd_base.date == D(2026, 1, 7)
    assert stats.ytd_pct == pytest.approx(75.85, abs=0.005)
    assert stats.yoy_pct is None  # the trend covers less than a year
    assert stats.period_days == 14
    assert not stats.stale
    assert stats.mismatches == ()


def test_seed_stated_figures_all_agree(seed_series: dict[str, PriceSeries]) -> None:
    newest = library_newest(seed_series.values())
    for s in seed_series.values():
        assert compute_stats(s, library_newest=newest).mismatches == (), s.id


def test_seed_staleness(seed_series: dict[str, PriceSeries]) -> None:
    newest = library_newest(seed_series.values())
    batteries = seed_series["lithium-ion-batteries"]
    assert batteries.last_date == D(2025, 3, 31)
    assert compute_stats(batteries, library_newest=newest).stale
    stale = {s.id for s in seed_series.values() if compute_stats(s, library_newest=newest).stale}
    assert "lithium" not in stale
    assert "natural-graphite" not in stale  # monthly, 27 days old
    assert "cobalt" in stale  # weekly, four weeks old


# --- stats on hand-made series ----------------------------------------------------


def test_mismatch_is_reported_readably() -> None:
    s = series_of(
        {D(2026, 5, 13): 408.51, D(2026, 5, 27): 411.05},
        stated=StatedFigures(latest=411.01, previous=408.51, change_pct=0.61),
    )
    stats = compute_stats(s, library_newest=None)
    assert stats.mismatches == ("latest: stated 411.01, computed 411.05",)
    s2 = series_of(
        {D(2026, 5, 13): 408.51, D(2026, 5, 27): 411.50},
        stated=StatedFigures(change_pct=0.61),
    )
    assert compute_stats(s2, library_newest=None).mismatches == (
        "change %: stated 0.61, computed 0.73",
    )


def test_percentages_within_tolerance_are_not_flagged() -> None:
    # 2.38 computed vs 2.37 stated: the provider rounds from unrounded inputs.
    s = series_of(
        {D(2024, 12, 31): 97.13, D(2025, 9, 30): 99.44},
        frequency="monthly",
        stated=StatedFigures(ytd_pct=2.37),
    )
    stats = compute_stats(s, library_newest=None)
    assert stats.ytd_pct == pytest.approx(2.378, abs=0.001)
    assert stats.mismatches == ()


def test_ytd_monthly_uses_last_point_of_previous_year() -> None:
    s = series_of(
        {D(2024, 11, 29): 98.0, D(2024, 12, 31): 100.0, D(2025, 1, 31): 90.0, D(2025, 3, 31): 110},
        frequency="1mo",
    )
    stats = compute_stats(s, library_newest=None)
    assert stats.ytd_base == PricePoint(D(2024, 12, 31), 100.0, "doc")
    assert stats.ytd_pct == pytest.approx(10.0)


def test_ytd_fortnightly_uses_first_point_of_the_year() -> None:
    # The provider's convention for sub-monthly series (see the stats module notes).
    pts = {D(2025, 12, 17): 103.44, D(2025, 12, 31): 104.29, D(2026, 1, 14): 120.74}
    pts[D(2026, 5, 20)] = 135.83
    stats = compute_stats(series_of(pts, frequency="2wk"), library_newest=None)
    assert stats.ytd_base is not None and stats.ytd_base.date == D(2026, 1, 14)
    assert stats.ytd_pct == pytest.approx(12.5, abs=0.005)


def test_ytd_not_computed_when_points_do_not_reach_the_year_start() -> None:
    s = series_of(
        {D(2026, 1, 21): 241.15, D(2026, 1, 28): 241.15, D(2026, 4, 29): 244.61},
        frequency="1wk",
        stated=StatedFigures(ytd_pct=3.99),
    )
    stats = compute_stats(s, library_newest=None)
    assert stats.ytd_pct is None and stats.ytd_base is None
    assert stats.mismatches == ()  # only the stated figure is available


def test_yoy_uses_the_point_nearest_a_year_back_within_half_a_period() -> None:
    pts = {D(2024, 5, 2): 80.0, D(2024, 6, 1): 90.0, D(2025, 5, 1): 100.0}
    stats = compute_stats(series_of(pts, frequency="monthly"), library_newest=None)
    assert stats.yoy_base is not None and stats.yoy_base.date == D(2024, 5, 2)
    assert stats.yoy_pct == pytest.approx(25.0)
    far = {D(2024, 5, 20): 80.0, D(2025, 5, 1): 100.0}  # 19 days off > 15.2
    assert compute_stats(series_of(far, frequency="monthly"), library_newest=None).yoy_pct is None


def test_stale_rule_is_two_periods() -> None:
    s = series_of({D(2026, 1, 1): 1.0, D(2026, 1, 15): 2.0}, frequency="2wk")
    assert not compute_stats(s, library_newest=D(2026, 2, 12)).stale  # 28 days
    assert compute_stats(s, library_newest=D(2026, 2, 13)).stale  # 29 days
    assert not compute_stats(s, library_newest=None).stale


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("1wk", 7), ("2wk", 14), ("1d", 1), ("daily", 1), ("3d", 3), ("monthly", 30.4375),
        ("1mo", 30.4375), ("2mo", 60.875), ("quarterly", 91.3125), ("Updated every 2 weeks", 14),
        ("Updated every week", 7), ("fortnightly", 14), ("sometimes", None), ("", None),
        (None, None), ("0wk", None),
    ],
)  # fmt: skip
def test_period_from_frequency(text: str | None, days: float | None) -> None:
    assert period_from_frequency(text) == days


def test_period_falls_back_to_median_gap() -> None:
    s = series_of({D(2025, 1, 1): 1, D(2025, 1, 8): 1, D(2025, 1, 15): 1, D(2025, 3, 1): 1})
    assert series_period(s) == 7.0
    assert series_period(series_of({D(2025, 1, 1): 1})) is None


def test_value_at_rebase_sparkline() -> None:
    s = series_of({D(2025, 1, 1): 50.0, D(2025, 2, 1): 100.0, D(2025, 3, 1): 75.0})
    assert value_at(s, D(2024, 12, 31)) is None
    assert value_at(s, D(2025, 2, 1)) == PricePoint(D(2025, 2, 1), 100.0, "doc")
    assert value_at(s, D(2025, 2, 20)) == PricePoint(D(2025, 2, 1), 100.0, "doc")
    assert rebase(s.points) == [
        (D(2025, 1, 1), 100.0),
        (D(2025, 2, 1), 200.0),
        (D(2025, 3, 1), 150.0),
    ]
    assert rebase(s.points, D(2025, 2, 15)) == [(D(2025, 2, 1), 100.0), (D(2025, 3, 1), 75.0)]
    assert rebase(s.points, D(2020, 1, 1))[0] == (D(2025, 1, 1), 100.0)
    assert rebase(()) == []
    with pytest.raises(ValueError):
        rebase((PricePoint(D(2025, 1, 1), 0.0),))
    assert sparkline(s, n=2) == (100.0, 75.0)
    assert sparkline(s) == (50.0, 100.0, 75.0)
    assert sparkline(s, n=0) == ()


def test_empty_series_stats() -> None:
    stats = compute_stats(series_of({}, stated=StatedFigures(latest=1.0)), library_newest=D.today())
    assert stats.latest is None and stats.change_pct is None and not stats.stale
    assert stats.mismatches == ()


# --- merging ----------------------------------------------------------------------


def test_overlapping_snapshots_merge_into_a_union() -> None:
    old = snap("lithium", {D(2026, 4, 1): 346.55, D(2026, 4, 15): 354.35}, published=D(2026, 4, 15))
    new = snap(
        "lithium",
        {D(2026, 4, 15): 354.35, D(2026, 4, 29): 372.51},
        published=D(2026, 4, 29),
        stated=StatedFigures(latest=372.51),
        frequency="2wk",
    )
    merged = merge_snapshots([("B", new), ("A", old)])["lithium"]
    assert [(p.date, p.value, p.doc_id) for p in merged.points] == [
        (D(2026, 4, 1), 346.55, "A"),
        (D(2026, 4, 15), 354.35, "B"),
        (D(2026, 4, 29), 372.51, "B"),
    ]
    assert merged.sources == ("A", "B")
    assert merged.conflicts == ()
    assert merged.stated.latest == 372.51 and merged.frequency == "2wk"
    assert merged.published == D(2026, 4, 29)


def test_conflicting_value_newer_snapshot_wins_and_is_recorded() -> None:
    old = snap("nickel", {D(2026, 1, 14): 120.00}, published=D(2026, 1, 14), url="/nickel")
    new = snap("nickel", {D(2026, 1, 14): 120.74}, published=D(2026, 1, 28))
    for order in ([("old", old), ("new", new)], [("new", new), ("old", old)]):
        merged = merge_snapshots(order)["nickel"]
        assert merged.points == (PricePoint(D(2026, 1, 14), 120.74, "new"),)
        (conflict,) = merged.conflicts
        assert conflict.date == D(2026, 1, 14)
        assert conflict.kept.value == 120.74 and conflict.dropped == PricePoint(
            D(2026, 1, 14), 120.00, "old"
        )
        assert merged.url == "/nickel"  # the newer snapshot lacks one


def test_date_revised_twice_reports_both_losers_against_the_final_value() -> None:
    day = D(2026, 2, 18)
    pairs = [
        (f"d{i}", snap("cobalt", {day: v}, published=D(2026, 3, i + 1)))
        for i, v in enumerate((324.0, 325.0, 326.0))
    ]
    merged = merge_snapshots(reversed(pairs))["cobalt"]
    assert merged.points == (PricePoint(day, 326.0, "d2"),)
    assert [(c.kept.value, c.dropped.value) for c in merged.conflicts] == [
        (326.0, 324.0),
        (326.0, 325.0),
    ]
    assert merged.sources == ("d0", "d1", "d2")


def test_import_merges_like_a_document(tmp_path: Path) -> None:
    payload = snap("lithium", {D(2026, 4, 29): 372.51}, published=D(2026, 4, 29), label="Lithium")
    imported = import_csv(DATA / "lithium.csv")
    merged = merge_snapshots([("doc1", payload), *((None, s) for s in imported)])["lithium"]
    assert [p.doc_id for p in merged.points] == ["import:lithium.csv"] * 3
    assert merged.sources == ("doc1", "import:lithium.csv")


dates = st.dates(min_value=D(2020, 1, 1), max_value=D(2026, 12, 31))
values = st.floats(min_value=0.01, max_value=1e6, allow_nan=False)


@given(st.dictionaries(dates, values, max_size=30), st.lists(st.integers(0, 3), max_size=30))
def test_merge_is_order_independent_without_conflicts(
    points: dict[dt.date, float], owners: list[int]
) -> None:
    # Spread one consistent set of points over up to four snapshots (with overlap).
    parts: list[dict[dt.date, float]] = [{}, {}, {}, {}]
    for i, (day, value) in enumerate(sorted(points.items())):
        parts[owners[i] if i < len(owners) else 0][day] = value
        parts[(i * 7) % 4][day] = value
    pairs = [
        (f"d{i}", snap("s", part, published=D(2021 + i, 1, 1))) for i, part in enumerate(parts)
    ]
    forward = merge_snapshots(pairs)
    backward = merge_snapshots(list(reversed(pairs)))
    assert forward == backward
    if points:
        assert [(p.date, p.value) for p in forward["s"].points] == sorted(points.items())
        assert forward["s"].conflicts == ()


@given(st.lists(st.tuples(dates, values), min_size=1, max_size=30))
def test_rebase_starts_at_100(pairs: list[tuple[dt.date, float]]) -> None:
    pts = [PricePoint(d, v) for d, v in dict(pairs).items()]
    out = rebase(pts)
    assert out[0][1] == pytest.approx(100.0)
    assert [d for d, _ in out] == sorted(d for d, _ in dict(pairs).items())


# --- CSV --------------------------------------------------------------------------


def test_import_long_single_series_named_after_file() -> None:
    (s,) = import_csv(DATA / "lithium.csv")
    assert s.id == "lithium" and s.label == "lithium"
    assert [(p.date, p.value) for p in s.points] == [
        (D(2026, 4, 29), 372.51), (D(2026, 5, 13), 408.51), (D(2026, 5, 27), 411.01),
    ]  # fmt: skip
    assert s.published == D(2026, 5, 27)


def test_import_long_with_series_column_and_thousands() -> None:
    by_id = {s.id: s for s in import_csv(DATA / "long_multi.csv")}
    assert set(by_id) == {"lithium", "cobalt"}
    assert [p.value for p in by_id["cobalt"].points] == [1241.15, 1252.26]  # blank skipped
    assert len(by_id["lithium"].points) == 3


def test_import_wide_dayfirst_semicolon_bom_decimal_comma() -> None:
    by_id = {s.id: s for s in import_csv(DATA / "wide_dayfirst.csv")}
    assert set(by_id) == {"black-mass", "ncm-high-nickel", "natural-graphite"}
    assert by_id["black-mass"].label == "Black Mass"
    first = by_id["black-mass"].points[0]
    assert (first.date, first.value) == (D(2025, 12, 31), 47.05)
    assert [p.date for p in by_id["ncm-high-nickel"].points] == [D(2026, 1, 15), D(2026, 1, 29)]
    assert by_id["ncm-high-nickel"].points[1].value == 99.2


def test_import_cp1252_and_headerless() -> None:
    (cafe,) = import_csv(DATA / "cp1252.csv")
    assert cafe.label == "Café index" and cafe.id == "cafe-index"
    (nickel,) = import_csv(DATA / "headerless.csv")
    assert nickel.id == "headerless" and len(nickel.points) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("date,value\n2026-01-01,12\n2026-01-08,abc\n", "bad.csv:3: not a number: 'abc'"),
        ("date,value\n2026-13-01,12\n", "bad.csv:2: bad date"),
        ("date,value\nyesterday,12\n", "bad.csv:2: not a full date"),
        ("date,value\nMarch 2025,12\n", "bad.csv:2: not a full date"),
        ("date,value\n03/04/2025,1\n05/06/2025,2\n", "bad.csv:2: ambiguous date '03/04/2025'"),
        ("date,value\n13/04/2025,1\n05/14/2025,2\n", "bad.csv:3: dates mix day/month order"),
        ("date,value\n2025-01-01,1\n2025-01-01,2\n", "bad.csv:3: bad has two values"),
        ("date,A,a\n2025-01-01,1,2\n", "bad.csv:1: columns 'A' and 'a' name one series"),
        ("date,value\n", "bad.csv:1: no data rows"),
        ("", "bad.csv:1: no data"),
        ("date,value\n,5\n", "bad.csv:2: date is missing"),
        ("2025-01-01,1,2\n", "bad.csv:1: no header row"),
        (b"date,x\n2025-01-01,\x81\x8d\n", "bad.csv:0: not UTF-8 or Windows-1252"),
    ],
)
def test_bad_lines_are_reported_with_file_and_line(
    tmp_path: Path, content: str | bytes, message: str
) -> None:
    path = tmp_path / "bad.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(PriceImportError) as err:
        import_csv(path)
    assert str(err.value).startswith(message)


def test_dayfirst_and_monthfirst_are_decided_per_file(tmp_path: Path) -> None:
    us = tmp_path / "us.csv"
    us.write_text("date,value\n01/02/2025,1\n01/31/2025,2\n", encoding="utf-8")
    assert [p.date for p in import_csv(us)[0].points] == [D(2025, 1, 2), D(2025, 1, 31)]
    words = tmp_path / "words.csv"
    words.write_text("date,value\n3 Mar 2025,1\n2025-03-04T00:00:00,2\n", encoding="utf-8")
    assert [p.date for p in import_csv(words)[0].points] == [D(2025, 3, 3), D(2025, 3, 4)]


def test_missing_file_raises_import_error(tmp_path: Path) -> None:
    with pytest.raises(PriceImportError, match=r"nope\.csv:0: cannot read"):
        import_csv(tmp_path / "nope.csv")


def test_export_then_import_round_trips(tmp_path: Path) -> None:
    snaps = [
        snap("lithium", {D(2026, 1, 7): 233.73, D(2026, 1, 21): 298.32}, label="Lithium"),
        snap("ncm-high-nickel", {D(2026, 1, 7): 1234.5, D(2026, 2, 4): 0.1 + 0.2},
             label="NCM High-Nickel"),
        snap("cafe", {D(2025, 12, 31): 3.0}, label="Café, index"),
    ]  # fmt: skip
    merged = merge_snapshots((None, s) for s in snaps)
    out = tmp_path / "export.csv"
    export_csv(merged.values(), out)
    back = merge_snapshots((None, s) for s in import_csv(out))
    assert set(back) == {"lithium", "ncm-high-nickel", "cafe-index"}
    for sid in ("lithium", "ncm-high-nickel"):
        assert [(p.date, p.value) for p in back[sid].points] == [
            (p.date, p.value) for p in merged[sid].points
        ]
        assert back[sid].label == merged[sid].label
    assert back["cafe-index"].label == "Café, index"
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


def test_series_id_slug() -> None:
    assert series_id("Lithium ion Batteries") == "lithium-ion-batteries"
    assert series_id("NCM High-Nickel") == "ncm-high-nickel"
    assert series_id("  LFP ") == "lfp"
    assert series_id("Café") == series_id("Cafe") == "cafe"
