"""Coder training rounds and CI gating: irrkit train / retest / check exit codes, JUnit, handouts, history."""

from __future__ import annotations

import csv
import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from irrkit.cli.demo import demo_training
from irrkit.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
CRYING = ROOT / "codebooks" / "crying-forms.yaml"
GOLD, (ANNA, BEN) = demo_training()
NO_CI = {"GITHUB_ACTIONS": None, "GITHUB_STEP_SUMMARY": None}
MINI = """id: mini
version: "2"
items:
  - id: form
    label: Form
    level: nominal
    categories:
      - {code: a, label: Alpha, definition: The first kind of form.}
      - {code: b, label: Beta, definition: The second kind of form.}
      - {code: c, label: Gamma, definition: The third kind of form.}
  - id: level
    level: ordinal
    categories: [{code: 0, label: none}, {code: 1, label: some}, {code: 2, label: much}]
"""


def run(*args: object, env: dict[str, str | None] | None = None):
    return CliRunner().invoke(app, [str(a) for a in args], env={**NO_CI, **(env or {})})


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def save(path: Path, data: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(data[0]))
        w.writeheader()
        w.writerows(data)
    return path


@pytest.fixture
def mini(tmp_path: Path) -> dict[str, Path]:
    """Gold and one trainee over 6 units; the trainee codes u4 'b' where gold has 'a' (note: 'hesitated')."""
    cb = write(tmp_path / "mini.yaml", MINI)
    gold = write(tmp_path / "gold.csv", "unit,session,form,level\nu1,S1,a,0\nu2,S1,b,1\nu3,S2,c,2\n"
                                        "u4,S2,a,1\nu5,S3,b,2\nu6,S3,c,0\n")
    tina = write(tmp_path / "tina.csv", "unit,session,form,level,note\nu1,S1,a,0,\nu2,S1,b,1,\nu3,S2,c,2,\n"
                                        "u4,S2,b,1,hesitated\nu5,S3,b,1,\nu6,S3,c,0,\n")
    return {"cb": cb, "gold": gold, "tina": tina}


# ----------------------------------------------------------------------------------------------- exit codes


@pytest.mark.parametrize("trainee, extra, code", [
    (ANNA, [], 0), (BEN, [], 1), (BEN, ["--no-gate"], 0), (ANNA, ["--min", "form:cohen_kappa=0.9"], 1),
    (BEN, ["--min", "form:cohen_kappa=0.4"], 0), (BEN, ["--gate-on", "lower-bound", "--min", "icc2=0.7"], 1),
    (ANNA, ["--min", "cohen_kappa=high"], 2), (ANNA, ["--min", "fleiss_kappa=0.5"], 2),
    (ANNA, ["--min", "form:icc2=0.5"], 2), (ANNA, ["--min", "nosuch:cohen_kappa=0.5"], 2),
])
def test_train_exit_codes(trainee: Path, extra: list[str], code: int) -> None:
    r = run("train", trainee, "--gold", GOLD, "-c", CRYING, *extra)
    assert r.exit_code == code, r.output


@pytest.mark.parametrize("trainee, extra, code", [
    (ANNA, ["--min", "form:cohen_kappa=0.6"], 0), (BEN, ["--min", "form:cohen_kappa=0.6"], 1),
    (BEN, ["--min", "form:cohen_kappa=0.6", "--no-gate"], 0), (ANNA, ["--min", "form:cohen_kappa=1.5"], 2),
    (ANNA, ["--min", "kappa=0.5"], 2),
])
def test_check_exit_codes(trainee: Path, extra: list[str], code: int) -> None:
    r = run("check", GOLD, trainee, "-c", CRYING, *extra)
    assert r.exit_code == code, r.output


