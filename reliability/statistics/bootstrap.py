"""Bootstrap over units, vectorised: each replicate is a vector of unit multiplicities, so every coefficient is
a few matrix products of (replicates x units) with per-unit sufficient statistics, never a Python loop over
replicates. Percentile confidence intervals (Efron & Tibshirani 1993, ch. 13).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from irrkit.statistics import chance_corrected, icc


def multiplicities(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """(size x n) counts of how often each unit is drawn in each replicate."""
    draws = rng.integers(0, n, size=(size, n), dtype=np.int64)
    rows = np.repeat(np.arange(size, dtype=np.int64), n)
    return np.bincount(rows * n + draws.ravel(), minlength=size * n).reshape(size, n).astype(float)


def cluster_multiplicities(clusters: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """(size x n) unit multiplicities of a cluster bootstrap: G clusters drawn with replacement per replicate,
    every unit counted as often as its cluster was drawn (Davison & Hinkley 1997, sec. 3.8)."""
    _, inv = np.unique(np.asarray(clusters), return_inverse=True)
    return multiplicities(int(inv.max()) + 1, size, rng)[:, inv]


def _draws(n: int, clusters: np.ndarray | None, size: int, rng: np.random.Generator) -> np.ndarray:
    return multiplicities(n, size, rng) if clusters is None else cluster_multiplicities(clusters, size, rng)


def family_replicates(counts: np.ndarray, weights: np.ndarray, m: np.ndarray) -> dict[str, np.ndarray]:
    """Coefficient values for each replicate (rows of ``m``): the engine's point estimates with the
    multiplicities as frequency weights (:func:`irrkit.chance_corrected.replicate_estimates`)."""
    a = chance_corrected.agreement(counts, weights)
    keep = counts.sum(axis=1) > 0
    return chance_corrected.replicate_estimates(a, m[:, keep])


def percentile_ci(reps: np.ndarray, confidence: float = 0.95) -> tuple[float | None, float | None, float | None, int]:
    """(low, high, bootstrap SE, number of finite replicates)."""
    r = reps[np.isfinite(reps)]
    if len(r) < 2:
        return None, None, None, len(r)
    lo, hi = np.quantile(r, [(1 - confidence) / 2, 1 - (1 - confidence) / 2])
    return float(lo), float(min(hi, 1.0)), float(r.std(ddof=1)), len(r)


def bootstrap_family(counts: np.ndarray, weights: np.ndarray | None = None, n_boot: int = 2000, seed: int | None = None,
                     confidence: float = 0.95, chunk: int = 250,
                     progress: Callable[[int], None] | None = None,
                     clusters: np.ndarray | None = None) -> dict[str, tuple]:
    """Percentile bootstrap CIs of the chance-corrected family, resampling units (or, with ``clusters``, the
    cluster of each unit, whole clusters); ``progress(k)`` is called after each chunk of k replicates. Keys:
    percent_agreement, fleiss_kappa, gwet_ac (AC1 or AC2), brennan_prediger, krippendorff_alpha."""
    counts = np.asarray(counts, dtype=float)
    rated = counts.sum(axis=1) > 0
    counts = counts[rated]
    if clusters is not None:
        clusters = np.asarray(clusters)[rated]
    w = np.eye(counts.shape[1]) if weights is None else np.asarray(weights, dtype=float)
    rng = np.random.default_rng(seed)
    reps: dict[str, list[np.ndarray]] = {}
    done = 0
    while done < n_boot:
        size = min(chunk, n_boot - done)
        for key, vals in family_replicates(counts, w, _draws(counts.shape[0], clusters, size, rng)).items():
            reps.setdefault(key, []).append(vals)
        done += size
        if progress:
            progress(size)
    return {key: percentile_ci(np.concatenate(v), confidence) for key, v in reps.items()}


def icc_replicates(x: np.ndarray, m: np.ndarray) -> dict[str, np.ndarray]:
    """The six ICCs for each replicate of the units of a complete units x coders matrix ``x``: each replicate's
    mean squares from the multiplicity-weighted sums, the ICCs by :func:`irrkit.statistics.icc.icc_value`."""
    n, k = x.shape
    nb = m.sum(axis=1)
    row = x.mean(axis=1)
    grand = (m @ row) / nb
    col = (m @ x) / nb[:, None]
    ss_total = m @ (x**2).sum(axis=1) - nb * k * grand**2
    ss_rows = k * (m @ row**2 - nb * grand**2)
    ss_cols = nb * ((col - grand[:, None]) ** 2).sum(axis=1)
    ss_err = ss_total - ss_rows - ss_cols
    with np.errstate(divide="ignore", invalid="ignore"):
        bms, wms = ss_rows / (n - 1), (ss_total - ss_rows) / (n * (k - 1))
        jms, ems = ss_cols / (k - 1), ss_err / ((n - 1) * (k - 1))
        return {key: icc.icc_value(key, n, k, bms, wms, jms, ems) for key in icc.ICC_KEYS}


def bootstrap_icc(x: np.ndarray, n_boot: int = 2000, seed: int | None = None, confidence: float = 0.95,
                  chunk: int = 250, progress: Callable[[int], None] | None = None,
                  clusters: np.ndarray | None = None) -> dict[str, tuple]:
    """Percentile bootstrap CIs of the six ICCs over complete units (with ``clusters``: whole clusters)."""
    x = np.asarray(x, dtype=float)
    complete = ~np.isnan(x).any(axis=1)
    x = x[complete]
    if clusters is not None:
        clusters = np.asarray(clusters)[complete]
    rng = np.random.default_rng(seed)
    reps: dict[str, list[np.ndarray]] = {}
    done = 0
    while done < n_boot:
        size = min(chunk, n_boot - done)
        for key, vals in icc_replicates(x, _draws(x.shape[0], clusters, size, rng)).items():
            reps.setdefault(key, []).append(vals)
        done += size
        if progress:
            progress(size)
    return {key: percentile_ci(np.concatenate(v), confidence) for key, v in reps.items()}
