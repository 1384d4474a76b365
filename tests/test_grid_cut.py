"""A plain grid's cells as strings by one split of their bytes (Grid._cut, taken for long columns) equal the cells
sliced out of the text one by one, whatever the cells hold (empty cells, non-ASCII letters, the last line without
a line break) and whichever rows are asked for; cell keys by the unaligned 8-byte view equal the bytes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irrkit.readers import grid as G

CELL = st.text(alphabet=st.sampled_from(list("ab1 .-äßü€😀x")), max_size=12).map(str.strip)


def slices(g: G.Grid, j: int, rows=None) -> list[str]:
    s, e = g.span(j)
    if rows is not None:
        s, e = s[rows], e[rows]
    return [g.text[a:b] for a, b in zip(g._char_pos(s).tolist(), g._char_pos(e).tolist(), strict=True)]


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.tuples(CELL, CELL, CELL), min_size=1, max_size=40), end=st.booleans(),
       crlf=st.booleans(), pick=st.lists(st.integers(0, 39), max_size=10))
def test_cut_equals_slicing(rows, end, crlf, pick, monkeypatch_cut):
    nl = "\r\n" if crlf else "\n"
    text = "a,b,c" + nl + nl.join(",".join(r) for r in rows) + (nl if end else "")
    got = G.plain_grid(text, ",")
    if got is None:  # e.g. only delimiters on a line the grid drops: the tokenizers take such files
        return
    _, g = got
    for j in range(3):
        assert g.texts(j).tolist() == slices(g, j)
        sub = np.array(sorted({p for p in pick if p < len(g.rows)}), dtype=np.int64)
        assert g.texts(j, sub).tolist() == slices(g, j, sub)
        s, e = g.span(j)
        for block, key in enumerate(g._keys(s, e)):
            want = [int.from_bytes(g.buf[a + 8 * block:min(b, a + 8 * block + 8)].tobytes().ljust(8, b"\0"),
                                   "little") if b > a + 8 * block else 0 for a, b in zip(s.tolist(), e.tolist())]
            assert key.tolist() == want



@pytest.fixture(scope="module")
def monkeypatch_cut():
    saved = G._CUT_FROM
    G._CUT_FROM = 0  # every column through the split
    yield
    G._CUT_FROM = saved


@settings(max_examples=150, deadline=None)
@given(keys=st.lists(st.integers(0, 2**20) | st.integers(0, 40) | st.sampled_from([97, 98, 2**63 + 5]),
                     max_size=300))
def test_first_codes_equal_pandas_factorize(keys):
    import pandas as pd

    key = np.array(keys, dtype=np.uint64)
    codes, n = G._first_codes(key)
    want, uniq = pd.factorize(key)
    assert codes.tolist() == want.tolist() and n == len(uniq)
