"""Normal, Student t and F distribution functions for CIs and p-values.

Six scalar functions with scipy.special's meaning (``ndtr``, ``ndtri``, ``stdtr``, ``stdtrit``, ``fdtrc``,
``fdtri``), written here because importing scipy.special costs about a quarter of a second on every command
(in SciPy 1.17 it loads the array-API layer, which imports most of NumPy's submodules), while a whole
``irrkit check`` of a round takes less. The tests hold every function against scipy.special on wide grids.

* Normal: ``math.erfc`` (cdf) and ``statistics.NormalDist.inv_cdf`` (Wichura 1988, AS 241; full double
  precision).
* t and F through the regularised incomplete beta function I_x(a, b) (Abramowitz & Stegun 26.5.27 for t,
  26.6.2 for F), evaluated by its continued fraction (DLMF 8.17.22) with the modified Lentz algorithm
  (Lentz 1976; Thompson & Barnett 1986), on the side x < (a + 1) / (a + b + 2) where it converges fast,
  the other side through I_x(a, b) = 1 - I_{1-x}(b, a) (DLMF 8.17.4).
* Quantiles by Newton's method on the cdf (derivative: the density), kept inside a bracket that bisection
  shrinks whenever a Newton step would leave it; remembered (a run asks for the same t and F quantiles for
  every coefficient of every item).

The continued fraction needs about sqrt(max(a, b)) terms; for degrees of freedom beyond 2e8 (or a
non-finite argument) the functions hand over to scipy.special.
"""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

_EPS = 1e-15
_TINY = 1e-300
_MAX_TERMS = 100_000
_BIG_DF = 2e8
_STD_NORMAL = NormalDist()


def ndtr(x: float) -> float:
    """Standard normal cdf P(Z <= x) (scipy.special.ndtr)."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def ndtri(p: float) -> float:
    """Standard normal quantile (scipy.special.ndtri): -inf at 0, inf at 1, nan outside [0, 1]."""
    if not 0.0 < p < 1.0:
        return -math.inf if p == 0.0 else math.inf if p == 1.0 else math.nan
    return _STD_NORMAL.inv_cdf(p)


def _scipy(name: str, *args: float) -> float:
    from scipy import special  # only for arguments beyond the continued fraction's reach

    return float(getattr(special, name)(*args))


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400)


def _stirling_error(x: float) -> float:
    """lgamma(x) - [(x - 1/2) log x - x + log(2 pi) / 2] for x >= 15 (the Stirling series, DLMF 5.11.1)."""
    r, x2, total = 1.0 / x, 1.0 / (x * x), 0.0
    for c in _STIRLING:
        total += c * r
        r *= x2
    return total


def _log_ratio(x: float, s: float, a: float, diff: float) -> float:
    """log(x s / a), given diff = x s - a computed without cancellation (log1p near 1)."""
    return math.log1p(diff / a) if abs(diff) < 0.5 * a else math.log(x) + math.log(s / a)


def _log_front(a: float, b: float, x: float, y: float) -> float:
    """log[x^a y^b / B(a, b)], y = 1 - x. For large a or b the terms of lgamma that cancel are taken out
    analytically (Stirling's series), so that the result keeps its precision when the degrees of freedom
    run into the millions (plain lgamma differences lose about log10(a) digits)."""
    if max(a, b) < 15:
        return a * math.log(x) + b * math.log(y) - _log_beta(a, b)
    if a < b:  # symmetric: x^a y^b / B(a, b) with the roles swapped
        a, b, x, y = b, a, y, x
    s = a + b
    head = a * _log_ratio(x, s, a, x * b - y * a) + 0.5 * math.log(a / s)
    if b < 15:  # lgamma(b) directly; lgamma(a) - lgamma(s) by Stirling
        return head + b * math.log(y * s) - math.lgamma(b) - b - _stirling_error(a) + _stirling_error(s)
    return (head + b * _log_ratio(y, s, b, y * a - x * b) + 0.5 * math.log(b / s) + 0.5 * math.log(s)
            - 0.5 * math.log(2 * math.pi) - _stirling_error(a) - _stirling_error(b) + _stirling_error(s))


def _continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b) (DLMF 8.17.22), modified Lentz; None-free: raises if it stalls."""
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, _MAX_TERMS):
        for num in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                    -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + num / c
            c = c if abs(c) > _TINY else _TINY
            h *= c * d
        if abs(c * d - 1.0) < _EPS:
            return h
    raise ArithmeticError("the incomplete beta continued fraction did not converge")


