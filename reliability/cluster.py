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
  replacement, every unit of a drawn cluster comes along (:func:`reliability.bootstrap.cluster_multiplicities`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def cluster_index(labels: Sequence[object] | np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Integer cluster codes 0..G-1 (in order of first appearance) and the cluster names."""
    names: dict[str, int] = {}
    codes = np.empty(len(labels), dtype=np.int64)
    for i, lab in enumerate(labels):
        codes[i] = names.setdefault(str(lab), len(names))
    return codes, list(names)


def n_clusters(clusters: np.ndarray) -> int:
    return int(len(np.unique(clusters)))


def robust_se(terms: np.ndarray, clusters: np.ndarray, centre: float) -> float | None:
    """Cluster-robust SE from per-unit linearised terms: terms summed within clusters, then
    ``sqrt(G/(G-1) sum_g T_g^2) / n``; None with fewer than two clusters."""
    terms = np.asarray(terms, dtype=float)
    clusters = np.asarray(clusters)
    _, inv = np.unique(clusters, return_inverse=True)
    g = int(inv.max()) + 1 if len(inv) else 0
    if g < 2:
        return None
    sums = np.bincount(inv, weights=terms - centre, minlength=g)
    n = len(terms)
    return float(np.sqrt(g / (g - 1) * float(sums @ sums)) / n)


def design_effect(plain_se: float | None, cluster_se: float | None) -> float | None:
    """(cluster SE / plain SE)^2: how many times the variance is larger than independence pretends."""
    if not plain_se or cluster_se is None:
        return None
    return float((cluster_se / plain_se) ** 2)
