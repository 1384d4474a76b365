"""Comparing coefficients (`irrkit compare`, statistics/comparison.py) against R, through the CLI.

Independent figures: fixtures/r_reference/compare/compare.json, made by tools/r_reference/make_compare.R with
multiagree 3.01 (Vanbelle's delta method for dependent kappas, ``delta.pair``/``delta.many1``) and kappaGold
0.4.0 (``kappa2``, ``kappa_test``: the test of equality of independent kappas), on the public data of issue 24
(/work/shared/public-data/compare, copied here as the CSV the tests write) and multiagree's CRACKLES.

Where the methods are the same the figures agree to 1e-6 or better: multilevel (cluster-robust) variances
exactly; single-level ones after the factor (n - 1)/n (multiagree divides the unit terms' sum of squares by
n^2, Gwet's linearisation by n (n - 1)). multiagree's delta.many1 is wrong for a third group (see the README
of the fixtures): two groups at a time agree.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app
from irrkit.statistics.comparison import equality_test

ROOT = Path(__file__).parent.parent
R = json.loads((ROOT / "fixtures/r_reference/compare/compare.json").read_text())
runner = CliRunner()
# the data sets (copies of the public data of issue 24 and multiagree's CRACKLES; fixtures/r_reference/README.md)
FIXTURE_DATA = ROOT / "fixtures/r_reference/compare"


def run(*args) -> tuple[int, str, str]:
    res = runner.invoke(app, [str(a) for a in args])
    return res.exit_code, res.stdout, res.stderr


def compute_json(tmp: Path, name: str, header: list[str], rows: list[list], *extra: str) -> Path:
    src = tmp / f"{name}.csv"
    src.write_text("\n".join(",".join(map(str, r)) for r in [header, *rows]) + "\n", encoding="utf-8")
    code, out, err = run("compute", src, "-f", "json", *extra)
    assert code == 0, err
    path = tmp / f"{name}.json"
    path.write_text(out, encoding="utf-8")
    return path


def rows_of(name: str) -> list[dict[str, str]]:
    with open(FIXTURE_DATA / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def compare_out(tmp: Path, a: Path, b: Path, *args: str) -> tuple[dict, list[dict]]:
    """`compare --out`: its JSON and CSV read back."""
    out = tmp / "cmp"
    code, _, err = run("compare", a, b, "--out", out, *args)
    assert code == 0, err
    doc = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    with open(out / "comparison.csv", newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    return doc, table


def r_pair(ref: dict, i: int, j: int) -> tuple[float, float]:
    """multiagree's difference kappa_i - kappa_j and its variance (from the SEs and correlations)."""
    k, s, c = ref["kappa"], ref["se"], ref["cor"]
    return k[i] - k[j], s[i] ** 2 + s[j] ** 2 - 2 * c[i][j] * s[i] * s[j]


def test_depression_dependent_kappas_as_multiagree(tmp_path):
    """Vanbelle & Albert (2008): diagnosis vs BDI and vs GHQ on the same 50 patients (delta.pair, one level)."""
    dep = rows_of("depression.csv")
    p1 = compute_json(tmp_path, "bdi", ["unit", "diag", "BDI"], [[r["unit"], r["diag"], r["BDI"]] for r in dep])
    p2 = compute_json(tmp_path, "ghq", ["unit", "diag", "GHQ"], [[r["unit"], r["diag"], r["GHQ"]] for r in dep])
    doc, table = compare_out(tmp_path, p1, p2, "--statistic", "cohen_kappa", "--statistic", "fleiss_kappa")
    assert doc["comparison"] == "dependent" and "all 50 units shared" in doc["statement"]
    n = 50
    for row, ref in zip(doc["rows"], (R["depression_delta_pair"], R["depression_delta_many1"])):
        assert [row["a"]["value"], row["b"]["value"]] == pytest.approx(ref["kappa"], abs=1e-12)
        # the same linearisation; multiagree divides by n^2 where Gwet's SE divides by n (n - 1)
        assert [row["a"]["se"] * math.sqrt((n - 1) / n), row["b"]["se"] * math.sqrt((n - 1) / n)] == \
            pytest.approx(ref["se"], abs=1e-9)
        d, var = r_pair(ref, 0, 1)
        diff = row["difference"]
        assert diff["value"] == pytest.approx(d, abs=1e-12)
        assert diff["se"] ** 2 * (n - 1) / n == pytest.approx(var, abs=1e-9)
        assert d**2 / (diff["se"] ** 2 * (n - 1) / n) == pytest.approx(ref["T2"], abs=1e-6)  # Hotelling's T^2
        assert diff["df"] == n - 1 and diff["kind"] == "dependent"
    assert table[0]["kind"] == "dependent" and table[0]["statistic"] == "cohen_kappa"
    assert float(table[0]["difference"]) == pytest.approx(doc["rows"][0]["difference"]["value"], rel=1e-12)
    assert float(table[0]["difference_se"]) == pytest.approx(doc["rows"][0]["difference"]["se"], rel=1e-12)
    assert float(table[0]["p_value"]) == pytest.approx(doc["rows"][0]["difference"]["p_value"], rel=1e-12)


