"""Codes that are sets (codebook ``multiple: true``): the MASI and Jaccard distances, Krippendorff's alpha under
them against nltk's AnnotationTask (fixtures/sets/nltk_alpha.json, nltk 3.10.4; the cases where nltk is right) and
against Krippendorff's D_o / D_e computed here from the coincidences, per-code kappas against statsmodels, the exact
set match counted here; the files users make (German Excel CSV with ';', BOM, quoted "a;b" cells, one 0/1 column
per code), bad cells and bad codebooks, and what `check` writes (JSON, CSV, Markdown, HTML), read back."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from irrkit.analysis.item import Options, analyse
from irrkit.cli.main import app
from irrkit.codebooks.codebook import parse_codebook
from irrkit.errors import InputError
from irrkit.ratings import ItemRatings
from irrkit.statistics import sets

ROOT = Path(__file__).parent.parent
FIXTURE = json.loads((ROOT / "fixtures" / "sets" / "nltk_alpha.json").read_text(encoding="utf-8"))
SETS_BOOK = ROOT / "codebooks" / "intervention-sets.yaml"
DEMO = sorted((ROOT / "cli" / "demo").glob("intervention-sets_coder_*.csv"))
NO_CI = {"GITHUB_ACTIONS": None, "GITHUB_STEP_SUMMARY": None}


def run(*args: object) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, [str(a) for a in args], env=NO_CI)
    return res.exit_code, res.stdout, res.stderr


# ------------------------------------------------------------------------------------ the distances


def _masi(a: frozenset, b: frozenset) -> float:
    """Passonneau (2006): 1 - J M, written out on Python sets (independent of the bitmask code)."""
    if a == b:
        return 0.0
    j = len(a & b) / len(a | b)
    m = 2 / 3 if (a <= b or b <= a) else 1 / 3 if a & b else 0.0
    return 1 - j * m


def test_distances_on_sets_follow_the_definitions() -> None:
    codes = "abcd"
    all_sets = [frozenset(s) for n in range(5) for s in itertools.combinations(codes, n)]
    masks = np.array([sum(1 << codes.index(c) for c in s) for s in all_sets], dtype=np.uint64)
    got_m = sets.distance_matrix(masks, sets.masi_distance)
    got_j = sets.distance_matrix(masks, sets.jaccard_distance)
    for i, a in enumerate(all_sets):
        for k, b in enumerate(all_sets):
            assert got_m[i, k] == pytest.approx(_masi(a, b), abs=1e-15)
            jac = 0.0 if not (a | b) else 1 - len(a & b) / len(a | b)
            assert got_j[i, k] == pytest.approx(jac, abs=1e-15)
    # nltk's doctest (3.10.4): masi_distance({1, 2}, {1, 2, 3, 4}) = 0.6666666666666667 (J = 1/2, M = 2/3)
    assert sets.masi_distance(np.uint64(0b0011), np.uint64(0b1111)) == pytest.approx(0.6666666666666667, abs=1e-15)
    assert sets.masi_distance(np.uint64(0), np.uint64(0)) == 0.0  # two empty sets: the same rating
    assert sets.masi_distance(np.uint64(0), np.uint64(1)) == 1.0  # the empty set and any code: nothing shared


# ------------------------------------------------------------------------------------ alpha


def _ratings(units: dict[str, dict[str, list[str]]]) -> ItemRatings:
    codes = sorted({c for r in units.values() for s in r.values() for c in s})
    coders = sorted({c for r in units.values() for c in r})
    names = list(units)
    v = np.full((len(names), len(coders)), np.nan)
    for i, u in enumerate(names):
        for c, s in units[u].items():
            v[i, coders.index(c)] = float(sum(1 << codes.index(x) for x in s))
    cats = tuple(float(x) for x in np.unique(v[~np.isnan(v)]))
    return ItemRatings("sets", "nominal", names, coders, v, cats, labels=tuple(f"{int(x)}" for x in cats),
                       set_codes=tuple(codes))


def _alpha_by_coincidences(units: dict[str, dict[str, list[str]]], distance) -> float:
    """Krippendorff (2004, ch. 11): alpha = 1 - D_o / D_e from the values of the units with two or more ratings,
    written out on Python sets; nothing shared with irrkit's engine."""
    pairable = [[frozenset(s) for s in r.values()] for r in units.values() if len(r) >= 2]
    values = [s for u in pairable for s in u]
    n = len(values)
    d_o = sum(sum(distance(a, b) for i, a in enumerate(u) for k, b in enumerate(u) if i != k) / (len(u) - 1)
              for u in pairable) / n
    d_e = sum(distance(a, b) for i, a in enumerate(values) for k, b in enumerate(values) if i != k) / (n * (n - 1))
    return 1 - d_o / d_e


