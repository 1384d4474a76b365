"""The CLI end to end: published figures through `compute`, the JSON contract, the tables `check --out` writes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app

REF = Path(__file__).parent.parent / "fixtures" / "reference"
CODEBOOKS = Path(__file__).parent.parent / "codebooks"
DEMO = Path(__file__).parent.parent / "cli" / "demo"
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, [str(a) for a in args])
    return res.exit_code, res.stdout


def test_compute_wide_reproduces_fleiss_1971(tmp_path):
    ref = json.loads((REF / "fleiss1971_diagnoses.json").read_text())
    path = tmp_path / "diagnoses.csv"
    rows = [["patient", *[f"r{j}" for j in range(6)]]] + [[i, *r] for i, r in enumerate(ref["ratings"])]
    path.write_text("\n".join(",".join(map(str, r)) for r in rows) + "\n")
    code, out = run("compute", path, "--format", "json", "--categories", "1,2,3,4,5")
    assert code == 0
    doc = json.loads(out)
    item = doc["items"][0]
    assert doc["tool"] == "irrkit" and item["item"] == "ratings" and item["n_units"] == 30 and item["n_coders"] == 6
    c = item["coefficients"]
    assert c["fleiss_kappa"]["value"] == pytest.approx(ref["expected"]["fleiss_kappa"]["value"], abs=1e-7)
    assert c["fleiss_kappa"]["se"] == pytest.approx(ref["expected"]["fleiss_kappa"]["se_gwet_linearization"], abs=1e-6)
    assert c["gwet_ac1"]["value"] == pytest.approx(ref["expected"]["gwet_ac1"]["value"], abs=1e-7)
    assert c["conger_kappa"]["value"] == pytest.approx(ref["expected"]["conger_kappa"]["value"], abs=1e-7)
    interp = c["fleiss_kappa"]["interpretation"]
    assert interp["scale"] == "landis_koch" and interp["label"] == "Moderate"
    assert interp["probabilistic"]["label"] in ("Moderate", "Fair")
    per = item["per_category"]
    assert per["3"]["fleiss_kappa"]["value"] == pytest.approx(0.52, abs=1e-7)
    assert item["fleiss_nee_landis"]["se_null"] == pytest.approx(0.0243739, abs=1e-7)
    for key in ("cohen_kappa", "scott_pi", "icc1"):
        assert key not in c  # absent statistics are left out, never null-filled


def test_compute_counts_reproduces_irrcac_dist(tmp_path):
    ref = json.loads((REF / "gwet_distrib6raters.json").read_text())
    path = tmp_path / "counts.csv"
    path.write_text("1;2;3;4;5\n" + "\n".join(";".join(map(str, r)) for r in ref["counts"]) + "\n")
    code, out = run("compute", path, "--counts", "-f", "json")
    assert code == 0
    c = json.loads(out)["items"][0]["coefficients"]
    for key, e in ref["expected"].items():
        assert c[key]["value"] == pytest.approx(e["value"], abs=1e-7)
        assert c[key]["se"] == pytest.approx(e["se"], abs=1e-8)
        assert c[key]["p_value"] == pytest.approx(e["p_one_sided"], rel=1e-5)


def test_compute_icc_long_file(tmp_path):
    ref = json.loads((REF / "shrout_fleiss1979.json").read_text())
    path = tmp_path / "long.csv"
    cells = [(i, j, v) for i, row in enumerate(ref["ratings"]) for j, v in enumerate(row)]
    lines = ["target,judge,score"] + [f"t{i},j{j},{v}" for i, j, v in cells]
    path.write_text("\n".join(lines) + "\n")
    code, out = run("compute", path, "--long", "--unit-col", "target", "--coder-col", "judge", "--value-col", "score",
                    "--level", "interval", "-f", "json")
    assert code == 0
    c = json.loads(out)["items"][0]["coefficients"]
    for name, e in ref["expected"].items():
        got = c[name.lower()]
        assert got["value"] == pytest.approx(e["value"], abs=1e-6)
        assert got["mcgraw_wong"] == e["mcgraw_wong"] and got["df2"] == e["df2"]
        assert got["interpretation"]["scale"] == "koo_li"


def test_check_out_writes_every_table(tmp_path):
    files = sorted(DEMO.glob("crying-forms_coder_*.csv"))
    out = tmp_path / "round1"
    code, _ = run("check", *files, "-c", CODEBOOKS / "crying-forms.yaml", "--out", out, "-f", "csv")
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["summary.csv", "summary.md", "per_category.csv", "disagreements.csv", "coders.csv", "coder_pairs.csv",
         "results.json"])
    summary = list(csv.DictReader((out / "summary.csv").open()))
    primary = {r["item"]: r["statistic"] for r in summary if r["primary"] == "true"}
    assert primary == {"form": "fleiss_kappa", "intensity": "icc2"}
    dis = list(csv.DictReader((out / "disagreements.csv").open()))
    assert dis and set(dis[0]) >= {"unit", "item", "crying-forms_coder_A", "crying-forms_coder_B"}
    # a disagreement row really has differing codes
    row = next(r for r in dis if r["item"] == "form")
    codes = {v for k, v in row.items() if k.startswith("crying") and v}
    assert len(codes) >= 2
    doc = json.loads((out / "results.json").read_text())
    assert [it["item"] for it in doc["items"]] == ["form", "intensity"]
    assert "**Fleiss' kappa**" in (out / "summary.md").read_text()


def test_formats_and_demo():
    code, out = run("demo", "--format", "markdown")
    assert code == 0 and out.count("# ") >= 2 and "| form | nominal | 46 | 3 |" in out
    code, out = run("demo", "--format", "json")
    assert code == 0
    doc = json.loads(out)  # ONE JSON document (it was three concatenated)
    assert doc["tool"] == "irrkit" and doc["kind"] == "demo"
    assert doc["runs"]["crying-forms"]["codebook"] == "crying-forms"
    assert doc["runs"]["interventions"]["codebook"] == "gutjahr-benecke-2024-interventions"
    assert doc["runs"]["crying-episodes"]["items"]


def test_prevalence_note(tmp_path):
    path = tmp_path / "rare.csv"
    rows = ["unit,a,b,c"] + [f"u{i},1,1,1" for i in range(20)] + ["u20,1,2,1", "u21,2,2,2"]
    path.write_text("\n".join(rows) + "\n")
    code, out = run("compute", path, "-f", "json")
    assert code == 0
    item = json.loads(out)["items"][0]
    assert any("prevalence" in n and "kappa paradox" in n for n in item["notes"])
