"""One formula per statistic: the bootstrap's replicates are the engine's point estimates, the ICC replicates
the ICC module's formulas. Checked against the engine on the table with each unit repeated as often as the
replicate draws it (an expansion that shares none of the vectorised sums)."""

from __future__ import annotations

import numpy as np
import pytest

from irrkit.statistics import bootstrap, chance_corrected, counting, icc, weights

ENGINE = {"percent_agreement": chance_corrected.percent_agreement, "fleiss_kappa": chance_corrected.fleiss_kappa,
          "gwet_ac": chance_corrected.gwet_ac, "brennan_prediger": chance_corrected.brennan_prediger,
          "krippendorff_alpha": chance_corrected.krippendorff_alpha}


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("wname", ["identity", "quadratic"])
def test_family_replicates_are_the_engine_on_the_resampled_table(seed, wname):
    rng = np.random.default_rng(seed)
    n, r, q = 40, 4, 4
    truth = rng.integers(0, q, n)
    codes = np.where(rng.random((n, r)) < 0.6, truth[:, None], rng.integers(0, q, (n, r)))
    codes[rng.random((n, r)) < 0.15] = -1
    codes[:, 0] = np.where((codes >= 0).sum(axis=1) < 1, truth, codes[:, 0])
    counts = counting.count_table(codes, q)
    w = weights.weight_matrix(wname, list(range(1, q + 1)))
    m = bootstrap.multiplicities(n, 5, rng)
    reps = bootstrap.family_replicates(counts, w, m)
    for b in range(len(m)):
        a = chance_corrected.agreement(np.repeat(counts, m[b].astype(int), axis=0), w)
        for key, fn in ENGINE.items():
            assert reps[key][b] == pytest.approx(fn(a).value, abs=1e-12), (key, b)


def test_icc_replicates_are_the_icc_module_on_the_resampled_matrix():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(30, 4)) + 2 * rng.normal(size=(30, 1))
    m = bootstrap.multiplicities(30, 5, rng)
    reps = bootstrap.icc_replicates(x, m)
    for b in range(len(m)):
        want = icc.icc_from_mean_squares(icc.mean_squares(np.repeat(x, m[b].astype(int), axis=0)))
        for key in icc.ICC_KEYS:
            assert reps[key][b] == pytest.approx(want[key].value, abs=1e-12), (key, b)


def test_two_coder_table_over_the_codes_in_use_equals_the_full_table() -> None:
    """table_coefficients of a table over the used categories with n_categories = q equals the full q x q table
    (dense evaluation up to 64 categories, the non-empty cells beyond), and Cohen's kappa equals Conger's kappa
    of the engine on the expanded pairs (a different implementation)."""
    from irrkit.statistics import chance_corrected, two_coders

    rng = np.random.default_rng(11)
    for q, u in ((12, 5), (64, 9), (65, 9), (300, 20)):
        t = rng.integers(0, 6, (u, u)).astype(float)
        full = np.zeros((q, q))
        full[:u, :u] = t
        a = two_coders.table_coefficients(full)
        b = two_coders.table_coefficients(t, n_categories=q)
        for k in a:
            for f in ("value", "se", "pe", "pa"):
                x, y = getattr(a[k], f), getattr(b[k], f)
                assert (x is None and y is None) or x == pytest.approx(y, abs=1e-12), (q, k, f)
        i, j = np.nonzero(t)
        pairs = np.repeat(np.stack([i, j], axis=1), t[i, j].astype(int), axis=0).astype(np.int32)
        conger = chance_corrected.conger_kappa(pairs, q)
        assert b["cohen_kappa"].value == pytest.approx(conger.value, abs=1e-12)
