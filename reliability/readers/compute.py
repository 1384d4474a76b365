"""Input of ``irrkit compute``: ad-hoc ratings without a codebook (wide or long) and count tables."""

from __future__ import annotations

import decimal
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from irrkit.codebooks.model import LEVELS, Category, Item
from irrkit.errors import InputError, Problem
from irrkit.ratings import Cells, IntegerIds, ItemRatings, keep_sparse
from irrkit.readers.coverage import coverage_warnings
from irrkit.readers.delimited import read_table
from irrkit.readers.place import quoted, raise_if, report_cells, report_tokens
from irrkit.readers.table import Table, columns, duplicated, filled, missing_column, strip_cells
from irrkit.readers.values import (
    Parsed,
    category_parser,
    number_labels,
    open_parser,
    parse_number,
    resolve_tokens,
    validate,
    validate_distinct,
)
from irrkit.statistics.counting import unique

COMPUTE_MISSING = ("", "NA", "na", "N/A", "n/a", ".", "-", "NaN", "nan")
COUNT_ID_NAMES = ("unit", "units", "id", "subject", "case", "object", "item", "segment")


def read_compute_input(path: str | Path, *, long: bool = False, unit_col: str | None = None,
                       coder_col: str = "coder", value_col: str = "value",
                       categories: Sequence[str] | None = None, level: str = "nominal",
                       encoding: str | None = None, cluster_col: str | None = None) -> ItemRatings:
    """Ad-hoc ratings without a codebook: wide (unit + one column per coder) or long (unit, coder, value).
    ``cluster_col``: the column naming each unit's cluster (not a coder), for cluster-aware inference."""
    name = str(path)
    if level not in LEVELS:
        raise InputError.single(name, f"unknown level '{level}' (choose {', '.join(LEVELS)})")
    t = read_table(path, encoding)
    problems, warnings = list(t.problems), []
    pos = columns(t, problems, warnings)
    found = list(pos)
    if t.n_rows == 0 and not t.problems:
        problems.append(Problem(name, "has a header but no data rows", t.header_line))
    ucol = unit_col or ("unit" if long else next(iter(pos), ""))
    need = [("unit", ucol), ("coder", coder_col), ("value", value_col)] if long else [("unit", ucol)]
    if cluster_col is not None:
        need.append(("cluster", cluster_col))
    for what, col in need:
        if col not in pos:
            problems.append(missing_column(t, what, col, found))
    coder_cols = [c for c in pos if c not in (ucol, cluster_col)] if not long else []
    if not long and ucol in pos and not coder_cols:
        problems.append(Problem(name, "no coder columns: a wide file has the unit column and one column "
                                "per coder", t.header_line))
    if long:
        warnings += [f"{name}: column {quoted(c)} ignored" for c in pos
                     if c not in (ucol, coder_col, value_col, cluster_col)]
    raise_if(problems)

    item = Item("ratings", level=level)
    if categories is not None:
        cats = [str(c).strip() for c in categories]
        dups = sorted({c for c in cats if cats.count(c) > 1})
        if not cats or dups or "" in cats:
            got = ", ".join(cats)
            raise InputError.single("--categories", f"need distinct, non-empty categories (got {got})")
        item = Item("ratings", level=level, categories=tuple(Category(c) for c in cats))
        parse = category_parser(item, set(COMPUTE_MISSING) - set(cats), "one of the given categories")
    else:
        parse = open_parser(set(COMPUTE_MISSING))
    ids = None if long else _integer_ids(t, pos[ucol])
    if ids is not None and not ids[1]:  # repeated ids: reported below, by their text
        ids = (_id_strings(ids[0]), False)
    if ids is None:
        units_raw = strip_cells(t.cells[pos[ucol]], t._plain)
    else:
        units_raw = ids[0] if ids[0].dtype == object else IntegerIds(ids[0])
    cols = [value_col] if long else coder_cols
    fast, known, all_bytes = None, None, False
    byte_value = _DIGIT_VALUE  # the value of a one-byte cell
    if not long and categories is None:
        fast, known = _numeric_values(t, [pos[c] for c in cols], parse)
    elif not long:  # named categories: each column's distinct cells (bytes) through the category parser
        coded = coded_values(t, [pos[c] for c in cols], parse)
        if coded is not None:
            fast, byte_value = coded
    if fast is None:
        parsed = [validate_distinct(t.cells[pos[c]], parse, t.lines, name, c, problems) for c in cols]
    empty = np.zeros(len(units_raw), dtype=bool) if isinstance(units_raw, IntegerIds) else units_raw == ""
    if empty.any():
        report_cells(empty, np.zeros(len(empty), int), ["empty unit id"], t.lines, name, ucol, problems)
    if not long and (ids[1] if ids is not None else len(set(units_raw.tolist())) == len(units_raw)):
        # distinct unit ids: nothing to factorize
        ui, units_u = None, units_raw
    else:
        import pandas as pd

        ui, units_u = pd.factorize(units_raw)
    if long:
        coders_raw = strip_cells(t.cells[pos[coder_col]], t._plain)
        blank = coders_raw == ""
        if blank.any():
            report_cells(blank, np.zeros(len(blank), int), ["empty coder name"], t.lines, name, coder_col,
                    problems)
        import pandas as pd

        ci, coders_u = pd.factorize(coders_raw)
        cell = ui.astype(np.int64) * len(coders_u) + ci  # flat index in the units x coders grid
        dup = duplicated(cell, len(units_u) * len(coders_u))
        what = "unit {u} is rated twice by coder {c} (first on line {l})"
    else:
        coders_raw = np.empty(0, dtype=object)
        dup = np.zeros(len(units_raw), dtype=bool) if ui is None else duplicated(ui, len(units_u))
        what = "unit {u} appears twice (first on line {l})"
    dup &= ~empty
    first: dict[tuple[str, str], int] = {}
    if not long and dup.any():  # one message, not one per row: a long file read as wide repeats every unit
        seen: dict[str, int] = {}
        repeats = []
        for r in np.flatnonzero(dup).tolist():
            u = str(units_raw[r])
            if u in seen:
                repeats.append((u, seen[u], int(t.lines[r])))
            else:
                seen[u] = int(t.lines[r])
        u, l0, at = repeats[0]
        more = f"; {len(repeats) - 1} more rows repeat a unit" if len(repeats) > 1 else ""
        problems.append(Problem(name, f"unit {quoted(u)} appears twice (first on line {l0}){more}: a long file (one "
                                "row per unit, coder and value) needs --long", at))
        dup = np.zeros_like(dup)
    for r in np.flatnonzero(dup):
        k = (str(units_raw[r]), str(coders_raw[r]) if long else "")
        if k in first:
            problems.append(Problem(name, what.format(u=quoted(k[0]), c=quoted(k[1]), l=first[k]), int(t.lines[r])))
        else:
            first[k] = int(t.lines[r])
    if fast is not None and categories is not None:
        col_vals = fast
        all_bytes = all(v.dtype == np.uint8 for v in fast)
        cat_vals, labels = item.category_values(), item.codes
    elif fast is not None:
        col_vals = fast
        all_bytes = known is not None
        if known is None:
            known = _distinct_of_columns([v[~np.isnan(v)] for v in map(_column_values, fast)])
        cat_vals = tuple(known.tolist())
        labels = number_labels(cat_vals)
    elif categories is not None:
        cat_vals, labels = item.category_values(), item.codes
        col_vals = [v for _, _, v in parsed]
    elif all(np.isfinite(v[u != ""]).all() for _, u, v in parsed):  # every token a number: its parsed value
        col_vals = [v for _, _, v in parsed]
        cat_vals = tuple(unique(np.concatenate([v[u != ""] for _, u, v in parsed])).tolist())
        labels = number_labels(cat_vals)
    else:
        value, cat_vals, labels, errors = resolve_tokens({c for _, u, _ in parsed for c in u}, level, "the data")
        col_vals = [np.array([value.get(str(c), math.nan) for c in u], dtype=float) for _, u, _ in parsed]
        if errors:
            n = len(t.lines)
            codes = np.concatenate([u[i] for i, u, _ in parsed])
            report_tokens(codes, errors, filled(len(codes), name),
                           np.repeat(np.array(cols, dtype=object), n), np.tile(t.lines, len(cols)), problems)
    raise_if(problems)

    cells = None
    if long:
        units, coders = units_u.tolist(), coders_u.tolist()
        shape = (len(units_u), len(coders_u))
        if keep_sparse(*shape, len(cell)):  # crowd data: the rated cells, no units x coders matrix
            cells = Cells.of(cell // shape[1], cell % shape[1], col_vals[0][parsed[0][0]], shape)
            m = None
        else:
            m = np.full(shape, np.nan)
            m.reshape(-1)[cell] = col_vals[0][parsed[0][0]]
    else:
        units, coders = units_raw if isinstance(units_raw, IntegerIds) else units_raw.tolist(), list(coder_cols)
        if all_bytes:  # every column one-digit codes: the matrix straight from the table of first bytes
            m = byte_value[t.grid.first_byte_table()[0][:, [pos[c] for c in cols]]]
        else:
            m = np.empty((len(units), len(coders)))
            cols_in_rows = col_vals if fast is not None else [v[parsed[j][0]] for j, v in enumerate(col_vals)]
            for s in range(0, len(units), _FILL_ROWS):  # a block of rows at a time: it stays in the CPU cache
                block = m[s:s + _FILL_ROWS]
                for j, v in enumerate(cols_in_rows):
                    block[:, j] = _column_values(v[s:s + _FILL_ROWS], byte_value)
    clusters = None
    if cluster_col is not None:
        from irrkit.statistics.clusters import assign_clusters

        unit_of_row = np.where(empty, -1, ui if long else np.arange(len(units_raw)))
        clusters, bad = assign_clusters(unit_of_row, strip_cells(t.cells[pos[cluster_col]], t._plain), len(units),
                                        t.lines, filled(len(t.lines), name), cluster_col)
        raise_if(bad)
    warnings += coverage_warnings(cells, "ratings", units, coders) if cells is not None else \
        _coverage_warnings(m, units, coders)
    return ItemRatings("ratings", level, units, coders, m, tuple(cat_vals), tuple(labels),
                       weights=item.default_weights(), primary=item.default_primary(), warnings=warnings,
                       explicit_categories=categories is not None, clusters=clusters, cells=cells)


_FILL_ROWS = 1 << 14  # rows of the units x coders matrix filled at a time, column by column
_DIGIT_VALUE = np.full(256, np.nan)  # the value of a one-byte cell: its digit, else NaN
_DIGIT_VALUE[48:58] = np.arange(10)


def _coverage_warnings(m: np.ndarray, units: Sequence[str], coders: list[str]) -> list[str]:
    """coverage.coverage_warnings of the ratings, found on the rows that make them: the units rated by one coder
    and, for each coder, the first unit they rated (a coder without one rated no unit); the per-unit counts by
    column additions instead of a sum along each row."""
    rated = ~np.isnan(m)
    if not rated.size:
        return coverage_warnings(m, "ratings", list(units), coders)
    per_unit = rated[:, 0].astype(np.int16)
    for j in range(1, rated.shape[1]):
        per_unit += rated[:, j]
    rows = [np.flatnonzero(per_unit == 1)]
    for j in range(rated.shape[1]):
        first = int(rated[:, j].argmax())  # (stops at the first rating)
        if rated[first, j]:
            rows.append(np.array([first]))
    keep = unique(np.concatenate(rows))
    return coverage_warnings(m[keep], "ratings", [units[i] for i in keep.tolist()], coders)


def coded_values(t: Table, columns: list[int], parse: Callable[[str], Parsed]
                 ) -> tuple[list[np.ndarray], np.ndarray] | None:
    """The value of every cell of the given columns through ``parse`` (a category parser: codes, labels, missing
    tokens), from the table's bytes: a column of one-byte cells by a 256-entry table of its bytes' values, any
    other column through the grid's factorize (cells keyed 8 bytes at a time, a string made per distinct cell,
    never per cell). Returns (each column: its bytes (uint8) or its values, the value of each byte); None when the
    table has no grid or a cell does not parse (the careful path reports it)."""
    if t.grid is None:
        return None
    blank = parse("")
    if blank[2] is not None:
        return None
    ends = (ord(t.delimiter), 10, 13, 0)  # what an empty cell's byte can be (Grid.first_bytes)
    lut = np.full(256, np.nan)
    lut[list(ends)] = blank[1]
    seen = np.zeros(256, dtype=bool)
    seen[list(ends)] = True
    out = []
    for j in columns:
        one = t.grid.first_bytes(j)
        if one is not None:
            h = np.bincount(one, minlength=256) > 0
            for b in np.flatnonzero(h & ~seen).tolist():
                code, value, err = parse(chr(b).strip() if b < 128 else "\ufffd")
                if err is not None or b >= 128:
                    return None
                lut[b], seen[b] = value, True
            out.append(one)
            continue
        codes, distinct = t.grid.factorize(j)
        got = [parse(str(u).strip()) for u in distinct.tolist()]
        if any(err is not None for _, _, err in got):
            return None
        out.append(np.array([value for _, value, _ in got] or [0.0], dtype=float)[codes])
    return out, lut


def _column_values(v: np.ndarray, byte_value: np.ndarray = _DIGIT_VALUE) -> np.ndarray:
    """The values of a column from _numeric_values or coded_values: its float values, or those of its one-byte
    cells (``byte_value``: the value of each byte)."""
    return byte_value[v] if v.dtype == np.uint8 else v


def _numeric_values(t: Table, columns: list[int], parse: Callable[[str], Parsed]
                    ) -> tuple[list[np.ndarray] | None, np.ndarray | None]:
    """(the value of every cell of the given columns, their distinct finite values in order or None) when each
    cell is a number or a missing-value token, read through the table's byte offsets (readers.grid) without
    making strings of the numbers; the cells the vectorised parser leaves (empty cells, tokens such as NA or 1e3)
    go through ``parse`` like every other cell. A column of one-digit codes and empty cells is given as its
    bytes (uint8: ``_column_values`` makes them values, 1/8 of the memory until then); the distinct values are
    given when every column is one of those (counted from the bytes). (None, None) when the table has no grid,
    a missing-value token is written like a number, or some cell is not a number (the careful path ranks text
    tokens)."""
    missing = getattr(parse, "open_missing", None)
    if t.grid is None or missing is None or any(map(_plain_number, missing)):
        return None, None
    blank = parse("")
    blank_ok = blank[2] is None and blank[0] == ""  # an empty cell is missing, as the vectorised parser has it
    ends = [ord(t.delimiter), 10, 13, 0]  # what an empty cell's byte can be (Grid.first_bytes)
    out = []
    used = np.zeros(10, dtype=bool)  # the digits of one-digit columns
    every = True  # every column read from its bytes so far
    for j in columns:
        one = t.grid.first_bytes(j)
        if one is not None:
            h = np.bincount(one, minlength=256)
            n_empty = int(h[ends].sum())
            if int(h[48:58].sum()) + n_empty == len(one) and (blank_ok or not n_empty):
                used |= h[48:58] > 0
                out.append(one)
                continue
        every = False
        vals, odd = t.grid.numbers(j)
        if odd.any():
            empty = t.grid.empty(j)
            if empty.any() and not blank_ok:
                return None, None
            rest = np.flatnonzero(odd & ~empty)
            if len(rest):
                idx, uniq = _distinct(t.grid.texts(j, rest))
                got = [parse(u.strip()) for u in uniq]
                if any(err is not None or (code != "" and math.isnan(value)) for code, value, err in got):
                    return None, None
                vals[rest] = np.array([value for _, value, _ in got], dtype=float)[idx]
        out.append(vals)
    return out, (np.flatnonzero(used).astype(float) if every else None)


_POW10_INT = np.array([10**k for k in range(16)], dtype=np.int64)


def _integer_ids(t: Table, j: int) -> tuple[np.ndarray, bool] | None:
    """(the cells of column ``j`` as int64, whether they are distinct) when every cell is a whole number written
    canonically (digits only, no leading zero, at most 16 digits): then str() of the value is the text, made
    without cutting the text and compared as integers. None for any other column."""
    if t.grid is None:
        return None
    iv = t.grid.digits(j)
    if iv is None or not len(iv):
        return None
    s, e = t.grid.span(j)
    length = e - s
    if not ((iv >= _POW10_INT[length - 1]) | (length == 1)).all():  # a leading 0
        return None
    distinct = bool((iv[1:] > iv[:-1]).all()) or len(unique(iv)) == len(iv)
    return iv, distinct


def _id_strings(iv: np.ndarray) -> np.ndarray:
    out = np.empty(len(iv), dtype=object)
    out[:] = list(map(str, iv.tolist()))
    return out


def _distinct_of_columns(parts: list[np.ndarray]) -> np.ndarray:
    """np.unique of the concatenated finite values, column by column (no copy of all the values) unless a -0.0
    makes the choice between equal values np.unique's."""
    if any((np.signbit(p) & (p == 0)).any() for p in parts):
        return unique(np.concatenate(parts))
    return unique(np.concatenate([sorted_distinct(p) for p in parts]))


def sorted_distinct(v: np.ndarray) -> np.ndarray:
    """np.unique of finite values; whole numbers in a narrow range (category codes) by counting, not sorting."""
    if len(v) and not (np.signbit(v) & (v == 0)).any():  # -0.0 and 0.0: leave the choice to np.unique
        lo, hi = float(v.min()), float(v.max())
        if hi - lo <= 4 * len(v) + 1024 and max(abs(lo), abs(hi)) < 2**52 and (v == np.floor(v)).all():
            return lo + np.flatnonzero(np.bincount((v - lo).astype(np.int64))).astype(float)
    return unique(v)


def _plain_number(token: str) -> bool:
    """A token Grid.numbers reads as a number: sign, digits and one separator, with a digit."""
    return re.fullmatch(r"[+-]?[0-9]*[.,]?[0-9]*", token) is not None and any(c.isdigit() for c in token)


def _distinct(cells: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """(index of each cell's value, distinct values in order of first appearance), without pandas."""
    first: dict[str, int] = {}
    idx = np.array([first.setdefault(c, len(first)) for c in cells.tolist()], dtype=np.int64)
    return idx, list(first)


NUMERIC = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
MAX_COUNT = 2**53  # every whole number up to here is exact in float64 (and in int64): larger ones are not counts


def parse_count(s: str) -> Parsed:
    """A count cell: a non-negative whole number up to 2^53 (exact in float64); empty = 0."""
    n = parse_number(s) if s else 0.0
    if n is not None and s and abs(n) >= 2**52:  # floats are no longer dense here: judge the text exactly
        try:
            exact = decimal.Decimal(s.replace(",", "."))
        except decimal.InvalidOperation:
            exact = None
        n = None if exact is None or exact > MAX_COUNT or exact != exact.to_integral_value() else n
    if n is None or not 0 <= n <= MAX_COUNT or n != int(n):
        return s, math.nan, (f"value {quoted(s)} is not a count (a non-negative whole number); counts go up to "
                             f"{MAX_COUNT:,} (2^53)")
    return s, n, None


def check_total(counts: np.ndarray, name: str, problems: list[Problem]) -> None:
    """A table whose counts add up to more than 2^53 is refused: its sums would not be exact."""
    if counts.size and int(counts.max()) * counts.size > MAX_COUNT:  # the total may not be exact: add exactly
        total = sum(int(x) for x in counts.sum(axis=0, dtype=object))
        if total > MAX_COUNT:
            problems.append(Problem(name, f"the counts add up to {total:,}, more than {MAX_COUNT:,} (2^53): "
                                          "sums beyond it are not exact in floating point"))


def read_counts(path: str | Path, encoding: str | None = None) -> tuple[np.ndarray, list[str]]:
    """A units x categories table of counts (header = category names; an optional leading unit id column)."""
    import pandas as pd

    name = str(path)
    t = read_table(path, encoding)
    problems, warnings = list(t.problems), []
    pos = columns(t, problems, warnings)
    if t.n_rows == 0 and not t.problems:
        problems.append(Problem(name, "has a header but no data rows", t.header_line))
    names = list(pos)
    if names:
        first = t.cells[pos[names[0]]]

        def numeric(s: str) -> bool:  # written as a number (even one too large to be a count): not a unit id
            return not s or NUMERIC.match(s) is not None

        if names[0].casefold() in COUNT_ID_NAMES or not all(numeric(str(s).strip()) for s in pd.unique(first)):
            names = names[1:]
    if not names:
        problems.append(Problem(name, "no category columns: the header must name the categories",
                                t.header_line))
    out = np.zeros((t.n_rows, len(names)), dtype=np.int64)
    for j, c in enumerate(names):
        _, vals = validate(t.cells[pos[c]], parse_count, t.lines, name, c, problems)
        out[:, j] = np.nan_to_num(vals).astype(np.int64)
    if not problems:
        check_total(out, name, problems)
    raise_if(problems)
    return out, names
