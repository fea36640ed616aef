"""What containers (ZIP archives, e-mail messages) share when they hold documents.

A member of an archive and an attachment of a message are both routed through the
registry and named "container › member". One tree of containers inside containers (a
zip holding an .eml whose attachment is a zip) shares one byte budget and counts its
levels per kind of container, so each kind keeps its own depth limit and no
combination of them can recurse without end or inflate past the budget.

Members' documents get their ``part`` from their name, so they keep their ids when
the container is read again; links between them (an attachment and its message) are
parts too, and are carried over when a container renumbers what it holds.
"""

from __future__ import annotations

import contextvars
import dataclasses
import hashlib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..model import ParsedDocument
from .zip_limits import DEFAULT_LIMITS

SEP = " › "  # between a container and a member, and between nested members
TREE_BYTES = DEFAULT_LIMITS.max_total  # what one tree of containers may unpack in all
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclasses.dataclass
class Tree:
    kinds: tuple[str, ...]  # the containers being read, outermost first
    budget: list[int]  # bytes the whole tree may still unpack (shared, mutable)

    def depth(self, kind: str) -> int:
        return self.kinds.count(kind)


_TREE: contextvars.ContextVar[Tree | None] = contextvars.ContextVar(
    "cellsight_container_tree", default=None)  # fmt: skip


def tree() -> Tree:
    """The tree being read, or a fresh one for a container read on its own."""
    return _TREE.get() or Tree((), [TREE_BYTES])


@contextmanager
def inside(kind: str) -> Iterator[Tree]:
    """Read a container's members one level further down the tree."""
    outer = tree()
    token = _TREE.set(Tree((*outer.kinds, kind), outer.budget))
    try:
        yield _TREE.get() or outer
    finally:
        _TREE.reset(token)


def clean_label(name: str) -> str:
    """A member's name as a label: no control characters, never empty. A hostile name
    ("../../etc/passwd") stays what it is, a label; it never becomes a path."""
    return _CONTROL.sub("", name).strip()


def member_path(container: Path, name: str) -> Path:
    # Below the container's own path: a reader that looks for files beside its input
    # (a sidecar) finds none, since the container is a file, not a folder. "..", "."
    # and the root are dropped, so the path never points outside it.
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    return container.joinpath(*parts) if parts else container / "member"


def member_part(member: str, inner: int, taken: set[int]) -> int:
    # Derived from the member's name and its own part, so it survives re-reading and
    # members being added or removed; the rare clash takes the next free number.
    n = 0
    while True:
        digest = hashlib.blake2b(f"{member}#{inner}#{n}".encode(), digest_size=6).digest()
        part = int.from_bytes(digest, "big")
        if part not in taken:
            taken.add(part)
            return part
        n += 1


def relink(docs: Sequence[ParsedDocument], parts: dict[int, int]) -> list[ParsedDocument]:
    """``docs`` after their container renumbered them (old part -> new): the links
    between them follow. A link to a part outside ``docs`` is dropped."""
    out = []
    for doc in docs:
        if doc.parent_part is None and not doc.attachment_parts:
            out.append(doc)
            continue
        out.append(dataclasses.replace(
            doc,
            parent_part=parts.get(doc.parent_part) if doc.parent_part is not None else None,
            attachment_parts=tuple(parts[p] for p in doc.attachment_parts if p in parts),
        ))  # fmt: skip
    return out
