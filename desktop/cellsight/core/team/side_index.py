"""The small indices beside a team library's documents (``-prices``, ``-userdata``):
one shard copied to every node, a strict mapping stamped with its kind and version in
``_meta``, so an index Cellsight did not make (or made in another version) is refused
with a reason instead of being written into."""

from __future__ import annotations

from typing import Any


def side_index_body(meta_key: str, version: int, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "settings": {"number_of_shards": 1, "auto_expand_replicas": "0-1"},
        "mappings": {"dynamic": "strict", "_meta": {meta_key: version},
                     "properties": properties},
    }


def side_foreign_reason(mapping: dict[str, Any], meta_key: str, version: int,
                        properties: dict[str, Any], what: str) -> str:
    """Why ``mapping`` is not this Cellsight's index of ``what`` ("" when it is)."""
    found = (mapping.get("_meta") or {}).get(meta_key)
    if found is None:
        return f"it was not created by Cellsight (no {meta_key} in its _meta)"
    if found != version:
        return f"it holds Cellsight {what} version {found}, this Cellsight {version}"
    props = mapping.get("properties") or {}
    for name, spec in properties.items():
        if (props.get(name) or {}).get("type", "object") != spec.get("type", "object"):
            return f"its field {name!r} is not a {spec.get('type', 'object')}"
    return ""
