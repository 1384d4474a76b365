"""Coder diagnostics against R: Light's kappa (irr::kappam.light), pairwise Cohen's kappa (irr::kappa2), AC1 and
percent agreement (irrCAC), pairwise ICC(A,1) (psych::ICC), coder category counts, and the primary statistic
without each coder (irrCAC fleiss.kappa.raw / psych::ICC). Numbers: fixtures/r_reference/diagnostics.json,
made by tools/r_reference/make_diagnostics.R (R is not needed here)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from irrkit.analysis.diagnostics import diagnose, light_kappa
from irrkit.analysis.item import Options, analyse
from irrkit.codebooks.codebook import load_codebook
from irrkit.ratings import ItemRatings
from irrkit.readers import read_coder_files

ROOT = Path(__file__).parent.parent
CASES = {c["case_id"]: c for c in json.loads((ROOT / "fixtures/r_reference/diagnostics.json").read_text())["cases"]}
DEMO = {"demo_form": ("crying-forms", "form"), "demo_intensity": ("crying-forms", "intensity"),
        "demo_dominant_response": ("interventions", "dominant_response"), "demo_pause": ("interventions", "pause")}
TOL, TOL_LMER = 1e-9, 1e-5


def ratings_of(case: dict) -> ItemRatings:
    """The case's ratings: the demo files through the reader and codebook, generated data built directly."""
    if case["case_id"] in DEMO:
        book, item = DEMO[case["case_id"]]
        cb = load_codebook(ROOT / "codebooks" / f"{'interventions' if book == 'interventions' else book}.yaml")
        files = sorted((ROOT / "cli" / "demo").glob(f"{book}_coder_*.csv"))
        return read_coder_files(files, cb).items[item]
    cats = case["categories"]
    nominal = case["level"] == "nominal"
    values = np.array([[np.nan if v is None else (cats.index(v) if nominal else float(v)) for v in row]
                       for row in case["ratings"]], dtype=float)
    return ItemRatings(case["case_id"], case["level"], case["units"], case["coders"], values,
                       tuple(float(i) for i in range(len(cats))) if nominal else tuple(float(c) for c in cats),
                       labels=tuple(cats), weights="identity" if nominal else "quadratic")


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    c = CASES[request.param]
    r = ratings_of(c)
    res = analyse(r, Options())
    return c, r, res, diagnose(r, res, Options())


def test_coders_and_units_line_up(case):
    c, r, _, d = case
    assert d.coders == c["coders"]
    assert sorted(r.units) == sorted(c["units"])


def test_pairwise_statistics_match_r(case):
    c, _, _, d = case
    ours = {tuple(p.to_dict()["coders"]): p for p in d.pairs}
    assert len(ours) == len(c["pairs"])
    for ref in c["pairs"]:
        p = ours[tuple(ref["coders"])]
        assert p.n_units == ref["n_units"]
        for key in d.statistics:
            assert p.statistics[key].value == pytest.approx(ref[key], abs=TOL), (ref["coders"], key)


def test_matrix_is_symmetric_with_the_pairs(case):
    c, _, _, d = case
    key = d.statistics[0]
    m = d.matrix(key)
    for ref in c["pairs"]:
        i, j = (c["coders"].index(x) for x in ref["coders"])
        assert m[i][j] == m[j][i] == pytest.approx(ref[key], abs=TOL)
    assert all(m[i][i] is None for i in range(len(m)))


def test_light_kappa_matches_irr(case):
    c, r, _, d = case
    if c["level"] != "nominal":
        assert d.light_kappa is None
        return
    ref = c["light_kappa"]
    assert d.light_kappa.ok
    assert d.light_kappa.value == pytest.approx(ref["value"], abs=TOL)
    assert d.light_kappa.n_units == ref["subjects"]
    assert d.light_kappa.extra["coders"] == ref["raters"]
    assert d.light_kappa.se is None and "standard error" in d.light_kappa.reason


def test_profiles_match_r_counts(case):
    c, r, _, d = case
    for p in d.profiles:
        assert p.n_rated == c["n_rated"][p.coder]
        assert p.n_missing == r.n_units - c["n_rated"][p.coder]
        assert p.distribution == c["distribution"][p.coder]
        if c["level"] != "nominal":
            j = r.coders.index(p.coder)
            col = r.values[:, j][~np.isnan(r.values[:, j])]
            assert p.mean == pytest.approx(col.mean()) and p.sd == pytest.approx(col.std(ddof=1))


def test_full_statistic_matches_r(case):
    c, _, res, _ = case
    if c["level"] == "nominal":
        assert res.coefficients["fleiss_kappa"].value == pytest.approx(c["fleiss_kappa_all"], abs=TOL)
    else:
        assert res.coefficients["icc2"].value == pytest.approx(c["icc2_all"], abs=TOL_LMER)


