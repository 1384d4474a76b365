"""Typer's help renderer without the two rich modules irrkit's help never uses.

``typer.rich_utils`` (imported to print any help) imports ``rich.markdown`` (with markdown-it, ~50 ms) and
``rich.traceback`` (~25 ms) for two classes: irrkit's help is written in rich markup, not Markdown, and irrkit
prints no tracebacks (``pretty_exceptions_enable=False``). :func:`load` imports ``typer.rich_utils`` with
stand-ins for those two classes, which load the real class if they are ever used; the real modules stay
importable as usual. Part of ``irrkit --help`` answering in under 0.3 s.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_LIGHT = (("rich.markdown", "Markdown"), ("rich.traceback", "Traceback"))


def _stand_in(module: str, name: str) -> type:
    def real() -> Any:
        return getattr(importlib.import_module(module), name)

    class Deferred(type):
        def __getattr__(cls, attr: str) -> Any:  # class attributes (Traceback.from_exception, ...)
            return getattr(real(), attr)

        def __instancecheck__(cls, obj: object) -> bool:
            return isinstance(obj, real())

    class StandIn(metaclass=Deferred):
        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            return real()(*args, **kwargs)

    StandIn.__name__ = StandIn.__qualname__ = name
    return StandIn


def load() -> None:
    """Import ``typer.rich_utils`` with stand-ins for rich's Markdown and Traceback (once)."""
    if "typer.rich_utils" in sys.modules:
        return
    fakes = {}
    for module, name in _LIGHT:
        if module not in sys.modules:
            fake = types.ModuleType(module)
            setattr(fake, name, _stand_in(module, name))
            fakes[module] = fake
    sys.modules.update(fakes)
    try:
        import typer.rich_utils  # noqa: F401
    except ImportError:  # another Typer: it imports what it needs when it prints help
        pass
    finally:
        for module, fake in fakes.items():
            if sys.modules.get(module) is fake:
                del sys.modules[module]