def incomplete_beta(a: float, b: float, x: float, y: float | None = None) -> tuple[float, float]:
    """(I_x(a, b), 1 - I_x(a, b)) for a, b > 0 and x in [0, 1]; ``y`` = 1 - x when the caller has it exactly."""
    y = 1.0 - x if y is None else y
    if x <= 0.0:
        return 0.0, 1.0
    if y <= 0.0:
        return 1.0, 0.0
    log_front = _log_front(a, b, x, y)
    use_x = x < (a + 1.0) / (a + b + 2.0)  # the side where the fraction converges fast ...
    if use_x and y + 1.0 / a < 1e-6 and y * (a + b + 2.0) < 2.0 * (b + 1.0):
        use_x = False  # ... unless its terms 1 - x (a + m)(a + b + m) / ... lose digits (~eps / (y + 1 / a))
    elif not use_x and x + 1.0 / b < 1e-6 and x * (a + b + 2.0) < 2.0 * (a + 1.0):
        use_x = True  # and the other side still converges
    if use_x:
        v = min(math.exp(log_front) * _continued_fraction(a, b, x) / a, 1.0)  # (rounding can pass 1 by an ulp)
        return v, 1.0 - v
    w = min(math.exp(log_front) * _continued_fraction(b, a, y) / b, 1.0)
    return 1.0 - w, w


def _usable(*args: float) -> bool:
    return all(math.isfinite(v) for v in args) and max(args[:2]) < _BIG_DF


def stdtr(df: float, t: float) -> float:
    """Student t cdf P(T_df <= t) (scipy.special.stdtr); A&S 26.5.27."""
    df, t = float(df), float(t)  # plain floats: numpy scalars would warn where these overflow to inf
    if math.isnan(df) or math.isnan(t) or df <= 0:
        return math.nan
    if not _usable(df, df, t):
        return _scipy("stdtr", df, t)
    tt = t * t
    tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + tt), tt / (df + tt))[0]  # P(T > |t|)
    return 1.0 - tail if t > 0 else tail


def _t_density(df: float, t: float) -> float:
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_c - (df + 1) / 2 * math.log1p(t * t / df))


def _solve(tail, density, q: float, start: float, lo: float = 0.0, hi: float = math.inf) -> float:
    """The x in (lo, hi) with tail(x) = q for a decreasing tail function, by safeguarded Newton from ``start``."""
    x = min(max(start, lo + 1e-300), hi if math.isfinite(hi) else start)
    for _ in range(400):
        g = tail(x) - q
        if g == 0.0:
            return x
        if g > 0:
            lo = x
        else:
            hi = x
        dens = density(x)
        step = g / dens if dens > 0 else math.inf
        new = x + step
        if abs(step) <= 1e-15 * abs(x):  # converged (quadratically: the last step's error is far smaller)
            return new
        if not (lo < new < hi) or not math.isfinite(new):
            new = (lo + hi) / 2 if math.isfinite(hi) else max(16 * x, x + 1)
            if new in (lo, hi):  # the bracket is as narrow as the doubles allow
                return new
        x = new
    return x


@lru_cache(maxsize=4096)
def stdtrit(df: float, p: float) -> float:
    """Student t quantile (scipy.special.stdtrit): the t with P(T_df <= t) = p."""
    df, p = float(df), float(p)
    if math.isnan(df) or math.isnan(p) or df <= 0 or not 0.0 <= p <= 1.0:
        return math.nan
    if p in (0.0, 1.0):
        return -math.inf if p == 0.0 else math.inf
    if not _usable(df, df, p):
        return _scipy("stdtrit", df, p)
    if p == 0.5:
        return 0.0
    q = min(p, 1.0 - p)  # solve for the upper tail q at t > 0, then mirror
    z = -ndtri(q)
    start = z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df * df) if df >= 1 else z + 1
    # (Cornish-Fisher; for df < 1 the tail is too heavy for it: Newton and bisection from z + 1)
    t = _solve(lambda v: stdtr(df, -v), lambda v: _t_density(df, v), q, start)
    return t if p > 0.5 else -t


def _f_tails(d1: float, d2: float, f: float) -> tuple[float, float]:
    """(P(F <= f), P(F > f)) for F(d1, d2); A&S 26.6.2."""
    u, w = d1 * f, d2
    return incomplete_beta(d1 / 2.0, d2 / 2.0, u / (u + w), w / (u + w))


