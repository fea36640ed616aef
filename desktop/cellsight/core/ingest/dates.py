"""Reading a date stated in a file or its metadata ("2024-03-05", "5 March 2024" …)."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from dateutil import parser as dateparser

_MONTH_NAMES = (
    "January February March April May June July August September October November December"
)
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES.split(), 1)}
_MONTH = "|".join(_MONTHS)
# The two spellings most files state, read directly: dateutil costs a quarter of a
# millisecond a call and reads them the same way. A year must not start with 0, as
# dateutil takes "0099" for 1999; anything else still goes to dateutil.
_DAY_MONTH_YEAR = re.compile(rf"(\d{{1,2}}) ({_MONTH}) ([1-9]\d{{3}})")
_MONTH_DAY_YEAR = re.compile(rf"({_MONTH}) (\d{{1,2}}), ([1-9]\d{{3}})")


def parse_date(value: str | None) -> dt.date | None:
    """A stated date in any common spelling; None when absent or unreadable."""
    if not value or not value.strip():
        return None
    return _parse_date(value.strip())


@lru_cache(maxsize=4096)
def _parse_date(value: str) -> dt.date | None:
    # Cached: in a bulk build the same dates recur across thousands of files.
    m = re.search(r"(\d{4})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})", value)
    try:
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _DAY_MONTH_YEAR.fullmatch(value)
        if m:
            return dt.date(int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)))
        m = _MONTH_DAY_YEAR.fullmatch(value)
        if m:
            return dt.date(int(m.group(3)), _MONTHS[m.group(1)], int(m.group(2)))
        return dateparser.parse(value, fuzzy=False).date()
    except (ValueError, OverflowError):
        return None
