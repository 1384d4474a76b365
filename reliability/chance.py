"""One engine for the chance-corrected agreement family.

Every coefficient here is ``(pa - pe) / (1 - pe)`` computed from the units x categories count table
``r_ik`` (raters who put unit i in category k) and a weight matrix ``w_kl``; they differ only in the chance
agreement ``pe`` (Gwet 2014, Handbook of Inter-Rater Reliability, 4th ed., ch. 2-5):

* percent agreement: ``pe = 0``
* Brennan & Prediger (1981): ``pe = sum(w) / q^2``
* Fleiss (1971), weighted as in Gwet (2014): ``pe = sum_kl w_kl pi_k pi_l`` with ``pi_k = mean_i r_ik / r_i``
* Gwet's AC1/AC2 (Gwet 2008): ``pe = sum(w) / (q (q-1)) * sum_k pi_k (1 - pi_k)``
* Conger (1980): ``pe = sum_kl w_kl (pbar_k pbar_l - s2_kl / r)`` from each rater's own marginals
* Krippendorff's alpha in Gwet's (2014, ch. 4) formulation (units with >= 2 ratings, epsilon correction)

Observed agreement (Gwet 2014, eq. 2.8, unequal numbers of raters allowed):
``pa = mean over units with r_i >= 2 of sum_k r_ik (r*_ik - 1) / (r_i (r_i - 1))``, ``r*_ik = sum_l w_kl r_il``.

Standard errors: Gwet's (2008) linearisation over units, as R irrCAC computes it: each unit gets a term
``c_i = (n/n2) (pa_i - pe) / (1 - pe) - 2 (1 - c) (pe_i - pe) / (1 - pe)`` and
``var(c) = sum_i (c_i - c)^2 / (n (n - 1))`` (no finite-population correction).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .results import Coefficient, t_inference, undefined

LINEARISATION = "Gwet (2008) linearisation, CI t(n-1)"
PE_ONE = 1 - 1e-12


INT_SPAN = 1 << 16  # integer category codes spanning up to this many values take the look-up-table path


def category_index(values: np.ndarray, categories: Sequence[float]) -> np.ndarray:
    """Map a units x coders float matrix (NaN = missing) to category indices (-1 = missing).

    The indices are int32 (int64 when q^2 would not fit in int32, so ``codes * q + codes`` cannot overflow).
    A value within 1e-9 of the category at or above it counts as that category; any other value is an error.
    Integer category codes (the usual case) go through a look-up table instead of a binary search.
    """
    cats = np.asarray(categories, dtype=float)
    q = len(cats)
    order = np.argsort(cats, kind="stable")
    sorted_cats = cats[order]
    flat = np.asarray(values, dtype=float).ravel()
    itype = np.int32 if q * q < 2**31 - 1 else np.int64
    idx = None
    if q and np.all(np.isfinite(cats)) and np.all(cats == np.round(cats)) and abs(cats).max() < 2**30 \
            and sorted_cats[-1] - sorted_cats[0] < INT_SPAN:
        idx = _index_integer_codes(flat, sorted_cats, order, itype)
    if idx is None:
        idx = _index_search(flat, sorted_cats, order, itype, categories)
    return idx.reshape(np.shape(values))


def _index_integer_codes(flat: np.ndarray, sorted_cats: np.ndarray, order: np.ndarray,
                         itype: type) -> np.ndarray | None:
    """Indices for integer category codes by a table over [min, max]; None if any value needs the general path
    (a value that is neither NaN nor exactly a category)."""
    lo, span = int(sorted_cats[0]), int(sorted_cats[-1] - sorted_cats[0])
    lut = np.full(span + 2, -2, dtype=itype)  # -2: an integer that is not a category; slot span + 1: outside
    lut[(sorted_cats - lo).astype(np.int64)[::-1]] = order[::-1]  # equal codes: the first, as searchsorted
    with np.errstate(invalid="ignore", over="ignore"):
        vi = flat.astype(np.int64)  # NaN and huge values give garbage here, caught by the exactness test
    exact = vi == flat
    vi -= lo
    k = vi.view(np.uint64)  # below the minimum wraps to a huge number
    np.minimum(k, span + 1, out=k)
    idx = lut[k]
    if not exact.all():
        off = np.flatnonzero(~exact)
        if not np.isnan(flat[off]).all():
            return None
        idx[off] = -1
    if idx.size and idx.min() < -1:
        return None
    return idx


def _index_search(flat: np.ndarray, sorted_cats: np.ndarray, order: np.ndarray, itype: type,
                  categories: Sequence[float]) -> np.ndarray:
    q = len(sorted_cats)
    # one pass: position in the sorted categories (NaN sorts last, to q), exact hits checked by a gather
    pos = np.searchsorted(sorted_cats, flat)
    lut = np.append(order, -1).astype(itype)  # position q (NaN or above the largest category) -> -1 for now
    idx = lut[pos]
    exact = np.append(sorted_cats, np.nan)[pos] == flat
    if not exact.all():
        off = np.flatnonzero(~exact & ~np.isnan(flat))  # not NaN and not exactly a category
        if len(off):
            p = np.minimum(pos[off], q - 1) if q else pos[off]
            if not q or not np.all(np.isclose(sorted_cats[p], flat[off], rtol=0, atol=1e-9)):
                bad = flat[off] if not q else flat[off][~np.isclose(sorted_cats[p], flat[off], rtol=0, atol=1e-9)]
                raise ValueError(f"value {bad[0]:g} is not one of the categories {list(categories)}")
            idx[off] = order[p]
    return idx


def count_table(codes: np.ndarray, q: int) -> np.ndarray:
    """Units x categories counts (float) from a units x coders index matrix (-1 = missing).

    One ``np.bincount`` over ``unit * (q + 1) + code + 1``: slot 0 of each unit collects the missing ratings and
    is dropped, so no boolean compaction of the (units x coders) matrix is needed.
    """
    codes = np.asarray(codes)
    n = codes.shape[0]
    if codes.size == 0:
        return np.zeros((n, q))
    base = np.arange(1, n * (q + 1) + 1, q + 1, dtype=np.int64)
    flat = (codes + base[:, None]).ravel() if codes.ndim == 2 else codes + base
    return np.bincount(flat, minlength=n * (q + 1)).reshape(n, q + 1)[:, 1:].astype(float)


@dataclass(frozen=True)
class Agreement:
    """Per-unit observed agreement shared by every coefficient of the family (units with r_i >= 1)."""

    counts: np.ndarray  # n x q
    weights: np.ndarray  # q x q
    ri: np.ndarray  # raters per unit
    pa_i: np.ndarray  # per-unit observed agreement (0 where r_i < 2)
    multi: np.ndarray  # r_i >= 2
    pa: float
    pi: np.ndarray  # mean_i r_ik / r_i

    @property
    def n(self) -> int:
        return self.counts.shape[0]

    @property
    def n2(self) -> int:
        return int(self.multi.sum())

    @property
    def q(self) -> int:
        return self.counts.shape[1]


def _is_identity(w: np.ndarray) -> bool:
    return w.ndim == 2 and w.shape[0] == w.shape[1] and np.array_equal(w, np.eye(w.shape[0]))


def agreement(counts: np.ndarray, weights: np.ndarray | None = None) -> Agreement:
    """Observed agreement from a count table; units with no rating are dropped."""
    counts = np.asarray(counts, dtype=float)
    q = counts.shape[1]
    w = np.eye(q) if weights is None else np.asarray(weights, dtype=float)
    ri = counts.sum(axis=1)
    rated = ri > 0
    if not rated.all():  # no copy of the table when every unit has a rating
        counts, ri = counts[rated], ri[rated]
    # r*_ik = sum_l w_kl r_il; with identity weights that is the table itself (the product would be exact anyway)
    weighted = counts if _is_identity(w) else counts @ w.T
    sum_q = (counts * (weighted - 1)).sum(axis=1)
    multi = ri >= 2
    den = np.where(multi, ri * (ri - 1), 1.0)
    pa_i = np.where(multi, sum_q / den, 0.0)
    pa = float((pa_i if multi.all() else pa_i[multi]).mean()) if multi.any() else float("nan")
    pi = (counts / ri[:, None]).mean(axis=0) if len(ri) else np.zeros(q)
    return Agreement(counts, w, ri, pa_i, multi, pa, pi)


def _finish(
    key: str, a: Agreement, value: float, pe: float, terms: np.ndarray | None, confidence: float, df: int | None = None,
    n_units: int | None = None, centre: float | None = None,
) -> Coefficient:
    n = a.n if n_units is None else n_units
    se = None
    if terms is not None and len(terms) >= 2:
        c = value if centre is None else centre
        se = float(np.sqrt(((terms - c) ** 2).sum() / (len(terms) * (len(terms) - 1))))
    low, high, p, why = t_inference(value, se, n, confidence, df=df)
    return Coefficient(key, value, se, low, high, p, a.pa, pe, n, reason=why, method=LINEARISATION)


def _guard(key: str, a: Agreement) -> Coefficient | None:
    if a.n == 0:
        return undefined(key, "no ratings")
    if a.n2 == 0:
        return undefined(key, "no unit was rated by two or more coders", a.n)
    if a.n < 2 and key != "percent_agreement":
        return undefined(key, "only one unit: chance agreement cannot be estimated from a single unit", a.n,
                         pa=a.pa)
    return None


def _chance_corrected(key: str, a: Agreement, pe: float, pe_i: np.ndarray | None, confidence: float) -> Coefficient:
    """(pa - pe)/(1 - pe) with Gwet's linearised SE; ``pe_i`` is the per-unit chance term (None: pe fixed)."""
    bad = _guard(key, a)
    if bad:
        return bad
    if pe >= PE_ONE:
        return undefined(
            key, "chance agreement is 1 (every rating falls in one category), so the coefficient is 0/0",
            a.n, pa=a.pa, pe=pe,
        )
    value = (a.pa - pe) / (1 - pe)
    terms = (a.n / a.n2) * (a.pa_i - pe * a.multi) / (1 - pe)
    if pe_i is not None:
        terms = terms - 2 * (1 - value) * (pe_i - pe) / (1 - pe)
    return _finish(key, a, value, pe, terms, confidence)