def test_unknown_code_is_bad_input(tmp_path: Path, mini: dict[str, Path]) -> None:
    bad = write(tmp_path / "bad.csv", "unit,form,level\nu1,a,0\nu2,zzz,1\n")
    for cmd in (["train", bad, "--gold", mini["gold"]], ["check", mini["gold"], bad]):
        r = run(*cmd, "-c", mini["cb"])
        assert r.exit_code == 2
        assert "bad.csv:3" in r.stderr and "'zzz' is not a code of item 'form'" in r.stderr


def test_demo_trainees() -> None:
    r = run("train", ANNA, BEN, "--gold", GOLD, "-c", CRYING)
    assert r.exit_code == 1
    assert "crying-forms_trainee_anna passed" in r.stderr
    assert "crying-forms_trainee_ben FAILED" in r.stderr
    assert "gate failed crying-forms_trainee_ben.form: Cohen's kappa = 0.427" in r.stderr
    assert "crying-forms_trainee_ben (rows) x crying-forms_gold (columns)" in r.stdout


def test_train_agrees_with_check() -> None:
    """Trainee vs gold gives the numbers check gives for the same two coders."""
    from irrkit.analysis.item import analyse
    from irrkit.codebooks.codebook import load_codebook
    from irrkit.readers import read_coder_files
    from irrkit.workflows.training import train
    cb = load_codebook(CRYING)
    res = train(read_coder_files([GOLD, ANNA, BEN], cb), str(GOLD))
    both = read_coder_files([GOLD, BEN], cb)
    ref = {it: analyse(both.items[it]).coefficients for it in ("form", "intensity")}
    ben = res.pairs["crying-forms_trainee_ben"]
    for key in ("percent_agreement", "cohen_kappa", "gwet_ac1"):
        assert ben["form"].statistics[key].value == pytest.approx(ref["form"][key].value, abs=1e-12)
    assert ben["intensity"].statistics["icc2"].value == pytest.approx(ref["intensity"]["icc2"].value, abs=1e-12)
    conf = ben["form"].confusion
    assert conf.sum() == 46 and np.trace(conf) == round(ben["form"].statistics["percent_agreement"].value * 46)
    m = res.matrix["form"]["cohen_kappa"]
    assert m[0][2] == pytest.approx(ref["form"]["cohen_kappa"].value) and m[1][2] == m[2][1] and m[0][0] is None


# ----------------------------------------------------------------------------------------------- CI reports


def test_junit_train(tmp_path: Path) -> None:
    junit = tmp_path / "irr-junit.xml"
    summary = tmp_path / "summary.md"
    r = run("train", ANNA, BEN, "--gold", GOLD, "-c", CRYING, "--junit", junit, "--summary", summary)
    assert r.exit_code == 1
    root = ET.parse(junit).getroot()
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    base = "irrkit.train.crying-forms.crying-forms_trainee_"
    assert set(cases) == {(f"{base}{t}.{i}", s) for t in ("anna", "ben")
                          for i, s in (("form", "cohen_kappa"), ("intensity", "icc2"))}
    assert root.get("tests") == "4" and root.get("failures") == "1"
    failed = [k for k, c in cases.items() if c.find("failure") is not None]
    assert failed == [(f"{base}ben.form", "cohen_kappa")]
    msg = cases[failed[0]].find("failure").get("message")
    assert "0.427" in msg and "minimum 0.60" in msg
    text = summary.read_text(encoding="utf-8")
    assert "❌ failed" in text and "crying-forms_trainee_ben.form" in text


def test_junit_check(tmp_path: Path) -> None:
    junit = tmp_path / "j.xml"
    r = run("check", GOLD, BEN, "-c", CRYING, "--min", "form:cohen_kappa=0.6", "--min", "intensity:icc2=0.6",
            "--junit", junit)
    assert r.exit_code == 1
    cases = list(ET.parse(junit).getroot().iter("testcase"))
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("irrkit.crying-forms.form", "cohen_kappa"), ("irrkit.crying-forms.intensity", "icc2")]
    assert cases[1].find("failure") is None
    msg = cases[0].find("failure").get("message")
    assert "0.427" in msg and "0.60" in msg


