"""Files written whole or not at all, with the permissions the user's umask gives.

An export goes to a temporary file beside its target and is renamed over it once
complete, so a failure never leaves half a file. ``mkstemp`` makes that file 0600,
and the rename kept it: exported CSV files came out readable by their owner only
while PNG exports (written directly) were 0644 (issue 17).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


def umask_mode(base: int = 0o666) -> int:
    """``base`` as the process's umask leaves it (reading the umask means setting it)."""
    mask = os.umask(0)
    os.umask(mask)
    return base & ~mask


@contextmanager
def atomic_write(path: Path | str, *, encoding: str = "utf-8",
                 newline: str | None = None) -> Iterator[IO[str]]:  # fmt: skip
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".export-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline=newline) as fh:
            yield fh
            os.fchmod(fh.fileno(), umask_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
