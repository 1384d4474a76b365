"""Two coders' contingency table (``irrkit compute --table``), as papers print it and R irrCAC's ``*.table``
functions take it: a header row with a corner cell and the second coder's categories, then one row per
category of the first coder with its label and the counts::

    first \\ second,absent,present
    absent,40,9
    present,6,25
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from irrkit.errors import Problem
from irrkit.readers.compute import check_total, parse_count
from irrkit.readers.delimited import read_table
from irrkit.readers.place import raise_if
from irrkit.readers.table import quote_names, strip_cells
from irrkit.readers.values import validate


def read_contingency(path: str | Path, encoding: str | None = None,
                     categories: Sequence[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """The q x q table (rows: first coder, columns: second) and its category labels in order.

    The row and column categories must be the same; columns in another order are put in the rows' order.
    ``categories``: the full category list in order (categories missing from the table get zero counts).
    """
    name = str(path)
    t = read_table(path, encoding)
    problems = list(t.problems)
    cols = [h.strip() for h in t.header[1:]]
    rows = [str(x) for x in strip_cells(t.cells[0], t._plain)] if t.header else []
    if t.n_rows == 0 and not problems:
        problems.append(Problem(name, "has a header but no rows: a contingency table has one row per category "
                                      "of the first coder", t.header_line))
    if not cols:
        problems.append(Problem(name, "no columns: the header must name the second coder's categories after "
                                      "a corner cell", t.header_line))
    _unique(cols, "column", name, [t.header_line] * len(cols), problems)
    _unique(rows, "row", name, list(t.lines), problems)
    for i, lab in enumerate(rows):
        if not lab:
            problems.append(Problem(name, "the first cell of a row must name the first coder's category",
                                    int(t.lines[i])))
    counts = np.zeros((len(rows), len(cols)), dtype=np.int64)
    for j, c in enumerate(cols, start=1):
        if c:
            _, vals = validate(t.cells[j], parse_count, t.lines, name, c, problems)
            if len(vals) == len(rows):
                counts[:, j - 1] = np.nan_to_num(vals).astype(np.int64)
        else:
            problems.append(Problem(name, f"column {j + 1} has no header: name the second coder's category",
                                    t.header_line))
    raise_if(problems)
    only_rows = [r for r in rows if r not in cols]
    only_cols = [c for c in cols if c not in rows]
    if only_rows or only_cols:
        parts = [f"{quote_names(x)} only in the {what}" for x, what in ((only_rows, "rows"), (only_cols, "columns"))
                 if x]
        problems.append(Problem(name, "the rows and the columns must name the same categories (a square table, "
                                      f"rows: first coder, columns: second): {'; '.join(parts)}", t.header_line))
    labels = rows
    if categories is not None and not problems:
        unknown = [r for r in rows if r not in categories]
        if unknown:
            problems.append(Problem(name, f"categories {quote_names(unknown)} of the table are not in --categories "
                                          f"({quote_names(list(categories))})", t.header_line))
        labels = list(categories)
    if not problems:
        table = np.zeros((len(labels), len(labels)), dtype=np.int64)
        at = {lab: k for k, lab in enumerate(labels)}
        ri, ci = [at[r] for r in rows], [at[c] for c in cols]
        table[np.ix_(ri, ci)] = counts
        check_total(table, name, problems)
    raise_if(problems)
    return table, labels


def _unique(labels: list[str], what: str, name: str, lines: list, problems: list[Problem]) -> None:
    seen: set[str] = set()
    for lab, line in zip(labels, lines, strict=True):
        if lab and lab in seen:
            at = None if line is None else int(line)
            problems.append(Problem(name, f"{what} category '{lab}' appears twice", at))
        seen.add(lab)
