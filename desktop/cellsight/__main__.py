"""Entry point: ``cellsight`` (the app) or ``cellsight COMMAND`` (the CLI)."""

from __future__ import annotations

import os
import sys


def main() -> int:
    from .cli_serve import ENV_SERVE

    if ENV_SERVE in os.environ:  # started by a CLI search to answer the next ones
        from .cli_serve import serve_from_environment

        return serve_from_environment()
    from .cli import main as cli_main

    return cli_main(sys.argv[1:], resident=True)


if __name__ == "__main__":
    sys.exit(main())
