"""Atomic file output and the guard against writing over inputs."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from reliability.errors import InputError


def _stage(path: Path, text: str) -> str:
    """Write ``text`` to a synced temporary file beside ``path``; return its name (removed on failure)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and an atomic rename."""
    tmp = _stage(path, text)
    try:
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_targets(targets: Iterable[Path], inputs: Iterable[Path | str]) -> None:
    """Refuse to write any output over an input file, over a folder, into a 'folder' that is a file, or
    twice; called before anything is written."""
    ins = {Path(p).resolve() for p in inputs}
    seen: set[Path] = set()
    for t in targets:
        r = t.resolve()
        if r in ins:
            raise InputError.single(str(t), "refusing to write an output over an input file; choose another --out")
        if r in seen:
            raise InputError.single(str(t), "the same output file is named twice")
        seen.add(r)
        if t.is_dir():
            raise InputError.single(str(t), "is a folder; cannot write an output file there")
        parent = next((a for a in t.parents if a.exists()), None)
        if parent is not None and not parent.is_dir():
            raise InputError.single(str(parent), "is a file, not a folder; cannot write outputs into it")


def write_all(files: Mapping[Path, str], inputs: Iterable[Path | str] = ()) -> list[Path]:
    """Write several outputs. All content is ready and every target checked before the first file is touched;
    every file is first written in full to a temporary file beside its target (a full disk or an interrupt
    then leaves the previous outputs as they were), then each is renamed over its target in one step (a
    table is either the old or the new one, never half-written); no temporary file is left behind."""
    check_targets(files.keys(), inputs)
    staged: list[tuple[str, Path]] = []
    try:
        for path, text in files.items():
            staged.append((_stage(path, text), path))
        for tmp, path in staged:
            os.replace(tmp, path)
    finally:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
    return list(files)


def write_new(path: Path, text: str) -> None:
    """Write a new file atomically and never replace an existing one (append-only records)."""
    tmp = _stage(path, text)
    try:
        try:
            os.link(tmp, path)  # fails if the target exists: no race can overwrite an earlier record
        except FileExistsError:
            raise InputError.single(str(path), "exists already; the history is append-only: refusing to "
                                    "overwrite") from None
        except OSError:  # no hard links on this file system: exclusive create
            with open(path, "x", encoding="utf-8", newline="") as f:
                f.write(text)
    finally:
        Path(tmp).unlink(missing_ok=True)
