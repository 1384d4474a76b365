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
