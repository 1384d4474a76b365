"""Codebooks: the bundled ones (YAML files next to this module, described by ``schema.json``), the model
(:mod:`.codebook`: items, categories, scales, gates) and its loader, which checks every value with its line."""

from __future__ import annotations

import difflib
from pathlib import Path

from irrkit.errors import InputError

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


def bundled_or_missing(name: str) -> Path:
    """The bundled codebook called ``name`` when ``name`` is no existing file; else an InputError that says the
    file does not exist and lists the bundled codebooks (with the closest name)."""
    stem = Path(name).name.removesuffix(".yaml").removesuffix(".yml")
    if "/" not in name and "\\" not in name and stem in available():
        return HERE / f"{stem}.yaml"
    names = available()
    close = difflib.get_close_matches(stem, names, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise InputError.single(name, f"cannot read codebook: no such file, and no bundled codebook of that name{hint}; "
                                  f"bundled: {', '.join(names)} (irrkit codebook list)")
