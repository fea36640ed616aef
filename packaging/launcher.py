"""Entry script of the frozen app: the same ``main`` the ``cellsight`` console script runs."""

import multiprocessing
import sys

from cellsight.__main__ import main

if __name__ == "__main__":
    # A frozen child process re-runs this script; freeze_support routes it to its worker.
    multiprocessing.freeze_support()
    sys.exit(main())
