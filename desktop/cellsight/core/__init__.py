"""Qt-free heart of Cellsight: ingest → enrich → index → query, plus prices.

Nothing below this package may import Qt or ``cellsight.ui`` (checked by
import-linter and by ``tests/core/test_architecture.py``).
"""

from .index import lean_whoosh

lean_whoosh.prepare()  # before any module here imports Whoosh (see lean_whoosh)
