"""Statistics conventions through the CLI, against R (fixtures/r_reference) and published figures:
weighted alpha from count tables, explicit weights on ordinal items, the Fleiss-Cohen-Everitt SEs of Cohen's
kappa, non-symmetric weight matrices (Cohen 1968)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app

R = Path(__file__).parent.parent / "fixtures" / "r_reference"
REF = Path(__file__).parent.parent / "fixtures" / "reference"
TOL = 1e-9
runner = CliRunner()


def load(name: str) -> dict:
    return json.loads((R / name).read_text())


DIST = load("irrcac_dist.json")
RAW = load("irrcac_raw.json")
IRR = load("irr.json")
FCE = load("cohen_fce.json")


def run_json(*args) -> dict:
    res = runner.invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["items"][0]


def approx(v: float | None, tol: float = TOL):
    return pytest.approx(v, abs=tol)


def same_as_r(ours: dict, want: dict, what: str) -> None:
    assert ours["status"] == "ok", (what, ours["reason"])
    assert ours["value"] == approx(want["value"]), what
    assert ours["se"] == approx(want["se"]), what
    assert ours["ci_low"] == approx(want["lcb"]), what
    assert ours["ci_high"] == approx(want["ucb"]), what
    assert ours["p_value"] == approx(want["p_value"], 1e-12), what
    assert ours["pa"] == approx(want["pa"]), what
    assert ours["pe"] == approx(want["pe"]), what


# --- 1. compute --counts --weights W: R krippen.alpha.dist(weights = W) ----------------------------------------

DIST_CASES = [(c["id"], w) for c in DIST["cases"] if c["id"] in ("counts_equal_totals", "counts_numeric_categ",
                                                                 "counts_from_raw_missing_15pct")
              for w, spec in c["results"].items()
              # irrCAC's ratio weights are 0/0 for a category coded 0 (R returns NaN): no R number to compare
              if np.all(np.isfinite(np.array(spec["weights_matrix"], dtype=float)))]


@pytest.mark.parametrize("case_id,wname", DIST_CASES)
def test_counts_with_weights_give_weighted_alpha_of_krippen_alpha_dist(tmp_path, case_id, wname):
    case = next(c for c in DIST["cases"] if c["id"] == case_id)
    spec = case["results"][wname]
    q = len(case["counts"][0])
    names = [str(v) for v in case["categ"]] if case.get("categ") else [str(i + 1) for i in range(q)]
    path = tmp_path / "counts.csv"
    path.write_text(",".join(names) + "\n" + "\n".join(",".join(map(str, r)) for r in case["counts"]) + "\n")
    item = run_json("compute", path, "--counts", "--weights", wname, "-f", "json")
    coefs = item["coefficients"]
    same_as_r(coefs["krippendorff_alpha"], spec["coefficients"]["krippen.alpha.dist"], f"{case_id}/{wname}")
    assert coefs["krippendorff_alpha"]["weights"] == wname
    ac = "gwet_ac1" if wname == "identity" else "gwet_ac2"
    same_as_r(coefs[ac], spec["coefficients"]["gwet.ac1.dist"], f"{case_id}/{wname}/ac")
    same_as_r(coefs["fleiss_kappa"], spec["coefficients"]["fleiss.kappa.dist"], f"{case_id}/{wname}/fleiss")


# --- 2. explicit weights on an ordinal item, identity included; per-category kappas when unweighted -------------

RAW_CASES = ["complete_3raters", "missing_15pct", "fleiss1971"]


def _wide(tmp_path: Path, case: dict) -> Path:
    path = tmp_path / "ratings.csv"
    n_coders = len(case["ratings"][0])
    lines = ["unit," + ",".join(f"c{j}" for j in range(n_coders))]
    for i, row in enumerate(case["ratings"]):
        lines.append(f"u{i}," + ",".join("" if v is None else str(v) for v in row))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("case_id", RAW_CASES)
@pytest.mark.parametrize("level", ["nominal", "ordinal"])
@pytest.mark.parametrize("wname", ["identity", "linear", "quadratic", "ordinal", "radical", "circular", "bipolar"])
def test_explicit_weights_weight_alpha_at_every_level(tmp_path, case_id, level, wname):
    case = next(c for c in RAW["cases"] if c["id"] == case_id)
    cats = ",".join(str(c) for c in case["categ_labels"])
    item = run_json("compute", _wide(tmp_path, case), "--level", level, "--categories", cats, "--weights", wname,
                    "-f", "json")
    want = case["results"][wname]["coefficients"]["krippen.alpha.raw"]
    got = item["coefficients"]["krippendorff_alpha"]
    assert got["value"] == approx(want["value"]) and got["se"] == approx(want["se"]), (case_id, level, wname)
    assert got["ci_low"] == approx(want["lcb"]) and got["p_value"] == approx(want["p_value"], 1e-12)


@pytest.mark.parametrize("case_id", RAW_CASES)
def test_ordinal_item_analysed_unweighted_has_per_category_kappas_of_irr(tmp_path, case_id):
    case = next(c for c in RAW["cases"] if c["id"] == case_id)
    cats = ",".join(str(c) for c in case["categ_labels"])
    item = run_json("compute", _wide(tmp_path, case), "--level", "ordinal", "--categories", cats,
                    "--weights", "identity", "-f", "json")
    assert item["weights"] == "identity"
    irr = next(e for e in IRR["kappam_fleiss"] if e["case_id"] == case_id)
    if case_id == "missing_15pct":  # irr drops incomplete units; irrkit's per-category kappas use every unit
        assert set(item["per_category"]) == {str(c) for c in case["categ_labels"]}
        return
    observed = sorted({v for row in case["ratings"] for v in row if v is not None})
    for code, want in zip(observed, irr["per_category"]["kappa"]):
        assert item["per_category"][str(code)]["fleiss_kappa"]["value"] == approx(want), code
    assert item["fleiss_nee_landis"]["se_null"] == approx(irr["se0"])


def test_weighted_ordinal_item_has_no_per_category_kappas(tmp_path):
    case = next(c for c in RAW["cases"] if c["id"] == "complete_3raters")
    item = run_json("compute", _wide(tmp_path, case), "--level", "ordinal", "--categories", "1,2,3,4", "-f", "json")
    assert item["weights"] == "quadratic" and "per_category" not in item


# --- 3. Cohen's kappa: Fleiss-Cohen-Everitt SEs beside the linearisation SE ------------------------------------


def _pairs(tmp_path: Path, table: list[list[float]]) -> Path:
    """The units of a contingency table as a wide file (rows = first coder)."""
    lines, u = ["unit,first,second"], 0
    for k, row in enumerate(table):
        for m, n in enumerate(row):
            for _ in range(int(n)):
                lines.append(f"u{u},{k + 1},{m + 1}")
                u += 1
    path = tmp_path / "pairs.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


FCE_CASES = [(c["id"], w) for c in FCE["cases"] for w in c["results"] if w in ("identity", "linear", "quadratic")]


@pytest.mark.parametrize("case_id,wname", FCE_CASES)
def test_cohen_kappa_carries_fleiss_cohen_everitt_ses_of_r(tmp_path, case_id, wname):
    case = next(c for c in FCE["cases"] if c["id"] == case_id)
    q = len(case["table"])
    spec = case["results"][wname]
    item = run_json("compute", _pairs(tmp_path, case["table"]), "--categories", ",".join(map(str, range(1, q + 1))),
                    "--weights", wname, "-f", "json")
    c = item["coefficients"]["cohen_kappa"]
    fce = c["fleiss_cohen_everitt"]
    assert c["value"] == approx(spec["kappa2_table"]["value"]) and fce["value"] == approx(c["value"])
    # asymptotic SE: irrCAC kappa2.table's SE, and psych's var.kappa when unweighted
    assert fce["se_asymptotic"] == approx(spec["kappa2_table"]["se"])
    if wname == "identity":
        psych = spec["psych_cohen_kappa"]
        assert fce["se_asymptotic"] == approx(psych["var_kappa"] ** 0.5)
        assert [fce["ci_low"], fce["ci_high"]] == [approx(psych["confid"][0][0]), approx(psych["confid"][0][2])]
    irr = spec["irr_kappa2"]
    assert fce["se_null"] == approx(irr["se0"]) and fce["z"] == approx(irr["z"], 1e-7)
    assert fce["p_two_sided"] == approx(irr["p_value"], 1e-12)
    assert fce["n_units"] == case["n"]
    assert c["se"] is not None and c["se"] != fce["se_asymptotic"]  # the linearisation SE stays the main one


def test_cohen_kappa_fce_reproduces_sas_and_is_printed(tmp_path):
    case = next(c for c in json.loads((REF / "two_raters_tables.json").read_text())["cases"] if "SAS" in c["name"])
    e = case["expected"]["cohen_kappa"]
    path = _pairs(tmp_path, case["table"])
    fce = run_json("compute", path, "--categories", "1,2,3", "-f", "json")["coefficients"]["cohen_kappa"][
        "fleiss_cohen_everitt"]
    assert fce["se_asymptotic"] == pytest.approx(e["ase"], abs=5e-5)
    assert fce["se_null"] == pytest.approx(e["ase_null"], abs=5e-5)
    assert fce["z"] == pytest.approx(e["z"], abs=5e-5)
    assert [fce["ci_low"], fce["ci_high"]] == [pytest.approx(x, abs=5e-5) for x in e["ci95_normal"]]
    res = runner.invoke(app, ["compute", str(path), "--categories", "1,2,3"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "Fleiss-Cohen-Everitt" in res.output and "0.138" in res.output and "0.148" in res.output


# --- 4. non-symmetric weight matrices: Cohen (1968) ----------------------------------------------------------

COHEN = next(c for c in FCE["cases"] if c["id"] == "cohen1968")


def _codebook(tmp_path: Path, matrix: list[list[float]]) -> Path:
    rows = "\n".join(f"      - [{', '.join(repr(float(x)) for x in r)}]" for r in matrix)
    path = tmp_path / "cb.yaml"
    path.write_text(f"""id: diagnoses
