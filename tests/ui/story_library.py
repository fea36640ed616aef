"""A small library for the story views: the seeds plus dated and undated clippings."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from cellsight.core.library import Library

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
TOPICS = ("a 40 GWh gigafactory in Hungary", "sodium-ion cells for cars",
          "a lithium supply deal with Ganfeng", "battery recycling with Tesla")  # fmt: skip


def write_clippings(folder: Path, dated: int = 12, undated: int = 3) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    start = dt.date(2024, 1, 10)
    for i in range(dated):
        day = start + dt.timedelta(days=23 * i)
        (folder / f"catl{i:02d}.txt").write_text(
            f"Title: CATL update {i}\nDate: {day.isoformat()}\nSource: Battery Wire\n\n"
            f"CATL announced {TOPICS[i % 4]}. Contemporary Amperex said the plant will "
            f"cost $7.3 billion and start in {day.year + 2}. BYD and Tesla were asked.\n",
            encoding="utf-8")
    for i in range(undated):
        (folder / f"loose{i}.txt").write_text(
            f"Title: CATL note {i}\n\nCATL and BYD compared sodium-ion cells {i}.\n",
            encoding="utf-8")


def build(tmp: Path) -> Library:
    src = tmp / "src"
    shutil.copytree(SEEDS, src)
    write_clippings(src / "clips")
    lib = Library(tmp / "lib")
    lib.update([src])
    return lib