def percent_agreement(a: Agreement, confidence: float = 0.95) -> Coefficient:
    """Percent agreement (weighted if the weights are), Gwet (2014) eq. 2.8."""
    bad = _guard("percent_agreement", a)
    if bad:
        return bad
    terms = (a.n / a.n2) * a.pa_i
    return _finish("percent_agreement", a, a.pa, 0.0, terms, confidence)


def brennan_prediger(a: Agreement, confidence: float = 0.95) -> Coefficient:
    """Brennan & Prediger (1981) coefficient, chance = sum(w)/q^2 (Gwet 2014, eq. 2.10)."""
    return _chance_corrected("brennan_prediger", a, float(a.weights.sum()) / a.q**2, None, confidence)


def fleiss_kappa(a: Agreement, confidence: float = 0.95) -> Coefficient:
    """Fleiss' (1971) kappa, weighted as in Gwet (2014, eq. 2.13), with Gwet's (2008) linearised SE."""
    w = a.weights
    pe = float(a.pi @ w @ a.pi)
    pi_w = (w @ a.pi + w.T @ a.pi) / 2
    pe_i = (a.counts @ pi_w) / a.ri
    return _chance_corrected("fleiss_kappa", a, pe, pe_i, confidence)


def gwet_ac(a: Agreement, confidence: float = 0.95) -> Coefficient:
    """Gwet's AC1 (identity weights) or AC2 (other weights), Gwet (2008; 2014, eq. 2.15)."""
    key = "gwet_ac1" if np.array_equal(a.weights, np.eye(a.q)) else "gwet_ac2"
    if a.q < 2:
        return undefined(key, "only one category: chance agreement of AC1 is not defined", a.n)
    tw = float(a.weights.sum()) / (a.q * (a.q - 1))
    pe = tw * float((a.pi * (1 - a.pi)).sum())
    pe_i = tw * (a.counts @ (1 - a.pi)) / a.ri
    return _chance_corrected(key, a, pe, pe_i, confidence)


