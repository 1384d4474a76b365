"""Limits every input reader shares: the longest cell (the file-size limit is in :mod:`.files`)."""

from __future__ import annotations

MAX_CELL_CHARS = 131_072  # longest cell of any input file: CSV (either parser), Excel, SPSS


def long_cell(n: int | None = None) -> str:
    """The message for a cell over MAX_CELL_CHARS characters (``n``: its length, if known)."""
    size = f"holds {n:,} characters" if n is not None else f"is longer than {MAX_CELL_CHARS:,} characters"
    return f"a cell {size}; irrkit reads cells up to {MAX_CELL_CHARS:,} characters (an unclosed quote?)"
