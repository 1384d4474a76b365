"""Every published figure in fixtures/reference (copied from ../shared/reference) reproduced.

Tolerances: values given to 7 decimals -> 1e-6; SEs -> 1e-5; figures given rounded -> half a unit of the
last published digit.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from irrkit.analysis.item import analyse, analyse_counts, krippendorff_alpha
from irrkit.ratings import ItemRatings
from irrkit.statistics import chance_corrected as cc
from irrkit.statistics import counting, interpret, weights
from irrkit.statistics.icc import icc_all
from irrkit.statistics.two_coders import cohen_asymptotic_se, cohen_null_se, contingency, table_coefficients

REF = Path(__file__).parent.parent / "fixtures" / "reference"


def load(name: str) -> dict:
    return json.loads((REF / name).read_text())


def matrix(rows: list) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)


def tol(published: float) -> float:
    """Half a unit of the last published decimal (at least 1e-7)."""
    text = repr(published)
    if "e" in text:
        mant, exp = text.split("e")
        decimals = len(mant.split(".")[1]) if "." in mant else 0
        return max(0.5 * 10 ** (int(exp) - decimals), 1e-12)
    decimals = len(text.split(".")[1]) if "." in text else 0
    return max(0.5 * 10**-decimals, 1e-7)


def close(got: float, published: float, atol: float | None = None) -> None:
    assert got == pytest.approx(published, abs=atol if atol is not None else tol(published)), (got, published)


# --- Fleiss (1971) diagnoses, 30 x 6 -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fleiss_data():
    ref = load("fleiss1971_diagnoses.json")
    x = matrix(ref["ratings"])
    codes = counting.category_index(x, [1, 2, 3, 4, 5])
    return ref, x, codes, cc.agreement(counting.count_table(codes, 5))


def test_fleiss_kappa_diagnoses(fleiss_data):
    ref, _, _, a = fleiss_data
    e = ref["expected"]["fleiss_kappa"]
    k = cc.fleiss_kappa(a)
    close(k.value, e["value"])
    close(k.pa, e["pa"])
    close(k.pe, e["pe"])
    close(k.se, e["se_gwet_linearization"], 1e-5)
    close(k.ci_low, e["ci95_t29"][0])
    close(k.ci_high, e["ci95_t29"][1])


def test_fleiss_nee_landis_null_se_and_category_kappas(fleiss_data):
    ref, _, _, a = fleiss_data
    null = cc.fleiss_null_se(a.counts)
    e = ref["expected"]
    close(null["se_null"], e["fleiss_kappa"]["se_null_fleiss_nee_landis_1979"])
    close(null["z"], e["fleiss_kappa"]["z"])
    for got, want in zip(null["per_category_kappa"], e["fleiss_per_category_kappa"]["values"]):
        close(got, want)
    close(null["per_category_se_null"], e["fleiss_per_category_kappa"]["se_null"])
    for got, want in zip(null["per_category_z"], e["fleiss_per_category_kappa"]["z"]):
        close(got, want)


def test_per_category_collapse_equals_fleiss_1971(fleiss_data):
    ref, _, _, a = fleiss_data
    per = __import__("irrkit.analysis.item", fromlist=["per_category"]).per_category(a.counts, list("12345"))
    for code, want in zip("12345", ref["expected"]["fleiss_per_category_kappa"]["values"]):
        close(per[code]["fleiss_kappa"].value, want)


@pytest.mark.parametrize("key,fn", [
    ("gwet_ac1", cc.gwet_ac), ("krippendorff_alpha_nominal", cc.krippendorff_alpha),
    ("brennan_prediger", cc.brennan_prediger), ("percent_agreement", cc.percent_agreement),
])
def test_other_coefficients_diagnoses(fleiss_data, key, fn):
    ref, _, _, a = fleiss_data
    e = ref["expected"][key]
    c = fn(a)
    close(c.value, e["value"])
    close(c.se, e["se"], 1e-5)


def test_conger_kappa_diagnoses(fleiss_data):
    ref, _, codes, _ = fleiss_data
    c = cc.conger_kappa(codes, 5)
    close(c.value, ref["expected"]["conger_kappa"]["value"])
    close(c.se, ref["expected"]["conger_kappa"]["se"], 1e-5)


# --- Krippendorff's example: missing ratings, unequal coders per unit -------------------------------------------

@pytest.fixture(scope="module")
def kripp_data():
    ref = load("krippendorff_example.json")
    x = matrix(ref["ratings"])
    return ref, x, counting.category_index(x, [1, 2, 3, 4, 5])


FAMILY = {
    "percent_agreement": cc.percent_agreement, "gwet_ac1": cc.gwet_ac, "gwet_ac2": cc.gwet_ac,
    "fleiss_kappa": cc.fleiss_kappa, "krippendorff_alpha": cc.krippendorff_alpha,
    "brennan_prediger": cc.brennan_prediger,
}


@pytest.mark.parametrize("wname,block",
                         [("identity", "expected_unweighted"), ("quadratic", "expected_quadratic_weights")])
def test_krippendorff_example_all_coefficients(kripp_data, wname, block):
    ref, _, codes = kripp_data
    w = weights.weight_matrix(wname, [1, 2, 3, 4, 5])
    a = cc.agreement(counting.count_table(codes, 5), w)
    for key, e in ref[block].items():
        if key == "total_ratings":
            assert int(a.counts.sum()) == e
            continue
        c = cc.conger_kappa(codes, 5, w) if key == "conger_kappa" else FAMILY[key](a)
        assert c.key == key or key == "conger_kappa"
        close(c.value, e["value"])
        close(c.se, e["se"])
        for f in ("pa", "pe"):
            if f in e:
                close(getattr(c, f), e[f])
        if "ci95" in e:
            close(c.ci_low, e["ci95"][0])
            close(c.ci_high, e["ci95"][1])
        if "p_one_sided" in e:
            assert c.p_value == pytest.approx(e["p_one_sided"], rel=1e-5)


def test_krippendorff_alpha_by_level(kripp_data):
    ref, x, codes = kripp_data
    counts = counting.count_table(codes, 5)
    for level, want in ref["expected_krippendorff_alpha_by_level"].items():
        close(krippendorff_alpha(counts, [1.0, 2, 3, 4, 5], level).value, want)


def test_probabilistic_benchmark(kripp_data):
    ref = kripp_data[0]
    e = ref["expected_benchmark"]
    ac1 = ref["expected_unweighted"]["gwet_ac1"]
    chosen, cum = interpret.probabilistic_benchmark(ac1["value"], ac1["se"], "landis_koch")
    assert chosen == e["label_at_95pct"]
    for (_, got), want in zip(cum, e["gwet_ac1_landis_koch_cumulative_probabilities"]):
        close(got, want, 2e-5)  # published from the rounded AC1 and SE


def test_analyse_reports_the_same_figures(kripp_data):
    ref, x, _ = kripp_data
    r = ItemRatings("x", "nominal", [str(i) for i in range(12)], list("abcd"), x, (1.0, 2, 3, 4, 5))
    res = analyse(r)
    assert res.n_ratings == ref["expected_unweighted"]["total_ratings"]
    for key in ("percent_agreement", "gwet_ac1", "fleiss_kappa", "krippendorff_alpha", "conger_kappa"):
        close(res.coefficients[key].value, ref["expected_unweighted"][key]["value"])


# --- counts input (irrCAC *.dist) ----------------------------------------------------------------------------

def test_distrib_6raters_counts():
    ref = load("gwet_distrib6raters.json")
    res = analyse_counts(np.array(ref["counts"], dtype=float), list("12345"))
    for key, e in ref["expected"].items():
        c = res.coefficients[key]
        close(c.value, e["value"])
        close(c.se, e["se"])
        close(c.ci_low, e["ci95"][0])
        close(c.ci_high, e["ci95"][1])
        assert c.p_value == pytest.approx(e["p_one_sided"], rel=1e-5)
        for f in ("pa", "pe"):
            if f in e:
                close(getattr(c, f), e[f])


# --- Shrout & Fleiss (1979) ICCs -------------------------------------------------------------------------------

def test_shrout_fleiss_iccs():
    ref = load("shrout_fleiss1979.json")
    res = icc_all(np.array(ref["ratings"], dtype=float))
    for name, e in ref["expected"].items():
        c = res[name.lower()]
        assert c.extra["mcgraw_wong"] == e["mcgraw_wong"]
        close(c.value, e["value"])
        close(c.extra["f"], e["F"])
        assert c.extra["df1"] == e["df1"] and c.extra["df2"] == e["df2"]
        assert c.p_value == pytest.approx(e["p"], rel=1e-5)
        close(c.ci_low, e["ci95"][0])
        close(c.ci_high, e["ci95"][1])


def test_shrout_fleiss_mean_squares():
    from irrkit.statistics.anova import mean_squares
    ref = load("shrout_fleiss1979.json")
    ms = mean_squares(np.array(ref["ratings"], dtype=float))
    for k, v in ref["mean_squares"].items():
        close(getattr(ms, k.lower()), v)


def test_irr_convention_for_agreement_iccs():
    ref = load("shrout_fleiss1979.json")
    res = icc_all(np.array(ref["ratings"], dtype=float), convention="irr")
    close(res["icc2"].extra["df2"], 4.785, 5e-4)
    close(res["icc2"].p_value, 0.01127, 5e-6)
    close(res["icc2k"].ci_low, 0.0394)
    close(res["icc2k"].ci_high, 0.9286)
    assert res["icc3"].extra["df2"] == 15  # consistency forms are the same in both conventions


# --- two raters --------------------------------------------------------------------------------------------------

def test_cont3x3_abstractors_table():
    case = load("two_raters_tables.json")["cases"][0]
    t = np.array(case["table"], dtype=float)
    e = case["expected"]
    res = table_coefficients(t)
    for key in ("cohen_kappa", "scott_pi", "gwet_ac1", "brennan_prediger", "krippendorff_alpha", "percent_agreement"):
        close(res[key].value, e[key]["value"])
        if "se" in e[key]:
            close(res[key].se, e[key]["se"])
    close(res["cohen_kappa"].ci_low, e["cohen_kappa"]["ci95"][0])
    close(res["cohen_kappa"].ci_high, e["cohen_kappa"]["ci95"][1])
    quad = table_coefficients(t, weights.quadratic([1, 2, 3]))
    close(quad["cohen_kappa"].value, e["cohen_kappa_quadratic"]["value"])
    close(quad["cohen_kappa"].se, e["cohen_kappa_quadratic"]["se"])
    close(quad["gwet_ac2"].value, e["gwet_ac2_quadratic"]["value"])
    close(quad["gwet_ac2"].se, e["gwet_ac2_quadratic"]["se"])


def test_sas_kappa_example():
    case = load("two_raters_tables.json")["cases"][1]
    t = np.array(case["table"], dtype=float)
    e = case["expected"]["cohen_kappa"]
    close(table_coefficients(t)["cohen_kappa"].value, e["value"])
    close(cohen_asymptotic_se(t), e["ase"])
    se0, z, _ = cohen_null_se(t)
    close(se0, e["ase_null"])
    close(z, e["z"])


def test_irr_anxiety_kappa2():
    """irr::kappa2 builds the table from the observed levels and weights by level index."""
    case = load("two_raters_tables.json")["cases"][2]
    x = np.column_stack([case["rater_a"], case["rater_b"]]).astype(float)
    observed = sorted(set(np.unique(x)))
    codes = counting.category_index(x, observed)
    t = contingency(codes[:, 0], codes[:, 1], len(observed))
    ranks = list(range(1, len(observed) + 1))
    for name, wname in (("unweighted", "identity"), ("linear", "linear"), ("quadratic", "quadratic")):
        w = weights.weight_matrix(wname, ranks)
        e = case["expected"][name]
        close(table_coefficients(t, w)["cohen_kappa"].value, e["value"])
        close(cohen_null_se(t, w)[1], e["z"])
    # Raw two-coder data: Cohen's kappa through Conger's engine equals the table value.
    raw = cc.conger_kappa(codes, len(observed), key="cohen_kappa")
    close(raw.value, case["expected"]["unweighted"]["value"])
