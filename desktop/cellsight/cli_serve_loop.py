"""The search server's loop: one library kept open, reopened when anything changed.

See cli_serve.py for why it exists and how it is kept safe and correct.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import struct
import threading
from pathlib import Path
from typing import Any

from . import cli, cli_serve

log = logging.getLogger("cellsight.serve")


class _Open:
    """The library, read-only, with what tells whether it is still what is on disk."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lib: Any = None
        self._key: tuple[Any, ...] = ()

    def _state(self) -> tuple[Any, ...]:
        """What any commit changes: the index's tables of contents (a commit writes a new
        one; a reset recreates them, a new inode even where a generation number repeats)
        and, for both databases, the file, its write-ahead log and their headers (a
        commit appends to the log, a log restarted after a checkpoint has new salts in
        its header, a rollback-journal commit bumps the file's change counter)."""
        out: list[Any] = []
        with os.scandir(self.folder / "index") as entries:
            for e in entries:
                if e.name.endswith(".toc") or e.name == "cellsight-schema-version":
                    st = e.stat()
                    out.append((e.name, st.st_ino, st.st_size, st.st_mtime_ns))
        out.sort()
        for name in ("documents.sqlite", "user.sqlite"):
            for path, head in ((self.folder / name, (24, 4)),
                               (self.folder / f"{name}-wal", (0, 32))):  # fmt: skip
                try:
                    with open(path, "rb") as f:
                        st = os.fstat(f.fileno())
                        f.seek(head[0])
                        out.append((st.st_ino, st.st_size, st.st_mtime_ns, f.read(head[1])))
                except FileNotFoundError:
                    out.append(None)
        return tuple(out)

    def current(self) -> Any:
        """The open library, reopened first if anything changed on disk since."""
        key = self._state()
        if self.lib is not None and key == self._key:
            return self.lib
        self.close()
        for name in ("documents.sqlite", "user.sqlite"):
            wal = self.folder / f"{name}-wal"
            if wal.is_file() and wal.stat().st_size and not (self.folder / f"{name}-shm").exists():
                # A killed writer's log that a read-only open cannot read: the cold run
                # (which can write) recovers it.
                raise RuntimeError(f"{wal.name} is pending")
        from .core.library import Library

        self.lib = Library(self.folder, read_only=True)
        self._key = key  # taken before opening: a change while opening reopens next time
        return self.lib

    def close(self) -> None:
        if self.lib is not None:
            with contextlib.suppress(Exception):
                self.lib.close()
            self.lib = None


def _peer_is_us(conn: socket.socket) -> bool:
    if not hasattr(socket, "SO_PEERCRED"):
        return True  # the 0700 folder is the guard where the kernel cannot say
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return uid == os.getuid()


def serve(folder: Path, *, idle: float = cli_serve.IDLE_SECONDS,
          ready: threading.Event | None = None) -> None:  # fmt: skip
    """Answer requests for ``folder`` until idle, stopped, or the folder is gone.
    Returns at once if another server holds the folder's lock."""
    import fcntl

    from .cli_start import quick_numpy

    path = cli_serve.socket_path(folder, create=True)
    if path is None:
        _set(ready)
        return
    lock = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(lock)
        _set(ready)
        return  # another server is starting or running
    quick_numpy()
    # A handler before the first request: the commands' basicConfig then adds none, and
    # each request's log lines go only to that request's captured stderr (see answer).
    logging.getLogger().addHandler(logging.NullHandler())
    opened = _Open(folder)
    stamp = cli_serve.code_stamp()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    inode = -1
    try:
        path.unlink(missing_ok=True)  # left by a server that was killed; we hold the lock
        old = os.umask(0o177)
        try:
            sock.bind(str(path))
        finally:
            os.umask(old)
        os.chmod(path, 0o600)
        inode = os.stat(path).st_ino
        sock.listen(16)
        sock.settimeout(cli_serve._TICK)
        with contextlib.suppress(Exception):
            # Warm: the first request should not pay for the tables a search builds.
            for query in ("", "cellsight"):
                opened.current().search(query)
        _set(ready)
        parser = cli.build_parser()
        last = cli_serve.now()
        while True:
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                if cli_serve.now() - last > idle or not (folder / "user.sqlite").is_file():
                    return
                try:
                    if os.stat(path).st_ino != inode:
                        return  # our socket was removed or replaced
                except OSError:
                    return
                continue
            last = cli_serve.now()
            with conn:
                if not _handle(conn, opened, stamp, parser):
                    return
    finally:
        _set(ready)  # also when it failed to start: nobody waits for nothing
        opened.close()
        sock.close()
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == inode:
                path.unlink()
        os.close(lock)


def _set(event: threading.Event | None) -> None:
    if event is not None:
        event.set()


def _handle(conn: socket.socket, opened: _Open, stamp: str, parser: Any) -> bool:
    """Answer one connection; False when the server should exit."""
    conn.settimeout(5.0)  # a client that connects and sends nothing must not wedge us
    try:
        if not _peer_is_us(conn):
            return True
        msg = cli_serve._recv(conn)
        if msg.get("op") == "stop":
            cli_serve._send(conn, {"stopped": True})
            return False
        if msg.get("v") != cli_serve.PROTOCOL or msg.get("stamp") != stamp:
            cli_serve._send(conn, {"declined": "other code"})
            return False  # the code changed: a new server will start with it
        if msg.get("op") == "ping":
            cli_serve._send(conn, {"pong": True})
            return True
        if Path(msg["args"]["library"]) != opened.folder:
            cli_serve._send(conn, {"declined": "another library"})
            return True
        try:
            lib = opened.current()
            conn.settimeout(None)
            cli_serve._send(conn, cli_serve.answer(msg["args"], lib, cli.run, parser))
        except Exception as exc:  # noqa: BLE001 - the client runs it itself instead
            log.info("declined: %s", exc)
            opened.close()
            cli_serve._send(conn, {"declined": f"{type(exc).__name__}: {exc}"})
    except (OSError, ValueError, struct.error, KeyError, TypeError):
        pass  # the client went away or sent nonsense; it runs the search itself
    return True
