"""Per-category kappas from the distinct rows of each 2-column table (the engine's freq=) equal those of the
full units x 2 table: n, status and reason exactly; values, pa, pe, SEs, CIs and p to the last bits (the same sums
in another order)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irrkit.analysis import item
from irrkit.statistics import chance_corrected, counting


def slow(counts, labels):
    total = counts.sum(axis=1)
    out = {}
    for k, lab in enumerate(labels):
        two = np.column_stack([counts[:, k], total - counts[:, k]])
        a = chance_corrected.agreement(two)
        if counts[:, k].sum() == 0:
            continue
        out[lab] = {"fleiss_kappa": chance_corrected.fleiss_kappa(a), "gwet_ac1": chance_corrected.gwet_ac(a),
                    "percent_agreement": chance_corrected.percent_agreement(a)}
    return out


def random_counts(n: int, k: int, q: int, missing: float, seed: int) -> tuple[np.ndarray, list[str]]:
    """The count table of n units x k coders rating categories 1..q at random (``missing``: the share left out)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, q + 1, size=(n, k)).astype(float)
    x[rng.random((n, k)) < missing] = np.nan
    counts = counting.count_table(counting.category_index(x, list(range(1, q + 1))), q).astype(float)
    return counts, [str(c) for c in range(1, q + 1)]


def close(x, y):
    if x is None or y is None:
        return x is y
    return abs(x - y) <= 1e-10 * max(abs(x), abs(y)) + 1e-12  # rounding of pe, amplified by 1 / (1 - pe)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 300), k=st.integers(2, 7), q=st.integers(2, 6), missing=st.sampled_from([0.0, 0.2, 0.6]),
       seed=st.integers(0, 10_000))
def test_freq_rows_equal_the_full_table(n, k, q, missing, seed):
    counts, labels = random_counts(n, k, q, missing, seed)
    fast = item.per_category(counts, labels)
    ref = slow(counts, labels)
    for lab, stats in ref.items():
        for key, c in stats.items():
            f = fast[lab][key]
            assert (f.n_units, f.status, f.reason) == (c.n_units, c.status, c.reason)
            for attr in ("value", "pa", "pe", "se", "ci_low", "ci_high", "p_value"):
                assert close(getattr(f, attr), getattr(c, attr)), (lab, key, attr)


@pytest.mark.parametrize("two", [np.array([[0.5, 1.0], [1.0, 1.0]]), np.array([[2.0**21, 1.0], [1.0, 0.0]])])
def test_odd_tables_take_the_full_table(two):
    assert item._distinct_pairs(two) is None


def test_distinct_pairs_counts_each_row():
    two = np.array([[1.0, 2.0], [0.0, 3.0], [1.0, 2.0], [3.0, 0.0], [1.0, 2.0]])
    rows, freq = item._distinct_pairs(two)
    assert rows.tolist() == [[0.0, 3.0], [1.0, 2.0], [3.0, 0.0]] and freq.tolist() == [1.0, 3.0, 1.0]
