"""User fields as masks over one generation's documents, and their facets.

``tag:`` also takes the tags and categories the source gave a document (the ``tag``
keyword field): one clause for what the publisher and the analyst filed it under.
Masks are kept per generation and user-data version (a tag applies at once).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import QueryError
from ..model import FacetCount
from .doc_ids import DocIds
from .facets import FacetTable, others_selected
from .user_fields import UserIndex

KEEP = 512  # masks per generation before the cache starts again


class UserMasks:
    def __init__(self, user: UserIndex | None, facets: FacetTable, ids: DocIds) -> None:
        self.user, self.facets, self.ids = user, facets, ids
        self._cache: dict[tuple[int, str, str], np.ndarray] = {}

    def mask(self, field: str, value: str) -> np.ndarray:
        if self.user is None:
            if field == "tag":  # no user data: the source's own tags
                return self._source_tags(value)
            raise QueryError(f"{field}: is not available in this library.")
        key = (self.user.version, field, value.lower())
        got = self._cache.get(key)
        if got is None:
            if len(self._cache) > KEEP:
                self._cache.clear()
            got = self.ids.mask(self.user.ids_for(field, value))
            if field == "tag":
                got = got | self._source_tags(value)
            self._cache[key] = got
        return got

    def _source_tags(self, value: str) -> np.ndarray:
        postings = self.facets.fields.get("tag")
        # The stored spelling, any case; not through ``resolve``, whose alias lookup of
        # entity names built the whole enricher (70 ms of a CLI search) for a tag.
        stored = postings.lower.get(value.lower()) if postings is not None else None
        if stored is None:
            return np.zeros(self.facets.ndocs, dtype=bool)
        return self.facets.filter_mask("tag", {stored})

    def facets_for(self, base: np.ndarray, masks: dict[str, np.ndarray], limit: int | None,
                   folding: Callable[[np.ndarray], np.ndarray] | None = None,
                   ) -> dict[str, tuple[FacetCount, ...]]:  # fmt: skip
        """The ``tag`` and ``starred`` facets; each leaves its own selection out, as the
        index's facets do, so its other values stay choosable."""
        if self.user is None:
            return {}
        out: dict[str, tuple[FacetCount, ...]] = {}
        for name, values in (("tag", self.user.tags()), ("starred", ("yes",))):
            m = others_selected(base, masks, name, folding)
            counts = [FacetCount(v, int((m & self.mask(name, v)).sum())) for v in values]
            counts = sorted((c for c in counts if c.count), key=lambda c: (-c.count, c.value))
            if counts:
                out[name] = tuple(counts[:limit] if limit is not None else counts)
        return out
