"""Folding near-duplicates in a search: one hit per cluster, "N similar" beside it.

The clusters (clusters.py) name documents by id; a search works on docnums. Labels
maps them once per index generation and clusters version: ``label[docnum]`` is the
cluster's number, -1 for a document alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Labels:
    key: str  # the clusters version they were made from
    label: np.ndarray  # int32 per docnum; -1: alone
    ids: tuple[str, ...]  # cluster id per label number
    is_rep: np.ndarray  # bool per docnum: the document the cluster is named after

    @property
    def any(self) -> bool:
        return bool(self.ids)


def build(ndocs: int, pairs: list[tuple[str, str]], docnum: Callable[[str], int | None],
          key: str) -> Labels:  # fmt: skip
    """``pairs``: (document id, cluster id), ordered by cluster; ``docnum``: a live
    document's number, or None (deleted, or not in this generation yet)."""
    label = np.full(ndocs, -1, dtype=np.int32)
    is_rep = np.zeros(ndocs, dtype=bool)
    ids: list[str] = []
    numbers: dict[str, int] = {}
    found: dict[str, list[int]] = {}
    for doc_id, cluster in pairs:
        n = docnum(doc_id)
        if n is not None and 0 <= n < ndocs:
            found.setdefault(cluster, []).append(n)
            if doc_id == cluster:
                is_rep[n] = True
    for cluster, nums in found.items():
        if len(nums) < 2:
            continue  # its other members are not in this generation: alone here
        numbers[cluster] = len(ids)
        ids.append(cluster)
        label[np.asarray(nums, dtype=np.int64)] = numbers[cluster]
    return Labels(key, label, tuple(ids), is_rep)


def sizes(labels: Labels, mask: np.ndarray) -> np.ndarray:
    """Members of each cluster among the documents in ``mask``."""
    if not labels.any:
        return np.zeros(0, dtype=np.int64)
    inside = labels.label[mask]
    return np.bincount(inside[inside >= 0], minlength=len(labels.ids))


def fold(labels: Labels, mask: np.ndarray, prefer: np.ndarray | None) -> np.ndarray:
    """``mask`` with one document per cluster: the one ``prefer`` ranks highest (its
    score, or its date when sorting by date), else the one the cluster is named after,
    else the lowest docnum."""
    if not labels.any:
        return mask
    nums = np.flatnonzero(mask & (labels.label >= 0))
    if len(nums) < 2:
        return mask
    lab = labels.label[nums]
    rank = -prefer[nums].astype(np.float64) if prefer is not None else np.zeros(len(nums))
    order = np.lexsort((nums, ~labels.is_rep[nums], rank, lab))
    lab_sorted = lab[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = lab_sorted[1:] != lab_sorted[:-1]
    out = mask.copy()
    out[nums[order[~first]]] = False
    return out


def hit_cluster(labels: Labels, counts: np.ndarray, docnum: int,
                doc_id: str) -> tuple[str, int]:  # fmt: skip
    """(cluster id, members among the matches) of a hit; (its own id, 1) alone."""
    n = int(labels.label[docnum]) if labels.any else -1
    if n < 0:
        return (doc_id, 1)
    return (labels.ids[n], int(counts[n]))
