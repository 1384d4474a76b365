"""Category indices of values with few decimals by a table of decimal steps (counting._decimal_positions) equal
those of the binary search over the sorted categories, for every value: exact categories, NaN, values within
1e-9 of a category, and values that are no category (the same error)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irrkit.statistics import counting


def by_search(x: np.ndarray, cats) -> np.ndarray:
    c = np.asarray(cats, dtype=float)
    order = np.argsort(c, kind="stable")
    return counting._index_search(x.ravel(), c[order], order, np.int32, cats, scaled=False).reshape(x.shape)


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 400), decimals=st.integers(0, 7), spread=st.sampled_from([1.0, 50.0, 1e4]),
       missing=st.sampled_from([0.0, 0.2]), seed=st.integers(0, 10_000), near=st.booleans())
def test_decimal_steps_equal_the_binary_search(n, decimals, spread, missing, seed, near):
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(0, spread, (n, 4)), decimals)
    x[rng.random(x.shape) < missing] = np.nan
    cats = np.unique(x[~np.isnan(x)])
    if near and len(cats):  # a value 1e-10 below a category still counts as it
        x.flat[0] = cats[-1] - 1e-10
    got = counting.category_index(x, cats)
    assert np.array_equal(got, by_search(x, cats))


def test_a_value_that_is_no_category_is_an_error_either_way():
    cats = np.round(np.linspace(0, 10, 201), 2)  # 0.05 steps, > 64 categories: the table path
    x = np.array([[0.05, 0.1], [0.07, np.nan]])
    with pytest.raises(ValueError, match="0.07"):
        counting.category_index(x, cats)
    with pytest.raises(ValueError, match="0.07"):
        by_search(x, cats)


def test_the_table_path_is_taken_for_decimal_categories():
    cats = np.round(np.arange(241) * 0.5, 1)
    x = cats[np.random.default_rng(1).integers(0, 241, (50, 5))]
    assert counting._decimal_positions(x.ravel(), cats) is not None
    assert counting._decimal_positions(x.ravel(), np.sqrt(np.arange(100.0))) is None  # irrational: search
