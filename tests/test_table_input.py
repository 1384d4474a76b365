"""`irrkit compute --table`: two coders' contingency table as input, against R irrCAC's *.table functions
(fixtures/r_reference/irrcac_table.json), the published tables of fixtures/reference/two_raters_tables.json and
the Fleiss-Cohen-Everitt figures of R (cohen_fce.json); bad tables exit 2 naming the place."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app

R = Path(__file__).parent.parent / "fixtures" / "r_reference"
REF = Path(__file__).parent.parent / "fixtures" / "reference"
TABLE = json.loads((R / "irrcac_table.json").read_text())
FCE = json.loads((R / "cohen_fce.json").read_text())
PUBLISHED = json.loads((REF / "two_raters_tables.json").read_text())["cases"]
TOL = 1e-9
runner = CliRunner()
KEY = {"pa2.table": "percent_agreement", "kappa2.table": "cohen_kappa", "scott2.table": "scott_pi",
       "gwet.ac1.table": "gwet_ac", "bp2.table": "brennan_prediger", "krippen2.table": "krippendorff_alpha"}


def write_table(path: Path, table, labels=None, delim=",", corner="first \\ second") -> Path:
    labels = labels or [str(k + 1) for k in range(len(table))]
    lines = [delim.join([corner, *labels])] + [delim.join([lab, *map(str, row)]) for lab, row in zip(labels, table)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def compute(*args) -> tuple[int, str, str]:
    res = runner.invoke(app, ["compute", *map(str, args)])
    return res.exit_code, res.stdout, res.output


def item_of(*args) -> dict:
    code, out, allout = compute(*args, "-f", "json")
    assert code == 0, allout
    return json.loads(out)["items"][0]


@pytest.mark.parametrize("case_id,wname", [(c["id"], w) for c in TABLE["cases"] for w in c["results"]])
def test_table_reproduces_irrcac_table_functions(tmp_path, case_id, wname):
    case = next(c for c in TABLE["cases"] if c["id"] == case_id)
    path = write_table(tmp_path / "t.csv", [[int(x) for x in row] for row in case["table"]])
    item = item_of(path, "--table", "--weights", wname)
    assert item["n_units"] == case["n"] and item["n_coders"] == 2 and item["weights"] == wname
    for fn, want in case["results"][wname]["coefficients"].items():
        key = KEY[fn] if KEY[fn] != "gwet_ac" else ("gwet_ac1" if "gwet_ac1" in item["coefficients"] else "gwet_ac2")
        got = item["coefficients"][key]
        what = f"{case_id}/{wname}/{fn}"
        if want.get("value") is None:
            assert got["status"] == "undefined" and got["reason"], what
            continue
        assert got["value"] == pytest.approx(want["value"], abs=TOL), what
        assert got["se"] == pytest.approx(want["se"], abs=TOL), what
        assert got["ci_low"] == pytest.approx(want["lcb"], abs=TOL), what
        assert got["ci_high"] == pytest.approx(want["ucb"], abs=TOL), what
        assert got["p_value"] == pytest.approx(want["p_value"], abs=1e-12), what
        assert got["pa"] == pytest.approx(want["pa"], abs=TOL), what


def test_table_reproduces_the_published_irrcac_abstractors_table(tmp_path):
    case = PUBLISHED[0]  # R irrCAC README: cont3x3abstractors
    e = case["expected"]
    path = write_table(tmp_path / "abstractors.csv", case["table"], delim=";")
    c = item_of(path, "--table")["coefficients"]
    for key in ("cohen_kappa", "scott_pi", "gwet_ac1", "brennan_prediger", "krippendorff_alpha", "percent_agreement"):
        assert c[key]["value"] == pytest.approx(e[key]["value"], abs=1e-7), key
        if "se" in e[key]:
            assert c[key]["se"] == pytest.approx(e[key]["se"], abs=1e-7), key
    assert [round(c["cohen_kappa"]["ci_low"], 3), round(c["cohen_kappa"]["ci_high"], 3)] == e["cohen_kappa"]["ci95"]
    q = item_of(path, "--table", "--weights", "quadratic")["coefficients"]
    assert q["cohen_kappa"]["value"] == pytest.approx(e["cohen_kappa_quadratic"]["value"], abs=1e-7)
    assert q["cohen_kappa"]["se"] == pytest.approx(e["cohen_kappa_quadratic"]["se"], abs=1e-7)
    assert q["gwet_ac2"]["value"] == pytest.approx(e["gwet_ac2_quadratic"]["value"], abs=1e-7)
    assert q["gwet_ac2"]["se"] == pytest.approx(e["gwet_ac2_quadratic"]["se"], abs=1e-7)


@pytest.mark.parametrize("case_id,wname", [(c["id"], w) for c in FCE["cases"] for w in c["results"]
                                           if w in ("identity", "linear", "quadratic")])
def test_table_cohen_kappa_has_the_fleiss_cohen_everitt_figures_of_r(tmp_path, case_id, wname):
    case = next(c for c in FCE["cases"] if c["id"] == case_id)
    spec = case["results"][wname]
    fce = item_of(write_table(tmp_path / "t.csv", [[int(x) for x in r] for r in case["table"]]), "--table",
                  "--weights", wname)["coefficients"]["cohen_kappa"]["fleiss_cohen_everitt"]
    assert fce["se_asymptotic"] == pytest.approx(spec["kappa2_table"]["se"], abs=TOL)
    assert fce["se_null"] == pytest.approx(spec["irr_kappa2"]["se0"], abs=TOL)
    assert fce["z"] == pytest.approx(spec["irr_kappa2"]["z"], abs=1e-7)
    assert fce["p_two_sided"] == pytest.approx(spec["irr_kappa2"]["p_value"], abs=1e-12)


def test_sas_example_as_a_table_with_labels_and_reordered_columns(tmp_path):
    case = PUBLISHED[1]  # SAS PROC FREQ kappa example
    e = case["expected"]["cohen_kappa"]
    t = case["table"]
    # the columns in another order than the rows: put back in the rows' order
    path = tmp_path / "sas.csv"
    path.write_text("rater 1 \\ rater 2,c,a,b\n" + "".join(f"{lab},{row[2]},{row[0]},{row[1]}\n"
                                                          for lab, row in zip("abc", t)))
    item = item_of(path, "--table")
    assert item["categories"] == ["a", "b", "c"]
    c = item["coefficients"]["cohen_kappa"]
    assert c["value"] == pytest.approx(e["value"], abs=5e-5)
    fce = c["fleiss_cohen_everitt"]
    assert fce["se_asymptotic"] == pytest.approx(e["ase"], abs=5e-5)
    assert fce["se_null"] == pytest.approx(e["ase_null"], abs=5e-5)
    assert fce["z"] == pytest.approx(e["z"], abs=5e-5)
    code, out, allout = compute(path, "--table")
    assert code == 0 and "Fleiss-Cohen-Everitt" in allout


def test_categories_order_the_table_and_add_unused_ones(tmp_path):
    path = write_table(tmp_path / "t.csv", [[40, 9], [6, 25]], labels=["yes", "no"])
    item = item_of(path, "--table", "--categories", "no,maybe,yes", "--weights", "linear")
    assert item["categories"] == ["no", "maybe", "yes"] and item["distribution"] == {"no": 65, "maybe": 0, "yes": 95}
    # the same as the 3 x 3 table typed out with an empty middle category (ranks 1..3 for the weights)
    full = item_of(write_table(tmp_path / "full.csv", [[25, 0, 6], [0, 0, 0], [9, 0, 40]]), "--table",
                   "--weights", "linear")
    for key, c in item["coefficients"].items():
        assert c["value"] == pytest.approx(full["coefficients"][key]["value"], abs=1e-12), key


def test_csv_output_of_a_table_reads_back_as_plain_numbers(tmp_path):
    path = write_table(tmp_path / "t.csv", PUBLISHED[0]["table"])
    code, out, _ = compute(path, "--table", "-f", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    kappa = next(r for r in rows if r["statistic"] == "cohen_kappa")
    assert float(kappa["value"]) == pytest.approx(0.7964094, abs=1e-7) and float(kappa["se"]) > 0


@pytest.mark.parametrize("text,args,message", [
    ("x,1,2\n1,3,1\n2,x,4\n", [], "t.csv:3: column '1': value 'x' is not a count"),
    ("x,1,2\n1,3,1\n2,1e30,4\n", [], "t.csv:3: column '1': value '1e30' is not a count"),
    ("x,1,2\n1,3,1\n2,-1,4\n", [], "value '-1' is not a count"),
    ("x,1,2\n1,3,1\n3,1,4\n", [], "'3' only in the rows; '2' only in the columns"),
    ("x,1,2\n1,3,1\n1,1,4\n", [], "t.csv:3: row category '1' appears twice"),
    ("x,1,1\n1,3,1\n2,1,4\n", [], "column category '1' appears twice"),
    ("x,1,2\n", [], "has a header but no rows"),
    ("x,1,2\n1,3,1\n2,1,4\n", ["--categories", "1,3"], "categories '2' of the table are not in --categories"),
    ("x,1,2\n1,3,1\n2,1,4\n", ["--counts"], "choose one input form"),
    ("x,1,2\n1,3,1\n2,1,4\n", ["--bootstrap", "100"], "not available with --table"),
])
def test_bad_tables_exit_2_naming_the_place(tmp_path, text, args, message):
    path = tmp_path / "t.csv"
    path.write_text(text)
    code, out, allout = compute(path, "--table", *args)
    assert code == 2, allout
    assert message in allout and "Traceback" not in allout and out == ""
    assert path.read_text() == text  # the input is untouched
