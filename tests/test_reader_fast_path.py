"""The byte-offset reader of big plain files (readers.grid) gives what the careful readers give: the same table,
the same values and missing cells, the same problems at the same places; numbers read without strings equal
parse_number of their text."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from irrkit.codebooks.codebook import parse_codebook
from irrkit.errors import InputError
from irrkit.readers import delimited
from irrkit.readers.compute import read_compute_input
from irrkit.readers.grid import plain_grid
from irrkit.readers.records import read_coder_files
from irrkit.readers.values import parse_number

SIMPLE = re.compile(r"[+-]?[0-9]*[.,]?[0-9]*")  # what Grid.numbers reads itself (1 to 15 digits)
CELLS = ["1", "2", "5", "10", "010", "-0", "+3", "1.5", "1,5", ".5", "5.", "-2.25", "1e3", "NA", "na", ".", "-",
         "", "", "abc", "Müller", "ä", "1.2.3", "--1", "9007199254740993", "123456789012345", "0.1234567890123456",
         "x y", "1_0", "١", "inf", "nan"]


def _grid_table(text: str, delim: str):
    return delimited._parse_grid(text, "f.csv", delim, 0)


def _same_tables(a, b) -> None:
    assert a.header == b.header
    assert np.array_equal(a.lines, b.lines)
    assert len(a.cells) == len(b.cells)
    for x, y in zip(a.cells, b.cells, strict=True):
        assert x.dtype == object and x.tolist() == list(y)


rows_st = st.integers(1, 4).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.lists(st.sampled_from(CELLS), min_size=n, max_size=n), min_size=0, max_size=30)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows_st, st.sampled_from([",", ";", "\t"]), st.sampled_from(["\n", "\r\n"]), st.booleans(), st.booleans())
def test_grid_table_equals_both_tokenizers(shape, delim, nl, end, blank_lines):
    n, body = shape
    header = [f"h{j}" if j else "unit" for j in range(n)]
    lines = [delim.join(header)]
    for i, r in enumerate(body):
        cells = [c for c in r if delim not in c]
        if len(cells) != n:
            continue
        lines.append(delim.join(cells))
        if blank_lines and i % 5 == 2:
            lines.append("")
    text = nl.join(lines) + (nl if end else "")
    g = _grid_table(text, delim)
    if not delimited._is_plain(text, delim):
        assert g is None
        return
    assert g is not None
    _same_tables(g, delimited._parse_slow(text, "f.csv", delim, 0))
    if len(lines) >= 2:
        fast = delimited._parse_fast(text, "f.csv", delim, 0)
        if fast is not None:
            _same_tables(g, fast)


def test_irregular_files_are_left_to_the_tokenizers():
    for text in ["a,b\n1,2\n3\n", "a,b\n1,2,3\n4,5\n", 'a,b\n"1",2\n', "a,b\n1, 2\n", "\na,b\n1,2\n",
                 "a,b\n1,2\r3,4\n", "a,b\n1,2\n \n"]:
        assert _grid_table(text, ",") is None, text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(CELLS), st.text("0123456789.,+-eE", max_size=18),
                          st.floats(allow_nan=False, allow_infinity=False).map(repr),
                          st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str)),
                min_size=1, max_size=40))
def test_numbers_equal_parse_number_of_the_text(tokens):
    tokens = [t for t in tokens if ";" not in t and "\n" not in t and t.strip() == t]
    text = "unit;v\n" + "".join(f"u{i};{t}\n" for i, t in enumerate(tokens))
    got = plain_grid(text, ";")
    assert got is not None
    _, grid = got
    kept = [t for t in tokens]  # rows with an empty value are kept: the unit is not blank
    values, odd = grid.numbers(1)
    assert len(values) == len(kept)
    for t, v, o in zip(kept, values, odd, strict=True):
        digits = sum(c.isdigit() for c in t)
        simple = SIMPLE.fullmatch(t) is not None and 1 <= digits <= 15 and len(t) <= 17
        assert o == (not simple), t
        if not o:
            want = parse_number(t)
            assert want is not None and v == want and math.copysign(1, v) == math.copysign(1, want), t
        else:
            assert math.isnan(v)


def _both(monkeypatch: pytest.MonkeyPatch, read):
    """(result or problems) of ``read()`` through the grid and through the careful tokenizer."""
    out = []
    for limit in (0, 10**12):
        monkeypatch.setattr(delimited, "BIG_LINES", limit)
        monkeypatch.setattr(delimited, "GRID_LINES", limit)
        try:
            out.append(("ok", read()))
        except InputError as e:
            out.append(("error", [str(p) for p in e.problems]))
    return out


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


tokens_st = st.lists(st.sampled_from(["1", "2", "3", "4.5", "-1", "1,5", "", "NA", ".", "1e1", "x", "010", "+2"]),
                     min_size=2, max_size=12)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(tokens_st, min_size=1, max_size=25), st.sampled_from(["nominal", "ordinal", "interval"]),
       st.sampled_from([",", ";"]), st.booleans())
def test_compute_input_fast_equals_careful(tmp_path_factory, monkeypatch, rows, level, delim, dup):
    tmp = tmp_path_factory.mktemp("c")
    k = min(len(r) for r in rows)
    units = [f"u{i}" for i in range(len(rows))]
    if dup and len(units) > 2:
        units[-1] = units[0]
    lines = [delim.join(["unit", *(f"c{j}" for j in range(k))])]
    for u, r in zip(units, rows, strict=True):
        cells = [c if delim == ";" or "," not in c else c.replace(",", ".") for c in r[:k]]
        lines.append(delim.join([u, *cells]))
    p = _write(tmp, "w.csv", "\n".join(lines) + "\n")
    fast, careful = _both(monkeypatch, lambda: read_compute_input(p, level=level))
    assert fast[0] == careful[0]
    if fast[0] == "error":
        assert fast[1] == careful[1]
        return
    a, b = fast[1], careful[1]
    assert np.array_equal(a.values, b.values, equal_nan=True)
    assert (a.units, a.coders, a.categories, a.labels, a.warnings) == (b.units, b.coders, b.categories, b.labels,
                                                                      b.warnings)


def test_continuous_decimal_comma_values_read_back(tmp_path, monkeypatch):
    monkeypatch.setattr(delimited, "BIG_LINES", 0)
    monkeypatch.setattr(delimited, "GRID_LINES", 0)
    rng = np.random.default_rng(3)
    x = np.round(rng.normal(size=(300, 4)) * 100, 4)
    x[rng.random(x.shape) < 0.1] = np.nan
    body = ["\ufeffunit;a;b;c;d"] + [f"{i + 1};" + ";".join("" if np.isnan(v) else f"{v:.4f}".replace(".", ",")
                                                            for v in row) for i, row in enumerate(x)]
    p = _write(tmp_path, "w.csv", "\r\n".join(body) + "\r\n")
    r = read_compute_input(p, level="interval")
    assert delimited.read_table(p).grid is not None
    assert np.array_equal(r.values, x, equal_nan=True)
    assert r.units == [str(i + 1) for i in range(300)] and r.coders == ["a", "b", "c", "d"]


def test_compute_bad_input_same_places(tmp_path, monkeypatch):
    rows = ["unit,a,b"] + [f"u{i},{i % 3},{(i + 1) % 3}" for i in range(20)]
    rows[4] = "u3,1,2"  # unit u3 twice
    rows[7] = ",1,2"  # empty unit id
    rows[9] = "u8,abc,2"  # text at level interval
    p = _write(tmp_path, "bad.csv", "\n".join(rows) + "\n")
    fast, careful = _both(monkeypatch, lambda: read_compute_input(p, level="interval"))
    assert fast == careful and fast[0] == "error"
    assert any("bad.csv:10: column 'a'" in m and "'abc'" in m for m in fast[1]), fast[1]


CB = """id: t
unit_column: unit
items:
  - id: code
    level: nominal
    categories: [{cats}]
  - id: score
    level: interval
    scale: {{min: 0, max: 10, step: 0.5}}