def test_leave_one_out_matches_r_and_names_the_coder(case):
    c, _, res, d = case
    loo = d.leave_one_out
    key = "fleiss_kappa" if c["level"] == "nominal" else "icc2"
    assert loo.statistic == key
    full = c["fleiss_kappa_all"] if key == "fleiss_kappa" else c["icc2_all"]
    for ref in c["leave_one_out"]:
        tol = TOL_LMER if "lmer=TRUE" in ref.get("icc2_call", "") else TOL
        assert loo.without[ref["without"]].value == pytest.approx(ref[key], abs=tol), ref["without"]
    gains = {ref["without"]: ref[key] - full for ref in c["leave_one_out"]}
    best = max(gains, key=gains.get)
    assert loo.lowers_most == (best if gains[best] > 0 else None)
    assert loo.change(best) == pytest.approx(gains[best], abs=TOL_LMER)


def test_json_shape(case):
    c, _, _, d = case
    out = json.loads(json.dumps(d.to_dict()))
    assert out["coders"] == c["coders"]
    assert set(out["matrix"]["statistics"]) == set(d.statistics)
    assert len(out["pairs"]) == len(c["pairs"])
    assert out["leave_one_out"]["lowers_most"] == d.leave_one_out.lowers_most


def test_known_coders_are_named():
    """The generated cases were built with one deviant coder: r5 guesses, c4 rates one point higher."""
    for cid, who in (("generated_5coders_missing", "r5"), ("generated_4coders_scale", "c4")):
        r = ratings_of(CASES[cid])
        assert diagnose(r, analyse(r)).leave_one_out.lowers_most == who


def test_two_coders_and_undefined_cases():
    v = np.array([[0, 0], [1, 1], [0, 1], [1, 1.0]])
    r = ItemRatings("x", "nominal", list("abcd"), ["p", "q"], v, (0.0, 1.0), labels=("n", "y"))
    d = diagnose(r, analyse(r))
    assert d.leave_one_out.lowers_most is None and "three coders" in d.leave_one_out.reason
    assert d.light_kappa.value == pytest.approx(d.pairs[0].statistics["cohen_kappa"].value)
    same = ItemRatings("x", "nominal", list("abc"), ["p", "q", "r"], np.zeros((3, 3)), (0.0, 1.0), labels=("n", "y"))
    lk = light_kappa(same)
    assert lk.status == "undefined" and "undefined" in lk.reason
    assert json.dumps(diagnose(same, analyse(same)).to_dict(), allow_nan=False)


# ------------------------------------------------------------------------------------------------ CLI


def test_check_json_and_tables_carry_the_r_numbers(tmp_path):
    import csv

    from typer.testing import CliRunner

    from irrkit.cli.main import app

    files = sorted((ROOT / "cli" / "demo").glob("crying-forms_coder_*.csv"))
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["check", *map(str, files), "-c", str(ROOT / "codebooks/crying-forms.yaml"),
                                   "--format", "json", "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    form = next(i for i in doc["items"] if i["item"] == "form")["diagnostics"]
    ref = CASES["demo_form"]
    assert form["light_kappa"]["value"] == pytest.approx(ref["light_kappa"]["value"], abs=TOL)
    loo = {r["without"]: r["fleiss_kappa"] for r in ref["leave_one_out"]}
    assert form["leave_one_out"]["lowers_most"] == max(loo, key=lambda c: loo[c]) == "crying-forms_coder_B"
    for c, v in loo.items():
        assert form["leave_one_out"]["without"][c]["value"] == pytest.approx(v, abs=TOL)
    i, j = ref["coders"].index(ref["pairs"][2]["coders"][0]), ref["coders"].index(ref["pairs"][2]["coders"][1])
    assert form["matrix"]["cohen_kappa"][i][j] == pytest.approx(ref["pairs"][2]["cohen_kappa"], abs=TOL)
    # the files written read back with the same numbers as the JSON
    assert json.loads((out / "results.json").read_text())["items"][0]["diagnostics"] == form
    rows = list(csv.DictReader((out / "coders.csv").open(encoding="utf-8")))
    b = next(r for r in rows if r["item"] == "form" and r["coder"] == "crying-forms_coder_B")
    assert float(b["without"]) == pytest.approx(loo["crying-forms_coder_B"], abs=TOL)
    assert b["lowers_most"] == "true" and b["n_rated"] == str(ref["n_rated"]["crying-forms_coder_B"])
    assert b["distribution"] == "; ".join(f"{k}={v}" for k, v in ref["distribution"]["crying-forms_coder_B"].items())
    pairs = list(csv.DictReader((out / "coder_pairs.csv").open(encoding="utf-8")))
    ac1 = {(r["coder_a"], r["coder_b"]): float(r["value"]) for r in pairs if r["statistic"] == "gwet_ac1"}
    for p in ref["pairs"]:
        assert ac1[tuple(p["coders"])] == pytest.approx(p["gwet_ac1"], abs=TOL)
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert "## Coders" in md and f"Light's kappa {ref['light_kappa']['value']:.3f}" in md
    assert "| **crying-forms_coder_B** | 45 | 1 |" in md


def test_check_table_names_the_coder():
    from typer.testing import CliRunner

    from irrkit.cli.main import app

    files = sorted((ROOT / "cli" / "demo").glob("crying-forms_coder_*.csv"))
    res = CliRunner().invoke(app, ["check", *map(str, files), "-c", str(ROOT / "codebooks/crying-forms.yaml")],
                             env={"COLUMNS": "160"})
    assert res.exit_code == 0
    assert "lowers agreement most" in res.stdout and "crying-forms_coder_B" in res.stdout
