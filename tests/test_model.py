"""A model's codings as coders (``irrkit model``, ``irrkit.statistics.alt_test``).

Independent figures:
- the alt-test's winning rate and advantage probability on the authors' nine data sets x six models, as the
  authors' notebook printed them (fixtures/reference/alt_test_authors.json; the data are read from a snapshot of
  github nitaytech/AltTest when one is on this machine, else that test is skipped: the data are not ours to ship);
- a second computation of the alt-test in this file (plain loops, scipy's one-sample t-test, the
  Benjamini-Yekutieli thresholds written out) on random data with missing ratings, both scorings;
- the Benjamini-Yekutieli rejections against statsmodels' ``multipletests(method="fdr_by")``;
- run-to-run stability against ``irrkit retest`` of the same two runs, the model against a human against
  statsmodels' Cohen's kappa of the model's majority code, both read back from what the command writes.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app
from irrkit.statistics.alt_test import alt_test, benjamini_yekutieli

ROOT = Path(__file__).parent.parent
DEMO = ROOT / "cli" / "demo"
HUMANS = sorted(DEMO.glob("crying-forms_coder_*.csv"))
RUNS = sorted(DEMO.glob("model_crying-forms_run*.csv"))
MODEL = "llm=" + ",".join(str(p) for p in RUNS)
AUTHORS = ROOT / "fixtures" / "reference" / "alt_test_authors.json"
MIRROR = Path("/work/.mirror/nitaytech+AltTest/repo")
NO_CI = {"GITHUB_ACTIONS": None, "GITHUB_STEP_SUMMARY": None}


def run(*args: object) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, [str(a) for a in args], env=NO_CI)
    return res.exit_code, res.stdout, res.stderr


# ----------------------------------------------------------------------------------------------- the statistic


def _authors_data(dataset: str) -> tuple[dict, dict]:
    import subprocess

    def show(name: str) -> dict:
        return json.loads(subprocess.run(["git", "--git-dir", str(MIRROR), "show", f"HEAD:data/{dataset}/{name}"],
                                         capture_output=True, check=True).stdout)

    return show("human_annotations.json"), show("llm_annotations.json")


@pytest.mark.skipif(not MIRROR.is_dir(), reason="no snapshot of github nitaytech/AltTest on this machine")
def test_the_alt_test_gives_the_authors_published_figures_on_their_data() -> None:
    fx = json.loads(AUTHORS.read_text())
    assert len(fx["published"]) == 52
    cache: dict[str, tuple[dict, dict]] = {}
    for row in fx["published"]:
        d = row["dataset"]
        humans, llms = cache.setdefault(d, _authors_data(d))
        names = list(humans)
        units = sorted({i for a in humans.values() for i in a})
        scoring = fx["scoring"][d]
        if scoring == "accuracy":
            codes = {str(v) for a in [*humans.values(), *llms.values()] for v in a.values()}
            index = {c: float(k) for k, c in enumerate(sorted(codes))}
            enc = (lambda ix: lambda v: ix[str(v)])(index)
        else:
            enc = float
        hm = np.array([[enc(humans[h][u]) if u in humans[h] else np.nan for h in names] for u in units])
        mv = np.array([enc(llms[row["model"]][u]) if u in llms[row["model"]] else np.nan for u in units])
        r = alt_test(mv, hm, names, epsilon=fx["epsilon"][d], q=fx["q"], scoring=scoring, min_units=fx["min_units"])
        assert round(r.winning_rate, 2) == row["winning_rate"], row
        assert round(r.advantage, 2) == pytest.approx(row["advantage_probability"], abs=1e-9), row
        assert r.passed == (row["winning_rate"] >= 0.5)


def _by_by_hand(p: list[float], q: float) -> list[bool]:
    m = len(p)
    c = sum(1 / i for i in range(1, m + 1))
    order = sorted(range(m), key=lambda k: p[k])
    k_max = max((k for k in range(1, m + 1) if p[order[k - 1]] <= k * q / (m * c)), default=0)
    return [k in order[:k_max] for k in range(m)]


def _alt_by_hand(model: list, humans: list[list], eps: float, q: float, scoring: str, min_units: int = 30):
    """The alt-test written out from the paper, unit by unit (no irrkit code)."""
    from scipy.stats import ttest_1samp

    m = len(humans[0])

    def score(x: float, others: list[float]) -> float:
        if scoring == "accuracy":
            return sum(x == o for o in others) / len(others)
        return -math.sqrt(sum((x - o) ** 2 for o in others) / len(others))

    tested, p_values, rho = [], [], []
    for j in range(m):
        w_f, w_h = [], []
        for x, row in zip(model, humans):
            if math.isnan(x) or math.isnan(row[j]):
                continue
            others = [v for k, v in enumerate(row) if k != j and not math.isnan(v)]
            if not others:
                continue
            sf, sh = score(x, others), score(row[j], others)
            w_f.append(1.0 if sf >= sh else 0.0)
            w_h.append(1.0 if sh >= sf else 0.0)
        if len(w_f) < min_units:
            continue
        tested.append(j)
        p_values.append(float(ttest_1samp(np.subtract(w_h, w_f), eps, alternative="less").pvalue))
        rho.append(sum(w_f) / len(w_f))
    rejected = _by_by_hand(p_values, q)
    return tested, p_values, rejected, sum(rejected) / len(tested), sum(rho) / len(rho)


@pytest.mark.parametrize("scoring", ["accuracy", "neg_rmse"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_alt_test_agrees_with_a_computation_written_out_from_the_paper(scoring: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = 60, 5
    truth = rng.integers(0, 4, n)
    humans = np.where(rng.random((n, m)) < 0.75, truth[:, None], rng.integers(0, 4, (n, m))).astype(float)
    humans[rng.random((n, m)) < 0.12] = np.nan  # missing ratings
    humans[:3, 1:] = np.nan  # units with one human: not used
    model = np.where(rng.random(n) < 0.7 + 0.05 * seed, truth, rng.integers(0, 4, n)).astype(float)
    model[5] = np.nan
    eps = 0.1
    tested, p, rejected, omega, rho = _alt_by_hand(model.tolist(), humans.tolist(), eps, 0.05, scoring)
    r = alt_test(model, humans, epsilon=eps, scoring=scoring)
    got = [h for h in r.humans if h.status == "ok"]
    assert [r.humans.index(h) for h in got] == tested
    assert [h.p_value for h in got] == pytest.approx(p, rel=1e-9, abs=1e-12)
    assert [h.rejected for h in got] == rejected
    assert r.winning_rate == pytest.approx(omega) and r.advantage == pytest.approx(rho)
    assert r.passed == (omega >= 0.5)


def test_benjamini_yekutieli_is_statsmodels_fdr_by() -> None:
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(0)
    for m in (1, 2, 3, 5, 10, 40):
        for _ in range(30):
            p = rng.random(m) ** 3
            assert benjamini_yekutieli(p, 0.05).tolist() == multipletests(p, 0.05, method="fdr_by")[0].tolist()


def test_every_unit_the_same_difference_is_decided_by_its_side_of_epsilon() -> None:
    humans = np.tile(np.arange(40, dtype=float)[:, None] % 3, (1, 3))  # the humans agree everywhere
    r = alt_test(humans[:, 0], humans, epsilon=0.2)  # the model too: every d is 0 < epsilon: t = -inf, p = 0
    assert r.winning_rate == 1.0 and all(h.p_value == 0.0 for h in r.humans)
    assert json.dumps(r.to_dict(), allow_nan=False)  # no Infinity in the JSON: t is null, p says it
    r = alt_test((humans[:, 0] + 1) % 3, humans, epsilon=0.2)  # the model always wrong: d = 1 > epsilon, p = 1
    assert r.winning_rate == 0.0 and all(h.p_value == 1.0 for h in r.humans)
    r = alt_test(humans[:, 0], humans[:, :1])
    assert r.winning_rate is None and r.status == "undefined" and "two human coders" in r.reason


def test_a_human_with_too_few_units_is_not_tested_and_says_why() -> None:
    rng = np.random.default_rng(5)
    humans = rng.integers(0, 3, (40, 3)).astype(float)
    humans[20:, 2] = np.nan
    r = alt_test(humans[:, 0], humans, ["a", "b", "c"])
    assert r.skipped == ["c"] and "fewer than 30" in r.humans[2].reason and r.humans[2].p_value is None


# ----------------------------------------------------------------------------------------------- the command


def _rows(path: Path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8-sig")
    return list(csv.DictReader(text.splitlines(), delimiter=";" if text.split("\n", 1)[0].count(";") else ","))


def _majority(values: list[str]) -> str:
    counts = Counter(v for v in values if v)
    top = max(counts.values())
    return next(v for v in values if v and counts[v] == top)  # a tie: the earliest run's


def test_the_demo_model_read_back_from_json_csv_and_junit(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = run("model", *HUMANS, "--model", MODEL, "-c", "crying-forms", "--out", out, "-f", "json",
                               "--junit", tmp_path / "j.xml")
    assert code == 1, stderr  # intensity fails the alt-test
    doc = json.loads(stdout)
    m = doc["model"]
    assert m["runs"] == ["llm@run1", "llm@run2", "llm@run3"] and len(m["humans"]) == 3
    # the alt-test of 'form' by hand from the files: the model's code = the runs' majority
    humans = [{r["unit"]: r["form"] for r in _rows(p)} for p in HUMANS]
    runs = [{r["unit"]: r["form"] for r in _rows(p)} for p in RUNS]
    units = list(runs[0])
    model = {u: _majority([r[u] for r in runs]) for u in units}
    codes = sorted({v for h in humans for v in h.values() if v} | set(model.values()))
    enc = {c: float(k) for k, c in enumerate(codes)}
    hm = [[enc[h[u]] if h.get(u) else math.nan for h in humans] for u in units]
    tested, p, rejected, omega, rho = _alt_by_hand([enc[model[u]] for u in units], hm, 0.2, 0.05, "accuracy")
    form = m["alt_test"]["form"]
    assert form["winning_rate"] == pytest.approx(omega) and form["advantage_probability"] == pytest.approx(rho)
    assert [h["p_value"] for h in form["humans"]] == pytest.approx(p, rel=1e-9)
    assert form["passed"] is True and m["alt_test"]["intensity"]["passed"] is False
    # alt_test.csv says the same
    rows = [r for r in _rows(out / "alt_test.csv") if r["item"] == "form"]
    assert [float(r["p_value"]) for r in rows] == pytest.approx(p, rel=1e-9)
    assert {r["passed"] for r in rows} == {"true"}
    # the gates: the trainee's and the alt-test's, in JSON and JUnit
    gates = {(g["statistic"], g["passed"]) for it in doc["trainees"]["llm"]["items"].values() for g in it["gates"]}
    assert ("alt_test_winning_rate", False) in gates and ("cohen_kappa", True) in gates
    junit = (tmp_path / "j.xml").read_text()
    assert junit.count("<failure") == 1 and "Alt-test win rate = 0.000" in junit
    assert (out / "handout_llm.md").read_text().count("human consensus") >= 1
    assert json.loads((out / "model.json").read_text())["model"]["alt_test"]["form"]["winning_rate"] == omega


def test_stability_is_the_retest_of_two_runs_and_versus_is_cohen_kappa(tmp_path: Path) -> None:
    from statsmodels.stats.inter_rater import cohens_kappa

    code, stdout, _ = run("model", *HUMANS, "--model", MODEL, "-c", "crying-forms", "-f", "json", "--no-gate")
    assert code == 0
    m = json.loads(stdout)["model"]
    code, rt, _ = run("retest", RUNS[0], RUNS[1], "-c", "crying-forms", "-f", "json", "--no-gate")
    retest = json.loads(rt)["trainees"]["second"]["items"]
    mine = m["stability"]["pairs"]["llm@run2"]
    for item, key in (("form", "cohen_kappa"), ("form", "gwet_ac1"), ("intensity", "icc2"), ("intensity", "icc3")):
        assert mine[item]["statistics"][key]["value"] == pytest.approx(retest[item]["statistics"][key]["value"],
                                                                       abs=1e-12)
    # the model against coder A: Cohen's kappa of the runs' majority and A's codes (statsmodels)
    a = {r["unit"]: r["form"] for r in _rows(HUMANS[0])}
    runs = [{r["unit"]: r["form"] for r in _rows(p)} for p in RUNS]
    both = [u for u in runs[0] if a.get(u)]
    codes = sorted({a[u] for u in both} | {_majority([r[u] for r in runs]) for u in both})
    table = np.zeros((len(codes), len(codes)))
    for u in both:
        table[codes.index(_majority([r[u] for r in runs])), codes.index(a[u])] += 1
    want = cohens_kappa(table).kappa
    got = m["versus_humans"]["pairs"][HUMANS[0].stem]["form"]["statistics"]["cohen_kappa"]["value"]
    assert got == pytest.approx(want, abs=1e-12)


def test_an_adjudicated_gold_file_is_the_consensus_and_german_excel_runs_read(tmp_path: Path) -> None:
    runs = []
    for k, p in enumerate(RUNS, 1):  # the runs as German Excel saves them: ';', BOM, a coder name with umlauts
        rows = _rows(p)
        f = tmp_path / f"läufe_{k}.csv"
        f.write_text("\ufeffunit;coder;form;intensity\n" + "".join(
            f"{r['unit']};Modell-Lauf {k} (Größe L);{r['form']};{r['intensity']}\n" for r in rows), encoding="utf-8")
        runs.append(f)
    gold = DEMO / "crying-forms_gold.csv"
    code, stdout, stderr = run("model", *HUMANS, "--model", "gpt=" + ",".join(map(str, runs)), "--gold", gold,
                               "-c", "crying-forms", "-f", "json", "--no-gate")
    assert code == 0, stderr
    doc = json.loads(stdout)
    assert doc["reference"] == "crying-forms_gold" and "adjudicated" in doc["model"]["consensus"]
    assert doc["model"]["runs"][0] == "Modell-Lauf 1 (Größe L)"


@pytest.mark.parametrize(("args", "says"), [
    (["--model", "just-a-file.csv"], "is not NAME=FILE"),
    (["--model", MODEL, "--epsilon", "1.5"], "is not a margin in [0, 1)"),
    (["--model", MODEL, "--fdr", "0"], "is not an FDR level"),
    (["--model", "llm=" + str(HUMANS[0])], "is a model run (--model) and also a human coder's"),
])
def test_bad_input_is_one_line_and_exit_2(args: list[str], says: str) -> None:
    code, stdout, stderr = run("model", *HUMANS, *args, "-c", "crying-forms")
    assert code == 2 and says in stderr and "Traceback" not in stderr


def test_one_human_is_not_enough(tmp_path: Path) -> None:
    code, _, stderr = run("model", HUMANS[0], "--model", MODEL, "-c", "crying-forms")
    assert code == 2 and "two or more human coders" in stderr


def test_the_markdown_names_every_human_and_escapes_them(tmp_path: Path) -> None:
    code, stdout, _ = run("model", *HUMANS, "--model", MODEL, "-c", "crying-forms", "-f", "markdown", "--no-gate")
    assert code == 0
    assert stdout.count("## Alternative annotator test") == 2
    assert re.search(r"\| crying-forms\\?_coder\\?_A \| 46 \|", stdout)


def test_the_html_report_shows_the_alt_test_and_the_demo_tells_the_story(tmp_path: Path) -> None:
    import html as html_mod

    page = tmp_path / "model.html"
    code, _, _ = run("model", *HUMANS, "--model", MODEL, "-c", "crying-forms", "--report", page, "--no-gate")
    assert code == 0
    text = html_mod.unescape(re.sub(r"<[^>]+>", " ", page.read_text()))
    assert "Alternative annotator test: form" in text and "Run-to-run stability" in text
    assert re.search(r"Alt-test win rate\s+1\.000", text)
    # the page says whose report it is, with no empty fields (no round number or date for a model)
    assert "Model llm against human coders: crying-forms" in text and "Training round" not in text
    assert "·  ·" not in text and "round —" not in text
    code, stdout, _ = run("demo", "-f", "json")
    doc = json.loads(stdout)["runs"]["model"]
    assert doc["model"]["alt_test"]["form"]["passed"] is True and len(doc["model"]["runs"]) == 3


def test_one_long_file_of_runs_is_the_same_as_one_file_per_run(tmp_path: Path) -> None:
    long = tmp_path / "runs.csv"
    long.write_text("".join(p.read_text(encoding="utf-8").split("\n", 1)[1] if k else p.read_text(encoding="utf-8")
                            for k, p in enumerate(RUNS)), encoding="utf-8")
    _, one, _ = run("model", *HUMANS, "--model", f"llm={long}", "-c", "crying-forms", "-f", "json", "--no-gate")
    _, three, _ = run("model", *HUMANS, "--model", MODEL, "-c", "crying-forms", "-f", "json", "--no-gate")
    a, b = json.loads(one)["model"], json.loads(three)["model"]
    assert a["runs"] == b["runs"] == ["llm@run1", "llm@run2", "llm@run3"]
    assert a["alt_test"] == b["alt_test"] and a["stability"] == b["stability"]


def test_model_summary_csv_states_the_json_figures_and_the_human_check(tmp_path):
    """model_summary.csv read back: every statistic of the model against the consensus as model.json has it, and
    Cohen's kappa of 'form' against the human majority written out here (statsmodels), not through irrkit."""
    from statsmodels.stats.inter_rater import cohens_kappa, to_table

    out = tmp_path / "out"
    code, _, err = run("model", *HUMANS, "--model", MODEL, "-c", "crying-forms", "--out", out, "--no-gate")
    assert code == 0, err
    with open(out / "model_summary.csv", newline="", encoding="utf-8") as f:
        rows = {(r["item"], r["statistic"]): r for r in csv.DictReader(f)}
    doc = json.loads((out / "model.json").read_text(encoding="utf-8"))
    items = doc["trainees"]["llm"]["items"]
    for (item, key), r in rows.items():
        want = items[item]["statistics"][key]["value"]
        assert (float(r["value"]) if r["value"] else None) == (None if want is None else pytest.approx(want))
    # the consensus and the model's coding written out here: majority of the humans, majority of the runs

    def codes(p: Path) -> dict[str, str]:
        text = p.read_text(encoding="utf-8-sig")  # coder C's file is German Excel CSV (';')
        return {r["unit"]: r["form"] for r in csv.DictReader(io.StringIO(text), delimiter=";" if ";" in
                                                             text.splitlines()[0] else ",") if r["form"]}
    humans, runs = [codes(p) for p in HUMANS], [codes(p) for p in RUNS]
    pairs = []
    for u in humans[0]:
        votes = Counter(h[u] for h in humans if u in h).most_common()
        if len(votes) > 1 and votes[0][1] == votes[1][1]:
            continue  # a tie: no consensus
        said = [r[u] for r in runs if u in r]
        if not said:
            continue
        top = Counter(said).most_common()
        best = [c for c, n in top if n == top[0][1]]
        pairs.append((next(c for c in said if c in best), votes[0][0]))
    cats = sorted({c for p in pairs for c in p})
    idx = np.array([[cats.index(a), cats.index(b)] for a, b in pairs])
    kappa = cohens_kappa(to_table(idx, bins=len(cats))[0]).kappa
    assert float(rows[("form", "cohen_kappa")]["value"]) == pytest.approx(kappa, abs=1e-9)
    assert int(rows[("form", "cohen_kappa")]["n_units"]) == len(pairs)


