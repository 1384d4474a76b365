"""Ratings of one item: a units x coders matrix, the input every coefficient works from."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class ItemRatings:
    """Ratings of one item.

    ``values`` is float64 (n_units x n_coders), NaN = missing. For categorical items each value is the
    numeric value of a category (``categories[k]``); for scale items it is the rating itself.
    ``categories`` lists every admissible category value in codebook order (used or not); for a continuous
    scale it is the sorted observed values.
    """

    item: str
    level: str
    units: list[str]
    coders: list[str]
    values: np.ndarray
    categories: tuple[float, ...]
    labels: tuple[str, ...] = ()  # codebook code of each category (same order), for tables
    weights: str = "identity"
    weight_matrix: np.ndarray | None = None
    primary: str | None = None
    warnings: list[str] = field(default_factory=list)
    # Category list given (codebook, --categories): weights use ranks 1..q, as R irrCAC does with categ.labels;
    # inferred from the data: weights use the numeric values themselves.
    explicit_categories: bool = True
    # cluster of each unit (e.g. the session a sequence comes from): cluster-robust SEs and cluster bootstrap
    clusters: np.ndarray | None = None

    @property
    def n_units(self) -> int:
        return self.values.shape[0]

    @property
    def n_coders(self) -> int:
        return self.values.shape[1]

    @property
    def n_ratings(self) -> int:
        return int(np.count_nonzero(~np.isnan(self.values)))
