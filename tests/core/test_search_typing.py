"""Search-as-you-type: the word being typed also matches as a prefix."""

from __future__ import annotations

from pathlib import Path

import pytest

from cellsight.core.library import Library
from cellsight.core.model import SearchRequest
from cellsight.core.query.parser import _LAST_WORD


@pytest.mark.parametrize(("typed", "sent"), [
    ("lit", "(lit OR lit*)"),
    ("lithium pri", "lithium (pri OR pri*)"),
    ("company:CATL", "company:CATL"),  # a field value is never widened
    ("battery AND", "battery AND"),
    ("lith*", "lith*"),
    ("sodium~", "sodium~"),
    ('"energy storage"', '"energy storage"'),
    ("2024", "2024"),
    ("l", "l"),  # one letter is already a prefix (see QueryBuilder.parse)
    ("li", "li"),  # two letters: a word (Li-ion), not most of the library
    ("lithium li", "lithium li"),
])
def test_only_a_trailing_bare_word_is_widened(typed: str, sent: str) -> None:
    assert _LAST_WORD.sub(r"(\1 OR \1*)", typed) == sent


def test_typing_finds_words_before_they_are_complete(tmp_path: Path, seeds: Path) -> None:
    with Library(tmp_path / "lib") as lib:
        lib.update([seeds])
        done = lib.search(SearchRequest(query="licensing"))
        typing = lib.search(SearchRequest(query="licen", typing=True))
        assert lib.search(SearchRequest(query="licen")).total == 0
        assert typing.total >= done.total >= 2
        assert {h.id for h in done.hits} <= {h.id for h in typing.hits}
        # The snippet lights up the words the prefix matched.
        hit = typing.hits[0]
        marked = [hit.snippet[a:b].lower() for a, b in hit.snippet_spans]
        assert any(m.startswith("licen") for m in marked)


def test_one_typed_character_shows_the_library(tmp_path: Path, seeds: Path) -> None:
    with Library(tmp_path / "lib") as lib:
        lib.update([seeds])
        everything = lib.search(SearchRequest(query=""))
        typed = lib.search(SearchRequest(query="l", typing=True))
        assert typed.total == everything.total > 0
        assert [h.id for h in typed.hits] == [h.id for h in everything.hits]
        assert typed.request.query == "l"
        # Entered, it is a search: the words starting with it.
        entered = lib.search(SearchRequest(query="l"))
        assert 0 < entered.total <= everything.total
        assert entered.terms == ("l*",)


def test_one_typed_character_lights_up_nothing_in_the_reader(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil
    from pathlib import Path

    from cellsight.core.library import Library

    src = tmp_path / "src"
    shutil.copytree(Path(__file__).resolve().parents[2] / "seeds", src)
    with Library(tmp_path / "lib") as lib:
        lib.update([src])
        doc = next(iter(lib.store.documents()))
        assert lib.highlights(doc, "l") == []
        assert lib.highlights(doc, "CATL")  # a word still does


def _postings_read(monkeypatch: pytest.MonkeyPatch, field: str | None = None,
                   weights_only: bool = False) -> list[bytes]:  # fmt: skip
    """The words whose postings are read from now on (in ``field``; without the
    positions snippets read, if ``weights_only``)."""
    from cellsight.core.query import postings

    reads: list[bytes] = []
    real = postings.read_postings

    def counting(leaf, name, btext, **kw):  # type: ignore[no-untyped-def]
        if (field is None or name == field) and not (weights_only and kw.get("values")):
            reads.append(btext)
        return real(leaf, name, btext, **kw)

    monkeypatch.setattr(postings, "read_postings", counting)
    return reads


def test_a_longer_prefix_is_cut_from_the_shorter_ones_words(
        tmp_path: Path, seeds: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    with Library(tmp_path / "lib") as lib:
        lib.update([seeds])
        assert lib.search(SearchRequest(query="lic", typing=True)).total
        reads = _postings_read(monkeypatch)
        typed = lib.search(SearchRequest(query="licen", typing=True))
        # The words the prefix expands to are not read again (only "licen" itself, the
        # exact word the query also asks for).
        assert not [t for t in reads if t.startswith(b"licen") and t != b"licen"]
        monkeypatch.undo()
        with Library(tmp_path / "lib", read_only=True) as fresh:
            direct = fresh.search(SearchRequest(query="licen", typing=True))
        assert typed.total == direct.total > 0
        assert [h.id for h in typed.hits] == [h.id for h in direct.hits]
        assert typed.terms == direct.terms


def test_two_typed_letters_are_a_word(tmp_path: Path, seeds: Path) -> None:
    with Library(tmp_path / "lib") as lib:
        lib.update([seeds])
        typed = lib.search(SearchRequest(query="li", typing=True))
        assert typed.total == lib.search(SearchRequest(query="li")).total
        assert typed.total < lib.search(SearchRequest(query="li*")).total


def test_a_common_word_read_for_a_prefix_is_not_read_again_as_a_word(
        tmp_path: Path, seeds: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from cellsight.core.query import postings

    monkeypatch.setattr(postings, "FREQUENT_MIN", 1)  # the seeds' segments are small
    with Library(tmp_path / "lib") as lib:
        lib.update([seeds])
        assert lib.search(SearchRequest(query="lit", typing=True)).total
        reads = _postings_read(monkeypatch, field="body", weights_only=True)
        typed = lib.search(SearchRequest(query="lithium", typing=True))
        assert b"lithium" not in reads
        monkeypatch.undo()
        with Library(tmp_path / "lib", read_only=True) as fresh:
            direct = fresh.search(SearchRequest(query="lithium", typing=True))
        assert [(h.id, round(h.score, 6)) for h in typed.hits] == [
            (h.id, round(h.score, 6)) for h in direct.hits]
