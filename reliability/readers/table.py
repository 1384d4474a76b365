"""The Table every reader produces (header names, raw string cells, the line of each row) and the helpers
that work on its cells: white space, blank rows, header columns, and spreadsheet cells as text."""

from __future__ import annotations

import difflib
import math
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from irrkit.errors import InputError, Problem
from irrkit.readers.factorize import factorize
from irrkit.readers.place import quoted

if TYPE_CHECKING:
    from irrkit.readers.grid import Grid


@dataclass
class Table:
    """A text table: stripped header names, the raw cells of each header position, the line of each row.

    ``problems`` holds structural problems (ragged rows, broken quotes); those rows are left out.
    """

    file: str
    header: list[str]
    cells: Sequence[np.ndarray]
    lines: np.ndarray
    delimiter: str
    header_line: int | None = 1  # None: no header line (SPSS)
    problems: list[Problem] = field(default_factory=list)
    # True when every cell is its own strip() (a quote-free file with no white space next to a delimiter or a
    # line break), so a blank cell is "". Set by the fast path only; False is always safe.
    _plain: bool = field(default=False, repr=False, compare=False)
    # the byte offsets of every cell of a regular quote-free file (readers.grid): numeric columns can be read
    # without strings; None for every other table
    grid: Grid | None = field(default=None, repr=False, compare=False)

    @property
    def n_rows(self) -> int:
        return len(self.lines)

    def column(self, j: int) -> tuple[np.ndarray | None, tuple[np.ndarray, np.ndarray] | None]:
        """(cells, None) of column ``j``, or (None, pandas.factorize of the cells) when the grid gives that
        without a string per cell."""
        if self.grid is not None:
            return None, self.grid.factorize(j)
        return self.cells[j], None


def blank_row(row: Sequence[str]) -> bool:
    return all(not c.strip() for c in row)


# Every character str.strip() removes (str.isspace()); the ASCII ones first.
_SPACES = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
           "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_N_ASCII_SPACES = 10


def spaces_in(s: str) -> str:
    """The white-space characters that can occur in ``s`` (only the ASCII ones in ASCII text)."""
    return _SPACES[:_N_ASCII_SPACES] if s.isascii() else _SPACES


def _stripped(arr: np.ndarray) -> bool:
    """True if no cell of a column of strings starts or ends with white space (each cell is its own strip())."""
    if not len(arr):
        return True
    try:
        s = "\x00".join(arr.tolist())  # cells hold no NUL (read_text refuses it); one there only answers False
    except TypeError:
        return False
    if s[:1].isspace() or s[-1:].isspace():
        return False
    return not any(ch in s and ("\x00" + ch in s or ch + "\x00" in s) for ch in spaces_in(s))


_SPACE_TABLE = np.zeros(ord(_SPACES[-1]) + 2, dtype=bool)  # code point (clipped) -> is white space
_SPACE_TABLE[[ord(c) for c in _SPACES]] = True


def _edge_spaces(arr: np.ndarray) -> np.ndarray | None:
    """Which cells of a column of strings start or end with white space; None if that cannot be told."""
    try:
        cp = np.frombuffer("\x00".join(arr.tolist()).encode("utf-32-le"), dtype=np.uint32)
    except (TypeError, UnicodeEncodeError):
        return None
    sep = np.flatnonzero(cp == 0)
    if len(sep) != len(arr) - 1 or not len(cp):
        return None
    starts, ends = np.concatenate(([0], sep + 1)), np.concatenate((sep, [len(cp)]))
    full = ends > starts
    top = len(_SPACE_TABLE) - 1
    first = _SPACE_TABLE[np.minimum(cp[np.minimum(starts, len(cp) - 1)], top)]
    last = _SPACE_TABLE[np.minimum(cp[np.maximum(ends - 1, 0)], top)]
    return full & (first | last)


def blank_cells(arr: np.ndarray, plain: bool = False) -> np.ndarray:
    """Which cells are empty or white space: only cells with white space at an end are stripped (through their
    distinct values)."""
    blank = np.asarray(arr == "", dtype=bool)
    if plain or _stripped(arr):
        return blank
    edge = _edge_spaces(arr)
    if edge is None:
        edge = np.ones(len(arr), dtype=bool)
    if edge.any():
        idx, uniq = factorize(arr[edge])
        blank[edge] = np.array([not str(u).strip() for u in uniq], dtype=bool)[idx] if len(uniq) else True
    return blank


# ---------------------------------------------------------------------------------------------- headers


