"""The fast paths of issue 22 give what the careful paths give: named categories read from the bytes of a plain
file (readers.compute.coded_values) equal the tokenizer's reading, cell for cell, problems included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from irrkit.errors import InputError
from irrkit.readers import delimited
from irrkit.readers.compute import read_compute_input


def _both(monkeypatch: pytest.MonkeyPatch, read):
    out = []
    for limit in (0, 10**12):  # 0: every file through the grid; 10**12: through the careful tokenizer
        monkeypatch.setattr(delimited, "BIG_LINES", limit)
        try:
            out.append(("ok", read()))
        except InputError as e:
            out.append(("error", [str(p) for p in e.problems]))
    return out


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