items:
  - id: diagnosis
    level: nominal
    categories: [1, 2, 3]
    weight_matrix:
{rows}
""")
    return path


def _coder_files(tmp_path: Path, table, n_coders: int = 2) -> list[Path]:
    pairs = [(k + 1, m + 1) for k, row in enumerate(table) for m, n in enumerate(row) for _ in range(int(n))]
    files = []
    for j in range(n_coders):
        path = tmp_path / f"coder_{'ABC'[j]}.csv"
        path.write_text("unit,diagnosis\n" + "".join(f"u{i},{p[min(j, 1)]}\n" for i, p in enumerate(pairs)))
        files.append(path)
    return files


def test_non_symmetric_weights_are_oriented_for_two_coders_as_cohen_1968(tmp_path):
    spec = COHEN["results"]["cohen_asymmetric"]
    w = spec["weights_matrix"]
    assert not np.allclose(w, np.array(w).T)
    files = _coder_files(tmp_path, COHEN["table"])
    res = runner.invoke(app, ["check", *map(str, files), "-c", str(_codebook(tmp_path, w)), "-f", "json"])
    assert res.exit_code == 0, res.output
    item = json.loads(res.stdout)["items"][0]
    c = item["coefficients"]["cohen_kappa"]
    assert round(c["value"], 3) == 0.353  # Cohen (1968); the symmetrised matrix gives .383
    assert c["value"] == approx(spec["kappa2_table"]["value"]) and c["se"] == approx(spec["kappa2_table"]["se"])
    assert c["ci_low"] == approx(spec["kappa2_table"]["lcb"])
    assert c["p_value"] == approx(spec["kappa2_table"]["p_value"])
    assert c["value"] == approx(spec["psych_cohen_kappa"]["weighted_kappa"])
    assert c["orientation"].startswith("rows: first coder")
    assert any("not symmetric" in n and "rows = first coder" in n for n in item["notes"])


def test_symmetric_weights_of_cohen_1968_are_unchanged(tmp_path):
    spec = COHEN["results"]["cohen_symmetric"]
    files = _coder_files(tmp_path, COHEN["table"])
    res = runner.invoke(app, ["check", *map(str, files), "-c", str(_codebook(tmp_path, spec["weights_matrix"])),
                              "-f", "json"])
    item = json.loads(res.stdout)["items"][0]
    assert round(item["coefficients"]["cohen_kappa"]["value"], 3) == 0.348  # Cohen (1968)
    assert item["coefficients"]["cohen_kappa"]["value"] == approx(spec["kappa2_table"]["value"])
    assert "orientation" not in item["coefficients"]["cohen_kappa"]
    assert not any("not symmetric" in n for n in item.get("notes", []))


def test_non_symmetric_weights_with_three_coders_are_symmetrised_with_a_warning(tmp_path):
    w = np.array(COHEN["results"]["cohen_asymmetric"]["weights_matrix"])
    files = _coder_files(tmp_path, COHEN["table"], n_coders=3)
    res = runner.invoke(app, ["check", *map(str, files), "-c", str(_codebook(tmp_path, w.tolist()))],
                        env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "not symmetric" in res.output and "(W + W^T)/2" in res.output
    sym = runner.invoke(app, ["check", *map(str, files), "-c", str(_codebook(tmp_path, ((w + w.T) / 2).tolist())),
                              "-f", "json"])
    asym = runner.invoke(app, ["check", *map(str, files), "-c", str(_codebook(tmp_path, w.tolist())), "-f", "json"])
    a, s = (json.loads(x.stdout)["items"][0]["coefficients"] for x in (asym, sym))
    for key in ("fleiss_kappa", "conger_kappa", "gwet_ac2", "krippendorff_alpha"):
        assert a[key]["value"] == approx(s[key]["value"]), key


def test_bootstrap_of_alpha_follows_the_explicit_weights(tmp_path):
    """--weights identity on an ordinal item: alpha and its bootstrap are those of the nominal item (same seed,
    same resamples), not those of the ordinal metric."""
    case = next(c for c in RAW["cases"] if c["id"] == "complete_3raters")
    path = _wide(tmp_path, case)
    common = ("--categories", "1,2,3,4", "--bootstrap", "200", "--seed", "3", "-f", "json")
    nominal = run_json("compute", path, "--level", "nominal", *common)["coefficients"]["krippendorff_alpha"]
    explicit = run_json("compute", path, "--level", "ordinal", "--weights", "identity",
                        *common)["coefficients"]["krippendorff_alpha"]
    ordinal = run_json("compute", path, "--level", "ordinal", *common)["coefficients"]["krippendorff_alpha"]
    assert explicit["value"] == approx(nominal["value"])
    for field in ("ci_low", "ci_high", "se"):
        assert explicit["bootstrap"][field] == approx(nominal["bootstrap"][field]), field
    assert ordinal["bootstrap"]["ci_low"] != approx(nominal["bootstrap"]["ci_low"])  # the metric matters here
