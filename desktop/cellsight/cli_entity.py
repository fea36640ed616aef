"""The `entity` and `facts` commands (being written)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

Handler = Callable[[argparse.Namespace, argparse.ArgumentParser], int]


def add_parsers(sub: Any) -> dict[str, Handler]:
    return {}
