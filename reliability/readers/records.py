"""Coder files against a codebook: every file read, every value checked, all coders aligned on one grid.

Every problem in every file is collected and raised as one InputError; warnings are returned, not raised.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from irrkit.codebooks.model import Codebook, Item
from irrkit.errors import InputError, Problem
from irrkit.ratings import Cells, ItemRatings, keep_sparse
from irrkit.readers.coverage import coverage_warnings
from irrkit.readers.delimited import read_table
from irrkit.readers.excel import EXCEL_SUFFIXES, read_xlsx
from irrkit.readers.factorize import factorize
from irrkit.readers.place import merge_file_warnings, quoted, raise_if, report_cells, report_tokens
from irrkit.readers.spss import SPSS_SUFFIXES, read_sav
from irrkit.readers.table import (
    Table,
    close_hint,
    columns,
    duplicated,
    filled,
    fmt_number,
    missing_column,
    quote_names,
    strip_cells,
)
from irrkit.readers.values import (
    Parsed,
    item_parser,
    presence_parser,
    resolve_open,
    set_label,
    validate,
    validate_distinct,
)
from irrkit.statistics.counting import unique

if TYPE_CHECKING:
    import pandas as pd

RESERVED = ("unit", "coder", "item", "code", "value", "file", "line")


@dataclass
class RecordParts:
    """What the long records table is made of, kept as arrays (one per chunk: a file or sheet): the table itself
    (pandas) is built only when a command asks for it (training handouts, clusters), not for every check."""

    units: np.ndarray  # distinct unit ids
    unit_index: list[np.ndarray]  # per chunk: each row's unit among ``units``
    coders: np.ndarray
    coder_index: list[np.ndarray | int]  # per chunk: each row's coder, or the chunk's one coder
    files: list[str]
    sizes: list[int]  # rows of each chunk
    lines: list[np.ndarray]  # per chunk
    context: dict[str, list[np.ndarray | None]]  # per chunk; None: that chunk has no such column
    # codes (each an array or (index of each cell, distinct codes): see cell_codes), values
    item_codes: dict[str, tuple[list, list[np.ndarray]]] = field(default_factory=dict)

    def all_lines(self) -> np.ndarray:
        return np.concatenate(self.lines) if self.lines else np.empty(0, dtype=np.int64)

    def frame(self) -> pd.DataFrame:
        """unit, coder, item, code, value, file, line + context columns: one row per (file row, item)."""
        import pandas as pd

        ctx = {k: pd.Series(np.concatenate([filled(n, "") if v is None else v for v, n in zip(cols, self.sizes,
                                                                                                strict=True)]))
               for k, cols in self.context.items()}
        coder_index = np.concatenate([np.full(n, c, dtype=np.int64) if isinstance(c, int) else c
                                      for c, n in zip(self.coder_index, self.sizes, strict=True)] or [[]])
        shared = {"unit": _str_series(self.units, _concat(self.unit_index)),
                  "coder": _str_series(self.coders, coder_index.astype(np.int64)),
                  "file": _str_series(np.array(self.files, dtype=object),
                                      np.repeat(np.arange(len(self.files)), self.sizes)),
                  "line": pd.Series(self.all_lines()), **ctx}
        frames = [pd.DataFrame({"unit": shared["unit"], "coder": shared["coder"], "item": item,
                                "code": np.concatenate([cell_codes(c) for c in codes]),
                                "value": np.concatenate(vals),
                                "file": shared["file"], "line": shared["line"], **{k: shared[k] for k in ctx}},
                               copy=False)
                  for item, (codes, vals) in self.item_codes.items()]
        if len(frames) > 1:
            return pd.concat(frames, ignore_index=True)
        cols = ["unit", "coder", "item", "code", "value", "file", "line", *self.context]
        return frames[0] if frames else pd.DataFrame(columns=cols)  # one item: its index is already 0..n-1


def cell_codes(c: np.ndarray | tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The canonical code of each cell of a chunk's item, from (index of each cell, distinct codes) if so kept
    (as values.validate gives them)."""
    if isinstance(c, np.ndarray):
        return c
    idx, distinct = c
    return distinct[idx] if len(idx) else np.empty(0, object)