def krippendorff_alpha(a: Agreement, confidence: float = 0.95, counts_input: bool = False) -> Coefficient:
    """Krippendorff's alpha in Gwet's (2014, ch. 4; 2015 note) formulation, with its linearised SE.

    Only units with two or more ratings count; ``pa = (1 - eps) pa' + eps`` with ``eps = 1 / sum r_i``.
    The SE follows R irrCAC's krippen.alpha.raw, or its krippen.alpha.dist when ``counts_input`` is true
    (the two published variants differ slightly); the CI uses t with (units with a rating - 1) df for raw
    data, (units with >= 2 ratings - 1) for count tables, as irrCAC does.
    """
    key = "krippendorff_alpha"
    bad = _guard(key, a)
    if bad:
        return bad
    c, ri, w = a.counts[a.multi], a.ri[a.multi], a.weights
    n = len(ri)
    rbar = ri.mean()
    eps = 1 / ri.sum()
    sum_q = (c * (c @ w.T - 1)).sum(axis=1)
    pa_u = sum_q / (rbar * (ri - 1))
    pa_prime = float(pa_u.mean())
    pa = (1 - eps) * pa_prime + eps
    pi = (c / rbar).mean(axis=0)
    pe = float(pi @ w @ pi)
    if pe >= PE_ONE:
        return undefined(key, "chance agreement is 1 (every rating falls in one category), so alpha is 0/0",
                         a.n, pa=pa, pe=pe)
    alpha = (pa - pe) / (1 - pe)
    pi_w = (w @ pi + w.T @ pi) / 2
    if counts_input:
        pa_i = (1 - eps) * (pa_u - pa_prime * (ri - rbar) / rbar) + eps
        pe_i = (c @ pi_w) / rbar - pi.sum() * (ri - rbar) / rbar
        terms = (pa_i - pe) / (1 - pe) - (1 - alpha) * (pe_i - pe) / (1 - pe)
        centre, df, n_units = alpha, n - 1, n
    else:
        alpha_prime = (pa_prime - pe) / (1 - pe)
        pa_i = pa_u - pa_prime * (ri - rbar) / rbar
        pe_i = (c @ pi_w) / rbar - pe * (ri - rbar) / rbar
        terms = (pa_i - pe) / (1 - pe) - 2 * (1 - alpha_prime) * (pe_i - pe) / (1 - pe)
        centre, df, n_units = alpha_prime, a.n - 1, a.n
    res = _finish(key, a, alpha, pe, terms, confidence, df=df, n_units=n_units, centre=centre)
    return res.with_(pa=pa, extra={"n_pairable_units": n})


