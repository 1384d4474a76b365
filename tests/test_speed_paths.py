"""The fast paths of issue 22 give what the careful paths give: named categories read from the bytes of a plain
file (readers.compute.coded_values) equal the tokenizer's reading, cell for cell, problems included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reader_fast_path import _both  # one helper: a read through the grid and the careful tokenizer

from irrkit.errors import InputError
from irrkit.readers import delimited
from irrkit.readers.compute import read_compute_input

CATEGORY_SETS = [["1", "2", "3", "4", "5"], ["a", "b", "Ä"], ["no", "maybe", "yes"], ["1", "2", "10", "x"]]
TOKENS = ["1", "2", "3", "5", "01", "1.0", "10", "a", "A", "b", "Ä", "ä", "no", "maybe", "YES", "x", "NA", "", ".",
          "-", "7", "zz"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(TOKENS), min_size=3, max_size=3), min_size=1, max_size=30),
       st.sampled_from(CATEGORY_SETS), st.sampled_from(["nominal", "ordinal"]), st.booleans())
def test_named_categories_fast_equals_careful(tmp_path_factory, monkeypatch, rows, cats, level, int_ids):
    tmp = tmp_path_factory.mktemp("c")
    lines = ["unit,c1,c2,c3"] + [",".join([str(i + 1) if int_ids else f"u{i}", *r]) for i, r in enumerate(rows)]
    p = tmp / "w.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast, careful = _both(monkeypatch, lambda: read_compute_input(p, categories=cats, level=level))
    assert fast[0] == careful[0]
    if fast[0] == "error":
        assert fast[1] == careful[1]
        return
    a, b = fast[1], careful[1]
    assert np.array_equal(a.values, b.values, equal_nan=True)
    assert (list(a.units), a.coders, a.categories, a.labels, a.warnings) == (
        list(b.units), b.coders, b.categories, b.labels, b.warnings)


def test_one_digit_codes_with_categories_read_back(tmp_path: Path, monkeypatch):
    """A 1..5 file with --categories 1,2,3,4,5 (the way people call it): the values are the codes as written,
    empty cells missing; a code outside the categories is reported with its line and column."""
    monkeypatch.setattr(delimited, "BIG_LINES", 0)
    monkeypatch.setattr(delimited, "GRID_LINES", 0)
    rng = np.random.default_rng(7)
    x = rng.integers(1, 6, (500, 4)).astype(float)
    x[rng.random(x.shape) < 0.1] = np.nan
    body = ["unit,a,b,c,d"] + [f"{i + 1}," + ",".join("" if np.isnan(v) else str(int(v)) for v in row)
                               for i, row in enumerate(x)]
    p = tmp_path / "w.csv"
    p.write_text("\n".join(body) + "\n")
    r = read_compute_input(p, categories=list("12345"))
    assert np.array_equal(r.values, x, equal_nan=True) and r.categories == (1, 2, 3, 4, 5)
    body[10] = "10,1,6,2,3"
    p.write_text("\n".join(body) + "\n")
    with pytest.raises(InputError) as e:
        read_compute_input(p, categories=list("12345"))
    assert any("w.csv:11: column 'b'" in str(q) and "'6'" in str(q) for q in e.value.problems)


def test_identity_weights_beyond_64_categories_build_no_q_by_q_matrix():
    """100,000 categories with identity weights: the pair statistics (percent agreement, Cohen's kappa, AC1) of two
    coders need no 100,000 x 100,000 matrix (74.5 GiB): little memory, and the figures of the textbook formulas
    computed here from the codes in use (AC1's chance agreement counts all q categories)."""
    import tracemalloc

    from irrkit.analysis.pairs import pair_statistics
    from irrkit.ratings import ItemRatings

    q = 100_000
    rng = np.random.default_rng(5)
    truth = rng.integers(0, q, 400)
    x = np.where(rng.random((400, 2)) < 0.6, truth[:, None], rng.integers(0, q, (400, 2))).astype(float)
    r = ItemRatings("c", "nominal", [str(i) for i in range(400)], ["a", "b"], x, tuple(range(q)))
    tracemalloc.start()
    got = pair_statistics(x[:, 0], x[:, 1], r)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 200 * 2**20, peak
    a, b = x[:, 0].astype(int), x[:, 1].astype(int)
    po = float(np.mean(a == b))
    used = np.unique(np.concatenate([a, b]))
    pa_k = np.array([np.mean(a == k) for k in used])
    pb_k = np.array([np.mean(b == k) for k in used])
    pe_cohen = float(pa_k @ pb_k)
    pi = (pa_k + pb_k) / 2
    pe_ac1 = float((pi * (1 - pi)).sum() / (q - 1))
    assert got["percent_agreement"].value == pytest.approx(po, abs=1e-12)
    assert got["cohen_kappa"].value == pytest.approx((po - pe_cohen) / (1 - pe_cohen), abs=1e-12)
    assert got["gwet_ac1"].value == pytest.approx((po - pe_ac1) / (1 - pe_ac1), abs=1e-12)


def test_identity_kernel_equals_identity_matrix_beyond_64_categories():
    """The identity kernel used beyond 64 categories gives the identity matrix's figures (to 1e-12)."""
    from irrkit.statistics import chance_corrected as cc
    from irrkit.statistics import counting
    from irrkit.statistics.weights import MatrixKernel

    q = 80
    rng = np.random.default_rng(9)
    codes = rng.integers(0, 12, (300, 4)).astype(np.int32)
    codes[rng.random(codes.shape) < 0.1] = -1
    counts = counting.count_table(codes, q)
    a_id, a_mat = cc.agreement(counts), cc.agreement(counts, MatrixKernel(np.eye(q)))
    for f in (cc.fleiss_kappa, cc.gwet_ac, cc.brennan_prediger, cc.krippendorff_alpha):
        x, y = f(a_id), f(a_mat)
        assert x.value == pytest.approx(y.value, abs=1e-12) and x.se == pytest.approx(y.se, abs=1e-12)
    x, y = cc.conger_kappa(codes, q), cc.conger_kappa(codes, q, np.eye(q))
    assert x.value == pytest.approx(y.value, abs=1e-12) and x.se == pytest.approx(y.se, abs=1e-12)


def _crowd(n_units: int, n_coders: int, per_unit: tuple[int, int], nominal: bool, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.full((n_units, n_coders), np.nan)
    for i in range(n_units):
        cs = rng.choice(n_coders, rng.integers(*per_unit), replace=False)
        truth = rng.integers(1, 4)
        x[i, cs] = np.where(rng.random(len(cs)) < 0.7, truth, rng.integers(1, 4, len(cs))) if nominal else \
            np.round(truth + rng.normal(0, 0.8, len(cs)), 1)
    return x


@pytest.mark.parametrize("nominal", [True, False])
def test_rating_pairs_and_coder_terms_equal_every_pair_counted_by_hand(nominal):
    from irrkit.analysis.diagnostics import coder_terms, rating_pairs

    x = _crowd(60, 12, (1, 8), nominal)
    want = {}
    per_coder = np.zeros(12)
    n_cmp = np.zeros(12, dtype=int)
    for row in x:
        rated = [g for g in range(12) if not np.isnan(row[g])]
        for i, g in enumerate(rated):
            for h in rated[i + 1:]:
                s = float(row[g] == row[h]) if nominal else abs(row[g] - row[h])
                want.setdefault((g, h), []).append(s)
                per_coder[[g, h]] += s
                n_cmp[[g, h]] += 1
    a, b, va, vb, drop = rating_pairs(x)
    assert not len(drop)
    got: dict = {}
    for g, h, p, q in zip(a.tolist(), b.tolist(), va.tolist(), vb.tolist(), strict=True):
        got.setdefault((g, h), []).append(float(p == q) if nominal else abs(p - q))
    assert {k: sorted(v) for k, v in got.items()} == {k: sorted(v) for k, v in want.items()}
    # with a budget of 0 every unit is left out and counted coder by coder: the same per-coder sums
    a, b, va, vb, drop = rating_pairs(x, budget=0)
    assert not len(a) and len(drop) == int((np.sum(~np.isnan(x), axis=1) >= 2).sum())
    tot, cmp_ = np.zeros(12), np.zeros(12, dtype=int)
    for u in range(len(x)):
        g, n_u, t_u = coder_terms(x[u], nominal)
        cmp_[g] += n_u
        tot[g] += t_u
    assert np.array_equal(cmp_, n_cmp) and np.allclose(tot, per_coder, rtol=0, atol=1e-9)


@pytest.mark.parametrize("nominal", [True, False])
def test_many_coders_summarised_pairs_agree_with_the_pair_statistics(nominal):
    """More than 50 coders: the listed pairs' statistic from the summary equals pair_statistics' value (percent
    agreement, mean absolute difference) of the same two coders; each coder's agreement with the others is the
    mean over its pairs of ratings."""
    from irrkit.analysis.diagnostics import LISTED_PAIRS, MIN_SHARED, diagnose
    from irrkit.analysis.item import Options, analyse
    from irrkit.analysis.pairs import pair_statistics
    from irrkit.ratings import ItemRatings

    x = _crowd(1500, 60, (3, 12), nominal, seed=3)
    level = "nominal" if nominal else "interval"
    cats = tuple(np.unique(x[~np.isnan(x)]).tolist())
    r = ItemRatings("y", level, [str(i) for i in range(len(x))], [f"c{g}" for g in range(60)], x, cats)
    res = analyse(r)
    d = diagnose(r, res, Options())
    s = d.pair_summary
    assert s is not None and s.n_coders == 60 and s.n_pairs_possible == 1770
    key = "percent_agreement" if nominal else "mean_abs_diff"
    assert s.statistic == key and d.statistics[0] == key and 0 < len(d.pairs) <= LISTED_PAIRS
    for p in d.pairs[:10]:
        ga, gb = r.coders.index(p.a), r.coders.index(p.b)
        st = pair_statistics(x[:, ga], x[:, gb], r, keys=(key,))[key]
        both = ~np.isnan(x[:, ga]) & ~np.isnan(x[:, gb])
        assert p.n_units == int(both.sum()) >= MIN_SHARED
        assert p.statistics[key].value == pytest.approx(st.value, abs=1e-12)
    g = 7
    diffs = []
    for row in x:
        if not np.isnan(row[g]):
            others = row[~np.isnan(row)]
            diffs += [float(row[g] == v) if nominal else abs(row[g] - v) for v in others]
            diffs.remove(1.0 if nominal else 0.0)  # itself
    assert s.with_others["c7"] == pytest.approx(np.mean(diffs), abs=1e-12)
    assert not d.matrix(key) and key in d.to_dict()["pair_summary"]["statistic"]
    assert any("coder pairs share units" in n for n in res.notes)
    full = diagnose(r, res, Options(all_pairs=True))
    assert full.pair_summary is None and len(full.pairs) == 1770


def test_check_of_a_long_crowd_file_summarises_and_pairs_all_lists(tmp_path: Path):
    """check of a long file with 60 coders: the JSON holds the pair summary and a few pairs; --pairs all every pair;
    one warning about the coders' absent units instead of one per coder."""
    import json

    from typer.testing import CliRunner

    from irrkit.cli.main import app

    x = _crowd(400, 60, (3, 9), True, seed=4)
    rows = ["unit,coder,code"] + [f"u{i},c{g},{int(x[i, g])}" for i in range(len(x)) for g in range(60)
                                  if not np.isnan(x[i, g])]
    (tmp_path / "long.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "cb.yaml").write_text("id: crowd\nunit_column: unit\ncoder_column: coder\nitems:\n  - id: code\n"
                                      "    level: nominal\n    categories: ['1', '2', '3']\n")
    run = CliRunner().invoke(app, ["check", str(tmp_path / "long.csv"), "-c", str(tmp_path / "cb.yaml"), "-f", "json"])
    assert run.exit_code == 0, run.output
    doc = json.loads(run.stdout)
    d = doc["items"][0]["diagnostics"]
    assert d["pair_summary"]["n_coders"] == 60 and len(d["pairs"]) <= 100 and d["matrix"]["n_units"] == []
    assert len(d["coders"]) == 60 and len(d["coder_profiles"]) == 60
    counts = doc["coder_counts"]
    assert all(c["n_absent_units"] >= len(c["absent_units"]) <= 8 for c in counts)
    assert sum("coders have no row for some" in w for w in doc.get("warnings", [])) <= 1
    run = CliRunner().invoke(app, ["check", str(tmp_path / "long.csv"), "-c", str(tmp_path / "cb.yaml"), "-f", "json",
                                   "--pairs", "all"])
    assert run.exit_code == 0
    assert len(json.loads(run.stdout)["items"][0]["diagnostics"]["pairs"]) == 1770
    run = CliRunner().invoke(app, ["check", str(tmp_path / "long.csv"), "-c", str(tmp_path / "cb.yaml"), "--pairs",
                                   "some"])
    assert run.exit_code == 2


def test_sparse_incidence_reml_equals_the_dense_design(monkeypatch):
    """A crowd design (each unit rated by 3-7 of 150 coders): the REML variance components through the sparse
    incidence (index lists) equal those through the dense pattern matrix to 1e-12 relative (the same sums in
    another order), and the Gram matrix is the same."""
    from irrkit.statistics import reml

    rng = np.random.default_rng(11)
    x = np.full((2500, 150), np.nan)
    for i in range(len(x)):
        cs = rng.choice(150, rng.integers(3, 8), replace=False)
        x[i, cs] = rng.normal() + 0.02 * cs + rng.normal(0, 0.7, len(cs))
    d = reml.design(x)
    assert d.sparse is not None
    w = rng.random(len(d.d_a))
    dense = reml.Design(*(getattr(d, f) for f in ("pat", "pid", "d_a", "d_b", "y_a", "y_b", "yy", "y1", "n_obs")))
    assert np.allclose(d.gram(w), dense.gram(w), rtol=1e-13, atol=0)
    v = rng.random(len(d.d_b))
    assert np.allclose(d.inc(v), dense.inc(v), rtol=1e-13) and np.allclose(d.inc_t(w), dense.inc_t(w), rtol=1e-13)
    a = reml.variance_components(x)
    monkeypatch.setattr(reml, "SPARSE_FROM", 1 << 62)
    assert reml.design(x).sparse is None
    b = reml.variance_components(x)
    for k in ("unit", "coder", "error"):
        assert a[k] == pytest.approx(b[k], rel=1e-12)


@pytest.mark.parametrize("delim,nl", [(",", "\n"), (";", "\r\n"), ("\t", "\n")])
def test_one_byte_columns_factorize_as_pandas(delim, nl):
    """Grid.factorize of one-byte columns (from the first-byte table) gives pandas.factorize of the cells' text:
    codes in order of first appearance, empty cells one value '' wherever they are (last column included)."""
    import pandas as pd

    from irrkit.readers.grid import plain_grid

    rng = np.random.default_rng(2)
    cells = rng.choice(["1", "2", "a", "", "Z", "9"], size=(300, 3))
    text = delim.join(["u", "x", "y"]) + nl + nl.join(delim.join([str(i), *r[1:]]) for i, r in enumerate(cells)) + nl
    _, g = plain_grid(text, delim)
    for j in (1, 2):
        codes, uniq = g.factorize(j)
        want_codes, want_uniq = pd.factorize(pd.Series(cells[:, j], dtype=object))
        assert codes.tolist() == want_codes.tolist() and list(uniq) == list(want_uniq)


def test_rising_integer_ids_factorize_as_pandas():
    """A unit column of rising whole numbers (leading zeros too) factorizes as pandas does: each cell new."""
    import pandas as pd

    from irrkit.readers.grid import plain_grid

    ids = [f"{i:03d}" if i % 7 == 0 else str(i) for i in range(1, 60_001)]
    text = "unit,x\n" + "".join(f"{u},1\n" for u in ids)
    _, g = plain_grid(text, ",")
    codes, uniq = g.factorize(0)
    want_codes, want_uniq = pd.factorize(pd.Series(ids, dtype=object))
    assert codes.tolist() == want_codes.tolist() and list(uniq) == list(want_uniq)
    text = "unit,x\n" + "".join(f"{u},1\n" for u in [*ids[:100], "5", *ids[100:]])  # not rising: the keys' path
    _, g = plain_grid(text, ",")
    codes, uniq = g.factorize(0)
    want_codes, want_uniq = pd.factorize(pd.Series([*ids[:100], "5", *ids[100:]], dtype=object))
    assert codes.tolist() == want_codes.tolist() and list(uniq) == list(want_uniq)
