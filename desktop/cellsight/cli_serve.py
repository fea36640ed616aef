"""A resident search server per library: a CLI search in tens of ms, not ~300 (issue 17).

A cold ``cellsight search`` spends most of its time before the query: importing numpy
and Whoosh, then building what the searcher keeps per index generation (facet tables,
figure columns, id tables, the name table). The first search of a library runs cold,
as always, and then starts a server that keeps the library open; later searches and
facet counts send their parsed arguments over a Unix socket and print its answer. It
exits after IDLE_SECONDS without a request, or once its library folder is gone.

Safety and correctness:
- The socket is in a per-user folder (``$XDG_RUNTIME_DIR/cellsight`` or
  ``/tmp/cellsight-UID``) that must be the user's own with mode 0700; the socket is
  0600 and the server also checks the caller's uid (SO_PEERCRED on Linux). It lives
  outside the library, so exports, copies and read-only libraries are unaffected.
- The server opens the library read-only (no locks, no writes; it never consumes the
  clean-close mark another process relies on) and reopens it whenever the index's
  tables of contents, the document store or the user data changed since (see
  ``_Open._state`` in cli_serve_loop.py), so an answer is never stale.
- Client and server compare a stamp of the installed code and resources; a server
  from other code declines and exits. Anything unusual (no server, a decline, an
  error, a dropped connection) makes the client run the search itself, as before.

``CELLSIGHT_NO_SEARCH_SERVER=1`` turns all of this off.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import socket
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import __version__

ENV_OFF = "CELLSIGHT_NO_SEARCH_SERVER"
ENV_SERVE = "CELLSIGHT_SEARCH_SERVER"  # set on the spawned server: the library it serves
IDLE_SECONDS = 120.0
PROTOCOL = 1
_TICK = 1.0  # seconds between the server's idle and folder checks
_CLIENT_WAIT = 60.0  # a server that answers nothing for this long is given up on

Runner = Callable[[argparse.Namespace, argparse.ArgumentParser], int]


# A process under fault injection (core/faults.py) must run its search itself.
_FAULT_VARS = ("CELLSIGHT_FAULTS", "CELLSIGHT_PROGRESS", "CELLSIGHT_PAUSE")


def available() -> bool:
    return (hasattr(socket, "AF_UNIX") and os.name == "posix"
            and os.environ.get(ENV_OFF, "") in ("", "0")
            and not any(os.environ.get(v) for v in _FAULT_VARS))  # fmt: skip


def runtime_dir(create: bool = False) -> Path | None:
    """The per-user socket folder, or None if it is not safely ours."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(base) / "cellsight" if base else Path("/tmp") / f"cellsight-{os.getuid()}"
    try:
        if create:
            folder.mkdir(mode=0o700, parents=base is not None, exist_ok=True)
        st = os.lstat(folder)
    except OSError:
        return None
    # A folder someone else made (or a symlink) could let them answer our searches.
    if not os.path.isdir(folder) or os.path.islink(folder) or st.st_uid != os.getuid() \
            or st.st_mode & 0o077:
        return None
    return folder


def socket_path(library: Path, create: bool = False) -> Path | None:
    import zlib

    folder = runtime_dir(create)
    if folder is None:
        return None
    # zlib, not hashlib (3 ms to load OpenSSL): two libraries sharing a name is harmless,
    # the server declines a request for a library other than its own.
    raw = str(library).encode("utf-8", "surrogateescape")
    return folder / f"search-{zlib.crc32(raw):08x}{zlib.adler32(raw):08x}.sock"


def code_stamp() -> str:
    """The code and resources this process runs: a server from other code must not
    answer (an upgrade, or a developer's edit)."""
    here = Path(__file__).resolve().parent
    newest, count = 0, 0
    for root in (here, here.parent.parent / "resources"):
        for dirpath, dirs, files in os.walk(root):
            if dirpath == str(here):
                dirs[:] = [d for d in dirs if d != "ui"]  # never imported by a search
            for name in files:
                if name.endswith((".py", ".toml")):
                    with contextlib.suppress(OSError):
                        newest = max(newest, os.stat(os.path.join(dirpath, name)).st_mtime_ns)
                        count += 1
    exe = sys.executable
    with contextlib.suppress(OSError):
        newest = max(newest, os.stat(exe).st_mtime_ns)
    return f"{__version__}|{exe}|{here}|{count}|{newest}"


