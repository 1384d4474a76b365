"""``irrkit compute``: agreement of ad-hoc ratings without a codebook (reported as item 'ratings').

``run_compute`` checks the options, reads the file in the form asked for (wide, long, a count table or two coders'
contingency table) and returns the item results; it prints and writes nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_WEIGHTS = {"nominal": "identity", "ordinal": "quadratic", "interval": "quadratic", "ratio": "ratio"}


def check_options(*, long: bool = False, counts: bool = False, table: bool = False, weights: str | None = None,
                  bootstrap: int = 0, cluster: str | None = None) -> None:
    """Usage errors of compute's options (exit 2), before anything is read."""
    from irrkit.errors import InputError
    from irrkit.statistics.weights import WEIGHT_NAMES

    if weights is not None and weights not in WEIGHT_NAMES:
        raise InputError.single("--weights", f"'{weights}' is not one of {', '.join(WEIGHT_NAMES)}")
    if sum((long, counts, table)) > 1:
        raise InputError.single("--table", "choose one input form: --long, --counts or --table")
    if table and bootstrap:
        raise InputError.single("--bootstrap", "not available with --table (a table has no units to resample)")
    if (counts or table) and cluster is not None:
        raise InputError.single("--cluster", "a count or contingency table has no unit rows to cluster; give the "
                                             "ratings instead")


def run_compute(file: Path, opts, *, long: bool = False, counts: bool = False, table: bool = False,
                unit_col: str | None = None, coder_col: str = "coder", value_col: str = "value",
                level: str = "nominal", categories: str | None = None, weights: str | None = None,
                encoding: str | None = None, cluster: str | None = None,
                progress: Callable[[int], Any] | None = None) -> list:
    """The item results (one: 'ratings') of ``file``; ``categories``: the comma-separated category list."""
    check_options(long=long, counts=counts, table=table, weights=weights, bootstrap=opts.bootstrap, cluster=cluster)
    cats = [c.strip() for c in categories.split(",")] if categories else None
    if table:
        from irrkit.analysis.item import analyse_table
        from irrkit.readers import read_contingency

        tab, names = read_contingency(file, encoding=encoding, categories=cats)
        return [analyse_table(tab, names, level, opts)]
    if counts:
        from irrkit.analysis.item import analyse_counts
        from irrkit.readers import read_counts

        tab, names = read_counts(file, encoding=encoding)
        return [analyse_counts(tab, names, level, opts)]
    from irrkit.analysis.item import analyse
    from irrkit.readers import read_compute_input

    r = read_compute_input(file, long=long, unit_col=unit_col, coder_col=coder_col, value_col=value_col,
                           categories=cats, level=level, encoding=encoding, cluster_col=cluster)
    if weights is None:
        r.weights = DEFAULT_WEIGHTS[level]
    with (progress or (lambda n, ratings=0: contextlib.nullcontext()))(1, r.n_ratings):
        res = analyse(r, opts)
    from irrkit.workflows.check import weights_note

    # which range the weights use (check: the codebook's scale)
    note = weights_note(r, res, "the --categories given", "; --categories 1,2,... gives the full scale")
    if note:
        res.notes.append(note)
    return [res]