def conger_kappa(codes: np.ndarray, q: int, weights: np.ndarray | None = None, confidence: float = 0.95,
                 key: str = "conger_kappa", a: Agreement | None = None) -> Coefficient:
    """Conger's (1980) kappa from the units x coders index matrix (-1 = missing); Cohen's kappa for two coders.

    Chance agreement from each coder's own marginals ``p_gk``: ``pe = sum w_kl (pbar_k pbar_l - s2_kl / r)``;
    SE by Gwet's (2008) linearisation including the coder-level terms, as R irrCAC's conger.kappa.raw.
    Coders without any rating and units without any rating are left out. ``a``: the observed agreement of the
    same codes and weights when the caller already has it (it is not computed again).
    """
    codes = np.asarray(codes)
    if a is None or codes.shape[0] != a.n:  # (a.n == rows: every unit has a rating, nothing to drop)
        rows = (codes >= 0).any(axis=1)
        if not rows.all():
            codes = codes[rows]
    w = np.eye(q) if weights is None else np.asarray(weights, dtype=float)
    if a is None:
        a = agreement(count_table(codes, q), w)
    bad = _guard(key, a)
    if bad:
        return bad
    # slot g*(q+1) + code + 1 of coder g (slot g*(q+1): missing): one bincount gives every coder's marginals
    # and the same index gathers the per-unit terms below
    itype = np.int32 if codes.shape[1] * (q + 1) < 2**31 - 1 else np.int64
    slot = codes + np.arange(1, codes.shape[1] * (q + 1) + 1, q + 1, dtype=itype)[None, :]
    classif = np.bincount(slot.ravel(), minlength=codes.shape[1] * (q + 1)).reshape(-1, q + 1)[:, 1:]
    rated_g = classif.sum(axis=1) > 0
    if not rated_g.all():  # coders without any rating are left out
        codes, classif = codes[:, rated_g], classif[rated_g]
        slot = codes + np.arange(1, codes.shape[1] * (q + 1) + 1, q + 1, dtype=itype)[None, :]
    n, r = codes.shape
    classif = classif.astype(float)
    n_g = classif.sum(axis=1)
    p_gk = classif / n_g[:, None]
    pbar = p_gk.mean(axis=0)
    s2 = (p_gk.T @ p_gk - r * np.outer(pbar, pbar)) / (r - 1)
    pe = float((w * (np.outer(pbar, pbar) - s2 / r)).sum())
    if pe >= PE_ONE:
        return undefined(key, "chance agreement is 1 (every rating falls in one category), so kappa is 0/0",
                         a.n, pa=a.pa, pe=pe)
    value = (a.pa - pe) / (1 - pe)
    # per-unit chance term (Gwet 2014, ch. 5): lambda_ig = (n/n_g)[eps_ig (a_g'W)[c_ig] - (eps_ig - n_g/n) a_g'W p_g]
    a_g = r * pbar[None, :] - p_gk  # r x q
    aw = a_g @ w  # r x q
    awp = (aw * p_gk).sum(axis=1)  # r
    # lambda_ig takes q + 1 values per coder (a category, or missing: eps_ig = 0): tabulate them with the same
    # arithmetic, then one gather instead of (units x coders) float temporaries
    eps = np.zeros((r, q + 1))
    eps[:, 1:] = 1.0
    at_code = np.concatenate([aw[:, :1], aw], axis=1)  # missing reads (a_g'W)[0] as before, times eps = 0
    lut = (n / n_g)[:, None] * (eps * at_code - (eps - (n_g / n)[:, None]) * awp[:, None])  # r x (q + 1)
    lam = np.take(lut.ravel(), slot)
    pe_i = lam.sum(axis=1) / (r * (r - 1))
    terms = (a.n / a.n2) * (a.pa_i - pe * a.multi) / (1 - pe) - 2 * (1 - value) * (pe_i - pe) / (1 - pe)
    return _finish(key, a, value, pe, terms, confidence)


