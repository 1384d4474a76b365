"""Sequential gating of a training round: after how many units is pass or fail already clear?

A trainee codes units in order; after each look (every ``step`` units from ``start`` on) the gated statistic
is computed on the units so far (with the same function ``irrkit train`` uses,
:func:`irrkit.analysis.pairs.pair_statistics`). The round is decided at the first look whose CI lies wholly
above the minimum (pass) or wholly below it (fail).

Looking repeatedly and stopping at the first clear CI inflates the error rate of a single CI. By default each
look uses a Bonferroni-adjusted confidence level, ``1 - (1 - confidence) / K`` for K planned looks, which keeps
the probability of any wrong decision at most ``1 - confidence`` (conservative: it decides later than a group-
sequential boundary would; Jennison & Turnbull 2000, ch. 2). ``adjust=False`` gives the unadjusted looks.
"""

from __future__ import annotations

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
        return {"statistic": self.statistic, "minimum": self.minimum, "decision": self.decision,
                "n_units": self.n_units, "n_available": self.n_available, "units_saved": self.units_saved,
                "looks_planned": self.looks_planned, "look_confidence": self.look_confidence,
                "value": None if c is None else c.to_dict()["value"],
                "ci_low": None if c is None else c.to_dict()["ci_low"],
                "ci_high": None if c is None else c.to_dict()["ci_high"],
                "method": ("first look whose CI lies wholly above or below the minimum; "
                           f"{self.looks_planned} looks at confidence {self.look_confidence:.4g} each")}


def look_sizes(n: int, start: int = 10, step: int = 5) -> list[int]:
    """The units after which to look: start, start + step, ..., and always the last unit."""
    if n < 2:
        return []
    sizes = list(range(min(max(start, 2), n), n + 1, max(step, 1)))
    if sizes[-1] != n:
        sizes.append(n)
    return sizes


def sequential_gate(trainee: np.ndarray, gold: np.ndarray, r: ItemRatings, statistic: str, minimum: float,
                    confidence: float = 0.95, start: int = 10, step: int = 5,
                    adjust: bool = True) -> SequentialResult:
    """Decide the gate ``statistic >= minimum`` as early as the CI allows, units taken in the order of ``r``
    (units the two codings do not both rate are skipped)."""
    from irrkit.analysis.pairs import pair_statistics
    both = np.flatnonzero(~np.isnan(trainee) & ~np.isnan(gold))
    sizes = look_sizes(len(both), start, step)
    k = max(len(sizes), 1)
    conf = 1 - (1 - confidence) / k if adjust else confidence
    looks: list[Look] = []
    last: Coefficient | None = None
    for n in sizes:
        idx = both[:n]
        cl = None if r.clusters is None else np.asarray(r.clusters)[idx]
        c = pair_statistics(trainee[idx], gold[idx], r, conf, (statistic,), clusters=cl)[statistic]
        last = c
        looks.append(Look(n, c.value, c.ci_low, c.ci_high))
        if not c.ok or c.ci_low is None or c.ci_high is None:
            continue
        if c.ci_low > minimum:
            return SequentialResult(statistic, minimum, "pass", n, len(both), k, conf, c, looks)
        if c.ci_high < minimum:
            return SequentialResult(statistic, minimum, "fail", n, len(both), k, conf, c, looks)
    return SequentialResult(statistic, minimum, "undecided", None, len(both), k, conf, last, looks)


def round_decisions(items: dict[str, ItemRatings], reference: str, results: dict[str, list[Any]],
                    confidence: float = 0.95, start: int = 10, step: int = 5) -> list[dict[str, Any]]:
    """For each trainee and gated statistic of a training round (``results``: training.evaluate's gate results
    per trainee), the sequential decision in the units' order: one dict per gate."""
    rows = []
    for coder, gates in results.items():
        for g in gates:
            r = items.get(g.item)
            if r is None or coder not in r.coders or reference not in r.coders:
                continue
            t, gold = r.values[:, r.coders.index(coder)], r.values[:, r.coders.index(reference)]
            s = sequential_gate(t, gold, r, g.statistic, g.minimum, confidence, start, step)
            rows.append({"trainee": coder, "item": g.item, **s.to_dict()})
    return rows
