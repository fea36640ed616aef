"""Near-duplicates: syndicated copies and re-saved versions of one article, found at
index time (MinHash over word shingles, see minhash.py), kept as clusters in the
document store (clusters.py) and folded by the searcher (fold.py)."""
