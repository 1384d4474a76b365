"""Typer's option values without pydantic for the plain types irrkit's options use.

Typer (0.2x) coerces every option value, defaults included, through a pydantic ``TypeAdapter`` that it builds per
parameter on first use: importing pydantic and building a dozen adapters costs 0.1-0.3 s of every command's start.
:func:`install` puts a cheaper coercion in front of it for what the command line gives irrkit (strings of valid
integers, floats, enum values and paths; defaults that already have their type). Anything else (a malformed
number, a value out of range, an unknown choice, a type irrkit does not use) goes to Typer's own coercion, so
errors and edge cases read exactly as Typer writes them. Without the private pieces this relies on (another Typer
version), nothing is installed and Typer works as it does.
"""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NO = object()  # "not handled here": Typer's coercion decides


def _in_range(x: float, info: Any) -> bool:
    if getattr(info, "clamp", False):
        return False
    lo, hi = getattr(info, "min", None), getattr(info, "max", None)
    return (lo is None or x >= lo) and (hi is None or x <= hi)


def _path_plain(info: Any) -> bool:
    """Path options with Typer's defaults (no existence check, no resolving, no dash, no path_type)."""
    return (not getattr(info, "exists", False) and not getattr(info, "resolve_path", False)
            and not getattr(info, "allow_dash", False) and getattr(info, "path_type", None) is None)


def quick_value(value: Any, ann: Any, info: Any, param: Any, ctx: Any) -> Any:
    """``value`` coerced to ``ann`` as Typer would, or ``_NO`` when Typer's own coercion should decide."""
    if getattr(info, "parser", None) is not None or getattr(info, "click_type", None) is not None:
        return _NO
    if get_origin(ann) is list:
        (inner,) = get_args(ann) or (None,)
        items = value if isinstance(value, (list, tuple)) else [value]
        out = [quick_value(v, inner, info, param, ctx) for v in items]
        return _NO if any(v is _NO for v in out) else out
    if ann is str:
        return value if isinstance(value, str) else _NO
    if ann is bool:
        return value if isinstance(value, bool) else _NO
    if ann is int:
        if isinstance(value, str) and _INT.fullmatch(value):
            value = int(value)
        return value if type(value) is int and _in_range(value, info) else _NO
    if ann is float:
        if isinstance(value, str) and _FLOAT.fullmatch(value):
            value = float(value)
        return value if type(value) is float and _in_range(value, info) else _NO
    if isinstance(ann, type) and issubclass(ann, Enum):
        if isinstance(value, ann):
            return value
        if isinstance(value, str) and getattr(info, "case_sensitive", True) and ctx.token_normalize_func is None:
            return next((m for m in ann if m.value == value), _NO)
        return _NO
    if ann is Path and _path_plain(info) and isinstance(value, (str, Path)) and value:
        from typer._param_types import coerce_cli_path  # the checks of a path option (readable, file_okay, ...)

        return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)
    return _NO


def install() -> None:
    """Put :func:`quick_value` in front of Typer's coercion (once; nothing when Typer's internals differ)."""
    try:
        from typer._coercion import RuntimeParam, build_runtime_param
        from typer._param_types import coerce_cli_path  # noqa: F401  (used by quick_value)
        from typer.core import _TyperParameter
    except ImportError:
        return
    if getattr(_TyperParameter, "_irrkit_quick", False) or not hasattr(_TyperParameter, "get_runtime_param"):
        return

    class QuickParam(RuntimeParam):
        """Plain values here, everything else through Typer's runtime parameter (built when first needed)."""

        def __init__(self, descriptor: Any) -> None:
            object.__setattr__(self, "parameter_info", descriptor.parameter_info)
            object.__setattr__(self, "annotation", descriptor.annotation)
            object.__setattr__(self, "descriptor", descriptor)
            object.__setattr__(self, "typer_param", None)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if self.descriptor.file_annotation is None:
                got = quick_value(value, self.annotation, self.parameter_info, param, ctx)
                if got is not _NO:
                    return got
            if self.typer_param is None:
                object.__setattr__(self, "typer_param", build_runtime_param(self.descriptor))
            return self.typer_param._coerce_value(value, param=param, ctx=ctx)

    def get_runtime_param(self: Any) -> Any:
        if getattr(self, "_runtime_param", None) is None:
            self._runtime_param = QuickParam(self.type_descriptor)
        return self._runtime_param

    _TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]
    _TyperParameter._irrkit_quick = True  # type: ignore[attr-defined]
