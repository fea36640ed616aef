"""Back and forward between searches and entity pages, as a web browser does.

A place is what the window showed: a search (its request) with either the reader or an
entity's page beside the results. Opening a page, a document from a page, or changing
the search while a page is shown visits a new place (dropping what was forward of it);
changing the search while reading only updates the current place, so typing a query
is one step back, not one per keystroke.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.model import SearchRequest

MAX_PLACES = 100


@dataclass(frozen=True)
class Place:
    request: SearchRequest
    entity: str | None = None  # the entity whose page is shown; None: the reader
    label: str = ""  # for the buttons' tooltips: the entity's name or the query


class History:
    def __init__(self) -> None:
        self.places: list[Place] = []
        self.index = -1

    @property
    def current(self) -> Place | None:
        return self.places[self.index] if self.places else None

    def visit(self, place: Place) -> None:
        """Go to a new place; the forward ones are forgotten."""
        if place == self.current:
            return
        del self.places[self.index + 1:]
        self.places.append(place)
        if len(self.places) > MAX_PLACES:
            del self.places[0]
        self.index = len(self.places) - 1

    def replace(self, place: Place) -> None:
        """Update the current place (or make the first one)."""
        if not self.places:
            self.visit(place)
        else:
            self.places[self.index] = place

    def can_back(self) -> bool:
        return self.index > 0

    def can_forward(self) -> bool:
        return self.index < len(self.places) - 1

    def back(self) -> Place | None:
        if not self.can_back():
            return None
        self.index -= 1
        return self.places[self.index]

    def forward(self) -> Place | None:
        if not self.can_forward():
            return None
        self.index += 1
        return self.places[self.index]

    def peek(self, step: int) -> Place | None:
        """The place ``step`` away (-1 back, +1 forward), without going there."""
        i = self.index + step
        return self.places[i] if 0 <= i < len(self.places) else None
