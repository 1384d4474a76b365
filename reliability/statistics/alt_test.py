"""The alternative annotator test (alt-test): can a model's codings stand in for a human coder's?

Calderon, Reichart & Dror (2025), "The Alternative Annotator Test for LLM-as-a-Judge", ACL 2025, sec. 3.
For each human coder j (leave one out) and each unit i that j and at least one other human rated:

* alignment with the remaining humans H_-j(i): S(x, i, j) = mean over h in H_-j(i) of [x == x_h] (``accuracy``,
  nominal codes) or S = -sqrt(mean over h of (x - x_h)^2) (``neg_rmse``, scales);
* the model wins the unit when S(model) >= S(human j): W^f_i = 1[S_f >= S_h]; the human wins when S_h >= S_f:
  W^h_i = 1[S_h >= S_f] (a tie is a win for both);
* d_i = W^h_i - W^f_i; H0_j: rho^h_j - rho^f_j >= epsilon against H1: < epsilon, a one-sided one-sample t-test
  of the d_i against epsilon (t = (mean d - epsilon) / (sd d / sqrt n), p = P(T_{n-1} <= t));
* the p-values of all humans tested go through the Benjamini-Yekutieli step-up procedure at level q (FDR
  under any dependence: thresholds k q / (m H_m), H_m = sum 1/i);
* the winning rate omega = share of humans whose H0 is rejected; the model passes when omega >= 0.5;
* the advantage probability rho = mean over humans of rho^f_j = mean over units of W^f_i.

epsilon is the cost-benefit margin (the paper: 0.2 for experts, 0.15 skilled coders, 0.1 crowd workers). A human
with fewer than ``min_units`` units (the paper: 30, for the t-test's normal approximation) is not tested and is left
out of omega's denominator, as in the authors' code. Pure numpy; the t distribution is irrkit's own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SCORINGS = ("accuracy", "neg_rmse")


@dataclass(frozen=True)
class HumanTest:
    """The test of one left-out human: units, the model's and the human's winning shares, t, p, rejected."""

    human: str
    n_units: int
    rho_model: float | None  # rho^f_j: share of units where the model aligns at least as well
    rho_human: float | None  # rho^h_j
    mean_diff: float | None  # mean of d_i = W^h_i - W^f_i
    t: float | None
    df: int
    p_value: float | None
    rejected: bool = False  # H0 rejected after Benjamini-Yekutieli: the model wins against this human
    status: str = "ok"
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: t is null when infinite (every unit's difference the same; p says the verdict)."""
        d = {k: getattr(self, k) for k in ("human", "n_units", "rho_model", "rho_human", "mean_diff", "t", "df",
                                           "p_value", "rejected", "status", "reason")}
        d["t"] = d["t"] if d["t"] is None or math.isfinite(d["t"]) else None
        return d


@dataclass(frozen=True)
class AltTest:
    """The alt-test of one model on one item."""

    epsilon: float
    q: float
    scoring: str
    humans: list[HumanTest]
    winning_rate: float | None  # omega
    advantage: float | None  # rho
    passed: bool | None
    status: str = "ok"
    reason: str | None = None
    skipped: list[str] = field(default_factory=list)  # humans not tested (too few units)

    def to_dict(self) -> dict[str, Any]:
        return {"epsilon": self.epsilon, "q": self.q, "scoring": self.scoring, "winning_rate": self.winning_rate,
                "advantage_probability": self.advantage, "passed": self.passed, "status": self.status,
                "reason": self.reason, "skipped": list(self.skipped), "humans": [h.to_dict() for h in self.humans]}


def benjamini_yekutieli(p: np.ndarray, q: float = 0.05) -> np.ndarray:
    """Rejections of the Benjamini-Yekutieli (2001) step-up procedure at FDR level ``q``: with the p-values
    sorted, p_(1) <= ... <= p_(m), reject the k smallest for the largest k with p_(k) <= k q / (m H_m),
    H_m = 1 + 1/2 + ... + 1/m. NaN p-values are never rejected (and count in m)."""
    p = np.asarray(p, dtype=float)
    m = p.size
    out = np.zeros(m, dtype=bool)
    if m == 0:
        return out
    order = np.argsort(np.where(np.isnan(p), np.inf, p), kind="stable")
    h_m = float(np.sum(1.0 / np.arange(1, m + 1)))
    below = np.flatnonzero(np.where(np.isnan(p[order]), False, p[order] <= np.arange(1, m + 1) * q / (m * h_m)))
    if below.size:
        out[order[: below[-1] + 1]] = True
    return out


