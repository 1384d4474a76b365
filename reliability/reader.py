"""Compatibility shim: the readers live in the package :mod:`reliability.readers` (one module per format).

``from reliability.reader import read_coder_files`` keeps working; new code imports ``reliability.readers``.
The limits (MAX_BYTES, BIG_LINES, MAX_CELLS) are read where they are used: change them in
``reliability.readers.files``, ``.delimited`` and ``.excel``, not here.
"""

from __future__ import annotations

from reliability.readers import *  # noqa: F403
from reliability.readers import __all__  # noqa: F401
