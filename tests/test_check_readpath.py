"""The reading path of ``irrkit check`` with one file per coder: one-byte code columns factorized from the bytes,
the unit column shared by files that list the same units, and every way the unit columns can differ; each read
gives what pandas.factorize / a straightforward reading of the cells gives."""

from __future__ import annotations

import string

import pandas as pd
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
