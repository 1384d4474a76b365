"""Crowd data (issue 22): many coders, each rating a few of many units, kept as their rated cells (irrkit.ratings.Cells)
from the long readers through analyse, the ICCs and the coder diagnostics.

Every figure of the sparse path is held against the dense path on small random data (they share code, so also:)
and against independent figures: the ``krippendorff`` package (alpha with missing data), statsmodels'
``fleiss_kappa`` (every unit rated by the same number of coders), R irrCAC's conger.kappa.raw (fixtures/r_reference,
Conger's kappa with its coder-level SE terms from the cells alone), R psych::ICC (Henderson's Method I reduces to
the two-way ANOVA on complete data) and a plain-Python Method I written here from Searle, Casella & McCulloch (1992).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_r_reference import PSYCH, RAW, _check_psych, compare, weight_for

import irrkit.ratings as ratings_mod
from irrkit.analysis.diagnostics import diagnose, profiles, rating_pairs
from irrkit.analysis.item import Options, analyse
from irrkit.ratings import Cells, ItemRatings
from irrkit.statistics import chance_corrected as cc
from irrkit.statistics import counting, reml
from irrkit.statistics.anova import henderson1
from irrkit.statistics.icc import icc_all, icc_cells, icc_unbalanced

TOL = 1e-9


def crowd(n_units: int, n_coders: int, seed: int = 0, per: tuple[int, int] = (2, 6), q: int = 5) -> np.ndarray:
    """A units x coders matrix (NaN = missing): each unit rated by a few random coders, codes 1..q."""
    rng = np.random.default_rng(seed)
    x = np.full((n_units, n_coders), np.nan)
    truth = rng.integers(1, q + 1, n_units)
    for i in range(n_units):
        who = rng.choice(n_coders, rng.integers(per[0], per[1] + 1), replace=False)
        noisy = rng.random(len(who)) < 0.35
        x[i, who] = np.where(noisy, rng.integers(1, q + 1, len(who)), truth[i])
    return x


def item(x: np.ndarray, level: str, q: int = 5) -> ItemRatings:
    cats = tuple(float(c) for c in range(1, q + 1))
    return ItemRatings("it", level, [f"u{i}" for i in range(x.shape[0])], [f"c{j}" for j in range(x.shape[1])], x,
                       cats, weights="identity" if level == "nominal" else "quadratic")


def same(a, b, tol: float = 1e-11) -> None:
    assert a.ok == b.ok, (a, b)
    for f in ("value", "se", "ci_low", "ci_high", "pa", "pe"):
        va, vb = getattr(a, f), getattr(b, f)
        assert (va is None) == (vb is None), (a.key, f)
        if va is not None:
            assert va == pytest.approx(vb, abs=tol, rel=tol), (a.key, f)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sparse_path_gives_the_dense_figures(level, seed):
    x = crowd(60, 12, seed)
    dense = analyse(item(x, level))
    sparse_r = item(x, level).as_sparse()
    assert sparse_r.sparse and sparse_r.values is None and sparse_r.n_ratings == int((~np.isnan(x)).sum())
    sparse = analyse(sparse_r)
    assert set(dense.coefficients) == set(sparse.coefficients)
    for key, c in dense.coefficients.items():
        same(c, sparse.coefficients[key])
    assert (dense.n_units, dense.n_coders, dense.n_ratings) == (sparse.n_units, sparse.n_coders, sparse.n_ratings)
    assert dense.distribution == sparse.distribution
    for cat, d in dense.per_category.items():
        for key, c in d.items():
            same(c, sparse.per_category[cat][key])


def test_two_coders_as_cells_give_cohen_and_scott():
    x = crowd(40, 2, 3, per=(1, 2))
    dense, sparse = analyse(item(x, "nominal")), analyse(item(x, "nominal").as_sparse())
    for key in ("cohen_kappa", "scott_pi", "conger_kappa"):
        same(dense.coefficients[key], sparse.coefficients[key])


@pytest.mark.parametrize("case", [c for c in RAW["cases"] if c["id"] not in ("degenerate_q1", "one_unit")],
                         ids=lambda c: c["id"])
def test_conger_from_cells_against_r_irrcac(case):
    """conger.kappa.raw of R irrCAC (value, SE with the coder-level terms, CI) from the rated cells alone."""
    x = np.array([[np.nan if v is None else v for v in row] for row in case["ratings"]], dtype=float)
    if case["categ_labels_passed"]:
        cats = [float(c) for c in case["categ_labels"]]
        values = [float(i + 1) for i in range(len(cats))]
    else:
        cats = sorted({float(v) for v in x[~np.isnan(x)]})
        values = cats
    c = Cells.from_matrix(x)
    code = counting.category_index(c.value, cats)
    for wname, spec in case["results"].items():
        want = spec["coefficients"].get("conger.kappa.raw")
        if want is None or not np.all(np.isfinite(np.array(spec["weights_matrix"], dtype=float))):
            continue
        w = weight_for(wname, spec, values)
        compare(cc.conger_kappa_cells(c.unit, c.coder, code, x.shape[0], len(cats), w), want,
                f"{case['id']}/{wname}")


def test_alpha_with_missing_data_against_the_krippendorff_package():
    kd = pytest.importorskip("krippendorff")
    x = crowd(300, 40, 4)
    for level, lv in (("nominal", "nominal"), ("interval", "interval"), ("ordinal", "ordinal")):
        res = analyse(item(x, level).as_sparse())
        want = kd.alpha(reliability_data=x.T, level_of_measurement=lv)
        assert res.coefficients["krippendorff_alpha"].value == pytest.approx(want, abs=1e-9), level


def test_fleiss_kappa_against_statsmodels():
    """Every unit rated by 4 of 30 coders: Fleiss' kappa of the cells = statsmodels' fleiss_kappa of the counts."""
    from statsmodels.stats.inter_rater import fleiss_kappa

    x = crowd(200, 30, 5, per=(4, 4))
    res = analyse(item(x, "nominal").as_sparse())
    counts = np.stack([(x == k).sum(axis=1) for k in range(1, 6)], axis=1)
    assert res.coefficients["fleiss_kappa"].value == pytest.approx(fleiss_kappa(counts, method="fleiss"), abs=1e-12)


def method1_by_hand(x: np.ndarray) -> tuple[float, float, float]:
    """Henderson's Method I written out (Searle, Casella & McCulloch 1992, sec. 5.3): the uncorrected sums of
    squares T_0, T_A, T_B, T_mu and their expectations, solved; plain Python loops over the ratings."""
    rows: dict[int, list[float]] = {}
    cols: dict[int, list[float]] = {}
    ys = []
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            if not np.isnan(x[i, j]):
                rows.setdefault(i, []).append(float(x[i, j]))
                cols.setdefault(j, []).append(float(x[i, j]))
                ys.append(float(x[i, j]))
    big_n, a, b = len(ys), len(rows), len(cols)
    t0 = sum(y * y for y in ys)
    ta = sum(sum(v) ** 2 / len(v) for v in rows.values())
    tb = sum(sum(v) ** 2 / len(v) for v in cols.values())
    tm = sum(ys) ** 2 / big_n
    k1 = sum(len(v) ** 2 for v in rows.values()) / big_n
    k2 = sum(len(v) ** 2 for v in cols.values()) / big_n
    # E T_0 = N(mu^2 + sA + sB + se), E T_A = N mu^2 + N sA + a sB + a se, E T_B = N mu^2 + b sA + N sB + b se,
    # E T_mu = N mu^2 + k1 sA + k2 sB + se
    m = [[big_n - k1, big_n - k2, big_n - 1], [big_n - k1, a - k2, a - 1], [b - k1, big_n - k2, b - 1]]
    rhs = [t0 - tm, ta - tm, tb - tm]
    return tuple(np.linalg.solve(np.array(m), np.array(rhs)).tolist())


def test_henderson_method_one_against_a_plain_computation():
    x = crowd(150, 25, 6).astype(float) + np.random.default_rng(6).normal(0, 0.3, (150, 25))
    c = Cells.from_matrix(x)
    v = henderson1(c.unit, c.coder, c.value)
    su, sc, se = method1_by_hand(x)
    assert (v.unit, v.coder, v.error) == pytest.approx((su, sc, se), rel=1e-9)


@pytest.mark.parametrize("entry", [e for e in PSYCH["cases"] if "icc" in e], ids=lambda e: e["id"])
def test_method_one_on_complete_data_is_psych_anova(entry):
    """On complete data Method I's equations are the two-way ANOVA's: the ICCs, F, df and CIs of psych::ICC."""
    x = np.array(entry["ratings"], dtype=float)
    c = Cells.from_matrix(x)
    v = henderson1(c.unit, c.coder, c.value)
    # (psych's ANOVA ICCs use the mean squares as they are; Method I's ICCs count a negative component as 0)
    assert v.error == pytest.approx(v.error)
    if v.unit <= 0 or v.coder <= 0:
        pytest.skip("a negative variance component: the ICCs differ by design")
    _check_psych(icc_unbalanced(c), entry["icc"]["results"], TOL)


def test_method_one_near_reml_on_unbalanced_data():
    rng = np.random.default_rng(7)
    x = crowd(400, 30, 7).astype(float) + rng.normal(0, 0.5, (400, 30)) + rng.normal(0, 0.4, 30)[None, :]
    mixed = icc_all(x)
    one = icc_unbalanced(Cells.from_matrix(x))
    assert "REML" in mixed["icc2"].method and "Henderson" in one["icc2"].method
    for key in ("icc1", "icc2", "icc3"):
        assert one[key].value == pytest.approx(mixed[key].value, abs=0.03), key


def test_designs_beyond_the_reml_bound_use_method_one_from_the_cells(monkeypatch):
    x = crowd(200, 20, 8).astype(float)
    small = icc_cells(Cells.from_matrix(x))  # within the bound: the matrix path (REML), the same figures
    for key, c in icc_all(x).items():
        same(c, small[key], 1e-12)
    monkeypatch.setattr(reml, "MAX_WORK", 10.0)
    dense, sparse = icc_all(x), icc_cells(Cells.from_matrix(x))
    su, sc, se = method1_by_hand(x)
    want = max(su, 0) / (max(su, 0) + max(sc, 0) + se)
    for res in (dense, sparse):
        assert "Henderson's Method I" in res["icc2"].method and "REML not fitted" in res["icc2"].method
        assert res["icc2"].value == pytest.approx(want, rel=1e-9)
        assert res["icc2"].extra["complete_units"]["n_units"] == 0
    for key, c in dense.items():
        same(c, sparse[key], 1e-11)


def test_rating_pairs_and_profiles_from_cells():
    x = crowd(80, 15, 9)
    got, want = rating_pairs(Cells.from_matrix(x)), rating_pairs(x)
    for g, w in zip(got, want, strict=True):
        assert np.array_equal(g, w)
    for level in ("nominal", "interval"):
        r = item(x, level)
        for a, b in zip(profiles(r, used_only=True), profiles(r.as_sparse(), used_only=True), strict=True):
            assert a.coder == b.coder and a.n_rated == b.n_rated and a.distribution == b.distribution
            assert (a.mean is None) == (b.mean is None) and (a.mean is None or a.mean == pytest.approx(b.mean))
            assert (a.sd is None) == (b.sd is None) and (a.sd is None or a.sd == pytest.approx(b.sd))


def test_many_coders_diagnostics_from_cells_match_the_matrix():
    x = crowd(400, 80, 10)
    opts = Options()
    for level in ("nominal", "interval"):
        r = item(x, level)
        d_dense = diagnose(r, analyse(r, opts), opts).to_dict()
        d_sparse = diagnose(r.as_sparse(), analyse(r.as_sparse(), opts), opts).to_dict()
        assert d_dense["pair_summary"] == d_sparse["pair_summary"]
        assert [p["coders"] for p in d_dense["pairs"]] == [p["coders"] for p in d_sparse["pairs"]]
        for a, b in zip(d_dense["coder_profiles"], d_sparse["coder_profiles"], strict=True):
            assert a.keys() == b.keys()
            for k, v in a.items():
                assert v == (pytest.approx(b[k], rel=1e-12) if isinstance(v, float) else b[k]), k
        la, lb = d_dense["leave_one_out"], d_sparse["leave_one_out"]
        assert la["lowers_most"] == lb["lowers_most"] and la["without"].keys() == lb["without"].keys()
        for c, v in la["without"].items():
            assert v["value"] == pytest.approx(lb["without"][c]["value"], abs=1e-11), c


def _long_file(path: Path, x: np.ndarray) -> None:
    rows = ["unit;coder;score"]
    for i, j in zip(*np.nonzero(~np.isnan(x)), strict=True):
        rows.append(f"Sequenz {i};Kodierer {j};{int(x[i, j])}")
    path.write_text("\ufeff" + "\n".join(rows) + "\n", encoding="utf-8")


def test_check_and_compute_long_read_crowds_as_cells(tmp_path, monkeypatch):
    """A long file (German Excel CSV) read sparse and dense: the same JSON figures, no units x coders matrix."""
    from typer.testing import CliRunner

    from irrkit.cli.main import app

    x = crowd(300, 60, 11)
    _long_file(tmp_path / "lang.csv", x)
    (tmp_path / "cb.yaml").write_text("id: crowd\nunit_column: unit\ncoder_column: coder\nitems:\n  - id: score\n"
                                      "    level: ordinal\n    categories: [1, 2, 3, 4, 5]\n")
    runner = CliRunner()
    docs = {}
    for label, start in (("dense", 1 << 40), ("sparse", 1)):
        monkeypatch.setattr(ratings_mod, "SPARSE_FROM", start)
        out = {}
        for cmd in (["check", str(tmp_path / "lang.csv"), "-c", str(tmp_path / "cb.yaml"), "-f", "json"],
                    ["compute", str(tmp_path / "lang.csv"), "--long", "--value-col", "score", "--level", "ordinal",
                     "-f", "json"]):
            res = runner.invoke(app, cmd)
            assert res.exit_code in (0, 1), res.output
            out[cmd[0]] = json.loads(res.stdout)
        docs[label] = out
    for cmd in ("check", "compute"):
        a, b = docs["dense"][cmd]["items"][0], docs["sparse"][cmd]["items"][0]
        assert set(a["coefficients"]) == set(b["coefficients"])
        for key, c in a["coefficients"].items():
            for f in ("value", "se", "ci_low", "ci_high"):
                assert (c[f] is None) == (b["coefficients"][key][f] is None)
                if c[f] is not None:
                    assert c[f] == pytest.approx(b["coefficients"][key][f], abs=1e-10), (cmd, key, f)
    da, db = docs["dense"]["check"]["items"][0]["diagnostics"], docs["sparse"]["check"]["items"][0]["diagnostics"]
    assert da["pair_summary"] == db["pair_summary"]
    assert docs["dense"]["check"]["coder_counts"] == docs["sparse"]["check"]["coder_counts"]


def test_the_readers_keep_a_crowd_sparse(tmp_path, monkeypatch):
    from irrkit.codebooks.codebook import load_codebook
    from irrkit.readers import read_coder_files, read_compute_input

    monkeypatch.setattr(ratings_mod, "SPARSE_FROM", 1000)
    x = crowd(300, 60, 12)
    _long_file(tmp_path / "lang.csv", x)
    (tmp_path / "cb.yaml").write_text("id: crowd\nunit_column: unit\ncoder_column: coder\nitems:\n  - id: score\n"
                                      "    level: interval\n    scale: {min: 1, max: 5, step: 1}\n")
    data = read_coder_files([tmp_path / "lang.csv"], load_codebook(tmp_path / "cb.yaml"))
    r = data.items["score"]
    assert r.sparse and r.values is None and r.n_ratings == int((~np.isnan(x)).sum())
    r2 = read_compute_input(tmp_path / "lang.csv", long=True, value_col="score", level="interval")
    assert r2.sparse
    # the same cells as the matrix (units and coders in order of first appearance)
    m = r.dense()
    assert np.nansum(m) == np.nansum(x) and int((~np.isnan(m)).sum()) == r.n_ratings


def test_crowd_check_out_writes_every_table_and_says_what_it_leaves_out(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from irrkit.cli.main import app

    monkeypatch.setattr(ratings_mod, "SPARSE_FROM", 1)
    x = crowd(400, 80, 13)
    _long_file(tmp_path / "lang.csv", x)
    (tmp_path / "cb.yaml").write_text("id: crowd\nunit_column: unit\ncoder_column: coder\nitems:\n  - id: score\n"
                                      "    level: interval\n    scale: {min: 1, max: 5, step: 1}\n")
    res = CliRunner().invoke(app, ["check", str(tmp_path / "lang.csv"), "-c", str(tmp_path / "cb.yaml"),
                                   "--out", str(tmp_path / "out")])
    assert res.exit_code in (0, 1), res.output
    doc = json.loads((tmp_path / "out" / "results.json").read_text())
    notes = " ".join(doc["items"][0]["notes"])
    assert "disagreements.csv lists no units of this item" in notes
    assert "mean of all 80 coders" in notes  # ICC(k) forms: of all coders, not of a unit's few ratings
    assert (tmp_path / "out" / "disagreements.csv").read_text().lstrip("\ufeff").strip() == ""  # (BOM: as the input)
    coders = (tmp_path / "out" / "coders.csv").read_text().splitlines()
    assert len(coders) == 1 + 80  # every coder's profile
    # the terminal lists the 20 coders with the fewest ratings and one row for the others
    assert "60 more coders (--all lists them)" in res.stdout


def test_long_work_names_its_steps_for_the_progress_bar():
    """Options.step (the CLI's progress bar on a terminal, cli/options.progress_bar) hears each step as it starts."""
    x = crowd(200, 60, 14)
    seen: list[str] = []
    opts = Options(step=seen.append)
    analyse(item(x, "interval").as_sparse(), opts)
    assert seen == ["item 'it': chance-corrected coefficients", "item 'it': ICCs"]
    seen.clear()
    r = item(x, "nominal").as_sparse()
    diagnose(r, analyse(r, opts), opts)  # leave-one-out for the 5 worst of 60 coders: its analyses say nothing
    assert seen == ["item 'it': chance-corrected coefficients", "item 'it': leave-one-coder-out"]
