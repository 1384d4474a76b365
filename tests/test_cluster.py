"""Cluster-aware inference: cluster-robust linearisation SEs and the cluster bootstrap.

Checked three ways: one unit per cluster gives back the usual SE exactly; for percent agreement (a mean of
per-unit terms) the cluster-robust SE is statsmodels' CR1 cluster SE of that mean; and a seeded simulation of
units nested in clusters shows the 95% CI's coverage near 95% where the plain CI is too narrow.
"""

from __future__ import annotations

import numpy as np
import pytest

from irrkit.analysis import item
from irrkit.ratings import ItemRatings
from irrkit.statistics import bootstrap as bs
from irrkit.statistics import chance_corrected, clusters, counting

FAMILY = (chance_corrected.percent_agreement, chance_corrected.fleiss_kappa, chance_corrected.gwet_ac,
          chance_corrected.brennan_prediger, chance_corrected.krippendorff_alpha)


def clustered(rng: np.random.Generator, g: int = 40, m: int = 6, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Binary codes of g clusters of m units: each cluster has its own kappa ~ U(0, 1) (common correlation
    model, prevalence 1/2), so units of a cluster agree alike. Population: pa = 0.75, kappa = AC1 = 0.5."""
    kg = np.repeat(rng.beta(1, 1, size=g), m)
    n = g * m
    agree = rng.random(n) < kg
    codes = np.where(agree[:, None], rng.integers(0, 2, n)[:, None], rng.integers(0, 2, (n, k)))
    return codes, np.repeat(np.arange(g), m)


def test_one_unit_per_cluster_is_the_usual_se():
    rng = np.random.default_rng(5)
    codes = rng.integers(0, 3, size=(37, 4))
    codes[rng.random(codes.shape) < 0.1] = -1
    c = counting.count_table(codes, 3)
    plain, single = chance_corrected.agreement(c), chance_corrected.agreement(c, clusters=np.arange(37)[::-1])
    for f in FAMILY:
        a, b = f(plain), f(single)
        assert b.se == pytest.approx(a.se, rel=1e-12) and b.ci_low == pytest.approx(a.ci_low, rel=1e-12)
        assert b.extra["n_clusters"] == 37 and "cluster-robust" in b.method
    assert chance_corrected.conger_kappa(codes, 3, a=single).se == pytest.approx(
        chance_corrected.conger_kappa(codes, 3, a=plain).se, rel=1e-12)


def test_percent_agreement_matches_statsmodels_cluster_se():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(11)
    codes, cl = clustered(rng, g=25, m=5)
    c = counting.count_table(codes, 2)
    res = chance_corrected.percent_agreement(chance_corrected.agreement(c, clusters=cl))
    a = chance_corrected.agreement(c)
    fit = sm.OLS(a.pa_i, np.ones((len(a.pa_i), 1))).fit(cov_type="cluster", cov_kwds={"groups": cl})
    assert res.value == pytest.approx(fit.params[0], rel=1e-12)
    assert res.se == pytest.approx(fit.bse[0], rel=1e-10)  # CR1: G/(G-1) (n-1)/(n-1) for one parameter


def test_cluster_bootstrap_draws_whole_clusters():
    cl = np.array([3, 3, 1, 1, 1, 7])
    m = bs.cluster_multiplicities(cl, 500, np.random.default_rng(2))
    assert (m[:, 0] == m[:, 1]).all() and (m[:, 2] == m[:, 3]).all() and (m[:, 3] == m[:, 4]).all()
    per_cluster = m[:, [0, 2, 5]]
    assert (per_cluster.sum(axis=1) == 3).all()  # three clusters drawn per replicate


def test_coverage_of_the_95_ci_with_clustered_units():
    rng = np.random.default_rng(2024)
    truth = {"percent_agreement": 0.75, "fleiss_kappa": 0.5, "gwet_ac": 0.5}
    fns = {"percent_agreement": chance_corrected.percent_agreement, "fleiss_kappa": chance_corrected.fleiss_kappa,
           "gwet_ac": chance_corrected.gwet_ac}
    hits: dict[str, dict[str, list[bool]]] = {"plain": {}, "cluster": {}, "bootstrap": {}}
    for r in range(400):
        codes, cl = clustered(rng)
        c = counting.count_table(codes, 2)
        for name, a in (("plain", chance_corrected.agreement(c)),
                        ("cluster", chance_corrected.agreement(c, clusters=cl))):
            for key, f in fns.items():
                x = f(a)
                hits[name].setdefault(key, []).append(x.ci_low <= truth[key] <= x.ci_high)
        if r < 150:
            for key, (lo, hi, _, _) in bs.bootstrap_family(c, None, 300, seed=r, clusters=cl).items():
                if key in truth:
                    hits["bootstrap"].setdefault(key, []).append(lo <= truth[key] <= hi)
    cover = {name: {k: float(np.mean(v)) for k, v in d.items()} for name, d in hits.items()}
    for key in truth:
        assert cover["plain"][key] < 0.88, cover  # independence pretended: too narrow
        assert 0.91 <= cover["cluster"][key] <= 0.975, cover
        assert 0.89 <= cover["bootstrap"][key] <= 0.985, cover


def test_analyse_says_how_many_clusters():
    rng = np.random.default_rng(8)
    codes, cl = clustered(rng, g=12, m=4)
    values = codes.astype(float)
    values[0, :] = np.nan  # an unrated unit: its cluster still has others
    r = ItemRatings("form", "nominal", [f"u{i}" for i in range(len(codes))], ["a", "b", "c"], values, (0.0, 1.0),
                    clusters=cl)
    res = item.analyse(r, item.Options(bootstrap=200, seed=3))
    assert res.n_clusters == 12 and res.to_dict()["n_clusters"] == 12
    fk = res.coefficients["fleiss_kappa"]
    assert fk.extra["n_clusters"] == 12 and "whole clusters" in fk.extra["bootstrap"]["method"]
    assert any("47 units in 12 clusters" in n for n in res.notes)
    plain = item.analyse(r.__class__(**{**r.__dict__, "clusters": None}), item.Options())
    assert plain.n_clusters is None and "n_clusters" not in plain.to_dict()
    assert fk.se != plain.coefficients["fleiss_kappa"].se


def test_one_cluster_gives_no_robust_se():
    assert clusters.robust_se(np.ones(3), np.zeros(3), 1.0) is None  # one cluster: no SE


def test_icc_cluster_bootstrap_coverage():
    # 60 sessions of 5 sequences, 3 coders; sessions differ in their mean (the sequences of one session are
    # alike): population ICC(1) = (0.5 + 1.5) / (0.5 + 1.5 + 1) = 2/3
    from irrkit.statistics import icc

    rng = np.random.default_rng(7)
    g, m, k = 60, 5, 3
    hit_f, hit_b = [], []
    for r in range(300):
        s = np.repeat(rng.normal(size=g) * np.sqrt(1.5), m) + rng.normal(size=g * m) * np.sqrt(0.5)
        x = s[:, None] + rng.normal(size=(g * m, k))
        f = icc.icc_from_mean_squares(icc.mean_squares(x))["icc1"]
        hit_f.append(f.ci_low <= 2 / 3 <= f.ci_high)
        lo, hi, _, _ = bs.bootstrap_icc(x, 400, seed=r, clusters=np.repeat(np.arange(g), m))["icc1"]
        hit_b.append(lo <= 2 / 3 <= hi)
    assert np.mean(hit_f) < 0.89  # the F-based CI takes the 300 sequences as independent
    assert 0.90 <= np.mean(hit_b) <= 0.98


@pytest.mark.parametrize("seed", range(5))
def test_integer_cluster_codes_give_what_sorted_labels_give(seed):
    """Integer codes take a bincount path; labels as text take np.unique: the same clusters, the same SE."""
    rng = np.random.default_rng(seed)
    codes = rng.choice(rng.choice(10_000, 40, replace=False), 500)  # sparse, unsorted integer codes
    terms = rng.normal(size=500)
    as_text = np.array([f"s{c:06d}" for c in codes])
    assert clusters.n_clusters(codes) == clusters.n_clusters(as_text) == len(set(codes.tolist()))
    assert clusters.robust_se(terms, codes, 0.1) == pytest.approx(clusters.robust_se(terms, as_text, 0.1), rel=1e-12)
    assert clusters.robust_se(terms, np.zeros(500, dtype=np.int64), 0.0) is None  # one cluster
