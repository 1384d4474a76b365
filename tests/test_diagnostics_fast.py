"""The fast paths of the coder diagnostics (check) against the straightforward computations they replace, on
random data with missing ratings and unequal numbers of coders per unit: leave-one-coder-out from the item's
count table = analyse() without the coder, field for field, bit for bit."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reliability import diagnostics
from reliability.analysis import Options, analyse
from reliability.ratings import ItemRatings
from reliability.results import Coefficient


def nominal(n: int, k: int, q: int, missing: float, seed: int, empty_coder: bool = False) -> ItemRatings:
    """n units x k coders, categories 0..q-1 (agreement well above chance), NaN = missing."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, q, n)
    x = np.where(rng.random((n, k)) < 0.6, truth[:, None], rng.integers(0, q, (n, k))).astype(float)
    x[rng.random((n, k)) < missing] = np.nan
    if empty_coder:
        x[:, 1] = np.nan
    return ItemRatings("item", "nominal", [f"u{i}" for i in range(n)], [f"c{j}" for j in range(k)], x,
                       tuple(float(c) for c in range(q)), labels=tuple(f"k{c}" for c in range(q)))


def same(a: Coefficient, b: Coefficient) -> bool:
    return a.to_dict() == b.to_dict()


def slow_loo(r: ItemRatings, key: str) -> dict[str, Coefficient]:
    """The primary statistic without each coder by analyse() (the straightforward path)."""
    coders = [j for j in range(r.n_coders) if not np.isnan(r.values[:, j]).all()]
    out = {}
    for j in coders:
        keep = [c for c in coders if c != j]
        sub = replace(r, coders=[r.coders[c] for c in keep], values=r.values[:, keep], warnings=[])
        out[r.coders[j]] = analyse(sub, Options(per_category=False)).coefficients[key]
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 60), k=st.integers(3, 6), q=st.integers(1, 5), missing=st.sampled_from([0.0, 0.2, 0.6]),
       seed=st.integers(0, 10_000), key=st.sampled_from(diagnostics.TABLE_LOO), empty=st.booleans())
def test_leave_one_out_from_the_table_is_analyse_without_the_coder(n, k, q, missing, seed, key, empty):
    r = replace(nominal(n, k, q, missing, seed, empty_coder=empty), primary=key)
    res = analyse(r)
    if key not in res.coefficients:
        return
    loo = diagnostics.leave_one_out(r, res, Options())
    ref = slow_loo(r, key)
    if len([j for j in range(k) if not np.isnan(r.values[:, j]).all()]) < 3:
        assert loo.without == {}
        return
    assert loo.without.keys() == ref.keys()
    for coder, c in ref.items():
        assert same(loo.without[coder], c), (coder, loo.without[coder], c)


@pytest.mark.parametrize("key", diagnostics.TABLE_LOO)
def test_leave_one_out_fast_path_is_taken_and_exact_on_a_larger_item(key):
    r = replace(nominal(5_000, 7, 4, 0.15, 3), primary=key)
    assert diagnostics._loo_from_table(r, key, list(range(7)), Options()) is not None
    loo = diagnostics.leave_one_out(r, analyse(r), Options())
    ref = slow_loo(r, key)
    assert all(same(loo.without[c], ref[c]) for c in ref)


def test_leave_one_out_other_paths_stay_with_analyse():
    r = nominal(50, 4, 3, 0.1, 1)
    assert diagnostics._loo_from_table(r, "conger_kappa", [0, 1, 2, 3], Options()) is None
    assert diagnostics._loo_from_table(r, "fleiss_kappa", [0, 1, 2, 3], Options(weights="identity")) is None
    assert diagnostics._loo_from_table(replace(r, clusters=np.arange(50) % 5), "fleiss_kappa", [0, 1, 2, 3],
                                       Options()) is None
