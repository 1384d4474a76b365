"""Continuous columns are parsed in one pass: the same values, categories and errors as token by token."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from irrkit.readers.compute import read_compute_input
from irrkit.readers.values import numbers, parse_number

TRICKY = ["1", "-2.5", "1,5", "1e3", "1E-2", ".5", "5.", "+3", "1.2.3", "1e", "abc", "inf", "nan", "1_0", "1,000",
          "1,0,0", "1e400", "", "-", "--1", "+-1", "0x10", "١٢", "1 2", "e5", "−1", "1,5e2", "00012", "-0"]


def test_numbers_equal_parse_number_on_tricky_tokens():
    got = numbers(np.array(TRICKY))
    for t, g in zip(TRICKY, got, strict=True):
        want = parse_number(t)
        assert (math.isnan(g) and want is None) or g == want, t


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=False, width=64).map(repr), st.text("0123456789.,eE+-", max_size=6)),
                min_size=1, max_size=80))
def test_numbers_equal_parse_number(tokens):
    got = numbers(np.array(tokens, dtype=str))
    for t, g in zip(tokens, got, strict=True):
        want = parse_number(t)
        assert (math.isnan(g) and want is None) or g == want, t


def test_continuous_wide_file_values_read_back(tmp_path):
    rng = np.random.default_rng(0)
    x = np.round(rng.normal(size=(400, 3)) * 10, 4)  # decimal commas in a ';' file, more than 1000 values
    rows = ["unit;a;b;c"] + [f"u{i};" + ";".join(f"{v:.4f}".replace(".", ",") if (i + j) % 7 == 0 else repr(float(v))
                                                 for j, v in enumerate(row)) for i, row in enumerate(x)]
    rows[5] = "u4;NA;1.5;2"
    (tmp_path / "w.csv").write_text("\n".join(rows) + "\n")
    r = read_compute_input(tmp_path / "w.csv", level="interval")
    want = x.copy()
    want[4] = [np.nan, 1.5, 2]
    assert np.array_equal(r.values, want, equal_nan=True)
    assert r.categories == tuple(np.unique(want[~np.isnan(want)]).tolist())
    assert r.labels == ()  # more than 1000 distinct values (labels are shown by value)
