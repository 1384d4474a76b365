"""The fast paths of ``irrkit compute`` give what the straightforward ones give: unit ids read 8 bytes at a time
are int() of their text, the lazy unit ids are the list of those strings, and the ratings, units and warnings of
read_compute_input are the careful reader's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_per_category_fast import random_counts  # shared random tables

from irrkit.errors import InputError
from irrkit.ratings import IntegerIds
from irrkit.readers import delimited
from irrkit.readers.compute import read_compute_input
from irrkit.readers.grid import plain_grid
from irrkit.statistics import counting
from irrkit.statistics.interpret import SCALES

DIGIT_CELLS = st.text("0123456789", min_size=1, max_size=18)
ODD_CELLS = st.sampled_from(["x", "1a", "/", ":", "ü1", "-1", "+1", "1.0", "١", "1e3", "NA", "0x1", "1_0"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(DIGIT_CELLS, DIGIT_CELLS, DIGIT_CELLS, ODD_CELLS), min_size=1, max_size=40),
       st.sampled_from(["u", "unit,a_long_header_name"]), st.booleans())
def test_digits_is_int_of_the_text(cells, header, crlf):
    # a short header: the first cells end within 16 bytes of the start (read as Python ints)
    nl = "\r\n" if crlf else "\n"
    extra = header.count(",")
    text = header + nl + "".join(c + ",1" * extra + nl for c in cells)
    got = plain_grid(text, ",")
    assert got is not None
    values = got[1].digits(0)
    if all(c.isascii() and c.isdigit() and len(c) <= 16 for c in cells):
        assert values is not None and values.dtype == np.int64 and values.tolist() == [int(c) for c in cells]
    else:
        assert values is None


@given(st.lists(st.integers(0, 10**16 - 1), max_size=30))
def test_integer_ids_are_the_list_of_their_strings(ids):
    strings = [str(i) for i in ids]
    u = IntegerIds(np.array(ids, dtype=np.int64))
    assert len(u) == len(strings) and list(u) == strings and u == strings and strings == u
    assert u == IntegerIds(np.array(ids, dtype=np.int64)) and u != [*strings, "x"] and u != "1"
    assert [u[i] for i in range(len(u))] == strings and u[1:4] == strings[1:4] and u[::-1] == strings[::-1]
    if ids:
        assert u[-1] == strings[-1] and strings[0] in u and u.index(strings[0]) == strings.index(strings[0])


def _both(monkeypatch: pytest.MonkeyPatch, path: Path):
    out = []
    for limit in (0, 10**12):  # through the grid, then through the careful tokenizer
        monkeypatch.setattr(delimited, "BIG_LINES", limit)
        monkeypatch.setattr(delimited, "GRID_LINES", limit)
        try:
            out.append(("ok", read_compute_input(path)))
        except InputError as e:
            out.append(("error", [str(p) for p in e.problems]))
    return out


@settings(max_examples=120, deadline=None)
@given(ids=st.one_of(st.lists(st.integers(0, 10**15), min_size=1, max_size=30, unique=True).map(sorted),
                     st.lists(st.integers(0, 40), min_size=1, max_size=30)),
       odd=st.sampled_from(["", "007", "-3", "u7", "1.0"]), k=st.integers(1, 4), seed=st.integers(0, 1000),
       odd_code=st.sampled_from([None, "x", ".", "NA", "10", "-1", "1.5", "ü", "+"]), delim=st.sampled_from(",;\t"))
def test_wide_file_with_integer_ids_reads_as_the_careful_reader(tmp_path_factory, ids, odd, k, seed, odd_code,
                                                                delim):
    # one-digit codes and empty cells (read from their bytes), or another token in one column
    monkeypatch = pytest.MonkeyPatch()
    rng = np.random.default_rng(seed)
    cells = [str(i) for i in ids]
    if odd and rng.random() < 0.5:
        cells[int(rng.integers(len(cells)))] = odd
    codes = rng.integers(0, 10, size=(len(cells), k)).astype(str).astype(object)
    codes[rng.random(codes.shape) < 0.3] = ""
    if odd_code is not None:
        codes[int(rng.integers(len(cells))), int(rng.integers(k))] = odd_code
    header = delim.join(["unit_id_column", *(f"coder_{j}" for j in range(k))])
    text = header + "\n" + "".join(delim.join([u, *row]) + "\n" for u, row in zip(cells, codes.tolist()))
    path = tmp_path_factory.mktemp("ids") / "wide.csv"
    path.write_text(text)
    try:
        fast, careful = _both(monkeypatch, path)
    finally:
        monkeypatch.undo()
    assert fast[0] == careful[0]
    if fast[0] == "error":
        assert fast[1] == careful[1]
        return
    a, b = fast[1], careful[1]
    assert list(a.units) == list(b.units) == cells and a.units == b.units
    assert a.coders == b.coders and a.warnings == b.warnings and a.categories == b.categories
    assert a.labels == b.labels and all(type(c) is float for c in a.categories)
    assert np.array_equal(a.values, b.values, equal_nan=True)


@settings(max_examples=150, deadline=None)
@given(n=st.integers(0, 300), k=st.integers(1, 7), q=st.integers(1, 6), missing=st.sampled_from([0.0, 0.2, 0.6, 1.0]),
       seed=st.integers(0, 10_000), odd=st.sampled_from([None, 0.5, -1.0, np.nan, 2.0**21, 40.0]))
def test_category_pairs_are_each_categorys_distinct_pairs(n, k, q, missing, seed, odd):
    from irrkit.analysis import item
    from irrkit.statistics import counting

    rng = np.random.default_rng(seed)
    x = rng.integers(1, q + 1, size=(n, k)).astype(float)
    x[rng.random((n, k)) < missing] = np.nan
    counts = counting.count_table(counting.category_index(x, list(range(1, q + 1))), q)
    if odd is not None and n:
        counts[int(rng.integers(n)), int(rng.integers(q))] = odd
    total = np.einsum("ij->i", counts)
    got = item._category_pairs(counts, total)
    want = []
    for c in range(q):
        two = np.column_stack([counts[:, c], total - counts[:, c]])
        want.append(item._distinct_pairs(two))
    if got is None:  # the per-category path: allowed only when the whole table does not qualify
        assert odd is not None or not n or any(w is None for w in want) or n * q * 4 + 4096 < (k + 1) ** 2 * q
        return
    for (rows, freq), w in zip(got, want, strict=True):
        assert w is not None and rows.tolist() == w[0].tolist() and freq.tolist() == w[1].tolist()
        assert rows.dtype == w[0].dtype and freq.dtype == w[1].dtype


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 200), k=st.integers(2, 7), q=st.integers(2, 6), missing=st.sampled_from([0.0, 0.3, 0.7]),
       seed=st.integers(0, 10_000))
def test_per_category_is_the_category_by_category_result(n, k, q, missing, seed):
    from irrkit.analysis import item

    counts, labels = random_counts(n, k, q, missing, seed)
    fast = item.per_category(counts, labels)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(item, "_category_pairs", lambda counts, total, freq=None: None)
        slow = item.per_category(counts, labels)
    assert {lab: {key: c.to_dict() for key, c in d.items()} for lab, d in fast.items()} == \
        {lab: {key: c.to_dict() for key, c in d.items()} for lab, d in slow.items()}


@settings(max_examples=200, deadline=None)
@given(n=st.integers(0, 60), k=st.integers(0, 5), missing=st.sampled_from([0.0, 0.5, 0.8, 0.95, 1.0]),
       seed=st.integers(0, 10_000), integer_ids=st.booleans())
def test_coverage_warnings_are_those_of_the_whole_matrix(n, k, missing, seed, integer_ids):
    from irrkit.readers.compute import _coverage_warnings
    from irrkit.readers.coverage import coverage_warnings

    rng = np.random.default_rng(seed)
    m = rng.integers(1, 4, size=(n, k)).astype(float)
    m[rng.random((n, k)) < missing] = np.nan
    if k and n and rng.random() < 0.3:
        m[:, int(rng.integers(k))] = np.nan  # a coder who rated no unit
    ids = np.arange(n, dtype=np.int64) * 7 + 1
    units = IntegerIds(ids) if integer_ids else [f"u{i}" for i in ids.tolist()]
    coders = [f"c{j}" for j in range(k)]
    assert _coverage_warnings(m, units, coders) == coverage_warnings(m, "ratings", list(units), coders)


def _flat(d, path=()):
    """(path, leaf) of a nested result dict, leaves in order."""
    if isinstance(d, dict):
        for k, v in d.items():
            yield from _flat(v, (*path, k))
    elif isinstance(d, list):
        for i, v in enumerate(d):
            yield from _flat(v, (*path, i))
    else:
        yield path, d


def _analyse_both(r, opts=None):
    from irrkit.analysis import item

    out, used = [], []
    distinct_rows = counting.distinct_rows

    def spy(codes, q):  # (distinct rows however many there are: the path is taken whenever the keys fit)
        got = distinct_rows(codes, q, most=1.0)
        used.append(got is not None)
        return got

    for limit in (0, 10**12):  # distinct rows, then the full table
        with pytest.MonkeyPatch.context() as m:
            m.setattr(item, "DISTINCT_MIN_UNITS", limit)
            m.setattr(counting, "distinct_rows", spy)
            res = item.analyse(r, opts)
            out.append(res.to_dict(opts))
    return out, any(used)


EDGES = {0.0} | {u for bands in SCALES.values() for u, _ in bands}


def _same_figures(fast, full):
    # (the benchmark bands of a coefficient whose SE is 0 in one and 1e-17 in the other: not compared)
    a = [(p, x) for p, x in _flat(fast) if "interpretation" not in p]
    b = [(p, x) for p, x in _flat(full) if "interpretation" not in p]
    assert [p for p, _ in a] == [p for p, _ in b]
    for (path, x), (_, y) in zip(a, b, strict=True):
        if isinstance(x, float) and isinstance(y, float) and not (np.isnan(x) and np.isnan(y)):
            # the same sums in another order (whole-number sums exact): last bits, amplified by 1 / (1 - pe)
            assert abs(x - y) <= 1e-9 * max(abs(x), abs(y)) + 1e-12, (path, x, y)
        else:
            assert x == y or (isinstance(x, float) and np.isnan(x) and np.isnan(y)), (path, x, y)
    for key, c in fast["coefficients"].items():
        d = full["coefficients"][key]
        # (nor those of a value on a band boundary, e.g. kappa 0 in one and -1e-17 in the other)
        on_edge = c["value"] is not None and any(abs(c["value"] - u) <= 1e-12 for u in EDGES)
        if (c["se"] or 0) > 1e-9 and (d["se"] or 0) > 1e-9 and not on_edge:
            assert c["interpretation"]["label"] == d["interpretation"]["label"]


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 400), k=st.integers(1, 6), q=st.integers(1, 6),
       missing=st.sampled_from([0.0, 0.2, 0.6, 0.95]), seed=st.integers(0, 10_000), agree=st.floats(0, 1))
def test_distinct_rows_give_the_full_tables_figures(n, k, q, missing, seed, agree):
    from irrkit.ratings import ItemRatings

    rng = np.random.default_rng(seed)
    truth = rng.integers(1, q + 1, n)
    x = np.where(rng.random((n, k)) < agree, truth[:, None], rng.integers(1, q + 1, (n, k))).astype(float)
    x[rng.random((n, k)) < missing] = np.nan
    r = ItemRatings("ratings", "nominal", [f"u{i}" for i in range(n)], [f"c{j}" for j in range(k)], x,
                    tuple(float(c) for c in range(1, q + 1)))
    (fast, full), _ = _analyse_both(r)
    _same_figures(fast, full)


@pytest.mark.parametrize("n, k, q, missing", [(3000, 4, 3, 0.1), (25_000, 6, 5, 0.1), (500, 2, 4, 0.3)])
def test_distinct_rows_of_many_units(n, k, q, missing):
    from irrkit.ratings import ItemRatings

    rng = np.random.default_rng(n)
    truth = rng.integers(1, q + 1, n)
    x = np.where(rng.random((n, k)) < 0.6, truth[:, None], rng.integers(1, q + 1, (n, k))).astype(float)
    x[rng.random((n, k)) < missing] = np.nan
    r = ItemRatings("ratings", "nominal", [], [f"c{j}" for j in range(k)], x, tuple(float(c) for c in range(1, q + 1)))
    (fast, full), used = _analyse_both(r)
    assert used
    _same_figures(fast, full)


def test_benchmark_of_a_value_beyond_one_by_rounding():
    from irrkit.statistics import interpret

    chosen, cum = interpret.probabilistic_benchmark(1.0000000000000004, 4.6e-17)
    assert chosen == "Almost perfect" and [p for _, p in cum] == [1.0] * 6
    assert interpret.probabilistic_benchmark(1.0, 4.6e-17) == (chosen, cum)


def test_distinct_rows_are_each_pattern_with_its_count():

    codes = np.array([[0, -1, 2], [1, 1, 1], [0, -1, 2], [-1, -1, -1], [0, -1, 2]], dtype=np.int32)
    rows, freq = counting.distinct_rows(codes, 3, most=1)
    pattern = {tuple(r): f for r, f in zip(rows.tolist(), freq.tolist(), strict=True)}
    assert pattern == {(0, -1, 2): 3.0, (1, 1, 1): 1.0, (-1, -1, -1): 1.0} and rows.dtype == codes.dtype
    assert counting.distinct_rows(codes, 3) is None  # more than half as many patterns as rows: the full table


def test_alpha_chance_agreement_of_distinct_rows_is_the_exact_fraction():
    # the full table's pi sums r_ik / rbar unit by unit (rounding at each step); the distinct rows' sums are of
    # whole numbers: with many units the figure moves towards the exact value, not away
    from fractions import Fraction

    from irrkit.analysis import item
    from irrkit.ratings import ItemRatings

    rng = np.random.default_rng(5)
    n, k, q = 200_000, 5, 4
    x = rng.integers(1, q + 1, (n, k)).astype(float)
    x[rng.random((n, k)) < 0.3] = np.nan
    r = ItemRatings("ratings", "nominal", [], [f"c{j}" for j in range(k)], x, tuple(float(c) for c in range(1, 5)))
    tab = counting.count_table(counting.category_index(x, list(r.categories)), q)
    col = tab[tab.sum(axis=1) >= 2].sum(axis=0).astype(np.int64).tolist()
    exact = float(sum(Fraction(c, sum(col)) ** 2 for c in col))
    fast = item.analyse(r).coefficients["krippendorff_alpha"].pe
    assert abs(fast - exact) <= 4e-16


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 5).flatmap(lambda k: st.lists(st.lists(st.sampled_from(["", "", "1", "7", "x", "10", "ab",
                                                                              "ü"]), min_size=k, max_size=k),
                                                    min_size=1, max_size=30)),
       st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_first_bytes_are_the_cells_bytes(rows, nl, end):
    k = len(rows[0])
    text = ",".join(f"h{j}" for j in range(k)) + nl + nl.join(",".join(r) for r in rows) + (nl if end else "")
    got = plain_grid(text, ",")
    if got is None:  # (a row of empty cells only is a blank line)
        return
    grid = got[1]
    for j in range(k):
        s, e = grid.span(j)
        one = grid.first_bytes(j)
        if int((e - s).max(initial=0)) > 1:
            assert one is None
        else:
            assert one is not None and one.tolist() == grid.buf[s].tolist()
            cells = grid.texts(j).tolist()
            assert [chr(b) if c else "" for b, c in zip(one.tolist(), cells, strict=True)] == cells
            assert all(b in (44, 10, 13, 0) for b, c in zip(one.tolist(), cells, strict=True) if not c)