# -- wire: a 4-byte length, then JSON ------------------------------------------------
def _send(sock: socket.socket, data: dict[str, Any]) -> None:
    raw = json.dumps(data, ensure_ascii=False).encode("utf-8")
    sock.sendall(struct.pack("!I", len(raw)) + raw)


def _recv(sock: socket.socket) -> dict[str, Any]:
    def exactly(n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("connection closed")
            buf += chunk
        return bytes(buf)

    (size,) = struct.unpack("!I", exactly(4))
    got = json.loads(exactly(size).decode("utf-8"))
    if not isinstance(got, dict):
        raise ValueError("not a message")
    return got


def _request_args(args: argparse.Namespace, library: Path) -> dict[str, Any]:
    out = {k: v for k, v in vars(args).items() if k not in ("library", "screenshot", "batch")}
    out["library"] = str(library)
    return out


# -- client ---------------------------------------------------------------------------
def search(args: argparse.Namespace, parser: argparse.ArgumentParser, run: Runner) -> int:
    """Answer ``args`` (search or facets) through the library's server if one is up;
    otherwise run it here and start a server for the next call."""
    if not available():
        return run(args, parser)
    if args.library is None:
        from .core.paths import default_library_dir

        args.library = default_library_dir()
    library = Path(args.library).expanduser().absolute()
    path = socket_path(library)
    answer = ask(path, {"op": "run", "args": _request_args(args, library)}) if path else None
    if answer is not None and "code" in answer:
        sys.stderr.write(answer.get("err", ""))
        sys.stdout.write(answer.get("out", ""))
        sys.stdout.flush()
        return int(answer["code"])
    code = run(args, parser)
    if code == 0 and (library / "user.sqlite").is_file():
        spawn(library)
    return code


def ask(path: Path | None, message: dict[str, Any]) -> dict[str, Any] | None:
    """The server's answer to ``message``, or None (no server, or it failed)."""
    if path is None:
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(_CLIENT_WAIT)
            sock.connect(str(path))
            _send(sock, {"v": PROTOCOL, "stamp": code_stamp(), **message})
            return _recv(sock)
    except (OSError, ValueError, struct.error):
        return None


def stop(library: Path) -> bool:
    """Ask the library's server to exit; True if one did."""
    answer = ask(socket_path(Path(library).absolute()), {"op": "stop"})
    return bool(answer and answer.get("stopped"))


def spawn(library: Path) -> None:
    """Start a server for ``library`` in the background (it exits at once if one is
    running already)."""
    import subprocess

    env = dict(os.environ)
    env[ENV_SERVE] = str(library)
    cmd = [sys.executable] if getattr(sys, "frozen", False) else [
        sys.executable, "-m", "cellsight"]
    with contextlib.suppress(OSError):
        subprocess.Popen(cmd, env=env, cwd="/", stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, close_fds=True)  # fmt: skip


def serve_from_environment() -> int:
    """The spawned process's whole life (see ``spawn``)."""
    library = Path(os.environ.pop(ENV_SERVE))
    from .cli_serve_loop import serve

    serve(library)
    return 0


# -- what the server runs per request -------------------------------------------------
def answer(args: dict[str, Any], library: Any, run: Runner,
           parser: argparse.ArgumentParser) -> dict[str, Any]:  # fmt: skip
    """Run one request against the open ``library``, capturing what the command prints
    and logs, as the client would have printed it."""
    import logging

    from . import cli

    ns = argparse.Namespace(**{**args, "library": Path(args["library"]), "screenshot": None,
                               "batch": None})  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    level = root.level
    root.addHandler(handler)
    root.setLevel(ns.log_level)
    cli.SERVING = lambda _args: contextlib.nullcontext(library)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = run(ns, parser)
            except SystemExit as exc:  # parser.error: a usage error, as argparse exits
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        cli.SERVING = None
        root.removeHandler(handler)
        root.setLevel(level)
    return {"code": code, "out": out.getvalue(), "err": err.getvalue()}


def now() -> float:
    return time.monotonic()
