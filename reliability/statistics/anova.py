"""Two-way ANOVA mean squares of a complete units x coders matrix (McGraw & Wong 1996; Shrout & Fleiss 1979):
the input of the ICC formulas and the start values of the REML fit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MeanSquares:
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
