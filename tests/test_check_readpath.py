"""The reading path of ``irrkit check`` with one file per coder: one-byte code columns factorized from the bytes,
the unit column shared by files that list the same units, and every way the unit columns can differ; each read
gives what pandas.factorize / a straightforward reading of the cells gives."""

from __future__ import annotations

import string

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irrkit.readers.grid import plain_grid

_BYTES = list(string.ascii_letters + string.digits + "!#$%&*+-./:<=>?@[]^_{|}~") + [""]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(_BYTES), min_size=1, max_size=200), st.integers(1, 5), st.booleans(),
       st.sampled_from([",", ";", "\t"]), st.booleans())
def test_one_byte_columns_factorize_as_pandas(cells, extra, table_first, delim, crlf):
    """Few distinct bytes (from the bytes themselves) or many (more than 32: the keys' path), in files of 2 to
    6 columns, with the first-byte table built first or not: pandas.factorize of the cells' text."""
    nl = "\r\n" if crlf else "\n"
    rows = [delim.join([str(i), *(["z"] * (extra - 1)), c]) for i, c in enumerate(cells)]
    text = delim.join(["u", *(f"x{k}" for k in range(extra - 1)), "v"]) + nl + nl.join(rows) + nl
    _, g = plain_grid(text, delim)  # (every row has its unit: none is blank)
    if table_first:
        g.first_byte_table()
    codes, uniq = g.factorize(extra)
    want_codes, want_uniq = pd.factorize(pd.Series(cells, dtype=object))
    assert codes.tolist() == want_codes.tolist() and list(uniq) == list(want_uniq)


# ------------------------------------------------------------------ one file per coder, read as a user writes them

N = 6_000  # more lines than delimited.BIG_LINES: the grid path


def _write(path, units, codes, delim=",", nl="\n", bom=False):
    lines = [f"unit{delim}code"] + [f"{u}{delim}{c}" for u, c in zip(units, codes, strict=True)]
    path.write_bytes((("\ufeff" if bom else "") + nl.join(lines) + nl).encode())


def _codebook(tmp_path):
    from irrkit.codebooks.codebook import load_codebook

    p = tmp_path / "cb.yaml"
    p.write_text("id: nom\nunit_column: unit\nitems:\n  - id: code\n    level: nominal\n"
                 "    categories: ['1', '2', '3', '4', '5']\n")
    return load_codebook(p)


def _by_hand(paths, delim=","):
    """Units in order of first appearance over the files, each coder's ratings, absent units and single-rated
    units, read with the csv module and dicts (no irrkit)."""
    import csv

    units, rating = {}, {}
    for p in paths:
        with open(p, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f, delimiter=delim))[1:]
        rating[p.stem] = {u: c for u, c in rows}
        for u, _ in rows:
            units.setdefault(u, None)
    units = list(units)
    m = np.array([[float(rating[c][u]) if rating[c].get(u, "") else np.nan for c in rating] for u in units])
    absent = {c: [u for u in units if u not in r] for c, r in rating.items()}
    single = [u for u, row in zip(units, m, strict=True) if (~np.isnan(row)).sum() == 1
              and sum(u in r for r in rating.values()) > 1]
    return units, list(rating), m, absent, single


def _codes(rng, n, blank=0.1):
    c = rng.integers(1, 6, n).astype(str).astype(object)
    c[rng.random(n) < blank] = ""
    return c


_IDS = [str(i) for i in range(1, N + 1)]


def _unit_sets():
    rng = np.random.default_rng(3)
    zero = list(_IDS)
    zero[10] = "011"  # "011" here, "11" in the other files: two units
    perm = list(_IDS)
    rng.shuffle(perm)
    return {
        "leading zeros": [[f"{i:05d}" for i in range(1, N + 1)]] * 3,
        "'011' vs '11'": [_IDS, zero, _IDS],
        "integers in one file, text in another": [_IDS, [f"u{i}" for i in range(1, N + 1)], _IDS],
        "another order": [_IDS, perm, _IDS],
        "fewer and more units": [_IDS, _IDS[:-100], [*_IDS, "9999999"]],
        "ids falling": [_IDS[::-1]] * 3,
        "signed ids": [["+" + i for i in _IDS], _IDS, _IDS],
        "the same units": [_IDS] * 4,
    }


@pytest.mark.parametrize("case", list(_unit_sets()))
def test_coder_files_read_as_by_hand(case, tmp_path):
    from irrkit.readers import read_coder_files

    rng = np.random.default_rng(len(case))
    paths = []
    for j, units in enumerate(_unit_sets()[case]):
        paths.append(tmp_path / f"coder{j}.csv")
        _write(paths[-1], units, _codes(rng, len(units)))
    data = read_coder_files(paths, _codebook(tmp_path))
    units, coders, m, absent, single = _by_hand(paths)
    assert data.units == units and data.coders == coders
    np.testing.assert_array_equal(data.items["code"].values, m)
    for c in data.coder_counts:
        assert list(c.absent_units) == absent[c.coder]
        assert c.units == len(units) - len(absent[c.coder])
        assert c.ratings == int((~np.isnan(m[:, coders.index(c.coder)])).sum())
        assert c.missing == len(units) - c.ratings
    said = [w for w in data.warnings if "rated by only one coder" in w]
    assert said == ([f"item 'code': {len(single)} unit{'s' * (len(single) > 1)} rated by only one coder "
                     f"({', '.join(single[:5])}{', ...' if len(single) > 5 else ''})"] if single else [])


