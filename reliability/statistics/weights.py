"""Agreement weight matrices (Gwet 2014, ch. 3; the definitions of R irrCAC's *.weights functions).

Each function takes the numeric category values ``x`` (in category order) and returns a q x q matrix with
ones on the diagonal. Non-numeric categories use their ranks 1..q. Krippendorff's (2004) metrics for alpha
are :func:`krippendorff_weights` (the ordinal metric depends on the marginal frequencies).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

WEIGHT_NAMES = ("identity", "linear", "quadratic", "ordinal", "radical", "ratio", "circular", "bipolar")


def _grid(x: Sequence[float]) -> tuple[np.ndarray, np.ndarray, float, float]:
    v = np.asarray(x, dtype=float)
    return v[:, None], v[None, :], float(v.min()), float(v.max())


def identity(x: Sequence[float]) -> np.ndarray:
    return np.eye(len(x))


def linear(x: Sequence[float]) -> np.ndarray:
    k, m, lo, hi = _grid(x)
    return 1 - np.abs(k - m) / (hi - lo)


def quadratic(x: Sequence[float]) -> np.ndarray:
    k, m, lo, hi = _grid(x)
    return 1 - (k - m) ** 2 / (hi - lo) ** 2


def radical(x: Sequence[float]) -> np.ndarray:
    k, m, lo, hi = _grid(x)
    return 1 - np.sqrt(np.abs(k - m)) / np.sqrt(hi - lo)


def ratio(x: Sequence[float]) -> np.ndarray:
    k, m, lo, hi = _grid(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = ((k - m) / (k + m)) ** 2
    d = np.nan_to_num(d)  # 0/0 on the diagonal when a value is 0
    return 1 - d / ((hi - lo) / (hi + lo)) ** 2


def circular(x: Sequence[float]) -> np.ndarray:
    k, m, lo, hi = _grid(x)
    d = np.sin(np.pi * (k - m) / (hi - lo + 1)) ** 2
    return 1 - d / d.max()


def bipolar(x: Sequence[float]) -> np.ndarray:
    k, m, lo, hi = _grid(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = (k - m) ** 2 / ((k + m - 2 * lo) * (2 * hi - k - m))
    d = np.where(np.eye(len(x), dtype=bool), 0.0, np.nan_to_num(d, nan=0.0, posinf=0.0))
    return 1 - d / d.max()


def ordinal(x: Sequence[float]) -> np.ndarray:
    """Rank-based: 1 - C(|k-l|+1, 2) / max (values are not used, only the order)."""
    r = np.arange(len(x))
    m = np.abs(r[:, None] - r[None, :]) + 1
    d = m * (m - 1) / 2
    return 1 - d / d.max()


_BY_NAME = {f.__name__: f for f in (identity, linear, quadratic, ordinal, radical, ratio, circular, bipolar)}


def weight_matrix(name: str, values: Sequence[float]) -> np.ndarray:
    """The named weight matrix for categories with numeric ``values`` (identity for a single category)."""
    if name not in _BY_NAME:
        raise ValueError(f"unknown weights '{name}' (allowed: {', '.join(WEIGHT_NAMES)})")
    if len(values) < 2:
        return np.ones((len(values), len(values)))
    return _BY_NAME[name](values)


def krippendorff_weights(level: str, values: Sequence[float], marginals: np.ndarray | None = None) -> np.ndarray:
    """1 - d/max(d) for Krippendorff's difference functions (Krippendorff 2004, ch. 11).

    nominal: identity; interval: squared difference; ratio: ((c-k)/(c+k))^2; ordinal: the squared sum of
    the marginal frequencies between c and k, minus half those of c and k (needs ``marginals``).
    """
    if level == "nominal" or len(values) < 2:
        return np.eye(len(values))
    if level == "interval":
        return quadratic(values)
    if level == "ratio":
        return ratio(values)
    if level == "ordinal":
        n = np.asarray(marginals, dtype=float)
        cum = np.concatenate([[0.0], np.cumsum(n)])
        i = np.arange(len(n))
        lo, hi = np.minimum(i[:, None], i[None, :]), np.maximum(i[:, None], i[None, :])
        d = (cum[hi + 1] - cum[lo] - (n[lo] + n[hi]) / 2) ** 2
        return 1 - d / d.max() if d.max() > 0 else np.eye(len(n))
    raise ValueError(f"unknown level '{level}'")


# ------------------------------------------------------------------------------------------ weight kernels
# A kernel is a weight matrix that is never built when the categories are many: the engine asks it for
# sum(w), W P (a few q-vectors at a time) and, per unit, the sum of w over ordered pairs of ratings.
# Closed forms (Gwet 2014, ch. 3 definitions, rewritten):
#   quadratic: w_kl = 1 - (x_k - x_l)^2 / D^2, so sum_l w_kl p_l = P0 - (x_k^2 P0 - 2 x_k P1 + P2) / D^2 with the
#              moments P_m = sum_l x_l^m p_l, and over a unit's ratings sum_jj' (x_j - x_j')^2 = 2 r SS (SS about the
#              unit's mean);
#   linear:    w_kl = 1 - |x_k - x_l| / D, sum_l |x_k - x_l| p_l = x_k A_k - B_k + (B - B_k) - x_k (A - A_k) with the
#              cumulative sums A_k = sum_{l<=k} p_l, B_k = sum_{l<=k} x_l p_l over the sorted values;
#   ordinal:   d = C(|k-l| + 1, 2) = (|k-l|^2 + |k-l|) / 2 on the ranks: quadratic plus linear;
#   Krippendorff's ordinal metric: (F_k - F_l)^2 with F_k = sum_{g<k} n_g + n_k / 2 (the mid-cumulative
#              frequency): quadratic on F; interval: quadratic on the values.
# Radical, ratio, circular, bipolar and custom matrices have no such form: W is evaluated block by block.

BLOCK_BYTES = 64 << 20  # the most a block of a weight matrix may take


class Kernel:
    """Weights w_kl over q categories with positions ``t`` (sorted where a closed form needs it)."""

    q: int
    is_identity = False
    symmetric = True
    closed_form = True  # False: W P costs q^2 evaluations

    def matrix(self) -> np.ndarray:
        raise NotImplementedError

    def total(self) -> float:
        """sum_kl w_kl."""
        raise NotImplementedError

    def apply(self, p: np.ndarray) -> np.ndarray:
        """W p for a q-vector or a q x m matrix (W is symmetric for every kernel but a custom matrix)."""
        raise NotImplementedError

    def apply_t(self, p: np.ndarray) -> np.ndarray:
        """W' p."""
        return self.apply(p)

    def apply_sym(self, p: np.ndarray) -> np.ndarray:
        """(W p + W' p) / 2 (one pass for a symmetric kernel)."""
        wp = self.apply(p)
        return wp if self.symmetric else (wp + self.apply_t(p)) / 2


