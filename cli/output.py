"""Atomic file output and the guard against writing over inputs."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from reliability.errors import InputError


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_targets(targets: Iterable[Path], inputs: Iterable[Path | str]) -> None:
    """Refuse to write any output over an input file."""
    ins = {Path(p).resolve() for p in inputs}
    for t in targets:
        if t.resolve() in ins:
            raise InputError.single(str(t), "refusing to write an output over an input file; choose another --out")


def write_all(files: Mapping[Path, str], inputs: Iterable[Path | str] = ()) -> list[Path]:
    """Write several outputs; all content is ready before the first file is touched."""
    check_targets(files.keys(), inputs)
    for path, text in files.items():
        atomic_write(path, text)
    return list(files)
