"""The fast paths behind `irrkit demo` (issue 13) against the straightforward computations they replace, field
for field, bit for bit: one ICC by ``icc_all(..., keys=(key,))`` = the same key among all six; leave-one-coder-out
of a scale item = ``icc_all`` of the other coders' ratings."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from irrkit.analysis import diagnostics
from irrkit.analysis.item import Options, analyse
from irrkit.ratings import ItemRatings
from irrkit.statistics.icc import ICC_KEYS, icc_all
from irrkit.statistics.results import Coefficient


def ratings(n: int, k: int, missing: float, seed: int, levels: int = 0) -> np.ndarray:
    """n units x k coders: unit effect + coder effect + noise (``levels``: rounded to that many values)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1.5, (n, 1)) + rng.normal(0, 0.4, (1, k)) + rng.normal(0, 1, (n, k))
    if levels:
        x = np.clip(np.round(x + levels / 2), 0, levels - 1)
    x[rng.random((n, k)) < missing] = np.nan
    return x


def same(a: Coefficient, b: Coefficient) -> bool:
    return repr(a.to_dict()) == repr(b.to_dict())  # repr: NaN == NaN, floats to the last bit


def check_keys(x: np.ndarray, convention: str, missing: str, confidence: float = 0.95) -> None:
    full = icc_all(x, confidence, convention, missing)
    assert tuple(full) == ICC_KEYS
    for key in ICC_KEYS:
        one = icc_all(x, confidence, convention, missing, (key,))
        assert list(one) == [key]
        assert same(one[key], full[key]), key
    two = icc_all(x, confidence, convention, missing, ("icc3k", "icc2"))
    assert list(two) == ["icc2", "icc3k"]  # the order of ICC_KEYS
    assert all(same(two[k], full[k]) for k in two)


@pytest.mark.parametrize("convention", ["psych", "irr"])
@pytest.mark.parametrize("missing", ["mixed", "complete"])
@pytest.mark.parametrize("case", ["complete", "missing", "levels", "two coders", "one complete unit", "constant",
                                  "perfect", "no ratings", "exact fit"])
def test_one_icc_is_that_icc_of_all_six(case: str, convention: str, missing: str) -> None:
    x = {"complete": lambda: ratings(30, 4, 0.0, 1),
         "missing": lambda: ratings(46, 3, 0.15, 2),
         "levels": lambda: ratings(40, 5, 0.1, 3, levels=5),
         "two coders": lambda: ratings(25, 2, 0.1, 4),
         "one complete unit": lambda: np.array([[1, 2, np.nan], [2, np.nan, 3], [1, 1, 2], [np.nan, 4, 4.0]]),
         "constant": lambda: np.full((6, 3), 2.0),
         "perfect": lambda: np.repeat(np.arange(8.0)[:, None], 3, axis=1),
         "no ratings": lambda: np.empty((0, 3)),
         "exact fit": lambda: np.array([[1, 2, np.nan], [2, 3, 4], [np.nan, 5, 6.0]])}[case]()
    check_keys(x, convention, missing)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(2, 40), k=st.integers(2, 6), missing=st.sampled_from([0.0, 0.05, 0.3]),
       seed=st.integers(0, 10_000), levels=st.sampled_from([0, 2, 3, 7]),
       convention=st.sampled_from(["psych", "irr"]), confidence=st.sampled_from([0.9, 0.95]))
def test_one_icc_random(n: int, k: int, missing: float, seed: int, levels: int, convention: str,
                        confidence: float) -> None:
    check_keys(ratings(n, k, missing, seed, levels), convention, "mixed", confidence)


def scale_item(x: np.ndarray) -> ItemRatings:
    n, k = x.shape
    return ItemRatings("item", "interval", [f"u{i}" for i in range(n)], [f"c{j}" for j in range(k)], x,
                       tuple(sorted(set(x[~np.isnan(x)].tolist()))))


@pytest.mark.parametrize("convention", ["psych", "irr"])
@pytest.mark.parametrize("seed,missing", [(5, 0.0), (6, 0.1), (7, 0.25)])
def test_scale_leave_one_out_is_icc_all_without_the_coder(seed: int, missing: float, convention: str) -> None:
    r = scale_item(ratings(46, 4, missing, seed, levels=7))
    opts = Options(icc_convention=convention)
    res = analyse(r, opts)
    assert res.primary in ICC_KEYS
    loo = diagnostics.leave_one_out(r, res, opts)
    assert list(loo.without) == list(r.coders)
    for j, coder in enumerate(r.coders):
        keep = [c for c in range(r.n_coders) if c != j]
        sub = replace(r, coders=[r.coders[c] for c in keep], values=r.values[:, keep], warnings=[])
        slow = icc_all(sub.values, opts.confidence, opts.icc_convention, opts.icc_missing)[res.primary]
        assert same(loo.without[coder], slow), coder


def reml_designs() -> list[np.ndarray]:
    out = [ratings(46, 3, 0.1, 8), ratings(46, 2, 0.15, 9, levels=7), ratings(12, 5, 0.3, 10, levels=3),
           ratings(5, 30, 0.2, 11)]
    rng = np.random.default_rng(12)
    for _ in range(20):
        n, k = int(rng.integers(3, 50)), int(rng.integers(2, 7))
        out.append(ratings(n, k, float(rng.uniform(0.02, 0.4)), int(rng.integers(1 << 30)), int(rng.choice([0, 5]))))
    return out


@pytest.mark.parametrize("t_a", [0.0, 0.3, 2.7, 40.0])
def test_reml_boundary_shortcut_is_the_general_formula(t_a: float) -> None:
    """At t_B = 0 the state and its derivatives leave out terms that are exactly 0 there: the same bits as the
    general formulas evaluated at t_B = 0."""
    from irrkit.statistics import reml

    for x in reml_designs():
        d = reml.design(x.T if x.shape[1] > x.shape[0] else x)
        fast, slow = reml._State(d, t_a, 0.0), reml._State(d, t_a, 0.0, shortcut=False)
        assert fast.zero_b and not slow.zero_b
        for name in ("logdet", "c1", "beta", "rss", "f"):
            assert repr(getattr(fast, name)) == repr(getattr(slow, name)), name
        for name in ("py_a", "py_b", "h1_a", "h1_b"):
            assert np.array_equal(getattr(fast, name), getattr(slow, name)), name
        (g1, h1), (g2, h2) = fast.derivatives(), slow.derivatives()
        assert np.array_equal(g1, g2) and np.array_equal(h1, h2)


def test_reml_one_free_ratio_direction_is_the_eigen_formula() -> None:
    """The Newton direction with one ratio held at 0 = the eigen-decomposition formula on the 1 x 1 block."""
    from irrkit.statistics import reml

    rng = np.random.default_rng(13)
    for _ in range(200):
        a = rng.normal(size=(2, 2)) * 10.0 ** rng.integers(-6, 6)
        h, g = a + a.T, rng.normal(size=2)
        for free in (np.array([True, False]), np.array([False, True])):
            w, v = np.linalg.eigh(h[np.ix_(free, free)])
            w = np.maximum(np.abs(w), 1e-10 * np.abs(w).max() + 1e-300)
            want = np.zeros(2)
            want[free] = -(v @ ((v.T @ g[free]) / w))
            assert np.array_equal(reml._direction(h, g, free), want)
        w, v = np.linalg.eigh(h)
        w = np.maximum(np.abs(w), 1e-10 * np.abs(w).max() + 1e-300)
        assert np.array_equal(reml._direction(h, g, np.array([True, True])), -(v @ ((v.T @ g) / w)))