class MatrixKernel(Kernel):
    """An explicit q x q matrix (few categories, or a codebook's custom matrix)."""

    closed_form = False

    def __init__(self, w: np.ndarray) -> None:
        self.w = np.asarray(w, dtype=float)
        self.q = self.w.shape[0]
        self.is_identity = bool(np.array_equal(self.w, np.eye(self.q)))
        self.symmetric = bool(np.array_equal(self.w, self.w.T))

    def matrix(self) -> np.ndarray:
        return self.w

    def total(self) -> float:
        return float(self.w.sum())

    def apply(self, p: np.ndarray) -> np.ndarray:
        return self.w @ p

    def apply_t(self, p: np.ndarray) -> np.ndarray:
        return self.w.T @ p

    def pair(self, k: np.ndarray, m: np.ndarray) -> np.ndarray:
        return self.w[k, m]


class IdentityKernel(Kernel):
    is_identity = True

    def __init__(self, q: int) -> None:
        self.q = q

    def matrix(self) -> np.ndarray:
        return np.eye(self.q)

    def total(self) -> float:
        return float(self.q)

    def apply(self, p: np.ndarray) -> np.ndarray:
        return np.array(p, dtype=float)

    def pair(self, k: np.ndarray, m: np.ndarray) -> np.ndarray:
        return (k == m).astype(float)


