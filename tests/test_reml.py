"""The Newton REML of the crossed unit + coder model against R lme4, and its derivatives against differences."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from irrkit.statistics import reml
from irrkit.statistics.icc import icc_all

FIX = json.loads((Path(__file__).resolve().parent.parent / "fixtures" / "r_reference" / "lme4_reml.json").read_text())
CASES = {c["id"]: c for c in FIX["cases"]}


def ratings(case: dict) -> np.ndarray:
    if "ratings" in case:
        return np.array([[np.nan if v is None else v for v in row] for row in case["ratings"]], dtype=float)
    x = np.full(case["shape"], np.nan)
    t = np.array(case["triples"], dtype=float)
    x[t[:, 0].astype(int) - 1, t[:, 1].astype(int) - 1] = t[:, 2]
    return x


@pytest.mark.parametrize("case_id", list(CASES))
def test_variance_components_match_lme4(case_id):
    case = CASES[case_id]
    ours = reml.variance_components(ratings(case))
    want = case["lme4"]
    for key in ("unit", "coder", "error"):
        assert ours[key] == pytest.approx(want[key], rel=1e-6, abs=1e-6), key


def test_one_unit_rated_by_10000_coders_is_fitted_with_few_steps():
    """Issue 14: one unit rated by 10,000 coders plus 29 units by 3 (no unit rated by every coder). The coder
    factor is absorbed in closed form, the 30 units go through a 30 x 30 matrix: a handful of Newton steps."""
    x = ratings(CASES["wide_unit_30x10000"])
    swap = x.shape[1] > x.shape[0]
    d = reml.design(x.T if swap else x)
    assert swap and len(d.d_b) == 30 and len(d.pat) == 2  # coders 1-3 rate all 30 units, the rest unit 1 only
    *_, steps = reml.fit(d, (0.1, 1.0))
    assert steps <= 30
    res = icc_all(x)
    assert res["icc2"].ok and "REML" in res["icc2"].method
    v = res["icc2"].extra["variance_components"]
    want = CASES["wide_unit_30x10000"]["lme4"]
    assert v["unit"] == pytest.approx(want["unit"], rel=1e-6)
    # ICC(A,1) = s2_unit / (s2_unit + s2_coder + s2_error) from the components
    assert res["icc2"].value == pytest.approx(want["unit"] / (want["unit"] + want["coder"] + want["error"]), rel=1e-6)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("t", [(0.7, 0.3), (0.0, 0.5), (2.0, 0.0)])
def test_gradient_and_hessian_match_finite_differences(seed, t):
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(8, 30)), int(rng.integers(2, 6))
    x = rng.normal(size=(n, 1)) + rng.normal(size=(1, k)) * 0.5 + rng.normal(size=(n, k))
    x[rng.random(x.shape) < 0.2] = np.nan
    x[:, 0] = np.where(np.isnan(x).all(axis=1), 0.0, x[:, 0])
    d = reml.design(x)
    t = np.array(t)
    g, h = reml._State(d, *t).derivatives()
    eps = 1e-5
    for i in range(2):
        e = np.zeros(2)
        e[i] = eps
        lo, hi = t - e, t + e  # the criterion is smooth through 0 (H stays positive definite for small ratios)
        sp, sm = reml._State(d, *hi), reml._State(d, *lo)
        step = hi[i] - lo[i]
        assert g[i] == pytest.approx((sp.f - sm.f) / step, rel=1e-4, abs=1e-4)
        gp, _ = sp.derivatives()
        gm, _ = sm.derivatives()
        assert h[:, i] == pytest.approx((gp - gm) / step, rel=1e-4, abs=1e-4)


def test_optimum_is_stationary_or_on_the_boundary():
    """At the returned ratios the projected gradient is zero: a free ratio has a zero gradient, a ratio at 0 a
    gradient pointing outward (its variance would be negative)."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(40, 1)) + rng.normal(size=(40, 4))  # no coder effect: the coder ratio often ends at 0
    x[rng.random(x.shape) < 0.25] = np.nan
    d = reml.design(x)
    t_a, t_b, st, _ = reml.fit(d, (1.0, 0.1))
    g, _ = st.derivatives()
    for t, gi in zip((t_a, t_b), g, strict=True):
        assert (abs(gi) < 1e-6 * d.n_obs) if t > 0 else gi >= 0


def test_designs_beyond_the_work_bound_use_method_one_with_the_complete_unit_figures(monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 1)) + rng.normal(size=(20, 5))
    x[0, 0] = np.nan
    assert reml.too_large((5000, 4000)) and not reml.too_large((100_000, 8))
    monkeypatch.setattr(reml, "MAX_DENSE_LEVELS", 4)
    res = icc_all(x)
    # the ANOVA-type estimator for unbalanced designs (tests/test_crowd.py holds it against psych and by hand)
    assert "Henderson's Method I" in res["icc2"].method and "20 units, 5 coders" in res["icc2"].method
    assert res["icc2"].n_units == 20 and res["icc2"].extra["complete_units"]["n_units"] == 19


def test_no_residual_degrees_of_freedom_or_exact_fit_is_said_not_fitted():
    # 3 ratings beside 2 unit and 2 coder effects: the REML optimum is at an infinite ratio
    res = icc_all(np.array([[2.0, 2.5], [np.nan, 4.0]]))
    assert "no residual degrees of freedom" in res["icc2"].method and not res["icc2"].ok
    # perfect agreement with a missing rating: no error variance, the complete units give ICC = 1
    res = icc_all(np.array([[1, 1, 1], [2, 2, np.nan], [3, 3, 3], [5, 5, 5.0]]))
    assert "fit every rating exactly" in res["icc2"].method
    assert res["icc2"].value == 1.0
