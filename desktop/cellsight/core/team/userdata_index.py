"""The team's user-data index on the server: its mapping, its check, the paged pull.

``<index>-userdata`` holds one document per record (team.userdata_records): ``_id`` and
``rid`` (a sortable copy: sorting on ``_id`` is not allowed) "<kind>:<key>", ``user`` who
made this version, ``at`` when (the edit's time on that member's machine), ``deleted`` a
tombstone (so a removal reaches the others), ``payload`` stored and not indexed. A
strict mapping with ``_meta.cellsight_userdata``: an index Cellsight did not make is
refused, as team.mapping refuses one for documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .client import Client, TeamMappingError
from .side_index import side_foreign_reason, side_index_body
from .userdata_records import KINDS, record_hash

SUFFIX = "-userdata"
META_KEY = "cellsight_userdata"
VERSION = 1
PAGE = 2000


def _path(index: str, suffix: str = "") -> str:
    return "/" + quote(index, safe="") + suffix


_KEYWORD = {"type": "keyword"}
PROPERTIES: dict[str, Any] = {
    "rid": _KEYWORD, "kind": _KEYWORD, "key": {"type": "keyword", "ignore_above": 8191},
    "user": _KEYWORD, "at": {"type": "date"}, "deleted": {"type": "boolean"},
    "payload": {"type": "object", "enabled": False},
}


def index_body() -> dict[str, Any]:
    return side_index_body(META_KEY, VERSION, PROPERTIES)


def foreign_reason(mapping: dict[str, Any]) -> str:
    return side_foreign_reason(mapping, META_KEY, VERSION, PROPERTIES, "user data")


@dataclass(frozen=True)
class Remote:
    """One record as the server holds it."""

    kind: str
    key: str
    hash: str  # "" for a tombstone
    user: str
    at: str
    payload: dict[str, Any] | None
    version: tuple[int, int]  # (seq_no, primary_term)


def index_uuid(client: Client, index: str, *, create: bool = False) -> str | None:
    """The index's uuid (None: not there); made when ``create``; a foreign one raises."""
    status, answer = client.request("GET", _path(index))
    if status == 404 and create:
        status, answer = client.request("PUT", _path(index), index_body(), ok=(200, 201, 400))
        if status == 400 and (answer or {}).get("error", {}).get(
                "type") != "resource_already_exists_exception":
            raise client.error(status, answer, f"PUT {_path(index)}")
        status, answer = client.request("GET", _path(index))  # ours or a peer's
    if status == 404:
        return None
    info = next(iter(answer.values())) if isinstance(answer, dict) and answer else {}
    why = foreign_reason(info.get("mappings") or {})
    if why:
        raise TeamMappingError(
            f"The index {index!r} on {client.url.base} cannot hold the team library's user "
            f"data: {why}. Delete it or use another team index name.")
    return str(((info.get("settings") or {}).get("index") or {}).get("uuid", "?"))


def pull(client: Client, index: str) -> dict[str, Remote]:
    """Every record on the server by id, paged by ``rid`` (no 10,000 cap)."""
    out: dict[str, Remote] = {}
    after: list[Any] | None = None
    while True:
        body: dict[str, Any] = {"size": PAGE, "sort": [{"rid": "asc"}],
                                "seq_no_primary_term": True, "track_total_hits": False}
        if after is not None:
            body["search_after"] = after
        status, answer = client.request(
            "POST", _path(index, "/_search"), body,
            params={"allow_partial_search_results": "false"})
        if status == 404:
            return out
        hits = answer["hits"]["hits"]
        for h in hits:
            src = h["_source"]
            if src.get("kind") not in KINDS:
                continue  # a later Cellsight's kind: not this one's to apply
            payload = None if src.get("deleted") else (src.get("payload") or {})
            out[h["_id"]] = Remote(
                src["kind"], src["key"],
                "" if payload is None else record_hash(src["kind"], src["key"], payload),
                src.get("user", ""), src.get("at", ""), payload,
                (int(h["_seq_no"]), int(h["_primary_term"])))
        if len(hits) < PAGE:
            return out
        after = hits[-1]["sort"]
