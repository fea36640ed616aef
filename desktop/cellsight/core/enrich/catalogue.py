"""The entity catalogue: companies, people, places … that the matcher recognises.

The bundled list lives in ``resources/catalogue.toml`` so analysts can edit it by
hand; what a user changes in the app (added entities, extra aliases, hidden
entities) is layered on top as :class:`UserChanges`, never written into the file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import CatalogueError
from ..model import ENTITY_TYPES

_KNOWN_KEYS = frozenset({"id", "type", "name", "aliases", "exact", "nocase", "ticker", "series"})


@dataclass(frozen=True)
class Entity:
    id: str
    type: str
    name: str  # canonical display name; always matched as well as the aliases
    aliases: tuple[str, ...] = ()
    exact: tuple[str, ...] = ()  # forms (name or aliases) that only match with this case
    ticker: str | None = None
    series: tuple[str, ...] = ()  # ids of price series this entity links to

    @property
    def forms(self) -> tuple[str, ...]:
        """Name and aliases, without duplicates, in catalogue order."""
        return tuple(dict.fromkeys((self.name, *self.aliases)))


@dataclass(frozen=True)
class UserChanges:
    added: tuple[Entity, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()  # (entity_id, alias)
    hidden: frozenset[str] = field(default_factory=frozenset)


def is_short_abbreviation(alias: str) -> bool:
    """All-caps forms of up to five characters ("US", "IRA", "U.S.") are case-sensitive.

    Lower-case they are usually ordinary words ("us", "ira"), so by default they only
    match exactly as written.
    """
    letters = [c for c in alias if c.isalpha()]
    return 0 < len(alias) <= 5 and bool(letters) and all(c.isupper() for c in letters)


def default_exact(
    forms: Iterable[str], exact: Iterable[str] = (), nocase: Iterable[str] = ()
) -> tuple[str, ...]:
    """Effective case-sensitive forms: the stated ones plus short abbreviations."""
    stated = set(exact)
    relaxed = set(nocase)
    return tuple(f for f in forms if f in stated or (is_short_abbreviation(f) and f not in relaxed))


class Catalogue:
    """An immutable, validated set of entities with fast lookups."""

    def __init__(self, base: tuple[Entity, ...], user: UserChanges | None = None) -> None:
        self._base = base
        self._user = user or UserChanges()
        merged = _apply(base, self._user)
        _validate(merged)
        self._all: dict[str, Entity] = {e.id: e for e in merged}
        self._hidden = frozenset(self._user.hidden)
        self._visible = tuple(e for e in merged if e.id not in self._hidden)
        by_series: dict[str, list[Entity]] = {}
        for ent in self._visible:
            for sid in ent.series:
                by_series.setdefault(sid, []).append(ent)
        self._by_series = {k: tuple(v) for k, v in by_series.items()}

    @classmethod
    def load(cls, path: Path | None = None, user: UserChanges | None = None) -> Catalogue:
        if path is None:
            from ..paths import resources_dir

            path = resources_dir() / "catalogue.toml"
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise CatalogueError(f"{path}: cannot read catalogue ({exc.strerror})") from exc
        except tomllib.TOMLDecodeError as exc:
            raise CatalogueError(f"{path}: not valid TOML ({exc})") from exc
        return cls.from_mapping(raw, source=str(path), user=user)

    @classmethod
    def from_mapping(
        cls, raw: Mapping[str, Any], source: str = "catalogue", user: UserChanges | None = None
    ) -> Catalogue:
        entries = raw.get("entity", [])
        if not isinstance(entries, list):
            raise CatalogueError(f"{source}: [[entity]] must be an array of tables")
        return cls(tuple(_entity_from_entry(e, i, source) for i, e in enumerate(entries)), user)

    @property
    def entities(self) -> tuple[Entity, ...]:
        """Visible entities (hidden ones are left out), in catalogue order."""
        return self._visible

    @property
    def hidden(self) -> frozenset[str]:
        return self._hidden

    @property
    def user(self) -> UserChanges:
        return self._user

    def get(self, entity_id: str) -> Entity | None:
        """Any known entity, hidden ones included, so the UI can offer to unhide."""
        return self._all.get(entity_id)

    def is_visible(self, entity_id: str) -> bool:
        return entity_id in self._all and entity_id not in self._hidden

    def by_type(self, etype: str) -> tuple[Entity, ...]:
        return tuple(e for e in self._visible if e.type == etype)

    def series_for(self, entity_id: str) -> tuple[str, ...]:
        ent = self._all.get(entity_id)
        return ent.series if ent is not None and entity_id not in self._hidden else ()

    def entities_for_series(self, series_id: str) -> tuple[Entity, ...]:
        return self._by_series.get(series_id, ())

    def with_changes(self, user: UserChanges) -> Catalogue:
        """The bundled entities with ``user`` applied (replacing earlier changes)."""
        return Catalogue(self._base, user)

    def __len__(self) -> int:
        return len(self._visible)

    def __iter__(self) -> Iterator[Entity]:
        return iter(self._visible)


def _apply(base: tuple[Entity, ...], user: UserChanges) -> tuple[Entity, ...]:
    merged = list(base) + list(user.added)
    index = {e.id: i for i, e in enumerate(merged)}
    for entity_id, alias in user.aliases:
        pos = index.get(entity_id)
        if pos is None:
            raise CatalogueError(f"alias {alias!r}: unknown entity {entity_id!r}")
        alias = alias.strip()
        ent = merged[pos]
        if not alias or alias in ent.forms:
            continue
        exact = ent.exact + default_exact((alias,))
        merged[pos] = replace(ent, aliases=(*ent.aliases, alias), exact=exact)
    return tuple(merged)


def _validate(entities: Iterable[Entity]) -> None:
    seen: dict[str, Entity] = {}
    for ent in entities:
        where = f"entity {ent.id!r}"
        if not ent.id or ent.id != ent.id.strip():
            raise CatalogueError(f"{where}: id must be a non-empty slug")
        if ent.id in seen:
            raise CatalogueError(f"{where}: duplicate id (also {seen[ent.id].name!r})")
        if ent.type not in ENTITY_TYPES:
            raise CatalogueError(
                f"{where}: unknown type {ent.type!r} (expected one of {', '.join(ENTITY_TYPES)})"
            )
        if not ent.name.strip():
            raise CatalogueError(f"{where}: empty name")
        if any(not a.strip() for a in ent.aliases):
            raise CatalogueError(f"{where}: empty alias")
        stray = set(ent.exact) - set(ent.forms)
        if stray:
            raise CatalogueError(
                f"{where}: exact names forms that are not aliases: {sorted(stray)}"
            )
        seen[ent.id] = ent


def _strings(entry: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogueError(f"{where}: {key} must be a list of strings")
    return tuple(v.strip() for v in value)


def _entity_from_entry(entry: Any, pos: int, source: str) -> Entity:
    if not isinstance(entry, Mapping):
        raise CatalogueError(f"{source}: entry #{pos + 1} is not a table")
    where = f"{source}: entry #{pos + 1} ({entry.get('id') or entry.get('name') or '?'})"
    unknown = set(entry) - _KNOWN_KEYS
    if unknown:
        raise CatalogueError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("id", "type", "name"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise CatalogueError(f"{where}: missing or empty {key}")
    ticker = entry.get("ticker")
    if ticker is not None and not isinstance(ticker, str):
        raise CatalogueError(f"{where}: ticker must be a string")
    name = entry["name"].strip()
    aliases = tuple(a for a in dict.fromkeys(_strings(entry, "aliases", where)) if a != name)
    forms = (name, *aliases)
    exact_stated = _strings(entry, "exact", where)
    stray = set(exact_stated) - set(forms)
    if stray:
        raise CatalogueError(f"{where}: exact lists forms that are not aliases: {sorted(stray)}")
    exact = default_exact(forms, exact_stated, _strings(entry, "nocase", where))
    return Entity(
        id=entry["id"].strip(),
        type=entry["type"].strip(),
        name=name,
        aliases=aliases,
        exact=exact,
        ticker=ticker,
        series=_strings(entry, "series", where),
    )
