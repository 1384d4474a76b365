"""Agreement on continuous measures: Lin's concordance correlation, the overall CCC of several coders and the
Bland-Altman limits of agreement with proportional bias.

Conventions, as R's epiR ``epi.ccc`` and DescTools ``CCC`` (the two compute the same) and blandr
``blandr.statistics``:

- Lin's CCC ρc = 2 s_xy / (s_x² + s_y² + (x̄ − ȳ)²) with moments divided by n (Lin 1989, eq. 3); its SE is Lin's
  asymptotic one as corrected in Lin (2000), with n − 2; the CI is Fisher's z: tanh(atanh ρc ± z SE / (1 − ρc²)).
- The overall CCC of J coders (Lin 1989, Barnhart, Haber & Song 2002, eq. 6):
  ρc° = 2 Σ_{j<k} s_jk / ((J − 1) Σ_j s_j² + Σ_{j<k} (x̄_j − x̄_k)²), on the units every coder rated; SE by the
  delta method from the units' terms (the sandwich variance of Barnhart et al.'s estimating equations), CI by
  Fisher's z. With two coders it is Lin's CCC.
- Limits of agreement (Bland & Altman 1986, 1999): bias d̄ ± 1.96 SD of the differences; the CI of the bias
  d̄ ± t(n−1) SD/√n, the CIs of the limits ± t(n−1) SD √(1/n + z²/(2(n−1))) (Bland & Altman 1999, §4.2: the
  approximate SE, as blandr; BlandAltmanLeh uses the cruder √(3/n) SD of the 1986 paper). Proportional bias:
  the least-squares slope of the differences on the pair means, two-sided t test with n − 2 df.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from irrkit.statistics import distributions as special
from irrkit.statistics.results import Coefficient, finite_or_none, undefined

LOA_MULTIPLIER = 1.96  # Bland & Altman's (and blandr's, BlandAltmanLeh's) multiplier of the SD
PROPORTIONAL_ALPHA = 0.05
NO_P = "no p-value: a test of CCC = 0 says little about agreement; read the CI"
ACCURACY_MAX_CODERS = 200  # the overall accuracy and precision need every pair: up to this many coders


def _z(confidence: float) -> float:
    return float(special.ndtri(1 - (1 - confidence) / 2))


def _fisher_ci(value: float, se: float, confidence: float) -> tuple[float | None, float | None, str | None]:
    """tanh(atanh ρ ± z SE / (1 − ρ²)): the CI of a correlation-type coefficient on Fisher's z scale."""
    if abs(value) >= 1:
        return None, None, "perfect concordance (|CCC| = 1): Fisher's z is infinite, no CI"
    zt, se_t = math.atanh(value), se / (1 - value * value)
    z = _z(confidence)
    return math.tanh(zt - z * se_t), math.tanh(zt + z * se_t), None