def fdtrc(d1: float, d2: float, f: float) -> float:
    """Upper tail P(F > f) of F(d1, d2) (scipy.special.fdtrc)."""
    d1, d2, f = float(d1), float(d2), float(f)
    if math.isnan(d1) or math.isnan(d2) or math.isnan(f) or d1 <= 0 or d2 <= 0 or f < 0:
        return math.nan
    if not _usable(d1, d2, f):
        return _scipy("fdtrc", d1, d2, f)
    return _f_tails(d1, d2, f)[1]


def _f_log_density(d1: float, d2: float, f: float) -> float:
    """log of the F(d1, d2) density at f > 0, in logs throughout (d1 f may underflow or overflow)."""
    a, b = d1 / 2.0, d2 / 2.0
    lf, l1, l2 = math.log(f), math.log(d1), math.log(d2)
    big, small = (l1 + lf, l2) if l1 + lf > l2 else (l2, l1 + lf)
    log_sum = big + math.log1p(math.exp(small - big))  # log(d1 f + d2)
    return a * (l1 + lf) + b * l2 - (a + b) * log_sum - lf - _log_beta(a, b)


@lru_cache(maxsize=4096)
def fdtri(d1: float, d2: float, p: float) -> float:
    """F(d1, d2) quantile (scipy.special.fdtri): the f with P(F <= f) = p."""
    d1, d2, p = float(d1), float(d2), float(p)
    if math.isnan(d1) or math.isnan(d2) or math.isnan(p) or d1 <= 0 or d2 <= 0 or not 0.0 <= p <= 1.0:
        return math.nan
    if p in (0.0, 1.0):
        return 0.0 if p == 0.0 else math.inf
    if not _usable(d1, d2, p):
        return _scipy("fdtri", d1, d2, p)
    # Newton in u = log f (the tails are smooth and monotone in u); start at the Wilson-Hilferty value.
    z = ndtri(p)
    h1, h2 = 2.0 / (9.0 * d1), 2.0 / (9.0 * d2)
    num = (1 - h2) * (1 - h1) + z * math.sqrt(max((1 - h2) ** 2 * h1 + (1 - h1) ** 2 * h2 - z * z * h1 * h2, 0.0))
    den = (1 - h2) ** 2 - z * z * h2
    log_start = min(max(3 * math.log(num / den), -740.0), 709.0) if den > 0 and num > 0 else 0.0
    shift = 800.0  # u + shift > 0 for every f the doubles can hold: _solve works on positive numbers
    if p > 0.5:  # the upper tail (exact for small 1 - p) decreases in u
        tail, q = (lambda s: _f_tails(d1, d2, math.exp(s - shift))[1]), 1.0 - p
    else:  # minus the lower tail (exact for small p) decreases in u
        tail, q = (lambda s: -_f_tails(d1, d2, math.exp(s - shift))[0]), -p

    def density(s: float) -> float:
        f = math.exp(s - shift)
        return math.exp(min(_f_log_density(d1, d2, f) + s - shift, 700.0))  # density in u = log f, no overflow

    s = _solve(tail, density, q, log_start + shift, shift - 740.0, shift + 709.0)
    return math.exp(s - shift)


def chdtrc(df: float, x: float) -> float:
    """Upper tail P(X > x) of chi-square(df) (scipy.special.chdtrc): the regularised upper incomplete gamma
    Q(df/2, x/2), by its series (DLMF 8.11.4, x < a + 1) or its continued fraction (DLMF 8.9.2, modified Lentz)."""
    df, x = float(df), float(x)
    if math.isnan(df) or math.isnan(x) or df <= 0:
        return math.nan
    if x <= 0:
        return 1.0
    if math.isinf(x):
        return 0.0
    a, z = df / 2.0, x / 2.0
    front = a * math.log(z) - z - math.lgamma(a)
    if z < a + 1:  # P by its series, Q = 1 - P
        term = total = 1.0 / a
        k = a
        for _ in range(_MAX_TERMS):
            k += 1
            term *= z / k
            total += term
            if abs(term) < abs(total) * _EPS:
                break
        return max(0.0, 1.0 - total * math.exp(front))
    b = z + 1 - a
    c, d = 1 / _TINY, 1 / b
    h = d
    for i in range(1, _MAX_TERMS):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1 / d
        step = d * c
        h *= step
        if abs(step - 1) < _EPS:
            break
    return math.exp(front) * h