def test_majority_rules_without_a_loop_over_units_match_the_rules_written_out():
    """The model's coding (a tie: the earliest run's code among those tied) and the humans' consensus (a tie: no
    consensus), vectorised, against the rules written out per unit in plain Python, with ties and gaps."""
    from irrkit.workflows.model import human_consensus, model_coding

    rng = np.random.default_rng(7)
    v = rng.integers(0, 4, (3000, 5)).astype(float)
    v[rng.random(v.shape) < 0.3] = np.nan
    v[:5] = np.nan  # units nobody coded

    def by_runs(row):
        seen = [x for x in row if not math.isnan(x)]
        if not seen:
            return math.nan
        n = Counter(seen)
        return next(x for x in seen if n[x] == max(n.values()))

    def by_humans(row):
        n = Counter(x for x in row if not math.isnan(x)).most_common()
        return math.nan if not n or (len(n) > 1 and n[0][1] == n[1][1]) else n[0][0]
    for got, rule in ((model_coding(v, "nominal"), by_runs), (human_consensus(v, "nominal"), by_humans)):
        want = np.array([rule(row) for row in v])
        assert np.array_equal(np.isnan(got), np.isnan(want)) and np.array_equal(got[~np.isnan(got)],
                                                                               want[~np.isnan(want)])
    assert np.isnan(human_consensus(v, "nominal")).sum() > 100  # ties do occur
