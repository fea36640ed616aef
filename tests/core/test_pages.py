"""Paged documents: page starts survive the store, and a snippet knows its page."""

from __future__ import annotations

from cellsight.core.index.fast_analysis import stem_of
from cellsight.core.model import ParsedDocument, page_at
from cellsight.core.query.highlight import flat_page_starts, snippet_at
from cellsight.core.serialize import parsed_from_dict, parsed_to_dict

BODY = (
    "Annual report of a cathode maker.\n\n  Capacity   grew.\n\n"
    "Page two talks about   nickel\tsulphate supply.\n\n"
    "Page three:\nthe lithium hydroxide contract with a carmaker.\n\n"
)
PAGES = (0, BODY.index("Page two"), BODY.index("Page three"))


def test_page_at_counts_from_one_and_none_when_not_paged() -> None:
    assert page_at((), 10) is None
    assert page_at(PAGES, 0) == 1
    assert page_at(PAGES, PAGES[1] - 1) == 1
    assert page_at(PAGES, PAGES[1]) == 2
    assert page_at(PAGES, len(BODY)) == 3


def test_snippet_page_is_the_page_of_its_first_marked_term() -> None:
    flat = flat_page_starts(BODY, PAGES)
    assert flat[0] == 0
    joined = " ".join(BODY.split())
    assert joined[flat[1]:].startswith("Page two") and joined[flat[2]:].startswith("Page three")
    for word, page in (("cathode", 1), ("nickel", 2), ("hydroxide", 3), ("carmaker", 3)):
        snip, spans, at = snippet_at(BODY, [stem_of(word)])
        assert spans and snip[spans[0][0]:spans[0][1]].lower().startswith(word)
        assert page_at(flat, at) == page, word


def test_pages_ocr_pages_and_member_round_trip_through_the_store_format() -> None:
    p = ParsedDocument("a.zip", "pdf", "T", BODY, pages=PAGES, ocr_pages=(3,), member="r.pdf")
    back = parsed_from_dict(parsed_to_dict(p))
    assert back == p
    plain = ParsedDocument("a.txt", "text", "T", BODY)
    assert "pages" not in parsed_to_dict(plain) and parsed_from_dict(parsed_to_dict(plain)) == plain
