"""Agreement of an interval or ratio item as measurement: the CCC of each coder pair (the coder x coder matrix),
the Bland-Altman limits of each pair and, with more than two coders, of each coder against the mean of the others.

Each coder against the mean of the other coders is an ordinary Bland-Altman comparison of x_j with the mean of
the others' ratings of the unit (units rated by j and at least one other); it is not Jones et al.'s (2011) or
Christensen et al.'s (2020) limits of agreement with the mean, whose variance corrections differ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from irrkit.ratings import ItemRatings, rescaled
from irrkit.statistics.continuous import (
    LimitsOfAgreement,
    all_pair_moments,
    column_moments,
    limits_of_agreement,
    lin_ccc,
)
from irrkit.statistics.results import Coefficient

POINTS_MAX = 5000  # units whose (mean, difference) are kept for the Bland-Altman plot of a comparison
PLOTTED_PAIRS = 6  # pairs whose points are kept (with more coders: each coder against the mean of the others)
VS_OTHERS = "mean of the others"
PAIRS_MAX_CODERS = 50  # every pair (CCC, limits) up to this many coders (1,225 pairs)
VS_OTHERS_MAX_CODERS = 200  # each coder against the mean of the others up to this many coders


@dataclass
class ContinuousAgreement:
    """The item's pairwise CCCs and limits of agreement (``vs_others``: each coder against the mean of the
    others, with three or more coders); ``points``: (means, differences) per comparison drawn in the report."""

    coders: list[str]
    ccc: dict[tuple[str, str], Coefficient] = field(default_factory=dict)
    pairs: list[LimitsOfAgreement] = field(default_factory=list)
    vs_others: list[LimitsOfAgreement] = field(default_factory=list)
    points: dict[tuple[str, str], tuple[list[float], list[float]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def scaled(self, exponent: int) -> ContinuousAgreement:
        """The same comparisons with the ratings multiplied by 2^exponent (analysed divided by it, so that squares
        do not overflow): biases, SDs, limits, their CIs and the plots' points in the ratings' unit again (CCCs
        and slopes do not depend on the unit). A limit beyond the float range is undefined, with the reason."""
        keys = ("bias", "sd", "lower", "upper", "bias_ci_low", "bias_ci_high", "lower_ci_low", "lower_ci_high",
                "upper_ci_low", "upper_ci_high", "se_bias", "se_limit", "intercept")

        def one(x: LimitsOfAgreement) -> LimitsOfAgreement:
            if not x.ok:
                return x
            vals = {k: _times(getattr(x, k), exponent) for k in keys if getattr(x, k) is not None}
            if not all(math.isfinite(v) for v in vals.values()):
                return replace(x, **{k: None for k in keys}, status="undefined",
                               reason="in the ratings' unit the limits of agreement exceed the float range (1.8e308)")
            return replace(x, **vals)

        pts = {k: (_times(m, exponent), _times(dd, exponent)) for k, (m, dd) in self.points.items()}
        pts = {k: v for k, v in pts.items() if all(math.isfinite(t) for t in (*v[0], *v[1]))}
        return ContinuousAgreement(self.coders, dict(self.ccc), [one(x) for x in self.pairs],
                                   [one(x) for x in self.vs_others], pts, list(self.notes))

    def matrix(self) -> list[list[float | None]]:
        """The coder x coder matrix of CCC values (1 on the diagonal, None where undefined)."""
        idx = {c: k for k, c in enumerate(self.coders)}
        m: list[list[float | None]] = [[1.0 if i == j else None for j in range(len(self.coders))]
                                       for i in range(len(self.coders))]
        for (a, b), c in self.ccc.items():
            if c.value is not None:
                m[idx[a]][idx[b]] = m[idx[b]][idx[a]] = float(c.value)
        return m

    def to_dict(self, points: bool = True) -> dict[str, Any]:
        """The JSON of the comparisons; ``points=False``: without the plots' points (the results JSON then
        carries the item's ratings, from which :func:`ratings_points` gives them again)."""

        def loa(x: LimitsOfAgreement) -> dict[str, Any]:
            d = x.to_dict()
            pts = self.points.get((x.a, x.b)) if points else None
            if pts is not None:
                d["points"] = {"mean": pts[0], "difference": pts[1]}
            return d

        out: dict[str, Any] = {
            "coders": self.coders,
            "ccc_matrix": self.matrix() if self.ccc else [],
            "ccc_pairs": [{"a": a, "b": b, **c.to_dict()} for (a, b), c in self.ccc.items()],
            "bland_altman": [loa(x) for x in self.pairs],
        }
        if self.vs_others:
            out["bland_altman_vs_others"] = [loa(x) for x in self.vs_others]
            out["vs_others_method"] = ("each coder's rating minus the mean of the other coders' ratings of the unit "
                                       "(units rated by the coder and at least one other)")
        if self.notes:
            out["notes"] = self.notes
        return out


def _times(x: Any, exponent: int) -> Any:
    """x · 2^exponent, exactly (only the binary exponent changes); inf beyond the float range, without a warning."""
    with np.errstate(over="ignore"):
        y = np.ldexp(np.asarray(x, dtype=float), exponent)
    return y.tolist() if y.ndim else float(y)


