"""Coder files against a codebook: every file read, every value checked, all coders aligned on one grid.

Every problem in every file is collected and raised as one InputError; warnings are returned, not raised.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from reliability.codebook import Codebook
from reliability.errors import InputError, Problem
from reliability.ratings import ItemRatings

from .delimited import read_table
from .excel import EXCEL_SUFFIXES, read_xlsx
from .factorize import SMALL, factorize, load_pandas_for
from .place import merge_file_warnings, quoted, raise_if, report_cells, report_tokens
from .spss import SPSS_SUFFIXES, read_sav
from .table import Table, close_hint, columns, duplicated, filled, fmt_number, missing_column, quote_names, strip_cells
from .values import Parsed, item_parser, resolve_open, validate

if TYPE_CHECKING:
    import pandas as pd

RESERVED = ("unit", "coder", "item", "code", "value", "file", "line")


@dataclass
class RecordParts:
    """What the long records table is made of, kept as arrays: the table itself (pandas) is built only when a
    command asks for it (training handouts, clusters), not for every check."""

    units: np.ndarray  # distinct unit ids
    unit_index: np.ndarray  # per row
    coders: np.ndarray
    coder_index: np.ndarray
    files: list[str]
    sizes: list[int]  # rows of each file (chunk)
    lines: np.ndarray
    context: dict[str, np.ndarray]
    item_codes: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # item -> (codes, values)

    def frame(self) -> pd.DataFrame:
        """unit, coder, item, code, value, file, line + context columns: one row per (file row, item)."""
        import pandas as pd

        shared = {"unit": _str_series(self.units, self.unit_index), "coder": _str_series(self.coders,
                                                                                         self.coder_index),
                  "file": _str_series(np.array(self.files, dtype=object),
                                      np.repeat(np.arange(len(self.files)), self.sizes)),
                  "line": pd.Series(self.lines), **{k: pd.Series(v) for k, v in self.context.items()}}
        frames = [pd.DataFrame({"unit": shared["unit"], "coder": shared["coder"], "item": item, "code": codes,
                                "value": vals, "file": shared["file"], "line": shared["line"],
                                **{k: shared[k] for k in self.context}}, copy=False)
                  for item, (codes, vals) in self.item_codes.items()]
        if len(frames) > 1:
            return pd.concat(frames, ignore_index=True)
        cols = ["unit", "coder", "item", "code", "value", "file", "line", *self.context]
        return frames[0] if frames else pd.DataFrame(columns=cols)  # one item: its index is already 0..n-1


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
    # follow the inputs' dialect (reliability.report.dialect_for)
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
    absent_units: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"coder": self.coder, "files": list(self.files), "units": self.units, "ratings": self.ratings,
                "missing": self.missing, "absent_units": list(self.absent_units)}


def coder_counts(units: list[str], coders: list[str], cell: np.ndarray, files: Sequence[str],
                 sizes: Sequence[int], items: dict[str, ItemRatings]) -> list[CoderCount]:
    """Per coder: units with a row (``cell``: flat unit x coder index of every row; the rows of ``files[i]``
    are the next ``sizes[i]``), ratings, missing cells."""
    has_row = np.zeros(len(units) * len(coders), dtype=bool)
    has_row[cell] = True
    has_row = has_row.reshape(len(units), len(coders))
    ratings = sum((~np.isnan(r.values)).sum(axis=0) for r in items.values()) if items else np.zeros(len(coders))
    coder_of_row = cell % max(len(coders), 1)
    names: list[dict[str, None]] = [{} for _ in coders]  # each coder's files in the order of their first row
    ends = np.cumsum(sizes)
    for f, a, b in zip(files, ends - np.asarray(sizes, dtype=np.int64), ends, strict=True):
        for j in np.flatnonzero(np.bincount(coder_of_row[a:b], minlength=len(coders))):
            names[j].setdefault(str(f), None)
    out = []
    for j, coder in enumerate(coders):
        absent = tuple(units[i] for i in np.flatnonzero(~has_row[:, j]))
        n = int(ratings[j])
        out.append(CoderCount(coder, tuple(names[j]), int(has_row[:, j].sum()), n,
                              len(units) * len(items) - n, absent))
    return out


def absent_warnings(counts: list[CoderCount], n_units: int) -> list[str]:
    """A warning per coder whose files lack units the other coders rated (naming the coder, files and units)."""
    out = []
    for c in counts:
        if c.absent_units and c.units:
            k = len(c.absent_units)
            few = ", ".join(c.absent_units[:8]) + (", ..." if k > 8 else "")
            out.append(f"coder '{c.coder}' ({', '.join(c.files)}) has no row for {k} of the {n_units} units the "
                       f"other coders rated: {few}; these count as missing ratings")
    return out


@dataclass
class _Chunk:
    file: str
    units: np.ndarray
    coders: np.ndarray | None  # None: every row is the file's coder (``coder``)
    lines: np.ndarray
    codes: dict[str, np.ndarray]
    values: dict[str, np.ndarray]
    context: dict[str, np.ndarray]
    coder: str | None = None  # the one coder of every row (no coder column), else None


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
    """One table's chunk of records. ``ref``: [grid, column, units] of an earlier file's unit column (filled
    here when empty): a unit column with the same bytes takes its strings instead of making new ones."""
    name = t.file
    problems.extend(t.problems)
    pos = columns(t, problems, warnings)
    found = list(pos)
    if t.n_rows == 0 and not t.problems:
        problems.append(Problem(name, "has a header but no data rows", t.header_line))
    if cb.unit_column not in pos:
        problems.append(missing_column(t, "unit", cb.unit_column, found))
    absent = [it.id for it in cb.items if it.id not in pos]
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
            codes[it.id], values[it.id] = validate(raw, parsers[it.id], t.lines, name, it.id, problems, distinct)
    context = {}
    for c, i in pos.items():
        if c not in (cb.unit_column, cb.coder_column) and cb.item(c) is None:
            warnings.append(f"{name}: unknown column {quoted(c)} kept as context "
                            f"(not an item of codebook '{cb.id}')")
            context[f"context_{c}" if c in RESERVED else c] = strip_cells(t.cells[i], t._plain)
    if cb.unit_column not in pos:
        return None
    j = pos[cb.unit_column]
    if ref and t.grid is not None and t.grid.same_column(j, ref[0], ref[1]):
        units = ref[2]
    else:
        units = strip_cells(t.cells[j], t._plain)
        if ref is not None and not ref and t.grid is not None:
            ref[:] = [t.grid, j, units]
    empty = units == ""
    if empty.any():
        report_cells(empty, np.zeros(len(units), int), ["empty unit id"], t.lines, name, cb.unit_column, problems)
    coders = named = filled(len(units), coder)
    if cb.coder_column in pos:
        col = strip_cells(t.cells[pos[cb.coder_column]], t._plain)
        blank = col == ""
        if not blank.all():
            coders = col
            if blank.any():
                report_cells(blank, np.zeros(len(col), int), ["empty coder name"], t.lines, name, cb.coder_column,
                        problems)
    if absent:
        return None
    one = coders is named
    return _Chunk(name, units, None if one else coders, t.lines, codes, values, context, coder if one else None)


def _check_duplicates(chunks: list[_Chunk], problems: list[Problem],
                      per_row: Callable[[], tuple[np.ndarray, np.ndarray]], key: np.ndarray, size: int) -> None:
    """A (unit, coder) pair may occur once: within a file report each repeat, across files once per pair.
    ``per_row()``: the unit and coder of every row of the chunks (made only when some pair repeats); ``key``: an
    integer below ``size`` per (unit, coder) pair."""
    dup = duplicated(key, size)
    if not dup.any():
        return
    units, coders = per_row()
    fidx = np.repeat(np.arange(len(chunks)), [len(c.units) for c in chunks])
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


def factorize_chunks(arrays: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """pandas.factorize of the concatenated string arrays (codes, distinct values in order of first appearance),
    chunk by chunk: a chunk equal to the first costs one comparison, one holding only known values one hash
    lookup (coder files usually list the same units)."""
    if not arrays:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=object)
    if "pandas" not in sys.modules and sum(len(a) for a in arrays) <= SMALL:
        return factorize(np.concatenate(arrays))
    import pandas as pd

    codes0, uniq = pd.factorize(arrays[0])
    codes0 = codes0.astype(np.int64)
    uniq = np.asarray(uniq, dtype=object)
    out = [codes0]
    index = None
    for a in arrays[1:]:
        if a is arrays[0] or (len(a) == len(arrays[0]) and np.array_equal(a, arrays[0])):
            out.append(codes0)
            continue
        if index is None or len(index) != len(uniq):
            index = pd.Index(uniq, dtype=object)
        codes = index.get_indexer(a).astype(np.int64)
        new = codes < 0
        if new.any():
            more, extra = pd.factorize(a[new])
            codes[new] = more + len(uniq)
            uniq = np.concatenate([uniq, np.asarray(extra, dtype=object)])
        out.append(codes)
    return np.concatenate(out), uniq


def _str_series(distinct: np.ndarray, codes: np.ndarray) -> pd.Series:
    """pandas.Series(distinct[codes]) for distinct strings: the string dtype pandas infers, checked on the
    distinct values instead of on every row."""
    import pandas as pd

    distinct = np.asarray(distinct, dtype=object)
    if not len(codes) or not all(isinstance(x, str) for x in distinct.tolist()):
        return pd.Series(distinct[codes])
    return pd.Series(pd.array(distinct, dtype="str").take(codes))


def coverage_warnings(m: np.ndarray, item: str, units: list[str], coders: list[str]) -> list[str]:
    out = []
    rated = ~np.isnan(m)
    per_unit = rated.sum(axis=1)
    if len(coders) > 1:
        single = np.flatnonzero(per_unit == 1)
        if single.size:
            few = ", ".join(units[i] for i in single[:5]) + (", ..." if single.size > 5 else "")
            n = single.size
            out.append(f"item '{item}': {n} unit{'s' * (n > 1)} rated by only one coder ({few})")
    for j in np.flatnonzero(rated.sum(axis=0) == 0):
        out.append(f"item '{item}': coder '{coders[j]}' rated no unit")
    return out


def _size(path: str | Path) -> int:
    try:
        return os.stat(path).st_size
    except (OSError, ValueError):
        return 0


def read_coder_files(paths: Sequence[str | Path], codebook: Codebook,
                     encoding: str | None = None) -> RatingSet:
    """Read per-coder (or long, with a coder column) CSV files and check every value against the codebook."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    load_pandas_for(sum(_size(p) for p in paths))
    problems: list[Problem] = []
    warnings: list[str] = []
    if not paths:
        raise InputError.single("<input>", "no coder files given")
    missing = set(codebook.missing)
    parsers = {it.id: item_parser(it, missing) for it in codebook.items}
    seen: dict[Path, str] = {}
    delimiters: list[str] = []
    chunks: list[_Chunk] = []
    names: list[str] = []
    ref: list = []  # the first unit column read through a grid (readers.grid)
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
    if chunks:
        ui, units_u = factorize_chunks([c.units for c in chunks])
        if all(c.coder is not None for c in chunks):  # factorize the files' coder names, not every row
            rated = [c for c in chunks if len(c.units)]
            fi, coders_u = factorize(np.array([c.coder for c in rated], dtype=object))
            ci = np.repeat(fi, [len(c.units) for c in rated])
        else:
            ci, coders_u = factorize(np.concatenate([filled(len(c.units), c.coder) if c.coders is None
                                                        else c.coders for c in chunks]))
        cell = ui.astype(np.int64) * len(coders_u) + ci  # flat index in the units x coders grid
        nc, coder_names = len(coders_u), np.asarray(coders_u, dtype=object)
        _check_duplicates(chunks, problems, lambda: (units_u[cell // nc], coder_names[cell % nc]), cell,
                          len(units_u) * nc)
    raise_if(problems)
    if not chunks:
        raise InputError.single("<input>", "no usable coder files")

    lines_all = np.concatenate([c.lines for c in chunks])
    for c in chunks:
        c.lines = lines_all[:0]  # released: lines_all holds them
    units, coders = units_u.tolist(), coders_u.tolist()  # strings: stripped cells, file or sheet names
    ctx_names = list(dict.fromkeys(k for c in chunks for k in c.context))
    context = {k: np.concatenate([c.context.get(k, filled(len(c.units), "")) for c in chunks])
               for k in ctx_names}

    sizes = [len(c.units) for c in chunks]
    parts = RecordParts(units_u, ui, coders_u, ci, [c.file for c in chunks], sizes, lines_all, context)
    items: dict[str, ItemRatings] = {}
    for it in codebook.items:
        codes = np.concatenate([c.codes.pop(it.id) for c in chunks])  # the chunks' copies are no longer needed
        vals = np.concatenate([c.values.pop(it.id) for c in chunks])
        labels: tuple[str, ...]
        if it.categories:
            cats, labels = it.category_values(), it.codes
        elif it.scale is not None and it.scale.grid():
            cats = it.scale.grid()
            labels = tuple(fmt_number(v) for v in cats)
        elif it.scale is not None:
            cats = tuple(float(v) for v in np.unique(vals[~np.isnan(vals)]))
            labels = tuple(fmt_number(v) for v in cats)
        else:
            vals, cats, labels, errors = resolve_open(codes, it.level, f"item '{it.id}'")
            if errors:
                files_all = np.repeat(np.array([c.file for c in chunks], dtype=object), sizes)
                report_tokens(codes, errors, files_all, filled(len(codes), it.id), lines_all,
                               problems)
                continue
        m = np.full((len(units), len(coders)), np.nan)
        m.reshape(-1)[cell] = vals
        warn = coverage_warnings(m, it.id, units, coders)
        warnings.extend(warn)
        items[it.id] = ItemRatings(
            item=it.id, level=it.level, units=units, coders=coders, values=m, categories=tuple(cats),
            labels=tuple(labels), weights=it.default_weights(),
            weight_matrix=None if it.weight_matrix is None else np.array(it.weight_matrix, dtype=float),
            primary=it.default_primary(), warnings=list(warn),
            explicit_categories=bool(it.categories) or bool(it.scale and it.scale.step))
        parts.item_codes[it.id] = (codes, vals)
    raise_if(problems)
    counts = coder_counts(units, coders, cell, [c.file for c in chunks], [len(c.units) for c in chunks], items)
    warnings = merge_file_warnings([*warnings, *absent_warnings(counts, len(units))],
                                   [*names, *(c.file for c in chunks)])
    if len(coders) < 2:
        warnings.append(f"only one coder ({', '.join(coders)}); agreement needs at least two")
    return RatingSet(codebook, coders, units, items, parts, warnings, names, counts, delimiters)
