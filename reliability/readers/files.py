"""Opening input files: existence, kind and size checks shared by every reader (read-only)."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from irrkit.errors import InputError

MAX_BYTES = 200 * 1024 * 1024
_PIPES: dict[str, bytes] = {}  # what was read from each pipe: a pipe can be read once, its readers may ask twice


def size_text(n: float) -> str:
    """A byte count for messages: '512 bytes', '3.5 KB', '200 MB'."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{int(n)} bytes"


def too_large(name: str, size: str) -> InputError:
    return InputError.single(name, f"file is {size}; irrkit reads files up to {size_text(MAX_BYTES)} "
                             "(split it, e.g. one file per coder)")


def check_file(path: Path, name: str) -> bool:
    """An existing file (or pipe) no larger than MAX_BYTES, else InputError; True for a pipe."""
    try:
        if not path.exists():
            if path.is_symlink():
                try:
                    os.stat(path)
                except OSError as e:
                    if e.errno == errno.ELOOP:
                        raise InputError.single(name, "symbolic link loop (the link points back to itself)") from None
                raise InputError.single(name, "file not found (a symbolic link to a missing file)")
            raise InputError.single(name, "file not found")
        if path.is_dir():
            raise InputError.single(name, "is a directory, not a file")
        st = path.stat()
    except (OSError, ValueError) as e:
        raise InputError.single(name, f"cannot read file: {getattr(e, 'strerror', None) or e}") from None
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
        raise InputError.single(name, "is not a regular file (a device?)")
    if st.st_size > MAX_BYTES:
        raise too_large(name, size_text(st.st_size))
    return stat.S_ISFIFO(st.st_mode)


def read_bytes(path: Path, name: str) -> bytes:
    """The bytes of an existing file (or pipe) no larger than MAX_BYTES, else InputError. A pipe (``<(cat f)``)
    is read once: asked again (a format detector, then the reader), it gives the same bytes."""
    if str(path) in _PIPES:
        return _PIPES[str(path)]
    pipe = check_file(path, name)
    try:
        with open(path, "rb") as f:
            # bounded: a pipe or a file growing meanwhile. A file is read as the size it has (+1 to see growth):
            # read(MAX_BYTES + 1) allocates 200 MB for every file (5.9 ms against 1.0 ms for 8.8 MB)
            size = os.fstat(f.fileno()).st_size
            first = size + 1 if 0 < size <= MAX_BYTES else MAX_BYTES + 1
            data = f.read(first)
            if len(data) == first <= MAX_BYTES:  # it grew: the rest, bounded
                data += f.read(MAX_BYTES + 1 - first)
    except (OSError, ValueError) as e:
        raise InputError.single(name, f"cannot read file: {getattr(e, 'strerror', None) or e}") from None
    if len(data) > MAX_BYTES:
        raise too_large(name, f"larger than {size_text(MAX_BYTES)}")
    if pipe:
        _PIPES[str(path)] = data
    return data
