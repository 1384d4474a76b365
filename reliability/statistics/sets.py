"""Agreement on set-valued codes: a coder may give a unit several codes of one item (``multiple: true``).

A set of codes is held as a bitmask (bit k: the item's k-th code; 0: the empty set, a rating that no code
applies, distinct from a missing rating). The statistics:

- :func:`set_alpha`: Krippendorff's alpha with a distance between sets (Krippendorff 2004, ch. 11, the general
  form alpha = 1 - D_o / D_e over the pairable values; Passonneau 2006): under :func:`masi_distance` and
  :func:`jaccard_distance`. Each distinct set is a category and ``1 - distance`` its agreement weight, so the
  one engine (:func:`irrkit.statistics.chance_corrected.krippendorff_alpha`, Gwet's formulation, equal to
  Krippendorff's for any weights) gives the value and its linearised SE.
- :func:`per_code`: each code present/absent as a binary item (Fleiss' kappa, Cohen's kappa with two coders,
  AC1 and percent agreement through the same engine).
- the exact set match (percent agreement, kappa and alpha with each distinct set as one nominal category) is the
  ordinary nominal analysis of the distinct sets (:func:`irrkit.analysis.item.analyse`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from irrkit.statistics import chance_corrected
from irrkit.statistics.results import Coefficient, undefined
from irrkit.statistics.weights import MatrixKernel

MAX_CODES = 52  # a set is a bitmask held exactly in a float64 (ItemRatings.values)


def popcount(x: np.ndarray) -> np.ndarray:
    """The number of codes in each set (bits set in each bitmask)."""
    x = np.asarray(x, dtype=np.uint64)
    if hasattr(np, "bitwise_count"):  # numpy >= 2.0
        return np.bitwise_count(x).astype(np.int64)
    bits = np.unpackbits(x.reshape(-1, 1).view(np.uint8), axis=1)
    return bits.sum(axis=1).reshape(x.shape).astype(np.int64)


def jaccard_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1 - |A ∩ B| / |A ∪ B| (Jaccard 1912), element-wise over bitmasks; 0 for two empty sets (identical)."""
    a, b = np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64)
    inter, union = popcount(a & b), popcount(a | b)
    return 1.0 - np.divide(inter, union, out=np.ones(np.broadcast(inter, union).shape), where=union > 0)


def masi_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """MASI distance (Passonneau 2006): 1 - J M, J the Jaccard similarity and M the monotonicity weight, 1 for
    identical sets, 2/3 when one contains the other, 1/3 when they share codes otherwise, 0 when disjoint;
    element-wise over bitmasks, 0 for two empty sets."""
    a, b = np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64)
    inter = a & b
    m = np.where(a == b, 1.0, np.where((inter == a) | (inter == b), 2 / 3, np.where(inter != 0, 1 / 3, 0.0)))
    return 1.0 - (1.0 - jaccard_distance(a, b)) * m


DISTANCES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "masi_alpha": masi_distance, "jaccard_alpha": jaccard_distance}


def distance_matrix(masks: Sequence[int] | np.ndarray, distance: Callable[[np.ndarray, np.ndarray], np.ndarray]
                    ) -> np.ndarray:
    """The q x q distances between the distinct sets ``masks``."""
    m = np.asarray(masks, dtype=np.uint64)
    return distance(m[:, None], m[None, :])


def set_alpha(counts: np.ndarray, masks: Sequence[int] | np.ndarray, distance: np.ndarray, key: str,
              confidence: float = 0.95, clusters: np.ndarray | None = None) -> Coefficient:
    """Krippendorff's alpha with a distance between sets: ``counts`` the units x q table of how many coders gave
    each distinct set ``masks[k]``, ``distance`` their q x q distances (:func:`distance_matrix`). alpha =
    1 - D_o / D_e, D_o = sum_u sum_kl n_uk n_ul d_kl / (m_u - 1) / n, D_e = sum_kl n_k n_l d_kl / (n (n - 1)) over
    the units with two or more ratings (Krippendorff 2004, ch. 11); computed as Gwet's (2014, ch. 4) weighted
    alpha with weights 1 - d, with its linearised SE and t CI."""
    if len(masks) < 2:
        n = int((np.asarray(counts).sum(axis=1) > 0).sum()) if np.size(counts) else 0
        return undefined(key, "every rating is the same set of codes: the expected disagreement is 0, so alpha "
                              "is 0/0" if len(masks) else "no ratings", n)
    a = chance_corrected.agreement(counts, MatrixKernel(1.0 - np.asarray(distance, dtype=float)), clusters=clusters)
    res = chance_corrected.krippendorff_alpha(a, confidence)
    if not res.ok:
        reason = (res.reason or "").replace("every rating falls in one category", "the sets given never differ")
        return res.with_(key=key, reason=reason)
    return res.with_(key=key, extra={**res.extra, "distance": key.removesuffix("_alpha")})


def code_codes(values: np.ndarray, bit: int) -> np.ndarray:
    """Units x coders index matrix of one code: 1 present, 0 absent, -1 not rated (NaN)."""
    rated = ~np.isnan(values)
    out = np.full(values.shape, -1, dtype=np.int64)
    out[rated] = (values[rated].astype(np.uint64) >> np.uint64(bit)) & np.uint64(1)
    return out


def per_code(values: np.ndarray, codes: Sequence[str], confidence: float = 0.95,
             clusters: np.ndarray | None = None) -> dict[str, dict[str, Coefficient]]:
    """Each code present/absent as a binary item: Fleiss' kappa, AC1 and percent agreement, and with exactly two
    coders Cohen's kappa (Conger's with two coders), each with its linearised SE, through the one engine. The
    count table of code k has the columns (present, absent)."""
    out: dict[str, dict[str, Coefficient]] = {}
    n_coders = int((~np.isnan(values)).any(axis=0).sum())
    for k, code in enumerate(codes):
        idx = code_codes(values, k)
        tab = np.stack([(idx == 1).sum(axis=1), (idx == 0).sum(axis=1)], axis=1).astype(float)
        a = chance_corrected.agreement(tab, clusters=clusters)
        if not tab[:, 0].any():
            reason = f"code '{code}' was never given"
            keys = ("fleiss_kappa", "gwet_ac1") + (("cohen_kappa",) if n_coders == 2 else ())
            out[code] = {key: undefined(key, reason, a.n) for key in keys}
            out[code]["percent_agreement"] = chance_corrected.percent_agreement(a, confidence)
            continue
        res = {"fleiss_kappa": chance_corrected.fleiss_kappa(a, confidence)}
        if n_coders == 2:
            cols = np.flatnonzero((idx >= 0).any(axis=0))
            two = idx[:, cols]
            res["cohen_kappa"] = chance_corrected.conger_kappa(np.where(two < 0, -1, 1 - two), 2, None, confidence,
                                                               key="cohen_kappa", a=a)  # index 0: present
        res["gwet_ac1"] = chance_corrected.gwet_ac(a, confidence)
        res["percent_agreement"] = chance_corrected.percent_agreement(a, confidence)
        out[code] = res
    return out
