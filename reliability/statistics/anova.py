"""Two-way ANOVA mean squares of a complete units x coders matrix (McGraw & Wong 1996; Shrout & Fleiss 1979):
the input of the ICC formulas and the start values of the REML fit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MeanSquares:
    """The two-way ANOVA mean squares of a units x coders table (and its sizes)."""

    n: int  # units
    k: int  # coders
    bms: float
    wms: float
    jms: float
    ems: float


def mean_squares(x: np.ndarray) -> MeanSquares:
    """Two-way ANOVA mean squares of a complete units x coders matrix."""
    x = np.asarray(x, dtype=float)
    n, k = x.shape
    grand = x.mean()
    row, col = x.mean(axis=1), x.mean(axis=0)
    ss_total = ((x - grand) ** 2).sum()
    ss_rows = k * ((row - grand) ** 2).sum()
    ss_cols = n * ((col - grand) ** 2).sum()
    ss_err = ss_total - ss_rows - ss_cols
    return MeanSquares(
        n, k,
        bms=ss_rows / (n - 1),
        wms=(ss_total - ss_rows) / (n * (k - 1)),
        jms=ss_cols / (k - 1),
        ems=ss_err / ((n - 1) * (k - 1)),
    )


@dataclass(frozen=True)
class Components:
    """Variance components of rating = mu + unit + coder + error and the design they come from."""

    unit: float
    coder: float
    error: float
    n_units: int
    n_coders: int
    n_ratings: int


def henderson1(unit: np.ndarray, coder: np.ndarray, y: np.ndarray) -> Components:
    """Henderson's Method I (ANOVA-type, unbiased for random models with unbalanced data; Searle, Casella &
    McCulloch 1992, sec. 5.3) for the crossed random model rating = mu + unit + coder + error, at most one
    rating per unit and coder, from the rated cells: the quadratic forms about the grand mean

        S_0 = sum (y - ybar)^2,  S_A = sum_i n_i (ybar_i - ybar)^2,  S_B = sum_j n_j (ybar_j - ybar)^2

    are set equal to their expectations, with N ratings, a units, b coders, k_A = sum n_i^2 / N and
    k_B = sum n_j^2 / N:

        E S_0 = (N - k_A) s2_A + (N - k_B) s2_B + (N - 1) s2_e
        E S_A = (N - k_A) s2_A + (a - k_B) s2_B + (a - 1) s2_e
        E S_B = (b - k_A) s2_A + (N - k_B) s2_B + (b - 1) s2_e

    (sum_j n_ij^2 / n_i summed over units is a when n_ij is 0 or 1, likewise b). With every unit rated by
    every coder these are the two-way ANOVA mean squares' equations: the estimates are (BMS - EMS) / k,
    (JMS - EMS) / n and EMS. O(ratings). Raises ValueError when the equations are singular."""
    unit = np.unique(unit, return_inverse=True)[1]
    coder = np.unique(coder, return_inverse=True)[1]
    a, b, n_obs = int(unit.max()) + 1, int(coder.max()) + 1, len(y)
    ybar = y.mean()
    d = y - ybar
    n_i = np.bincount(unit, minlength=a).astype(float)
    n_j = np.bincount(coder, minlength=b).astype(float)
    s_i = np.bincount(unit, d, minlength=a)
    s_j = np.bincount(coder, d, minlength=b)
    s0, sa, sb = float(d @ d), float((s_i * s_i / n_i).sum()), float((s_j * s_j / n_j).sum())
    k_a, k_b = float(n_i @ n_i) / n_obs, float(n_j @ n_j) / n_obs
    m = np.array([[n_obs - k_a, n_obs - k_b, n_obs - 1.0],
                  [n_obs - k_a, a - k_b, a - 1.0],
                  [b - k_a, n_obs - k_b, b - 1.0]])
    sol = np.linalg.solve(m, np.array([s0, sa, sb]))
    if not np.all(np.isfinite(sol)):
        raise ValueError("singular equations")
    return Components(float(sol[0]), float(sol[1]), float(sol[2]), a, b, n_obs)
