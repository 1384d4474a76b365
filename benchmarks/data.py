"""Generated data the benchmark sections share (run.py, scales.py, users.py import it; it imports none of them)."""

from __future__ import annotations

import numpy as np

Q = 5  # categories of the nominal benchmark data


def nominal_ratings(n: int, r: int, q: int = Q, missing: float = 0.1, agree: float = 0.7, seed: int = 0,
                    chunk: int = 100_000) -> np.ndarray:
    """units x coders codes 1..q (float, NaN = missing): a true category per unit, each coder keeps it with
    probability ``agree`` and otherwise picks a category at random. Generated in chunks of units, so the
    generator itself needs little memory beyond the 8 n r bytes of the result."""
    rng = np.random.default_rng(seed)
    x = np.empty((n, r))
    for s in range(0, n, chunk):
        m = min(chunk, n - s)
        truth = rng.integers(1, q + 1, m)
        block = np.where(rng.random((m, r)) < agree, truth[:, None], rng.integers(1, q + 1, (m, r))).astype(float)
        if missing:
            block[rng.random((m, r)) < missing] = np.nan
        x[s:s + m] = block
    return x
