"""Two coders compared on the units both rated: the pair statistics of a training round (trainee vs gold), of
test-retest and of the coder x coder matrix - percent agreement, Cohen's kappa and Gwet's AC1 for nominal items,
ICC(A,1) (and ICC(C,1) for retest) and the mean absolute difference for scales."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from irrkit.ratings import ItemRatings, magnitude_exponent
from irrkit.statistics import chance_corrected, counting, registry
from irrkit.statistics.icc import ICC_KEYS, icc_all
from irrkit.statistics.results import Coefficient, UnitTerms, undefined

NOMINAL_STATS = registry.PAIRWISE["nominal"]
SCALE_STATS = registry.PAIRWISE["scale"]


def _mad(d: np.ndarray, confidence: float, clusters: np.ndarray | None = None) -> Coefficient:
    """Mean absolute difference with a t CI over units (with ``clusters``: the cluster-robust SE of the mean,
    t(G-1), :func:`irrkit.statistics.clusters.robust_se`)."""
    key, n = "mean_abs_diff", len(d)
    if n == 0:
        return undefined(key, "no unit rated by both")
    a = np.abs(d)
    value = float(a.mean())
    if n < 2:
        return Coefficient(key, value, n_units=n, reason="fewer than two units: no CI", method="mean |a - b|")
    from irrkit.statistics import distributions as special

    e = magnitude_exponent(a)  # near 1e308 the squares of std() overflow: scale by 2^-e (exact) and back
    se = float(np.ldexp(np.ldexp(a, -e).std(ddof=1), e) / math.sqrt(n))
    if clusters is not None:
        from irrkit.statistics.clusters import n_clusters, robust_se

        g = n_clusters(clusters)
        cse = robust_se(a, clusters, value)
        if cse is None:
            return Coefficient(key, value, n_units=n, reason="one cluster: no cluster-robust CI",
                               method="mean |a - b|", extra={"n_clusters": g})
        t = float(special.stdtrit(g - 1, 1 - (1 - confidence) / 2))
        return Coefficient(key, value, cse, max(0.0, value - t * cse), value + t * cse, None, n_units=n,
                           method=f"mean |a - b| over units both rated, cluster-robust over {g} clusters, CI t(G-1)",
                           extra={"n_clusters": g}, terms=UnitTerms(a - value) if chance_corrected.keeping() else None)
    t = float(special.stdtrit(n - 1, 1 - (1 - confidence) / 2))
    # its unit terms are |a_i - b_i| (a mean): kept on request, for the change between two rounds
    terms = UnitTerms(a - value) if chance_corrected.keeping() else None
    return Coefficient(key, value, se, max(0.0, value - t * se), value + t * se, None, n_units=n,
                       method="mean |a - b| over units both rated, CI t(n-1)", terms=terms)


def pair_statistics(a: np.ndarray, b: np.ndarray, r: ItemRatings, confidence: float = 0.95,
                    keys: Sequence[str] | None = None, clusters: np.ndarray | None = None) -> dict[str, Coefficient]:
    """Agreement of two codings of one item (values as in ``r``, NaN = missing), on units both rated.
    ``clusters`` (default: ``r.clusters`` when it matches ``a``): each unit's cluster, for cluster-robust SEs."""
    both = ~np.isnan(a) & ~np.isnan(b)
    if clusters is None and r.clusters is not None and len(r.clusters) == len(a):
        clusters = r.clusters
    cl = None if clusters is None else np.asarray(clusters)[both]
    m = np.column_stack([a[both], b[both]])
    n = len(m)
    if keys is None:
        keys = NOMINAL_STATS if r.level == "nominal" else SCALE_STATS
    if n == 0:
        return {k: undefined(k, "no unit rated by both") for k in keys}
    out: dict[str, Coefficient] = {}
    if r.level == "nominal":
        q = len(r.categories)
        codes = counting.category_index(m, r.categories)
        ag = chance_corrected.agreement(counting.table(codes, q), clusters=cl)  # sparse beyond 64 categories
        out = {"percent_agreement": chance_corrected.percent_agreement(ag, confidence),
               "cohen_kappa": chance_corrected.conger_kappa(codes, q, None, confidence, key="cohen_kappa",
                                                  a=ag if cl is not None else None),
               "gwet_ac1": chance_corrected.gwet_ac(ag, confidence)}
        if r.set_codes:  # a set-valued item: alpha under the set distances too (statistics/sets.py)
            from irrkit.statistics import sets

            tab = counting.count_table(codes, q)
            masks = np.asarray(r.categories, dtype=np.uint64)
            for key in (k for k in keys if k in sets.DISTANCES):
                out[key] = sets.set_alpha(tab, masks, sets.distance_matrix(masks, sets.DISTANCES[key]), key,
                                          confidence, cl)
    else:
        iccs = tuple(k for k in keys if k in ICC_KEYS)  # only the ICCs asked for (each as among all six)
        out = {**(icc_all(m, confidence, keys=iccs) if iccs else {})}
        if "mean_abs_diff" in keys:
            out["mean_abs_diff"] = _mad(m[:, 0] - m[:, 1], confidence, cl)
    return {k: out[k] for k in keys if k in out}


def _confusion(a: np.ndarray, b: np.ndarray, r: ItemRatings) -> np.ndarray:
    from irrkit.statistics.two_coders import contingency

    both = ~np.isnan(a) & ~np.isnan(b)
    ca = counting.category_index(np.where(both, a, np.nan), r.categories)
    cb = counting.category_index(np.where(both, b, np.nan), r.categories)
    return contingency(ca, cb, len(r.categories)).astype(int)
