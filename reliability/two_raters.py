"""Two coders given as a q x q contingency table (Gwet 2014, ch. 2-5; R irrCAC's *.table functions).

All six coefficients are ``(pa - pe) / (1 - pe)`` with ``pa = sum_kl w_kl p_kl``; they differ in ``pe`` and in
the chance derivative ``d_kl`` of the linearised variance (Gwet 2008)::

    var(c) = [sum_kl p_kl (w_kl - 2 (1 - c) d_kl)^2 - (pa - 2 (1 - c) pe)^2] / (n (1 - pe)^2)

(n = number of units, not n - 1: the table convention). The null-hypothesis SE of Cohen's kappa, as R
irr::kappa2 and SAS report it, is Fleiss, Cohen & Everitt (1969).
"""

from __future__ import annotations

import numpy as np

from .results import Coefficient, t_inference, undefined

TABLE_METHOD = "Gwet (2008) linearisation for a 2 x 2-rater table, CI t(n-1)"


def contingency(codes_a: np.ndarray, codes_b: np.ndarray, q: int) -> np.ndarray:
    """q x q table of the units both coders rated (indices, -1 = missing)."""
    both = (codes_a >= 0) & (codes_b >= 0)
    return np.bincount(codes_a[both] * q + codes_b[both], minlength=q * q).reshape(q, q).astype(float)


def table_coefficients(table: np.ndarray, weights: np.ndarray | None = None,
                       confidence: float = 0.95) -> dict[str, Coefficient]:
    """Percent agreement, Cohen's kappa, Scott's pi, Gwet's AC1/AC2, Brennan-Prediger and Krippendorff's
    alpha from a contingency table, with SEs as R irrCAC's pa2/kappa2/scott2/gwet.ac1/bp2/krippen2.table."""
    t = np.asarray(table, dtype=float)
    q = t.shape[0]
    w = np.eye(q) if weights is None else np.asarray(weights, dtype=float)
    n = float(t.sum())
    ac_key = "gwet_ac1" if np.array_equal(w, np.eye(q)) else "gwet_ac2"
    keys = ("percent_agreement", "cohen_kappa", "scott_pi", ac_key, "brennan_prediger", "krippendorff_alpha")
    if n < 1:
        return {k: undefined(k, "no unit rated by both coders") for k in keys}
    p = t / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    pi = (rows + cols) / 2
    pa = float((w * p).sum())
    tw = float(w.sum())
    pb_col, pb_row = w @ cols, w.T @ rows  # weighted marginals
    pb = (pb_col + pb_row) / 2
    ac_d = tw * (1 - (pi[:, None] + pi[None, :]) / 2) / (q * (q - 1)) if q > 1 else np.zeros((q, q))
    chance = {
        "percent_agreement": (0.0, np.zeros((q, q))),
        "cohen_kappa": (float(w.ravel() @ np.outer(rows, cols).ravel()), (pb_col[:, None] + pb_row[None, :]) / 2),
        "scott_pi": (float(pi @ w @ pi), (pb[:, None] + pb[None, :]) / 2),
        ac_key: (tw * float((pi * (1 - pi)).sum()) / (q * (q - 1)) if q > 1 else 1.0, ac_d),
        "brennan_prediger": (tw / q**2, np.zeros((q, q))),
        "krippendorff_alpha": (float(pi @ w @ pi), (pb[:, None] + pb[None, :]) / 2),
    }
    out = {}
    for key, (pe, d) in chance.items():
        if pe >= 1 - 1e-12:
            out[key] = undefined(key, "chance agreement is 1 (every rating falls in one category): 0/0",
                                 int(n), pa=pa, pe=pe)
            continue
        c = (pa - pe) / (1 - pe)
        value, pa_shown = c, pa
        if key == "krippendorff_alpha":  # Krippendorff's small-sample correction of pa (Gwet 2014, ch. 4)
            eps = 1 / (2 * n)
            pa_shown = (1 - eps) * pa + eps
            value = (pa_shown - pe) / (1 - pe)
        lin = w - 2 * (1 - c) * d  # per-cell linearised term; its mean is pa - 2 (1 - c) pe (0 for fixed pe)
        var = ((p * lin**2).sum() - (p * lin).sum() ** 2) / (n * (1 - pe) ** 2)
        se = float(np.sqrt(max(var, 0.0)))
        low, high, pval, why = t_inference(value, se, int(n), confidence)
        out[key] = Coefficient(key, value, se, low, high, pval, pa_shown, pe, int(n), reason=why, method=TABLE_METHOD)
    return out


def cohen_null_se(table: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, float, float]:
    """SE of Cohen's (weighted) kappa under H0: kappa = 0 (Fleiss, Cohen & Everitt 1969), z and two-sided p,
    as R irr::kappa2 and SAS PROC FREQ report them."""
    from scipy.special import ndtr

    t = np.asarray(table, dtype=float)
    q = t.shape[0]
    w = np.eye(q) if weights is None else np.asarray(weights, dtype=float)
    n = t.sum()
    p = t / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    pa = float((w * p).sum())
    pe = float(rows @ w @ cols)
    kappa = (pa - pe) / (1 - pe)
    wr, wc = w @ cols, w.T @ rows
    var0 = ((np.outer(rows, cols) * (w - (wr[:, None] + wc[None, :])) ** 2).sum() - pe**2) / (n * (1 - pe) ** 2)
    se0 = float(np.sqrt(var0))
    z = kappa / se0
    return se0, float(z), float(2 * ndtr(-abs(z)))


def cohen_asymptotic_se(table: np.ndarray) -> float:
    """Unweighted kappa's large-sample SE (Fleiss, Cohen & Everitt 1969), SAS's ASE."""
    t = np.asarray(table, dtype=float)
    n = t.sum()
    p = t / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    po, pe = float(np.trace(p)), float(rows @ cols)
    diag = np.diag(p) * (1 - (rows + cols) * (1 - (po - pe) / (1 - pe))) ** 2
    k = (po - pe) / (1 - pe)
    off = (1 - k) ** 2 * (p * (cols[:, None] + rows[None, :]) ** 2)
    off = off.sum() - (1 - k) ** 2 * (np.diag(p) * (cols + rows) ** 2).sum()
    var = (diag.sum() + off - (k - pe * (1 - k)) ** 2) / (n * (1 - pe) ** 2)
    return float(np.sqrt(var))
