"""Deterministic synthetic corpus of battery/EV news for the benchmarks.

``python benchmarks/corpus.py --size 10000 --out DIR`` writes 10,000 source files:
20% Chinese plain-text articles built from real sentences (chinese.py), and of the
rest about 75% plain-text articles, 10% saved HTML pages, 5% Nuxt payloads derived
from ``seeds/003``, 5% PDF reports (written by LibreOffice) and 5% e-mail newsletters
(documents.py). Document *i* depends only on the seed and *i*, so the 1k corpus is the
first thousand files of the 10k one and every run measures identical input.

Entity names come from ``resources/catalogue.toml`` with Zipf-like frequencies
(catalogue order is roughly prominence order: CATL before a small recycler), so facet
counts and postings have the skew a real library has.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make sibling modules importable
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from chinese import chinese_text_file
from documents import newsletter, pdf_writer, write_pdfs
from newswords import AUTHORS, FILLER, HEADLINES, SENTENCES, SOURCES
from pages import html_page, payload_variant, text_file

REPO = Path(__file__).resolve().parents[1]
CATALOGUE = REPO / "resources" / "catalogue.toml"
SEED_PAYLOAD = REPO / "seeds" / "003_f22a0f1a84bb31d8.txt"
OUT_ROOT = Path(__file__).resolve().parent / "out"
GENERATOR_VERSION = 3  # 2: a fifth of the documents in Chinese; 3: PDFs and e-mails
DEFAULT_SEED = 20240607
FIRST_DAY = dt.date(2019, 1, 1)
LAST_DAY = dt.date(2026, 6, 30)
FILES_PER_DIR = 1000
SLOT_TYPES = {
    "company": "company", "company2": "company", "person": "person", "place": "place",
    "org": "organisation", "policy": "policy", "material": "material", "product": "product",
}  # fmt: skip
_SLOT = re.compile(r"\{(\w+)\}")
_LATIN = re.compile(r"^[\x20-\x7e’]+$")


class Zipf:
    """Draws items by rank with weight 1/(rank+1)^s."""

    def __init__(self, items: list[str], s: float = 1.07) -> None:
        self.items = items
        weights = [1.0 / (r + 1) ** s for r in range(len(items))]
        total = 0.0
        self.cum: list[float] = []
        for w in weights:
            total += w
            self.cum.append(total)

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.items, cum_weights=self.cum, k=1)[0]


@dataclass(frozen=True)
class Vocabulary:
    names: dict[str, Zipf]  # entity type -> canonical names by prominence
    surfaces: dict[str, list[str]]  # canonical name -> Latin-script spellings
    projects: Zipf  # invented project/mine names: the long tail of a real lexicon
    sources: Zipf


def load_vocabulary(seed: int) -> Vocabulary:
    data = tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))
    by_type: dict[str, list[str]] = {}
    surfaces: dict[str, list[str]] = {}
    for e in data["entity"]:
        by_type.setdefault(e["type"], []).append(e["name"])
        forms = [a for a in (e["name"], *e.get("aliases", [])) if _LATIN.match(a)]
        surfaces[e["name"]] = forms or [e["name"]]
    rng = random.Random(seed)
    syll = ["ka", "ro", "mi", "ta", "lun", "gar", "vel", "os", "an", "tri", "bel", "cor", "du",
            "ne", "sal", "qu", "ira", "mar", "zen", "po"]  # fmt: skip
    projects = sorted({"".join(rng.choices(syll, k=rng.randint(2, 4))).title()
                       for _ in range(6000)})
    rng.shuffle(projects)
    return Vocabulary(
        names={t: Zipf(names) for t, names in by_type.items()},
        surfaces=surfaces,
        projects=Zipf(projects, 0.9),
        sources=Zipf(list(SOURCES), 0.8),
    )


@dataclass(frozen=True)
class Article:
    index: int
    title: str
    date: dt.date
    source: str
    author: str
    paragraphs: tuple[str, ...]

    def words(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)


def _quantity(slot: str, rng: random.Random) -> str:
    if slot == "gwh":
        return f"{rng.choice([2, 5, 8, 10, 12, 15, 20, 30, 35, 40, 50, 60, 80, 100, 120])} GWh"
    if slot == "money":
        cur = rng.choice(["$", "$", "$", "€", "¥"])
        if rng.random() < 0.5:
            return f"{cur}{rng.randint(1, 9)}.{rng.randint(0, 9)} billion"
        return f"{cur}{rng.randrange(50, 950, 10)} million"
    if slot == "pct":
        return f"{rng.uniform(0.5, 45):.1f}%" if rng.random() < 0.6 else f"{rng.randint(2, 60)}%"
    if slot == "tonnes":
        return f"{rng.randrange(5_000, 200_000, 500):,} tonnes"
    if slot == "price":
        return f"${rng.randrange(6_000, 80_000, 50):,}"
    if slot == "year":
        return str(rng.randint(2024, 2032))
    if slot == "count":
        return f"{rng.randrange(300, 12_000, 50):,}"
    raise KeyError(slot)


class Writer:
    """Builds one article; ``focus`` entities recur, as a story's subject does."""

    def __init__(self, vocab: Vocabulary, rng: random.Random) -> None:
        self.vocab = vocab
        self.rng = rng
        self.focus = {t: z.draw(rng) for t, z in vocab.names.items()}

    def entity(self, etype: str) -> str:
        rng = self.rng
        name = self.focus[etype] if rng.random() < 0.45 else self.vocab.names[etype].draw(rng)
        forms = self.vocab.surfaces[name]
        return name if rng.random() < 0.75 or len(forms) == 1 else rng.choice(forms[1:])

    def fill(self, template: str) -> str:
        def one(m: re.Match[str]) -> str:
            slot = m.group(1)
            etype = SLOT_TYPES.get(slot)
            return self.entity(etype) if etype else _quantity(slot, self.rng)

        text = _SLOT.sub(one, template)
        return text[0].upper() + text[1:]

    def sentence(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.55:
            return self.fill(rng.choice(SENTENCES))
        if roll < 0.65:
            project = self.vocab.projects.draw(rng)
            return self.fill(f"The {project} project in {{place}} is owned by {{company}}.")
        return rng.choice(FILLER)


def make_article(index: int, vocab: Vocabulary, seed: int) -> Article:
    rng = random.Random(f"{seed}:{index}")
    w = Writer(vocab, rng)
    target = rng.randint(380, 820)  # the last paragraph overshoots by up to ~80
    paragraphs: list[str] = []
    words = 0
    while words < target:
        para = " ".join(w.sentence() for _ in range(rng.randint(2, 5)))
        paragraphs.append(para)
        words += len(para.split())
    date = FIRST_DAY + dt.timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
    return Article(
        index=index,
        title=w.fill(rng.choice(HEADLINES)),
        date=date,
        source=vocab.sources.draw(rng),
        author=rng.choice(AUTHORS),
        paragraphs=tuple(paragraphs),
    )


def kind_of(index: int, seed: int) -> str:
    roll = random.Random(f"{seed}:kind:{index}").random()
    if roll < 0.2:
        return "zh"
    roll = (roll - 0.2) / 0.8
    if roll < 0.75:
        return "text"
    return "html" if roll < 0.85 else "payload" if roll < 0.9 else "pdf" if roll < 0.95 else "eml"


def relative_path(index: int, kind: str) -> Path:
    suffix = {"text": ".txt", "zh": ".txt", "html": ".html", "payload": ".json", "pdf": ".pdf",
              "eml": ".eml"}[kind]
    return Path(f"{index // FILES_PER_DIR:03d}") / f"{index:06d}{suffix}"


def write_corpus(size: int, out: Path, seed: int = DEFAULT_SEED) -> dict[str, object]:
    """Write ``size`` files under ``out``; returns a manifest (also saved as JSON)."""
    vocab = load_vocabulary(seed)
    seed_payload = json.loads(SEED_PAYLOAD.read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    kinds = {"text": 0, "zh": 0, "html": 0, "payload": 0, "pdf": 0, "eml": 0}
    pdfs: list[tuple[Path, Article]] = []
    total_bytes = 0
    words = 0
    for i in range(size):
        art = make_article(i, vocab, seed)
        kind = kind_of(i, seed)
        if kind == "zh":
            data = chinese_text_file(i, seed, art.date.isoformat())
        elif kind == "text":
            data = text_file(art, random.Random(f"{seed}:fmt:{i}"))
        elif kind == "html":
            data = html_page(art)
        elif kind == "payload":
            data = payload_variant(seed_payload, art)
        path = out / relative_path(i, kind)
        path.parent.mkdir(exist_ok=True)
        kinds[kind] += 1
        words += art.words()
        if kind == "pdf":
            pdfs.append((path, art))
            continue
        raw = newsletter(art) if kind == "eml" else data.encode("utf-8")
        path.write_bytes(raw)
        total_bytes += len(raw)
    write_pdfs(pdfs)
    total_bytes += sum(path.stat().st_size for path, _art in pdfs)
    manifest: dict[str, object] = {
        "version": GENERATOR_VERSION, "seed": seed, "files": size, "kinds": kinds,
        "pdf_writer": pdf_writer(),
        "bytes": total_bytes, "words": words,
    }  # fmt: skip
    manifest_path(out).write_text(json.dumps(manifest, indent=2))
    return manifest


def manifest_path(out: Path) -> Path:
    """Beside the corpus folder, so indexers never see it."""
    return out.parent / f"{out.name}.manifest.json"


def ensure_corpus(size: int, root: Path = OUT_ROOT, seed: int = DEFAULT_SEED) -> Path:
    """The cached corpus of ``size`` files, generating it on first use."""
    out = root / f"corpus-{size}" / "files"
    stamp = manifest_path(out)
    if stamp.is_file():
        m = json.loads(stamp.read_text())
        if m.get("version") == GENERATOR_VERSION and m.get("seed") == seed and m.get(
                "files") == size and m.get("pdf_writer") == pdf_writer():
            return out
    if out.exists():
        import shutil

        shutil.rmtree(out)
    write_corpus(size, out, seed)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", type=int, required=True, help="number of source files")
    p.add_argument("--out", type=Path, help=f"folder (default: cached under {OUT_ROOT})")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = p.parse_args(argv)
    if args.out is None:
        path = ensure_corpus(args.size, seed=args.seed)
    else:
        write_corpus(args.size, args.out, args.seed)
        path = args.out
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
