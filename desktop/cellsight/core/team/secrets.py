"""A team library's password or API key, kept in the system keyring and nowhere else.

The ``keyring`` package reaches Secret Service (GNOME, KeePassXC) or KWallet on a Linux
desktop, the Keychain on macOS and the Credential Locker on Windows. Where none is
available (a bare server, a locked or absent Secret Service), the secret is held in
this process's memory only and the window asks again next session: it is never
written to a file, so backends that would (keyrings.alt's plain-text and "encrypted"
files) count as no keyring. Settings and logs only ever see ``TeamURL.display``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from typing import Literal

from .url import TeamURL

log = logging.getLogger("cellsight.team")
SERVICE = "Cellsight team library"
Kind = Literal["password", "api-key"]
# What a file-backed keyring is: its module, whatever it calls itself.
_FILE_BACKENDS = ("keyrings.alt",)

_session: dict[str, str] = {}  # kept for this process when no keyring is available
_lock = threading.Lock()


@dataclass(frozen=True)
class KeyringStatus:
    available: bool
    reason: str = ""  # why not, in words for the connect dialog
    backend: str = ""


def keyring_status() -> KeyringStatus:
    """Whether secrets can be remembered across sessions, and where."""
    try:
        import keyring
        from keyring.backends import fail, null
    except ImportError:  # pragma: no cover - keyring is a dependency
        return KeyringStatus(False, "the keyring package is not installed")
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if isinstance(backend, (fail.Keyring, null.Keyring)) or _priority(backend) <= 0:
        return KeyringStatus(False, "no system keyring (Secret Service, KWallet, Keychain) "
                             "is available", name)
    if type(backend).__module__.startswith(_FILE_BACKENDS):
        return KeyringStatus(False, f"the only keyring available ({name}) keeps secrets in a "
                             "file, which Cellsight does not do", name)
    return KeyringStatus(True, "", name)


def _priority(backend: object) -> float:
    try:
        return float(getattr(backend, "priority", 1))
    except Exception:  # noqa: BLE001 - a backend whose priority raises is not usable
        return 0.0


def account(url: TeamURL, kind: Kind) -> str:
    """The keyring's user name for a secret: which server, index, user and kind."""
    who = url.user if kind == "password" and url.user else kind
    return f"{who}@{url.scheme}://{url.host}:{url.port}/{url.index}#{kind}"


def save_secret(url: TeamURL, kind: Kind, secret: str, *, remember: bool = True) -> str:
    """Keep ``secret`` for ``url``; returns where ("keyring" or "session").

    Not ``remember``, or no keyring: this process's memory only. A keyring that fails
    when asked (locked, dismissed prompt) falls back to memory, and says so in the log
    without the secret."""
    key = account(url, kind)
    with _lock:
        _session[key] = secret
    if not remember:
        forget_secret(url, kind, session=False)
        return "session"
    if not keyring_status().available:
        return "session"
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(SERVICE, key, secret)
    except KeyringError as exc:
        log.warning("the keyring did not keep the team library secret (%s); kept for this "
                    "session only", type(exc).__name__)
        return "session"
    return "keyring"


def load_secret(url: TeamURL, kind: Kind) -> str | None:
    key = account(url, kind)
    with _lock:
        held = _session.get(key)
    if held is not None or not keyring_status().available:
        return held
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(SERVICE, key)
    except KeyringError as exc:
        log.warning("cannot read the team library secret from the keyring (%s)",
                    type(exc).__name__)
        return None


def forget_secret(url: TeamURL, kind: Kind, *, session: bool = True) -> None:
    key = account(url, kind)
    if session:
        with _lock:
            _session.pop(key, None)
    if not keyring_status().available:
        return
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, key)
    except PasswordDeleteError:
        pass  # there was none
    except KeyringError as exc:
        log.warning("cannot remove the team library secret from the keyring (%s)",
                    type(exc).__name__)


def with_secret(url: TeamURL) -> TeamURL:
    """``url`` with its secret filled in from memory or the keyring, when it has none.

    An API key wins over a password, as on the command line (url.py)."""
    if url.api_key or url.password:
        return url
    key = load_secret(url, "api-key")
    if key:
        return replace(url, api_key=key)
    if url.user:
        password = load_secret(url, "password")
        if password is not None:
            return replace(url, password=password)
    return url


def clear_session() -> None:
    """Forget every secret held in memory (tests; signing out)."""
    with _lock:
        _session.clear()
