"""`irrkit plan`: published sample sizes through the CLI, planning from a pilot's results JSON, clear errors."""

from __future__ import annotations

import json
import math
from pathlib import Path
from statistics import NormalDist

import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app

DEMO = Path(__file__).parent.parent / "cli" / "demo"
CODEBOOK = Path(__file__).parent.parent / "codebooks" / "crying-forms.yaml"
runner = CliRunner()


def run(*args: object) -> tuple[int, str]:
    res = runner.invoke(app, ["plan", *[str(a) for a in args]])
    return res.exit_code, res.output


def plans(*args: object) -> list[dict]:
    code, out = run(*args, "--format", "json")
    assert code == 0, out
    return json.loads(out)["plans"]


def test_krippendorff_table_through_the_cli():
    (p,) = plans("-s", "krippendorff_alpha", "--min", "0.8", "--categories", "4")
    assert p["closed_form"]["n_values"] == 139 and p["n_units"] == 70 and p["n_codings"] == 140
    (p,) = plans("-s", "krippendorff_alpha", "--min", "0.667", "--categories", "4", "--coders", "3")
    assert p["closed_form"]["n_values"] == 81 and p["n_units"] == 27


def test_bonett_and_kappasize_examples_through_the_cli():
    (p,) = plans("-s", "icc", "--expected", "0.8", "--half-width", "0.1")
    assert p["n_units"] == 55 and "Bonett" in p["closed_form"]["source"]
    # kappaSize PowerBinary(kappa0=0.4, kappa1=0.6, props=0.30): N = 190.46 -> 191 units
    (p,) = plans("-s", "cohen_kappa", "--expected", "0.6", "--min", "0.4", "--prevalences", "0.3")
    assert p["n_units"] == 191


def test_table_names_the_method_and_source():
    code, out = run("-s", "icc", "--expected", "0.8", "--coders", "3", "--half-width", "0.1", "--assurance", "0.8")
    assert code == 0
    assert "Zou 2012" in out and "Stat Med 31:3972" in out and " 48 " in out


def test_simulation_through_the_cli_is_seeded():
    args = ("-s", "gwet_ac1", "--expected", "0.7", "--coders", "3", "--half-width", "0.1", "--prevalences",
            "0.2,0.3,0.5", "--simulate", "--replicates", "200", "--seed", "7")
    (a,), (b,) = plans(*args), plans(*args)
    assert a["simulation"]["simulation"]["replicates"] == 200
    assert a["simulation"]["n_units"] == b["simulation"]["n_units"]
    assert a["simulation"]["simulation"]["mean_half_width"] <= 0.1
    assert a["closed_form"]["n_units"] >= a["simulation"]["n_units"]  # Gwet's two-coder variance: conservative


def test_plan_from_a_pilot(tmp_path):
    res = runner.invoke(app, ["check", *[str(p) for p in sorted(DEMO.glob("crying-forms_coder_*.csv"))], "-c",
                              str(CODEBOOK), "--format", "json"])
    assert res.exit_code == 0
    pilot = tmp_path / "results.json"
    pilot.write_text(res.stdout)
    items = {i["item"]: i for i in json.loads(pilot.read_text())["items"]}
    rows = {r["item"]: r for r in plans("--from", pilot, "--min", "0.6")}
    # intensity: ICC(A,1) of the pilot as the expected value, 3 coders; Walter et al. (1998) by hand
    rho, k = items["intensity"]["coefficients"]["icc2"]["value"], items["intensity"]["n_coders"]
    z = NormalDist().inv_cdf(0.975) + NormalDist().inv_cdf(0.8)
    big_f = lambda r: (1 + (k - 1) * r) / (1 - r)  # noqa: E731
    n = math.ceil(1 + 2 * k * z**2 / ((k - 1) * math.log(big_f(rho) / big_f(0.6)) ** 2))
    r = rows["intensity"]
    assert r["coefficient"] == "icc2" and r["n_coders"] == k and r["n_units"] == n
    assert r["more_units"] == max(0, n - items["intensity"]["n_units"])
    # form: Fleiss' kappa of the pilot is below the minimum: not planned, and why
    assert rows["form"]["status"] == "undefined" and "does not exceed the minimum" in rows["form"]["reason"]
    # the pilot's category shares feed AC1's chance agreement
    (ac1,) = plans("--from", pilot, "--item", "form", "-s", "gwet_ac1", "--min", "0.4")
    dist = items["form"]["distribution"]
    shares = [v / sum(dist.values()) for v in dist.values()]
    pe = sum(s * (1 - s) for s in shares) / (len(shares) - 1)
    assert ac1["closed_form"]["pe"] == pytest.approx(pe)
    code, out = run("--from", pilot, "--min", "0.6")
    assert code == 0 and "more" in out and "not planned" in out


@pytest.mark.parametrize("args, words", [
    (("-s", "icc", "--expected", "0.8"), "give one goal"),
    (("-s", "icc", "--expected", "0.8", "--min", "0.6", "--half-width", "0.1"), "give one goal"),
    (("--min", "0.6"), "--coefficient"),
    (("-s", "cohen_kappa", "--expected", "0.6", "--min", "0.4", "--prevalences", "a,b"), "comma-separated"),
    (("-s", "cohen_kappa", "--expected", "0.6", "--min", "0.4", "--prevalences", "0.5,0.6"), "sum to 1"),
    (("-s", "nonsense", "--expected", "0.6", "--min", "0.4"), "unknown coefficient"),
    (("-s", "icc", "--expected", "0.5", "--min", "0.7"), "must exceed the minimum"),
    (("-s", "gwet_ac1", "--expected", "0.6", "--min", "0.4", "--weights", "cubic"), "--weights"),
])
def test_bad_requests_exit_2_with_a_reason(args, words):
    code, out = run(*args)
    assert code == 2
    assert words in out and "Traceback" not in out


def test_bad_pilot_files_exit_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, out = run("--from", bad, "--min", "0.6")
    assert code == 2 and "bad.json:1: is not JSON" in out
    other = tmp_path / "other.json"
    other.write_text('{"a": 1}')
    code, out = run("--from", other, "--min", "0.6")
    assert code == 2 and "not an irrkit results JSON" in out
    code, out = run("--from", tmp_path / "missing.json", "--min", "0.6")
    assert code == 2 and "missing.json" in out
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"items": [{"item": "form", "coefficients": {}}]}))
    code, out = run("--from", good, "--item", "nope", "--min", "0.6")
    assert code == 2 and "no item 'nope'" in out
