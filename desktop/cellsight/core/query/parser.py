"""The user's query language on top of Whoosh's parser.

AND by default; AND/OR/NOT, "phrases", ``field:value`` with friendly names
(``company:CATL``, ``org:MIIT``), wildcards, ``term~`` fuzzy, ``date:2024``,
``date:[2024-01 to 2024-06]`` and ``date:>2025-01-01``. Mistakes become a
``QueryError`` with a message a person can act on.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from whoosh import query as wq
from whoosh.fields import Schema
from whoosh.qparser import (
    FieldAliasPlugin,
    FuzzyTermPlugin,
    GtLtPlugin,
    MultifieldPlugin,
    QueryParser,
)

from ..cjk import has_cjk
from ..errors import QueryError
from ..index.fast_analysis import stoplist
from ..index.schema import ENTITY_FACETS, KEYWORD_FIELDS
from .names import ENTITY_BOOST, NameLookup, expand

FIELD_ALIASES: dict[str, list[str]] = {
    "company": ["companies", "co"],
    "person": ["people", "who"],
    "place": ["places", "where", "country", "location"],
    "organisation": ["organization", "org", "orgs", "agency"],
    "policy": ["policies", "law"],
    "material": ["materials", "chemistry", "commodity"],
    "product": ["products"],
    "topic": ["topics"],
    "source": ["site", "publisher"],
    "kind": ["type", "format"],
    "tag": ["tags", "category"],
    "language": ["lang"],
    "body": ["text", "content"],
}
SEARCHABLE = ("title", "body", "author", "date", "year", *KEYWORD_FIELDS)
KNOWN_NAMES = set(SEARCHABLE) | {a for aliases in FIELD_ALIASES.values() for a in aliases}
_FIELD_RE = re.compile(r"(?<![\w\"])([A-Za-z_]+):(?!//)")
# A bare word at the very end: not a field value, phrase, operator, wildcard or fuzzy.
# The word being typed, from its third character: a two-letter prefix matched most of a
# library (li* → 80 % of 50k documents) after reading thousands of rare words' lists,
# the slowest keystroke of a word; as typed, "li" is a word of its own (Li-ion, Li Auto).
_LAST_WORD = re.compile(r"(?<![\w:\"*~.-])(?!(?:AND|OR|NOT)$)([^\W\d_][\w]{2,})$")
_YEAR_ONLY = re.compile(r"\bdate:(\d{4})(?![-/.\d])")  # not the year of a full date

# Resolves a keyword-field value typed by the user to the stored value, or None.
Resolver = Callable[[str, str], str | None]


def is_browse(text: str) -> bool:
    return text.strip() in ("", "*")


def check_syntax(text: str) -> None:
    if text.count('"') % 2:
        raise QueryError('A quotation mark is not closed: add the closing " to end the phrase.')
    depth = 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            raise QueryError("A closing parenthesis ')' has no matching '('.")
    if depth:
        raise QueryError("A parenthesis '(' is not closed: add the matching ')'.")
    if text.count("[") != text.count("]"):
        raise QueryError("A date range needs both brackets, e.g. date:[2024-01-01 to 2024-06-30].")
    for m in _FIELD_RE.finditer(text):
        name = m.group(1).lower()
        if name not in KNOWN_NAMES:
            known = ", ".join(sorted(set(SEARCHABLE) - {"kind"}))
            raise QueryError(f"Unknown field '{m.group(1)}:'. Fields you can use: {known}.")
    if re.search(r"(^|\s)(AND|OR)\s*$", text) or re.match(r"^\s*(AND|OR)\b", text):
        raise QueryError("AND/OR needs a word on both sides.")


class QueryBuilder:
    def __init__(self, schema: Schema) -> None:
        self.parser = QueryParser("body", schema, group=_and_group())
        self.stops = stoplist(schema["body"].analyzer) or frozenset()
        self.parser.add_plugin(MultifieldPlugin(["title", "body"]))
        self.parser.add_plugin(FuzzyTermPlugin())
        self.parser.add_plugin(GtLtPlugin())
        self.parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))

    def parse(self, text: str, resolve: Resolver, *, typing: bool = False) -> wq.Query:
        return self.parse_with_names(text, resolve, typing=typing)[0]

    def parse_with_names(
        self, text: str, resolve: Resolver, *, typing: bool = False,
        names: NameLookup | None = None,
    ) -> tuple[wq.Query, tuple[str, ...]]:
        """Parse a non-browse query; keyword-field values are resolved to stored case.

        ``typing``: the last word is still being typed, so it also matches as a prefix.
        ``names``: words that name catalogue entities also find the entity (names.py);
        returned with the query are the entity names' terms to highlight.
        """
        check_syntax(text)
        extra: tuple[str, ...] = ()
        if names is not None:
            text, extra = expand(text, names)
        if typing:
            # A CJK word needs no prefix form: its bigram phrase already matches every
            # longer word it begins (宁德时 finds 宁德时代).
            text = _LAST_WORD.sub(lambda m: m.group() if has_cjk(m.group())
                                  else f"({m.group(1)} OR {m.group(1)}*)", text)
        # Field names are case-insensitive for people; Whoosh's are not.
        text = _FIELD_RE.sub(lambda m: m.group(1).lower() + ":", text)
        text = _YEAR_ONLY.sub(r"date:[\1-01-01 to \1-12-31]", text)
        try:
            q = self.parser.parse(text)
        except Exception as exc:
            raise QueryError(f"Could not understand the query: {exc}") from exc
        q = _resolve_keywords(q, resolve)
        if extra:
            q = _boost_names(q)
        if q is wq.NullQuery or type(q).__name__ == "_NullQuery":
            # The analyser drops one-letter words; while typing, treat one as a prefix
            # ("l" → l*) instead of answering the first keystroke with an error.
            word = text.strip().lower()
            if word.isalnum():
                return wq.Or([wq.Prefix("title", word), wq.Prefix("body", word)]), extra
            raise QueryError("The query has no words to search for.")
        return q, extra


def _boost_names(q: wq.Query) -> wq.Query:
    """Entity clauses added for a name (names.expand) score below the typed word."""
    if isinstance(q, wq.Or):
        subs = [_boost_names(s) for s in q.subqueries]
        words = [s for s in subs if not (isinstance(s, wq.Term) and s.fieldname in ENTITY_FACETS)]
        if words and len(words) < len(subs):
            subs = [wq.Term(s.fieldname, s.text, boost=ENTITY_BOOST) if s not in words else s
                    for s in subs]  # fmt: skip
        return q.__class__(subs, boost=q.boost)
    if isinstance(q, wq.CompoundQuery):
        return q.__class__([_boost_names(s) for s in q.subqueries], boost=q.boost)
    if isinstance(q, wq.Not):
        return wq.Not(_boost_names(q.query))
    return q


def _and_group():  # type: ignore[no-untyped-def]
    from whoosh.qparser import AndGroup

    return AndGroup


def _resolve_keywords(q: wq.Query, resolve: Resolver) -> wq.Query:
    if isinstance(q, (wq.Term, wq.Prefix, wq.Wildcard)) and q.fieldname in KEYWORD_FIELDS:
        raw = q.text.decode() if isinstance(q.text, bytes) else str(q.text)
        if isinstance(q, wq.Term):
            stored = resolve(q.fieldname, raw)
            return wq.Term(q.fieldname, stored if stored is not None else raw, boost=q.boost)
        return q
    if isinstance(q, wq.Phrase) and q.fieldname in KEYWORD_FIELDS:
        raw = " ".join(str(w) for w in q.words)
        stored = resolve(q.fieldname, raw)
        return wq.Term(q.fieldname, stored if stored is not None else raw, boost=q.boost)
    if isinstance(q, wq.Not):
        return wq.Not(_resolve_keywords(q.query, resolve))
    if isinstance(q, wq.CompoundQuery):
        return q.__class__([_resolve_keywords(s, resolve) for s in q.subqueries], boost=q.boost)
    return q