def _pairs(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    both = ~(np.isnan(x) | np.isnan(y))
    return x[both], y[both]


@dataclass(frozen=True)
class PairMoments:
    """The moments of two coders' ratings over the units both rated: n, the means and the sums of squared and
    crossed deviations from the means (not divided). Every two-coder statistic here is a function of them."""

    n: int
    mean_x: float
    mean_y: float
    sxx: float
    syy: float
    sxy: float


def pair_moments(x: Any, y: Any) -> PairMoments:
    """The :class:`PairMoments` of two coders' ratings (units where both are not NaN)."""
    x, y = _pairs(x, y)
    n = len(x)
    if not n:
        return PairMoments(0, math.nan, math.nan, 0.0, 0.0, 0.0)
    mx, my = float(x.mean()), float(y.mean())
    dx, dy = x - mx, y - my
    return PairMoments(n, mx, my, float(dx @ dx), float(dy @ dy), float(dx @ dy))


def lin_ccc(x: Any, y: Any, confidence: float = 0.95, moments: PairMoments | None = None) -> Coefficient:
    """Lin's concordance correlation coefficient of two coders (units both rated), SE (Lin 2000) and Fisher-z CI;
    from ``moments`` when given (then ``x``, ``y`` are not read).

    ``extra``: Pearson's r (precision), C_b = ρc / r (accuracy, Lin 1989 p. 258), the scale shift v = s_y / s_x
    and the location shift u = (ȳ − x̄) / √(s_x s_y) (moments over n)."""
    key = "ccc"
    m = moments if moments is not None else pair_moments(x, y)
    n = m.n
    if n < 3:
        return undefined(key, f"units rated by both coders: {n}; Lin's CCC needs at least 3", n)
    mx, my = m.mean_x, m.mean_y
    sx2, sy2, sxy = m.sxx / n, m.syy / n, m.sxy / n
    denom = sx2 + sy2 + (mx - my) ** 2
    if denom == 0 or (sx2 == 0 and sy2 == 0 and math.isclose(mx, my, rel_tol=1e-12)):  # (means up to rounding)
        return undefined(key, "every rating is the same value: no variation to agree on", n)
    p = 2 * sxy / denom
    method = "Lin (1989, 2000): asymptotic SE with n − 2, CI on Fisher's z scale"
    if sx2 == 0 or sy2 == 0:
        return Coefficient(key, p, n_units=n, method=method, reason="a coder gave one value throughout: Pearson's r "
                           "and the SE are not defined", extra={"pearson_r": None, "bias_correction": None})
    r = sxy / math.sqrt(sx2 * sy2)
    u = (my - mx) / (sx2 * sy2) ** 0.25
    extra = {"pearson_r": float(r), "bias_correction": float(p / r) if r else None,
             "scale_shift": math.sqrt(sy2 / sx2), "location_shift": float(u)}
    if r == 0:
        return Coefficient(key, float(p), n_units=n, method=method, extra=extra,
                           reason="Pearson's r is 0: Lin's SE divides by it")
    var = ((1 - r * r) * p * p * (1 - p * p) / (r * r) + 2 * p ** 3 * (1 - p) * u * u / r
           - 0.5 * p ** 4 * u ** 4 / (r * r)) / (n - 2)
    se = math.sqrt(max(var, 0.0))
    low, high, why = _fisher_ci(p, se, confidence)
    return Coefficient(key, float(p), float(se), low, high, n_units=n, method=method,
                       reason="; ".join(filter(None, [why, NO_P])), extra=extra)


def overall_ccc(values: Any, confidence: float = 0.95, ddof: int = 0) -> Coefficient:
    """The overall CCC of a units x coders matrix (Barnhart, Haber & Song 2002, eq. 6; Lin 1989's OCCC), on the
    units every coder rated, its delta-method SE from the units' terms and a Fisher-z CI.

    ``ddof=1`` takes variances and covariances over n − 1 as epiR's ``epi.occc`` does (the value only: the SE is
    the moments' over n). ``extra``: the overall precision and accuracy (Barnhart et al. 2002, eq. 7), pairs."""
    key = "overall_ccc"
    v = np.asarray(values, dtype=float)
    if v.ndim != 2:
        v = v.reshape(0, 0)
    if v.shape[0]:  # coders who rated nothing do not count (with no units: every coder counts, none is complete)
        v = v[:, ~np.isnan(v).all(axis=0)]
    x = v[~np.isnan(v).any(axis=1)]
    n, j = x.shape
    if j < 2:
        return undefined(key, f"{j} coder(s): the overall CCC needs at least two", n)
    if n < 3:
        return undefined(key, f"units rated by all {j} coders: {n}; the overall CCC needs at least 3", n)
    m = x.mean(axis=0)
    e = x - m
    ee = e * e
    var = ee.sum(axis=0) / (n - ddof)
    row = e.sum(axis=1)
    # O(n J), no J x J matrix: 2 Σ_{j<k} s_jk = Σ_i ((Σ_j e_ij)² − Σ_j e_ij²) / (n − ddof) and
    # Σ_{j<k} (x̄_j − x̄_k)² = J Σ_j x̄_j² − (Σ_j x̄_j)²
    num = float((row @ row - ee.sum()) / (n - ddof))
    spread = float(max(j * (m @ m) - m.sum() ** 2, 0.0))
    den = (j - 1) * float(var.sum()) + spread
    if den == 0:
        return undefined(key, "every rating is the same value: no variation to agree on", n)
    rho = num / den
    extra: dict[str, Any] = {"n_coders": int(j)}
    if j <= ACCURACY_MAX_CODERS:
        # each pair's accuracy, the overall accuracy and precision (Barnhart et al. 2002 eq. 7; weights
        # ξ_jk = s_j² + s_k² + (x̄_j − x̄_k)², as epiR's epi.occc)
        iu = np.triu_indices(j, 1)
        dm = (m[:, None] - m[None, :])[iu]
        ksi = var[iu[0]] + var[iu[1]] + dm ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            vv = np.sqrt(var[iu[0]] / var[iu[1]])
            accu = 2 / (vv + 1 / vv + dm ** 2 / np.sqrt(var[iu[0]] * var[iu[1]]))
            oaccu = float((ksi * accu).sum() / ksi.sum())
        extra.update(accuracy=finite_or_none(oaccu), precision=finite_or_none(rho / oaccu) if oaccu else None)
    # delta method: the units' terms of numerator and denominator, moments over n (Barnhart et al.'s estimator)
    c0 = (n - ddof) / n
    num0, den0 = num * c0, (j - 1) * float(var.sum()) * c0 + spread
    psi_num = (row * row - ee.sum(axis=1)) - num0  # Σ_{j≠k} e_j e_k − 2 Σ_{j<k} s_jk
    # (J − 1) Σ_j (e_j² − s_j²) + Σ_{j<k} 2 (x̄_j − x̄_k)(e_j − e_k), the latter = 2 Σ_j e_j (J x̄_j − Σ_k x̄_k)
    psi_den = (j - 1) * (ee.sum(axis=1) - float(var.sum()) * c0) + 2 * e @ (j * m - m.sum())
    psi = (psi_num - num0 / den0 * psi_den) / den0
    se = float(math.sqrt((psi @ psi) / (n * n)))
    low, high, why = _fisher_ci(float(rho), se, confidence)
    method = ("Barnhart, Haber & Song (2002): delta-method SE from the units' terms, CI on Fisher's z scale; units "
              "rated by every coder")
    return Coefficient(key, float(rho), se, low, high, n_units=n, method=method,
                       reason="; ".join(filter(None, [why, NO_P])), extra=extra)


@dataclass(frozen=True)
class LimitsOfAgreement:
    """Bland-Altman bias and limits of agreement of a − b with their CIs, and the test of proportional bias."""

    a: str
    b: str
    n_units: int = 0
    bias: float | None = None
    sd: float | None = None
    lower: float | None = None
    upper: float | None = None
    bias_ci_low: float | None = None
    bias_ci_high: float | None = None
    lower_ci_low: float | None = None
    lower_ci_high: float | None = None
    upper_ci_low: float | None = None
    upper_ci_high: float | None = None
    se_bias: float | None = None
    se_limit: float | None = None
    slope: float | None = None  # of the differences on the pair means
    intercept: float | None = None
    slope_se: float | None = None
    slope_p: float | None = None
    proportional_bias: bool | None = None  # the slope differs from 0 at PROPORTIONAL_ALPHA
    multiplier: float = LOA_MULTIPLIER
    status: str = "ok"
    reason: str | None = None
    method: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok" and self.bias is not None

    def to_dict(self) -> dict[str, Any]:
        return {k: finite_or_none(v) if isinstance(v, float) else v for k, v in asdict(self).items()}


def limits_of_agreement(x: Any, y: Any, a: str = "a", b: str = "b", confidence: float = 0.95,
                        multiplier: float = LOA_MULTIPLIER, moments: PairMoments | None = None) -> LimitsOfAgreement:
    """Bland & Altman's (1986, 1999) bias and 95% limits of agreement of x − y (units with both values), their
    CIs (t(n−1); the limits' approximate SE of Bland & Altman 1999, as blandr) and the regression of the
    differences d on the means m (proportional bias: slope ≠ 0, two-sided t(n−2) test); from ``moments`` when
    given. With S the sums of deviations: S_dd = S_xx + S_yy − 2 S_xy, S_mm = (S_xx + S_yy + 2 S_xy) / 4,
    S_md = (S_xx − S_yy) / 2, slope S_md / S_mm, residual sum of squares S_dd − S_md² / S_mm."""
    mo = moments if moments is not None else pair_moments(x, y)
    n = mo.n
    method = (f"Bland & Altman (1999): bias ± {multiplier:g} SD; CIs t(n−1), limits' SE SD·√(1/n + z²/(2(n−1))); "
              "proportional bias: slope of differences on means, t(n−2)")
    if n < 2:
        return LimitsOfAgreement(a, b, n, status="undefined", method=method,
                                 reason=f"units rated by both: {n}; limits of agreement need at least 2")
    bias = mo.mean_x - mo.mean_y
    sdd = max(mo.sxx + mo.syy - 2 * mo.sxy, 0.0)
    sd = math.sqrt(sdd / (n - 1))
    t = float(special.stdtrit(n - 1, 1 - (1 - confidence) / 2))
    z = _z(confidence)
    se_bias = sd / math.sqrt(n)
    se_limit = sd * math.sqrt(1 / n + z * z / (2 * (n - 1)))
    lower, upper = bias - multiplier * sd, bias + multiplier * sd
    slope = intercept = slope_se = slope_p = prop = None
    why = None
    smm = (mo.sxx + mo.syy + 2 * mo.sxy) / 4
    if n < 3:
        why = "2 units rated by both: no test of proportional bias (it needs 3)"
    elif smm <= 0:
        why = "every pair has the same mean: no regression of the differences on the means"
    else:
        smd = (mo.sxx - mo.syy) / 2
        slope = smd / smm
        intercept = bias - slope * (mo.mean_x + mo.mean_y) / 2
        slope_se = math.sqrt(max(sdd - smd * smd / smm, 0.0) / (n - 2) / smm)
        if slope_se > 0:
            slope_p = 2 * float(special.stdtr(n - 2, -abs(slope) / slope_se))
        else:
            slope_p = 0.0 if slope else 1.0
        prop = slope_p < PROPORTIONAL_ALPHA
    return LimitsOfAgreement(
        a, b, n, bias, sd, lower, upper, bias - t * se_bias, bias + t * se_bias, lower - t * se_limit,
        lower + t * se_limit, upper - t * se_limit, upper + t * se_limit, se_bias, se_limit, slope, intercept,
        slope_se, slope_p, prop, multiplier, reason=why, method=method)


def column_moments(x: Any, y: Any) -> list[PairMoments]:
    """:class:`PairMoments` of column k of ``x`` with column k of ``y`` for every k (units where both are not
    NaN), all columns in one pass each."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    both = ~(np.isnan(x) | np.isnan(y))
    n = both.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = np.where(both, x, 0.0).sum(axis=0) / n
        my = np.where(both, y, 0.0).sum(axis=0) / n
    dx, dy = np.where(both, x - mx, 0.0), np.where(both, y - my, 0.0)
    sxx, syy, sxy = (dx * dx).sum(axis=0), (dy * dy).sum(axis=0), (dx * dy).sum(axis=0)
    return [PairMoments(int(n[k]), float(mx[k]), float(my[k]), float(sxx[k]), float(syy[k]), float(sxy[k]))
            if n[k] else PairMoments(0, math.nan, math.nan, 0.0, 0.0, 0.0) for k in range(x.shape[1])]


def all_pair_moments(values: Any) -> dict[tuple[int, int], PairMoments]:
    """:class:`PairMoments` of every pair of columns j < k of a units x coders matrix (units both rated), from
    four matrix products over the units (O(n J²) in BLAS, not a pass per pair); each column is first centred on
    its own mean, so the sums keep their precision at any offset."""
    v = np.asarray(values, dtype=float)
    rated = ~np.isnan(v)
    c = np.zeros(v.shape[1])
    cnt = rated.sum(axis=0)
    np.divide(np.where(rated, v, 0.0).sum(axis=0), cnt, out=c, where=cnt > 0)
    x = np.where(rated, v - c, 0.0)
    mk = rated.astype(float)
    nn = mk.T @ mk  # units both rated
    sx = x.T @ mk  # [j, k]: Σ x_j over the units j and k rated
    sxx = (x * x).T @ mk
    sxy = x.T @ x
    out = {}
    for j, k in zip(*np.triu_indices(v.shape[1], 1)):
        n = int(round(nn[j, k]))
        if not n:
            out[(int(j), int(k))] = PairMoments(0, math.nan, math.nan, 0.0, 0.0, 0.0)
            continue
        mx, my = sx[j, k] / n, sx[k, j] / n
        out[(int(j), int(k))] = PairMoments(n, float(c[j] + mx), float(c[k] + my), _centred(sxx[j, k], n, mx),
                                            _centred(sxx[k, j], n, my), float(sxy[j, k] - n * mx * my))
    return out


def _centred(total: float, n: int, mean: float) -> float:
    """Σ(x - mean)² from Σx² - n mean²; a pair whose shared ratings are one value throughout gives 0, not the
    rounding residue (which can be negative)."""
    ss = float(total - n * mean * mean)
    return 0.0 if ss <= 1e-12 * float(total) else ss


__all__ = ["LOA_MULTIPLIER", "LimitsOfAgreement", "PairMoments", "all_pair_moments", "column_moments",
           "limits_of_agreement", "lin_ccc", "overall_ccc", "pair_moments"]
