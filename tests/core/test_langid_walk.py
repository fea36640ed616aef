"""The numpy byte walk counts exactly what py3langid's own loop counts."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier, visit_counts

from cellsight.core.enrich.langid_walk import WalkingIdentifier, _depth
from cellsight.core.enrich.language import LANGUAGES, _identifier

DATA = Path(__file__).resolve().parents[1] / "data"


def _real_texts() -> list[str]:
    """Real sentences and articles: nine languages, Chinese in both scripts."""
    texts = []
    for path in sorted((DATA / "lang").glob("*.txt")):
        texts += [x for x in path.read_text(encoding="utf-8").splitlines()[:60] if x.strip()]
    for path in sorted((DATA / "articles").glob("*.txt")):
        body = path.read_text(encoding="utf-8")
        texts += [body[:600], body[600:2600]]
    return texts


@pytest.fixture(scope="module")
def reference() -> LanguageIdentifier:
    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(sorted(LANGUAGES))
    return ident


def test_counts_match_py3langid_on_real_text_and_random_bytes() -> None:
    ident = _identifier()
    assert isinstance(ident, WalkingIdentifier)
    rng = random.Random(7)
    samples = [ident._encode(t) for t in _real_texts()]
    samples += [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
                for _ in range(200)]  # fmt: skip
    samples += [b"", b"a", b"ab", b"\xe4\xb8"]  # shorter than the automaton's depth
    assert len(samples) > 800
    featureless = 0
    for raw in samples:
        featureless += visit_counts(ident.tk_nextmove, ident._rowbase, ident.tk_output,
                                    raw) is None  # fmt: skip
        # py3langid's own scoring, on the same (contiguous) table: bit for bit equal
        assert ident._raw_score(raw).tolist() == LanguageIdentifier._raw_score(
            ident, raw).tolist(), raw[:40]  # fmt: skip
    assert 0 < featureless < len(samples) // 20  # b"" has none; real text has many


def test_answers_equal_py3langid(reference: LanguageIdentifier) -> None:
    ident = _identifier()
    texts = _real_texts()
    assert [ident.classify(t) for t in texts] == [reference.classify(t) for t in texts]
    codes = {ident.classify(t)[0] for t in texts}
    assert {"en", "de", "zh", "ru", "fr"} <= codes


def test_depth_is_the_longest_pattern() -> None:
    # start 0; "a" → 1, "ab" → 2, "abc" → 3; every other byte back to the start
    table = [[0] * 256 for _ in range(4)]
    table[0][97] = table[1][97] = table[2][97] = table[3][97] = 1
    table[1][98] = 2
    table[2][99] = 3
    assert _depth(np.asarray(table), np.arange(4)) == 3
    assert _identifier()._depth >= 4
