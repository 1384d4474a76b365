"""irrkit against R irrCAC, irr and psych on generated data (fixtures/r_reference, made by
tools/r_reference/make_fixtures.R; R is not needed here). Values, SEs and bounds to 1e-9.

Known, documented deviations (asserted as such):
- one category only (irrCAC substitutes pe = 1e-15 and reports 1): irrkit says "undefined" with a reason;
- irr::kripp.alpha on complete data with > 2 raters (a bug in irr): compared with the corrected figure.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from irrkit.analysis.item import analyse_counts, krippendorff_alpha
from irrkit.statistics import chance_corrected as cc
from irrkit.statistics import counting, weights
from irrkit.statistics.icc import icc_all
from irrkit.statistics.interpret import probabilistic_benchmark
from irrkit.statistics.two_coders import cohen_null_se, contingency, table_coefficients

R = Path(__file__).parent.parent / "fixtures" / "r_reference"
TOL = 1e-9


def load(name: str) -> dict:
    return json.loads((R / name).read_text())


RAW = load("irrcac_raw.json")
DIST = load("irrcac_dist.json")
TABLE = load("irrcac_table.json")

RAW_FN = {
    "pa.coeff.raw": cc.percent_agreement, "gwet.ac1.raw": cc.gwet_ac, "fleiss.kappa.raw": cc.fleiss_kappa,
    "krippen.alpha.raw": cc.krippendorff_alpha, "bp.coeff.raw": cc.brennan_prediger,
}


def weight_for(name: str, spec: dict, values: list[float]) -> np.ndarray:
    if spec.get("custom"):
        return np.array(spec["weights_matrix"], dtype=float)
    return weights.weight_matrix(name, values)


def compare(ours, want: dict, what: str) -> None:
    if "r_error" in want or want.get("value") is None:
        assert not ours.ok, f"{what}: R gives no value ({want.get('r_error') or want.get('r_nonfinite')}), " \
                            f"irrkit gave {ours.value}"
        assert ours.reason, what
        return
    assert ours.ok, f"{what}: undefined ({ours.reason}) but R gives {want['value']}"
    assert ours.value == pytest.approx(want["value"], abs=TOL), what
    for mine, key in ((ours.pa, "pa"), (ours.pe, "pe")):
        if want.get(key) is not None:
            assert mine == pytest.approx(want[key], abs=TOL), f"{what} {key}"
    if want.get("se") is None:
        assert ours.se is None or not np.isfinite(ours.se), f"{what}: R has no SE"
        return
    assert ours.se == pytest.approx(want["se"], abs=TOL), f"{what} se"
    for mine, key in ((ours.ci_low, "lcb"), (ours.ci_high, "ucb")):
        if want.get(key) is not None:
            assert mine == pytest.approx(want[key], abs=TOL), f"{what} {key}"
    if want.get("p_value") is not None:
        assert ours.p_value == pytest.approx(want["p_value"], abs=1e-12), f"{what} p"


RAW_CASES = [(c["id"], w) for c in RAW["cases"] for w in c["results"]]


@pytest.mark.parametrize("case_id,wname", RAW_CASES)
def test_irrcac_raw(case_id, wname):
    case = next(c for c in RAW["cases"] if c["id"] == case_id)
    x = np.array([[np.nan if v is None else v for v in row] for row in case["ratings"]], dtype=float)
    if case["categ_labels_passed"]:
        cats = [float(c) for c in case["categ_labels"]]
        values = [float(i + 1) for i in range(len(cats))]  # irrCAC: labels become strings -> ranks
    else:
        cats = sorted({float(v) for v in x[~np.isnan(x)]})
        values = cats
    spec = case["results"][wname]
    w = weight_for(wname, spec, values)
    if not np.all(np.isfinite(np.array(spec["weights_matrix"], dtype=float))):
        # irrCAC's ratio weights are 0/0 for a category coded 0, so R returns NaN; irrkit defines w(0,0) = 1
        assert np.all(np.isfinite(w))
        return
    assert np.allclose(w, np.array(spec["weights_matrix"], dtype=float), atol=1e-12), "weight matrix differs"
    codes = counting.category_index(x, cats)
    a = cc.agreement(counting.count_table(codes, len(cats)), w)
    for fn_name, want in spec["coefficients"].items():
        what = f"{case_id}/{wname}/{fn_name}"
        ours = cc.conger_kappa(codes, len(cats), w) if fn_name == "conger.kappa.raw" else RAW_FN[fn_name](a)
        if case_id in ("degenerate_q1", "one_unit") and fn_name != "pa.coeff.raw":
            # documented deviation: one category (irrCAC: pe := 1e-15, value 1) or one unit -> undefined
            assert not ours.ok and ("categor" in ours.reason or "one unit" in ours.reason), what
            continue
        if case_id in ("degenerate_q1", "one_unit"):
            assert ours.value == pytest.approx(want["value"], abs=TOL), what
            continue
        compare(ours, want, what)


DIST_FN = {"pa.coeff.dist": cc.percent_agreement, "gwet.ac1.dist": cc.gwet_ac,
           "fleiss.kappa.dist": cc.fleiss_kappa, "bp.coeff.dist": cc.brennan_prediger}


@pytest.mark.parametrize("case_id,wname", [(c["id"], w) for c in DIST["cases"] for w in c["results"]])
def test_irrcac_dist(case_id, wname):
    case = next(c for c in DIST["cases"] if c["id"] == case_id)
    counts = np.array(case["counts"], dtype=float)
    q = len(case["categ"]) if case.get("categ") else counts.shape[1]
    if counts.shape[1] < q:  # irrCAC pads a table with named columns up to the categ list
        counts = np.hstack([counts, np.zeros((counts.shape[0], q - counts.shape[1]))])
    values = [float(v) for v in case["categ"]] if case.get("categ") else [float(i + 1) for i in range(q)]
    spec = case["results"][wname]
    w = weight_for(wname, spec, values)
    if not np.all(np.isfinite(np.array(spec["weights_matrix"], dtype=float))):
        return  # irrCAC's ratio weights with a 0 category are NaN (see test_irrcac_raw)
    assert np.allclose(w, np.array(spec["weights_matrix"], dtype=float), atol=1e-12), "weight matrix differs"
    a = cc.agreement(counts, w)
    for fn_name, want in spec["coefficients"].items():
        what = f"{case_id}/{wname}/{fn_name}"
        if fn_name == "krippen.alpha.dist":
            ours = cc.krippendorff_alpha(a, counts_input=True)
        else:
            ours = DIST_FN[fn_name](a)
        compare(ours, want, what)


TABLE_FN = {"pa2.table": "percent_agreement", "kappa2.table": "cohen_kappa", "scott2.table": "scott_pi",
            "gwet.ac1.table": "gwet_ac", "bp2.table": "brennan_prediger", "krippen2.table": "krippendorff_alpha"}


@pytest.mark.parametrize("case_id,wname", [(c["id"], w) for c in TABLE["cases"] for w in c["results"]])
def test_irrcac_table(case_id, wname):
    case = next(c for c in TABLE["cases"] if c["id"] == case_id)
    t = np.array(case["table"], dtype=float)
    spec = case["results"][wname]
    w = weight_for(wname, spec, [float(i + 1) for i in range(t.shape[0])])
    res = table_coefficients(t, w)
    for fn_name, want in spec["coefficients"].items():
        key = TABLE_FN[fn_name]
        if key == "gwet_ac":
            key = "gwet_ac1" if "gwet_ac1" in res else "gwet_ac2"
        compare(res[key], want, f"{case_id}/{wname}/{fn_name}")


def test_irrcac_benchmarks():
    bench = load("irrcac_benchmark.json")
    scales = {"landis.koch.bf": "landis_koch", "altman.bf": "altman", "fleiss.bf": "fleiss"}
    checked = 0
    for pair in bench["cases"]:
        for fn, scale in scales.items():
            if fn not in pair:
                continue
            _, cum = probabilistic_benchmark(pair["coeff"], pair["se"], scale)
            want = pair[fn]["cum_prob"]
            assert [p for _, p in cum] == pytest.approx(want, abs=1e-9), (fn, pair["coeff"])
            checked += 1
    assert checked >= 9


# --- irr -------------------------------------------------------------------------------------------------------

IRR = load("irr.json")


def _raw_case(case_id: str) -> dict:
    return next(c for c in RAW["cases"] if c["id"] == case_id)


@pytest.mark.parametrize("entry", IRR["kappam_fleiss"], ids=lambda e: e["case_id"])
def test_irr_kappam_fleiss(entry):
    case = _raw_case(entry["case_id"])
    x = np.array([[np.nan if v is None else v for v in row] for row in case["ratings"]], dtype=float)
    x = x[~np.isnan(x).any(axis=1)]  # irr drops units with a missing rating
    cats = sorted({float(v) for v in x.ravel()})
    counts = counting.count_table(counting.category_index(x, cats), len(cats))
    null = cc.fleiss_null_se(counts)
    if entry["subjects_used"] < 2:  # one unit: irrkit gives no kappa (documented deviation)
        assert null is None
        return
    if entry.get("value") is None:
        assert null is None or not np.isfinite(null["kappa"])
        return
    assert null["kappa"] == pytest.approx(entry["value"], abs=TOL)
    assert null["se_null"] == pytest.approx(entry["se0"], abs=TOL)
    assert null["z"] == pytest.approx(entry["z"], abs=1e-7)
    assert null["p_two_sided"] == pytest.approx(entry["p_value"], abs=1e-12)
    per = entry.get("per_category")
    if per:
        for got, want in zip(null["per_category_kappa"], per["kappa"]):
            assert got == pytest.approx(want, abs=TOL)


@pytest.mark.parametrize("entry", IRR["kappa2"], ids=lambda e: e.get("case_id", "?"))
def test_irr_kappa2(entry):
    case = _raw_case(entry["case_id"])
    x = np.array([[np.nan if v is None else v for v in row] for row in case["ratings"]], dtype=float)
    x = x[~np.isnan(x).any(axis=1)]
    levels = sorted({float(v) for v in x.ravel()}, key=lambda v: str(int(v)))  # irr sorts levels as strings
    codes = counting.category_index(x, levels)
    t = contingency(codes[:, 0], codes[:, 1], len(levels))
    ranks = [float(i + 1) for i in range(len(levels))]
    for name, wname in (("unweighted", "identity"), ("equal", "linear"), ("squared", "quadratic")):
        want = entry[name]
        w = weights.weight_matrix(wname, ranks)
        assert table_coefficients(t, w)["cohen_kappa"].value == pytest.approx(want["value"], abs=TOL)
        se0, z, p = cohen_null_se(t, w)
        assert se0 == pytest.approx(want["se0"], abs=TOL)
        assert z == pytest.approx(want["z"], abs=1e-7)


@pytest.mark.parametrize("entry", IRR["icc"], ids=lambda e: e["id"])
def test_irr_icc(entry):
    x = np.array(entry["ratings"], dtype=float)
    res = icc_all(x, convention="irr")
    key_of = {("oneway", "single"): "icc1", ("oneway", "average"): "icc1k",
              ("agreement", "single"): "icc2", ("agreement", "average"): "icc2k",
              ("consistency", "single"): "icc3", ("consistency", "average"): "icc3k"}
    for r in entry["results"]:
        if r["r0"] != 0:
            continue  # H0: ICC = r0 > 0 is not offered (irrkit tests H0: ICC = 0)
        key = key_of[("oneway" if r["model"] == "oneway" else r["type"], r["unit"])]
        c = res[key]
        what = f"{entry['id']}/{key}"
        assert c.value == pytest.approx(r["value"], abs=TOL), what
        assert c.extra["f"] == pytest.approx(r["F"], abs=1e-7), what
        assert c.extra["df2"] == pytest.approx(r["df2"], abs=1e-7), what
        assert c.p_value == pytest.approx(r["p_value"], abs=1e-12), what
        assert c.ci_low == pytest.approx(r["lbound"], abs=TOL), what
        assert c.ci_high == pytest.approx(r["ubound"], abs=TOL), what


# --- psych -----------------------------------------------------------------------------------------------------

PSYCH = load("psych_icc.json")


def _check_psych(res: dict, results: dict, tol: float, rel: float = 0.0) -> None:
    for name, want in results.items():
        c = res[name.lower()]
        approx = (lambda v: pytest.approx(v, rel=rel, abs=tol))  # noqa: E731
        assert c.value == approx(want["ICC"]), name
        assert c.extra["f"] == approx(want["F"]), name
        assert c.extra["df1"] == pytest.approx(want["df1"]) and c.extra["df2"] == pytest.approx(want["df2"]), name
        assert c.p_value == pytest.approx(want["p"], rel=max(rel, 1e-6), abs=1e-12), name
        assert c.ci_low == approx(want["lower_bound"]), name
        assert c.ci_high == approx(want["upper_bound"]), name


@pytest.mark.parametrize("entry", [e for e in PSYCH["cases"] if "icc" in e], ids=lambda e: e["id"])
def test_psych_icc(entry):
    x = np.array(entry["ratings"], dtype=float)
    _check_psych(icc_all(x), entry["icc"]["results"], TOL)


def test_psych_icc_missing_mixed_model_and_complete_units():
    entry = next(e for e in PSYCH["cases"] if "missing_false_lmer_true" in e)
    x = np.array([[np.nan if v is None else v for v in row] for row in entry["ratings"]], dtype=float)
    # default: REML mixed model on all ratings, as psych::ICC(x, missing=FALSE, lmer=TRUE) (lme4's optimizer: 1e-5)
    mixed = icc_all(x)
    _check_psych(mixed, entry["missing_false_lmer_true"]["results"], 0.0, rel=1e-5)
    assert "mixed model" in mixed["icc2"].method
    # complete units only, as psych::ICC(na.omit(x))
    complete = icc_all(x, missing="complete")
    _check_psych(complete, entry["na_omit_lmer_false"]["results"], TOL)
    assert mixed["icc2"].extra["complete_units"]["value"] == pytest.approx(complete["icc2"].value, abs=TOL)


def test_alpha_levels_against_irr_corrected():
    entries = IRR["kripp_alpha"]
    checked = 0
    for e in entries:
        case = _raw_case(e["case_id"])
        if case["id"] in ("degenerate_q1", "degenerate_q3", "one_unit"):
            continue  # irr reports 1 where chance agreement is 1; irrkit says undefined
        x = np.array([[np.nan if v is None else v for v in row] for row in case["ratings"]], dtype=float)
        cats = [float(c) for c in case["categ_labels"]]
        counts = counting.count_table(counting.category_index(x, cats), len(cats))
        ref = e.get("with_all_na_unit") or {}
        for level in ("nominal", "ordinal", "interval", "ratio"):
            want = ref.get(level)
            if want is None:
                continue
            want = want["value"] if isinstance(want, dict) else want
            if cats[0] == 0 and level == "ratio":
                continue
            assert krippendorff_alpha(counts, cats, level).value == pytest.approx(want, abs=1e-9), (e["case_id"], level)
            checked += 1
    assert checked >= 4


def test_counts_input_matches_dist_via_analyse_counts():
    case = next(c for c in DIST["cases"] if c["id"] == "counts_equal_totals")
    counts = np.array(case["counts"], dtype=float)
    res = analyse_counts(counts, [str(i + 1) for i in range(counts.shape[1])])
    want = case["results"]["identity"]["coefficients"]
    assert res.coefficients["gwet_ac1"].value == pytest.approx(want["gwet.ac1.dist"]["value"], abs=TOL)
    assert res.coefficients["krippendorff_alpha"].se == pytest.approx(want["krippen.alpha.dist"]["se"], abs=TOL)


@pytest.mark.parametrize("case_id", ["missing_15pct", "unequal_raters", "unused_categories", "large_200x6"])
@pytest.mark.parametrize("wname", ["identity", "linear", "quadratic", "ordinal", "radical", "ratio", "circular",
                                   "bipolar"])
def test_analyse_pipeline_matches_irrcac(case_id, wname):
    """The whole per-item analysis (what `check` and `compute --weights W` report) against irrCAC raw."""
    from irrkit.analysis.item import Options, analyse
    from irrkit.ratings import ItemRatings

    case = _raw_case(case_id)
    x = np.array([[np.nan if v is None else v for v in row] for row in case["ratings"]], dtype=float)
    cats = tuple(float(c) for c in case["categ_labels"])
    r = ItemRatings("x", "nominal", [str(i) for i in range(len(x))], [f"c{j}" for j in range(x.shape[1])], x, cats)
    res = analyse(r, Options(weights=wname, per_category=False))
    names = {"pa.coeff.raw": "percent_agreement", "gwet.ac1.raw": "gwet_ac1" if wname == "identity" else "gwet_ac2",
             "fleiss.kappa.raw": "fleiss_kappa", "krippen.alpha.raw": "krippendorff_alpha",
             "conger.kappa.raw": "conger_kappa", "bp.coeff.raw": "brennan_prediger"}
    for fn, want in case["results"][wname]["coefficients"].items():
        key = names[fn]
        compare(res.coefficients[key], want, f"{case_id}/{wname}/{fn}")
    assert res.weights == wname