def fleiss_null_se(counts: np.ndarray) -> dict[str, float] | None:
    """Fleiss, Nee & Landis (1979) SE of Fleiss' kappa under H0: kappa = 0, with z and two-sided p, as R
    irr::kappam.fleiss reports it; also each category's kappa (Fleiss 1971) with its null SE and z.

    Defined for units with the same number m >= 2 of ratings; irr keeps only complete units, so only units
    rated by the modal number of coders are used here. Returns None when fewer than two such units exist.
    """
    from scipy.special import ndtr

    counts = np.asarray(counts, dtype=float)
    ri = counts.sum(axis=1)
    if not len(ri):
        return None
    m = ri.max()
    x = counts[ri == m]
    n = x.shape[0]
    if n < 2 or m < 2:
        return None
    p = x.sum(axis=0) / (n * m)
    pq = p * (1 - p)
    s = pq.sum()
    if s <= 0:
        return None
    pa = ((x * (x - 1)).sum(axis=1) / (m * (m - 1))).mean()
    pe = (p**2).sum()
    kappa = (pa - pe) / (1 - pe)
    se0 = np.sqrt(2) / (s * np.sqrt(n * m * (m - 1))) * np.sqrt(s**2 - (pq * (1 - 2 * p)).sum())
    z = kappa / se0
    with np.errstate(divide="ignore", invalid="ignore"):
        kj = 1 - (x * (m - x)).sum(axis=0) / (n * m * (m - 1) * pq)
    se_j = np.sqrt(2 / (n * m * (m - 1)))
    return {
        "kappa": float(kappa), "se_null": float(se0), "z": float(z), "p_two_sided": float(2 * ndtr(-abs(z))),
        "n_units": int(n), "raters": int(m),
        "per_category_kappa": [float(v) if np.isfinite(v) else None for v in kj],
        "per_category_se_null": float(se_j),
        "per_category_z": [float(v / se_j) if np.isfinite(v) else None for v in kj],
    }