def _fees(tmp: Path) -> dict[str, Path]:
    rows = [r for r in rows_of("fees.csv") if all(r[c] != "" for c in
                                                   ("val_CO", "val_COR", "val_MH", "val_MHR", "val_TB", "val_TBR"))]
    out = {}
    for who in ("CO", "MH", "TB"):
        out[who] = compute_json(tmp, who, ["unit", "subject", f"val_{who}", f"val_{who}R"],
                                [[f"s{r['subject']}_{r['swallow']}", r["subject"], r[f"val_{who}"],
                                  r[f"val_{who}R"]] for r in rows],
                                "--cluster", "subject", "--level", "ordinal", "--weights", "linear",
                                "--categories", "0,1,2")
    return out


def test_fees_multilevel_intra_rater_kappas_as_multiagree(tmp_path):
    """Vanbelle (2017): intra-rater linearly weighted kappas of three raters, units nested in subjects (complete
    cases, as delta.pair's na.omit): cluster-robust variances equal multiagree's multilevel ones."""
    f = _fees(tmp_path)
    ref = R["fees_delta_pair_linear"]
    for (i, a), (j, b) in (((0, "CO"), (1, "MH")), ((0, "CO"), (2, "TB")), ((1, "MH"), (2, "TB"))):
        doc, _ = compare_out(tmp_path / f"{a}{b}", f[a], f[b], "--statistic", "cohen_kappa")
        row = doc["rows"][0]
        assert row["a"]["value"] == pytest.approx(ref["kappa"][i], abs=1e-12)
        assert row["a"]["se"] == pytest.approx(ref["se"][i], abs=1e-9)
        d, var = r_pair(ref, i, j)
        assert row["difference"]["value"] == pytest.approx(d, abs=1e-12)
        assert row["difference"]["se"] ** 2 == pytest.approx(var, abs=1e-9)
        assert row["difference"]["n_clusters"] == 14 and "cluster-robust" in row["difference"]["method"]


def _crackles(tmp: Path, group: str, raters: range) -> Path:
    rows = rows_of("crackles_multiagree.csv")
    cols = [f"{group}{k}" for k in raters]
    return compute_json(tmp, f"{group}{len(cols)}", ["unit", "patient", *cols],
                        [[r["unit"], r["patient"], *(r[c] for c in cols)] for r in rows], "--cluster", "patient")


def test_crackles_multilevel_pairs_and_groups_as_multiagree(tmp_path):
    """20 patients x 6 recordings: Cohen's kappas of rater pairs (delta.pair) and Fleiss' kappas of groups of
    four (delta.many1), patients as clusters."""
    pair = {g: _crackles(tmp_path, g, range(1, 3)) for g in ("EXP", "NOR", "RUS")}
    ref = R["crackles_delta_pair"]
    for (i, a), (j, b) in (((0, "EXP"), (1, "NOR")), ((0, "EXP"), (2, "RUS")), ((1, "NOR"), (2, "RUS"))):
        doc, _ = compare_out(tmp_path / f"p{a}{b}", pair[a], pair[b], "--statistic", "cohen_kappa")
        d, var = r_pair(ref, i, j)
        assert doc["rows"][0]["difference"]["value"] == pytest.approx(d, abs=1e-12)
        assert doc["rows"][0]["difference"]["se"] ** 2 == pytest.approx(var, abs=1e-9)
    four = {g: _crackles(tmp_path, g, range(1, 5)) for g in ("EXP", "NOR", "STU")}
    for a, b, ref, i, j in (("EXP", "NOR", R["crackles_delta_many1"], 0, 1),
                            ("EXP", "STU", R["crackles_delta_many1_exp_stu"], 0, 1),
                            ("NOR", "STU", R["crackles_delta_many1_nor_stu"], 0, 1)):
        doc, _ = compare_out(tmp_path / f"f{a}{b}", four[a], four[b], "--statistic", "fleiss_kappa")
        row = doc["rows"][0]
        assert [row["a"]["se"], row["b"]["se"]] == pytest.approx([ref["se"][i], ref["se"][j]], abs=1e-9)
        d, var = r_pair(ref, i, j)
        assert row["difference"]["value"] == pytest.approx(d, abs=1e-12)
        assert row["difference"]["se"] ** 2 == pytest.approx(var, abs=1e-9)
    # multiagree's three-group call gives the third group (students) another SE: its indexing bug, recorded
    assert R["crackles_delta_many1"]["se"][2] != pytest.approx(R["crackles_delta_many1_exp_stu"]["se"][1], abs=1e-3)