"""


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["1", "2", "010", "10", "x", "Ä", "NA", "", "2.0", " 3"]),
                          st.sampled_from(["0", "1.5", "10", "2,5", "11", "0.25", "", "-"])), min_size=1, max_size=20),
       st.sampled_from(["1, 2, '010', 'Ä'", "'1', '2', '3'"]))
def test_coder_files_fast_equal_careful(tmp_path_factory, monkeypatch, rows, cats):
    tmp = tmp_path_factory.mktemp("r")
    cb = parse_codebook(CB.format(cats=cats))
    paths = []
    for coder in ("anna", "ben"):
        text = "unit;code;score\n" + "".join(f"u{i};{c};{s}\n" for i, (c, s) in enumerate(rows))
        paths.append(_write(tmp, f"{coder}.csv", text))
    fast, careful = _both(monkeypatch, lambda: read_coder_files(paths, cb))
    assert fast[0] == careful[0]
    if fast[0] == "error":
        assert fast[1] == careful[1]
        return
    a, b = fast[1], careful[1]
    assert a.records.equals(b.records)
    for k in a.items:
        assert np.array_equal(a.items[k].values, b.items[k].values, equal_nan=True)
    assert a.warnings == b.warnings and a.units == b.units and a.coders == b.coders


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["u1", "u2", "u3", "", "ü", "u10"]), max_size=8), min_size=1, max_size=5),
       st.booleans())
def test_factorize_chunks_equals_factorize_of_the_concatenation(chunks, repeat):
    import pandas as pd

    from irrkit.readers.records import factorize_parts

    arrays = [np.array(c, dtype=object) for c in chunks]
    if repeat:
        arrays = arrays + [arrays[0].copy()]
    parts, uniq = factorize_parts(arrays)
    codes = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
    want_codes, want_uniq = pd.factorize(np.concatenate(arrays))
    assert codes.tolist() == want_codes.tolist() and list(uniq) == list(want_uniq)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["", "a", "b", "ab", "u1", "u10", "ü", "Müller-Lüdenscheidt", "x" * 9, "x" * 8,
                                 "x" * 17, "1", "01"]), min_size=1, max_size=30), st.booleans())
def test_grid_factorize_equals_pandas_factorize(cells, numpy_only):
    import sys

    import pandas as pd

    text = "unit,v\n" + "".join(f"u{i},{c}\n" for i, c in enumerate(cells))
    _, grid = plain_grid(text, ",")
    saved = sys.modules.pop("pandas") if numpy_only else None
    try:
        codes, distinct = grid.factorize(1)
    finally:
        if saved is not None:
            sys.modules["pandas"] = saved
    want_codes, want = pd.factorize(np.array(cells, dtype=object))
    assert codes.tolist() == want_codes.tolist() and distinct.tolist() == list(want)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.integers(-5, 40).map(float), st.sampled_from([0.0, -0.0, 0.5, 1e15, -3.25, 2.0**52])),
                max_size=50))
def test_sorted_distinct_equals_np_unique(values):
    from irrkit.readers.compute import sorted_distinct

    v = np.array(values, dtype=float)
    got, want = sorted_distinct(v), np.unique(v)
    assert got.tolist() == want.tolist() and np.array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("ids", [["1", "2", "3", "10"], ["3", "1", "2", "1"], ["01", "2", "3", "4"],
                                 ["+1", "2", "3", "4"], ["1.0", "2", "3", "4"], ["0", "7", "9", "100000000000000"],
                                 ["-0", "1", "2", "3"], ["1", "1e1", "2", "3"]])
def test_integer_unit_ids_are_read_as_written(tmp_path, monkeypatch, ids):
    text = "unit,a,b\n" + "".join(f"{u},{i % 3},{(i + 1) % 3}\n" for i, u in enumerate(ids))
    p = _write(tmp_path, "ids.csv", text)
    fast, careful = _both(monkeypatch, lambda: read_compute_input(p))
    assert fast[0] == careful[0]
    if fast[0] == "ok":
        assert fast[1].units == careful[1].units == ids
        assert np.array_equal(fast[1].values, careful[1].values, equal_nan=True)
    else:
        assert fast[1] == careful[1]


def test_records_frame_equals_one_built_row_by_row(tmp_path, monkeypatch):
    import pandas as pd

    monkeypatch.setattr(delimited, "BIG_LINES", 0)

    monkeypatch.setattr(delimited, "GRID_LINES", 0)
    cb = parse_codebook(CB.format(cats="1, 2, '010', 'Ä'"))
    rows = {"anna": [("u1", "1", "0"), ("u2", "Ä", "1.5"), ("u3", "", "")],
            "ben": [("u2", "010", "2,5"), ("u1", "2", "10"), ("u4", "1", "0")]}
    paths = [_write(tmp_path, f"{c}.csv", "unit;code;score;note\n" + "".join(f"{u};{a};{b};n{u}\n" for u, a, b in r))
             for c, r in rows.items()]
    rs = read_coder_files(paths, cb)
    want = []
    for item in ("code", "score"):
        for p, (coder, r) in zip(paths, rows.items(), strict=True):
            for line, (u, _, _) in enumerate(r, start=2):
                want.append({"unit": u, "coder": coder, "item": item, "file": str(p), "line": line, "note": f"n{u}"})
    got = rs.records
    for col in ("unit", "coder", "item", "file", "line", "note"):
        assert got[col].tolist() == [w[col] for w in want], col
    ref = pd.DataFrame({k: [w[k] for w in want] for k in ("unit", "coder", "item", "file", "line")})
    for col in ref:
        assert got[col].dtype == ref[col].dtype, col
    assert list(got.index) == list(range(len(want)))
    one = parse_codebook("id: t\nunit_column: unit\nitems:\n  - id: code\n    level: nominal\n"
                         "    categories: [1, 2, '010', 'Ä']\n")
    single = read_coder_files(paths, one).records
    pd.testing.assert_frame_equal(single.drop(columns="score"), got[got["item"] == "code"].reset_index(drop=True))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from([0.0, 1.0, 2.0, 5.0, 0.25, -1.0, 3e9, 1e300]), max_size=12),
                min_size=1, max_size=4))
def test_distinct_of_columns_equals_np_unique_of_all(columns):
    from irrkit.readers.compute import _distinct_of_columns

    parts = [np.array(c, dtype=float) for c in columns]
    got, want = _distinct_of_columns(parts), np.unique(np.concatenate(parts))
    assert got.tolist() == want.tolist()


@pytest.mark.parametrize("order", ["negative first", "positive first"])
def test_a_negative_zero_is_zero_on_every_path(tmp_path, monkeypatch, order):
    """German Excel writes a small negative number rounded as '-0,00': it is the number 0, on the grid and on the
    careful path alike, whichever of '-0,00' and '0,00' comes first (the category is '0', never '-0')."""
    zeros = ["-0,00", "0,00"] if order == "negative first" else ["0,00", "-0,00"]
    rows = [f"{i};{zeros[i % 2]};{(i % 7) / 4:.2f}".replace(".", ",") for i in range(40)]
    rows += [f"{40 + i};-1,25;{zeros[(i + 1) % 2]}" for i in range(10)]
    p = _write(tmp_path, "de.csv", "unit;anna;jörg\r\n" + "\r\n".join(rows) + "\r\n", encoding="utf-8-sig")
    for kind, r in _both(monkeypatch, lambda: read_compute_input(p, level="interval")):
        assert kind == "ok"
        v = r.values[~np.isnan(r.values)]
        assert (v == 0).sum() == 40 + 10 + sum(i % 7 == 0 for i in range(40)) and not np.signbit(v[v == 0]).any()
        assert "0" in r.labels and "-0" not in r.labels and r.labels[r.categories.index(0.0)] == "0"
    assert parse_number("-0,00") == 0.0 and math.copysign(1, parse_number("-0,00")) == 1.0
