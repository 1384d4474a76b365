"""Is the difference real? The difference of two agreement coefficients, and the equality of several.

* **Dependent** (the same units rated for both: two items, two rounds of the same coders on the same units, two
  sets of coders): ``d = c1 - c2`` and the variance of the difference of the units' linearised terms. With
  ``u_i = (t_i - c) / sqrt(m (m - 1))`` each coefficient's centred unit term (Gwet 2008; ``m`` its units, 0 for
  a unit it does not count) ``var(d) = sum_i (u1_i - u2_i)^2 = var1 + var2 - 2 cov12``: the delta method over
  units of Vanbelle & Albert (2008) and Vanbelle (2017), R multiagree's ``delta.pair``/``delta.many1``, except
  that Gwet's SE divides by ``n (n - 1)`` where multiagree divides by ``n^2`` (the variances differ by the
  factor ``(n - 1) / n``). CI ``d +/- t(n - 1) SE`` and two-sided p from t(n - 1): for two coefficients
  multiagree's Hotelling T^2 with F(1, n - 1) is the same test. Units nested in clusters (sessions): the
  deviations divided by ``m`` are summed within clusters, ``var(d) = G/(G-1) sum_g (U1_g - U2_g)^2`` with
  t(G - 1) (Liang & Zeger 1986; multiagree's ``multilevel = TRUE``, to the last digits).
* **Independent** (different units): ``SE = sqrt(se1^2 + se2^2)``, normal CI and two-sided p (Fleiss 1981;
  Fleiss, Levin & Paik 2003, sec. 18.1).
* **Equality of G independent coefficients**: ``chi2 = sum_g (c_g - cbar)^2 / se_g^2`` with ``cbar`` the
  inverse-variance weighted mean, df ``G - 1`` (Fleiss, Levin & Paik 2003, sec. 18.1; R kappaGold's
  ``kappa_test``).
* **Bootstrap** (any coefficient, ICCs too): percentile CI of the replicates' differences (Efron & Tibshirani
  1993, ch. 13), the same unit draws for both coefficients when they are dependent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from irrkit.statistics.results import Coefficient, UnitTerms, finite_or_none, undefined

KEY = "coefficient_difference"
EQUALITY = "equality_test"


def _deviations(terms: UnitTerms, n_rows: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """The centred terms spread over ``n_rows`` unit rows (0 where the coefficient does not count a unit), and
    how many units it counts. ``rows``: the row of each of the coefficient's own rows in the shared list."""
    dev = np.asarray(terms.deviations, dtype=float)
    own = np.arange(len(dev)) if terms.rows is None else np.asarray(terms.rows)
    where = own if rows is None else rows[own]
    out = np.zeros(n_rows)
    out[where] = dev
    return out, len(dev)


def dependent_difference(c1: Coefficient, c2: Coefficient, rows1: np.ndarray, rows2: np.ndarray, n_rows: int,
                         clusters: np.ndarray | None = None, confidence: float = 0.95) -> Coefficient:
    """``c1 - c2`` of two coefficients on the same units, from their unit terms (``Coefficient.terms``).

    ``rows1``/``rows2``: the shared row (0..n_rows-1) of each unit row of the two analyses (-1: not shared);
    ``clusters``: the cluster of each shared row (cluster-robust SE, t(G - 1))."""
    if not (c1.ok and c2.ok):
        bad = c1 if not c1.ok else c2
        return undefined(KEY, f"{bad.key} has no value: {bad.reason}")
    if c1.terms is None or c2.terms is None:
        return undefined(KEY, "an ICC has no unit terms: irrkit compare --bootstrap N compares ICCs")
    d1, m1 = _deviations(c1.terms, n_rows, np.asarray(rows1))
    d2, m2 = _deviations(c2.terms, n_rows, np.asarray(rows2))
    if min(m1, m2) < 2:
        return undefined(KEY, "fewer than two units: no standard error")
    value = float(c1.value - c2.value)
    if clusters is None:
        u = d1 / math.sqrt(m1 * (m1 - 1)) - d2 / math.sqrt(m2 * (m2 - 1))
        se = float(np.sqrt(u @ u))
        df = n_rows - 1
        method = ("difference of the units' linearised terms (Gwet 2008; Vanbelle & Albert 2008), CI t(n-1), "
                  "p two-sided")
        extra: dict = {"kind": "dependent", "n_shared_units": n_rows}
    else:
        from irrkit.statistics.clusters import _dense_codes

        inv = _dense_codes(np.asarray(clusters))
        g = int(inv.max()) + 1
        if g < 2:
            return undefined(KEY, f"{g} cluster: a cluster-robust SE needs two or more clusters", value=value)
        sums = np.bincount(inv, weights=d1 / m1 - d2 / m2, minlength=g)
        se = float(np.sqrt(g / (g - 1) * float(sums @ sums)))
        df = g - 1
        method = (f"difference of the units' linearised terms, cluster-robust over {g} clusters (Vanbelle 2017), "
                  "CI t(G-1), p two-sided")
        extra = {"kind": "dependent", "n_shared_units": n_rows, "n_clusters": g}
    cov = None
    if clusters is None:
        cov = float((d1 @ d2) / math.sqrt(m1 * (m1 - 1) * m2 * (m2 - 1)))
    extra["covariance"] = cov
    return _two_sided(value, se, df, confidence, method, n_rows, extra)