def _studies(tmp: Path) -> list[Path]:
    return [compute_json(tmp, f"study{s}", ["unit", "r1", "r2"],
                         [[r["unit"], r["r1"], r["r2"]] for r in rows_of(f"fleiss2003_study{s}.csv")])
            for s in (1, 2, 3)]


def test_independent_kappas_and_their_equality_as_kappagold(tmp_path):
    """Fleiss, Levin & Paik (2003) problem 18.3: three studies, different raters and subjects."""
    paths = _studies(tmp_path)
    items = [json.loads(p.read_text())["items"][0]["coefficients"]["cohen_kappa"] for p in paths]
    ref = R["fleiss2003_kappa2"]
    assert [c["value"] for c in items] == pytest.approx(ref["value"], abs=1e-12)
    fce = [c["fleiss_cohen_everitt"]["se_asymptotic"] for c in items]  # kappaGold's kappa2 SE (Fleiss 1969)
    assert fce == pytest.approx(ref["se"], abs=1e-12)
    t = equality_test([c["value"] for c in items], fce)
    kt = R["fleiss2003_kappa_test"]
    assert (t.value, t.p_value, t.extra["df"], t.extra["pooled"]) == pytest.approx(
        (kt["chi2"], kt["p_value"], kt["df"], kt["overall"]), abs=1e-9)
    assert [t.extra["pooled_ci_low"], t.extra["pooled_ci_high"]] == pytest.approx(kt["ci"], abs=1e-9)
    doc, table = compare_out(tmp_path, paths[0], paths[1], "--statistic", "cohen_kappa")
    assert doc["comparison"] == "independent" and "no unit shared" in doc["statement"]
    a, b, d = doc["rows"][0]["a"], doc["rows"][0]["b"], doc["rows"][0]["difference"]
    assert d["se"] == pytest.approx(math.hypot(a["se"], b["se"]), rel=1e-12)
    z = d["value"] / d["se"]
    assert d["p_value"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-9)
    assert table[0]["kind"] == "independent"


def test_partly_shared_units_refused_or_compared_on_the_shared_ones(tmp_path):
    dep = rows_of("depression.csv")
    p1 = compute_json(tmp_path, "bdi", ["unit", "diag", "BDI"], [[r["unit"], r["diag"], r["BDI"]] for r in dep])
    p2 = compute_json(tmp_path, "ghq40", ["unit", "diag", "GHQ"],
                      [[r["unit"], r["diag"], r["GHQ"]] for r in dep[:40]])
    code, out, err = run("compare", p1, p2)
    assert code == 2 and "40 of the units are shared" in err and "--shared" in err and "Traceback" not in err
    code, out, err = run("compare", p1, p2, "--shared", "-f", "json", "--statistic", "cohen_kappa")
    doc = json.loads(out)
    assert code == 0 and doc["comparison"] == "dependent" and "40 shared units" in doc["statement"]
    assert doc["rows"][0]["a"]["n_units"] == 40 and doc["rows"][0]["difference"]["n_shared_units"] == 40
    # on the 40 shared units the figures are those of both results restricted to them
    p1_40 = compute_json(tmp_path, "bdi40", ["unit", "diag", "BDI"],
                         [[r["unit"], r["diag"], r["BDI"]] for r in dep[:40]])
    k = json.loads(p1_40.read_text())["items"][0]["coefficients"]["cohen_kappa"]
    assert doc["rows"][0]["a"]["value"] == pytest.approx(k["value"], abs=1e-12)
    assert doc["rows"][0]["a"]["se"] == pytest.approx(k["se"], abs=1e-12)


