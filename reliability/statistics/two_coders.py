"""Two coders given as a q x q contingency table (Gwet 2014, ch. 2-5; R irrCAC's *.table functions).

All six coefficients are ``(pa - pe) / (1 - pe)`` with ``pa = sum_kl w_kl p_kl``; they differ in ``pe`` and in
the chance derivative ``d_kl`` of the linearised variance (Gwet 2008)::

    var(c) = [sum_kl p_kl (w_kl - 2 (1 - c) d_kl)^2 - (pa - 2 (1 - c) pe)^2] / (n (1 - pe)^2)

(n = number of units, not n - 1: the table convention). The null-hypothesis SE of Cohen's kappa, as R
irr::kappa2 and SAS report it, is Fleiss, Cohen & Everitt (1969).
"""

from __future__ import annotations

import math

import numpy as np

from irrkit.statistics.counting import DENSE_MAX_Q  # the engine's limit of dense q x q work
from irrkit.statistics.results import Coefficient, t_inference, undefined

TABLE_METHOD = "Gwet (2008) linearisation for a 2 x 2-rater table, CI t(n-1)"


def contingency(codes_a: np.ndarray, codes_b: np.ndarray, q: int) -> np.ndarray:
    """q x q table of the units both coders rated (indices, -1 = missing)."""
    both = (codes_a >= 0) & (codes_b >= 0)
    if both.all():  # no missing rating: no compaction
        cells = codes_a * q + codes_b
    else:
        cells = codes_a[both] * q + codes_b[both]
    return np.bincount(cells, minlength=q * q).reshape(q, q).astype(float)




