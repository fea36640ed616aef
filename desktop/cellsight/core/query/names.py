"""Names across languages: a query word that names a catalogue entity finds the entity.

``CATL`` also finds the articles that only write 宁德时代 or Contemporary Amperex, and
``福特`` the English Ford articles: a bare word that is an entity's name or one of its
one-word aliases (any script, folded like the text) is searched as the word OR the
entity's facet value. The facet clause has a small constant score, so documents with
the typed word itself rank first. A quoted word ("CATL") is searched as written.

The entity's other names are added to the highlight terms, so a snippet marks the
alias that matched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..cjk import CJK_RUN, fold, has_cjk

ENTITY_BOOST = 0.05  # below any text match's BM25 score: the typed word ranks first


@dataclass(frozen=True)
class Named:
    """One entity a query word names: where to find it and what to light up."""

    field: str  # the facet field (company, place …)
    name: str  # the canonical name, as the facet stores it
    highlight: tuple[str, ...]  # analysed forms of its one-word names, for snippets


NameLookup = Callable[[str], tuple[Named, ...]]

# A quoted phrase, a field expression, or a bare word (letters first; not an operator,
# not a prefix or fuzzy term, not followed by a field colon or boost).
_PIECE = re.compile(
    r'"[^"]*"'
    r"|[A-Za-z_]+:(?:\"[^\"]*\"|\[[^\]]*\]|\S+)"
    r"|(?<![\w*~.^-])(?P<word>[^\W\d_][\w.&'-]*\w|[^\W\d_])(?![\w*~:^])"
)
_OPERATORS = {"AND", "OR", "NOT", "TO"}
_NEGATED = re.compile(r"(?:\bNOT\s+|(?<![\w-])-)\(*\s*$")


def name_key(word: str) -> str:
    """How a typed word and a catalogue name are compared: case and script folded."""
    return fold(" ".join(word.casefold().split()))


def expand(text: str, lookup: NameLookup) -> tuple[str, tuple[str, ...]]:
    """``text`` with each entity-naming bare word widened to its entities, and the
    extra terms to highlight."""
    extra: list[str] = []
    out: list[str] = []
    last = 0
    for m in _PIECE.finditer(text):
        word = m.group("word")
        if word is None or word in _OPERATORS:
            continue
        named = lookup(word)
        if not named:
            continue
        # Whoosh drops a boost written after a quoted keyword value; the parser sets
        # ENTITY_BOOST on these clauses after parsing (parser._boost_names).
        clauses = " OR ".join(f'{n.field}:"{n.name}"' for n in named)
        out += [text[last : m.start()], f"({word} OR {clauses})"]
        last = m.end()
        if not _NEGATED.search(text, 0, m.start()):  # excluded words are not lit up
            for n in named:
                extra += n.highlight
    if not out:
        return text, ()
    out.append(text[last:])
    return "".join(out), tuple(dict.fromkeys(extra))


def highlight_forms(names: Iterable[str], analyse: Callable[[str], list[str]]) -> tuple[str, ...]:
    """What a snippet marks for an entity's names: each CJK name as the word (marks
    cover the word, in either script), each one-word Latin name as its analysed term."""
    forms: list[str] = []
    for name in names:
        if has_cjk(name):
            forms += [fold(run) for run in CJK_RUN.findall(name)]
        elif len(name.split()) == 1:
            forms += analyse(name)
    return tuple(dict.fromkeys(f for f in forms if f))


def name_table(
    entities: Iterable[tuple[str, str, tuple[str, ...], tuple[str, ...]]],
) -> NameLookup:
    """A lookup from a typed word to the entities it names, in any of their names.

    ``entities``: (facet field, canonical name, aliases, case-exact aliases). A case-exact
    alias (such as "LI") names its entity only when typed with that case. Building it
    is a few milliseconds; each entity's highlight forms are analysed when it is first
    looked up (analysing them all took 60 ms before the first search).
    """
    table: dict[str, list[tuple[int, str | None]]] = {}
    rows: list[tuple[str, str, tuple[str, ...]]] = []
    for field, name, aliases, exact in entities:
        names = (name, *aliases)
        row = len(rows)
        rows.append((field, name, names))
        for form in names:
            if len(form.split()) != 1 or not _PIECE.fullmatch(form):
                continue  # a phrase or a symbol: nobody types it as one bare word
            got = table.setdefault(name_key(form), [])
            if all(r != row for r, _ in got):
                got.append((row, form if form in exact else None))
    made: dict[int, Named] = {}

    def named(row: int) -> Named:
        got = made.get(row)
        if got is None:
            field, name, names = rows[row]
            got = made[row] = Named(field, name, highlight_forms(names, _analyse))
        return got

    def lookup(word: str) -> tuple[Named, ...]:
        found = table.get(name_key(word), ())
        return tuple(named(r) for r, exact in found if exact is None or exact == word)

    return lookup


def _analyse(name: str) -> list[str]:
    from ..index.schema import analyzer

    return [t.text for t in _query_analyzer(analyzer)(name, mode="query")]


_ANALYZER: list[object] = []


def _query_analyzer(make: Callable[[], object]) -> Any:
    if not _ANALYZER:
        _ANALYZER.append(make())
    return _ANALYZER[0]
