"""Who writes to a team library: a stable writer id per cache folder, and the member's name.

The writer id marks what this machine copied to the team index, so a sync deletes only
its own documents that are gone from its folders, never another member's (two machines
indexing different folders into one team library). It is a random id kept in the cache
folder, not the host name: two caches on one host (two team indices, or a rebuilt cache)
are two writers, and nothing about the machine is published.

The member's name attributes each change (documents, user data, prices): the URL's user
when there is one (the server authenticated it), else the local login at the host name —
a name for people to read, not a credential.
"""

from __future__ import annotations

import getpass
import os
import socket
import uuid
from pathlib import Path

from ..atomic_file import atomic_write
from .url import TeamURL

WRITER_FILE = "writer-id"


def writer_id(cache_folder: Path) -> str:
    """This cache's writer id, made on first use and kept beside the cache library."""
    path = Path(cache_folder) / WRITER_FILE
    try:
        got = path.read_text(encoding="ascii").strip()
        if len(got) == 32 and all(c in "0123456789abcdef" for c in got):
            return got
    except (OSError, UnicodeDecodeError):
        pass
    made = uuid.uuid4().hex
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path, encoding="ascii") as fh:
        fh.write(made + "\n")
    return made


def member_name(url: TeamURL) -> str:
    if url.user:
        return url.user
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container's arbitrary uid)
        login = os.environ.get("USER") or f"uid{os.getuid()}"
    return f"{login}@{socket.gethostname()}"
