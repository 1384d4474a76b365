"""The statistics of a set-valued item (codebook ``multiple: true``) beside its exact-match analysis: Krippendorff's
alpha under the MASI and Jaccard distances, and each code present/absent as a binary item
(:mod:`irrkit.statistics.sets`). :func:`irrkit.analysis.item.analyse` calls it for ratings with ``set_codes``."""

from __future__ import annotations

import numpy as np

from irrkit.ratings import ItemRatings
from irrkit.statistics import sets
from irrkit.statistics.results import Coefficient, undefined

MAX_DISTINCT_SETS = 2000  # distinct sets given: their q x q distances (32 MB) and the engine's q x q weights
EXACT = "exact set match: each distinct set of codes is one category"


def set_statistics(r: ItemRatings, counts: np.ndarray, confidence: float = 0.95,
                   clusters: np.ndarray | None = None, per_code: bool = True
                   ) -> tuple[dict[str, Coefficient], dict[str, dict[str, Coefficient]], dict[str, int]]:
    """(alpha under MASI and Jaccard, the per-code coefficients, how many ratings hold each code) of a set-valued
    item: ``counts`` the units x distinct-sets table of ``r`` (its categories are the distinct sets' bitmasks)."""
    masks = np.asarray(r.categories, dtype=np.uint64)
    if len(masks) > MAX_DISTINCT_SETS:
        why = (f"{len(masks)} distinct sets of codes: alpha under a set distance needs their {len(masks)} x "
               f"{len(masks)} distances, more than the limit of {MAX_DISTINCT_SETS} sets")
        coefs = {key: undefined(key, why, r.n_units) for key in sets.DISTANCES}
    else:
        coefs = {key: sets.set_alpha(counts, masks, sets.distance_matrix(masks, dist), key, confidence, clusters)
                 for key, dist in sets.DISTANCES.items()}
    rated = r.values[~np.isnan(r.values)].astype(np.uint64)
    held = {c: int(((rated >> np.uint64(k)) & np.uint64(1)).sum()) for k, c in enumerate(r.set_codes)}
    codes = sets.per_code(r.values, r.set_codes, confidence, clusters) if per_code else {}
    return coefs, codes, held
