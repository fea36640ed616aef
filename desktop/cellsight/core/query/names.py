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
) -> dict[str, tuple[tuple[Named, str | None], ...]]:
    """Folded one-word name → the entities it names, each with the exact spelling it
    requires (an alias the catalogue marks case-exact, such as "LI") or None.

    ``entities``: (facet field, canonical name, aliases, case-exact aliases).
    """
    from ..index.schema import analyzer

    ana = analyzer()

    def analyse(name: str) -> list[str]:
        return [t.text for t in ana(name, mode="query")]

    table: dict[str, list[tuple[Named, str | None]]] = {}
    for field, name, aliases, exact in entities:
        names = (name, *aliases)
        named = Named(field, name, highlight_forms(names, analyse))
        for form in names:
            if len(form.split()) != 1 or not _PIECE.fullmatch(form):
                continue  # a phrase or a symbol: nobody types it as one bare word
            entry = (named, form if form in exact else None)
            got = table.setdefault(name_key(form), [])
            if all(e[0] != named for e in got):
                got.append(entry)
    return {k: tuple(v) for k, v in table.items()}


def lookup_in(table: dict[str, tuple[tuple[Named, str | None], ...]]) -> NameLookup:
    def lookup(word: str) -> tuple[Named, ...]:
        found = table.get(name_key(word), ())
        return tuple(n for n, exact in found if exact is None or exact == word)

    return lookup
