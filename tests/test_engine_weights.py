"""Frequency weights in the chance-corrected engine: a table whose rows carry multiplicities gives the numbers of
the expanded table (each row repeated that many times), for every coefficient: value, SE, CI, p, pa, pe, units,
with missing ratings, unequal numbers of coders per unit, unused categories, category weights, sparse tables and
clusters. The expanded path is the one verified against R irrCAC (tests/test_r_reference.py): this is an
independent check of the weighted one."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irrkit.statistics import chance_corrected as cc
from irrkit.statistics import clusters as cluster_module
from irrkit.statistics import counting, weights

FIELDS = ("value", "se", "ci_low", "ci_high", "p_value", "pa", "pe")


def same(got, want, key):
    assert got.status == want.status, (key, got.reason, want.reason)
    assert got.n_units == want.n_units, key
    assert got.method == want.method, key
    assert got.extra == want.extra, key

    if want.se is not None and got.se is not None and max(want.se, got.se) < 1e-12:
        # SE 0 in exact arithmetic (and the value 0 or 1): whether rounding leaves 0 or 1e-17 decides between
        # p = 0.5 and "no test", in the expanded table as much as in the weighted one
        assert want.value == pytest.approx(got.value, abs=1e-12), key
        return
    for f in FIELDS:
        g, w = getattr(got, f), getattr(want, f)
        if w is None:
            assert g is None, (key, f)
        else:
            assert g == pytest.approx(w, rel=1e-9, abs=1e-12), (key, f)


def family(codes, q, w, clusters=None, freq=None, dense_max=counting.DENSE_MAX_Q, counts_input=False):
    t = counting.table(codes, q, dense_max=dense_max)
    a = cc.agreement(t, w, clusters=clusters, freq=freq)
    out = {c.key: c for c in (cc.percent_agreement(a), cc.brennan_prediger(a), cc.fleiss_kappa(a),
                              cc.gwet_ac(a), cc.krippendorff_alpha(a, counts_input=counts_input))}
    if dense_max >= q:  # Conger from the index matrix (its own marginals), with and without the caller's table
        out["conger"] = cc.conger_kappa(codes, q, w, freq=freq)
        out["conger_a"] = cc.conger_kappa(codes, q, w, a=a, freq=freq)
    return out


def data(rng, n, m, q, missing, used=None):
    used = q if used is None else used  # categories 0..used-1 occur, the rest of the q never do
    codes = rng.integers(0, used, size=(n, m)).astype(np.int32)
    codes[rng.random((n, m)) < missing] = -1
    return codes


WEIGHTS = ("identity", "linear", "quadratic", "ordinal", "radical", "ratio", "circular", "bipolar")


@pytest.mark.parametrize("seed", range(24))
def test_weighted_rows_equal_the_expanded_table(seed):
    rng = np.random.default_rng(seed)
    q = int(rng.integers(2, 6))
    m = int(rng.integers(2, 6))
    n = int(rng.integers(3, 40))
    codes = data(rng, n, m, q, missing=[0.0, 0.2, 0.5][seed % 3], used=max(2, q - seed % 2))
    freq = rng.integers(0, 5, size=n)
    freq[0] = max(freq[0], 1)
    w = weights.weight_matrix(WEIGHTS[seed % len(WEIGHTS)], list(range(1, q + 1)))
    clusters = None if seed % 4 == 0 else rng.integers(0, 4, size=n)
    # rows of weight 0 have no unit in the expanded table, and so no cluster either
    if clusters is not None and not (freq > 0).all():
        clusters = np.where(freq > 0, clusters, clusters[freq > 0][0])
    expanded = np.repeat(codes, freq, axis=0)
    ex_clusters = None if clusters is None else np.repeat(clusters, freq)
    for counts_input in (False, True):
        got = family(codes, q, w, clusters, freq, counts_input=counts_input)
        want = family(expanded, q, w, ex_clusters, counts_input=counts_input)
        for key in got:
            same(got[key], want[key], key)


@pytest.mark.parametrize("seed", range(8))
def test_sparse_table_and_kernels(seed):
    """The sparse table (many categories) with the closed-form kernels, weighted against expanded."""
    rng = np.random.default_rng(100 + seed)
    q, m, n = 12, int(rng.integers(2, 5)), 30
    codes = data(rng, n, m, q, missing=0.3)
    freq = rng.integers(1, 4, size=n)
    kern = weights.kernel(WEIGHTS[seed % 4], [float(v) for v in range(q)])
    clusters = None if seed % 2 else rng.integers(0, 3, size=n)
    expanded = np.repeat(codes, freq, axis=0)
    got = family(codes, q, kern, clusters, freq, dense_max=0)
    want = family(expanded, q, kern, None if clusters is None else np.repeat(clusters, freq), dense_max=0)
    for key in got:
        same(got[key], want[key], key)


def test_all_ones_is_the_unweighted_result_and_bad_weights_are_refused():
    rng = np.random.default_rng(7)
    codes = data(rng, 25, 3, 4, missing=0.2)
    cl = rng.integers(0, 3, size=25)
    for clusters in (None, cl):
        got, want = family(codes, 4, None, clusters, np.ones(25)), family(codes, 4, None, clusters)
        for key in got:
            same(got[key], want[key], key)
    with pytest.raises(ValueError, match="whole numbers"):
        cc.agreement(counting.count_table(codes, 4), freq=np.full(25, 0.5))
    with pytest.raises(ValueError, match="frequency weights for"):
        cc.agreement(counting.count_table(codes, 4), freq=np.ones(3))


def test_undefined_cases_agree():
    """One category used, a single unit (weighted to many), no pairable unit."""
    one = np.zeros((4, 3), dtype=np.int32)
    same(family(one, 2, None, freq=[1, 2, 3, 4])["fleiss_kappa"], family(np.repeat(one, [1, 2, 3, 4], axis=0),
                                                                          2, None)["fleiss_kappa"], "fleiss")
    single = np.array([[0, 1, 1]], dtype=np.int32)
    got, want = family(single, 2, None, freq=[5]), family(np.repeat(single, 5, axis=0), 2, None)
    for key in got:
        same(got[key], want[key], key)
    lonely = np.array([[0, -1], [-1, 1], [1, 1]], dtype=np.int32)
    got, want = family(lonely, 2, None, freq=[3, 2, 1]), family(np.repeat(lonely, [3, 2, 1], axis=0), 2, None)
    for key in got:
        same(got[key], want[key], key)


def test_robust_se_with_frequencies():
    rng = np.random.default_rng(3)
    terms, cl, f = rng.normal(size=20), rng.integers(0, 5, size=20), rng.integers(1, 4, size=20)
    assert cluster_module.robust_se(terms, cl, 0.2, f) == pytest.approx(
        cluster_module.robust_se(np.repeat(terms, f), np.repeat(cl, f), 0.2), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_weighted_equals_expanded_property(d):
    n = d.draw(st.integers(2, 15))
    m = d.draw(st.integers(2, 4))
    q = d.draw(st.integers(2, 4))
    codes = np.array(d.draw(st.lists(st.lists(st.integers(-1, q - 1), min_size=m, max_size=m), min_size=n,
                                     max_size=n)), dtype=np.int32)
    freq = np.array(d.draw(st.lists(st.integers(1, 4), min_size=n, max_size=n)))
    clusters = np.array(d.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))) if d.draw(st.booleans()) \
        else None
    w = weights.weight_matrix(d.draw(st.sampled_from(WEIGHTS[:4])), list(range(q)))
    got = family(codes, q, w, clusters, freq)
    want = family(np.repeat(codes, freq, axis=0), q, w, None if clusters is None else np.repeat(clusters, freq))
    for key in got:
        same(got[key], want[key], key)
