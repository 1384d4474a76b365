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

Frequency weights (``freq=``): row i of the table stands for ``f_i`` identical units (time units of a run,
for example). Every quantity above is a sum over units of a per-unit term that depends only on the unit's own
ratings and on totals (``n``, ``n2``, ``pi``, ``pe``, each coder's marginals), so with ``n = sum f_i``,
``pa = sum f_i pa_i / n2``, ``pi_k = sum f_i r_ik / r_i / n``, ``var = sum f_i (c_i - c)^2 / (n (n - 1))``
(and the cluster sums ``sum_i f_i (c_i - c)``) the results are those of the expanded table, with the same
formulas (Gwet 2014, ch. 2-5): one engine, the unweighted path untouched.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from irrkit.statistics.counting import CHUNK, DENSE_MAX_Q, table
from irrkit.statistics.results import Coefficient, UnitTerms, t_inference, undefined
from irrkit.statistics.sparse import SparseCounts
from irrkit.statistics.weights import IdentityKernel, Kernel, MatrixKernel

LINEARISATION = "Gwet (2008) linearisation, CI t(n-1)"
PE_ONE = 1 - 1e-12
_KEEP_TERMS: ContextVar[bool] = ContextVar("irrkit_keep_terms", default=False)


@contextmanager
def keeping_terms() -> Iterator[None]:
    """Within this block every coefficient of the engine keeps its unit-level terms (``Coefficient.terms``, a
    :class:`~irrkit.statistics.results.UnitTerms`): what comparing two coefficients on the same units needs
    (:mod:`irrkit.statistics.comparison`). Off by default: the terms cost memory of one float per unit."""
    token = _KEEP_TERMS.set(True)
    try:
        yield
    finally:
        _KEEP_TERMS.reset(token)


def keeping() -> bool:
    return _KEEP_TERMS.get()


def _kept_terms(a: Agreement, terms: np.ndarray, centre: float, rows: np.ndarray | None,
                freq: np.ndarray | None) -> UnitTerms | None:
    """The terms to keep (None unless keeping_terms(); none for frequency-weighted rows): rows of the item."""
    if not _KEEP_TERMS.get() or freq is not None:
        return None
    if rows is not None and a.kept is not None:
        rows = a.kept[rows]
    elif rows is None:
        rows = a.kept
    return UnitTerms(np.asarray(terms, dtype=float) - centre, rows)


@dataclass(frozen=True)
class Agreement:
    """Per-unit observed agreement shared by every coefficient of the family (units with r_i >= 1).

    The table is the dense n x q ``counts`` or, for many categories, its nonzero cells ``sparse``
    (:mod:`irrkit.statistics.sparse`); the weights are a :class:`~irrkit.statistics.weights.Kernel` (a matrix for few
    categories, a closed form or blockwise evaluation for many)."""

    counts: np.ndarray | None  # n x q (None: sparse)
    kernel: Kernel
    ri: np.ndarray  # raters per unit
    pa_i: np.ndarray  # per-unit observed agreement (0 where r_i < 2)
    multi: np.ndarray  # r_i >= 2
    pa: float
    pi: np.ndarray  # mean_i r_ik / r_i
    sum_q: np.ndarray | None = None  # sum_k r_ik (r*_ik - 1), kept for alpha (identity weights or sparse)
    sparse: SparseCounts | None = None
    clusters: np.ndarray | None = None  # cluster of each unit: SEs become cluster-robust (irrkit.statistics.clusters)
    freq: np.ndarray | None = None  # units each row stands for (None: one each)
    kept: np.ndarray | None = None  # the rows of the table the units are (None: every row; rows without a rating
    # or of frequency 0 are dropped)

    @property
    def weights(self) -> np.ndarray:
        """The q x q weight matrix (built on demand: only for few categories)."""
        return self.kernel.matrix()

    @cached_property
    def n(self) -> int:
        """Units (with frequency weights: their sum)."""
        return len(self.ri) if self.freq is None else int(self.freq.sum())

    @property
    def rows(self) -> int:
        """Rows of the table (the units themselves without frequency weights)."""
        return len(self.ri)

    @cached_property  # asked for by every coefficient: counted once
    def n2(self) -> int:
        return int(self.multi.sum()) if self.freq is None else int(self.freq[self.multi].sum())

    @property
    def q(self) -> int:
        return self.kernel.q

    def row_dot(self, v: np.ndarray) -> np.ndarray:
        """sum_k r_ik v_k for each unit."""
        return _rows_dot(self.counts, v) if self.sparse is None else self.sparse.row_dot(v)


def _row_sums(m: np.ndarray) -> np.ndarray:
    """``m.sum(axis=1)`` of an n x q table, bit for bit: for q < 8 NumPy adds a row's entries left to right, and
    so do these q - 1 column additions, without NumPy's per-row loop overhead."""
    q = m.shape[1]
    if not 1 <= q < 8:
        return m.sum(axis=1)
    s = m[:, 0].copy()
    for k in range(1, q):
        s += m[:, k]
    return s


def _rows_dot(m: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``m @ v`` for a tall n x q table. einsum, not BLAS: multithreaded BLAS is slow on these tall-skinny
    products on a few cores, and its last bits change with the CPU kernel; einsum's do not."""
    if m.shape[1] <= 2:  # what einsum computes for one or two columns (0 + a + b), without its per-row overhead
        out = m[:, 0] * v[0]
        if m.shape[1] == 2:
            out += m[:, 1] * v[1]
        return out
    return np.einsum("ij,j->i", m, v)


# Column means of an n x q table (q >= 2) are computed as before, bit for bit: NumPy's m.mean(axis=0) adds each
# column top to bottom, einsum("ij->j") does the same several times faster, and block by block the running sums
# are carried into the first row of the next block, so the additions are those of one pass.


def frequencies(freq: np.ndarray | Sequence[int], n: int) -> np.ndarray:
    """Frequency weights as float: whole numbers >= 0, one per row (ValueError otherwise)."""
    f = np.asarray(freq, dtype=float).reshape(-1)
    if len(f) != n:
        raise ValueError(f"{len(f)} frequency weights for {n} rows")
    if not (np.all(f >= 0) and np.all(f == np.round(f))):
        raise ValueError("frequency weights must be whole numbers >= 0")
    return f


def agreement(counts: np.ndarray | SparseCounts, weights: np.ndarray | Kernel | None = None,
              clusters: np.ndarray | None = None, freq: np.ndarray | None = None) -> Agreement:
    """Observed agreement from a count table (dense, or its nonzero cells); units with no rating are dropped.
    ``weights``: a q x q matrix, a kernel, or None (identity). ``clusters``: the cluster of each unit (any
    integer codes), for cluster-robust SEs (:mod:`irrkit.statistics.clusters`). ``freq``: how many identical units
    each row stands for (see the module docstring; rows of weight 0 are dropped)."""
    if isinstance(counts, SparseCounts):
        return _agreement_sparse(counts, weights, clusters, freq)
    counts = np.asarray(counts, dtype=float)
    q = counts.shape[1]
    kern = _kernel(weights, q)
    w = kern.w if isinstance(kern, MatrixKernel) else None  # other kernels: r*_i = W r_i by their closed form
    # counts are whole numbers, so their row sums are exact in any order: einsum is the fastest way, but for
    # two or three columns (per-category tables) plain column additions are faster still
    ri = _row_sums(counts) if q <= 3 else np.einsum("ij->i", counts)
    rated = ri > 0
    if freq is not None:
        freq = frequencies(freq, len(ri))
        rated &= freq > 0
    keep = None
    if not rated.all():  # no copy of the table when every unit has a rating
        keep = np.flatnonzero(rated)
        counts, ri = counts.take(keep, axis=0), ri[keep]
        if clusters is not None:
            clusters = np.asarray(clusters)[keep]
        if freq is not None:
            freq = freq[keep]
    identity = kern.is_identity
    n = len(ri)
    # per block of units: sum_q = sum_k r_ik (r*_ik - 1) with r*_ik = sum_l w_kl r_il (with identity weights the
    # table itself, and whole numbers: exact), and the running column sums of r_ik / r_i for pi (see CHUNK)
    sum_q = np.empty(n)
    col = np.zeros(q)
    buf = np.empty((min(CHUNK, n), q))
    for s in range(0, n, CHUNK):
        c = counts[s:s + CHUNK]
        m = len(c)
        b = buf[:m]
        if identity and q <= 3:
            np.subtract(c, 1, out=b)
            b *= c
            sum_q[s:s + m] = _row_sums(b)
        elif identity:
            np.subtract(c, 1, out=b)
            np.einsum("ij,ij->i", c, b, out=sum_q[s:s + m])
        else:
            wt = np.einsum("il,kl->ik", c, w) if w is not None else kern.apply(c.T).T
            wt -= 1
            wt *= c
            sum_q[s:s + m] = _row_sums(wt)
        np.divide(c, ri[s:s + m, None], out=b)
        if freq is not None:
            b *= freq[s:s + m, None]
        if s:
            b[0] += col
        col = np.einsum("ij->j", b)
    if not n:
        pi = np.zeros(q)
    elif freq is not None:
        pi = (col if q >= 2 else (counts / ri[:, None] * freq[:, None]).sum(axis=0)) / freq.sum()
    elif q < 2:  # one column: NumPy's mean adds pairwise, not top to bottom
        pi = (counts / ri[:, None]).mean(axis=0)
    else:
        pi = col / n
    return _finish_agreement(counts, kern, ri, sum_q, pi, identity, clusters=clusters, freq=freq, kept=keep)


def _kernel(weights: np.ndarray | Kernel | None, q: int) -> Kernel:
    if isinstance(weights, Kernel):
        return weights
    if weights is None and q > DENSE_MAX_Q:  # identity beyond the dense tables: never a q x q matrix
        return IdentityKernel(q)
    return MatrixKernel(np.eye(q) if weights is None else np.asarray(weights, dtype=float))


def _agreement_sparse(t: SparseCounts, weights: np.ndarray | Kernel | None,
                      clusters: np.ndarray | None = None, freq: np.ndarray | None = None) -> Agreement:
    kern = _kernel(weights, t.q) if weights is not None else IdentityKernel(t.q)
    ri = t.row_sums()
    rated = ri > 0
    if freq is not None:
        freq = frequencies(freq, len(ri))
        rated &= freq > 0
    keep = None
    if not rated.all():
        keep = np.flatnonzero(rated)
        t = t.take_units(keep)
        if clusters is not None:
            clusters = np.asarray(clusters)[rated]
        if freq is not None:
            freq = freq[rated]
        ri = ri[rated]
    sum_q = t.pair_sums(kern) - ri  # sum_k r_ik (r*_ik - 1) = sum_kl r_ik r_il w_kl - r_i
    if not len(ri):
        pi = np.zeros(t.q)
    elif freq is None:
        pi = t.col_sums(1.0 / ri) / len(ri)
    else:
        pi = t.col_sums(freq / ri) / freq.sum()
    return _finish_agreement(None, kern, ri, sum_q, pi, kern.is_identity, t, clusters, freq, keep)


def _finish_agreement(counts: np.ndarray | None, kern: Kernel, ri: np.ndarray, sum_q: np.ndarray, pi: np.ndarray,
                      identity: bool, sparse: SparseCounts | None = None,
                      clusters: np.ndarray | None = None, freq: np.ndarray | None = None,
                      kept: np.ndarray | None = None) -> Agreement:
    multi = ri >= 2
    den = np.where(multi, ri * (ri - 1), 1.0)
    pa_i = np.where(multi, sum_q / den, 0.0)
    if not multi.any():
        pa = float("nan")
    elif freq is None:
        pa = float((pa_i if multi.all() else pa_i[multi]).mean())
    else:
        pa = float(pa_i[multi] @ freq[multi] / freq[multi].sum())
    return Agreement(counts, kern, ri, pa_i, multi, pa, pi, sum_q if identity or sparse is not None else None, sparse,
                     None if clusters is None else np.asarray(clusters), freq, kept)


def _finish(
    key: str, a: Agreement, value: float, pe: float, terms: np.ndarray | None, confidence: float, df: int | None = None,
    n_units: int | None = None, centre: float | None = None, clusters: np.ndarray | None = None,
    freq: np.ndarray | None = None, rows: np.ndarray | None = None,
) -> Coefficient:
    """``terms``: one per row; ``clusters``/``freq``: the rows' clusters and frequency weights when ``terms``
    covers fewer rows than ``a`` (default: ``a``'s), ``rows``: then which of ``a``'s rows."""
    n = a.n if n_units is None else n_units
    f = a.freq if freq is None else freq
    kept = None if terms is None else _kept_terms(a, terms, value if centre is None else centre, rows, f)
    se = None
    if a.clusters is not None and terms is not None:
        return _finish_clustered(key, a, value, pe, terms, confidence, n, centre,
                                 a.clusters if clusters is None else clusters, f).with_(terms=kept)
    if terms is not None and f is not None:
        nf = f.sum()
        if nf >= 2:
            d = terms - (value if centre is None else centre)
            se = float(np.sqrt(f @ (d * d) / (nf * (nf - 1))))
    elif terms is not None and len(terms) >= 2:
        c = value if centre is None else centre
        d = terms - c
        np.square(d, out=d)  # (terms - c) ** 2 without a second temporary
        se = float(np.sqrt(d.sum() / (len(terms) * (len(terms) - 1))))
    low, high, p, why = t_inference(value, se, n, confidence, df=df)
    return Coefficient(key, value, se, low, high, p, a.pa, pe, n, reason=why, method=LINEARISATION, terms=kept)


def _finish_clustered(key: str, a: Agreement, value: float, pe: float, terms: np.ndarray, confidence: float, n: int,
                      centre: float | None, clusters: np.ndarray, freq: np.ndarray | None = None) -> Coefficient:
    """The same terms summed within clusters (:func:`irrkit.statistics.clusters.robust_se`), CI t(G - 1)."""
    from irrkit.statistics.clusters import n_clusters, robust_se

    g = n_clusters(clusters)
    se = robust_se(terms, clusters, value if centre is None else centre, freq)
    low, high, p, why = t_inference(value, se, n, confidence, df=g - 1)
    if se is None:
        why = f"{g} cluster: a cluster-robust SE needs two or more clusters"
    return Coefficient(key, value, se, low, high, p, a.pa, pe, n, reason=why,
                       method=f"Gwet (2008) linearisation, cluster-robust over {g} clusters, CI t(G-1)",
                       extra={"n_clusters": g})


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
    # terms = (n/n2) (pa_i - pe [r_i >= 2]) / (1 - pe) - 2 (1 - value) (pe_i - pe) / (1 - pe), the same operations
    # in the same order, in place
    terms = a.multi * pe
    np.subtract(a.pa_i, terms, out=terms)
    terms *= a.n / a.n2
    terms /= 1 - pe
    if pe_i is not None:
        d = pe_i - pe
        d *= 2 * (1 - value)
        d /= 1 - pe
        terms -= d
    return _finish(key, a, value, pe, terms, confidence)


def percent_agreement(a: Agreement, confidence: float = 0.95) -> Coefficient:
    """Percent agreement (weighted if the weights are), Gwet (2014) eq. 2.8."""
    bad = _guard("percent_agreement", a)
    if bad:
        return bad
    terms = (a.n / a.n2) * a.pa_i
    return _finish("percent_agreement", a, a.pa, 0.0, terms, confidence)


def bp_chance(total: float, q: int) -> float:
    """Brennan & Prediger's chance agreement sum(w) / q^2 (Gwet 2014, eq. 2.10)."""
    return total / q**2


def ac_chance(pi: np.ndarray, total: float, q: int) -> float | np.ndarray:
    """Gwet's AC1/AC2 chance agreement sum(w) / (q (q - 1)) sum_k pi_k (1 - pi_k) (Gwet 2014, eq. 2.15), for one
    vector ``pi`` or a batch of them (rows)."""
    return total / (q * (q - 1)) * (pi * (1 - pi)).sum(axis=-1)


def brennan_prediger(a: Agreement, confidence: float = 0.95) -> Coefficient:
    """Brennan & Prediger (1981) coefficient, chance = sum(w)/q^2 (Gwet 2014, eq. 2.10)."""
    return _chance_corrected("brennan_prediger", a, bp_chance(a.kernel.total(), a.q), None, confidence)


def fleiss_kappa(a: Agreement, confidence: float = 0.95) -> Coefficient:
    """Fleiss' (1971) kappa, weighted as in Gwet (2014, eq. 2.13), with Gwet's (2008) linearised SE."""
    k = a.kernel
    pi_w = k.apply_sym(a.pi)
    pe = float(a.pi @ pi_w)  # pi'W pi = pi'(W + W')pi / 2
    pe_i = a.row_dot(pi_w)
    pe_i /= a.ri
    return _chance_corrected("fleiss_kappa", a, pe, pe_i, confidence)


def gwet_ac(a: Agreement, confidence: float = 0.95) -> Coefficient:
    """Gwet's AC1 (identity weights) or AC2 (other weights), Gwet (2008; 2014, eq. 2.15)."""
    key = "gwet_ac1" if a.kernel.is_identity else "gwet_ac2"
    if a.q < 2:
        return undefined(key, "only one category: chance agreement of AC1 is not defined", a.n)
    tw = a.kernel.total() / (a.q * (a.q - 1))
    pe = float(ac_chance(a.pi, a.kernel.total(), a.q))
    pe_i = tw * a.row_dot(1 - a.pi)
    pe_i /= a.ri
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
    kern, multi = a.kernel, a.multi
    every = bool(multi.all())  # units with fewer than two ratings are left out, without copying the table
    keep = None if every else np.flatnonzero(multi)
    ri = a.ri if every else a.ri.take(keep)
    fk = None if a.freq is None else (a.freq if every else a.freq.take(keep))  # frequency weights of these units
    if fk is None:
        n = len(ri)
        rbar = ri.mean()
        eps = 1 / ri.sum()
    else:
        n = int(fk.sum())
        rbar = (fk @ ri) / n
        eps = 1 / (fk @ ri)
    if a.sum_q is not None:  # identity weights or a sparse table: the row sums agreement() already has
        sum_q = a.sum_q if every else a.sum_q.take(keep)
    else:
        c = a.counts if every else a.counts.take(keep, axis=0)
        wc = np.einsum("il,kl->ik", c, kern.w) if isinstance(kern, MatrixKernel) else kern.apply(c.T).T
        sum_q = _row_sums(c * (wc - 1))
    pa_u = sum_q / (rbar * (ri - 1))
    pa_prime = float(pa_u.mean()) if fk is None else float(fk @ pa_u / n)
    pa = (1 - eps) * pa_prime + eps
    if a.sparse is not None:
        per_unit = None if every else multi.astype(float)
        if a.freq is not None:
            per_unit = a.freq if per_unit is None else per_unit * a.freq
        pi = a.sparse.col_sums(per_unit) / (rbar * n)
    elif fk is not None:
        pi = fk @ (a.counts if every else a.counts.take(keep, axis=0)) / (rbar * n)
    elif a.q < 2:
        pi = ((a.counts if every else a.counts[multi]) / rbar).mean(axis=0)
    else:  # mean of r_ik / rbar over the units with >= 2 ratings: the others' rows are zeroed, which changes no
        # partial sum of the top-to-bottom column sums (see CHUNK), block by block as in agreement()
        col = np.zeros(a.q)
        rows = a.rows
        buf = np.empty((min(CHUNK, rows), a.q))
        for s in range(0, rows, CHUNK):
            b = buf[:min(CHUNK, rows - s)]
            np.divide(a.counts[s:s + CHUNK], rbar, out=b)
            if not every:
                b[~multi[s:s + CHUNK]] = 0.0
            if s:
                b[0] += col
            col = np.einsum("ij->j", b)
        pi = col / n
    pi_w = kern.apply_sym(pi)
    pe = float(pi @ pi_w)
    if pe >= PE_ONE:
        return undefined(key, "chance agreement is 1 (every rating falls in one category), so alpha is 0/0",
                         a.n, pa=pa, pe=pe)
    alpha = (pa - pe) / (1 - pe)
    c_piw = a.row_dot(pi_w)  # per-row products: the same for every row whether others are there or not
    if not every:
        c_piw = c_piw.take(keep)
    if counts_input:
        pa_i = (1 - eps) * (pa_u - pa_prime * (ri - rbar) / rbar) + eps
        pe_i = c_piw / rbar - pi.sum() * (ri - rbar) / rbar
        terms = (pa_i - pe) / (1 - pe) - (1 - alpha) * (pe_i - pe) / (1 - pe)
        centre, df, n_units = alpha, n - 1, n
    else:
        alpha_prime = (pa_prime - pe) / (1 - pe)
        pa_i = pa_u - pa_prime * (ri - rbar) / rbar
        pe_i = c_piw / rbar - pe * (ri - rbar) / rbar
        terms = (pa_i - pe) / (1 - pe) - 2 * (1 - alpha_prime) * (pe_i - pe) / (1 - pe)
        centre, df, n_units = alpha_prime, a.n - 1, a.n
    cl = None if a.clusters is None or every else a.clusters.take(keep)
    res = _finish(key, a, alpha, pe, terms, confidence, df=df, n_units=n_units, centre=centre, clusters=cl, freq=fk,
                  rows=keep)
    return res.with_(pa=pa, extra={**res.extra, "n_pairable_units": n})


def conger_kappa(codes: np.ndarray, q: int, weights: np.ndarray | Kernel | None = None, confidence: float = 0.95,
                 key: str = "conger_kappa", a: Agreement | None = None,
                 freq: np.ndarray | None = None) -> Coefficient:
    """Conger's (1980) kappa from the units x coders index matrix (-1 = missing); Cohen's kappa for two coders.

    Chance agreement from each coder's own marginals ``p_g``: ``pe = sum w_kl (pbar_k pbar_l - s2_kl / r)``
    ``= pbar'W pbar - (sum_g p_g'W p_g - r pbar'W pbar) / (r (r - 1))``; SE by Gwet's (2008) linearisation
    including the coder-level terms, as R irrCAC's conger.kappa.raw. Coders without any rating and units
    without any rating are left out. ``a``: the observed agreement of the same codes and weights when the
    caller already has it (it is not computed again). The coders' marginals and W p_g are taken a batch of
    coders at a time (all of them for few categories), so memory is O(q) per coder, never q x q.
    ``freq``: frequency weights of the rows (see the module docstring); the coders' marginals ``p_g`` and
    ``n_g`` are then weighted counts, the per-unit terms the same.
    """
    codes = np.asarray(codes)
    f = None if freq is None else frequencies(freq, codes.shape[0])
    kept = None  # a's rows of ``codes`` when some are not a's: the per-unit terms of all rows are taken at the end
    if a is not None and f is None and a.kept is not None and codes.shape[0] != a.rows:
        kept = a.kept
    elif a is None or codes.shape[0] != a.rows:  # (a.rows == rows: every unit has a rating, nothing to drop)
        rows = (codes >= 0).any(axis=1)
        if f is not None:
            rows &= f > 0
        if not rows.all():
            codes = codes[rows]
            if f is not None:
                f = f[rows]
    kern = _kernel(weights, q)
    if a is None:
        a = agreement(table(codes, q), kern, freq=f)
    bad = _guard(key, a)
    if bad:
        return bad
    r = codes.shape[1]
    classif = None
    if r * (q + 1) <= 1 << 20:  # few categories: every coder's marginals from one bincount per block of units
        itype = np.int32 if r * (q + 1) < 2**31 - 1 else np.int64
        offs_all = np.arange(1, r * (q + 1) + 1, q + 1, dtype=itype)[None, :]
        classif = np.zeros(r * (q + 1), dtype=np.int64 if f is None else float)
        for s in range(0, codes.shape[0], CHUNK):
            if f is None:
                classif += np.bincount((codes[s:s + CHUNK] + offs_all).ravel(order="K"), minlength=len(classif))
            else:
                classif += np.bincount((codes[s:s + CHUNK] + offs_all).ravel(order="C"),
                                       weights=np.repeat(f[s:s + CHUNK], r), minlength=len(classif))
        classif = classif.reshape(r, q + 1)[:, 1:]  # coders x categories (slot 0: missing)
        n_g = classif.sum(axis=1)  # (weighted) ratings of each coder: whole numbers, exact
    else:
        n_g = np.count_nonzero(codes >= 0, axis=0) if f is None else f @ (codes >= 0)
    if not (n_g > 0).all():  # coders without any rating are left out
        codes = codes[:, n_g > 0]
        if classif is not None:
            classif = classif[n_g > 0]
        n_g = n_g[n_g > 0]
    n, r = codes.shape
    if f is not None:
        n = a.n
    elif kept is not None:
        n = len(kept)
    n_g = n_g.astype(float)
    batch = max(1, min(r, (64 << 20) // (8 * 4 * max(q, 1))))
    every = None if classif is None else (classif / n_g[:, None]).T  # q x r

    def marginals(cols: range) -> np.ndarray:  # q x len(cols): p_gk of these coders
        if every is not None:
            return every[:, cols.start:cols.stop]
        out = np.empty((q, len(cols)))
        for j, g in enumerate(cols):
            c = codes[:, g]
            ok = c >= 0
            out[:, j] = np.bincount(c[ok], None if f is None else f[ok], minlength=q) / n_g[g]
        return out

    pe_i = np.zeros(codes.shape[0])

    def gather(lut: np.ndarray, cols: range) -> None:  # pe_i += lut[g, 1 + c_ig] over these coders (0: missing)
        offs = (np.arange(len(cols)) * (q + 1) + 1)[None, :]
        flat = lut.ravel()
        for u in range(0, codes.shape[0], CHUNK):
            block = np.ascontiguousarray(codes[u:u + CHUNK, cols.start:cols.stop])
            pe_i[u:u + CHUNK] += _row_sums(np.take(flat, block + offs))

    return _conger(key, a, kern, q, r, n, n_g, batch, marginals, gather, pe_i, kept, confidence)


def conger_kappa_cells(unit: np.ndarray, coder: np.ndarray, code: np.ndarray, n_units: int, q: int,
                       weights: np.ndarray | Kernel | None = None, confidence: float = 0.95,
                       key: str = "conger_kappa", a: Agreement | None = None) -> Coefficient:
    """:func:`conger_kappa` from the rated cells alone (crowd data: unit, coder and category index of each
    rating, no units x coders matrix): the same formulas. Each coder's marginals are sums over its cells, and a
    unit's chance term ``sum_g lambda_ig`` is ``sum_g lambda_g,missing`` plus, over its ratings, the difference
    to the rated value: O(ratings + coders x q) memory."""
    ok = code >= 0
    if not ok.all():
        unit, coder, code = unit[ok], coder[ok], code[ok]
    kern = _kernel(weights, q)
    if a is None:
        from irrkit.statistics.counting import cells_table

        a = agreement(cells_table(unit, code, n_units, q), kern)
    bad = _guard(key, a)
    if bad:
        return bad
    used, coder = np.unique(coder, return_inverse=True)  # coders without a rating are left out
    r = len(used)
    n_g = np.bincount(coder, minlength=r).astype(float)
    order = np.argsort(coder, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(n_g).astype(np.int64)))
    batch = max(1, min(r, (64 << 20) // (8 * 4 * max(q, 1))))

    def marginals(cols: range) -> np.ndarray:
        sel = order[bounds[cols.start]:bounds[cols.stop]]
        m = np.bincount(code[sel] * len(cols) + (coder[sel] - cols.start), minlength=q * len(cols))
        return m.reshape(q, len(cols)) / n_g[cols.start:cols.stop]

    pe_i = np.zeros(n_units)

    def gather(lut: np.ndarray, cols: range) -> None:
        sel = order[bounds[cols.start]:bounds[cols.stop]]
        g = coder[sel] - cols.start
        pe_i[:] += lut[:, 0].sum()
        pe_i[:] += np.bincount(unit[sel], lut[g, code[sel] + 1] - lut[g, 0], minlength=n_units)

    return _conger(key, a, kern, q, r, a.n, n_g, batch, marginals, gather, pe_i, a.kept, confidence)


def _conger(key: str, a: Agreement, kern: Kernel, q: int, r: int, n: int, n_g: np.ndarray, batch: int,
            marginals, gather, pe_i: np.ndarray, kept: np.ndarray | None, confidence: float) -> Coefficient:
    """Conger's kappa from the coders' marginals (``marginals(cols)``: q x len(cols)) and the per-unit chance
    terms (``gather(lut, cols)`` adds each unit's look-up values of these coders to ``pe_i``)."""
    pbar = np.zeros(q)
    for s in range(0, r, batch):
        pbar += marginals(range(s, min(r, s + batch))).sum(axis=1)
    pbar /= r
    w_pbar = kern.apply(pbar)
    wt_pbar = w_pbar if kern.symmetric else kern.apply_t(pbar)
    pbar_w_pbar = float(pbar @ w_pbar)
    # per-unit chance term (Gwet 2014, ch. 5): lambda_ig = (n/n_g)[eps_ig (a_g'W)[c_ig] - (eps_ig - n_g/n) a_g'W p_g]
    # with a_g = r pbar - p_g, so a_g'W = r W'pbar - W'p_g; lambda_ig takes q + 1 values per coder (a category,
    # or missing: eps_ig = 0, lambda = a_g'W p_g): a look-up table per coder, then one gather per block of units
    pgwpg = 0.0
    for s in range(0, r, batch):
        cols = range(s, min(r, s + batch))
        p = marginals(cols)
        wp = kern.apply(p)
        pgwpg += float(np.einsum("kg,kg->", p, wp))
        aw = r * wt_pbar[:, None] - (wp if kern.symmetric else kern.apply_t(p))  # q x batch
        awp = np.einsum("kg,kg->g", aw, p)
        ng = n_g[s:s + len(cols)]
        lut = np.empty((len(cols), q + 1))
        lut[:, 0] = awp
        lut[:, 1:] = (n / ng)[:, None] * (aw.T - (1 - ng / n)[:, None] * awp[:, None])
        gather(lut, cols)
    if kept is not None:
        pe_i = pe_i[kept]
    pe = pbar_w_pbar - (pgwpg - r * pbar_w_pbar) / (r * (r - 1))
    if pe >= PE_ONE:
        return undefined(key, "chance agreement is 1 (every rating falls in one category), so kappa is 0/0",
                         a.n, pa=a.pa, pe=pe)
    value = (a.pa - pe) / (1 - pe)
    pe_i /= r * (r - 1)
    # terms = (n/n2) (pa_i - pe [r_i >= 2]) / (1 - pe) - 2 (1 - kappa) (pe_i - pe) / (1 - pe), in place
    terms = a.multi * pe
    np.subtract(a.pa_i, terms, out=terms)
    terms *= a.n / a.n2
    terms /= 1 - pe
    pe_i -= pe
    pe_i *= 2 * (1 - value)
    pe_i /= 1 - pe
    terms -= pe_i
    return _finish(key, a, value, pe, terms, confidence)


def replicate_estimates(a: Agreement, m: np.ndarray) -> dict[str, np.ndarray]:
    """The family's point estimates for each row of ``m``: frequency weights of ``a``'s rows, one vector per
    replicate (a bootstrap's unit multiplicities). The same sums as ``agreement(..., freq=f)`` and the
    coefficients above (see the module docstring): ``pa = sum f pa_i / n2``, ``pi = sum f r_ik / r_i / n``, the
    chance terms of :func:`ac_chance` and :func:`bp_chance`, and alpha's ``rbar``, ``eps`` and ``pi`` over the
    units with two or more ratings, evaluated for all replicates at once as (replicates x units) matrix
    products instead of one engine call per replicate (dense tables; keys as ``gwet_ac`` for AC1/AC2). The
    quadratic forms pi'W pi of a batch are one einsum, so their last bits may differ from the single-table
    path's (which applies the kernel); no replicate is ever compared with that path bit for bit."""
    w, q = a.weights, a.q
    total = a.kernel.total()
    n_b = m.sum(axis=1)
    n2_b = m @ a.multi.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pa = (m @ a.pa_i) / n2_b
        pi = (m @ (a.counts / a.ri[:, None])) / n_b[:, None]
        out = {"percent_agreement": pa}
        pe = np.einsum("bk,kl,bl->b", pi, w, pi)
        out["fleiss_kappa"] = (pa - pe) / (1 - pe)
        if q > 1:
            pe = ac_chance(pi, total, q)
            out["gwet_ac"] = (pa - pe) / (1 - pe)
        pe = bp_chance(total, q)
        out["brennan_prediger"] = (pa - pe) / (1 - pe)
        # Krippendorff's alpha (Gwet's formulation): units with >= 2 ratings only
        mm = m[:, a.multi]
        c, ri = a.counts[a.multi], a.ri[a.multi]
        nk = mm.sum(axis=1)
        rbar = (mm @ ri) / nk
        sum_q = (c * (c @ w.T - 1)).sum(axis=1)
        pa_prime = (mm @ (sum_q / (ri - 1))) / (nk * rbar)
        eps = 1 / (mm @ ri)
        pa_k = (1 - eps) * pa_prime + eps
        pik = (mm @ c) / (nk * rbar)[:, None]
        pe = np.einsum("bk,kl,bl->b", pik, w, pik)
        out["krippendorff_alpha"] = (pa_k - pe) / (1 - pe)
    return out


def fleiss_null_se(counts: np.ndarray, freq: np.ndarray | None = None) -> dict[str, float] | None:
    """Fleiss, Nee & Landis (1979) SE of Fleiss' kappa under H0: kappa = 0, with z and two-sided p, as R
    irr::kappam.fleiss reports it; also each category's kappa (Fleiss 1971) with its null SE and z.

    Defined for units with the same number m >= 2 of ratings; irr keeps only complete units, so only units
    rated by the modal number of coders are used here. Returns None when fewer than two such units exist.
    ``freq``: how many units each row stands for (whole numbers; the sums of counts are then exact, the mean
    agreement a weighted one: the full table's to the last bits).
    """
    from irrkit.statistics.distributions import ndtr

    counts = np.asarray(counts, dtype=float)
    ri = np.einsum("ij->i", counts)  # whole numbers: exact in any order (so are the sums of products below)
    if not len(ri):
        return None
    if freq is not None:
        freq = frequencies(freq, len(ri))
        ri = np.where(freq > 0, ri, -1)  # rows that stand for no unit: not the modal number of ratings
    m = ri.max()
    full = ri == m
    x = counts if full.all() else counts.take(np.flatnonzero(full), axis=0)
    f = None if freq is None else freq[full]
    n = x.shape[0] if f is None else int(f.sum())
    if n < 2 or m < 2:
        return None
    if f is None:
        p = (np.einsum("ij->j", x) if x.shape[1] >= 2 else x.sum(axis=0)) / (n * m)  # see CHUNK
    else:
        p = np.einsum("i,ij->j", f, x) / (n * m)  # whole numbers: exact
    pq = p * (1 - p)
    s = pq.sum()
    if s <= 0:
        return None
    pa_u = np.einsum("ij,ij->i", x, x - 1) / (m * (m - 1))
    pa = pa_u.mean() if f is None else f @ pa_u / n
    pe = (p**2).sum()
    kappa = (pa - pe) / (1 - pe)
    se0 = np.sqrt(2) / (s * np.sqrt(n * m * (m - 1))) * np.sqrt(s**2 - (pq * (1 - 2 * p)).sum())
    z = kappa / se0
    with np.errstate(divide="ignore", invalid="ignore"):
        disagree = np.einsum("ij,ij->j", x, m - x) if f is None else np.einsum("i,ij,ij->j", f, x, m - x)
        kj = 1 - disagree / (n * m * (m - 1) * pq)
    se_j = np.sqrt(2 / (n * m * (m - 1)))
    return {
        "kappa": float(kappa), "se_null": float(se0), "z": float(z), "p_two_sided": float(2 * ndtr(-abs(z))),
        "n_units": int(n), "raters": int(m),
        "per_category_kappa": [float(v) if np.isfinite(v) else None for v in kj],
        "per_category_se_null": float(se_j),
        "per_category_z": [float(v / se_j) if np.isfinite(v) else None for v in kj],
    }
