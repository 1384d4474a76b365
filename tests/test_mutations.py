"""Tests that kill one-line mutations which the rest of the suite let survive.

Each test names the mutation it kills and where its expected figure comes from (an R fixture, a published
value, a hand tally, or a second computation written here with plain numpy that shares no code with irrkit).
Each was checked by applying its mutation temporarily and seeing the test fail.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from irrkit.episodes import events, timeline, video
from irrkit.episodes.timecode import EpisodeSpec, build
from irrkit.statistics import bootstrap, chance_corrected, counting, interpret
from irrkit.statistics.results import Coefficient, undefined

R = Path(__file__).parent.parent / "fixtures" / "r_reference"
PSYCH = {c["id"]: c for c in json.loads((R / "psych_icc.json").read_text())["cases"]}
RAW = {c["id"]: c for c in json.loads((R / "irrcac_raw.json").read_text())["cases"]}
PSYCH_KEYS = {"icc1": "ICC1", "icc2": "ICC2", "icc3": "ICC3", "icc1k": "ICC1k", "icc2k": "ICC2k", "icc3k": "ICC3k"}


# --- the bootstrap's ICCs -------------------------------------------------------------------------------------

@pytest.mark.parametrize("case_id", ["icc_10x3", "icc_30x5", "icc_shrout_fleiss_6x4", "icc_50x2"])
def test_bootstrap_icc_replicate_of_the_sample_is_psych_icc(case_id):
    """Kills: the bootstrap's ICC(A,1) or ICC(C,k) formula changed (any of the six). Source: R psych::ICC
    (fixtures/r_reference/psych_icc.json): the replicate that draws every unit once is the sample itself."""
    case = PSYCH[case_id]
    x = np.array(case["ratings"], dtype=float)
    reps = bootstrap.icc_replicates(x, np.ones((1, x.shape[0])))
    for key, name in PSYCH_KEYS.items():
        assert reps[key][0] == pytest.approx(case["icc"]["results"][name]["ICC"], abs=1e-9), key


def _textbook_iccs(y: np.ndarray) -> dict[str, float]:
    """McGraw & Wong (1996) / Shrout & Fleiss (1979) from the two-way ANOVA of a complete n x k matrix."""
    n, k = y.shape
    g = y.mean()
    ss_r = k * ((y.mean(axis=1) - g) ** 2).sum()
    ss_c = n * ((y.mean(axis=0) - g) ** 2).sum()
    ss_t = ((y - g) ** 2).sum()
    msr, msc = ss_r / (n - 1), ss_c / (k - 1)
    msw = (ss_t - ss_r) / (n * (k - 1))
    mse = (ss_t - ss_r - ss_c) / ((n - 1) * (k - 1))
    return {"icc1": (msr - msw) / (msr + (k - 1) * msw), "icc1k": (msr - msw) / msr,
            "icc2": (msr - mse) / (msr + (k - 1) * mse + k / n * (msc - mse)),
            "icc2k": (msr - mse) / (msr + (msc - mse) / n),
            "icc3": (msr - mse) / (msr + (k - 1) * mse), "icc3k": (msr - mse) / msr}


def test_bootstrap_icc_percentile_ci_equals_direct_resampling():
    """Kills: the bootstrap's ICC(A,1) or ICC(C,k) formula changed, and the percentile rule. Source: a direct
    resampling written here (the same seeded draws, each replicate's matrix built with x[idx] and its ICCs
    from the textbook McGraw & Wong formulas, percentiles by np.quantile)."""
    x = np.array(PSYCH["icc_30x5"]["ratings"], dtype=float)
    n = x.shape[0]
    got = bootstrap.bootstrap_icc(x, 400, seed=11)
    rng = np.random.default_rng(11)
    reps: dict[str, list[float]] = {k: [] for k in PSYCH_KEYS}
    for size in (250, 150):  # bootstrap_icc draws in chunks of 250 replicates
        for idx in rng.integers(0, n, size=(size, n), dtype=np.int64):
            for k, v in _textbook_iccs(x[idx]).items():
                reps[k].append(v)
    for key, vals in reps.items():
        lo, hi = np.quantile(vals, [0.025, 0.975])
        low, high, se, m = got[key]
        assert m == 400
        assert low == pytest.approx(lo, abs=1e-10), key
        assert high == pytest.approx(min(hi, 1.0), abs=1e-10), key
        assert se == pytest.approx(np.std(vals, ddof=1), abs=1e-10), key


# --- Krippendorff's alpha: the upper CI bound is capped at 1 --------------------------------------------------

@pytest.mark.parametrize("wname", ["identity", "quadratic"])
def test_alpha_ci_upper_bound_is_capped_at_one(wname):
    """Kills: alpha's CI cap removed (the upper bound min(1, value + t se), results.t_inference). Source: R
    irrCAC krippen.alpha.raw on fixtures/r_reference/irrcac_raw.json case two_units, where value + t se > 1
    and R reports ucb = 1."""
    from irrkit.statistics import weights

    case = RAW["two_units"]
    want = case["results"][wname]["coefficients"]["krippen.alpha.raw"]
    x = np.array([[np.nan if v is None else v for v in row] for row in case["ratings"]], dtype=float)
    cats = sorted({float(v) for v in x[~np.isnan(x)]})
    codes = counting.category_index(x, cats)
    w = weights.weight_matrix(wname, cats)
    a = chance_corrected.agreement(counting.count_table(codes, len(cats)), w)
    ours = chance_corrected.krippendorff_alpha(a)
    from scipy.stats import t as student

    assert want["value"] + student.ppf(0.975, 1) * want["se"] > 1 and want["ucb"] == 1
    assert ours.value == pytest.approx(want["value"], abs=1e-9)
    assert ours.ci_high == 1.0
    assert ours.ci_low == pytest.approx(want["lcb"], abs=1e-9)


def test_bootstrap_percentile_upper_bound_is_capped_at_one():
    """Kills: the cap of the percentile CI (bootstrap.percentile_ci) removed. Source: the convention of R irrCAC
    (upper bounds of agreement coefficients capped at 1), on replicates whose 97.5th percentile is above 1."""
    reps = np.linspace(0.9, 1.1, 401)
    low, high, _, n = bootstrap.percentile_ci(reps)
    assert n == 401 and high == 1.0 and low == pytest.approx(0.905, abs=1e-12)


# --- Koo & Li (2016) bands ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,band", [(0.4999999, "Poor"), (0.5, "Moderate"), (0.7499999, "Moderate"),
                                        (0.75, "Good"), (0.8999999, "Good"), (0.9000001, "Excellent")])
def test_koo_li_boundaries(value, band):
    """Kills: the Koo & Li bands closed on the other side (0.5 read as poor, 0.75 as moderate). Source: Koo &
    Li (2016, J Chiropr Med 15:155, p. 161): below 0.5 poor, 0.5-0.75 moderate, 0.75-0.9 good, above 0.90
    excellent (a boundary value opens the band that starts at it)."""
    assert interpret.label(value, "koo_li") == band


# --- the mean over pairs of coders ----------------------------------------------------------------------------

def test_video_mean_over_pairs_is_the_arithmetic_mean():
    """Kills: the mean over coder pairs/codes in episodes/video.py changed (median, first, max, the undefined
    ones counted as 0). Source: hand computation, (0.2 + 0.35 + 0.8) / 3 = 0.45."""
    cs = [Coefficient("k", 0.2, n_units=10), Coefficient("k", 0.35, n_units=12), undefined("k", "pe = 1"),
          Coefficient("k", 0.8, n_units=11)]
    m = video._mean("k", cs, "pair")
    assert m.value == pytest.approx(0.45, abs=1e-15)
    assert m.n_units == 12 and m.se is None
    assert "3 pairs of coders" in m.method


def test_timeline_mean_over_pairs_is_the_arithmetic_mean():
    """Kills: the mean over coder pairs of the tolerant kappas in episodes/timeline.py changed. Source: hand
    computation, (0.1 + 0.6 + 0.5) / 3 = 0.4."""
    cs = [Coefficient("k", 0.1, n_units=5), Coefficient("k", 0.6, n_units=5), Coefficient("k", 0.5, n_units=5),
          undefined("k", "pe = 1")]
    assert timeline._mean("k", cs).value == pytest.approx(0.4, abs=1e-15)


def test_light_kappa_is_the_mean_of_irr_pairwise_kappas():
    """Kills: Light's kappa's mean over pairs changed (analysis/diagnostics.py). Source: R irr::kappa2 per pair
    and irr::kappam.light (fixtures/r_reference/diagnostics.json, case generated_5coders_missing: 10 pairs)."""
    from irrkit.analysis.diagnostics import light_kappa
    from irrkit.ratings import ItemRatings

    case = next(c for c in json.loads((R / "diagnostics.json").read_text())["cases"]
                if c["case_id"] == "generated_5coders_missing")
    cats = case["categories"]
    x = np.array([[np.nan if v is None else float(cats.index(v)) for v in row] for row in case["ratings"]])
    r = ItemRatings("x", "nominal", case["units"], case["coders"], x, tuple(float(i) for i in range(len(cats))))
    got = light_kappa(r)
    assert got.value == pytest.approx(case["light_kappa"]["value"], abs=1e-9)
    assert got.extra["pairs"] == 10


# --- event matching -------------------------------------------------------------------------------------------

def _episodes(rows, tolerance=2.0):
    spec = EpisodeSpec("cry", ("a", "b", "c"), overlap=True, step=1.0, tolerance=tolerance)
    return build(spec, [(v, c, s, e, k, 0, i + 2) for i, (v, c, s, e, k) in enumerate(rows)], ["hand.csv"])


@pytest.mark.parametrize("rule", events.RULES)
def test_onset_difference_equal_to_the_tolerance_matches(rule):
    """Kills: the tolerance boundary made strict (|onset difference| < tolerance) in events.py (the one-to-one
    blocks and the blocks the Hungarian algorithm decides). Source: Bakeman, Quera & Gnisci (2009) / Quera et
    al. (2007): onsets within the tolerance, |difference| <= tolerance, match; a hand-built episode set with
    point events (so the overlap rule falls back on the tolerance too)."""
    tol = 2000
    # video 1: one episode each, onsets exactly tol apart (a one-to-one block): matched
    # video 2: one episode each, tol + 1 apart: not matched
    # video 3: A at 0 and 100, B at 2000 and 2100: a block with a choice; both pairs exactly tol apart
    rows = [("v1", "A", 10_000, 10_000, 0), ("v1", "B", 12_000, 12_000, 0),
            ("v2", "A", 10_000, 10_000, 1), ("v2", "B", 12_001, 12_001, 1),
            ("v3", "A", 0, 0, 0), ("v3", "A", 100, 100, 1), ("v3", "B", 2000, 2000, 0), ("v3", "B", 2100, 2100, 1)]
    es = _episodes(rows)
    m = events.match(es, 0, 1, tol, rule)
    got = sorted((int(es.video[i]), int(es.start[i]), int(es.start[j])) for i, j in m.pairs)
    assert got == [(0, 10_000, 12_000), (2, 0, 2000), (2, 100, 2100)]
    assert sorted(es.start[m.only_a].tolist()) == [10_000] and sorted(es.start[m.only_b].tolist()) == [12_001]


def test_matched_and_event_kappa_from_a_hand_tally():
    """Kills: matched_kappa (or event_kappa) forced to a constant in events.py. Source: a hand tally of a small
    example and Cohen's (1960) kappa worked by hand.

    Matched pairs (A, B): (a, a) x 3, (b, b) x 2, (a, b), (c, c), (b, c); unmatched: A's b, B's c.
    Matched 3 x 3 table [[3, 1, 0], [0, 2, 1], [0, 0, 1]], n = 8: po = 6/8, rows (4, 3, 1)/8, columns (3, 3, 2)/8,
    pe = (12 + 9 + 2)/64 = 23/64, kappa = (48/64 - 23/64) / (41/64) = 25/41.
    Event table with nil (4 x 4): the matched table plus (b, nil) and (nil, c), n = 10: po = 6/10, rows
    (4, 4, 1, 1)/10, columns (3, 3, 3, 1)/10, pe = (12 + 12 + 3 + 1)/100 = 28/100, kappa = 32/72 = 4/9.
    """
    pairs = [(0, 0), (0, 0), (0, 0), (1, 1), (1, 1), (0, 1), (2, 2), (1, 2)]
    rows = []
    t = 0
    for ka, kb in pairs:  # well separated, B 300 ms after A
        rows += [("v", "A", t, t + 1000, ka), ("v", "B", t + 300, t + 1300, kb)]
        t += 20_000
    rows += [("v", "A", t, t + 1000, 1), ("v", "B", t + 20_000, t + 21_000, 2)]  # unmatched each
    res = events.event_based(_episodes(rows), 0, 1)
    assert (res.agreements, res.code_disagreements, res.only_a, res.only_b) == (6, 2, 1, 1)
    assert res.coefficients["matched_kappa"].value == pytest.approx(25 / 41, abs=1e-12)
    assert res.coefficients["matched_percent_agreement"].value == pytest.approx(6 / 8, abs=1e-12)
    assert res.coefficients["event_kappa"].value == pytest.approx(4 / 9, abs=1e-12)
    assert res.coefficients["event_percent_agreement"].value == pytest.approx(6 / 10, abs=1e-12)


# --- sequential gating ----------------------------------------------------------------------------------------

def test_bonferroni_looks_keep_wrong_passes_at_most_alpha():
    """Kills: the Bonferroni adjustment of the looks removed (workflows/sequential.py, confidence 1 - alpha/K).
    Source: simulation (seeded). Trainees whose true Cohen's kappa (0.58) is below the minimum (0.6), looked at
    every 5 units from 30 to 200 (35 looks; from 30 on, so that no look sees only agreements, SE 0): with the
    adjusted looks the rate of wrongly passing them stays at or below the nominal 5%; with unadjusted looks the
    same trainees pass more often than 5% (checked here too, so the scenario is one where the adjustment
    matters)."""
    from irrkit.ratings import ItemRatings
    from irrkit.workflows.sequential import sequential_gate

    n, trials = 200, 200
    r = ItemRatings("form", "nominal", [f"u{i}" for i in range(n)], ["gold", "t"], np.full((n, 2), np.nan),
                    (0.0, 1.0, 2.0))
    rng = np.random.default_rng(2026)
    wrong = unadjusted = 0
    for _ in range(trials):
        gold = rng.integers(0, 3, n).astype(float)
        t = np.where(rng.random(n) < 0.58, gold, rng.integers(0, 3, n)).astype(float)  # true kappa 0.58
        wrong += sequential_gate(t, gold, r, "cohen_kappa", 0.6, start=30, step=5).decision == "pass"
        unadjusted += sequential_gate(t, gold, r, "cohen_kappa", 0.6, start=30, step=5,
                                      adjust=False).decision == "pass"
    assert wrong / trials <= 0.05
    # (with the Wilson guard of the looks, unadjusted looks pass 8.5% of these trainees, above the nominal 5%)
    assert unadjusted / trials > 0.05


# --- Coefficient is immutable ---------------------------------------------------------------------------------

def test_coefficient_cannot_be_changed():
    """Kills: a Coefficient changed after it is built (a field assigned, or its ``extra`` mutated in place, which
    changed every holder of the same object). Source: the frozen-dataclass contract; changes go by ``with_``."""
    import copy
    import dataclasses
    import pickle

    c = Coefficient("k", 0.5, extra={"a": 1})
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.value = 0.7
    for change in (lambda e: e.__setitem__("b", 2), lambda e: e.update(b=2), lambda e: e.pop("a"),
                   lambda e: e.setdefault("b", 2), lambda e: e.clear(), lambda e: e.__delitem__("a")):
        with pytest.raises(TypeError):
            change(c.extra)
    assert dict(c.extra) == {"a": 1}
    d = c.with_(extra={**c.extra, "b": 2})
    assert dict(d.extra) == {"a": 1, "b": 2} and dict(c.extra) == {"a": 1}
    assert pickle.loads(pickle.dumps(d)) == d and copy.deepcopy(d) == d
    assert json.loads(json.dumps(d.to_dict()))["b"] == 2
