"""Whoosh without ``urllib.request`` and ``asyncio``: 60 ms off every process using it.

Two imports of whoosh-reloaded are dead weight for Cellsight, which imports Whoosh in
every process (issue 17: a CLI search spent a quarter of its time on them):

- ``whoosh.compat`` runs ``from urllib.request import urlretrieve`` (http.client,
  email, ssl, socket: 40 ms); nothing in Whoosh calls it.
- ``whoosh.reading`` uses the ``cached_property`` package, which imports ``asyncio``
  (20 ms) to ask whether a decorated method is a coroutine; Whoosh's never are.

``prepare()`` imports both modules against stand-ins: ``urlretrieve`` imports the real
one if ever called, and ``asyncio``'s stand-in answers ``iscoroutinefunction`` as
``inspect`` does (what asyncio's own amounts to since Python 3.11 removed
``@asyncio.coroutine``) and loads the real asyncio for anything else. The stand-ins
leave ``sys.modules`` at once, so a later ``import asyncio`` gets the real module.
"""

from __future__ import annotations

import inspect
import sys
import types
from typing import Any


def _urlretrieve(*args: Any, **kwargs: Any) -> Any:
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


def _real_asyncio(name: str) -> Any:
    if name.startswith("__"):  # the import system and repr() probing the stand-in
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module("asyncio"), name)


def _stand_in(name: str, **attrs: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    return module


def _import_with(module: str, stand_in: types.ModuleType) -> None:
    """Import ``module`` while ``stand_in`` takes the place of the module it names."""
    name = stand_in.__name__
    if module in sys.modules or name in sys.modules:
        return
    sys.modules[name] = stand_in
    try:
        __import__(module)
    except ImportError:
        pass  # not installed: whoever imports it for real reports that
    finally:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        parent, _, child = name.rpartition(".")
        if parent and getattr(sys.modules.get(parent), child, None) is stand_in:
            delattr(sys.modules[parent], child)


def prepare() -> None:
    """Import Whoosh's two heavy leaves lightly (no effect once they are imported)."""
    _import_with("whoosh.compat", _stand_in("urllib.request", urlretrieve=_urlretrieve))
    asyncio = _stand_in("asyncio", iscoroutinefunction=inspect.iscoroutinefunction)
    asyncio.__getattr__ = _real_asyncio  # type: ignore[attr-defined]
    _import_with("cached_property", asyncio)
