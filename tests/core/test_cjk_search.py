"""Chinese search on real news, in both scripts, and names across languages.

The set is tests/data/zh (real Xinhua / People's Daily energy articles; a quarter in
traditional script, see tests/data/README.md). A document must be found exactly when
its text contains the query word, whichever script either side is written in.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import opencc
import pytest

from cellsight.core.cjk import fold, query_grams, surface
from cellsight.core.library import Library
from cellsight.core.model import SearchRequest

REPO = Path(__file__).resolve().parents[2]
ZH = REPO / "tests" / "data" / "zh"
SEEDS = REPO / "seeds"
WORDS = ("电池 锂 锂电池 储能 光伏 新能源汽车 比亚迪 电站 风电 天然气 石油 管道 合作 "
         "投资 工厂 基础设施 中东 哈萨克斯坦 一带一路 记者 油 电").split()
S2T = opencc.OpenCC("s2t")


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    root = tmp_path_factory.mktemp("zh")
    src = root / "src"
    shutil.copytree(ZH, src, ignore=shutil.ignore_patterns("*.json"))
    for seed in SEEDS.iterdir():
        shutil.copy(seed, src / seed.name)
    # Real-shaped: a traditional-script report naming CATL, and a simplified one naming
    # CATL and Ford in Chinese only.
    (src / "hk_catl.txt").write_text(
        "寧德時代公布季度業績\n\n寧德時代週四表示，鈉離子電池將於明年量產。福特汽車亦在洽談。\n",
        encoding="utf-8")
    (src / "cn_catl_ford.txt").write_text(
        "宁德时代与福特签约\n\n宁德时代表示，将向福特供应磷酸铁锂电池，工厂位于密歇根州。\n",
        encoding="utf-8")
    lib = Library(root / "lib")
    lib.update([src])
    yield lib
    lib.close()


def _names(lib: Library, query: str, **kw: object) -> set[str]:
    res = lib.search(SearchRequest(query=query, limit=1000, **kw))  # type: ignore[arg-type]
    assert res.total == len(res.hits)
    return {Path(h.path).name for h in res.hits}


def _containing(lib: Library, word: str) -> set[str]:
    w = fold(word)
    return {Path(d.parsed.path).name for d in lib.store.documents()
            if w in fold(d.parsed.title + "\n" + d.parsed.text)}


@pytest.mark.parametrize("word", WORDS)
def test_every_document_containing_a_word_is_found_in_both_scripts(library: Library,
                                                                   word: str) -> None:
    expected = _containing(library, word)
    assert expected, word
    assert _names(library, f'"{word}"') == expected  # exact: no entity widening
    assert _names(library, f'"{S2T.convert(word)}"') == expected


def test_snippets_mark_the_word_not_the_clause(library: Library) -> None:
    res = library.search("电池")
    assert res.hits
    for hit in res.hits:
        marked = {hit.snippet[s:e] for s, e in hit.snippet_spans}
        assert marked and marked <= {"电池", "電池"}, (hit.path, marked)


def test_reader_highlights_a_traditional_name_for_a_simplified_query(library: Library) -> None:
    doc = next(d for d in library.store.documents() if d.parsed.path.endswith("hk_catl.txt"))
    spans = library.highlights(doc, "宁德时代")
    assert {doc.full_text[s.start:s.end] for s in spans} == {"寧德時代"}
    companies = {e.name for e in doc.entities if e.type == "company"}
    assert {"CATL", "Ford"} <= companies  # 寧德時代 and 福特 are the catalogue's names


def test_a_word_being_typed_finds_the_longer_words_it_begins(library: Library) -> None:
    typed = _names(library, "宁德时", typing=True)
    assert {"hk_catl.txt", "cn_catl_ford.txt"} <= typed


def test_no_spelling_suggestion_glues_cjk_fragments(library: Library) -> None:
    res = library.search("宁德时代发射火箭")
    assert res.total == 0 and res.suggestion is None


def test_a_catalogue_name_finds_the_entity_in_every_language(library: Library) -> None:
    english = {"000_f46d39af272e523c.txt", "001_e7f90f2a8ce66be3.txt",
               "002_93dc4c72c663ac72.txt", "003_f22a0f1a84bb31d8.txt"}
    catl = library.search(SearchRequest(query="CATL", limit=100))
    found = [Path(h.path).name for h in catl.hits]
    assert {"hk_catl.txt", "cn_catl_ford.txt"} <= set(found)
    # Documents with the typed word itself rank first.
    with_word = [n for n in found if n in english]
    assert found[: len(with_word)] == with_word
    # The snippet of a Chinese-only document marks the alias that matched.
    hk = next(h for h in catl.hits if h.path.endswith("hk_catl.txt"))
    assert {hk.snippet[s:e] for s, e in hk.snippet_spans} == {"寧德時代"}
    # And the other way round: the Chinese name finds the English articles.
    assert english & _names(library, "宁德时代")
    assert {"001_e7f90f2a8ce66be3.txt"} <= _names(library, "福特")
    assert {"hk_catl.txt", "cn_catl_ford.txt"} <= _names(library, "Ford")
    # Quoted, a name is searched exactly as written.
    assert not {"hk_catl.txt", "cn_catl_ford.txt"} & _names(library, '"CATL"')


def test_bigram_helpers() -> None:
    assert query_grams("宁德时代") == ["宁德", "德时", "时代"]
    assert query_grams("锂") == ["锂"]
    assert surface(["宁德", "德时", "时代"]) == "宁德时代"
    assert surface(["宁德", "时代"]) is None
    assert fold("寧德時代 CATL") == "宁德时代 CATL"
