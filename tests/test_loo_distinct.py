"""Leave-one-coder-out on many units works on the distinct rows of the count table (each unit's row and the
left-out coder's category taken once, with its frequency): the same figures as analyse() without the coder, n,
status and reason exactly, values, pa, pe, SEs, CIs and p to the last bits (the same sums in another order)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_diagnostics_fast import nominal, slow_loo  # the slow path, shared
from test_per_category_fast import close

from irrkit.analysis import diagnostics
from irrkit.analysis.item import Options, analyse
from irrkit.statistics import counting


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 200), k=st.integers(3, 7), q=st.integers(1, 5), missing=st.sampled_from([0.0, 0.2, 0.6]),
       seed=st.integers(0, 10_000), key=st.sampled_from(diagnostics.TABLE_LOO))
def test_distinct_rows_give_analyse_without_the_coder(n, k, q, missing, seed, key, monkeypatch_module):
    r = replace(nominal(n, k, q, missing, seed), primary=key)
    res = analyse(r)
    if key not in res.coefficients:
        return
    coders = [j for j in range(k) if not np.isnan(r.values[:, j]).all()]
    assume(len(coders) >= 3)
    loo = diagnostics.leave_one_out(r, res, Options())
    ref = slow_loo(r, key)
    assert loo.without.keys() == ref.keys()
    for coder, c in ref.items():
        f = loo.without[coder]
        assert (f.key, f.n_units, f.status, f.reason) == (c.key, c.n_units, c.status, c.reason), (coder, f, c)
        for attr in ("value", "pa", "pe", "se", "ci_low", "ci_high", "p_value"):
            assert close(getattr(f, attr), getattr(c, attr)), (coder, attr, getattr(f, attr), getattr(c, attr))


@pytest.fixture(scope="module")
def monkeypatch_module():
    """Every table takes the distinct-rows path (it is otherwise taken from LOO_DISTINCT_FROM units)."""
    saved = diagnostics.LOO_DISTINCT_FROM
    diagnostics.LOO_DISTINCT_FROM = 0
    yield
    diagnostics.LOO_DISTINCT_FROM = saved


def test_distinct_rows_of_a_table():
    tab = np.array([[2.0, 1.0], [0.0, 3.0], [2.0, 1.0], [0.0, 0.0], [0.0, 3.0]])
    row_id, rows = diagnostics.distinct_rows(tab)
    assert np.array_equal(rows[row_id], tab)  # each unit's row, exactly
    assert len(rows) == 3 and len({tuple(x) for x in rows.tolist()}) == 3


def test_a_large_item_takes_the_distinct_rows():
    r = nominal(30_000, 6, 4, 0.1, 3)
    codes = counting.category_index(r.values, r.categories)
    assert len(diagnostics.distinct_rows(counting.count_table(codes, 4))[1]) < 500  # C(10, 4) = 210 at most
    loo = diagnostics.leave_one_out(r, analyse(r), Options())
    ref = slow_loo(r, loo.statistic)
    for coder, c in ref.items():
        assert close(loo.without[coder].value, c.value) and close(loo.without[coder].se, c.se)