def test_bad_inputs_are_one_line_errors(tmp_path):
    dep = rows_of("depression.csv")
    p1 = compute_json(tmp_path, "bdi", ["unit", "diag", "BDI"], [[r["unit"], r["diag"], r["BDI"]] for r in dep])
    doc = json.loads(p1.read_text())
    old = tmp_path / "old.json"
    del doc["items"][0]["ratings"]
    old.write_text(json.dumps(doc))
    code, _, err = run("compare", p1, old)
    assert code == 2 and "no unit ids" in err and "--independent" in err
    code, out, err = run("compare", p1, old, "--independent", "-f", "json")
    assert code == 0 and json.loads(out)["comparison"] == "independent"
    edited = json.loads(p1.read_text())
    edited["items"][0]["coefficients"]["fleiss_kappa"]["value"] = 0.9
    bad = tmp_path / "edited.json"
    bad.write_text(json.dumps(edited))
    code, _, err = run("compare", p1, bad)
    assert code == 2 and "the file was changed" in err
    notjson = tmp_path / "plan.json"
    notjson.write_text('{"tool": "irrkit", "kind": "plan"}')
    code, _, err = run("compare", p1, notjson)
    assert code == 2 and "has no items" in err
    code, _, err = run("compare", p1, p1, "--statistic", "nope")
    assert code == 2 and "no 'nope'" in err


def test_bootstrap_difference_and_icc(tmp_path):
    """Bootstrap for any coefficient: an ICC (no unit terms: the linearised comparison says so)."""
    rows = rows_of("crackles_multiagree.csv")
    a = compute_json(tmp_path, "a", ["unit", "EXP1", "EXP2"], [[r["unit"], r["EXP1"], r["EXP2"]] for r in rows],
                     "--level", "interval")
    b = compute_json(tmp_path, "b", ["unit", "NOR1", "NOR2"], [[r["unit"], r["NOR1"], r["NOR2"]] for r in rows],
                     "--level", "interval")
    code, out, err = run("compare", a, b, "-f", "json", "--statistic", "icc2", "--statistic", "gwet_ac1",
                         "--bootstrap", "400", "--seed", "3")
    assert code == 0, err
    icc, ac1 = json.loads(out)["rows"]
    assert icc["difference"]["status"] == "undefined" and "--bootstrap" in icc["difference"]["reason"]
    assert icc["bootstrap"]["replicates"] == 400 and icc["bootstrap"]["ci_low"] < icc["bootstrap"]["ci_high"]
    boot, lin = ac1["bootstrap"], ac1["difference"]
    assert boot["ci_low"] < lin["value"] < boot["ci_high"]
    assert boot["se"] == pytest.approx(lin["se"], rel=0.25)  # the two SEs estimate the same spread


CODEBOOK = """id: screens
title: Depression screens
items:
  - id: screen
    level: nominal
    categories:
      - code: "0"
        label: not depressed
      - code: "1"
        label: depressed
"""


def test_check_by_group_as_separate_analyses_and_the_chi_square(tmp_path):
    """check --by: each group's coefficient is the coefficient of that group's units alone (`compute` on the
    study's own file), the test is the chi-square of the groups' estimates against their weighted mean (a
    second computation here, from the CSV read back); German Excel CSV input (';', BOM, umlauts)."""
    cb = tmp_path / "screens.yaml"
    cb.write_text(CODEBOOK, encoding="utf-8")
    names = {1: "Studie Köln", 2: "Studie Zürich", 3: "Studie Jena"}
    for rater in ("r1", "r2"):
        lines = ["unit;screen;studie"]
        for s in (1, 2, 3):
            lines += [f"{r['unit']};{r[rater]};{names[s]}" for r in rows_of(f"fleiss2003_study{s}.csv")]
        (tmp_path / f"{rater}.csv").write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    out = tmp_path / "out"
    code, stdout, err = run("check", tmp_path / "r1.csv", tmp_path / "r2.csv", "-c", cb, "--by", "studie", "--out",
                            out, "-f", "json", "--report", tmp_path / "r.html")
    assert code == 0, err
    doc = json.loads(stdout)
    assert doc["by"]["column"] == "studie" and doc["by"]["groups"] == [names[1], names[2], names[3]]
    with open(out / "by_group.csv", newline="", encoding="utf-8-sig") as f:
        groups = list(csv.DictReader(f, delimiter=";"))  # the outputs follow the ';' inputs (decimal commas)
    with open(out / "by_group_test.csv", newline="", encoding="utf-8-sig") as f:
        test = list(csv.DictReader(f, delimiter=";"))[0]
    studies = _studies(tmp_path)
    for g, path in zip(groups, studies):
        own = json.loads(path.read_text())["items"][0]["coefficients"]["fleiss_kappa"]
        assert float(g["value"].replace(",", ".")) == pytest.approx(own["value"], abs=1e-12)
        assert float(g["se"].replace(",", ".")) == pytest.approx(own["se"], abs=1e-12)
    k = [float(g["value"].replace(",", ".")) for g in groups]
    w = [1 / float(g["se"].replace(",", ".")) ** 2 for g in groups]
    pooled = sum(a * b for a, b in zip(w, k)) / sum(w)
    chi2 = sum(b * (a - pooled) ** 2 for a, b in zip(k, w))
    assert float(test["chi2"].replace(",", ".")) == pytest.approx(chi2, rel=1e-9)
    assert float(test["p_value"].replace(",", ".")) == pytest.approx(math.exp(-chi2 / 2), rel=1e-9)  # df 2
    assert test["df"] == "2" and test["statistic"] == "fleiss_kappa"
    assert "Agreement by studie" in (out / "summary.md").read_text(encoding="utf-8")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    section = page[page.index('id="by-group"'):page.index("</section>", page.index('id="by-group"'))]
    assert "Studie Köln" in section and f"{chi2:.2f}" in section  # the HTML report's table (APA numbers)


