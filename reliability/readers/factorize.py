"""pandas.factorize without pandas for small inputs: importing pandas costs more than a small file's reading.

Coder files of a training round or a study (a few hundred to a few thousand rows) are factorized with a dict;
large inputs, or any input once pandas is loaded, with pandas' hash table. Both give the same codes (0, 1, ... in
order of first appearance) and distinct values.
"""

from __future__ import annotations

import sys

import numpy as np

SMALL = 20_000  # up to this many values a dict is faster than importing pandas


def factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int64 code of each value, the distinct values as an object array, in order of first appearance), as
    ``pandas.factorize`` gives them for arrays of strings or integers."""
    pd = sys.modules.get("pandas")
    if pd is None and len(values) > SMALL:
        import pandas as pd
    if pd is not None:
        codes, uniq = pd.factorize(values)
        return codes.astype(np.int64, copy=False), np.asarray(uniq, dtype=object)
    index: dict = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in np.asarray(values).tolist()), dtype=np.int64,
                        count=len(values))
    uniq = np.empty(len(index), dtype=object)
    uniq[:] = list(index)
    return codes, uniq
