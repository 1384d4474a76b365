"""Sample-size planning: each closed form against its published example or its R implementation, and the
simulation planner (through the engine) against the closed forms."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from irrkit.planning import closed_forms as P
from irrkit.planning import simulation as S

FIX = json.loads((Path(__file__).parent.parent / "fixtures" / "r_reference" / "planning.json").read_text())


# ---------------------------------------------------------------- published examples

@pytest.mark.parametrize("alpha_min, values", [(0.80, 139), (0.667, 81)])
def test_krippendorff_table_four_equiprobable_values(alpha_min, values):
    # Krippendorff (2004, 2013) table after Bloch & Kraemer (1989): 4 equiprobable values, p = .05
    r = P.alpha_values(alpha_min, 0.05, n_categories=4)
    assert r.extra["n_values"] == values
    assert r.n_units == math.ceil(values / 2)  # two coders: every unit gives two pairable values
    # 3 coders: the units of two coders, not values / 3 (the convention stated in the plan, ATLAS.ti's manual
    # after Krippendorff 2004: the minimum number of units does not fall with more coders)
    three = P.alpha_values(alpha_min, 0.05, n_categories=4, k=3)
    assert three.n_units == math.ceil(values / 2) and "ATLAS.ti" in three.extra["convention"]


def test_bonett_published_examples():
    # Bonett (2002): rho .8, k 2, full width .2 -> 51, with his correction for k = 2, rho >= .7: 51 + 5 rho = 55
    assert P.icc_precision(0.8, 2, 0.1, bonett_correction=False).n_units == 51
    assert P.icc_precision(0.8, 2, 0.1).n_units == 55
    # R ICC::Nest(est.type = "hypothetical", w = 0.20, ICC = 0.70, k = 2) -> 101 (Bonett's formula, no correction)
    assert P.icc_precision(0.7, 2, 0.1, bonett_correction=False).n_units == 101


def test_zou_assurance_reduces_to_bonett_at_one_half_and_grows():
    for rho, k, h in ((0.8, 2, 0.1), (0.6, 3, 0.1), (0.9, 4, 0.05)):
        base = P.icc_precision(rho, k, h, bonett_correction=False)
        half = P.icc_precision(rho, k, h, assurance=0.5)
        assert half.n_raw == pytest.approx(base.n_raw, rel=1e-12)
        assert P.icc_precision(rho, k, h, assurance=0.9).n_units > base.n_units


@pytest.mark.parametrize("case", FIX["icc_sample_size"])
def test_icc_lower_bound_matches_r_icc_sample_size(case):
    conf = 1 - case["alpha"] if case["tails"] == 2 else 1 - 2 * case["alpha"]
    r = P.icc_lower_bound(case["p"], case["p0"], case["k"], conf, case["power"])
    assert r.n_units == case["N"]


@pytest.mark.parametrize("case", FIX["kappasize_ci"])
def test_kappa_ci_matches_kappasize(case):
    r = P.kappa_ci(case["kappa0"], case["kappaL"], case.get("kappaU"), case["props"], case["raters"], case["alpha"])
    assert r.n_units == case["n"]


@pytest.mark.parametrize("case", FIX["kappasize_power"])
def test_kappa_power_matches_kappasize(case):
    r = P.kappa_power(case["kappa0"], case["kappa1"], case["props"], case["raters"], case["alpha"], case["power"])
    # kappaSize finds the non-centrality by bisection to 1e-5 in the CDF; ours is exact
    assert r.n_raw == pytest.approx(case["N"], rel=1e-4)
    assert r.n_units == math.ceil(case["N"])


def test_gwet_percent_agreement_rule():
    # Gwet (2014, pp. 158-160): n = 1/E^2 for the worst case pa = .5 at "95%" with z = 2
    conf_z2 = 2 * P._NORMAL.cdf(2) - 1
    assert P.agreement_plan("percent_agreement", 0.5, 2, half_width=0.1, confidence=conf_z2).n_units == 100
    assert P.agreement_plan("percent_agreement", 0.5, 2, half_width=0.05, confidence=conf_z2).n_units == 400
    # Stata kappaetcssi 0.1 (Gwet's procedure with z = 1.96): ceil(1.96^2 * .25 / .01) = 97
    assert P.agreement_plan("percent_agreement", 0.5, 2, half_width=0.1).n_units == 97


def test_ac1_closed_form_inputs():
    r = P.agreement_plan("gwet_ac1", 0.7, 2, half_width=0.1, n_categories=3)
    assert r.extra["pe"] == pytest.approx(1 / 3)
    assert r.extra["pa"] == pytest.approx(0.7 * (2 / 3) + 1 / 3)


@pytest.mark.parametrize("call, words", [
    (lambda: P.icc_lower_bound(0.6, 0.7, 3), "must exceed the minimum"),
    (lambda: P.icc_precision(1.2, 3, 0.1), "strictly between"),
    (lambda: P.kappa_power(0.4, 0.6, 0.3, 7), "2 to 6 coders"),
    (lambda: P.kappa_ci(0.6, 0.4, None, (0.5, 0.6), 2), "sum to 1"),
    (lambda: P.closed_form("krippendorff_alpha", 0.8, 2, half_width=0.1, n_categories=4), "minimum alpha"),
    (lambda: P.closed_form("icc", 0.8, 2), "either"),
    (lambda: P.closed_form("scott_pi", 0.8, 2, minimum=0.6), "no closed form"),
])
def test_bad_requests_say_why(call, words):
    with pytest.raises(P.PlanError, match=words):
        call()


def test_closed_form_result_is_json_clean():
    d = P.closed_form("krippendorff_alpha", 0.8, 2, minimum=0.8, n_categories=4).to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text)["n_values"] == 139


# ---------------------------------------------------------------- simulation through the engine

def test_simulation_is_seeded():
    d = S.Design("gwet_ac1", 3, 0.7, prevalences=(0.2, 0.3, 0.5))
    a, b = S.simulate(d, 40, 60, seed=3), S.simulate(d, 40, 60, seed=3)
    assert a.mean == b.mean and a.mean_half_width == b.mean_half_width
    assert S.simulate(d, 40, 60, seed=4).mean != a.mean


def test_simulated_icc_agrees_with_bonett_zou_walter():
    d = S.Design("icc1", 3, 0.8)
    n = P.icc_precision(0.8, 3, 0.1).n_units
    s = S.simulate(d, n, 600, seed=1)
    assert s.mean_half_width == pytest.approx(0.1, rel=0.06)
    assert s.coverage == pytest.approx(0.95, abs=0.03)
    z = P.icc_precision(0.8, 3, 0.1, assurance=0.8)
    assert S.simulate(d, z.n_units, 600, seed=2).share_half_width_at_most(0.1) == pytest.approx(0.8, abs=0.06)
    w = P.icc_lower_bound(0.8, 0.6, 3)
    assert S.simulate(d, w.n_units, 600, seed=3).share_low_above(0.6) == pytest.approx(0.8, abs=0.06)


@pytest.mark.parametrize("key, expected, prev", [
    ("gwet_ac1", 0.7, (0.2, 0.3, 0.5)),
    ("percent_agreement", 0.8, (0.5, 0.5)),
])
def test_simulated_agreement_and_ac1_half_width_agree_with_gwet(key, expected, prev):
    c = P.agreement_plan(key, expected, 2, half_width=0.08, prevalences=prev)
    s = S.simulate(S.Design(key, 2, expected, prevalences=prev), c.n_units, 500, seed=5)
    assert s.mean == pytest.approx(expected, abs=0.01)
    assert s.mean_half_width == pytest.approx(0.08, rel=0.08)
    # Gwet's variance is that of two coders: with three the CI is narrower, the plan conservative
    s3 = S.simulate(S.Design(key, 3, expected, prevalences=prev), c.n_units, 300, seed=5)
    assert s3.mean_half_width < 0.08


@pytest.mark.parametrize("k, prev, model", [(2, (0.7, 0.3), "mixture"), (4, (0.2, 0.3, 0.5), "dirichlet")])
def test_simulated_kappa_half_width_agrees_with_kappasize(k, prev, model):
    c = P.kappa_ci(0.6, 0.5, 0.7, prev, k)
    key = "cohen_kappa" if k == 2 else "fleiss_kappa"
    s = S.simulate(S.Design(key, k, 0.6, prevalences=prev, model=model), c.n_units, 400, seed=6)
    assert s.mean_half_width == pytest.approx(0.1, rel=0.08)


def test_plan_by_simulation_finds_the_closed_form_n():
    d = S.Design("icc2", 3, 0.8)
    p = S.plan_by_simulation(d, half_width=0.1, replicates=400, seed=1)
    assert p.n_units == pytest.approx(P.icc_precision(0.8, 3, 0.1).n_units, rel=0.15)
    assert p.result.mean_half_width <= 0.1
    out = json.loads(json.dumps(p.to_dict(), allow_nan=False))
    assert out["n_units"] == p.n_units and out["simulation"]["replicates"] == 400


def test_missing_ratings_need_more_units():
    base = S.Design("fleiss_kappa", 3, 0.6, prevalences=(0.3, 0.7))
    holes = S.Design("fleiss_kappa", 3, 0.6, prevalences=(0.3, 0.7), missing=0.3)
    assert S.simulate(holes, 80, 200, seed=2).mean_half_width > S.simulate(base, 80, 200, seed=2).mean_half_width


@pytest.mark.parametrize("kwargs, words", [
    ({"coefficient": "nope", "n_coders": 2, "expected": 0.5}, "cannot simulate"),
    ({"coefficient": "cohen_kappa", "n_coders": 3, "expected": 0.5, "prevalences": (0.5, 0.5)}, "two coders"),
    ({"coefficient": "fleiss_kappa", "n_coders": 2, "expected": 0.5}, "prevalences"),
    ({"coefficient": "fleiss_kappa", "n_coders": 2, "expected": 0.5, "prevalences": (0.5, 0.5), "missing": 1.0},
     "missing rate"),
])
def test_bad_designs_say_why(kwargs, words):
    with pytest.raises(P.PlanError, match=words):
        S.Design(**kwargs)


def test_unreachable_expected_value_is_explained():
    d = S.Design("percent_agreement", 2, 0.3, prevalences=(0.5, 0.5))  # pa below chance: no kappa in [0, 1]
    with pytest.raises(P.PlanError, match="cannot arise"):
        S.simulate(d, 20, 10, seed=1)


def test_planner_knows_every_simulated_coefficient():
    from irrkit.planning import planner

    assert set(planner.SIMULATED) == set(S.SIMULATED)
