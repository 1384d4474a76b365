"""Codebooks bundled with irrkit: YAML files next to this module, described by ``schema.json``."""

from __future__ import annotations

import difflib
from pathlib import Path

from reliability.errors import InputError

HERE = Path(__file__).resolve().parent
SCHEMA = HERE / "schema.json"


def available() -> tuple[str, ...]:
    """Names of the bundled codebooks, e.g. ("crying-forms", "interventions")."""
    return tuple(sorted(p.stem for p in HERE.glob("*.yaml")))


def bundled(name: str) -> Path:
    """Path of the bundled codebook ``name`` (".yaml" optional); InputError naming the choices if none."""
    stem = name.removesuffix(".yaml").removesuffix(".yml")
    names = available()
    if stem not in names:
        close = difflib.get_close_matches(stem, names, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise InputError.single(name, f"no bundled codebook '{stem}'{hint}; available: {', '.join(names)}")
    return HERE / f"{stem}.yaml"
