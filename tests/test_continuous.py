"""Agreement on continuous measures (issue 24, part 2): Lin's CCC, the overall CCC and the Bland-Altman limits of
agreement, run through ``irrkit compute`` and ``irrkit check`` on the fixtures' data sets and read back from the
JSON, CSV, Markdown and HTML irrkit writes, against R (fixtures/continuous/r_continuous.csv: epiR, DescTools,
blandr, BlandAltmanLeh, stats::lm; provenance in fixtures/continuous/README.md) and Bland & Altman's (1986)
published figures. Values to 1e-6, SEs and CI limits to 1e-4 where the method is the same."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app
from irrkit.statistics import continuous

FIX = Path(__file__).parent.parent / "fixtures" / "continuous"
DATA = ("pefr_first_readings", "giavarina_2015", "jones_2011", "borgbjerg_2020_iti")
VALUE, CI = 1e-6, 1e-4
runner = CliRunner()


def r_figures() -> dict[tuple[str, str, str, str, str], float]:
    with (FIX / "r_continuous.csv").open(newline="") as f:
        return {(r["data"], r["a"], r["b"], r["package"], r["quantity"]): float(r["value"]) for r in csv.DictReader(f)}


R = r_figures()


def matrix(name: str) -> tuple[list[str], np.ndarray]:
    rows = list(csv.reader((FIX / f"{name}.csv").open(newline="")))
    return rows[0][1:], np.array([[float(v) for v in r[1:]] for r in rows[1:]])


def compute_json(path: Path, level: str = "ratio") -> dict:
    res = runner.invoke(app, ["compute", str(path), "--level", level, "--format", "json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["items"][0]


@pytest.fixture(scope="module")
def computed() -> dict[str, dict]:
    return {name: compute_json(FIX / f"{name}.csv") for name in DATA}


def _pairs_in_r(name: str) -> list[tuple[str, str]]:
    return sorted({(a, b) for (d, a, b, pkg, _) in R if d == name and pkg == "epiR" and a and b})


@pytest.mark.parametrize("name", DATA)
def test_pairwise_ccc_matches_epiR_and_DescTools(computed, name):
    cont = computed[name]["continuous"]
    pairs = {(p["a"], p["b"]): p for p in cont["ccc_pairs"]}
    checked = 0
    for a, b in _pairs_in_r(name):
        ours = pairs[(a, b)]
        for pkg in ("epiR", "DescTools"):
            assert ours["value"] == pytest.approx(R[(name, a, b, pkg, "ccc")], abs=VALUE)
            assert ours["ci_low"] == pytest.approx(R[(name, a, b, pkg, "ccc_ci_low")], abs=CI)
            assert ours["ci_high"] == pytest.approx(R[(name, a, b, pkg, "ccc_ci_high")], abs=CI)
        assert ours["bias_correction"] == pytest.approx(R[(name, a, b, "epiR", "ccc_bias_correction")], abs=VALUE)
        # the asymptotic CI of epiR is value ± z SE: irrkit's SE is Lin's (2000)
        hi, lo = R[(name, a, b, "epiR", "ccc_asymptotic_ci_high")], R[(name, a, b, "epiR", "ccc_asymptotic_ci_low")]
        half = (hi - lo) / 2
        assert ours["se"] == pytest.approx(half / 1.959963984540054, abs=CI)
        checked += 1
    assert checked == (1 if name in ("pefr_first_readings", "giavarina_2015") else 10)
    coders = cont["coders"]
    m = cont["ccc_matrix"]  # the coder x coder matrix holds the same values, symmetric, 1 on the diagonal
    for (a, b), p in pairs.items():
        i, j = coders.index(a), coders.index(b)
        assert m[i][j] == m[j][i] == p["value"] and m[i][i] == 1.0


@pytest.mark.parametrize("name", ["pefr_first_readings", "giavarina_2015"])
def test_two_coders_report_lins_ccc_as_a_coefficient(computed, name):
    item = computed[name]
    a, b = _pairs_in_r(name)[0]
    c = item["coefficients"]["ccc"]
    assert "overall_ccc" not in item["coefficients"]
    assert c["name"] == "Lin's concordance correlation" and c["status"] == "ok"
    assert c["value"] == pytest.approx(R[(name, a, b, "epiR", "ccc")], abs=VALUE)
    assert (c["ci_low"], c["ci_high"]) == pytest.approx((R[(name, a, b, "epiR", "ccc_ci_low")],
                                                         R[(name, a, b, "epiR", "ccc_ci_high")]), abs=CI)


LOA = {"bias": "bias", "bias_ci_low": "biasLowerCI", "bias_ci_high": "biasUpperCI", "sd": "biasStdDev",
       "lower": "lowerLOA", "lower_ci_low": "lowerLOA_lowerCI", "lower_ci_high": "lowerLOA_upperCI",
       "upper": "upperLOA", "upper_ci_low": "upperLOA_lowerCI", "upper_ci_high": "upperLOA_upperCI",
       "se_limit": "LOA_SEM", "se_bias": "biasSEM"}


def _check_loa(ours: dict, name: str, a: str, b: str) -> None:
    for key, q in LOA.items():
        if (name, a, b, "blandr", q) in R:
            tol = VALUE if key in ("bias", "sd", "lower", "upper") else CI
            assert ours[key] == pytest.approx(R[(name, a, b, "blandr", q)], abs=tol), key


@pytest.mark.parametrize("name", DATA)
def test_limits_of_agreement_match_blandr_and_the_slope_matches_lm(computed, name):
    cont = computed[name]["continuous"]
    by = {(x["a"], x["b"]): x for x in cont["bland_altman"]}
    for a, b in _pairs_in_r(name):
        ours = by[(a, b)]
        _check_loa(ours, name, a, b)
        assert ours["n_units"] == len(matrix(name)[1])
        assert ours["slope"] == pytest.approx(R[(name, a, b, "stats::lm", "slope")], abs=VALUE)
        assert ours["intercept"] == pytest.approx(R[(name, a, b, "stats::lm", "intercept")], abs=VALUE)
        assert ours["slope_se"] == pytest.approx(R[(name, a, b, "stats::lm", "slope_se")], abs=CI)
        assert ours["slope_p"] == pytest.approx(R[(name, a, b, "stats::lm", "slope_p")], abs=CI)
        assert ours["proportional_bias"] is (R[(name, a, b, "stats::lm", "slope_p")] < 0.05)
        # BlandAltmanLeh: the same bias, limits and CI of the bias; its limits' CIs use sqrt(3/n) SD (1986)
        leh = {q: R[(name, a, b, "BlandAltmanLeh", q)] for (d, x, y, pkg, q) in R
               if (d, x, y, pkg) == (name, a, b, "BlandAltmanLeh")}
        assert ours["bias"] == pytest.approx(leh["mean.diffs"], abs=VALUE)
        assert (ours["lower"], ours["upper"]) == pytest.approx((leh["lower.limit"], leh["upper.limit"]), abs=VALUE)
        assert ours["bias_ci_low"] == pytest.approx(leh["mean.diff.ci.lower"], abs=CI)
        n = ours["n_units"]
        ratio = (leh["upper.limit.ci.upper"] - leh["upper.limit"]) / (ours["upper_ci_high"] - ours["upper"])
        z = 1.959963984540054
        assert ratio == pytest.approx(math.sqrt(3 / n) / math.sqrt(1 / n + z * z / (2 * (n - 1))), rel=1e-9)


def test_giavarina_flags_proportional_bias_and_pefr_does_not(computed):
    assert computed["giavarina_2015"]["continuous"]["bland_altman"][0]["proportional_bias"] is True
    assert computed["pefr_first_readings"]["continuous"]["bland_altman"][0]["proportional_bias"] is False


@pytest.mark.parametrize("name", ["jones_2011", "borgbjerg_2020_iti"])
def test_each_coder_against_the_mean_of_the_others_matches_blandr(computed, name):
    cont = computed[name]["continuous"]
    coders = cont["coders"]
    assert [x["a"] for x in cont["bland_altman_vs_others"]] == coders
    for x in cont["bland_altman_vs_others"]:
        assert x["b"] == "mean of the others"
        _check_loa(x, name, x["a"], "mean of others")


@pytest.mark.parametrize("name", ["jones_2011", "borgbjerg_2020_iti"])
def test_overall_ccc_is_barnharts_and_epiRs_variant_is_reproduced(computed, name):
    coders, x = matrix(name)
    c = computed[name]["coefficients"]["overall_ccc"]
    assert "ccc" not in computed[name]["coefficients"]
    # Barnhart et al. (2002) eq. 6 written out here, moments over n
    n, j = x.shape
    m, s = x.mean(axis=0), np.cov(x.T, ddof=0)
    num = sum(2 * s[a, b] for a in range(j) for b in range(a + 1, j))
    den = (j - 1) * np.trace(s) + sum((m[a] - m[b]) ** 2 for a in range(j) for b in range(a + 1, j))
    assert c["value"] == pytest.approx(num / den, abs=1e-12)
    # epiR's epi.occc (variances over n - 1): value, precision and accuracy
    occc = continuous.overall_ccc(x, ddof=1)
    assert occc.value == pytest.approx(R[(name, "", "", "epiR", "occc")], abs=VALUE)
    assert occc.extra["accuracy"] == pytest.approx(R[(name, "", "", "epiR", "oaccu")], abs=VALUE)
    assert occc.extra["precision"] == pytest.approx(R[(name, "", "", "epiR", "oprec")], abs=VALUE)
    assert c["ci_low"] < c["value"] < c["ci_high"] < 1


def _occc(x: np.ndarray, w: np.ndarray) -> float:
    """The overall CCC with unit weights w (weighted moments): its derivative in w_i is unit i's influence."""
    w = w / w.sum()
    m = w @ x
    e = x - m
    s = (e * w[:, None]).T @ e
    j = x.shape[1]
    iu = np.triu_indices(j, 1)
    return 2 * s[iu].sum() / ((j - 1) * np.trace(s) + ((m[:, None] - m[None, :])[iu] ** 2).sum())


