"""Benchmark scales that put words to a coefficient, and Gwet's (2014, ch. 6) probabilistic benchmarking.

Scales (upper bounds, label), lowest band first:

* landis_koch: Landis & Koch (1977), Biometrics 33:159-174 (kappa-type)
* fleiss: Fleiss (1981), Statistical Methods for Rates and Proportions, 2nd ed. (kappa-type)
* altman: Altman (1991), Practical Statistics for Medical Research (kappa-type)
* koo_li: Koo & Li (2016), J Chiropr Med 15:155-163 (ICC)
* cicchetti: Cicchetti (1994), Psychol Assess 6:284-290 (ICC and kappa)
* krippendorff: Krippendorff (2004), Content Analysis, 2nd ed.: >= .800 reliable, >= .667 tentative
"""

from __future__ import annotations

import math

from irrkit.statistics.registry import SCALE_TITLES as SCALE_TITLES  # re-exported: the one list is the registry

SCALES: dict[str, tuple[tuple[float, str], ...]] = {
    "landis_koch": ((0.0, "Poor"), (0.2, "Slight"), (0.4, "Fair"), (0.6, "Moderate"), (0.8, "Substantial"),
                    (1.0, "Almost perfect")),
    "fleiss": ((0.4, "Poor"), (0.75, "Intermediate to good"), (1.0, "Excellent")),
    "altman": ((0.2, "Poor"), (0.4, "Fair"), (0.6, "Moderate"), (0.8, "Good"), (1.0, "Very good")),
    "koo_li": ((0.5, "Poor"), (0.75, "Moderate"), (0.9, "Good"), (1.0, "Excellent")),
    "cicchetti": ((0.4, "Poor"), (0.6, "Fair"), (0.75, "Good"), (1.0, "Excellent")),
    "krippendorff": ((0.667, "Unacceptable"), (0.8, "Tentative"), (1.0, "Acceptable")),
}
# Koo & Li and Cicchetti read the boundary value as the upper band ("0.75-0.9 good" includes 0.75).
_CLOSED_BELOW = {"koo_li", "cicchetti", "krippendorff"}


def label(value: float | None, scale: str) -> str | None:
    """The band a value falls in (bands are (lower, upper]; Koo-Li/Cicchetti/Krippendorff [lower, upper))."""
    if value is None or not math.isfinite(value):
        return None
    bands = SCALES[scale]
    for upper, name in bands:
        if (value < upper) if scale in _CLOSED_BELOW else (value <= upper):
            return name
    return bands[-1][1]


def probabilistic_benchmark(value: float, se: float, scale: str = "landis_koch",
                            threshold: float = 0.95) -> tuple[str | None, list[tuple[str, float]]]:
    """Gwet's benchmarking: the probability that the true coefficient lies in each band, from the top band
    down, using a normal distribution truncated to [-1, 1]; returns the first band whose cumulative
    probability exceeds ``threshold`` and the list of (band, cumulative probability)."""
    from irrkit.statistics.distributions import ndtr

    if se is None or not se > 0:
        return label(value, scale), []
    bands = SCALES[scale]
    lowers = [-1.0] + [u for u, _ in bands[:-1]]
    value = min(max(value, -1.0), 1.0)  # beyond +-1 only by rounding (1 + 4e-16 with an SE of 1e-17 left no
    # normal mass inside [-1, 1] to truncate to: 0/0)
    trunc = ndtr((value + 1) / se) - ndtr((value - 1) / se)
    cum, out, chosen = 0.0, [], None
    for (upper, name), lower in zip(reversed(bands), reversed(lowers)):
        cum += (ndtr((value - lower) / se) - ndtr((value - upper) / se)) / trunc
        out.append((name, float(cum)))
        if chosen is None and cum > threshold:
            chosen = name
    return chosen, out
