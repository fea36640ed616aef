"""HTTP to an OpenSearch 2.x server: pooled connections, retries, errors a person can act on.

urllib3 only (no opensearch-py: it would bring requests, grpcio and protobuf). TLS
certificates are verified by default against the system's store, or a CA bundle
(``ca_certs``: a private CA). 429 and 502/503/504 answers, timeouts and dropped
connections are retried with exponential backoff; the number of attempts bounds it, and
the pause is a function of the attempt alone, so a test can set it to zero. A connection
that cannot even be opened (refused: nothing listening; no route; unknown name) is tried
once more after a short pause and then reported: a server that is down or a laptop that
is offline does not come back within the backoff, and a person waiting at a search box
should hear so in well under a second. A 429 that is the flood-stage block is not
retried: a full disk does not clear itself in seconds.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError, SSLError

from ..errors import LibraryError, LibraryReadOnlyError
from .url import TeamURL

log = logging.getLogger("cellsight.team")
RETRY_STATUS = frozenset({429, 502, 503, 504})
ATTEMPTS = 5
BACKOFF_S = 0.5  # the first pause; doubled per attempt (0.5, 1, 2, 4 s)
# A connection not opened: one quick retry (a node restarting its HTTP port, a
# dropped SYN), then the error; 2 attempts cost a few milliseconds on loopback.
REFUSED_ATTEMPTS = 2
REFUSED_PAUSE_S = 0.1
SUPPORTED_MAJOR = 2


class TeamError(LibraryError):
    """The team library's server could not do what was asked; the message says why."""


class TeamUnreachableError(TeamError):
    pass


class TeamAuthError(TeamError):
    pass


class TeamReadOnlyError(TeamError, LibraryReadOnlyError):
    """The member may search the team library but not write to it (HTTP 403)."""


class TeamVersionError(TeamError):
    pass


class TeamMappingError(TeamError):
    pass


class TeamDiskFullError(TeamError):
    pass


def _reason(answer: Any) -> tuple[str, str]:
    """(error type, reason) of an OpenSearch error body, or ("", text)."""
    if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
        err = answer["error"]
        cause = (err.get("root_cause") or [{}])[0]
        reason = err.get("reason") or cause.get("reason") or ""
        deeper = err.get("caused_by") or {}
        if deeper.get("reason") and deeper.get("reason") not in reason:
            reason = f"{reason}: {deeper['reason']}"
        return str(err.get("type", "")), str(reason)
    return "", str(answer)[:300]


# A search that met a node of a cluster going or gone (its shard copies not yet moved,
# a dfs or fetch phase pinned to the copy that left, its search context closed): 500,
# 503 or even 404 (shard or context not found), passing within seconds, so retried with
# the backoff like a 503.
_NODE_LOST = ("node_not_connected_exception", "node not connected",
              "search_context_missing_exception", "no search context found",
              "node_disconnected_exception", "node_closed_exception",
              "shard_not_found_exception", "no_shard_available_action_exception",
              "connect_transport_exception", "send_request_transport_exception",
              "nodenotconnectedexception", "nodeclosedexception")


def is_node_lost(status: int, answer: Any) -> bool:
    if status not in (404, 500, 503) or not isinstance(answer, dict):
        return False
    err = answer.get("error")
    if not isinstance(err, dict) or err.get("type") == "index_not_found_exception":
        return False
    text = json.dumps(err).lower()
    return any(marker in text for marker in _NODE_LOST)


def is_flood_stage(answer: Any) -> bool:
    kind, reason = _reason(answer)
    return kind == "cluster_block_exception" and (
        "flood" in reason or "read_only_allow_delete" in reason or "read-only" in reason)



def bulk_item(item: Mapping[str, Any]) -> tuple[str, Mapping[str, Any], int, bool]:
    """One item of a ``_bulk`` answer: (op, result, status, done); a delete of what is
    already gone is done too."""
    op, result = next(iter(item.items()))
    status = int(result.get("status", 500))
    return op, result, status, status < 300 or (op == "delete" and status == 404)