def _points(x: np.ndarray, y: np.ndarray) -> tuple[list[float], list[float]] | None:
    both = ~(np.isnan(x) | np.isnan(y))
    if not both.any() or both.sum() > POINTS_MAX:
        return None
    return ((x[both] + y[both]) / 2).tolist(), (x[both] - y[both]).tolist()


def _others_mean(sub: np.ndarray) -> np.ndarray:
    """Units x coders: the mean of the other coders' ratings of the unit (NaN where no other coder rated it)."""
    rated = ~np.isnan(sub)
    x0 = np.where(rated, sub, 0.0)
    others = rated.sum(axis=1)[:, None] - rated  # units x coders: how many others rated the unit
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(others > 0, (x0.sum(axis=1)[:, None] - x0) / others, np.nan)


def plot_points(sub: np.ndarray, coders: list[str], mean: np.ndarray | None = None
                ) -> dict[tuple[str, str], tuple[list[float], list[float]]]:
    """The Bland-Altman plots' points, (means, differences) per comparison: each coder pair's (first minus
    second, in the coders' order) when there are at most PLOTTED_PAIRS pairs, and with 3 to VS_OTHERS_MAX_CODERS
    coders each coder's against the mean of the others (``mean``: :func:`_others_mean` of ``sub`` when known);
    none for more than POINTS_MAX units. ``sub``: units x coders, the columns of the coders that rated."""
    out: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
    k = len(coders)
    if 2 <= k and k * (k - 1) // 2 <= PLOTTED_PAIRS:
        for i in range(k):
            for j in range(i + 1, k):
                if (pts := _points(sub[:, i], sub[:, j])) is not None:
                    out[(coders[i], coders[j])] = pts
    if 2 < k <= VS_OTHERS_MAX_CODERS:
        mean = _others_mean(sub) if mean is None else mean
        for j, c in enumerate(coders):
            if (pts := _points(sub[:, j], mean[:, j])) is not None:
                out[(c, VS_OTHERS)] = pts
    return out


def ratings_points(r: ItemRatings) -> dict[tuple[str, str], tuple[list[float], list[float]]]:
    """The plots' points of an item's ratings exactly as its analysis has them (``continuous_agreement`` of the
    rescaled ratings, ``scaled`` back): what the report draws when the results JSON carries the ratings (each
    point is derived from them, so it is not written twice)."""
    s, exponent = rescaled(r)
    v = np.asarray(s.as_dense().values, dtype=float)
    used = [j for j in range(v.shape[1]) if not np.isnan(v[:, j]).all()]
    coders = [str(s.coders[j]) if j < len(s.coders) else f"coder {j + 1}" for j in used]
    pts = ContinuousAgreement(coders, points=plot_points(v[:, used], coders))
    return (pts.scaled(exponent) if exponent else pts).points


def continuous_agreement(r: ItemRatings, confidence: float = 0.95) -> ContinuousAgreement:
    """Pairwise CCCs and limits of agreement of an item's coders (each pair's first coder minus the second, in
    the coders' order), and each coder against the mean of the others when there are more than two."""
    v = np.asarray(r.values, dtype=float)
    used = [j for j in range(v.shape[1]) if not np.isnan(v[:, j]).all()]
    names = [str(r.coders[j]) if j < len(r.coders) else f"coder {j + 1}" for j in range(v.shape[1])]
    coders = [names[j] for j in used]
    out = ContinuousAgreement(coders)
    n_pairs = len(used) * (len(used) - 1) // 2
    if len(used) > PAIRS_MAX_CODERS:
        out.notes.append(f"{len(used)} coders: the CCC and limits of agreement of each pair are computed for up to "
                         f"{PAIRS_MAX_CODERS} coders ({n_pairs} pairs here)")
    moments = all_pair_moments(v[:, used]) if 2 <= len(used) <= PAIRS_MAX_CODERS else {}
    for (p, q), mo in moments.items():
        i, j = used[p], used[q]
        a, b = names[i], names[j]
        out.ccc[(a, b)] = lin_ccc(None, None, confidence, moments=mo)
        out.pairs.append(limits_of_agreement(None, None, a, b, confidence, moments=mo))
    sub = v[:, used]
    mean = None
    if len(used) > VS_OTHERS_MAX_CODERS:
        out.notes.append(f"{len(used)} coders: each coder against the mean of the others is computed for up to "
                         f"{VS_OTHERS_MAX_CODERS} coders")
    elif len(used) > 2:
        mean = _others_mean(sub)
        for c, mo in zip(coders, column_moments(sub, mean)):
            out.vs_others.append(limits_of_agreement(None, None, c, VS_OTHERS, confidence, moments=mo))
    out.points = plot_points(sub, coders, mean)
    if v.shape[0] > POINTS_MAX:
        out.notes.append(f"more than {POINTS_MAX} units: the Bland-Altman plots are not drawn (their points are not "
                         "kept)")
    return out
