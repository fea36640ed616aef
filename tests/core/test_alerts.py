"""Price alert rules: levels, moves over points or since a date, staleness, and the news
a rule may require; each fires once per deciding point."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from cellsight.core.library import Library
from cellsight.core.model import PricePoint, SearchRequest
from cellsight.core.prices import PriceSeries
from cellsight.core.workbench.alerts import check_rule, evaluate, rule_from_json, rule_to_json
from cellsight.core.workbench.records import AlertRule

D = dt.date
SERIES = PriceSeries(id="li", label="Lithium carbonate", unit="CNY/t", points=tuple(
    PricePoint(D(2024, m, 1), v) for m, v in ((1, 100.0), (2, 96.0), (3, 90.0), (4, 99.0))))
TODAY = D(2024, 4, 20)


def state(**kw: object) -> tuple[bool, float | None, str]:
    rule = AlertRule(name="r", series="li", **kw)  # type: ignore[arg-type]
    check_rule(rule)
    s = evaluate(rule, SERIES, today=TODAY)
    return s.triggered, None if s.change_pct is None else round(s.change_pct, 1), s.message


def test_levels() -> None:
    assert state(kind="above", level=98.0)[0]
    assert not state(kind="above", level=99.0)[0]  # strictly above
    assert state(kind="below", level=100.0)[0]


def test_moves_over_points_since_a_date_and_in_a_direction() -> None:
    assert state(kind="change", pct=10.0) == (
        True, 10.0, "Lithium carbonate moved +10.0 % since 2024-03-01 (90 → 99)")
    assert state(kind="change", pct=10.0, points=3)[:2] == (False, -1.0)
    assert state(kind="change", pct=5.0, direction="down")[0] is False
    assert state(kind="change", pct=-5.0)[0] is False  # a negative pct asks for a fall
    assert state(kind="change", pct=-5.0, since=D(2024, 2, 15))[:2] == (False, 3.1)
    assert state(kind="change", pct=5.0, since=D(2024, 3, 1))[0]


def test_stale() -> None:
    assert state(kind="stale", days=14)[0]
    assert not state(kind="stale", days=30)[0]


def test_missing_series_and_invalid_rules() -> None:
    s = evaluate(AlertRule("r", "gone", "above", level=1), None, today=TODAY)
    assert s.missing and not s.triggered and "not in the library" in s.message
    for bad in (dict(kind="above"), dict(kind="change", pct=0), dict(kind="stale"),
                dict(kind="sideways")):  # fmt: skip
        with pytest.raises(ValueError):
            check_rule(AlertRule(name="r", series="li", **bad))  # type: ignore[arg-type]


def test_rule_json_round_trip() -> None:
    rule = AlertRule("r", "li", "change", pct=-8.5, points=2, since=D(2024, 1, 1),
                     direction="down", saved="CATL")  # fmt: skip
    assert rule_from_json(rule_to_json(rule)) == rule


def test_news_is_required_inside_the_window() -> None:
    rule = AlertRule("r", "li", "change", pct=5.0, saved="s")
    seen: list[tuple[str, D, D]] = []

    def news(name: str, first: D, last: D) -> tuple[str, ...]:
        seen.append((name, first, last))
        return ("d1",) if last == D(2024, 4, 1) else ()

    s = evaluate(rule, SERIES, today=TODAY, news=news)
    assert s.triggered and s.documents == ("d1",) and seen == [("s", D(2024, 3, 1), D(2024, 4, 1))]
    assert not evaluate(rule, SERIES, today=TODAY, news=lambda *_: ()).triggered


def test_library_alert_with_news_fires_once_per_point(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(next(Path(__file__).resolve().parents[2].glob("seeds/*")), src / "seed.txt")
    today = dt.date.today()
    day = today - dt.timedelta(days=3)
    (src / "news.txt").write_text(
        f"Lithium rally\nPublished: {day.isoformat()}\n\nLithium carbonate prices jumped on "
        "restocking by cathode makers in Jiangxi.", encoding="utf-8")
    with Library(tmp_path / "lib") as lib:
        lib.update([src])
        wb = lib.workbench
        wb.save_search("lithium news", SearchRequest(query="lithium rally"))
        csv = tmp_path / "p.csv"
        csv.write_text(f"date,Test lithium\n{today - dt.timedelta(days=7)},100\n{today},112\n")
        lib.import_prices(csv)
        wb.add_alert(AlertRule("jump", "test-lithium", "change", pct=10.0, points=2,
                               saved="lithium news"))  # fmt: skip
        (first,) = wb.check_alerts()
        assert first.triggered and len(first.documents) == 1
        assert "with 1 document in “lithium news”" in first.message
        assert wb.check_alerts() == []  # the same point does not fire twice
        csv.write_text(f"date,Test lithium\n{today - dt.timedelta(days=7)},100\n"
                       f"{today},112\n{today + dt.timedelta(days=1)},125\n")
        lib.import_prices(csv)  # a new point: evaluated on import, queued for the window
        arrived = wb.take_arrived()
        assert [a.rule.name for x in arrived for a in x.alerts] == ["jump"]