def independent_difference(c1: Coefficient, c2: Coefficient, confidence: float = 0.95) -> Coefficient:
    """``c1 - c2`` of two coefficients on different units: ``SE = sqrt(se1^2 + se2^2)``, normal CI and p."""
    if not (c1.ok and c2.ok):
        bad = c1 if not c1.ok else c2
        return undefined(KEY, f"{bad.key} has no value: {bad.reason}")
    if c1.se is None or c2.se is None:
        return undefined(KEY, "a coefficient has no standard error (the ICCs' CIs are F-based): use the bootstrap",
                         value=float(c1.value - c2.value))
    value = float(c1.value - c2.value)
    se = math.sqrt(c1.se**2 + c2.se**2)
    return _two_sided(value, se, None, confidence, "independent samples: SE = sqrt(se1^2 + se2^2), normal CI, "
                      "p two-sided (Fleiss 1981)", c1.n_units + c2.n_units, {"kind": "independent"})


def _two_sided(value: float, se: float, df: int | None, confidence: float, method: str, n: int,
               extra: dict) -> Coefficient:
    """CI value +/- q SE (t(df), normal when df is None) and two-sided p for H0: no difference."""
    from irrkit.statistics import distributions as dist

    tail = 1 - (1 - confidence) / 2
    q = dist.ndtri(tail) if df is None else dist.stdtrit(df, tail)
    if se > 0:
        p = 2 * (dist.ndtr(-abs(value) / se) if df is None else dist.stdtr(df, -abs(value) / se))
    else:
        p = 1.0 if value == 0 else 0.0
    return Coefficient(KEY, value, se, value - q * se, value + q * se, min(1.0, p), n_units=n, method=method,
                       extra={**extra, "df": df})


def equality_test(values: Sequence[float], ses: Sequence[float], confidence: float = 0.95) -> Coefficient:
    """Test of equal coefficients across G independent groups: ``chi2 = sum (c_g - cbar)^2 / se_g^2`` with the
    inverse-variance weighted mean ``cbar``, df G - 1 (Fleiss, Levin & Paik 2003, sec. 18.1). The result's
    value is chi2, ``extra``: df, the pooled estimate with its normal CI (upper bound capped at 1)."""
    from irrkit.statistics import distributions as dist

    v = np.asarray(values, dtype=float)
    s = np.asarray(ses, dtype=float)
    if len(v) < 2:
        return undefined(EQUALITY, "fewer than two groups with a value and an SE")
    if not np.all(s > 0):
        return undefined(EQUALITY, "a group's SE is 0: its weight 1/SE^2 is infinite")
    w = 1 / s**2
    pooled = float(w @ v / w.sum())
    chi2 = float(w @ (v - pooled) ** 2)
    df = len(v) - 1
    q = dist.ndtri(1 - (1 - confidence) / 2)
    se_pooled = float(1 / math.sqrt(w.sum()))
    return Coefficient(EQUALITY, chi2, p_value=dist.chdtrc(df, chi2), n_units=len(v),
                       method=f"chi-square test of equal coefficients, df {df} (Fleiss, Levin & Paik 2003, 18.1)",
                       extra={"df": df, "pooled": pooled, "pooled_se": se_pooled,
                              "pooled_ci_low": pooled - q * se_pooled,
                              "pooled_ci_high": min(1.0, pooled + q * se_pooled)})


def bootstrap_difference(reps1: np.ndarray, reps2: np.ndarray, value: float,
                         confidence: float = 0.95) -> dict[str, float | int | None]:
    """Percentile CI, SE and two-sided p (twice the smaller share of differences on either side of 0) of the
    replicates' differences ``reps1 - reps2`` (replicates where either is undefined are left out)."""
    d = np.asarray(reps1, dtype=float) - np.asarray(reps2, dtype=float)
    d = d[np.isfinite(d)]
    if len(d) < 2:
        return {"ci_low": None, "ci_high": None, "se": None, "p_value": None, "replicates": len(d)}
    lo, hi = np.quantile(d, [(1 - confidence) / 2, 1 - (1 - confidence) / 2])
    p = min(1.0, 2 * min(np.mean(d <= 0), np.mean(d >= 0)))
    return {"value": finite_or_none(value), "ci_low": float(lo), "ci_high": float(hi), "se": float(d.std(ddof=1)),
            "p_value": float(p), "replicates": int(len(d))}
