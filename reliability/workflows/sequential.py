"""Sequential gating of a training round: after how many units is pass or fail already clear?

A trainee codes units in order; after each look (every ``step`` units from ``start`` on) the gated statistic
is computed on the units so far (with the same function ``irrkit train`` uses,
:func:`irrkit.analysis.pairs.pair_statistics`). The round is decided at the first look whose interval lies wholly
above the minimum (pass) or wholly below it (fail).

No look decides on few units or on an interval that has collapsed to a point. On 10 units with a rare
category, perfect agreement is likely even for a trainee whose true kappa is .45; Cohen's kappa is then 1 with
SE 0 and CI [1, 1], and the old gate passed such trainees 9-24% of the time. So the first look comes after at
least :data:`MIN_FIRST_LOOK` units both rated, and for percent agreement, Cohen's kappa and AC1 a look decides on
the hull of the statistic's own CI and the Wilson (1927) score interval of the observed agreement carried through
``(p - pe) / (1 - pe)`` (the Wilson interval is never a point, also when every unit agrees). The other statistics
decide on their own CI, never on one of width 0. ``tests/test_sequential.py`` simulates 2-6 categories, balanced
and skewed shares and kappas just below and above the minimum: at most 5% wrong decisions in every scenario.

Looking repeatedly and stopping at the first clear CI inflates the error rate of a single CI. By default each
look uses a Bonferroni-adjusted confidence level, ``1 - (1 - confidence) / K`` for K planned looks, which keeps
the probability of any wrong decision at most ``1 - confidence`` (conservative: it decides later than a group-
sequential boundary would; Jennison & Turnbull 2000, ch. 2). ``adjust=False`` gives the unadjusted looks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from irrkit.ratings import ItemRatings
from irrkit.statistics.results import Coefficient


@dataclass(frozen=True)
class Look:
    n_units: int
    value: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class SequentialResult:
    """The first look at which the gate is decided (``decision``: "pass", "fail" or "undecided")."""

    statistic: str
    minimum: float
    decision: str
    n_units: int | None  # units after which it was decided (None: undecided after all units)
    n_available: int
    looks_planned: int
    look_confidence: float
    coefficient: Coefficient | None
    looks: list[Look] = field(default_factory=list)

    @property
    def units_saved(self) -> int:
        return 0 if self.n_units is None else self.n_available - self.n_units

    def to_dict(self) -> dict[str, Any]:
        c = self.coefficient
        last = self.looks[-1] if self.looks else None
        return {"statistic": self.statistic, "minimum": self.minimum, "decision": self.decision,
                "n_units": self.n_units, "n_available": self.n_available, "units_saved": self.units_saved,
                "looks_planned": self.looks_planned, "look_confidence": self.look_confidence,
                "value": None if c is None else c.to_dict()["value"],
                # the interval the last look decided on (see guarded_interval), and the statistic's own CI
                "ci_low": last.ci_low if last else None, "ci_high": last.ci_high if last else None,
                "statistic_ci_low": None if c is None else c.to_dict()["ci_low"],
                "statistic_ci_high": None if c is None else c.to_dict()["ci_high"],
                "first_look": self.looks[0].n_units if self.looks else None,
                "method": (f"first look (from {MIN_FIRST_LOOK} units on) whose interval lies wholly above or below "
                           "the minimum; for percent agreement, Cohen's kappa and AC1 the hull of the statistic's "
                           "CI and the Wilson interval of the observed agreement; "
                           f"{self.looks_planned} looks at confidence {self.look_confidence:.4g} each")}


def look_sizes(n: int, start: int = 10, step: int = 5) -> list[int]:
    """The units after which to look: start, start + step, ..., and always the last unit."""
    if n < 2:
        return []
    sizes = list(range(min(max(start, 2), n), n + 1, max(step, 1)))
    if sizes[-1] != n:
        sizes.append(n)
    return sizes


MIN_FIRST_LOOK = 20
"""No decision before this many units both rated, whatever ``start`` says (see the module docstring)."""

CHANCE_CORRECTED = ("percent_agreement", "cohen_kappa", "gwet_ac1")


def wilson(x: float, n: int, confidence: float) -> tuple[float, float]:
    """Wilson's (1927) score interval for a proportion x/n: never a point, also at x = 0 or x = n."""
    from irrkit.statistics import distributions as special

    z = float(special.ndtri(1 - (1 - confidence) / 2))
    p, z2 = x / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def chance_agreement(a: np.ndarray, b: np.ndarray, statistic: str, q: int) -> float:
    """The chance agreement of ``statistic`` from the two codings' category indices (0..q-1): Cohen's from each
    coding's own shares, Gwet's AC1 sum pi_k (1 - pi_k) / (q - 1) from their mean shares, 0 for percent
    agreement."""
    if statistic == "percent_agreement":
        return 0.0
    pa = np.bincount(a, minlength=q) / len(a)
    pb = np.bincount(b, minlength=q) / len(b)
    if statistic == "cohen_kappa":
        return float(pa @ pb)
    pi = (pa + pb) / 2
    return float((pi * (1 - pi)).sum() / (q - 1)) if q > 1 else 1.0