class DifferenceKernel(Kernel):
    """w_kl = 1 - a (t_k - t_l)^2 - b |t_k - t_l| - c f(t_k, t_l) over positions ``t`` (ascending when b != 0).

    ``f`` (optional) is an elementwise symmetric difference function without closed form: its terms are
    evaluated block by block (``BLOCK_BYTES`` per block)."""

    def __init__(self, t: Sequence[float], sq: float = 0.0, ab: float = 0.0, fn=None, c: float = 0.0) -> None:
        t = np.asarray(t, dtype=float)
        self.q = len(t)
        self.centre = float(t.mean()) if len(t) else 0.0
        self.t = t - self.centre  # centred: the moment forms lose no digits to a large mean
        self.raw = t
        self.sq, self.ab, self.fn, self.c = sq, ab, fn, c
        self.closed_form = fn is None
        self._total: float | None = None
        self.is_identity = self.q <= 2  # every weight function is 0 between the two ends of its range
        if ab and np.any(np.diff(t) < 0):
            raise ValueError("linear terms need ascending positions")

    def matrix(self) -> np.ndarray:
        return self._block(0, self.q)

    def _block(self, lo: int, hi: int) -> np.ndarray:
        d = self.t[lo:hi, None] - self.t[None, :]
        w = 1.0 - self.sq * d * d - self.ab * np.abs(d)
        if self.fn is not None:
            w -= self.c * self.fn(self.raw[lo:hi, None], self.raw[None, :])
        return w

    def _rows(self) -> int:
        return max(1, min(self.q, BLOCK_BYTES // (8 * 3 * max(self.q, 1))))

    def total(self) -> float:
        t, q = self.t, self.q
        s = float(q) * q
        if self.sq:
            s -= self.sq * 2 * q * float((t * t).sum())  # sum_kl (t_k - t_l)^2 = 2 q sum (t - mean)^2
        if self.ab:
            s -= self.ab * 2 * float((t * (2 * np.arange(q) - q + 1)).sum())
        if self.fn is not None:
            if self._total is None:  # one pass over the q x q values, kept
                step, f = self._rows(), 0.0
                for lo in range(0, q, step):
                    f += float(self.fn(self.raw[lo:lo + step, None], self.raw[None, :]).sum())
                self._total = f
            s -= self.c * self._total
        return s

    def apply(self, p: np.ndarray) -> np.ndarray:
        p = np.asarray(p, dtype=float)
        vec = p.ndim == 1
        P = p[:, None] if vec else p
        t = self.t[:, None]
        p0 = P.sum(axis=0)
        out = np.broadcast_to(p0, P.shape).copy()
        if self.sq:
            p1, p2 = (t * P).sum(axis=0), (t * t * P).sum(axis=0)
            out -= self.sq * (t * t * p0 - 2 * t * p1 + p2)
        if self.ab:
            a_k = np.cumsum(P, axis=0)
            b_k = np.cumsum(t * P, axis=0)
            out -= self.ab * (t * a_k - b_k + (b_k[-1] - b_k) - t * (a_k[-1] - a_k))
        if self.fn is not None:
            step = self._rows()
            for lo in range(0, self.q, step):
                hi = min(self.q, lo + step)
                out[lo:hi] -= self.c * (self.fn(self.raw[lo:hi, None], self.raw[None, :]) @ P)
        return out[:, 0] if vec else out

    def pair(self, k: np.ndarray, m: np.ndarray) -> np.ndarray:
        d = self.t[k] - self.t[m]
        w = 1.0 - self.sq * d * d - self.ab * np.abs(d)
        if self.fn is not None:
            w -= self.c * self.fn(self.raw[k], self.raw[m])
        return w


def _radical_d(k: np.ndarray, m: np.ndarray) -> np.ndarray:
    return np.sqrt(np.abs(k - m))


def _ratio_d(k: np.ndarray, m: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(((k - m) / (k + m)) ** 2)


def _blockwise_max(t: np.ndarray, fn) -> float:
    q = len(t)
    step = max(1, min(q, BLOCK_BYTES // (8 * 3 * max(q, 1))))
    return max(float(fn(t[lo:lo + step, None], t[None, :]).max()) for lo in range(0, q, step))


def kernel(name: str, values: Sequence[float], dense_max: int = 0) -> Kernel:
    """The named weights over categories with numeric ``values`` as a kernel: a matrix when q <= ``dense_max``,
    else a closed form (identity, linear, quadratic, ordinal) or a blockwise one (radical, ratio, circular,
    bipolar). The same weights as :func:`weight_matrix`."""
    if name not in _BY_NAME:
        raise ValueError(f"unknown weights '{name}' (allowed: {', '.join(WEIGHT_NAMES)})")
    q = len(values)
    if q <= dense_max or q < 2:
        return MatrixKernel(weight_matrix(name, values))
    v = np.asarray(values, dtype=float)
    lo, hi = float(v.min()), float(v.max())
    ascending = bool(np.all(np.diff(v) >= 0))
    if name == "identity":
        return IdentityKernel(q)
    if name == "quadratic":
        return DifferenceKernel(v, sq=1 / (hi - lo) ** 2)
    if name == "ordinal":
        m = (q - 1) * q / 2
        return DifferenceKernel(np.arange(q, dtype=float), sq=1 / (2 * m), ab=1 / (2 * m))
    if name == "linear" and ascending:
        return DifferenceKernel(v, ab=1 / (hi - lo))
    if name == "linear":
        return DifferenceKernel(v, fn=lambda k, m: np.abs(k - m), c=1 / (hi - lo))
    if name == "radical":
        return DifferenceKernel(v, fn=_radical_d, c=1 / np.sqrt(hi - lo))
    if name == "ratio":
        return DifferenceKernel(v, fn=_ratio_d, c=1 / ((hi - lo) / (hi + lo)) ** 2)
    if name == "circular":
        def fn(k, m):
            return np.sin(np.pi * (k - m) / (hi - lo + 1)) ** 2
    else:  # bipolar
        def fn(k, m):
            with np.errstate(invalid="ignore", divide="ignore"):
                d = (k - m) ** 2 / ((k + m - 2 * lo) * (2 * hi - k - m))
            return np.where(k == m, 0.0, np.nan_to_num(d, nan=0.0, posinf=0.0))
    return DifferenceKernel(v, fn=fn, c=1 / _blockwise_max(v, fn))


def krippendorff_kernel(level: str, values: Sequence[float], marginals: np.ndarray | None = None,
                        dense_max: int = 0) -> Kernel:
    """Krippendorff's metric as a kernel (see :func:`krippendorff_weights`)."""
    q = len(values)
    if q <= dense_max or q < 2:
        return MatrixKernel(krippendorff_weights(level, values, marginals))
    if level == "nominal":
        return IdentityKernel(q)
    if level == "interval":
        return kernel("quadratic", values)
    if level == "ratio":
        return kernel("ratio", values)
    if level == "ordinal":
        n = np.asarray(marginals, dtype=float)
        f = np.concatenate([[0.0], np.cumsum(n)])[:-1] + n / 2  # mid-cumulative frequencies, ascending
        span = f[-1] - f[0]
        return DifferenceKernel(f, sq=1 / span**2) if span > 0 else IdentityKernel(q)
    raise ValueError(f"unknown level '{level}'")
