"""What makes a command-line process start quickly (issue 17).

OpenBLAS, loaded with numpy, starts one thread per CPU (and sizes a buffer for each)
before anything is computed: 60 of the ~140 ms numpy took to import on the 2-CPU
benchmark machine. Nothing a command line does with numpy is BLAS work (element-wise
masks, sorts, sums), so numpy is imported with one BLAS thread; the variable is put
back at once, so that processes started later (indexing workers) choose as before.
"""

from __future__ import annotations

import os
import sys

_VAR = "OPENBLAS_NUM_THREADS"


def quick_numpy() -> None:
    """Import numpy with a single BLAS thread, unless it is imported already or the
    user chose a number of threads."""
    if "numpy" in sys.modules or _VAR in os.environ:
        return
    os.environ[_VAR] = "1"
    try:
        import numpy  # noqa: F401 - imported now for its BLAS threads
    finally:
        os.environ.pop(_VAR, None)