@pytest.mark.parametrize("name", ["jones_2011", "borgbjerg_2020_iti", "pefr_first_readings"])
def test_overall_ccc_se_is_the_numerical_delta_method(name):
    """The SE from the numerical influence of each unit (finite differences of the estimator in the unit's
    weight), a computation that shares nothing with irrkit's closed-form terms."""
    _, x = matrix(name)
    n = len(x)
    h = 1e-6
    base = np.ones(n)
    psi = np.empty(n)
    for i in range(n):
        up, down = base.copy(), base.copy()
        up[i] += h * n
        down[i] -= h * n
        psi[i] = (_occc(x, up) - _occc(x, down)) / (2 * h)
    se = math.sqrt((psi @ psi) / n ** 2)
    assert continuous.overall_ccc(x).se == pytest.approx(se, rel=1e-5)


def test_overall_ccc_of_two_coders_is_lins_ccc_and_its_se_lins_at_large_n():
    _, x = matrix("pefr_first_readings")
    assert continuous.overall_ccc(x).value == pytest.approx(continuous.lin_ccc(x[:, 0], x[:, 1]).value, abs=1e-14)
    rng = np.random.default_rng(20261207)  # bivariate normal: the sandwich SE tends to Lin's normal-theory SE
    t = rng.normal(10, 2, 20000)
    xy = np.column_stack([t + rng.normal(0, 1, t.size), 0.5 + t + rng.normal(0, 1.2, t.size)])
    lin, occ = continuous.lin_ccc(xy[:, 0], xy[:, 1]), continuous.overall_ccc(xy)
    assert occ.value == pytest.approx(lin.value, abs=1e-12)
    assert occ.se == pytest.approx(lin.se, rel=0.05)