def _alignment(x: np.ndarray, others: np.ndarray, scoring: str) -> np.ndarray:
    """S(x, i, j) per unit: ``x`` (n,) against the remaining humans ``others`` (n, m-1, NaN = not rated)."""
    rated = ~np.isnan(others)
    k = rated.sum(axis=1)
    if scoring == "accuracy":
        hits = (np.isclose(others, x[:, None], rtol=0, atol=1e-9) & rated).sum(axis=1)
        return hits / np.maximum(k, 1)
    sq = np.where(rated, (others - x[:, None]) ** 2, 0.0).sum(axis=1)
    return -np.sqrt(sq / np.maximum(k, 1))


def _one_sided_t(d: np.ndarray, epsilon: float) -> tuple[float | None, float | None, str | None]:
    """t and p = P(T_{n-1} <= t) of H1: mean(d) < epsilon (scipy's ttest_1samp(d, epsilon, alternative='less')).
    Every d the same: t is -inf (p 0) below epsilon, +inf (p 1) above, undefined at epsilon."""
    from irrkit.statistics import distributions as special

    n = d.size
    mean = float(d.mean())
    sd = float(d.std(ddof=1)) if n > 1 else math.nan
    if n < 2:
        return None, None, "fewer than two units"
    if sd == 0.0:
        if mean < epsilon:
            return -math.inf, 0.0, None
        if mean > epsilon:
            return math.inf, 1.0, None
        return None, None, "every unit's difference equals epsilon (no variance): no test"
    t = (mean - epsilon) / (sd / math.sqrt(n))
    return t, float(special.stdtr(n - 1, t)), None


def alt_test(model: np.ndarray, humans: np.ndarray, names: list[str] | None = None, *, epsilon: float = 0.2,
             q: float = 0.05, scoring: str = "accuracy", min_units: int = 30) -> AltTest:
    """The alt-test of ``model`` (n units; NaN = not coded) against ``humans`` (n units x m coders, NaN = not
    rated); codes are numbers (category indices for nominal items). See the module docstring."""
    if scoring not in SCORINGS:
        raise ValueError(f"scoring must be one of {SCORINGS}")
    model = np.asarray(model, dtype=float)
    humans = np.asarray(humans, dtype=float)
    m = humans.shape[1]
    names = names or [f"human {j + 1}" for j in range(m)]
    if m < 2:
        return AltTest(epsilon, q, scoring, [], None, None, None, "undefined",
                       "the alt-test needs at least two human coders (the paper recommends three or more)")
    rated = ~np.isnan(humans)
    usable = rated.sum(axis=1) >= 2  # a unit counts when at least two humans rated it (one left out, one remains)
    usable &= ~np.isnan(model)
    tests: list[HumanTest] = []
    skipped: list[str] = []
    p_values: list[float] = []
    for j in range(m):
        units = usable & rated[:, j]
        n = int(units.sum())
        if n < min_units:
            skipped.append(names[j])
            tests.append(HumanTest(names[j], n, None, None, None, None, max(n - 1, 0), None, False, "undefined",
                                   f"{n} units (fewer than {min_units}): not tested"))
            continue
        others = np.delete(humans[units], j, axis=1)
        s_f = _alignment(model[units], others, scoring)
        s_h = _alignment(humans[units, j], others, scoring)
        w_f = (s_f >= s_h - 1e-12).astype(float)
        w_h = (s_h >= s_f - 1e-12).astype(float)
        d = w_h - w_f
        t, p, why = _one_sided_t(d, epsilon)
        tests.append(HumanTest(names[j], n, float(w_f.mean()), float(w_h.mean()), float(d.mean()), t, n - 1, p,
                               False, "ok" if why is None else "undefined", why))
        p_values.append(math.nan if p is None else p)
    tested = [k for k, t in enumerate(tests) if t.human not in skipped]
    if not tested:
        return AltTest(epsilon, q, scoring, tests, None, None, None, "undefined",
                       f"no human coder has {min_units} or more units rated with another human and the model",
                       skipped)
    rejected = benjamini_yekutieli(np.array(p_values), q)
    for k, r in zip(tested, rejected):
        t = tests[k]
        tests[k] = HumanTest(t.human, t.n_units, t.rho_model, t.rho_human, t.mean_diff, t.t, t.df, t.p_value,
                             bool(r), t.status, t.reason)
    omega = float(rejected.mean())
    rho = float(np.mean([tests[k].rho_model for k in tested]))
    return AltTest(epsilon, q, scoring, tests, omega, rho, omega >= 0.5, "ok", None, skipped)