@dataclass
class RatingSet:
    """All coders' ratings of all codebook items, aligned on one units x coders grid."""

    codebook: Codebook
    coders: list[str]
    units: list[str]
    items: dict[str, ItemRatings]
    parts: RecordParts = field(repr=False)
    warnings: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    coder_counts: list[CoderCount] = field(default_factory=list)
    # the delimiter of each CSV/TSV table read (';' is what Excel writes in decimal-comma locales): outputs
    # follow the inputs' dialect (irrkit.outputs.tables.dialect_for)
    delimiters: list[str] = field(default_factory=list)

    @functools.cached_property
    def records(self) -> pd.DataFrame:
        """unit, coder, item, code, value, file, line + context columns (built on first use)."""
        return self.parts.frame()


@dataclass(frozen=True)
class CoderCount:
    """What one coder delivered: units with a row, ratings given, and the (unit, item) cells left missing, either
    blank/NA or because the coder's file has no row for a unit that other coders rated (``absent_units``)."""

    coder: str
    files: tuple[str, ...]
    units: int
    ratings: int
    missing: int
    absent_units: tuple[str, ...]  # the units without a row (many coders: the first ABSENT_LISTED of them)
    n_absent: int | None = None  # how many units have no row (None: len(absent_units))

    @property
    def absent(self) -> int:
        return len(self.absent_units) if self.n_absent is None else self.n_absent

    def to_dict(self) -> dict[str, object]:
        d = {"coder": self.coder, "files": list(self.files), "units": self.units, "ratings": self.ratings,
             "missing": self.missing, "absent_units": list(self.absent_units)}
        if self.n_absent is not None:  # many coders: the first units listed, this many in all
            d["n_absent_units"] = self.n_absent
        return d


MANY_CODERS = 50  # more coders than this (a crowd design: each rates a few units): absent units counted, few listed
ABSENT_LISTED = 8


