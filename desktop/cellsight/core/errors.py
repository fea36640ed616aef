"""Typed errors: the ones a user can act on. Bugs stay ordinary exceptions."""

from __future__ import annotations


class CellsightError(Exception):
    """Base class for problems caused by input or environment, not by a bug."""


class IngestError(CellsightError):
    """A source file could not be read; it is reported and skipped."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class PayloadError(CellsightError):
    """A devalue/Nuxt payload is malformed (bad index, truncated, too deep)."""


class QueryError(CellsightError):
    """A query could not be parsed; the message says how to fix it."""


class LibraryError(CellsightError):
    """The library folder cannot be used (read-only, disk full, corrupt)."""


class LibraryBusyError(LibraryError):
    """Another process is writing to the library."""


class LibraryReadOnlyError(LibraryError):
    """The library can only be read (a read-only medium, no permission to write), and
    this would have to write to it. The message says why it is read-only."""


class CatalogueError(CellsightError):
    """The entity catalogue or topic rules could not be loaded."""


class PriceImportError(CellsightError):
    """A price CSV could not be imported."""
