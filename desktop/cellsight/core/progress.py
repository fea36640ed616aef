"""Progress reports and cancellation shared by every long operation."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    stage: str = ""
    current: str = ""
    eta_seconds: float | None = None


ProgressSink = Callable[[Progress], None]


class Cancelled(Exception):
    """Raised inside a long operation when its CancelToken was set."""


class CancelToken:
    """Thread-safe flag a UI sets and a worker polls between units of work."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def raise_if_set(self) -> None:
        if self._event.is_set():
            raise Cancelled()


def null_sink(_: Progress) -> None:
    """Default sink for callers that do not watch progress."""
