"""Cluster-aware inference: units nested in clusters (sequences in sessions, sessions in patients).

Units of one cluster share a patient, a therapist, a day: their agreement is not independent, and the usual
SEs (which treat every unit as an independent draw) are too small. Two remedies, both resampling or summing
*clusters*, not units:

* **cluster-robust linearisation SE** (the sandwich / "CR1" form, Liang & Zeger 1986; for agreement
  coefficients as a design-based variance with clusters as primary sampling units, Gwet 2014 ch. 5): the
  per-unit linearised terms ``t_i`` of Gwet's (2008) SE are summed within each cluster before the variance,
  ``var = G/(G-1) * sum_g (sum_{i in g} (t_i - c))^2 / n^2`` over G clusters and n units, with t(G - 1) for the
  CI. With one unit per cluster it is exactly the usual ``sum (t_i - c)^2 / (n (n-1))``.
* **cluster bootstrap** (Field & Welsh 2007; Davison & Hinkley 1997, sec. 3.8): whole clusters are drawn with
  replacement, every unit of a drawn cluster comes along (:func:`irrkit.statistics.bootstrap.cluster_multiplicities`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _dense_codes(clusters: np.ndarray) -> np.ndarray:
    """Cluster codes 0..G-1 in sorted order of the labels (``np.unique``'s inverse); for small non-negative
    integer codes (what ``assign_clusters`` gives) by one ``bincount`` instead of a sort (3.6 M time bins: 1 s)."""
    c = np.asarray(clusters)
    if c.dtype.kind in "iu" and c.size and 0 <= c.min() and c.max() < 4 * c.size + 1024:
        present = np.bincount(c) > 0
        return (np.cumsum(present) - 1)[c]
    return np.unique(c, return_inverse=True)[1].reshape(-1)


def n_clusters(clusters: np.ndarray) -> int:
    inv = _dense_codes(clusters)
    return int(inv.max()) + 1 if inv.size else 0


def robust_se(terms: np.ndarray, clusters: np.ndarray, centre: float,
              freq: np.ndarray | None = None) -> float | None:
    """Cluster-robust SE from per-unit linearised terms: terms summed within clusters, then
    ``sqrt(G/(G-1) sum_g T_g^2) / n``; None with fewer than two clusters. ``freq``: each term stands for
    ``freq_i`` identical units of its cluster (``T_g = sum_i freq_i (t_i - c)``, ``n = sum_i freq_i``): the SE
    of the expanded terms. A cluster counts when it has a row (give rows of weight 0 no cluster of their own)."""
    terms = np.asarray(terms, dtype=float)
    clusters = np.asarray(clusters)
    inv = _dense_codes(clusters)
    g = int(inv.max()) + 1 if len(inv) else 0
    if g < 2:
        return None
    if freq is None:
        sums = np.bincount(inv, weights=terms - centre, minlength=g)
        n = len(terms)
    else:
        f = np.asarray(freq, dtype=float)
        sums = np.bincount(inv, weights=(terms - centre) * f, minlength=g)
        n = f.sum()
    return float(np.sqrt(g / (g - 1) * float(sums @ sums)) / n)


def assign_clusters(unit_of_row: np.ndarray, labels: np.ndarray, n_units: int, lines: np.ndarray,
                    files: np.ndarray, column: str, what: str = "cluster",
                    names: dict[str, int] | None = None) -> tuple[np.ndarray, list]:
    """The cluster code of each unit from the rows' cluster cells (a unit may have several rows: one per coder).

    Returns (codes per unit, problems): an empty cell, or a unit given two different clusters, is a problem
    naming file, line and column. ``unit_of_row``: each row's unit index (-1: a row of no unit, skipped).
    ``what``: the word in the messages ("group" for ``check --by``); ``names``: filled with label -> code.
    """
    from irrkit.errors import Problem

    problems: list[Problem] = []
    labels = np.asarray(labels, dtype=object)
    first: dict[int, tuple[str, int, str]] = {}
    for r in range(len(labels)):
        u = int(unit_of_row[r])
        if u < 0:
            continue
        lab = str(labels[r]).strip()
        if lab == "":
            problems.append(Problem(str(files[r]), f"empty {what} value (every unit needs its {what})",
                                    int(lines[r]), column))
            continue
        seen = first.setdefault(u, (lab, int(lines[r]), str(files[r])))
        if seen[0] != lab:
            problems.append(Problem(str(files[r]), f"{what} '{lab}' here, but '{seen[0]}' for the same unit in "
                                                   f"{seen[2]}:{seen[1]} (a unit belongs to one {what})",
                                    int(lines[r]), column))
    missing = [u for u in range(n_units) if u not in first]
    codes = np.full(n_units, -1, dtype=np.int64)
    names = {} if names is None else names
    for u, (lab, _, _) in sorted(first.items()):
        codes[u] = names.setdefault(lab, len(names))
    if missing and not problems:  # units without any row carrying the column (should not happen)
        codes[missing] = np.arange(len(names), len(names) + len(missing))
    return codes, problems


def clusters_from_records(records, units: list[str], column: str, files: Sequence[str], option: str = "--cluster",
                          what: str = "cluster", names: dict[str, int] | None = None) -> np.ndarray:
    """Cluster code of each unit from a RatingSet's records (the cluster column kept as context); ``option``,
    ``what``: the option and the word in messages (``--by``, "group"); ``names``: filled with label -> code."""
    import pandas as pd

    from irrkit.errors import InputError

    if column not in records.columns or column in ("unit", "coder", "item", "code", "value", "file", "line"):
        ctx = [c for c in records.columns if c not in ("unit", "coder", "item", "code", "value", "file", "line")]
        have = f"columns besides unit, coder and the items: {', '.join(ctx)}" if ctx else "no other columns"
        raise InputError.single(", ".join(files), f"{option}: no column '{column}' in the coder files ({have})")
    rows = records.drop_duplicates(subset=["file", "line"])
    index = pd.Index(units)
    unit_of_row = index.get_indexer(rows["unit"].astype(str))
    codes, problems = assign_clusters(unit_of_row, rows[column].to_numpy(dtype=object), len(units),
                                      rows["line"].to_numpy(), rows["file"].to_numpy(dtype=object), column, what,
                                      names)
    if problems:
        raise InputError(problems)
    return codes
