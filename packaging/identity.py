"""The app's identity, read from the two places that own it, for every package format.

Name, id and version come from ``desktop/cellsight/__init__.py``; description, licence and
maintainer from ``pyproject.toml``. Nothing here is typed twice, so a release only bumps
``__version__``.
"""

from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Identity:
    name: str  # human name, e.g. "Cellsight"
    app_id: str  # reverse-DNS id: desktop file, icon and AppStream component name
    version: str
    package: str  # lower-case package / command name
    description: str
    licence: str
    maintainer_name: str
    maintainer_email: str

    @property
    def maintainer(self) -> str:
        return f"{self.maintainer_name} <{self.maintainer_email}>"


def _module_constants(path: Path) -> dict[str, str]:
    # Parsed, not imported: the build must not depend on the app importing cleanly.
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    out[target.id] = node.value.value
    return out


def load_identity(root: Path = ROOT) -> Identity:
    consts = _module_constants(root / "desktop" / "cellsight" / "__init__.py")
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    author = project["authors"][0]
    licence = project["license"]
    return Identity(
        name=consts["APP_NAME"],
        app_id=consts["APP_ID"],
        version=consts["__version__"],
        package=project["name"],
        description=project["description"],
        licence=licence["text"] if isinstance(licence, dict) else str(licence),
        maintainer_name=author["name"],
        maintainer_email=author["email"],
    )


if __name__ == "__main__":
    # `python packaging/identity.py version` is how CI scripts read the version.
    import sys

    ident = load_identity()
    print(getattr(ident, sys.argv[1]) if len(sys.argv) > 1 else ident)