def _jaccard(a: frozenset, b: frozenset) -> float:
    return 0.0 if not (a | b) else 1 - len(a & b) / len(a | b)


@pytest.mark.parametrize("case", [k for k, c in FIXTURE["cases"].items() if c["compare_with"]])
def test_alpha_matches_nltk_where_nltk_is_right(case: str) -> None:
    c = FIXTURE["cases"][case]
    res = analyse(_ratings(c["units"]))
    assert res.level == "sets" and res.primary == "masi_alpha"
    expected = c[c["compare_with"]]
    for key in ("masi_alpha", "jaccard_alpha"):
        assert res.coefficients[key].value == pytest.approx(expected[key], abs=1e-12), (case, key)
    # the same from the coincidences, computed here
    assert res.coefficients["masi_alpha"].value == pytest.approx(_alpha_by_coincidences(c["units"], _masi), abs=1e-12)
    assert res.coefficients["jaccard_alpha"].value == pytest.approx(
        _alpha_by_coincidences(c["units"], _jaccard), abs=1e-12)


def test_nltk_bugs_recorded_in_the_fixture_are_not_irrkits() -> None:
    # every rating the same set: nltk returns 1; D_e = 0, so alpha is 0/0: irrkit says undefined, and why
    c = FIXTURE["cases"]["one_value"]
    assert c["nltk"]["masi_alpha"] == 1 and c["compare_with"] is None
    res = analyse(_ratings(c["units"]))
    masi = res.coefficients["masi_alpha"]
    assert masi.value is None and masi.status == "undefined" and "0/0" in masi.reason
    # the empty set: nltk's distances divide by |A ∪ B| = 0 (ZeroDivisionError), so the demo is compared with nltk's
    # alpha under the distance guarded for two empty sets
    demo = FIXTURE["cases"]["demo"]
    assert demo["nltk"]["masi_alpha"].startswith("ZeroDivisionError")
    assert any(s == [] for r in demo["units"].values() for s in r.values())


def test_alpha_se_is_the_engines_linearisation() -> None:
    """The SE of the set alpha is Gwet's linearised SE of alpha with weights 1 - d: the same as the engine's weighted
    alpha (R irrCAC krippen.alpha.raw with that weight matrix), which the nominal tests hold against irrCAC."""
    from irrkit.statistics import chance_corrected
    from irrkit.statistics.weights import MatrixKernel

    r = _ratings(FIXTURE["cases"]["missing3"]["units"])
    res = analyse(r)
    masks = np.array(r.categories, dtype=np.uint64)
    idx = np.searchsorted(r.categories, np.nan_to_num(r.values, nan=-1))
    tab = np.stack([((idx == k) & ~np.isnan(r.values)).sum(axis=1) for k in range(len(masks))], axis=1).astype(float)
    w = 1 - sets.distance_matrix(masks, sets.masi_distance)
    ref = chance_corrected.krippendorff_alpha(chance_corrected.agreement(tab, MatrixKernel(w)))
    c = res.coefficients["masi_alpha"]
    assert c.se == pytest.approx(ref.se, rel=1e-12) and c.se > 0
    assert c.ci_low < c.value < c.ci_high


# ------------------------------------------------------------------------------------ per code, exact match


def test_per_code_kappas_match_statsmodels() -> None:
    from statsmodels.stats.inter_rater import cohens_kappa, fleiss_kappa

    units = FIXTURE["cases"]["se407453"]["units"]  # two coders, every unit rated by both
    res = analyse(_ratings(units))
    for code in ("l1", "l2", "l3", "l4"):
        a = np.array([code in r["coder1"] for r in units.values()])
        b = np.array([code in r["coder2"] for r in units.values()])
        table = np.array([[np.sum(a & b), np.sum(a & ~b)], [np.sum(~a & b), np.sum(~a & ~b)]])
        counts = np.stack([a.astype(int) + b, 2 - a.astype(int) - b], axis=1)
        got = res.per_category[code]
        assert got["cohen_kappa"].value == pytest.approx(cohens_kappa(table).kappa, abs=1e-12), code
        assert got["fleiss_kappa"].value == pytest.approx(fleiss_kappa(counts, method="fleiss"), abs=1e-12), code
        assert got["percent_agreement"].value == pytest.approx(np.mean(a == b), abs=1e-12), code
        assert got["cohen_kappa"].se > 0
    assert res.code_counts == {c: sum(c in s for r in units.values() for s in r.values()) for c in ("l1", "l2", "l3",
                                                                                                  "l4")}