def table_coefficients(table: np.ndarray, weights: np.ndarray | None = None,
                       confidence: float = 0.95, n_categories: int | None = None) -> dict[str, Coefficient]:
    """Percent agreement, Cohen's kappa, Scott's pi, Gwet's AC1/AC2, Brennan-Prediger and Krippendorff's
    alpha from a contingency table, with SEs as R irrCAC's pa2/kappa2/scott2/gwet.ac1/bp2/krippen2.table.

    The linearised terms are needed only where the table has units: with identity weights and more than
    ``DENSE_MAX_Q`` categories they are evaluated on the non-empty cells (memory O(q + cells), not q^2: an
    episode item with 5,000 codes); otherwise on every cell, as a q x q array. ``n_categories``: the number of
    categories when the table lists only those in use (identity weights; AC1 and Brennan-Prediger count every
    category, the other coefficients do not depend on unused ones)."""
    t = np.asarray(table, dtype=float)
    q = max(t.shape[0], n_categories or 0)
    if q > t.shape[0] and weights is not None:
        raise ValueError("n_categories (categories beyond the table's) is for identity weights")
    if t.shape[0] < q <= DENSE_MAX_Q:  # few categories: the whole table, unused ones as empty rows and columns
        t = np.pad(t, (0, q - t.shape[0]))
    n = float(t.sum())
    identity = weights is None or np.array_equal(np.asarray(weights, dtype=float), np.eye(q))
    ac_key = "gwet_ac1" if identity else "gwet_ac2"
    keys = ("percent_agreement", "cohen_kappa", "scott_pi", ac_key, "brennan_prediger", "krippendorff_alpha")
    if n < 1:
        return {k: undefined(k, "no unit rated by both coders") for k in keys}
    p = t / n
    rows, cols = _padded(p.sum(axis=1), q), _padded(p.sum(axis=0), q)  # unlisted categories: no units
    pi = (rows + cols) / 2
    if weights is None and q > DENSE_MAX_Q:  # the cells with units, as vectors; identity weights by formula
        i, j = np.nonzero(t)
        pc, wc, tw = p[i, j], (i == j).astype(float), float(q)
        pa = float(p.trace())
        pb_col, pb_row = cols, rows
        pe_cohen, pe_pi = float(rows @ cols), float(pi @ pi)
    else:
        w = np.eye(q) if weights is None else np.asarray(weights, dtype=float)
        i, j = (a.ravel() for a in np.indices((q, q)))
        pc, wc, tw = p.ravel(), w.ravel(), float(w.sum())
        pa = float((w * p).sum())
        pb_col, pb_row = w @ cols, w.T @ rows  # weighted marginals
        pe_cohen, pe_pi = float(w.ravel() @ np.outer(rows, cols).ravel()), float(pi @ w @ pi)
    pb = (pb_col + pb_row) / 2
    ac_d = tw * (1 - (pi[i] + pi[j]) / 2) / (q * (q - 1)) if q > 1 else np.zeros(len(i))
    chance = {
        "percent_agreement": (0.0, np.zeros(len(i))),
        "cohen_kappa": (pe_cohen, (pb_col[i] + pb_row[j]) / 2),
        "scott_pi": (pe_pi, (pb[i] + pb[j]) / 2),
        ac_key: (tw * float((pi * (1 - pi)).sum()) / (q * (q - 1)) if q > 1 else 1.0, ac_d),
        "brennan_prediger": (tw / q**2, np.zeros(len(i))),
        "krippendorff_alpha": (pe_pi, (pb[i] + pb[j]) / 2),
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
        lin = wc - 2 * (1 - c) * d  # per-cell linearised term; its mean is pa - 2 (1 - c) pe (0 for fixed pe)
        var = ((pc * lin**2).sum() - (pc * lin).sum() ** 2) / (n * (1 - pe) ** 2)
        se = float(np.sqrt(max(var, 0.0)))
        low, high, pval, why = t_inference(value, se, int(n), confidence)
        out[key] = Coefficient(key, value, se, low, high, pval, pa_shown, pe, int(n), reason=why, method=TABLE_METHOD)
    return out


def _padded(v: np.ndarray, q: int) -> np.ndarray:
    return v if len(v) == q else np.concatenate([v, np.zeros(q - len(v))])


def _cohen(table: np.ndarray, weights: np.ndarray | None = None
           ) -> tuple[np.ndarray, float, np.ndarray, np.ndarray, np.ndarray, float, float, float]:
    """Cohen's (1960; weighted 1968) kappa from a q x q table, the one copy of it the Fleiss-Cohen-Everitt
    functions below share: (w, n, p, row and column marginals, pa, pe = rows'W cols, kappa)."""
    t = np.asarray(table, dtype=float)
    q = t.shape[0]
    w = np.eye(q) if weights is None else np.asarray(weights, dtype=float)
    n = t.sum()
    p = t / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    pa = float((w * p).sum())
    pe = float(rows @ w @ cols)
    return w, n, p, rows, cols, pa, pe, (pa - pe) / (1 - pe) if pe != 1 else math.nan


def cohen_null_se(table: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, float, float]:
    """SE of Cohen's (weighted) kappa under H0: kappa = 0 (Fleiss, Cohen & Everitt 1969), z and two-sided p,
    as R irr::kappa2 and SAS PROC FREQ report them."""
    from irrkit.statistics.distributions import ndtr

    w, n, p, rows, cols, pa, pe, kappa = _cohen(table, weights)
    wr, wc = w @ cols, w.T @ rows
    var0 = ((np.outer(rows, cols) * (w - (wr[:, None] + wc[None, :])) ** 2).sum() - pe**2) / (n * (1 - pe) ** 2)
    se0 = float(np.sqrt(max(var0, 0.0)))
    if not se0 > 0:  # no variance under H0 (e.g. one coder used a single category): no test
        return se0, math.nan, math.nan
    z = kappa / se0
    return se0, float(z), float(2 * ndtr(-abs(z)))


def cohen_asymptotic_se(table: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Large-sample SE of Cohen's (weighted) kappa, Fleiss, Cohen & Everitt (1969), SAS PROC FREQ's ASE::

        var = [sum_kl p_kl (w_kl - (1 - k) (wr_k + wc_l))^2 - (k - pe (1 - k))^2] / (n (1 - pe)^2)

    with ``wr_k = sum_l w_kl p_.l`` and ``wc_l = sum_k w_kl p_k.`` (rows: first coder). It is the same number as
    the table-form linearisation SE of irrCAC's kappa2.table; unweighted, psych::cohen.kappa's ``var.kappa``."""
    w, n, p, rows, cols, pa, pe, k = _cohen(table, weights)
    lin = w - (1 - k) * ((w @ cols)[:, None] + (w.T @ rows)[None, :])
    var = ((p * lin**2).sum() - (k - pe * (1 - k)) ** 2) / (n * (1 - pe) ** 2)
    return float(np.sqrt(max(var, 0.0)))


FCE_METHOD = ("Fleiss, Cohen & Everitt (1969): asymptotic SE with normal CI, and SE under H0 kappa = 0 with z and "
              "two-sided normal p, on the units both coders rated (as SAS PROC FREQ, R irr::kappa2, "
              "psych::cohen.kappa)")


def cohen_fce(table: np.ndarray, weights: np.ndarray | None = None, confidence: float = 0.95) -> dict | None:
    """Fleiss-Cohen-Everitt inference for Cohen's (weighted) kappa from the two coders' table: the asymptotic SE
    and its normal CI (SAS, psych), the SE under H0 with z and two-sided p (irr::kappa2, SAS). None when it is
    not defined (fewer than two units, chance agreement 1, or no variance under H0)."""
    from irrkit.statistics.distributions import ndtri

    t = np.asarray(table, dtype=float)
    if float(t.sum()) < 2:
        return None
    w, n, p, rows, cols, pa, pe, kappa = _cohen(t, weights)
    if pe >= 1 - 1e-12:
        return None
    with np.errstate(all="ignore"):
        se0, z, p2 = cohen_null_se(t, w)
        ase = cohen_asymptotic_se(t, w)
    if not (np.isfinite(se0) and se0 > 0 and np.isfinite(ase)):
        return None
    zc = float(ndtri(1 - (1 - confidence) / 2))
    return {"value": float(kappa), "se_asymptotic": ase, "ci_low": float(kappa - zc * ase),
            "ci_high": float(min(1.0, kappa + zc * ase)), "se_null": se0, "z": z, "p_two_sided": p2,
            "n_units": int(n), "confidence": confidence, "method": FCE_METHOD}


ORIENTED_METHOD = ("Cohen (1968) with the non-symmetric weights as given (rows: first coder, columns: second); "
                   + TABLE_METHOD + " on the units both coders rated")


def rated_pair(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The index columns of the two coders who rated something (the first two such columns, in coder order)."""
    codes = np.asarray(codes)
    if codes.shape[1] == 2:
        return codes[:, 0], codes[:, 1]
    cols = [j for j in range(codes.shape[1]) if (codes[:, j] >= 0).any()][:2]
    return codes[:, cols[0]], codes[:, cols[1]]


def cohen_for_pair(cohen: Coefficient, codes: np.ndarray, q: int, weights: np.ndarray,
                   confidence: float = 0.95) -> Coefficient:
    """Cohen's kappa of two coders with its Fleiss-Cohen-Everitt inference (``extra['fleiss_cohen_everitt']``).

    ``cohen`` is the linearisation result (Conger's kappa of two coders, R irrCAC conger.kappa.raw). With a
    non-symmetric weight matrix that result applies (W + W^T)/2, since pooled counts cannot tell the coders
    apart; Cohen (1968) weights cell (k, l) as rating k by the first coder and l by the second, so then the
    coefficient is recomputed from the contingency table (R irrCAC kappa2.table(weights = W))."""
    w = np.asarray(weights, dtype=float)
    t = contingency(*rated_pair(codes), q)
    if not np.allclose(w, w.T, rtol=0, atol=1e-12):
        cohen = table_coefficients(t, w, confidence)["cohen_kappa"]
        cohen = cohen.with_(method=ORIENTED_METHOD if cohen.ok else cohen.method,
                            extra={**cohen.extra, "orientation": "rows: first coder, columns: second coder"})
    fce = cohen_fce(t, w, confidence) if cohen.ok else None
    if fce is None:
        return cohen
    return cohen.with_(extra={**cohen.extra, "fleiss_cohen_everitt": fce})


def fce_note(cohen: Coefficient) -> str | None:
    """One line for the terminal and the Markdown report: the Fleiss-Cohen-Everitt figures of Cohen's kappa."""
    fce = cohen.extra.get("fleiss_cohen_everitt")
    if not fce:
        return None
    p = f"= {fce['p_two_sided']:.2g}" if fce["p_two_sided"] >= 1e-4 else "< 0.0001"
    lin = f" beside the linearisation SE {cohen.se:.3f} (irrCAC)" if cohen.se is not None else ""
    return (f"Cohen's kappa {fce['value']:.3f}: Fleiss-Cohen-Everitt SE {fce['se_asymptotic']:.3f} (normal "
            f"{fce['confidence']:.0%} CI [{fce['ci_low']:.3f}, {fce['ci_high']:.3f}]), under H0 SE "
            f"{fce['se_null']:.3f}, z = {fce['z']:.2f}, p {p} two-sided (as SAS, irr::kappa2, psych){lin}")