class Client:
    """One server, one index name; ``request`` returns (status, decoded JSON)."""

    def __init__(self, url: TeamURL, *, attempts: int = ATTEMPTS, backoff_s: float = BACKOFF_S,
                 sleep: Callable[[float], None] = time.sleep, timeout_s: float = 60.0,
                 on_attempt: Callable[[str, str], None] | None = None) -> None:
        self.url = url
        self.attempts = max(1, attempts)
        self.backoff_s = backoff_s
        self._sleep = sleep
        self._on_attempt = on_attempt  # (method, target) before each try: tests count them
        kwargs: dict[str, Any] = {}
        if url.scheme == "https":
            kwargs = {"cert_reqs": "CERT_REQUIRED", **({"ca_certs": url.ca_certs}
                                                       if url.ca_certs else {})}
        self._http = urllib3.PoolManager(
            maxsize=4, retries=False, timeout=urllib3.Timeout(connect=10.0, read=timeout_s),
            **kwargs)
        self._headers = {"Accept": "application/json"}
        if url.api_key:
            self._headers["Authorization"] = f"ApiKey {url.api_key}"
        elif url.user:
            token = base64.b64encode(f"{url.user}:{url.password or ''}".encode()).decode()
            self._headers["Authorization"] = f"Basic {token}"
        self.version = ""

    def close(self) -> None:
        self._http.clear()

    def index_path(self, suffix: str = "") -> str:
        return "/" + quote(self.url.index, safe="") + suffix

    # -- requests ---------------------------------------------------------------------
    def request(self, method: str, path: str, body: Any = None, *,
                params: Mapping[str, str] | None = None, ndjson: Iterable[Any] | None = None,
                ok: Iterable[int] = (200, 201)) -> tuple[int, Any]:
        """Send, retrying what may pass; a status outside ``ok`` raises a TeamError
        unless it is a 404 or 409 (callers read those as answers)."""
        headers = dict(self._headers)
        data: bytes | None = None
        if ndjson is not None:
            data = "".join(json.dumps(line, ensure_ascii=False) + "\n"
                           for line in ndjson).encode("utf-8")
            headers["Content-Type"] = "application/x-ndjson"
        elif body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        target = self.url.base + path + ("?" + urlencode(params) if params else "")
        status, answer = self._send(method, target, data, headers)
        if status in ok or status in (404, 409):
            return status, answer
        raise self.error(status, answer, f"{method} {path}")

    def _send(self, method: str, target: str, data: bytes | None,
              headers: dict[str, str]) -> tuple[int, Any]:
        refused = 0
        for attempt in range(self.attempts):
            last = attempt == self.attempts - 1
            if self._on_attempt is not None:
                self._on_attempt(method, target)
            try:
                response = self._http.request(method, target, body=data, headers=headers)
            except SSLError as exc:
                raise TeamUnreachableError(
                    f"The TLS certificate of {self.url.base} could not be verified ({exc}). "
                    "If your team uses its own certificate authority, point "
                    "CELLSIGHT_TEAM_CA at its CA file.") from None
            except HTTPError as exc:
                # NewConnectionError: the connection was never opened (a subclass of the
                # connect timeout in urllib3 2, so it is told apart first).
                not_opened = isinstance(exc, NewConnectionError)
                refused += not_opened
                if last or refused >= REFUSED_ATTEMPTS:
                    raise TeamUnreachableError(
                        f"Cannot reach the team library server at {self.url.base}: "
                        f"{_short(exc)}. Check the address and port, and that the server "
                        "is running.") from None
                if not_opened:
                    log.info("team server %s: %s; one quick retry", self.url.base,
                             _short(exc))
                    self._sleep(REFUSED_PAUSE_S)
                else:
                    self._pause(attempt, f"{type(exc).__name__}")
                continue
            answer = _decode(response.data)
            if not last and ((response.status in RETRY_STATUS and not is_flood_stage(answer))
                             or is_node_lost(response.status, answer)):
                self._pause(attempt, f"HTTP {response.status}")
                continue
            return response.status, answer
        raise AssertionError("unreachable")  # pragma: no cover

    def _pause(self, attempt: int, why: str) -> None:
        delay = self.backoff_s * (2 ** attempt)
        log.info("team server answered %s; retry %d in %.1f s", why, attempt + 1, delay)
        if delay > 0:
            self._sleep(delay)

    def error(self, status: int, answer: Any, what: str) -> TeamError:
        kind, reason = _reason(answer)
        where = self.url.display
        if status == 401:
            who = f"user {self.url.user!r}" if self.url.user else "no credentials"
            return TeamAuthError(
                f"The team library server at {self.url.base} refused the credentials "
                f"({who}): check the user and CELLSIGHT_TEAM_PASSWORD or "
                "CELLSIGHT_TEAM_API_KEY.")
        if status == 403:
            return TeamReadOnlyError(
                f"You may search the team library {where} but not change it "
                f"({reason or 'HTTP 403'}). Indexing needs an account that may write to it.")
        if is_flood_stage(answer):
            return TeamDiskFullError(
                f"The team library server's disk is full: OpenSearch made the index "
                f"read-only past its flood-stage watermark ({reason}). Free disk space on "
                "the server (or ask its administrator), then index again; nothing "
                "already indexed was lost.")
        if status == 400 and kind in ("mapper_parsing_exception", "illegal_argument_exception",
                                      "resource_already_exists_exception"):
            return TeamMappingError(
                f"The index {self.url.index!r} on {self.url.base} does not fit Cellsight's "
                f"mapping ({kind}: {reason}). Use another index name, or delete this "
                "index to let Cellsight create it.")
        return TeamError(f"The team library server at {self.url.base} answered {status} to "
                         f"{what}: {kind + ': ' if kind else ''}{reason}")

    # -- the server --------------------------------------------------------------------
    def check_server(self) -> str:
        """The server's version; raises unless it is OpenSearch 2.x."""
        _status, info = self.request("GET", "/")
        number = str(((info or {}).get("version") or {}).get("number", "")) if isinstance(
            info, dict) else ""
        distribution = ((info or {}).get("version") or {}).get("distribution", "") if isinstance(
            info, dict) else ""
        if not number:
            raise TeamVersionError(f"{self.url.base} did not answer like an OpenSearch "
                                   "server (no version in its reply).")
        major = number.split(".", 1)[0]
        if distribution != "opensearch":
            raise TeamVersionError(
                f"{self.url.base} runs Elasticsearch {number}, not OpenSearch; Cellsight's "
                f"team libraries need OpenSearch {SUPPORTED_MAJOR}.x.")
        if major != str(SUPPORTED_MAJOR):
            raise TeamVersionError(
                f"{self.url.base} runs OpenSearch {number}; this Cellsight needs "
                f"OpenSearch {SUPPORTED_MAJOR}.x (the mapping and queries are written for "
                "it). Use a 2.x server, or a Cellsight release for that version.")
        self.version = number
        return number


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode("utf-8", errors="replace")


def _short(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    text = str(reason or exc)
    if "Connection refused" in text:
        return "connection refused (nothing is listening there)"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "the server name is unknown"
    return text[:200]