def test_github_annotations() -> None:
    env = {"GITHUB_ACTIONS": "true"}
    r = run("train", ANNA, BEN, "--gold", GOLD, "-c", CRYING, env=env)
    errors = [line for line in r.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and "crying-forms_trainee_ben.form Cohen's kappa" in errors[0] and "0.427" in errors[0]
    r = run("train", ANNA, BEN, "--gold", GOLD, "-c", CRYING, "-f", "json", env=env)
    json.loads(r.stdout)  # annotations go to stderr with --format json
    assert "::error" in r.stderr
    r = run("check", GOLD, BEN, "-c", CRYING, "--min", "form:cohen_kappa=0.6", env=env)
    assert r.exit_code == 1 and "::error title=irrkit gate%3A form Cohen's kappa::" in r.stdout
    assert "::error" not in run("train", ANNA, "--gold", GOLD, "-c", CRYING, env=env).output


# ----------------------------------------------------------------------------------------------- handout


def test_handout_of_a_known_disagreement(tmp_path: Path, mini: dict[str, Path]) -> None:
    out = tmp_path / "out"
    r = run("train", mini["tina"], "--gold", mini["gold"], "-c", mini["cb"], "--out", out)
    assert r.exit_code == 0, r.output  # kappa 0.75 on form, ICC(A,1) on level passes too
    assert sorted(p.name for p in out.iterdir()) == ["handout_tina.csv", "handout_tina.md", "training.json",
                                                     "training_summary.csv"]
    md = (out / "handout_tina.md").read_text(encoding="utf-8")
    section = md.split("## form: Form")[1].split("## level")[0]
    assert "### Unit u4 (session: S2, note: hesitated)" in section
    for text in ("| **tina** | b | Beta | The second kind of form. |",
                 "| **gold** | a | Alpha | The first kind of form. |", "tina.csv:5"):
        assert text in section
    assert "u5" not in section and "### Unit u5 (session: S3)" in md.split("## level")[1]
    hand = rows(out / "handout_tina.csv")
    assert [(h["item"], h["unit"]) for h in hand] == [("form", "u4"), ("level", "u5")]
    u4 = hand[0]
    assert (u4["trainee_code"], u4["trainee_label"], u4["gold_code"], u4["gold_label"]) == ("b", "Beta", "a", "Alpha")
    assert u4["trainee_definition"] == "The second kind of form." and u4["gold_definition"] == "The first kind of form."
    assert (u4["session"], u4["note"], u4["line"]) == ("S2", "hesitated", "5")
    assert float(hand[1]["difference"]) == -1.0
    data = json.loads((out / "training.json").read_text(encoding="utf-8"))
    form = data["trainees"]["tina"]["items"]["form"]
    assert form["confusion"]["codes"] == ["a", "b", "c"]
    assert form["confusion"]["counts"] == [[1, 0, 0], [1, 2, 0], [0, 0, 2]]  # rows tina, columns gold
    # po = 5/6, pe = (1/6)(2/6) + (3/6)(2/6) + (2/6)(2/6) = 12/36: kappa = (5/6 - 1/3) / (2/3) = 0.75
    assert form["statistics"]["cohen_kappa"]["value"] == pytest.approx(0.75)
    summary = rows(out / "training_summary.csv")
    assert {(s["item"], s["statistic"], s["gate"]) for s in summary if s["gate"]} == {
        ("form", "cohen_kappa", "pass"), ("level", "icc2", "pass")}


def test_out_never_overwrites_inputs(tmp_path: Path, mini: dict[str, Path]) -> None:
    before = mini["gold"].read_bytes()
    r = run("train", mini["tina"], "--gold", mini["gold"], "-c", mini["cb"], "--out", tmp_path / "out",
            "--junit", mini["gold"])
    assert r.exit_code == 2 and "refusing to write an output over an input" in r.stderr
    assert mini["gold"].read_bytes() == before and not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------------------------- history


def test_history_three_rounds(tmp_path: Path) -> None:
    gold, ben = rows(GOLD), rows(BEN)
    wrong = [k for k, (g, b) in enumerate(zip(gold, ben, strict=True)) if g["form"] != b["form"]]
    hist = tmp_path / "history"
    kappas = []
    for k, name in enumerate(("r1", "r2", "r3")):
        fixed = [dict(b, form=gold[i]["form"]) if i in wrong[: (0, len(wrong) // 5, len(wrong))[k]] else b
                 for i, b in enumerate(ben)]
        trainee = save(tmp_path / name / BEN.name, fixed)
        before = {p.name: p.read_bytes() for p in hist.glob("*.json")}
        r = run("train", ANNA, trainee, "--gold", GOLD, "-c", CRYING, "--history", hist, "--round", name)
        assert r.exit_code == (1 if k < 2 else 0), r.output
        files = sorted(p.name for p in hist.iterdir())
        assert files == [f"round-{i + 1:03d}-{n}.json" for i, n in enumerate(("r1", "r2", "r3")[: k + 1])]
        assert all((hist / n).read_bytes() == b for n, b in before.items())  # earlier rounds untouched
        rec = json.loads((hist / files[-1]).read_text(encoding="utf-8"))
        assert rec["round"] == k + 1 and rec["name"] == name and rec["codebook"] == {"id": "crying-forms",
                                                                                        "version": "1.0"}
        ben_rec = rec["trainees"]["crying-forms_trainee_ben"]
        kappas.append(ben_rec["items"]["form"]["statistics"]["cohen_kappa"]["value"])
        assert ben_rec["passed"] is (k == 2)
        if k == 0:
            assert "since round" not in r.stdout
            continue
        assert f"since round {k} 'r{k}'" in r.stdout
        line = next(s for s in r.stdout.splitlines() if "crying-forms_trainee_ben" in s and "Cohen's kappa" in s)
        assert f"{kappas[-2]:.2f} -> {kappas[-1]:.2f}, +{kappas[-1] - kappas[-2]:.2f}" in line
        assert ("fail -> pass" if k == 2 else "fail -> fail") in line
    assert kappas[0] < kappas[1] < kappas[2] == pytest.approx(1.0)
    snapshot = {p.name: p.read_bytes() for p in hist.iterdir()}
    r = run("train", ANNA, BEN, "--gold", GOLD, "-c", CRYING, "--history", hist, "--round", "r2")
    assert r.exit_code == 2 and "already recorded" in r.stderr and "round-002-r2.json" in r.stderr
    assert {p.name: p.read_bytes() for p in hist.iterdir()} == snapshot
    r = run("train", ANNA, BEN, "--gold", GOLD, "-c", CRYING, "--history", hist, "--round", "no good")
    assert r.exit_code == 2 and {p.name: p.read_bytes() for p in hist.iterdir()} == snapshot


def test_compare_rounds() -> None:
    from irrkit.workflows.training import compare_rounds
    prev = {"trainees": {"a": {"items": {"form": {"statistics": {"cohen_kappa": {"value": 0.52}}, "passed": False,
                                                  "gates": [{"statistic": "cohen_kappa"}]}}}}}
    cur = {"trainees": {"a": {"items": {"form": {"statistics": {"cohen_kappa": {"value": 0.68}}, "passed": True,
                                                 "gates": [{"statistic": "cohen_kappa"}]}}},
                        "b": {"items": {"form": {"statistics": {"cohen_kappa": {"value": 0.7}}, "passed": True}}}}}
    a, b = compare_rounds(prev, cur)
    assert a["change"] == pytest.approx(0.16) and a["gated"] and (a["was_passed"], a["passed"]) == (False, True)
    assert b["previous"] is None and b["change"] is None


# ----------------------------------------------------------------------------------------------- retest


def test_retest_known_kappa(tmp_path: Path, mini: dict[str, Path]) -> None:
    first = "a a a a b b b c c c".split()
    second = "a a a b b b c c c a".split()
    l1, l2 = [0, 1, 2, 0, 1, 2, 0, 1, 2, 1], [0, 1, 2, 0, 1, 2, 1, 1, 2, 2]
    one = write(tmp_path / "march.csv", "unit,coder,form,level\n" + "".join(
        f"u{i},anna,{first[i]},{l1[i]}\n" for i in range(10)))
    two = write(tmp_path / "may.csv", "unit,coder,form,level\n" + "".join(
        f"u{i},anna,{second[i]},{l2[i]}\n" for i in range(10)))
    r = run("retest", one, two, "-c", mini["cb"], "-f", "json")
    assert r.exit_code == 1, r.output  # kappa 0.545 < 0.60
    items = json.loads(r.stdout)["trainees"]["second"]["items"]
    st = items["form"]["statistics"]
    # po = 7/10; both passes' marginals are (0.4, 0.3, 0.3): pe = 0.34; kappa = 0.36 / 0.66 = 6/11
    assert st["percent_agreement"]["value"] == pytest.approx(0.7)
    assert st["cohen_kappa"]["value"] == pytest.approx(6 / 11)
    x = np.column_stack([l1, l2]).astype(float)
    n, k = x.shape
    bms = k * ((x.mean(1) - x.mean()) ** 2).sum() / (n - 1)
    jms = n * ((x.mean(0) - x.mean()) ** 2).sum() / (k - 1)
    ems = (((x - x.mean()) ** 2).sum() - bms * (n - 1) - jms * (k - 1)) / ((n - 1) * (k - 1))
    lv = items["level"]["statistics"]
    assert lv["icc2"]["value"] == pytest.approx((bms - ems) / (bms + (k - 1) * ems + k * (jms - ems) / n))
    assert lv["icc3"]["value"] == pytest.approx((bms - ems) / (bms + (k - 1) * ems))
    assert lv["mean_abs_diff"]["value"] == pytest.approx(0.2)
    assert items["form"]["confusion"]["counts"] == [[3, 0, 1], [1, 2, 0], [0, 1, 2]]  # rows second, cols first
    assert run("retest", one, two, "-c", mini["cb"], "--min", "form:cohen_kappa=0.5").exit_code == 0
    assert run("retest", one, two, "-c", mini["cb"], "--no-gate").exit_code == 0
    assert run("retest", one, one, "-c", mini["cb"]).exit_code == 2
    both = write(tmp_path / "both.csv", "unit,coder,form,level\nu1,anna,a,0\nu1,ben,a,0\n")
    r = run("retest", one, both, "-c", mini["cb"])
    assert r.exit_code == 2 and "2 coders" in r.stderr


def test_help_is_fast_and_light() -> None:
    import subprocess
    import sys

    code = ("import sys, cli.main; cli.main.app(['train', '--help'], standalone_mode=False); "
            "print('numpy' in sys.modules, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False False"
    assert "0.60" in out.stdout and "--history" in out.stdout


def test_mad_ci() -> None:
    from irrkit.analysis.pairs import _mad
    c = _mad(np.array([1.0, -1.0, 0.0, 2.0]), 0.95)
    assert c.value == pytest.approx(1.0) and c.ci_low >= 0 and c.ci_high > 1
    assert math.isclose(c.se, np.std([1, 1, 0, 2], ddof=1) / 2)


# --- rounds that say what changed (issue 21 point 6) ------------------------------------------------------------

_DEMO_DIR = Path(__file__).parent.parent / "cli" / "demo"


def test_history_shows_a_changed_threshold_next_to_the_verdict(tmp_path):
    from irrkit.cli.main import app

    gold = _DEMO_DIR / "crying-forms_gold.csv"
    anna = _DEMO_DIR / "crying-forms_trainee_anna.csv"
    runner = CliRunner()
    for name, minimum in (("r1", "0.9"), ("r2", "0.5")):
        res = runner.invoke(app, ["train", str(anna), "--gold", str(gold), "-c", "crying-forms", "--history",
                                  str(tmp_path / "h"), "--round", name, "--min", f"form:cohen_kappa={minimum}"])
    line = next(ln for ln in res.output.splitlines() if "form " in ln and "Cohen's kappa" in ln)
    # the same codings: kappa unchanged, the verdict changed only because the minimum did
    assert "+0.00" in line and "fail -> pass" in line and "(minimum changed: 0.9 -> 0.5;" in line
    # ... and the change is judged by its CI (issue 24): the same units, the same codings, so exactly 0
    assert "(CI +0.00 to +0.00, same units)" in line


def test_handout_counts_disagreements_on_units_both_rated(tmp_path):
    from irrkit.cli.main import app

    gold = _DEMO_DIR / "crying-forms_gold.csv"
    rows = list(csv.DictReader(_DEMO_DIR.joinpath("crying-forms_trainee_anna.csv").open(encoding="utf-8")))
    gold_rows = {r["unit"]: r for r in csv.DictReader(gold.open(encoding="utf-8"))}
    rows[0]["form"] = ""  # anna leaves one unit unrated
    t = tmp_path / "anna.csv"
    with t.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    res = CliRunner().invoke(app, ["train", str(t), "--gold", str(gold), "-c", "crying-forms", "--out",
                                   str(tmp_path / "out"), "--no-gate"])
    assert res.exit_code == 0, res.output
    md = (tmp_path / "out" / "handout_anna.md").read_text(encoding="utf-8")
    both = [r for r in rows if r["form"] and gold_rows[r["unit"]]["form"]]
    disagree = sum(r["form"] != gold_rows[r["unit"]]["form"] for r in both)  # counted here from the files
    assert f"{disagree} disagreement{'s' * (disagree != 1)} in {len(both)} units both rated" in md
    assert "Not rated by anna (1 unit" in md and rows[0]["unit"] in md.split("Not rated by anna")[1].split("\n")[0]


def test_gold_file_caught_by_a_glob_is_named_as_the_gold_file():
    from irrkit.cli.main import app

    gold = _DEMO_DIR / "crying-forms_gold.csv"
    files = sorted(_DEMO_DIR.glob("crying-forms_trainee_*.csv")) + [gold]  # as `*.csv` would give them
    res = CliRunner().invoke(app, ["train", *map(str, files), "--gold", str(gold), "-c", "crying-forms", "--no-gate",
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert set(doc["trainees"]) == {"crying-forms_trainee_anna", "crying-forms_trainee_ben"}
    assert any("is the gold file (--gold)" in w for w in doc["warnings"])
    res = CliRunner().invoke(app, ["train", str(gold), "--gold", str(gold), "-c", "crying-forms"])
    assert res.exit_code == 2 and "the only trainee file" in res.output


def test_retest_warns_when_the_files_name_two_coders(tmp_path):
    from irrkit.cli.main import app

    src = list(csv.DictReader(_DEMO_DIR.joinpath("crying-forms_coder_A.csv").open(encoding="utf-8")))
    for name, coder in (("t1.csv", "anna"), ("t2.csv", "ben")):
        with (tmp_path / name).open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=["unit", "coder", *[k for k in src[0] if k != "unit"]])
            w.writeheader()
            w.writerows([{**r, "coder": coder} for r in src])
    res = CliRunner().invoke(app, ["retest", str(tmp_path / "t1.csv"), str(tmp_path / "t2.csv"), "-c",
                                   "crying-forms", "--no-gate"])
    assert res.exit_code == 0 and "name different coders (anna in t1.csv, ben in t2.csv)" in \
        res.output.replace("\n", " "), res.output
    # the same coder's two passes named by their files (no coder column): no warning
    res = CliRunner().invoke(app, ["retest", str(_DEMO_DIR / "crying-forms_coder_A.csv"),
                                   str(_DEMO_DIR / "crying-forms_coder_B.csv"), "-c", "crying-forms", "--no-gate"])
    assert "name different coders" not in res.output