def guarded_interval(c: Coefficient, a: np.ndarray, b: np.ndarray, r: ItemRatings, statistic: str,
                     confidence: float) -> tuple[float | None, float | None]:
    """The interval a look decides on: for percent agreement, Cohen's kappa and AC1 the hull of the
    statistic's own CI and the Wilson interval of the observed agreement carried through
    ``(p - pe) / (1 - pe)`` (so a run of agreements on few units, SE 0 and CI [1, 1], is not "wholly above"
    anything); for the other statistics their CI, and none when it has collapsed to a point."""
    lo, hi = c.ci_low, c.ci_high
    if lo is None or hi is None or not c.ok:
        return None, None
    if r.level == "nominal" and statistic in CHANCE_CORRECTED:
        from irrkit.statistics import counting

        q = len(r.categories)
        codes = counting.category_index(np.column_stack([a, b]), r.categories)
        ca, cb = codes[:, 0], codes[:, 1]
        pe = chance_agreement(ca, cb, statistic, q)
        if pe >= 1:
            return None, None
        wl, wh = wilson(float((ca == cb).sum()), len(ca), confidence)
        lo, hi = min(lo, (wl - pe) / (1 - pe)), max(hi, (wh - pe) / (1 - pe))
    if not hi > lo:
        return None, None
    return lo, hi


def sequential_gate(trainee: np.ndarray, gold: np.ndarray, r: ItemRatings, statistic: str, minimum: float,
                    confidence: float = 0.95, start: int = MIN_FIRST_LOOK, step: int = 5,
                    adjust: bool = True) -> SequentialResult:
    """Decide the gate ``statistic >= minimum`` as early as the CI allows, units taken in the order of ``r``
    (units the two codings do not both rate are skipped)."""
    from irrkit.analysis.pairs import pair_statistics
    both = np.flatnonzero(~np.isnan(trainee) & ~np.isnan(gold))
    sizes = look_sizes(len(both), max(start, MIN_FIRST_LOOK), step)
    k = max(len(sizes), 1)
    conf = 1 - (1 - confidence) / k if adjust else confidence
    looks: list[Look] = []
    last: Coefficient | None = None
    for n in sizes:
        idx = both[:n]
        cl = None if r.clusters is None else np.asarray(r.clusters)[idx]
        c = pair_statistics(trainee[idx], gold[idx], r, conf, (statistic,), clusters=cl)[statistic]
        last = c
        lo, hi = guarded_interval(c, trainee[idx], gold[idx], r, statistic, conf)
        looks.append(Look(n, c.value, lo, hi))
        if lo is None or hi is None:
            continue
        if lo > minimum:
            return SequentialResult(statistic, minimum, "pass", n, len(both), k, conf, c, looks)
        if hi < minimum:
            return SequentialResult(statistic, minimum, "fail", n, len(both), k, conf, c, looks)
    return SequentialResult(statistic, minimum, "undecided", None, len(both), k, conf, last, looks)


def round_decisions(items: dict[str, ItemRatings], reference: str, results: dict[str, list[Any]],
                    confidence: float = 0.95, start: int = MIN_FIRST_LOOK, step: int = 5) -> list[dict[str, Any]]:
    """For each trainee and gated statistic of a training round (``results``: training.evaluate's gate results
    per trainee), the sequential decision in the units' order: one dict per gate."""
    rows = []
    for coder, gates in results.items():
        for g in gates:
            r = items.get(g.item)
            if r is None or coder not in r.coders or reference not in r.coders:
                continue
            t, gold = r.column(r.coders.index(coder)), r.column(r.coders.index(reference))
            s = sequential_gate(t, gold, r, g.statistic, g.minimum, confidence, start, step)
            rows.append({"trainee": coder, "item": g.item, **s.to_dict()})
    return rows
