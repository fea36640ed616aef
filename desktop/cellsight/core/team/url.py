"""A team library's address: ``opensearch+http(s)://[user[:password]@]HOST:PORT/INDEX``.

Secrets may sit in the URL, but a scheduled job's command line is visible to every user
of the machine, so the environment is preferred: ``CELLSIGHT_TEAM_PASSWORD`` (with the
URL's user) or ``CELLSIGHT_TEAM_API_KEY`` (an ``ApiKey`` header). ``TeamURL`` never
shows a secret in ``str``/``repr``, so logging one cannot leak it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from ..errors import LibraryError

SCHEMES = ("opensearch+http", "opensearch+https")
ENV_PASSWORD = "CELLSIGHT_TEAM_PASSWORD"
ENV_API_KEY = "CELLSIGHT_TEAM_API_KEY"
ENV_CA = "CELLSIGHT_TEAM_CA"  # a CA bundle for a server whose certificate a private CA signed
# OpenSearch's own rule for index names: lowercase, no \ / * ? " < > | space , # : and
# not starting with - _ +.
_INDEX = re.compile(r"^(?![-_+])[a-z0-9][a-z0-9._+-]{0,254}$|^[a-z0-9]$")
USAGE = "opensearch+http://HOST:PORT/INDEX or opensearch+https://[USER@]HOST:PORT/INDEX"


def is_team_url(value: object) -> bool:
    return isinstance(value, str) and value.lower().startswith(tuple(s + ":" for s in SCHEMES))


class TeamURLError(LibraryError):
    """A team library address that cannot be used as written."""


@dataclass(frozen=True)
class TeamURL:
    scheme: str  # "http" or "https"
    host: str
    port: int
    index: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    ca_certs: str | None = None

    @property
    def base(self) -> str:
        """The server's address without credentials: what requests go to."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def display(self) -> str:
        """The address as messages show it: the user, never a secret."""
        who = f"{self.user}@" if self.user else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"opensearch+{self.scheme}://{who}{host}:{self.port}/{self.index}"

    def __str__(self) -> str:
        return self.display


def parse_team_url(text: str, env: dict[str, str] | None = None) -> TeamURL:
    """Parse ``text``; secrets missing from it come from ``env`` (default: os.environ)."""
    env = dict(os.environ) if env is None else env
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError as exc:  # a port that is not a number, a bad IPv6 literal
        raise TeamURLError(f"Not a team library address: {exc}. Expected {USAGE}.") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise TeamURLError(f"Not a team library address (scheme {parts.scheme!r}). "
                           f"Expected {USAGE}.")
    if not parts.hostname:
        raise TeamURLError(f"The team library address names no server. Expected {USAGE}.")
    if port is None:
        raise TeamURLError("The team library address needs the server's port "
                           f"(OpenSearch listens on 9200 by default). Expected {USAGE}.")
    index = parts.path.strip("/")
    if not index:
        raise TeamURLError(f"The team library address needs an index name after the port. "
                           f"Expected {USAGE}.")
    if not _INDEX.match(index):
        raise TeamURLError(f"{index!r} cannot be an OpenSearch index name: use lowercase "
                           "letters, digits, '-', '_' or '.', not starting with '-' or '_'.")
    if parts.query or parts.fragment:
        raise TeamURLError(f"The team library address takes no '?' or '#' part. "
                           f"Expected {USAGE}.")
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is None and user:
        password = env.get(ENV_PASSWORD) or None
    api_key = env.get(ENV_API_KEY) or None
    return TeamURL(scheme=scheme.split("+", 1)[1], host=parts.hostname, port=port,
                   index=index, user=user, password=password, api_key=api_key,
                   ca_certs=env.get(ENV_CA) or None)