def coder_counts(units: list[str], coders: list[str], unit_parts: Sequence[np.ndarray],
                 coder_parts: Sequence[np.ndarray | int], files: Sequence[str], items: dict[str, ItemRatings],
                 row_keys: np.ndarray | None = None, ratings: np.ndarray | None = None) -> list[CoderCount]:
    """Per coder: units with a row, ratings, missing cells. Chunk ``i`` (the rows of ``files[i]``) has the units
    ``unit_parts[i]`` and the coders ``coder_parts[i]`` (an array, or the index of its one coder). ``row_keys``:
    the distinct unit x coders + coder of the rows, sorted (crowd data: no units x coders matrix is made).
    ``ratings``: each coder's ratings of all items, when every chunk is another coder's and lists each unit
    once (then each coder's units are its chunk's: no units x coders matrix either)."""
    nu, nc = len(units), len(coders)
    own: dict[int, np.ndarray] = {}
    if ratings is not None:
        own = {c: u for u, c in zip(unit_parts, coder_parts, strict=True) if len(u)}
    has_row = np.zeros((nu, nc), dtype=bool) if row_keys is None and ratings is None else None
    names: list[dict[str, None]] = [{} for _ in coders]  # each coder's files in the order of their first row
    for f, u, c in zip(files, unit_parts, coder_parts, strict=True):
        if has_row is not None:
            has_row[u, c] = True
        if len(u):
            for j in [c] if isinstance(c, int) else np.flatnonzero(np.bincount(c, minlength=len(coders))):
                names[j].setdefault(str(f), None)
    if ratings is None:
        ratings = np.zeros(nc)
        for r in items.values():
            ratings = ratings + (r.cells.per_coder() if r.sparse else (~np.isnan(r.values)).sum(axis=0))
    if row_keys is not None:  # each coder's units with a row, ascending
        by_coder = np.lexsort((row_keys // nc, row_keys % nc))
        unit_sorted = (row_keys // nc)[by_coder]
        bounds = np.concatenate(([0], np.cumsum(np.bincount(row_keys % nc, minlength=nc))))
    out = []
    many = nc > MANY_CODERS
    for j, coder in enumerate(coders):
        if has_row is not None:
            rows = np.flatnonzero(~has_row[:, j])
            n_rows, n_absent = int(has_row[:, j].sum()), len(rows)
        elif row_keys is None:  # the coder's one chunk, each unit once
            mine = own.get(j, np.zeros(0, dtype=np.int64))
            rows = np.zeros(0, dtype=np.int64) if len(mine) == nu else \
                np.flatnonzero(np.bincount(mine, minlength=nu) == 0)
            n_rows, n_absent = len(mine), len(rows)
        else:
            mine = unit_sorted[bounds[j]:bounds[j + 1]]
            n_rows, n_absent = len(mine), nu - len(mine)
            listed = ABSENT_LISTED if many else n_absent
            rows = np.setdiff1d(np.arange(min(nu, len(mine) + listed)), mine, assume_unique=True)
        absent = tuple(units[i] for i in (rows[:ABSENT_LISTED] if many else rows).tolist())
        n = int(ratings[j])
        out.append(CoderCount(coder, tuple(names[j]), n_rows, n, nu * len(items) - n, absent,
                              n_absent if many else None))
    return out


def absent_warnings(counts: list[CoderCount], n_units: int) -> list[str]:
    """One warning per set of units some coders' files lack (naming those coders, their files and the units):
    a unit only one coder's file has is one message, not one per coder or item. A crowd design (more than
    MANY_CODERS coders lacking units): one warning for all of them."""
    lacking = [c for c in counts if c.absent_units and c.units]
    if len(lacking) > MANY_CODERS:  # each coder rates a few units: one warning, not one per coder
        share = sum(c.absent for c in lacking) / (len(lacking) * n_units)
        return [f"{len(lacking)} of {len(counts)} coders have no row for some of the {n_units} units the others "
                f"rated ({share:.0%} of their unit x coder cells); these count as missing ratings (coder_counts in "
                "the JSON gives each coder's number)"]
    groups: dict[tuple[int, tuple[str, ...]], list[CoderCount]] = {}
    for c in lacking:
        groups.setdefault((c.absent, c.absent_units), []).append(c)
    out = []
    for (k, absent), cs in groups.items():
        few = ", ".join(absent[:8]) + (", ..." if k > 8 else "")
        who = ", ".join(f"'{c.coder}' ({', '.join(c.files)})" for c in cs)
        out.append(f"coder{'s' * (len(cs) > 1)} {who} {'have' if len(cs) > 1 else 'has'} no row for {k} of the "
                   f"{n_units} units the other coders rated: {few}; "
                   f"{'these count' if k > 1 else 'its ratings count'} as missing ratings")
    return out


@dataclass
class _Chunk:
    file: str
    size: int  # rows
    units: np.ndarray | None  # each row's unit id; None when ``unit_codes`` gives them
    coders: np.ndarray | None  # None: every row is the file's coder (``coder``)
    lines: np.ndarray
    codes: dict[str, np.ndarray | tuple[np.ndarray, np.ndarray]]  # or (index of each cell, distinct codes)
    values: dict[str, np.ndarray]
    context: dict[str, np.ndarray]
    coder: str | None = None  # the one coder of every row (no coder column), else None
    unit_codes: tuple[np.ndarray, np.ndarray] | None = None  # (each row's unit among the distinct, distinct ids)


def _coder_tables(path: Path, name: str, cb: Codebook, parsers: dict[str, Callable[[str], Parsed]],
                  encoding: str | None, warnings: list[str]) -> list[tuple[Table, str]]:
    """The tables of one coder file with the coder each is named after when it has no coder column:
    CSV/TSV text, an Excel workbook (.xlsx, one table per sheet) or an SPSS file (.sav)."""
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return read_xlsx(path, name, warnings)
    if suffix in SPSS_SUFFIXES:
        return [(read_sav(path, name, cb, parsers, warnings), path.stem)]
    return [(read_table(path, encoding), path.stem)]


def _read_coder_file(t: Table, coder: str, cb: Codebook, parsers: dict[str, Callable[[str], Parsed]],
                     problems: list[Problem], warnings: list[str], ref: list | None = None) -> _Chunk | None:
    """One table's chunk of records. ``ref``: [grid, column, units, unit codes] of an earlier file's unit column
    (filled here when empty; the grid replaced by its column's keys when a second file comes): a unit column with
    the same bytes takes its strings instead of making new ones."""
    name = t.file
    problems.extend(t.problems)
    pos = columns(t, problems, warnings)
    found = list(pos)
    if t.n_rows == 0 and not t.problems:
        problems.append(Problem(name, "has a header but no data rows", t.header_line))
    if cb.unit_column not in pos:  # did-you-mean among the columns that are not items (never 'intensity')
        problems.append(missing_column(t, "unit", cb.unit_column, found,
                                       [c for c in found if cb.item(c) is None and c != cb.coder_column]))
    sets = {it.id: _code_columns(it, pos, name, t.header_line, problems) for it in cb.items if it.multiple}
    absent = [it.id for it in cb.items if it.id not in pos and sets.get(it.id) is None]
    broken = [i for i, cols in sets.items() if cols == []]  # 0/1 columns given, but not as they must be (said)
    if absent:
        others = [c for c in found if cb.item(c) is None and c not in (cb.unit_column, cb.coder_column)]
        hints = "".join(close_hint(a, others).replace("; did", f"; for '{a}' did") for a in absent)
        problems.append(Problem(name, f"missing item column{'s' * (len(absent) > 1)} "
                                f"{', '.join(repr(a) for a in absent)} of codebook '{cb.id}' "
                                f"(columns found: {quote_names(found)}){hints}", t.header_line))
    codes, values = {}, {}
    for it in cb.items:
        if it.id in pos:
            raw, distinct = t.column(pos[it.id])
            idx, dcodes, dvals = validate_distinct(raw, parsers[it.id], t.lines, name, it.id, problems, distinct)
            # (values.validate without the codes per cell: they are made when the records table is, if ever)
            codes[it.id], values[it.id] = (idx, dcodes), dvals[idx] if len(idx) else np.empty(0)
        elif sets.get(it.id):
            codes[it.id], values[it.id] = _presence_columns(t, it, pos, parsers, problems)
    code_cols = {c for cols in sets.values() for c in cols or ()}
    context = {}
    for c, i in pos.items():
        if c not in (cb.unit_column, cb.coder_column) and cb.item(c) is None and c not in code_cols:
            warnings.append(f"{name}: unknown column {quoted(c)} kept as context "
                            f"(not an item of codebook '{cb.id}')")
            context[f"context_{c}" if c in RESERVED else c] = strip_cells(t.cells[i], t._plain)
    if cb.unit_column not in pos:
        return None
    j = pos[cb.unit_column]
    if ref and t.grid is not None and not isinstance(ref[0], list):
        ref[0] = ref[0].column_key(ref[1])  # the first file's cells as keys: its text and offsets can go
    if ref and t.grid is not None and t.grid.same_column(j, ref[0]):
        units, unit_codes = ref[2], ref[3]
    else:
        raw, unit_codes = t.column(j) if t._plain else (None, None)  # a grid's factorized column: no string per row
        units = None if unit_codes is not None else strip_cells(t.cells[j], t._plain)
        if ref is not None and not ref and t.grid is not None:
            ref[:] = [t.grid, j, units, unit_codes]
    if unit_codes is not None:  # (a grid's column: an empty cell is a zero-length span; else no "" to look for)
        blank = unit_codes[1] == "" if t.grid is None or t.grid.empty(j).any() else None
        empty = blank[unit_codes[0]] if blank is not None and blank.any() else None
    else:
        empty = units == ""
    if empty is not None and empty.any():
        report_cells(empty, np.zeros(len(empty), int), ["empty unit id"], t.lines, name, cb.unit_column, problems)
    coders = None
    if cb.coder_column in pos:
        col = strip_cells(t.cells[pos[cb.coder_column]], t._plain)
        blank = col == ""
        if not blank.all():
            coders = col
            if blank.any():
                report_cells(blank, np.zeros(len(col), int), ["empty coder name"], t.lines, name, cb.coder_column,
                        problems)
    if absent or broken:
        return None
    return _Chunk(name, t.n_rows, units, coders, t.lines, codes, values, context, coder if coders is None else None,
                  unit_codes)


def _code_columns(it: Item, pos: dict[str, int], name: str, line: int | None, problems: list[Problem]
                  ) -> list[str] | None:
    """The 0/1 columns (``item:code``) a table gives a set-valued item instead of its one column; None when it has
    none of them, [] (and a problem) when it has only some of them, or its one column too."""
    cols = [it.code_column(c) for c in it.codes]
    have = [c for c in cols if c in pos]
    if not have:
        return None
    if it.id in pos:
        problems.append(Problem(name, f"item '{it.id}' is given twice: as column '{it.id}' and as 0/1 columns "
                                f"({quote_names(have)}); keep one of them", line))
        return []
    lacking = [c for c in cols if c not in pos]
    if lacking:
        problems.append(Problem(name, f"set-valued item '{it.id}' in 0/1 columns lacks the column"
                                f"{'s' * (len(lacking) > 1)} {quote_names(lacking)} (one 0/1 column per code, "
                                f"named {it.id}:code)", line))
        return []
    return cols


def _presence_columns(t: Table, it: Item, pos: dict[str, int], parsers: dict[str, Callable[[str], Parsed]],
                      problems: list[Problem]) -> tuple[np.ndarray, np.ndarray]:
    """The sets of a set-valued item given as one 0/1 column per code: (canonical set of each row, its bitmask;
    NaN when every column is blank: a missing rating). A row with some columns blank and others not is an error."""
    cols = [it.code_column(c) for c in it.codes]
    got = []
    for col in cols:
        raw, distinct = t.column(pos[col])
        got.append(validate(raw, parsers[col], t.lines, t.file, col, problems, distinct)[1])
    v = np.column_stack(got) if got else np.empty((t.n_rows, 0))
    blank = np.isnan(v)
    part = blank.any(axis=1) & ~blank.all(axis=1)
    for r in np.flatnonzero(part)[:20]:
        first = cols[int(np.argmax(blank[r]))]
        problems.append(Problem(t.file, f"the 0/1 columns of item '{it.id}' are partly blank on this line: give 0 or "
                                f"1 in each, or leave all of them blank for a missing rating", int(t.lines[r]), first))
    bits = np.ldexp(1.0, np.arange(len(cols)))
    mask = np.where(blank.any(axis=1), np.nan, np.nan_to_num(v) @ bits)
    uniq, inv = np.unique(np.nan_to_num(mask, nan=-1.0), return_inverse=True)
    labels = np.array([set_label(int(u), it) if u >= 0 else "" for u in uniq], dtype=object)
    return labels[inv.ravel()], mask


def _check_duplicates(chunks: list[_Chunk], problems: list[Problem],
                      per_row: Callable[[], tuple[np.ndarray, np.ndarray]], key: np.ndarray, size: int) -> None:
    """A (unit, coder) pair may occur once: within a file report each repeat, across files once per pair.
    ``per_row()``: the unit and coder of every row of the chunks (made only when some pair repeats); ``key``: an
    integer below ``size`` per (unit, coder) pair."""
    dup = duplicated(key, size)
    if not dup.any():
        return
    units, coders = per_row()
    fidx = np.repeat(np.arange(len(chunks)), [c.size for c in chunks])
    lines = np.concatenate([c.lines for c in chunks])
    dup &= (units != "") & (coders != "")
    first: dict[tuple[str, str], tuple[int, int]] = {}
    across: dict[tuple[str, int, int], list] = {}
    for r in np.flatnonzero(dup):
        key = (str(units[r]), str(coders[r]))
        here = (int(fidx[r]), int(lines[r]))
        if key not in first:
            first[key] = here
            continue
        f0, l0 = first[key]
        if f0 == here[0]:
            problems.append(Problem(chunks[f0].file, f"unit {quoted(key[0])} is rated twice by coder {quoted(key[1])} "
                                    f"(first on line {l0})", here[1], None))
        else:
            across.setdefault((key[1], f0, here[0]), []).append((key[0], l0, here[1]))
    for (coder, f0, f1), hits in across.items():
        unit, l0, l1 = hits[0]
        more = f" and {len(hits) - 1} more unit{'s' * (len(hits) > 2)}" if len(hits) > 1 else ""
        problems.append(Problem(
            chunks[f1].file, f"coder name {quoted(coder)} is also used by {chunks[f0].file}, and both files rate "
            f"unit {quoted(unit)} ({chunks[f0].file}:{l0}){more}; give each coder a distinct name "
            "(coder column or file name)", l1))


def _distinct_units(unit_parts: list[np.ndarray], n_units: int) -> bool:
    """True if no chunk lists a unit twice; a unit column shared by several chunks (the same codes array) is
    counted once."""
    seen: set[int] = set()
    for part in unit_parts:
        if id(part) in seen or not len(part):
            continue
        seen.add(id(part))
        if int(np.bincount(part, minlength=n_units).max()) > 1:
            return False
    return True


def _all_units(u: np.ndarray, n: int) -> bool:
    """True if the chunk's units ``u`` (distinct) are 0, 1, ..., n - 1 in this order (coder files listing the same
    units as the first)."""
    return len(u) == n and (not n or (int(u[0]) == 0 and int(u[-1]) == n - 1 and bool((np.diff(u) == 1).all())))


def _units_with_rows(unit_parts: Sequence[np.ndarray], whole: dict[int, bool], n: int) -> np.ndarray:
    """How many chunks have a row for each unit (each chunk lists a unit once)."""
    out = np.zeros(n, dtype=np.int64)
    for u in unit_parts:
        if whole[id(u)]:
            out += 1
        else:
            out[u] += 1
    return out


def _simple_matrix(unit_parts: Sequence[np.ndarray], coder_parts: Sequence[np.ndarray | int],
                   vals: Sequence[np.ndarray], whole: dict[int, bool], nu: int, nc: int
                   ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The units x coders matrix of one item when every chunk is another coder's and lists each unit once, and
    its ratings per unit and per coder, counted chunk by chunk (contiguous, not over the matrix's short rows).
    When every chunk lists every unit in order, every cell is written: no NaN fill first."""
    full = nu > 0 and all(whole[id(u)] for u in unit_parts)
    m = np.empty((nu, nc)) if full else np.full((nu, nc), np.nan)
    per_unit = np.zeros(nu, dtype=np.int64)
    per_coder = np.zeros(nc, dtype=np.int64)
    in_order = []
    for u, c, v in zip(unit_parts, coder_parts, vals, strict=True):
        ok = ~np.isnan(v)
        per_coder[c] += int(np.count_nonzero(ok))
        if whole[id(u)]:
            in_order.append((c, v))
            per_unit += ok
        else:
            m[u, c] = v
            per_unit[u] += ok
    for a in range(0, nu, _ROWS):  # a block of rows at a time: the matrix is written once, in the CPU cache
        block = m[a:a + _ROWS]
        for c, v in in_order:
            block[:, c] = v[a:a + _ROWS]
    return m, (per_unit, per_coder)


_ROWS = 1 << 15  # rows of the units x coders matrix written at a time (1M x 6: 18 -> 12 ms in a new process)


def _merge_distinct(uniq: np.ndarray, distinct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code of each of ``distinct`` (values without repeats) among ``uniq``, ``uniq`` extended by the new ones
    in their order)."""
    pd = sys.modules.get("pandas")
    if pd is not None:
        mapping = pd.Index(uniq, dtype=object).get_indexer(distinct).astype(np.int64)
    else:
        index = {v: i for i, v in enumerate(uniq.tolist())}
        mapping = np.array([index.get(v, -1) for v in distinct.tolist()], dtype=np.int64)
    new = mapping < 0
    if new.any():
        mapping[new] = len(uniq) + np.arange(int(new.sum()))
        uniq = np.concatenate([uniq, np.asarray(distinct, dtype=object)[new]])
    return mapping, uniq


def factorize_parts(parts: Sequence[np.ndarray | tuple[np.ndarray, np.ndarray]]
                    ) -> tuple[list[np.ndarray], np.ndarray]:
    """pandas.factorize of the concatenated string arrays, as one codes array per part (distinct values in order
    of first appearance). A part may be given already factorized, as (codes, distinct values in order of first
    appearance). A part that is the first again (the same object, or equal strings) gets the first's codes
    array itself: coder files usually list the same units."""
    out: list[np.ndarray] = []
    uniq: np.ndarray = np.empty(0, dtype=object)
    seen: dict[int, np.ndarray] = {}
    for p in parts:
        got = seen.get(id(p))
        if got is None and out and not isinstance(p, tuple) and not isinstance(parts[0], tuple) \
                and len(p) == len(parts[0]) and np.array_equal(p, parts[0]):
            got = out[0]
        if got is None:
            local, distinct = p if isinstance(p, tuple) else factorize(p)
            if not out:
                got, uniq = local, np.asarray(distinct, dtype=object)
            else:
                mapping, uniq = _merge_distinct(uniq, distinct)
                got = mapping[local]
            seen[id(p)] = got
        out.append(got)
    return out, uniq


def _concat(parts: Sequence[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts).astype(np.int64, copy=False) if parts else np.empty(0, dtype=np.int64)


def _str_series(distinct: np.ndarray, codes: np.ndarray) -> pd.Series:
    """pandas.Series(distinct[codes]) for distinct strings: the string dtype pandas infers, checked on the
    distinct values instead of on every row."""
    import pandas as pd

    distinct = np.asarray(distinct, dtype=object)
    if not len(codes) or not all(isinstance(x, str) for x in distinct.tolist()):
        return pd.Series(distinct[codes])
    return pd.Series(pd.array(distinct, dtype="str").take(codes))


def read_coder_files(paths: Sequence[str | Path], codebook: Codebook,
                     encoding: str | None = None) -> RatingSet:
    """Read per-coder (or long, with a coder column) CSV files and check every value against the codebook."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    problems: list[Problem] = []
    warnings: list[str] = []
    if not paths:
        raise InputError.single("<input>", "no coder files given")
    missing = set(codebook.missing)
    parsers = {it.id: item_parser(it, missing) for it in codebook.items}
    for it in codebook.items:  # a set-valued item may come as one 0/1 column per code
        if it.multiple:
            parsers.update({it.code_column(c): presence_parser(it, c, missing) for c in it.codes})
    seen: dict[Path, str] = {}
    delimiters: list[str] = []
    chunks: list[_Chunk] = []
    names: list[str] = []
    ref: list = []  # the first unit column read through a grid (readers.grid)
    simple = False  # every chunk is another coder's and lists each unit once
    for p in paths:
        path, name = Path(p), str(p)
        try:
            key = path.resolve()
        except (OSError, RuntimeError):  # RuntimeError: a symbolic link loop before Python 3.13
            key = path.absolute()
        if key in seen:
            problems.append(Problem(name, f"file given twice (also as {seen[key]})"))
            continue
        seen[key] = name
        names.append(name)
        try:
            tables = _coder_tables(path, name, codebook, parsers, encoding, warnings)
        except InputError as e:
            problems.extend(e.problems)
            continue
        if path.suffix.lower() not in (*EXCEL_SUFFIXES, *SPSS_SUFFIXES):
            delimiters += [t.delimiter for t, _ in tables]
        for t, coder in tables:
            chunk = _read_coder_file(t, coder, codebook, parsers, problems, warnings, ref)
            if chunk is not None:
                chunks.append(chunk)
        tables = t = None  # the last file's text and offsets: freed now (its memory reused for what follows)
    ref.clear()  # the first file's text and offsets too (its unit ids live on in its chunk)
    if chunks:
        unit_parts, units_u = factorize_parts([c.unit_codes if c.unit_codes is not None else c.units
                                               for c in chunks])
        coder_parts: list[np.ndarray | int]
        one_each = all(c.coder is not None for c in chunks)
        if one_each:  # factorize the files' coder names, not every row
            fi, coders_u = factorize(np.array([c.coder for c in chunks if c.size], dtype=object))
            it_fi = iter(fi.tolist())
            coder_parts = [next(it_fi) if c.size else 0 for c in chunks]
        else:
            ci, coders_u = factorize(np.concatenate([filled(c.size, c.coder) if c.coders is None else c.coders
                                                     for c in chunks]))
            coder_parts = np.split(ci, np.cumsum([c.size for c in chunks])[:-1])
        nc, coder_names = len(coders_u), np.asarray(coders_u, dtype=object)
        rated = sum(1 for c in chunks if c.size)
        simple = one_each and nc == rated and _distinct_units(unit_parts, len(units_u))
        if not simple:
            # else no (unit, coder) pair can repeat: every chunk is another coder's and lists each unit once
            cell = np.concatenate([u * nc + c for u, c in zip(unit_parts, coder_parts, strict=True)])
            _check_duplicates(chunks, problems, lambda: (units_u[cell // nc], coder_names[cell % nc]), cell,
                              len(units_u) * nc)
    raise_if(problems)
    if not chunks:
        raise InputError.single("<input>", "no usable coder files")

    units, coders = units_u.tolist(), coders_u.tolist()  # strings: stripped cells, file or sheet names
    ctx_names = list(dict.fromkeys(k for c in chunks for k in c.context))
    context = {k: [c.context.get(k) for c in chunks] for k in ctx_names}
    sizes = [c.size for c in chunks]
    parts = RecordParts(units_u, unit_parts, coders_u, coder_parts, [c.file for c in chunks], sizes,
                        [c.lines for c in chunks], context)
    ends = np.cumsum(sizes)
    bounds = list(zip((ends - np.asarray(sizes, dtype=np.int64)).tolist(), ends.tolist(), strict=True))
    items: dict[str, ItemRatings] = {}
    nu, nc = len(units), len(coders)
    sparse = keep_sparse(nu, nc, int(sum(sizes)))  # crowd data: the rated cells, no units x coders matrix
    row_keys = None
    if sparse:
        unit_all = np.concatenate(unit_parts).astype(np.int64)
        coder_all = np.concatenate([np.full(len(u), c, dtype=np.int64) if isinstance(c, int) else c
                                    for u, c in zip(unit_parts, coder_parts, strict=True)]).astype(np.int64)
        row_keys = unique(unit_all * nc + coder_all)
        explained = np.bincount(row_keys // nc, minlength=nu) <= 1
    elif simple:  # one chunk per coder, each unit once: the coders with a row per unit, no units x coders matrix
        whole = {id(u): _all_units(u, nu) for u in unit_parts}
        explained = _units_with_rows(unit_parts, whole, nu) <= 1
    else:
        with_row = np.zeros((nu, nc), dtype=bool)
        for u, c in zip(unit_parts, coder_parts, strict=True):
            with_row[u, c] = True
        explained = with_row.sum(axis=1) <= 1  # units only one coder's file has: the absent-rows warning says it
    by_coder = np.zeros(nc)  # ratings per coder, all items (one chunk per coder: counted chunk by chunk)
    for it in codebook.items:
        codes = [c.codes.pop(it.id) for c in chunks]  # the chunks' copies are no longer needed
        vals = [c.values.pop(it.id) for c in chunks]
        if not (it.categories or it.scale is not None):  # free tokens: their values come from all of them
            allc = np.concatenate([cell_codes(c) for c in codes])
            v, cats, labels, errors = resolve_open(allc, it.level, f"item '{it.id}'")
            if errors:
                files_all = np.repeat(np.array([c.file for c in chunks], dtype=object), sizes)
                report_tokens(allc, errors, files_all, filled(len(allc), it.id), parts.all_lines(), problems)
                continue
            vals = [v[a:b] for a, b in bounds]
        cells = None
        rated = None
        if sparse:
            cells = Cells.of(unit_all, coder_all, np.concatenate(vals).astype(float), (nu, nc))
            m = None
        elif simple:
            m, rated = _simple_matrix(unit_parts, coder_parts, vals, whole, nu, nc)
            by_coder += rated[1]
        else:
            m = np.full((nu, nc), np.nan)
            for u, c, v in zip(unit_parts, coder_parts, vals, strict=True):
                m[u, c] = v
        labels: tuple[str, ...]
        if it.multiple:  # each distinct set given is a category; its value is its bitmask
            cats = tuple(float(v) for v in unique(m[~np.isnan(m)]))
            labels = tuple(set_label(int(v), it) for v in cats)
        elif it.categories:
            cats, labels = it.category_values(), it.codes
        elif it.scale is not None and it.scale.grid():
            cats = it.scale.grid()
            labels = tuple(fmt_number(v) for v in cats)
        elif it.scale is not None:  # every rating has its own cell (repeats were refused above)
            cats = tuple(float(v) for v in unique(cells.value if sparse else m[~np.isnan(m)]))
            labels = tuple(fmt_number(v) for v in cats)
        warn = coverage_warnings(cells if sparse else m, it.id, units, coders, explained, rated)
        warnings.extend(warn)
        items[it.id] = ItemRatings(
            item=it.id, level=it.level, units=units, coders=coders, values=m, categories=tuple(cats),
            labels=tuple(labels), weights=it.default_weights(),
            weight_matrix=None if it.weight_matrix is None else np.array(it.weight_matrix, dtype=float),
            primary=it.default_primary(), warnings=list(warn),
            explicit_categories=bool(it.categories) or bool(it.scale and it.scale.step),
            set_codes=it.codes if it.multiple else (), cells=cells)
        parts.item_codes[it.id] = (codes, vals)
    raise_if(problems)
    counts = coder_counts(units, coders, unit_parts, coder_parts, [c.file for c in chunks], items, row_keys,
                          by_coder if simple and not sparse else None)
    warnings = merge_file_warnings([*warnings, *absent_warnings(counts, len(units))],
                                   [*names, *(c.file for c in chunks)])
    if len(coders) < 2:
        warnings.append(f"only one coder ({', '.join(coders)}); agreement needs at least two")
    return RatingSet(codebook, coders, units, items, parts, warnings, names, counts, delimiters)
