"""summary.csv and summary.md carry what results.json has: ratings and missing ratings, the ICC's F test and
estimation method, SEs, bootstrap CIs when computed, and the gate results - read back and compared."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app

ROOT = Path(__file__).parent.parent
R = {c["case_id"]: c for c in json.loads((ROOT / "fixtures/r_reference/diagnostics.json").read_text())["cases"]}


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    d = tmp_path_factory.mktemp("summary")
    files = sorted((ROOT / "cli" / "demo").glob("crying-forms_coder_*.csv"))
    res = CliRunner().invoke(app, ["check", *map(str, files), "-c", str(ROOT / "codebooks/crying-forms.yaml"),
                                   "--bootstrap", "200", "--seed", "7", "--min", "gwet_ac1=0.6",
                                   "--min", "intensity:icc2=0.6", "--out", str(d)])
    assert res.exit_code == 1, res.output  # AC1 of form is 0.546 < 0.6
    return d, json.loads((d / "results.json").read_text()), list(csv.DictReader((d / "summary.csv").open()))


def test_ratings_and_missing_match_r_counts(out):
    _, doc, rows = out
    for item, case in (("form", R["demo_form"]), ("intensity", R["demo_intensity"])):
        rated = sum(case["n_rated"].values())
        for r in (r for r in rows if r["item"] == item):
            assert int(r["n_ratings"]) == rated
            assert int(r["n_missing"]) == len(case["units"]) * len(case["coders"]) - rated


def test_csv_numbers_equal_the_json(out):
    _, doc, rows = out
    for it in doc["items"]:
        for key, c in it["coefficients"].items():
            r = next(r for r in rows if r["item"] == it["item"] and r["statistic"] == key)
            for f in ("value", "se", "ci_low", "ci_high", "p_value", "f", "df1", "df2"):
                want = c.get(f)
                assert (r[f] == "") if want is None else float(r[f]) == pytest.approx(want, rel=1e-12), (key, f)
            assert r["method"] == c["method"]
            boot = c.get("bootstrap")
            if boot:
                assert float(r["bootstrap_ci_low"]) == pytest.approx(boot["ci_low"], rel=1e-12)
                assert float(r["bootstrap_ci_high"]) == pytest.approx(boot["ci_high"], rel=1e-12)
    assert any(r["bootstrap_ci_low"] for r in rows)
    assert "REML" in next(r for r in rows if r["item"] == "intensity" and r["statistic"] == "icc2")["method"]


def test_gates_in_csv_md_and_json(out):
    d, doc, rows = out
    gates = {(g["item"], g["statistic"]): g for g in doc["gates"]}
    assert gates[("form", "gwet_ac1")]["passed"] is False and gates[("intensity", "icc2")]["passed"] is True
    for r in rows:
        g = gates.get((r["item"], r["statistic"]))
        assert r["gate_passed"] == ("" if g is None else "pass" if g["passed"] else "FAIL")
    md = (d / "summary.md").read_text(encoding="utf-8")
    n_ok = sum(g["passed"] for g in doc["gates"])
    assert f"## Gates: {n_ok} of {len(doc['gates'])} passed" in md
    assert "FAIL ≥ 0.60 (estimate)" in md and "| bootstrap CI |" in md
    ac1 = next(i for i in doc["items"] if i["item"] == "form")["coefficients"]["gwet_ac1"]
    assert f"{ac1['bootstrap']['ci_low']:.3f}" in md
    icc = next(i for i in doc["items"] if i["item"] == "intensity")["coefficients"]["icc2"]
    assert f"F({icc['df1']:.0f}, {icc['df2']:.0f}) = {icc['f']:.2f}" in md and "ICC estimation: intensity: REML" in md
    assert "| 135 (3) |" in md
