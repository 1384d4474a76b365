"""Krippendorff's interval alpha of analyse() reuses the observed agreement of the quadratic weights when they are
the same weights (continuous items: both on the values): the same figures, to the bit, as alpha computed from the
table on its own."""

from __future__ import annotations

import numpy as np
import pytest

from irrkit.analysis import item
from irrkit.ratings import ItemRatings
from irrkit.statistics import counting, weights


@pytest.mark.parametrize("missing", [0.0, 0.3])
def test_alpha_in_analyse_is_alpha_on_its_own(missing):
    rng = np.random.default_rng(5)
    x = np.round(rng.normal(size=(300, 1)) + rng.normal(size=(300, 5)) * 0.6, 3)
    x[rng.random(x.shape) < missing] = np.nan
    cats = tuple(np.unique(x[~np.isnan(x)]).tolist())
    r = ItemRatings("y", "interval", [], [], x, cats, weights="quadratic", explicit_categories=False)
    got = item.analyse(r).coefficients["krippendorff_alpha"]
    tab = counting.table(counting.category_index(x, cats), len(cats), 0)
    alone = item.krippendorff_alpha(tab, list(cats), "interval", dense_max=0)
    assert got.to_dict() == alone.to_dict()


def test_kernels_are_the_same_only_with_the_same_weights():
    a = weights.kernel("quadratic", [0.0, 1.5, 2.0, 7.0])
    assert item._same_kernel(a, weights.kernel("quadratic", [0.0, 1.5, 2.0, 7.0]))
    assert not item._same_kernel(a, weights.kernel("quadratic", [1.0, 2.0, 3.0, 4.0]))
    assert not item._same_kernel(a, weights.kernel("linear", [0.0, 1.5, 2.0, 7.0]))