def test_german_excel_coder_files(tmp_path):
    """';', BOM, CRLF, umlauts in the file names: the same reading."""
    from irrkit.readers import read_coder_files

    rng = np.random.default_rng(8)
    paths = [tmp_path / f"Kodierer_{c}.csv" for c in "äöü"]
    for p in paths:
        _write(p, _IDS, _codes(rng, N), delim=";", nl="\r\n", bom=True)
    data = read_coder_files(paths, _codebook(tmp_path))
    units, coders, m, _, _ = _by_hand(paths, ";")
    assert data.units == units and data.coders == coders == ["Kodierer_ä", "Kodierer_ö", "Kodierer_ü"]
    np.testing.assert_array_equal(data.items["code"].values, m)
    assert data.delimiters == [";"] * 3


@pytest.mark.parametrize("first", [True, False])
@pytest.mark.parametrize("what", ["duplicate", "blank"])
def test_a_bad_unit_id_is_named(what, first, tmp_path):
    """A unit twice in one coder's file, or a blank unit id, in the first file (whose unit column the others
    share) or in a later one: the error names the file and line."""
    from irrkit.errors import InputError
    from irrkit.readers import read_coder_files

    rng = np.random.default_rng(1)
    bad = list(_IDS)
    if what == "duplicate":
        bad[20] = bad[19]
    else:
        bad[30] = ""
    sets = [bad, _IDS, _IDS] if first else [_IDS, bad, _IDS]
    paths = [tmp_path / f"coder{j}.csv" for j in range(3)]
    for p, units in zip(paths, sets, strict=True):
        _write(p, units, _codes(rng, N))
    with pytest.raises(InputError) as e:
        read_coder_files(paths, _codebook(tmp_path))
    name = paths[0 if first else 1]
    want = (f"{name}:22: unit '20' is rated twice by coder '{name.stem}' (first on line 21)" if what == "duplicate"
            else f"{name}:32: column 'unit': empty unit id")
    assert [str(p) for p in e.value.problems] == [want]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["1", "22", "", "ü", "Müller", "0x7", "a b"]),
                          st.sampled_from(["", "1", "2", "x", "ä", "77"])), min_size=1, max_size=60),
       st.sampled_from([",", ";", "\t"]), st.booleans(), st.booleans(), st.integers(0, 2))
def test_grid_texts_are_the_cells(rows, delim, crlf, blank_line, unit_at):
    """Grid.texts of every column (by one split of the rows' text where it can, else cut from the bytes) gives
    the cells of each row as the csv module reads them; blank lines and rows of empty cells left out."""
    import csv
    import io

    from irrkit.readers import grid

    nl = "\r\n" if crlf else "\n"
    lines = [delim.join(["u", "c"] if unit_at == 0 else ["c", "u"])]
    for i, (u, c) in enumerate(rows):
        lines.append(delim.join([u, c] if unit_at == 0 else [c, u]))
        if blank_line and i == len(rows) // 2:
            lines.append("")
    text = nl.join(lines) + nl
    got = plain_grid(text, delim)
    if got is None:
        return
    _, g = got
    want = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim)][1:]
    want = [r for r in want if any(r)]
    saved = grid._CUT_FROM
    grid._CUT_FROM = 0  # the split and the cut, not the slices of small columns
    try:
        for j in range(2):
            assert g.texts(j).tolist() == [r[j] for r in want]
    finally:
        grid._CUT_FROM = saved


@pytest.mark.parametrize("ids", [
    [str(i) for i in range(1, 60_001)],  # rising by (length, bytes): each its own value, no hashing
    [f"u{i:05d}" for i in range(60_000)],  # text ids of one length, rising
    [*(str(i) for i in range(1, 30_001)), "29999", *(str(i) for i in range(30_001, 60_000))],  # one repeat
    [f"{i:03d}" if i % 7 == 0 else str(i) for i in range(1, 60_001)],  # leading zeros: rising as numbers only
    [str(i) for i in range(60_000, 0, -1)],  # falling
    [f"id-{i:09d}" for i in range(60_000)],  # over 8 bytes
])
def test_unit_columns_factorize_as_pandas(ids):
    _, g = plain_grid("unit,x\n" + "".join(f"{u},1\n" for u in ids), ",")
    codes, uniq = g.factorize(0)
    want_codes, want_uniq = pd.factorize(pd.Series(ids, dtype=object))
    assert codes.tolist() == want_codes.tolist() and list(uniq) == list(want_uniq)