def test_percent_agreement_is_the_exact_set_match() -> None:
    units = FIXTURE["cases"]["missing3"]["units"]
    res = analyse(_ratings(units))
    pairs = [(frozenset(a) == frozenset(b)) for r in units.values() if len(r) >= 2
             for a, b in itertools.permutations(r.values(), 2)]
    per_unit = [np.mean([frozenset(a) == frozenset(b) for a, b in itertools.permutations(r.values(), 2)])
                for r in units.values() if len(r) >= 2]
    pa = res.coefficients["percent_agreement"]
    assert pa.value == pytest.approx(np.mean(per_unit), abs=1e-12)  # Gwet's pa: the mean over units
    assert 0 < np.mean(pairs) < 1
    assert pa.extra["agreement"].startswith("exact set match")


# ------------------------------------------------------------------------------------ files as users make them


BOOK = """id: t
items:
  - id: form
    level: nominal
    multiple: true
    categories: [sad, moved, protest, relief]
"""


def _book(tmp_path: Path, text: str = BOOK) -> Path:
    p = tmp_path / "book.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_check_reads_cells_quoted_cells_and_01_columns_from_german_excel_csv(tmp_path: Path) -> None:
    # coder a: ';' with BOM, a quoted "sad;moved" cell, umlauts in the unit ids; coder b: one 0/1 column per code
    a = tmp_path / "anna.csv"
    a.write_bytes("\ufeffunit;form\nSä1;sad|moved\nSä2;\"sad;moved\"\nSä3;none\nSä4;\nSä5;protest\nSä6;relief|sad\n"
                  .encode("utf-8"))
    b = tmp_path / "ben.csv"
    b.write_text("unit;form:sad;form:moved;form:protest;form:relief\nSä1;1;1;0;0\nSä2;1;0;0;0\nSä3;0;0;0;0\n"
                 "Sä4;1;0;0;0\nSä5;0;0;1;0\nSä6;;;;\n", encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, stderr = run("check", a, b, "-c", _book(tmp_path), "--out", out, "--report",
                               tmp_path / "r.html", "-f", "json")
    assert code == 0, stderr
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    it = doc["items"][0]
    assert it["level"] == "sets" and it["multiple"] is True and it["codes"] == ["sad", "moved", "protest", "relief"]
    # the empty set (Sä3 both 'none') is a rating; the blank (Sä4 anna, Sä6 ben) is missing: 10 ratings, 4 pairable
    assert it["n_ratings"] == 10 and it["n_units"] == 6
    units = {"Sä1": {"a": ["sad", "moved"], "b": ["sad", "moved"]}, "Sä2": {"a": ["sad", "moved"], "b": ["sad"]},
             "Sä3": {"a": [], "b": []}, "Sä4": {"b": ["sad"]}, "Sä5": {"a": ["protest"], "b": ["protest"]},
             "Sä6": {"a": ["relief", "sad"]}}
    assert it["coefficients"]["masi_alpha"]["value"] == pytest.approx(_alpha_by_coincidences(units, _masi), abs=1e-12)
    assert it["coefficients"]["jaccard_alpha"]["value"] == pytest.approx(
        _alpha_by_coincidences(units, _jaccard), abs=1e-12)
    assert it["coefficients"]["percent_agreement"]["value"] == pytest.approx(3 / 4, abs=1e-12)
    assert set(it["per_category"]) == {"sad", "moved", "protest", "relief"}
    assert it["code_counts"] == {"sad": 6, "moved": 3, "protest": 2, "relief": 1}
    # the tables: CSV (';' as the inputs), Markdown and HTML name the statistics
    summary = list(csv.DictReader(io.StringIO((out / "summary.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    rows = {r["statistic"]: r for r in summary}
    assert rows["masi_alpha"]["name"] == "Krippendorff's alpha (MASI distance)" and rows["masi_alpha"]["primary"]
    assert float(rows["jaccard_alpha"]["value"].replace(",", ".")) == pytest.approx(
        it["coefficients"]["jaccard_alpha"]["value"], abs=1e-12)
    per = list(csv.DictReader(io.StringIO((out / "per_category.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    assert {(r["category"], r["ratings"]) for r in per} == {("sad", "6"), ("moved", "3"), ("protest", "2"),
                                                           ("relief", "1")}
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert "Krippendorff's alpha (MASI distance)" in md and "Krippendorff's alpha (Jaccard distance)" in md
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "MASI distance" in html and "each code present or absent" in html
    text = re.sub(r"<[^>]+>", " ", html)
    assert re.search(r"sad\s+6\s", text)
    # the exact-set-match statistics say so wherever they are named; no box plot of set numbers per coder
    assert rows["fleiss_kappa"]["name"] == "Fleiss' kappa (exact set match)"
    assert "Percent agreement (exact set match)" in md and "Percent agreement (exact set match)" in text
    assert "Krippendorff's alpha (MASI distance) (exact" not in text and "ratings per coder" not in text
    code, _, err = run("report", out / "results.json", "-o", tmp_path / "r2.html", "--checklist", tmp_path / "c.md",
                       "--methods", tmp_path / "m.md")
    assert code == 0, err
    checklist = (tmp_path / "c.md").read_text(encoding="utf-8")
    assert "a set of codes per unit (any of 4 codes: sad, moved, protest, relief)" in checklist
    assert "categories" not in checklist.split("### 2.")[1].split("### 3.")[0]
    assert "Percent agreement (exact set match)" in stdout or "Percent agreement (exact set match)" in run(
        "check", a, b, "-c", _book(tmp_path))[1]
    dis = (out / "disagreements.csv").read_text(encoding="utf-8-sig")
    assert "sad|moved" in dis and "Sä2" in dis  # the sets as the codebook writes them


def test_set_values_checked_like_codes(tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    a.write_text("unit,form\nu1,sad|mvoed\nu2,none|sad\nu3,||\nu4,sad\nu5,\"relief;xyz\"\n", encoding="utf-8")
    b = tmp_path / "b.csv"
    b.write_text("unit,form:sad,form:moved,form:protest,form:relief\nu1,1,0,0,0\nu2,1,,0,0\nu3,2,0,0,0\n"
                 "u4,1,0,0,0\n", encoding="utf-8")
    before = (a.read_bytes(), b.read_bytes())
    code, stdout, stderr = run("check", a, b, "-c", _book(tmp_path))
    assert code == 2 and "Traceback" not in stderr
    err = stderr.replace("\n", " ")
    assert re.search(r"a\.csv:2: column 'form': value 'sad\|mvoed': 'mvoed' \(did you mean 'moved'\?\) is not a "
                     r"code of item 'form' \(allowed: sad, moved, protest, relief", err)
    assert re.search(r"a\.csv:3: column 'form': value 'none\|sad' gives the empty-set token 'none'", err)
    assert re.search(r"a\.csv:4: column 'form': value '\|\|' holds no code", err)
    assert re.search(r"a\.csv:6: column 'form': value 'relief;xyz': 'xyz' is not a code", err)  # as written
    assert re.search(r"b\.csv:3: column 'form:moved': the 0/1 columns of item 'form' are partly blank", err)
    assert re.search(r"b\.csv:4: column 'form:sad': value '2' is not 0 or 1", err)
    assert (a.read_bytes(), b.read_bytes()) == before
    c = tmp_path / "c.csv"
    c.write_text("unit,form:sad,form:moved\nu1,1,0\n", encoding="utf-8")
    code, _, stderr = run("check", c, b, "-c", _book(tmp_path))
    assert code == 2 and "lacks the columns 'form:protest', 'form:relief'" in stderr.replace("\n", " ")


@pytest.mark.parametrize(("extra", "message"), [
    ("    separator: ab\n", "separator must be one character"),
    ("    empty: NA\n", "also a 'missing' token"),
    ("    weights: linear\n", "'weights' does not apply to a set-valued item"),
    ("    primary: icc2\n", "icc2 is not defined for a nominal item"),
    ("    gate: {gwet_ac2: 0.6}\n", "gwet_ac2 (Gwet's AC2) is not computed"),
])
def test_bad_set_codebooks_name_the_line(extra: str, message: str) -> None:
    with pytest.raises(InputError) as e:
        parse_codebook(BOOK + extra, "book.yaml")
    assert message in str(e.value) and "book.yaml:" in str(e.value)


def test_codebook_rules_for_multiple() -> None:
    with pytest.raises(InputError, match="multiple: true needs level nominal"):
        parse_codebook(BOOK.replace("level: nominal", "level: ordinal"), "b.yaml")
    with pytest.raises(InputError, match="holds '|', which separates"):
        parse_codebook(BOOK.replace("relief]", "'a|b']"), "b.yaml")
    with pytest.raises(InputError, match="masi_alpha is computed for set-valued items only"):
        parse_codebook(BOOK.replace("    multiple: true\n", "    primary: masi_alpha\n"), "b.yaml")
    cb = parse_codebook(BOOK + "    separator: '+'\n    empty: keine\n    gate: {masi_alpha: 0.667}\n", "b.yaml")
    it = cb.items[0]
    assert (it.multiple, it.separator, it.empty, it.default_primary()) == (True, "+", "keine", "masi_alpha")
    assert [(g.statistic, g.minimum) for g in cb.gates] == [("masi_alpha", 0.667)]


def test_gate_on_masi_alpha(tmp_path: Path) -> None:
    code, stdout, stderr = run("check", *DEMO, "-c", SETS_BOOK, "--min", "interventions:masi_alpha=0.8")
    assert code == 1, stderr
    code, stdout, stderr = run("check", *DEMO, "-c", SETS_BOOK, "--min", "interventions:masi_alpha=0.6")
    assert code == 0, stderr


def test_demo_has_the_set_story() -> None:
    code, stdout, stderr = run("demo", "-f", "json")
    assert code == 0, stderr
    it = json.loads(stdout)["runs"]["intervention-sets"]["items"][0]
    expected = FIXTURE["cases"]["demo"]["nltk_guarded_empty"]
    assert it["coefficients"]["masi_alpha"]["value"] == pytest.approx(expected["masi_alpha"], abs=1e-12)
    assert it["coefficients"]["jaccard_alpha"]["value"] == pytest.approx(expected["jaccard_alpha"], abs=1e-12)
    assert it["primary"] == "masi_alpha" and len(it["per_category"]) == 8


def test_sets_need_few_codes() -> None:
    codes = ", ".join(f"c{i}" for i in range(53))
    with pytest.raises(InputError, match="at most 52 codes"):
        parse_codebook(BOOK.replace("[sad, moved, protest, relief]", f"[{codes}]"), "b.yaml")
    r = _ratings({"u1": {"a": ["x"], "b": ["x"]}, "u2": {"a": ["y"], "b": ["x", "y"]}})
    assert analyse(r, Options(per_category=False)).per_category == {}


def _units_of(path: Path) -> dict[str, list[str]]:
    """A demo coder file's sets (cells or 0/1 columns), read here with the csv module."""
    text = path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";" if ";" in text.splitlines()[0] else ","))
    out = {}
    for r in rows:
        if "interventions" in r:
            if r["interventions"]:
                out[r["unit"]] = [] if r["interventions"] == "none" else r["interventions"].split("|")
        elif any(v for k, v in r.items() if k != "unit"):
            out[r["unit"]] = [k.split(":", 1)[1] for k, v in r.items() if k != "unit" and v == "1"]
    return out


def test_train_and_retest_give_the_pair_alphas_and_gate_on_them(tmp_path: Path) -> None:
    gold, trainee = DEMO[0], DEMO[2]  # coder A as the gold standard, coder C (0/1 columns, ';') as the trainee
    g, t = _units_of(gold), _units_of(trainee)
    units = {u: {"gold": g[u], "trainee": t[u]} for u in g if u in t}
    code, stdout, stderr = run("train", trainee, "--gold", gold, "-c", SETS_BOOK, "-f", "json",
                               "--min", "interventions:masi_alpha=0.99")
    assert code == 1, stderr
    doc = json.loads(stdout)
    trainee_doc = next(iter(doc["trainees"].values())) if isinstance(doc.get("trainees"), dict) else None
    stats = json.dumps(doc)
    assert "masi_alpha" in stats and trainee_doc is not None
    st = trainee_doc["items"]["interventions"]["statistics"]
    assert st["masi_alpha"]["value"] == pytest.approx(_alpha_by_coincidences(units, _masi), abs=1e-12)
    assert st["jaccard_alpha"]["value"] == pytest.approx(_alpha_by_coincidences(units, _jaccard), abs=1e-12)
    # retest: two passes read separately (each with its own distinct sets), the same pair figures
    code, stdout, stderr = run("retest", gold, trainee, "-c", SETS_BOOK, "-f", "json", "--no-gate")
    assert code == 0, stderr
    st = next(iter(json.loads(stdout)["trainees"].values()))["items"]["interventions"]["statistics"]
    assert st["masi_alpha"]["value"] == pytest.approx(_alpha_by_coincidences(units, _masi), abs=1e-12)