def test_pefr_against_bland_and_altman_1986_published():
    """The paper: mean difference −2.1 l/min, limits of agreement −80 to 76 l/min (bias ± 2 SD)."""
    _, x = matrix("pefr_first_readings")
    loa = continuous.limits_of_agreement(x[:, 0], x[:, 1], "wright", "mini", multiplier=2)
    assert round(loa.bias, 1) == -2.1 and round(loa.sd, 1) == 38.8  # the paper: SD 38.8
    # the paper rounds the limits from the rounded bias and SD: -2.1 -/+ 2 x 38.8 = -79.7, 75.5
    assert loa.lower == pytest.approx(-80, abs=0.5) and loa.upper == pytest.approx(76, abs=0.6)


def test_check_writes_limits_csv_in_german_excel_and_html(tmp_path):
    """A codebook with a ratio item, coder files as German Excel saves them (';', decimal comma, BOM, umlauts):
    bland_altman.csv, summary.md and the report read back."""
    (tmp_path / "cb.yaml").write_text("id: lab\nunit_column: sequenz\nitems:\n  - id: dauer\n    level: ratio\n"
                                      "    scale: {min: 0, max: 1200}\n", encoding="utf-8")
    coders, x = matrix("giavarina_2015")
    files = []
    for j, who in enumerate(["Jürgen", "Zoë"]):
        p = tmp_path / f"{who}.csv"
        p.write_bytes(("\ufeffsequenz;dauer\n" + "".join(f"S{i:02d};{str(v).replace('.', ',')}\n"
                                                       for i, v in enumerate(x[:, j] + 0.5))).encode("utf-8"))
        files.append(str(p))
    before = {f: Path(f).read_bytes() for f in files}
    res = runner.invoke(app, ["check", *files, "--codebook", str(tmp_path / "cb.yaml"), "--out", str(tmp_path / "out"),
                              "--report", str(tmp_path / "r.html")])
    assert res.exit_code == 0, res.output
    assert {f: Path(f).read_bytes() for f in files} == before
    text = (tmp_path / "out" / "bland_altman.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 1 and rows[0]["a"] == "Jürgen" and rows[0]["b"] == "Zoë"
    num = lambda s: float(s.replace(",", "."))  # noqa: E731
    a, b = coders
    assert num(rows[0]["bias"]) == pytest.approx(R[("giavarina_2015", a, b, "blandr", "bias")], abs=VALUE)
    assert num(rows[0]["upper_ci_high"]) == pytest.approx(R[("giavarina_2015", a, b, "blandr", "upperLOA_upperCI")],
                                                          abs=CI)
    assert num(rows[0]["ccc"]) == pytest.approx(R[("giavarina_2015", a, b, "epiR", "ccc")], abs=VALUE)
    assert rows[0]["proportional_bias"].lower() == "true"
    summary = list(csv.DictReader(io.StringIO((tmp_path / "out" / "summary.csv").read_text(encoding="utf-8-sig")),
                                  delimiter=";"))
    ccc = [r for r in summary if r["statistic"] == "ccc"]
    assert len(ccc) == 1 and num(ccc[0]["value"]) == pytest.approx(R[("giavarina_2015", a, b, "epiR", "ccc")],
                                                                   abs=VALUE)
    md = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert "## Bland-Altman limits of agreement" in md and "| dauer | Jürgen − Zoë | 30 |" in md
    doc = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert "points" not in doc["items"][0]["continuous"]["bland_altman"][0]  # derived from the ratings:
    from irrkit.analysis.continuous import ratings_points
    from irrkit.analysis.item import ratings_from_dict

    assert ratings_points(ratings_from_dict(doc["items"][0])[0])[("Jürgen", "Zoë")][1][0] == pytest.approx(1 - 8)
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'data-figure="dauer-bland-altman-Jürgen-Zoë"' in html
    assert "Bland-Altman plot of Jürgen − Zoë" in html and "proportional bias" in html
    assert re.search(r'<svg aria-label="dauer: Bland-Altman plot', html)
    assert not re.search(r"\bnan\b", text + md + json.dumps(doc), re.I)


def test_ccc_matrix_figure_with_three_coders(tmp_path):
    from irrkit.outputs.html import report

    item = compute_json(FIX / "jones_2011.csv")
    rep = report({"tool": "irrkit", "version": "x", "items": [item]})
    names = list(rep.figures)
    assert any(n.endswith("ccc-matrix") for n in names)
    assert sum("bland-altman" in n for n in names) == 5  # 10 pairs: each coder against the mean of the others
    assert "Lin&#x27;s concordance correlation between coders" in rep.html


@pytest.mark.parametrize("values, why", [
    ([[1.0, 2.0], [2.0, 3.0]], "at least 3"),
    ([[5.0, 5.0], [5.0, 5.0], [5.0, 5.0]], "the same value"),
])
def test_undefined_with_reasons(values, why):
    x = np.array(values)
    c = continuous.lin_ccc(x[:, 0], x[:, 1])
    assert c.status == "undefined" and why in c.reason and c.value is None


def test_a_constant_coder_gives_a_ccc_without_se_and_missing_ratings_are_skipped():
    c = continuous.lin_ccc([1, 2, 3, 4, np.nan], [2, 2, 2, 2, 7])
    assert c.value == pytest.approx(0.0) and c.se is None and "one value" in c.reason
    loa = continuous.limits_of_agreement([1, 2, np.nan, 4], [1.5, np.nan, 3, 4.5])
    assert loa.n_units == 2 and loa.bias == pytest.approx(-0.5) and loa.slope is None and "3" in loa.reason
    assert json.dumps(loa.to_dict())  # no NaN: None where undefined
    one = continuous.limits_of_agreement([1.0], [2.0])
    assert one.status == "undefined" and one.bias is None


def test_the_demo_tells_the_duration_story(tmp_path):
    """`irrkit demo`: the duration item (3 coders, seconds) with the overall CCC and each coder against the others;
    coder C's proportional bias flagged; with --out the results JSON that `irrkit report` draws the plots from."""
    res = runner.invoke(app, ["demo", "--format", "json"])
    assert res.exit_code == 0, res.output
    item = json.loads(res.stdout)["runs"]["crying-duration"]["items"][0]
    assert item["item"] == "crying_duration" and item["level"] == "ratio" and item["n_coders"] == 3
    occc = item["coefficients"]["overall_ccc"]
    values = np.array([[float(r["crying_duration"]) if r["crying_duration"] else np.nan
                        for r in csv.DictReader((Path(__file__).parent.parent / "cli" / "demo" /
                                                 f"duration_coder_{c}.csv").open())] for c in "ABC"]).T
    complete = values[~np.isnan(values).any(axis=1)]
    m, s = complete.mean(axis=0), np.cov(complete.T, ddof=0)  # Barnhart et al. (2002) eq. 6, written out
    num = 2 * (s[0, 1] + s[0, 2] + s[1, 2])
    den = 2 * np.trace(s) + (m[0] - m[1]) ** 2 + (m[0] - m[2]) ** 2 + (m[1] - m[2]) ** 2
    assert occc["value"] == pytest.approx(num / den, abs=1e-12) and occc["n_units"] == len(complete) == 44
    others = {x["a"]: x for x in item["continuous"]["bland_altman_vs_others"]}
    c = others["duration_coder_C"]
    assert c["proportional_bias"] is True and c["slope"] > 0 and c["bias"] > 0
    out = tmp_path / "d"
    res = runner.invoke(app, ["demo", "--out", str(out)])
    assert res.exit_code == 0 and "irrkit report" in res.stderr
    rep = runner.invoke(app, ["report", str(out / "crying-duration" / "results.json"), "-o", str(tmp_path / "r.html")])
    assert rep.exit_code == 0, rep.output
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert html.count('data-figure="crying_duration-bland-altman-') == 6 and "ccc-matrix" in html


def test_the_results_json_of_a_continuous_item_matches_the_schema(computed):
    from irrkit.readers.json_input import validate

    for name in ("pefr_first_readings", "jones_2011"):
        doc = {"tool": "irrkit", "version": "x", "items": [computed[name]]}
        assert validate(doc) == []
    jsonschema = pytest.importorskip("jsonschema")
    from irrkit.readers.json_input import results_schema

    assert list(jsonschema.Draft202012Validator(results_schema()).iter_errors(
        {"tool": "irrkit", "version": "x", "items": [computed["jones_2011"]]})) == []


def test_terminal_table_and_methods_paragraph(tmp_path):
    """The terminal shows the limits with their CIs and the proportional-bias flag; the methods paragraph states
    the CCC, bias and limits with CIs and cites the sources it names."""
    res = runner.invoke(app, ["compute", str(FIX / "giavarina_2015.csv"), "--level", "ratio"], env={"COLUMNS": "250"})
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    at = next(k for k, ln in enumerate(lines) if "method_a −" in ln)
    rows = {c[2]: c[3:5] for ln in lines[at:at + 5] if len(c := [x.strip() for x in ln.split("│")]) > 4}
    assert rows["bias"][0] == "-27.17" and rows["lower limit"] == ["-95.39", "[-117.85, -72.92]"]
    assert rows["upper limit"] == ["41.05", "[18.59, 63.52]"] and rows["proportional bias"][1].startswith("yes: slope")
    # (one statistic per line: the table fits an 80-column terminal)
    narrow = runner.invoke(app, ["compute", str(FIX / "giavarina_2015.csv"), "--level", "ratio"], env={"COLUMNS": "80"})
    assert max(len(ln) for ln in narrow.stdout.splitlines()) <= 80 and "[-117.85, -72.92]" in narrow.stdout
    doc = tmp_path / "r.json"
    doc.write_text(runner.invoke(app, ["compute", str(FIX / "pefr_first_readings.csv"), "--level", "interval",
                                       "-f", "json"]).stdout, encoding="utf-8")
    rep = runner.invoke(app, ["report", str(doc), "-o", str(tmp_path / "r.html"), "--methods", str(tmp_path / "m.md")])
    assert rep.exit_code == 0, rep.output
    text = (tmp_path / "m.md").read_text(encoding="utf-8")
    assert "ρc = .94, 95% CI [.85, .98], bias −2.12 [−22.05, 17.81], limits of agreement −78.10" in text
    for ref in ("Lin, L. I.-K. (1989)", "Lin, L. I.-K. (2000)", "Bland, J. M., & Altman, D. G. (1999)"):
        assert ref in text
    assert "Barnhart" not in text  # two coders: the overall CCC is not used, nor cited


def test_ratings_near_the_float_limit_give_the_plain_figures_in_their_unit(tmp_path):
    """Ratings x 2^1000 (about 1e301) are analysed divided by a power of two: the CCCs are those of the plain data
    and the limits of agreement those of the plain data times 2^1000, no overflow and no warning."""
    _, x = matrix("pefr_first_readings")
    big = tmp_path / "big.csv"
    big.write_text("unit,a,b\n" + "".join(f"u{i},{math.ldexp(a, 1000)!r},{math.ldexp(b, 1000)!r}\n"
                                          for i, (a, b) in enumerate(x)), encoding="utf-8")
    plain, huge = computed_item(FIX / "pefr_first_readings.csv"), computed_item(big)
    assert huge["coefficients"]["ccc"]["value"] == pytest.approx(plain["coefficients"]["ccc"]["value"], rel=1e-12)
    p, h = plain["continuous"]["bland_altman"][0], huge["continuous"]["bland_altman"][0]
    for key in ("bias", "lower", "upper", "upper_ci_high", "sd"):
        assert h[key] == pytest.approx(math.ldexp(p[key], 1000), rel=1e-12)
    assert h["slope"] == pytest.approx(p["slope"], rel=1e-9) and h["slope_p"] == pytest.approx(p["slope_p"], rel=1e-9)


def computed_item(path: Path) -> dict:
    res = runner.invoke(app, ["compute", str(path), "--level", "interval", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert "Warning" not in res.stderr
    return json.loads(res.stdout)["items"][0]


def test_a_pair_whose_shared_ratings_are_one_value_is_undefined_not_a_math_error():
    """All pairs' moments come from uncentred sums; a pair whose shared units hold one value throughout must give
    a zero variance (found by the crowd tests: math domain error from a -1e-13 residue)."""
    from irrkit.statistics.continuous import all_pair_moments, lin_ccc

    v = np.array([[1e6 + 0.1, 1e6 + 0.1, 3.0], [1e6 + 0.1, 1e6 + 0.1, 9.0], [1e6 + 0.1, 1e6 + 0.1, 4.0],
                  [7.3, np.nan, 2.0], [1.9, np.nan, 8.0], [0.7, np.nan, 1.0]])
    m = all_pair_moments(v)[(0, 1)]
    assert m.n == 3 and m.sxx == 0.0 and m.syy == 0.0
    c = lin_ccc(v[:, 0], v[:, 1], moments=m)
    assert c.value is None and "same value" in c.reason


def test_a_gate_may_name_the_ccc(tmp_path):
    """--min ITEM:overall_ccc=X gates on the overall CCC (exit 1 below, the line names it); a codebook gate on
    Lin's CCC of two coders is accepted by the schema's list too."""
    demo = Path(__file__).parent.parent / "cli" / "demo"
    files = [str(p) for p in sorted(demo.glob("duration_coder_*.csv"))]
    book = str(demo / "duration_codebook.yaml")
    res = runner.invoke(app, ["check", *files, "-c", book, "--min", "crying_duration:overall_ccc=0.97", "-f", "json"])
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout)
    occc = next(it for it in doc["items"])["coefficients"]["overall_ccc"]["value"]
    assert occc < 0.97
    res = runner.invoke(app, ["check", *files, "-c", book, "--min", "crying_duration:overall_ccc=0.95"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["check", *files[:2], "-c", book, "--min", "crying_duration:ccc=0.99"])
    assert res.exit_code == 1 and "Lin's concordance correlation" in res.output


def test_no_unit_rated_by_every_coder_says_so():
    """Crowd data: no unit holds all coders' ratings; the overall CCC is undefined for that reason (it said
    '0 coder(s)' when handed the empty matrix of complete units)."""
    from irrkit.statistics.continuous import overall_ccc

    c = overall_ccc(np.full((0, 2000), np.nan))
    assert c.value is None and "units rated by all 2000 coders: 0" in c.reason
    x = np.array([[1.0, 2.0, np.nan], [2.0, np.nan, 3.0], [np.nan, 4.0, 5.0], [3.0, 3.0, np.nan]])
    assert "units rated by all 3 coders: 0" in overall_ccc(x).reason


def test_demo_with_report_draws_the_bland_altman_plots(tmp_path):
    """`irrkit demo --out DIR --report`: every run's HTML report, the duration item's with its Bland-Altman plots
    (one per pair and per coder against the others) and the CCC matrix; --report without --out is refused."""
    res = runner.invoke(app, ["demo", "--out", str(tmp_path), "--report", "-f", "json"])
    assert res.exit_code == 0, res.output
    reports = sorted(p.parent.name for p in tmp_path.glob("*/report.html"))
    assert reports == ["crying-duration", "crying-episodes", "crying-forms", "intervention-sets", "interventions",
                       "model"]
    page = (tmp_path / "crying-duration" / "report.html").read_text(encoding="utf-8")
    figures = re.findall(r"<figure[^>]*>.*?</figure>", page, flags=re.S)
    assert sum("Bland-Altman plot of" in f for f in figures) == 6  # 3 pairs + 3 coders against the others
    assert any("<svg" in f and "concordance correlation" in f for f in figures)
    res = runner.invoke(app, ["demo", "--report"])
    assert res.exit_code == 2 and "--out" in res.output
