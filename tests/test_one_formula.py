"""One formula per statistic: the bootstrap's replicates are the engine's point estimates, the ICC replicates
the ICC module's formulas. Checked against the engine on the table with each unit repeated as often as the
replicate draws it (an expansion that shares none of the vectorised sums)."""

from __future__ import annotations

import numpy as np
import pytest
from irrkit.statistics import bootstrap, chance_corrected, icc, weights

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
    counts = chance_corrected.count_table(codes, q)
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