def test_check_by_bad_column_and_empty_group(tmp_path):
    cb = tmp_path / "screens.yaml"
    cb.write_text(CODEBOOK, encoding="utf-8")
    for rater in ("r1", "r2"):
        lines = ["unit,screen,site"] + [f"u{i},{i % 2},{'A' if i < 5 else 'B'}" for i in range(10)]
        (tmp_path / f"{rater}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    files = [tmp_path / "r1.csv", tmp_path / "r2.csv"]
    code, _, err = run("check", *files, "-c", cb, "--by", "therapist")
    assert code == 2 and "--by: no column 'therapist'" in err and "site" in err and "Traceback" not in err
    (tmp_path / "r2.csv").write_text("unit,screen,site\nu0,0,A\nu1,1,\n", encoding="utf-8")
    code, _, err = run("check", *files, "-c", cb, "--by", "site")
    assert code == 2 and "r2.csv:3" in err and "empty group value" in err


DEMO = ROOT / "cli" / "demo"


def _read_coding(path: Path, item: str) -> dict[str, str]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return {r["unit"]: r[item] for r in csv.DictReader(f) if r[item] != ""}


def _cohen_terms(a: list[str], b: list[str]) -> tuple[float, list[float]]:
    """Cohen's kappa and its units' influence terms, written out here (delta method, Vanbelle & Albert 2008):
    u_i = [(agree_i - po) - (1 - kappa)(p_b[a_i] + p_a[b_i] - 2 pe)] / (1 - pe)."""
    n = len(a)
    cats = sorted(set(a) | set(b))
    pa = {c: a.count(c) / n for c in cats}
    pb = {c: b.count(c) / n for c in cats}
    po = sum(x == y for x, y in zip(a, b)) / n
    pe = sum(pa[c] * pb[c] for c in cats)
    k = (po - pe) / (1 - pe)
    return k, [((x == y) - po - (1 - k) * (pb[x] + pa[y] - 2 * pe)) / (1 - pe) for x, y in zip(a, b)]


def test_demo_training_change_against_a_hand_computation(tmp_path):
    """The demo's story (round 2 against round 1, the same 46 sequences): ben's change in Cohen's kappa on
    'form' and its CI, against the influence terms computed by hand from the bundled CSV files."""
    code, _, err = run("demo", "--out", tmp_path, "-f", "json")
    assert code == 0, err
    with open(tmp_path / "training-change" / "training_change.csv", newline="", encoding="utf-8") as f:
        rows = {(r["trainee"], r["item"], r["statistic"]): r for r in csv.DictReader(f)}
    gold = _read_coding(DEMO / "crying-forms_gold.csv", "form")
    one = _read_coding(DEMO / "crying-forms_trainee_ben.csv", "form")
    two = _read_coding(DEMO / "round2_crying-forms_trainee_ben.csv", "form")
    units = [u for u in gold if u in one]
    assert units == [u for u in gold if u in two]  # the same units in both rounds
    k1, u1 = _cohen_terms([one[u] for u in units], [gold[u] for u in units])
    k2, u2 = _cohen_terms([two[u] for u in units], [gold[u] for u in units])
    n = len(units)
    se = math.sqrt(sum((x - y) ** 2 for x, y in zip(u2, u1)) / (n * (n - 1)))
    row = rows[("ben", "form", "cohen_kappa")]
    assert float(row["round_1"]) == pytest.approx(k1, abs=1e-12) and float(row["round_2"]) == pytest.approx(k2)
    assert float(row["change"]) == pytest.approx(k2 - k1, abs=1e-12)
    assert float(row["se"]) == pytest.approx(se, rel=1e-10)
    assert row["kind"] == "dependent" and float(row["ci_low"]) > 0  # ben's gain is beyond noise
    anna = rows[("anna", "form", "cohen_kappa")]
    assert float(anna["ci_low"]) < 0 < float(anna["ci_high"])  # anna's dip is not
    assert rows[("ben", "intensity", "icc2")]["status"] == "undefined"


def test_train_history_reports_the_change_with_its_ci(tmp_path):
    """train --history twice: the round record keeps the units and SEs, the change line carries its CI."""
    gold = DEMO / "crying-forms_gold.csv"
    for name, ben in (("r1", DEMO / "crying-forms_trainee_ben.csv"),
                      ("r2", DEMO / "round2_crying-forms_trainee_ben.csv")):
        src = tmp_path / "ben.csv"  # the same trainee name in both rounds
        src.write_bytes(ben.read_bytes())
        res = runner.invoke(app, ["train", str(src), "--gold", str(gold), "-c", "crying-forms", "--history",
                                  str(tmp_path / "h"), "--round", name, "--no-gate"])
        assert res.exit_code == 0, res.output
    line = next(ln for ln in res.output.splitlines() if "form " in ln and "Cohen's kappa" in ln)
    assert "0.43 -> 0.70, +0.27 (CI +0.13 to +0.41, same units)" in line
    record = json.loads(next((tmp_path / "h").glob("round-002-*.json")).read_text(encoding="utf-8"))
    item = record["trainees"]["ben"]["items"]["form"]
    assert len(item["pair_ratings"]["units"]) == 46 and item["statistics"]["cohen_kappa"]["se"] > 0
    # the HTML report of round 2 with the history: the change table, against the hand computation
    res = runner.invoke(app, ["report", str(next((tmp_path / "h").glob("round-002-*.json"))), "--history",
                              str(tmp_path / "h"), "-o", str(tmp_path / "r2.html")])
    assert res.exit_code == 0, res.output
    page = (tmp_path / "r2.html").read_text(encoding="utf-8")
    section = page[page.index("Change since the previous round"):page.index("Trend over the rounds")]
    cells = {}
    for row in re.findall(r"<tr>(.*?)</tr>", section, flags=re.S):
        c = [html.unescape(re.sub(r"<[^>]+>", "", x)).strip() for x in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        if c:
            cells[(c[1], c[2])] = c
    gold_c = _read_coding(gold, "form")
    one = _read_coding(DEMO / "crying-forms_trainee_ben.csv", "form")
    two = _read_coding(DEMO / "round2_crying-forms_trainee_ben.csv", "form")
    units = [u for u in gold_c if u in one]
    k1, u1 = _cohen_terms([one[u] for u in units], [gold_c[u] for u in units])
    k2, u2 = _cohen_terms([two[u] for u in units], [gold_c[u] for u in units])
    n = len(units)
    se = math.sqrt(sum((x - y) ** 2 for x, y in zip(u2, u1)) / (n * (n - 1)))
    t = 2.0141033848  # t(45) 0.975 quantile
    row = cells[("form", "Cohen's kappa")]
    num = [float(x.replace("\u2212", "-").replace("+", "")) for x in re.findall(r"[\u2212+]?[\d.]+", row[5] + row[6])]
    assert num[0] == pytest.approx(k2 - k1, abs=5e-4)
    assert num[1:] == pytest.approx([k2 - k1 - t * se, k2 - k1 + t * se], abs=5e-4) and row[8] == "same units"
    assert cells[("intensity", "ICC(A,1)")][6] == "—" and "no unit terms" in cells[("intensity", "ICC(A,1)")][8]


def test_check_results_compared_item_against_item_and_with_themselves(tmp_path):
    """`check --out` results carry the ratings; two items of one result are dependent (the same units);
    an ICC item also gets its first main statistic with an SE."""
    coders = sorted(DEMO.glob("crying-forms_coder_*.csv"))
    code, _, err = run("check", *coders, "-c", "crying-forms", "--out", tmp_path / "r")
    assert code == 0, err
    res = tmp_path / "r" / "results.json"
    doc, _ = compare_out(tmp_path / "same", res, res)
    keys = [(r["item_a"], r["statistic"]) for r in doc["rows"]]
    assert keys == [("form", "fleiss_kappa"), ("intensity", "icc2"), ("intensity", "gwet_ac2")]
    form, icc, ac2 = doc["rows"]
    assert form["difference"]["value"] == 0 and form["difference"]["se"] == 0 and form["difference"]["p_value"] == 1
    assert icc["difference"]["status"] == "undefined" and ac2["difference"]["value"] == 0
    doc, table = compare_out(tmp_path / "items", res, res, "--item", "form:intensity", "--statistic",
                             "percent_agreement")
    assert doc["comparison"] == "dependent" and table[0]["item_a"] == "form" and table[0]["item_b"] == "intensity"
    items = {it["item"]: it for it in json.loads(res.read_text(encoding="utf-8"))["items"]}
    pa = items["form"]["coefficients"]["percent_agreement"]["value"] - \
        items["intensity"]["coefficients"]["percent_agreement"]["value"]
    assert float(table[0]["difference"]) == pytest.approx(pa, abs=1e-12)


def test_change_between_rounds_on_new_or_partly_shared_units():
    """Round records on new units: an independent change (sqrt(se1^2 + se2^2)); partly the same units: no CI,
    and why; records without units (older versions): no CI."""
    from irrkit.workflows.compare import change_inference

    def record(units: list[str], coder: list[int], se: float) -> dict:
        return {"level": "nominal", "statistics": {"cohen_kappa": {"value": 0.5 + se, "se": se, "n_units": len(units),
                                                                   "status": "ok"}},
                "pair_ratings": {"units": units, "coder": coder, "reference": [1, 2] * (len(units) // 2),
                                 "category_values": [1, 2]}}

    old = record(["a", "b", "c", "d"], [1, 2, 1, 1], 0.1)
    new = record(["e", "f", "g", "h"], [1, 2, 2, 2], 0.2)
    d = change_inference(old, new)["cohen_kappa"]
    assert d["kind"] == "independent" and d["value"] == pytest.approx(0.1)
    assert d["se"] == pytest.approx(math.hypot(0.1, 0.2), rel=1e-12)
    part = change_inference(old, record(["a", "b", "x", "y"], [1, 2, 2, 2], 0.2))["cohen_kappa"]
    assert part["status"] == "undefined" and "share 2 of their units" in part["reason"]
    del old["pair_ratings"]
    assert "without its units" in change_inference(old, new)["cohen_kappa"]["reason"]


@pytest.mark.parametrize("edit, message", [
    (lambda r: r.__setitem__("units", r["units"][:5]), "5 unit ids but 46 rows of values"),
    (lambda r: r["values"][3].pop(), "row 3 of the values has not one value for each of the 3 coders"),
    (lambda r: r["units"].__setitem__(1, r["units"][0]), "a unit id is given twice"),
    (lambda r: r.__setitem__("clusters", [1, 2]), "2 clusters for 46 units"),
])
def test_a_hand_edited_results_file_is_refused_naming_what_is_wrong(tmp_path, edit, message):
    """A results JSON edited by hand so that its ratings no longer fit together: exit 2 naming the place, never an
    internal error (a shortened unit list crashed --shared with a reshape error)."""
    coders = sorted(DEMO.glob("crying-forms_coder_*.csv"))
    code, out, err = run("check", *coders, "-c", "crying-forms", "-f", "json")
    assert code == 0, err
    good = tmp_path / "good.json"
    good.write_text(out, encoding="utf-8")
    doc = json.loads(out)
    edit(doc["items"][0]["ratings"])
    bad = tmp_path / "edited.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    before = bad.read_bytes()
    for extra in ([], ["--shared"]):
        code, _, err = run("compare", bad, good, *extra)
        assert code == 2 and message in err and "$.items[0].ratings" in err and "edited.json" in err, err
    assert bad.read_bytes() == before


def test_comparison_csv_for_german_excel(tmp_path):
    """--csv-dialect excel-de: comparison.csv ';'-separated with a BOM and decimal commas, the same numbers as the
    JSON (German labs open it in Excel)."""
    coders = sorted(DEMO.glob("crying-forms_coder_*.csv"))
    code, _, err = run("check", *coders, "-c", "crying-forms", "--out", tmp_path / "r")
    assert code == 0, err
    res = tmp_path / "r" / "results.json"
    code, _, err = run("compare", res, res, "--item", "form:intensity", "--statistic", "percent_agreement", "--out",
                       tmp_path / "cmp", "--csv-dialect", "excel-de")
    assert code == 0, err
    raw = (tmp_path / "cmp" / "comparison.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    row = next(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    doc = json.loads((tmp_path / "cmp" / "comparison.json").read_text(encoding="utf-8"))
    want = doc["rows"][0]["difference"]
    assert "," in row["difference_se"] and float(row["difference_se"].replace(",", ".")) == pytest.approx(want["se"])
    assert float(row["difference"].replace(",", ".")) == pytest.approx(want["value"])


def _md_rows(text: str) -> list[list[str]]:
    """The body rows of the Markdown tables in ``text`` (cells stripped, escapes undone)."""
    rows = [[re.sub(r"\\(.)", r"\1", c).strip() for c in ln.strip().strip("|").split("|")]
            for ln in text.splitlines() if ln.startswith("|")]
    return [r for r in rows if not all(set(c) <= set("-: ") for c in r)][1:]


def test_comparison_markdown_and_the_demo_story_files_are_read_back(tmp_path):
    """comparison.md states the same difference, SE and CI as comparison.json; the demo story's
    training_change.md/.json state the same changes as its CSV."""
    coders = sorted(DEMO.glob("crying-forms_coder_*.csv"))
    code, _, err = run("check", *coders, "-c", "crying-forms", "--out", tmp_path / "r")
    assert code == 0, err
    res = tmp_path / "r" / "results.json"
    doc, table = compare_out(tmp_path, res, res, "--item", "form:intensity", "--statistic", "percent_agreement")
    md = (tmp_path / "cmp" / "comparison.md").read_text(encoding="utf-8")
    assert doc["statement"] in re.sub(r"\\(.)", r"\1", md)
    row = _md_rows(md)[0]
    d = doc["rows"][0]["difference"]
    assert row[:2] == ["form / intensity", "Percent agreement"]
    assert float(row[4].replace("−", "-")) == pytest.approx(d["value"], abs=5e-4)
    assert float(row[5]) == pytest.approx(d["se"], abs=5e-4)
    lo, hi = (float(x.replace("−", "-")) for x in re.findall(r"[−-]?\d+\.\d+", row[6]))
    assert (lo, hi) == (pytest.approx(d["ci_low"], abs=5e-4), pytest.approx(d["ci_high"], abs=5e-4))
    code, _, err = run("demo", "--out", tmp_path / "demo", "-f", "json")
    assert code == 0, err
    story = tmp_path / "demo" / "training-change"
    with open(story / "training_change.csv", newline="", encoding="utf-8") as f:
        by_csv = {(r["trainee"], r["item"], r["name"]): r for r in csv.DictReader(f)}
    sjson = json.loads((story / "training_change.json").read_text(encoding="utf-8"))
    assert {(r["trainee"], r["item"], r["name"]) for r in sjson["rows"]} == set(by_csv)
    for r in sjson["rows"]:
        c = by_csv[(r["trainee"], r["item"], r["name"])]
        assert (float(c["change"]) if c["change"] else None) == (None if r["change"] is None else
                                                                 pytest.approx(r["change"], abs=1e-12))
    md_rows = _md_rows((story / "training_change.md").read_text(encoding="utf-8"))
    assert len(md_rows) == len(sjson["rows"])
    for m in md_rows:
        c = by_csv[(m[0], m[1], m[2])]
        if c["status"] == "ok":
            assert float(m[5].replace("−", "-")) == pytest.approx(float(c["change"]), abs=5e-4)


def test_a_named_item_or_statistic_missing_on_one_side_is_bad_input(tmp_path: Path) -> None:
    """--item A:B and --statistic X:Y name each side; a name missing on its side: exit 2, one line naming the
    option, the file or item and what it has."""
    rows = [[u, u % 3, (u + (u % 4 == 0)) % 3] for u in range(1, 21)]
    a = compute_json(tmp_path, "a", ["unit", "anna", "ben"], rows)
    b = compute_json(tmp_path, "b", ["unit", "anna", "ben"], rows)
    code, _, err = run("compare", a, b, "--item", "ratings:nope")
    assert code == 2 and err.strip() == f"error --item: no item 'nope' in {b} (items: ratings)"
    code, _, err = run("compare", a, b, "--statistic", "zz:fleiss_kappa")
    assert code == 2 and err.strip().startswith("error --statistic: item 'ratings' has no 'zz' (it has: ")
    assert "fleiss_kappa" in err and "Traceback" not in err