def columns(t: Table, problems: list[Problem], warnings: list[str]) -> dict[str, int]:
    """Name -> position of the usable columns; unnamed columns with data are ignored, duplicates reported."""
    pos: dict[str, int] = {}
    for i, h in enumerate(t.header):
        h = h if h.isascii() else unicodedata.normalize("NFC", h)  # 'ä' typed as a + combining diaeresis
        if not h:
            if not blank_cells(t.cells[i], t._plain).all():
                warnings.append(f"{t.file}: column {i + 1} has no header; ignored")
        elif h in pos:
            problems.append(Problem(t.file, f"duplicate column {quoted(h)} (columns {pos[h] + 1} and {i + 1})",
                                    t.header_line))
        else:
            pos[h] = i
    return pos


def missing_column(t: Table, what: str, wanted: str, found: Sequence[str],
                   candidates: Sequence[str] | None = None) -> Problem:
    """No column ``wanted``: the columns found and a did-you-mean among ``candidates`` (default: all found)."""
    near = close_hint(wanted, found if candidates is None else candidates)
    hint = "; name it with --unit-col" if what == "unit" else ""
    msg = f"no {what} column '{wanted}' (columns found: {quote_names(found)}){near}{hint}"
    return Problem(t.file, msg, t.header_line)


def quote_names(cols: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(quoted(c) for c in cols[:limit])
    return (shown + f", ... ({len(cols) - limit} more)" if len(cols) > limit else shown) or "none"


def close_hint(wanted: str, candidates: Sequence[str]) -> str:
    folded = {c.casefold(): c for c in candidates}
    m = folded.get(wanted.casefold())
    if m is None:
        close = difflib.get_close_matches(wanted.casefold(), list(folded), n=1, cutoff=0.6)
        m = folded[close[0]] if close else None
    return f"; did you mean '{m}'?" if m else ""


def strip_cells(arr: np.ndarray, plain: bool = False) -> np.ndarray:
    """Each cell stripped (through the distinct values); returned as it is when no cell needs it, else only
    the cells with white space at an end are stripped."""
    if plain or _stripped(arr):
        return arr
    edge = _edge_spaces(arr)
    if edge is None:
        return _strip_all(arr)
    out = np.array(arr, dtype=object)
    out[edge] = _strip_all(arr[edge])
    return out


def _strip_all(arr: np.ndarray) -> np.ndarray:
    idx, uniq = factorize(arr)
    if not len(uniq):
        return np.empty(len(arr), dtype=object)
    return np.array([str(u).strip() for u in uniq], dtype=object)[idx]


def duplicated(key: np.ndarray, size: int) -> np.ndarray:
    """Which entries of a non-negative integer key below ``size`` occur more than once."""
    if size > 4 * len(key) + 1024:
        key, uniq = factorize(key)
        size = len(uniq)
    counts = np.bincount(key, minlength=size)
    return counts[key] > 1 if counts.max(initial=0) > 1 else np.zeros(len(key), dtype=bool)


def filled(n: int, value: str) -> np.ndarray:
    """An object array of n copies of a string (np.full(n, value, dtype=object), many times faster)."""
    out = np.empty(n, dtype=object)
    out.fill(value)
    return out


def cell_text(v: object) -> str:
    """A spreadsheet/SPSS cell as the text a CSV would hold: None/NaN -> '', 1.0 -> '1', dates in ISO form."""
    pd = sys.modules.get("pandas")  # a NaT comes from pandas: only possible once it is imported
    if v is None or (pd is not None and v is pd.NaT):
        return ""
    if isinstance(v, bool | np.bool_):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float | np.floating):
        return fmt_number(float(v)) if math.isfinite(v) else ("" if math.isnan(v) else str(v))
    if isinstance(v, int | np.integer):
        return str(int(v))
    if hasattr(v, "isoformat"):
        return v.isoformat()  # type: ignore[no-any-return]
    return str(v)


def rows_table(file: str, rows: list[tuple[int, list[str]]]) -> Table:
    """A Table from (row number, cells) rows: the first non-blank row is the header, blank rows are skipped,
    short rows are padded (cells past the header are an unnamed column, ignored with a warning)."""
    rows = [(n, cells) for n, cells in rows if not blank_row(cells)]
    width = max((len(cells) for _, cells in rows), default=0)
    if not rows:
        raise InputError.single(file, "is empty (no cells with data)")
    (head_line, head), body = rows[0], rows[1:]
    header = [h.strip() for h in head] + [""] * (width - len(head))
    data = [cells + [""] * (width - len(cells)) for _, cells in body]
    cells = [np.array(c, dtype=object) for c in zip(*data, strict=True)] if data else [
        np.empty(0, object) for _ in header]
    return Table(file, header, cells, np.array([n for n, _ in body], dtype=np.int64), "", head_line)


def fmt_number(v: float) -> str:
    return np.format_float_positional(v, trim="-")
