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
    assert p["closed_form"]["n_values"] == 81 and p["n_units"] == 41 and "convention" in p["closed_form"]


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


# --- the questions labs ask (issue 21 point 4) ------------------------------------------------------------------

def fleiss_by_hand(counts):
    """Fleiss' (1971) kappa from a units x categories count table, written out."""

    n, k = counts.shape[0], counts.sum(axis=1)[0]
    p = counts.sum(axis=0) / (n * k)
    pa = ((counts * (counts - 1)).sum(axis=1) / (k * (k - 1))).mean()
    pe = (p**2).sum()
    return (pa - pe) / (1 - pe)


def test_six_category_fleiss_kappa_is_planned_by_simulation():
    """6 equiprobable categories, Fleiss' kappa .8 +/- .1, 3 coders: no closed form (kappaSize stops at 5), so
    the simulation plans it. Checked by a second simulation written here: the common-correlation model drawn with
    numpy and Fleiss' kappa by hand; 1.96 x the SD of the estimates at the planned n is about .1."""
    import numpy as np

    (p,) = plans("-s", "fleiss_kappa", "--expected", "0.8", "--half-width", "0.1", "-k", "3", "--categories", "6",
                 "--replicates", "1000", "--seed", "3")
    assert p["closed_form"] is None and "2 to 5 categories" in p["closed_form_not_used"]
    n = p["n_units"]
    assert 40 <= n <= 150 and p["summary"].startswith(f"Code {n} units by all 3 coders")
    rng = np.random.default_rng(11)
    est = []
    for _ in range(1500):
        same = rng.random(n) < 0.8
        common = rng.integers(0, 6, n)
        codes = np.where(same[:, None], common[:, None], rng.integers(0, 6, (n, 3)))
        est.append(fleiss_by_hand(np.stack([(codes == c).sum(axis=1) for c in range(6)], axis=1)))
    assert 1.96 * np.std(est) == pytest.approx(0.1, rel=0.12)


def test_fixed_n_precision_of_an_icc_matches_bonett():
    """"46 sequences: how precise is an ICC of .8 with 3 coders?" Bonett's (2002) expected width, solved for
    the half-width at n = 46 by hand: w = sqrt(8 z^2 (1 - rho)^2 (1 + 2 rho)^2 / (k (k - 1) (n - 1)))."""
    (p,) = plans("-s", "icc2", "--expected", "0.8", "-k", "3", "--units", "46", "--seed", "1")
    z = NormalDist().inv_cdf(0.975)
    w = math.sqrt(8 * z**2 * (0.2 * 2.6) ** 2 / (6 * 45))
    assert p["goal"] == "fixed_n" and p["n_units"] == 46
    assert p["precision"]["mean_half_width"] == pytest.approx(w / 2, rel=0.08)
    assert p["precision"]["half_width_at_assurance"] > p["precision"]["mean_half_width"]
    assert "With 46 units coded by 3 coders each" in p["summary"] and "ICC(A,1)" in p["summary"]
    # nested: 46 sequences from 32 sessions, intra-cluster correlation .3 -> design effect 1 + (46/32 - 1) .3
    (c,) = plans("-s", "icc2", "--expected", "0.8", "-k", "3", "--units", "46", "--clusters", "32",
                 "--cluster-icc", "0.3", "--seed", "1")
    deff = 1 + (46 / 32 - 1) * 0.3
    assert c["design_effect"]["design_effect"] == pytest.approx(deff)
    assert c["precision"]["n_units_simulated"] == round(46 / deff)
    assert c["precision"]["mean_half_width"] > p["precision"]["mean_half_width"]


def test_design_effect_multiplies_the_planned_units():
    (a,) = plans("-s", "icc", "--expected", "0.8", "--half-width", "0.1")
    (b,) = plans("-s", "icc", "--expected", "0.8", "--half-width", "0.1", "--cluster-size", "3",
                 "--cluster-icc", "0.2")
    assert b["n_units_independent"] == a["n_units"] == 55
    assert b["n_units"] == math.ceil(55 * 1.4) and b["design_effect"]["n_clusters"] == math.ceil(b["n_units"] / 3)
    assert "Kish" in b["design_effect"]["source"]


def test_plain_sentence_icc_form_and_explanations_in_the_table():
    code, out = run("-s", "icc2", "--expected", "0.85", "--min", "0.75", "-k", "3")
    assert code == 0
    first = out.strip().splitlines()[0]
    assert first.startswith("Code ") and "by all 3 coders: if the true ICC(A,1) is .85, the lower bound of its 95% " \
        "CI exceeds .75 with 80% probability." in first
    assert "two-way random effects, absolute agreement, single rater" in out
    assert "assurance: the probability" in out and "by: the formula" in out


def test_a_tiny_answer_gets_a_caveat(tmp_path):
    pilot = {"tool": "irrkit", "items": [{"item": "x", "n_units": 20, "n_coders": 3, "primary": "icc2",
                                          "coefficients": {"icc2": {"value": 0.96, "status": "ok"}}}]}
    p = tmp_path / "pilot.json"
    p.write_text(json.dumps(pilot))
    (row,) = plans("--from", p, "--min", "0.7")
    assert row["n_units"] < 30 and any("below a sensible minimum" in c and "Koo and Li" in c for c in row["caveats"])
    pilot["items"][0]["n_coders"] = 10**9
    p.write_text(json.dumps(pilot))
    (row,) = plans("--from", p, "--min", "0.7")
    assert row["status"] == "undefined" and "--coders" in row["reason"]


@pytest.mark.parametrize("args, says", [
    (("-s", "fleiss_kappa", "--expected", "0.8", "--half-width", "0.1", "--categories", str(10**9)),
     "2 to 100 categories"),
    (("-s", "fleiss_kappa", "--expected", "0.8", "--half-width", "0.1", "--categories", "3", "--simulate",
      "--replicates", str(10**9)), "100 to 100,000"),
    (("-s", "fleiss_kappa", "--expected", "0.8", "--half-width", "0.1", "--simulate", "--categories", "100000"),
     "2 to 100 categories"),
    (("-s", "icc2", "--expected", "0.8", "--half-width", "1e-300"), "from 0.005"),
    (("-s", "fleiss_kappa", "--expected", "0.8", "--half-width", "0.005", "--categories", "3", "--simulate"),
     "more than the simulation tries"),
    (("-s", "icc2", "--expected", "0.8", "--half-width", "0.1", "--seed", "-1"), "--seed"),
    (("-s", "icc2", "--expected", "nan", "--half-width", "0.1"), "a finite number"),
    (("-s", "icc2", "--expected", "0.8", "--units", "46", "--clusters", "32"), "--cluster-icc"),
])
def test_every_size_is_bounded(args, says):
    code, out = run(*args)
    assert code == 2 and says in out.replace("\n", " "), out


def test_a_negative_seed_is_refused_by_the_bootstrap_too():
    files = sorted(DEMO.glob("crying-forms_coder_*.csv"))
    res = runner.invoke(app, ["check", *map(str, files), "-c", str(CODEBOOK), "--bootstrap", "100", "--seed", "-1"])
    assert res.exit_code == 2 and "--seed" in res.output
