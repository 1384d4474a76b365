"""Agreement with independent implementations on generated data, and properties every coefficient must have."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irrkit.analysis.item import krippendorff_alpha
from irrkit.statistics import chance_corrected, counting, weights
from irrkit.statistics.icc import icc_all
from irrkit.statistics.two_coders import cohen_null_se, contingency, table_coefficients


def generate(rng: np.random.Generator, n: int, r: int, q: int, missing: float = 0.0, agree: float = 0.6):
    """Units x coders codes with a shared true category per unit, noise and missing ratings."""
    truth = rng.integers(0, q, n)
    noise = rng.integers(0, q, (n, r))
    keep = rng.random((n, r)) < agree
    codes = np.where(keep, truth[:, None], noise)
    if missing:
        codes = np.where(rng.random((n, r)) < missing, -1, codes)
        codes[:, 0] = np.where((codes >= 0).sum(axis=1) == 0, truth, codes[:, 0])
    return codes


@pytest.mark.parametrize("seed", range(5))
def test_fleiss_matches_statsmodels(seed):
    from statsmodels.stats.inter_rater import fleiss_kappa

    rng = np.random.default_rng(seed)
    codes = generate(rng, 80, 5, 4)
    counts = counting.count_table(codes, 4)
    assert chance_corrected.fleiss_kappa(chance_corrected.agreement(counts)).value == pytest.approx(
        fleiss_kappa(counts), abs=1e-12)
    # Brennan-Prediger is statsmodels' 'randolph' (uniform chance)
    assert chance_corrected.brennan_prediger(chance_corrected.agreement(counts)).value == pytest.approx(
        fleiss_kappa(counts, method="randolph"), abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("wname,sm", [("identity", None), ("linear", "linear"), ("quadratic", "quadratic")])
def test_cohen_matches_statsmodels(seed, wname, sm):
    from statsmodels.stats.inter_rater import cohens_kappa

    rng = np.random.default_rng(seed)
    codes = generate(rng, 60, 2, 5)
    t = contingency(codes[:, 0], codes[:, 1], 5)
    w = weights.weight_matrix(wname, [1, 2, 3, 4, 5])
    ref = cohens_kappa(t, wt=sm) if sm else cohens_kappa(t)
    ours = table_coefficients(t, w)["cohen_kappa"]
    assert ours.value == pytest.approx(ref.kappa, abs=1e-12)
    # raw data through Conger's engine gives the same value
    assert chance_corrected.conger_kappa(codes, 5, w, key="cohen_kappa").value == pytest.approx(ref.kappa, abs=1e-12)
    if sm is None:  # statsmodels' null SE is the Fleiss-Cohen-Everitt one for unweighted kappa
        assert cohen_null_se(t, w)[0] == pytest.approx(ref.std_kappa0, rel=1e-9)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
@pytest.mark.parametrize("missing", [0.0, 0.25])
def test_alpha_matches_krippendorff_package(seed, level, missing):
    import krippendorff

    rng = np.random.default_rng(100 + seed)
    codes = generate(rng, 50, 4, 5, missing=missing)
    values = np.where(codes >= 0, codes + 1.0, np.nan)
    counts = counting.count_table(codes, 5)
    ours = krippendorff_alpha(counts, [1.0, 2, 3, 4, 5], level)
    ref = krippendorff.alpha(reliability_data=values.T, level_of_measurement=level, value_domain=[1, 2, 3, 4, 5])
    assert ours.value == pytest.approx(ref, abs=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_icc_complete_matches_statsmodels_anova(seed):
    """Mean squares against statsmodels' OLS ANOVA of rating ~ C(unit) + C(coder)."""
    import pandas as pd
    import statsmodels.formula.api as smf
    from statsmodels.stats.anova import anova_lm

    from irrkit.statistics.anova import mean_squares

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(25, 1)) * 2 + rng.normal(size=(25, 4)) + rng.normal(size=(1, 4))
    df = pd.DataFrame([(i, j, x[i, j]) for i in range(25) for j in range(4)], columns=["unit", "coder", "y"])
    table = anova_lm(smf.ols("y ~ C(unit) + C(coder)", df).fit())
    ms = mean_squares(x)
    assert ms.bms == pytest.approx(table.loc["C(unit)", "mean_sq"], rel=1e-10)
    assert ms.jms == pytest.approx(table.loc["C(coder)", "mean_sq"], rel=1e-10)
    assert ms.ems == pytest.approx(table.loc["Residual", "mean_sq"], rel=1e-10)


# --- properties ------------------------------------------------------------------------------------------------

codes_strategy = st.integers(min_value=0, max_value=10_000).map(
    lambda s: generate(np.random.default_rng(s), 15 + s % 20, 2 + s % 4, 2 + s % 4, missing=0.2 * (s % 2)))


def family(codes: np.ndarray, q: int, w: np.ndarray | None = None) -> dict[str, float]:
    a = chance_corrected.agreement(counting.count_table(codes, q), w)
    cc = chance_corrected
    out = {c.key: c.value for c in (cc.percent_agreement(a), cc.fleiss_kappa(a), cc.gwet_ac(a),
                                    cc.brennan_prediger(a), cc.krippendorff_alpha(a))}
    out["conger_kappa"] = chance_corrected.conger_kappa(codes, q, w).value
    return out


