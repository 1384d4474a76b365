"""Many categories: the sparse table and the weights' closed forms give the numbers of the dense q x q path, and
stay within a memory budget measured by the arrays they allocate (tracemalloc), never by time."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irrkit.analysis import item
from irrkit.analysis.item import Options, analyse
from irrkit.ratings import ItemRatings
from irrkit.statistics import chance_corrected as cc
from irrkit.statistics import counting, weights
from irrkit.statistics.sparse import sparse_count_table

FIELDS = ("value", "se", "pe", "pa", "ci_low", "p_value")


def same(a, b, tol=1e-10):
    assert a.key == b.key and a.status == b.status, (a, b)
    for f in FIELDS:
        x, y = getattr(a, f), getattr(b, f)
        if f == "p_value" and (a.se or 0) < 1e-9:  # value / SE of two rounding errors: p is arbitrary
            continue
        assert (x is None) == (y is None), (f, a, b)
        if x is not None:
            assert x == pytest.approx(y, abs=tol, rel=tol), (f, a.key)


@st.composite
def data(draw):
    n = draw(st.integers(2, 25))
    r = draw(st.integers(2, 6))
    q = draw(st.integers(2, 9))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, q, (n, r))
    codes[rng.random((n, r)) < draw(st.sampled_from([0.0, 0.2, 0.5]))] = -1  # missing: unequal coders per unit
    values = np.sort(rng.choice(np.arange(1, 60), q, replace=False)).astype(float)
    if draw(st.booleans()):
        values = values / 4 - 3  # negative and fractional values
    return codes, q, values


@settings(max_examples=40, deadline=None)
@given(data(), st.sampled_from(weights.WEIGHT_NAMES))
def test_closed_forms_equal_the_q_by_q_path(d, wname):
    codes, q, values = d
    if wname in ("ratio", "bipolar") and values.min() <= 0:
        values = values - values.min() + 1
    w = weights.weight_matrix(wname, values)
    kern = weights.kernel(wname, values)  # dense_max 0: never a matrix
    assert np.allclose(kern.matrix(), w, atol=1e-12)
    dense = cc.agreement(counting.count_table(codes, q), w)
    sparse = cc.agreement(sparse_count_table(codes, q), kern)
    for f in (cc.percent_agreement, cc.fleiss_kappa, cc.gwet_ac, cc.brennan_prediger,
              cc.krippendorff_alpha):
        same(f(dense), f(sparse))
    same(cc.conger_kappa(codes, q, w, a=dense), cc.conger_kappa(codes, q, kern, a=sparse))


@settings(max_examples=30, deadline=None)
@given(data(), st.sampled_from(["nominal", "ordinal", "interval", "ratio"]))
def test_krippendorff_metrics_closed_form_equal_the_matrix(d, level):
    codes, q, values = d
    if level == "ratio":
        values = values - values.min() + 1
    counts = counting.count_table(codes, q)
    dense = item.krippendorff_alpha(counts, list(values), level)
    sparse = item.krippendorff_alpha(sparse_count_table(codes, q), list(values), level)
    same(dense, sparse)


@settings(max_examples=15, deadline=None)
@given(data())
def test_custom_matrix_on_the_sparse_table(d):
    codes, q, _ = d
    rng = np.random.default_rng(q)
    w = rng.random((q, q))
    np.fill_diagonal(w, 1.0)  # not symmetric: W and W' both used
    dense = cc.agreement(counting.count_table(codes, q), w)
    sparse = cc.agreement(sparse_count_table(codes, q), weights.MatrixKernel(w))
    for f in (cc.percent_agreement, cc.fleiss_kappa, cc.gwet_ac, cc.krippendorff_alpha):
        same(f(dense), f(sparse))
    same(cc.conger_kappa(codes, q, w, a=dense), cc.conger_kappa(codes, q, w, a=sparse))


@pytest.mark.parametrize("level,wname", [("interval", None), ("ordinal", None), ("ratio", None),
                                         ("interval", "linear"), ("nominal", None)])
def test_analyse_sparse_path_equals_dense_path(monkeypatch, level, wname):
    """The whole item analysis with every table sparse (DENSE_MAX_Q = 1) against the dense path."""
    rng = np.random.default_rng(7)
    x = rng.integers(1, 8, (30, 4)).astype(float)
    x[rng.random(x.shape) < 0.2] = np.nan
    cats = tuple(float(c) for c in range(1, 8))
    r = ItemRatings("x", level, [str(i) for i in range(30)], list("abcd"), x, cats,
                    weights="ratio" if level == "ratio" else "quadratic")
    opts = Options(weights=wname, per_category=False)
    want = analyse(r, opts)
    monkeypatch.setattr(counting, "DENSE_MAX_Q", 1)
    got = analyse(r, opts)
    assert set(got.coefficients) == set(want.coefficients)
    for key, c in want.coefficients.items():
        same(c, got.coefficients[key])


def duration_item(n: int, seed: int = 0) -> ItemRatings:
    """A 241-value duration item (0-120 s in 0.5 s steps) rated by 5 coders, 5% missing."""
    rng = np.random.default_rng(seed)
    grid = np.round(np.arange(241) * 0.5, 10)
    truth = rng.integers(0, 241, n)
    x = grid[np.clip(truth[:, None] + rng.integers(-6, 7, (n, 5)), 0, 240)]
    x[rng.random(x.shape) < 0.05] = np.nan
    return ItemRatings("duration", "interval", [str(i) for i in range(n)], [f"c{j}" for j in range(5)], x,
                       tuple(grid), weights="quadratic")


def test_241_value_item_over_20000_units_stays_within_a_memory_budget():
    """Peak of the arrays analyse() allocates (tracemalloc) below one dense 20,000 x 241 table (38.6 MB):
    no n x q table, no q x q matrix, no units x q x q array is built."""
    r = duration_item(20_000)
    analyse(duration_item(50))  # imports and caches outside the measurement
    tracemalloc.start()
    try:
        res = analyse(r)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000 * 241 * 8
    c = res.coefficients
    assert all(c[k].ok for k in ("fleiss_kappa", "gwet_ac2", "krippendorff_alpha", "conger_kappa", "icc2"))
    # alpha with the interval metric and Fleiss' kappa with quadratic weights on an evenly spaced scale:
    # Gwet's formulation differs only by the (1 - eps) pa' + eps correction
    assert abs(c["krippendorff_alpha"].value - c["fleiss_kappa"].value) < 1e-3


def test_100000_nominal_categories_build_no_matrix():
    """Issue 14: a codebook with 100,000 nominal categories. Identity weights need no matrix (one would be
    80 GB): the arrays allocated stay below 100 MB."""
    q = 100_000
    rng = np.random.default_rng(3)
    x = rng.integers(1, q + 1, (40, 3)).astype(float)
    x[:20, 1] = x[:20, 0]
    cats = tuple(float(c) for c in range(1, q + 1))
    r = ItemRatings("code", "nominal", [str(i) for i in range(40)], list("abc"), x, cats)
    tracemalloc.start()
    try:
        res = analyse(r)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100 << 20
    pa = res.coefficients["percent_agreement"]
    # 20 units with one agreeing pair out of 3 ordered pairs (2 of 6), the other 20 almost surely none
    assert pa.value == pytest.approx(20 * (2 / 6) / 40, abs=0.02)
    assert any("per-category" in n for n in res.notes) and not res.per_category


def test_max_memory_refuses_an_item_with_exit_2_naming_the_option(tmp_path):
    from typer.testing import CliRunner

    from irrkit.cli.main import app
    from irrkit.cli.options import memory_bytes

    rng = np.random.default_rng(1)
    rows = ["unit,a,b,c"] + [f"u{i}," + ",".join(repr(float(v)) for v in rng.normal(size=3)) for i in range(2000)]
    path = tmp_path / "w.csv"
    path.write_text("\n".join(rows) + "\n")
    before = path.read_bytes()
    res = CliRunner().invoke(app, ["compute", str(path), "--level", "interval", "--max-memory", "100k"])
    assert res.exit_code == 2
    assert "--max-memory" in res.output and "2000 units x 3 coders" in res.output and "Traceback" not in res.output
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["w.csv"]
    res = CliRunner().invoke(app, ["compute", str(path), "--level", "interval", "--max-memory", "1G", "-f", "json"])
    assert res.exit_code == 0, res.output
    assert memory_bytes("1.5GB") == int(1.5 * 2**30) and memory_bytes("500M") == 500 * 2**20
    assert memory_bytes(None) == 0


def test_weights_without_closed_form_beyond_the_work_limit_are_undefined_with_the_reason(monkeypatch):
    r = duration_item(200)
    monkeypatch.setattr(item, "MAX_WEIGHT_EVALS", 241**2 - 1)
    res = analyse(r, Options(weights="radical"))
    for key in ("fleiss_kappa", "gwet_ac2", "conger_kappa", "brennan_prediger", "krippendorff_alpha"):
        c = res.coefficients[key]
        assert c.status == "undefined" and "radical weights have no closed form" in c.reason, key
    assert res.coefficients["icc2"].ok  # the ICCs need no weights
    ok = analyse(r, Options(weights="quadratic")).coefficients  # closed form: any size
    assert ok["fleiss_kappa"].ok and ok["krippendorff_alpha"].ok
