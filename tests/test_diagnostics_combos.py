"""Coder diagnostics of many units from the distinct combinations of the coders' categories (diagnostics.Combos:
one pass over the units, the pair tables, Light's kappa, the profiles and leave-one-coder-out counted from the
combinations): every figure and field exactly as the per-unit passes give them, and against figures computed
here without irrkit (statsmodels' Cohen's kappa for Light's, category counts by hand for the profiles)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from statsmodels.stats.inter_rater import cohens_kappa
from test_diagnostics_fast import nominal, slow_loo
from test_per_category_fast import close

from irrkit.analysis import diagnostics
from irrkit.analysis.item import Options, analyse


def cohen_kappa_score(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa of two coders by statsmodels, from their crosstab (no irrkit code)."""
    cats = np.union1d(a, b)
    table = np.zeros((len(cats), len(cats)))
    np.add.at(table, (np.searchsorted(cats, a), np.searchsorted(cats, b)), 1)
    return float(cohens_kappa(table).kappa)



def _per_unit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-unit passes (no combinations)."""
    monkeypatch.setattr(diagnostics, "combos", lambda codes, q, cols: None)


def _both(r, opts=None):
    """diagnose() with and without the combinations, as the JSON has them."""
    opts = opts or Options()
    res = analyse(r, opts)
    fast = diagnostics.diagnose(r, res, opts).to_dict()
    with pytest.MonkeyPatch.context() as mp:
        _per_unit(mp)
        slow = diagnostics.diagnose(r, analyse(r, opts), opts).to_dict()
    return fast, slow


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(2, 80), k=st.integers(2, 6), q=st.integers(1, 5), missing=st.sampled_from([0.0, 0.2, 0.6]),
       seed=st.integers(0, 10_000), key=st.sampled_from(diagnostics.TABLE_LOO), empty=st.booleans())
def test_combinations_give_the_per_unit_figures(n, k, q, missing, seed, key, empty):
    r = replace(nominal(n, k, q, missing, seed, empty_coder=empty and k > 2), primary=key)
    with pytest.MonkeyPatch.context() as mp:  # every size takes the combinations
        mp.setattr(diagnostics, "JOINT_FROM", 0)
        mp.setattr(diagnostics, "LOO_DISTINCT_FROM", 0)
        fast, slow = _both(r)
    assert fast == slow


def test_many_units_by_the_combinations_as_computed_without_irrkit():
    """40,000 units, 5 coders, one coder rated nothing, 15% missing: the combinations are used (more than
    JOINT_FROM units); Light's kappa is the mean of statsmodels' pairwise Cohen's kappas on the complete units,
    the profiles are the counts of each coder's categories, leave-one-out is analyse() without the coder."""
    r = nominal(40_000, 5, 4, 0.15, 7, empty_coder=True)
    codes = np.where(np.isnan(r.values), -1, r.values).astype(int)
    cols = [0, 2, 3, 4]
    assert diagnostics.combos(codes, 4, cols) is not None
    fast, slow = _both(r)
    assert fast == slow
    x = r.values[:, cols]
    done = x[~np.isnan(x).any(axis=1)]
    ks = [cohen_kappa_score(done[:, a], done[:, b]) for a in range(4) for b in range(a + 1, 4)]
    light = fast["light_kappa"]
    assert light["n_units"] == len(done) and abs(light["value"] - float(np.mean(ks))) < 1e-12
    for p in fast["coder_profiles"]:
        j = r.coders.index(p["coder"])
        col = r.values[:, j]
        assert p["n_rated"] == int((~np.isnan(col)).sum())
        assert p["distribution"] == {f"k{c}": int((col == c).sum()) for c in range(4)}
    pairs = {tuple(p["coders"]): p["n_units"] for p in fast["pairs"]}
    for (a, b), n in pairs.items():
        ja, jb = r.coders.index(a), r.coders.index(b)
        assert n == int((~np.isnan(r.values[:, ja]) & ~np.isnan(r.values[:, jb])).sum())
    ref = slow_loo(r, fast["leave_one_out"]["statistic"])
    for coder, c in ref.items():
        assert close(fast["leave_one_out"]["without"][coder]["value"], c.value)


@pytest.mark.parametrize("key", diagnostics.TABLE_LOO)
def test_leave_one_out_of_many_units_is_analyse_without_the_coder(key):
    r = replace(nominal(25_000, 4, 3, 0.3, 11), primary=key)
    res = analyse(r)
    if key not in res.coefficients:
        pytest.skip(f"{key} not computed for this item")
    codes = np.where(np.isnan(r.values), -1, r.values).astype(np.int32)
    joint = diagnostics.combos(codes, 3, [0, 1, 2, 3])
    loo = diagnostics.leave_one_out(r, res, Options(), codes, joint=joint)
    plain = diagnostics.leave_one_out(r, res, Options(), codes)
    assert loo == plain  # the same rows, frequencies and order: equal to the last bit
    for coder, c in slow_loo(r, key).items():
        assert close(loo.without[coder].value, c.value) and close(loo.without[coder].se, c.se)


def test_shared_category_indices_and_distinct_rows():
    """Inside counting.shared() (as irrkit check analyses its items) the category indices and distinct rows of
    the same matrix are computed once, read-only, and the item's figures are those computed without sharing."""
    from irrkit.statistics import counting

    r = nominal(30_000, 5, 4, 0.1, 5)
    res = analyse(r)
    plain = diagnostics.diagnose(r, res).to_dict()
    with counting.shared():
        a = counting.category_index(r.values, r.categories)
        assert counting.category_index(r.values, r.categories) is a and not a.flags.writeable
        assert counting.category_index(r.values.copy(), r.categories) is not a  # another array: computed again
        assert counting.category_index(r.values, (*r.categories, 9.0)) is not a  # other categories too
        rows = counting.keyed_rows(a, 5, offset=1)
        assert counting.keyed_rows(a, 5, offset=1) is rows
        res2 = analyse(r)
        shared = diagnostics.diagnose(r, res2).to_dict()
    assert res2.to_dict() == res.to_dict() and shared == plain
    assert counting.category_index(r.values, r.categories) is not a  # outside the block: nothing kept