@settings(max_examples=40, deadline=None)
@given(codes_strategy, st.integers(0, 2**32 - 1))
def test_invariant_under_permutation_of_units_and_coders(codes, seed):
    q = int(codes.max()) + 1
    rng = np.random.default_rng(seed)
    base = family(codes, q)
    units = family(codes[rng.permutation(codes.shape[0])], q)
    coders = family(codes[:, rng.permutation(codes.shape[1])], q)
    for key, v in base.items():
        if v is None:
            continue
        assert units[key] == pytest.approx(v, abs=1e-10)
        assert coders[key] == pytest.approx(v, abs=1e-10)  # Conger too: it is symmetric in coders


@settings(max_examples=40, deadline=None)
@given(codes_strategy, st.integers(0, 2**32 - 1))
def test_nominal_invariant_under_relabelling(codes, seed):
    q = int(codes.max()) + 1
    perm = np.random.default_rng(seed).permutation(q)
    relabelled = np.where(codes >= 0, perm[np.clip(codes, 0, None)], -1)
    base, other = family(codes, q), family(relabelled, q)
    for key, v in base.items():
        if v is not None:
            assert other[key] == pytest.approx(v, abs=1e-10)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 40), st.integers(2, 6), st.integers(2, 5), st.integers(0, 2**32 - 1))
def test_perfect_agreement_gives_one(n, r, q, seed):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, q, n)
    truth[:2] = [0, 1]  # at least two categories used, so kappa is defined
    codes = np.repeat(truth[:, None], r, axis=1)
    for wname in ("identity", "quadratic"):
        w = weights.weight_matrix(wname, list(range(1, q + 1)))
        for key, v in family(codes, q, w).items():
            assert v == pytest.approx(1.0, abs=1e-12), key


@settings(max_examples=40, deadline=None)
@given(codes_strategy)
def test_values_within_bounds(codes):
    """Bounds a wrong formula breaks (the old version only checked v <= 1, true of any (pa - pe)/(1 - pe)).

    Percent agreement is the share of agreeing ordered pairs of ratings, averaged over units with two or more
    ratings (counted here pair by pair); with every unit rated by all r coders, Fleiss' kappa is >= -1/(r - 1)
    (Fleiss 1971: pa >= (r pe - 1)/(r - 1) by Jensen's inequality) and ICC(1) >= -1/(k - 1) (BMS >= 0)."""
    q = int(codes.max()) + 1
    fam = family(codes, q)
    shares = []
    for row in codes:
        rated = [c for c in row if c >= 0]
        pairs = [(x, y) for i, x in enumerate(rated) for j, y in enumerate(rated) if i != j]
        if pairs:
            shares.append(sum(x == y for x, y in pairs) / len(pairs))
    assert fam["percent_agreement"] == pytest.approx(float(np.mean(shares)), abs=1e-12)
    r = codes.shape[1]
    complete = (codes >= 0).all()
    for key, v in fam.items():
        if v is None:
            continue
        assert v <= 1 + 1e-12, key
        if key == "fleiss_kappa" and complete:
            assert v >= -1 / (r - 1) - 1e-12, key
    values = np.where(codes >= 0, codes.astype(float), np.nan)
    for key, c in icc_all(values).items():
        if c.ok:
            assert c.value <= 1 + 1e-12, key
            if key == "icc1" and complete:
                assert c.value >= -1 / (r - 1) - 1e-12, key


@pytest.mark.parametrize("seed", range(4))
def test_reml_variance_components_match_statsmodels_mixedlm(seed):
    """irrkit's REML (Woodbury/Schur, numpy) against statsmodels' MixedLM with crossed random effects.

    statsmodels' BFGS stops earlier on the flat coder direction (few coders): 1e-3 there; against lme4 (psych
    fixture) irrkit agrees to 1e-6."""
    import warnings

    import pandas as pd
    from statsmodels.regression.mixed_linear_model import MixedLM

    from irrkit.statistics.icc import variance_components

    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(15, 50)), int(rng.integers(2, 6))
    x = rng.normal(size=(n, 1)) * 1.5 + rng.normal(size=(n, k)) + rng.normal(size=(1, k)) * 0.7
    x[rng.random(x.shape) < 0.15] = np.nan
    i, j = np.nonzero(~np.isnan(x))
    df = pd.DataFrame({"y": x[i, j], "unit": i, "coder": j, "one": 1})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = MixedLM.from_formula("y ~ 1", groups="one", re_formula="0", data=df,
                                   vc_formula={"unit": "0 + C(unit)", "coder": "0 + C(coder)"}).fit(reml=True)
    ref = dict(zip(fit.model.exog_vc.names, fit.vcomp))
    ours = variance_components(x)
    assert ours["unit"] == pytest.approx(ref["unit"], rel=1e-3, abs=1e-6)
    assert ours["coder"] == pytest.approx(ref["coder"], rel=1e-3, abs=1e-4)
    assert ours["error"] == pytest.approx(fit.scale, rel=1e-3)
