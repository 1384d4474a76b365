"""Where a problem is, said one way for every reader: ``file:line: column 'c': message``.

A :class:`Place` names a file and, inside it, a line (1-based, as an editor numbers it; a spreadsheet row; an
SPSS case), a column (a header name) or an XML element. Readers build problems from places, collect them and
raise them together with :func:`raise_if`, so the user sees every problem of every file at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from irrkit.errors import InputError, Problem

MAX_PROBLEMS = 50
MAX_SHOWN = 60  # longest echoed value (a cell, a name) in a message; longer ones are cut


def quoted(value: object, limit: int = MAX_SHOWN) -> str:
    """A value as echoed in a message: in quotes, cut to a readable length (a 1 MB cell shows its first 40
    characters and its length)."""
    text = str(value)
    if len(text) <= limit:
        return f"'{text}'"
    return f"'{text[:40]}...' ({len(text):,} characters)"


@dataclass(frozen=True)
class Place:
    """A location in an input file: a line, a column (header name) and/or an XML element, all optional."""

    file: str
    line: int | None = None
    column: str | None = None
    element: str | None = None

    def problem(self, message: str) -> Problem:
        """A Problem at this place."""
        return Problem(self.file, message, self.line, self.column, self.element)

    def at(self, line: int | None = None, column: str | None = None, element: str | None = None) -> Place:
        """The same file at another line/column/element (unset parts are kept)."""
        return Place(self.file, self.line if line is None else line, self.column if column is None else column,
                     self.element if element is None else element)

    def __str__(self) -> str:
        return Problem(self.file, "", self.line, self.column, self.element).where().removesuffix(": ")


def also_on_lines(lines: list[int]) -> str:
    rest = lines[1:]
    if not rest:
        return ""
    shown = ", ".join(str(x) for x in rest[:3])
    more = f" and {len(rest) - 3} more" if len(rest) > 3 else ""
    return f" (also on line{'s' if len(rest) > 1 else ''} {shown}{more})"


def report_cells(mask: np.ndarray, keys: np.ndarray, messages: Sequence[str], lines: np.ndarray, file: str,
            column: str | None, problems: list[Problem]) -> None:
    """One problem per distinct bad value: its first line, plus the other lines it occurs on."""
    where: dict[int, list[int]] = {}
    for r in np.flatnonzero(mask):
        where.setdefault(int(keys[r]), []).append(int(lines[r]))
    for k, ls in where.items():
        problems.append(Problem(file, messages[k] + also_on_lines(ls), ls[0], column))


def report_tokens(codes: np.ndarray, errors: dict[str, str], files: np.ndarray, columns: np.ndarray,
                   lines: np.ndarray, problems: list[Problem]) -> None:
    """Report the tokens in ``errors`` per (file, column)."""
    msgs = list(errors)
    index = {t: i for i, t in enumerate(msgs)}
    keys = np.array([index.get(str(c), -1) for c in codes], dtype=np.int64)
    bad = keys >= 0
    for f, c in dict.fromkeys(zip(files[bad], columns[bad], strict=True)):
        report_cells(bad & (files == f) & (columns == c), keys, [errors[t] for t in msgs], lines, str(f), str(c),
                problems)


def raise_if(problems: list[Problem]) -> None:
    if not problems:
        return
    if len(problems) > MAX_PROBLEMS:
        extra = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], Problem("...", f"and {extra} more problem{'s' * (extra > 1)}")]
    raise InputError(problems)


def merge_file_warnings(warnings: Sequence[str], files: Sequence[str]) -> list[str]:
    """Each warning once: ``FILE: message`` warnings that differ only in a file of ``files`` become one
    ``a.csv, b.csv: message`` (in the order first seen); other warnings are kept once each."""
    names = sorted(set(files), key=len, reverse=True)  # the longest match first ("x.xlsx sheet 'A'" before "x.xlsx")
    groups: dict[str, list[str]] = {}
    for w in warnings:
        f = next((f for f in names if w.startswith(f + ": ")), None)
        key, where = (w, None) if f is None else (w[len(f) + 2:], f)
        hits = groups.setdefault(key, [])
        if where is not None and where not in hits:
            hits.append(where)
        elif where is None and not hits:
            hits.append("")
    return [key if hits == [""] else f"{', '.join(hits)}: {key}" for key, hits in groups.items()]
