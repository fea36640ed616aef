"""Which language a document is written in (py3langid), and its Snowball stemmer.

Measured on real news sentences (Leipzig Wortschatz corpora via lingua-py's test data,
1,000 per language, en de fr es pt it nl ru zh): py3langid restricted to the languages
below is right on 99.8 % of sentences and 97.2 % of five-word snippets (title-sized);
pycld2 on 96.0 % and 82.0 % (benchmarks/language_eval.py). py3langid's model takes
~0.8 s to load, once per indexing process, and 0.2 ms per document after that.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from typing import Any

# Languages a battery-market analyst's library holds; restricting the model to them
# is what makes short texts reliable (an unrestricted model calls Spanish titles
# Galician or Catalan).
LANGUAGES = {
    "en": "English", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "de": "German",
    "fr": "French", "es": "Spanish", "pt": "Portuguese", "it": "Italian", "nl": "Dutch",
    "ru": "Russian", "sv": "Swedish", "da": "Danish", "no": "Norwegian", "fi": "Finnish",
    "pl": "Polish", "cs": "Czech", "tr": "Turkish", "hu": "Hungarian", "id": "Indonesian",
}  # fmt: skip
# Snowball stemmers (PyStemmer) by language; English keeps Whoosh's Porter stemmer,
# which the index has always used for it.
SNOWBALL = {
    "de": "german", "fr": "french", "es": "spanish", "pt": "portuguese", "it": "italian",
    "nl": "dutch", "ru": "russian", "sv": "swedish", "da": "danish", "no": "norwegian",
    "fi": "finnish", "tr": "turkish", "hu": "hungarian", "id": "indonesian",
}  # fmt: skip
SAMPLE_CHARS = 600  # a paragraph decides it; 1,500 characters cost 0.8 ms a document
_lock = threading.Lock()

# Plainly English text skips the model, which took 7 % of an indexing worker's time
# (0.9 ms a document, of 12-13 ms). English prose is a fifth or more these function
# words; left out are those other listed languages also use (in, is, was, will, an).
# Measured: no paragraph of 4 sentences in de fr es pt it nl ru zh (tests/data/lang)
# and no non-English document in tests/data goes over 6.7 %; of the documents at one
# word in six or more, every one (71 in tests/data, 756 of 1,000 in a benchmark folder)
# is English to py3langid too.
_ENGLISH = frozenset("the of and to for on with that as by at from it be are has have "
                     "said its which this were or not but".split())  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+")
ENGLISH_SHARE = 6  # one word in this many or more
ENGLISH_MIN_WORDS = 20


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(sorted(LANGUAGES))
    return ident


def detect(title: str, text: str) -> str:
    """The language code of a document ("" when there is too little text to tell)."""
    sample = f"{title}\n{text[:SAMPLE_CHARS]}".strip()
    if sum(ch.isalpha() for ch in sample[:200]) < 3:
        return ""
    if _plainly_english(sample):
        return "en"
    with _lock:  # building the identifier is not thread-safe; classifying is cheap
        ident = _identifier()
    code, _confidence = ident.classify(sample)
    return str(code)


def _plainly_english(sample: str) -> bool:
    words = _WORD.findall(sample)
    if len(words) < ENGLISH_MIN_WORDS:
        return False
    if not sample.isascii() and sum(not w.isascii() for w in words) * 50 > len(words):
        return False  # another script, or accented words: the model decides
    return sum(w.lower() in _ENGLISH for w in words) * ENGLISH_SHARE >= len(words)


def name_of(code: str) -> str:
    """The facet value: the language's English name."""
    return LANGUAGES.get(code, code)


def code_of(name: str) -> str:
    for code, shown in LANGUAGES.items():
        if shown == name:
            return code
    return name


@cache
def stemmer(code: str) -> Any | None:
    """PyStemmer's Snowball stemmer for ``code``, or None (English and CJK: none)."""
    algorithm = SNOWBALL.get(code)
    if algorithm is None:
        return None
    import Stemmer

    return Stemmer.Stemmer(algorithm)
