"""Coverage of an item's ratings: the units rated by one coder only and the coders who rated no unit (the
warnings every reader of ratings gives, from coder files and from ``irrkit compute``'s input alike)."""

from __future__ import annotations

import numpy as np

from irrkit.ratings import Cells


def coverage_warnings(m: np.ndarray | Cells, item: str, units: list[str], coders: list[str],
                      explained: np.ndarray | None = None,
                      rated: tuple[np.ndarray, np.ndarray] | None = None) -> list[str]:
    """Units of an item rated by one coder only, coders who rated no unit (``m``: the units x coders matrix or
    its rated cells). ``explained``: units whose single rating the absent-rows warning already explains (only
    one coder's file has a row for them): not repeated. ``rated``: the ratings per unit and per coder, when the
    caller has counted them."""
    out = []
    if rated is not None:
        per_unit, per_coder = rated
    elif isinstance(m, Cells):
        per_unit, per_coder = m.per_unit(), m.per_coder()
    else:
        rated = ~np.isnan(m)
        per_unit, per_coder = rated.sum(axis=1), rated.sum(axis=0)
    if len(coders) > 1:
        one = per_unit == 1
        if explained is not None:
            one &= ~explained
        single = np.flatnonzero(one)
        if single.size:
            few = ", ".join(units[i] for i in single[:5]) + (", ..." if single.size > 5 else "")
            n = single.size
            out.append(f"item '{item}': {n} unit{'s' * (n > 1)} rated by only one coder ({few})")
    for j in np.flatnonzero(per_coder == 0):
        out.append(f"item '{item}': coder '{coders[j]}' rated no unit")
    return out
