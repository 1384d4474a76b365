"""Simulation planner: how a coefficient's CI behaves for a design, computed by irrkit's own engine.

Data are generated for all replicates at once (replicates x units x coders arrays), count tables for all of
them in one call of :func:`irrkit.statistics.counting.count_table`; each replicate's coefficient, SE and CI then
come from the same functions ``check`` and ``compute`` use (:mod:`irrkit.statistics.chance_corrected`,
:mod:`irrkit.statistics.icc`), so the planner answers for the statistic that will be reported.

Models:

* categorical, ``model="mixture"`` (the common correlation model of kappaSize's binary forms, Donner &
  Eliasziw 1992): with probability ``kappa`` every coder of a unit gives the same category, drawn from the
  prevalences ``pi``; otherwise each coder draws independently from ``pi``. ``model="dirichlet"`` (the
  Dirichlet-multinomial of kappaSize's 3-5 category forms): each unit draws its category probabilities from
  Dirichlet(pi (1 - kappa) / kappa), its coders draw independently from them. Both have, for two coders, the
  same distribution; their population values: Fleiss/Conger/Cohen/Scott
  kappa (any weights) = ``kappa``; ``pa_w = kappa + (1 - kappa) pi'W pi``; AC1/AC2 and Brennan-Prediger
  ``(pa_w - pe)/(1 - pe)`` with their own ``pe``; Krippendorff's alpha -> ``kappa`` in large samples.
* scale (one-way random effects): ``x_ij = sqrt(rho) s_i + sqrt(1 - rho) e_ij``, standard normal ``s, e``:
  every ICC(1), ICC(A,1), ICC(C,1) is ``rho``; the k-rater forms ``k rho / (1 + (k-1) rho)``.
* missing ratings: each rating is missing independently with probability ``missing``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from irrkit.planning.closed_forms import PlanError, _check_unit, _prevalences, _z
from irrkit.statistics import chance_corrected, counting, icc, weights
from irrkit.statistics.results import Coefficient

FAMILY = ("percent_agreement", "fleiss_kappa", "gwet_ac1", "gwet_ac2", "brennan_prediger", "krippendorff_alpha",
          "conger_kappa", "cohen_kappa", "scott_pi")
SIMULATED = FAMILY + icc.ICC_KEYS
MODELS = ("mixture", "dirichlet")
CELLS = 20_000_000  # numbers per chunk of simulated studies (about 160 MB)


@dataclass(frozen=True)
class Design:
    """What the study will look like. ``prevalences`` for categorical coefficients (None: scale, ICC)."""

    coefficient: str
    n_coders: int
    expected: float  # the coefficient's expected (population) value
    prevalences: tuple[float, ...] | None = None
    missing: float = 0.0
    weights: str = "identity"
    confidence: float = 0.95
    model: str = "mixture"  # categorical: "mixture" (common correlation) or "dirichlet" (Dirichlet-multinomial)

    def __post_init__(self) -> None:
        if self.coefficient not in SIMULATED:
            raise PlanError(f"cannot simulate '{self.coefficient}' (choose from {', '.join(SIMULATED)})")
        if not isinstance(self.n_coders, (int, np.integer)) or self.n_coders < 2:
            raise PlanError(f"the number of coders must be a whole number >= 2 (got {self.n_coders!r})")
        if self.coefficient in ("cohen_kappa", "scott_pi") and self.n_coders != 2:
            raise PlanError(f"{self.coefficient} is for two coders (got {self.n_coders}); use conger_kappa or "
                            "fleiss_kappa")
        if not (0 <= self.missing < 1):
            raise PlanError(f"the missing rate must be in [0, 1) (got {self.missing!r})")
        _check_unit("confidence", self.confidence)
        if not self.is_scale and self.prevalences is None:
            raise PlanError(f"{self.coefficient} needs the category prevalences (or the number of categories)")
        if not self.is_scale:
            object.__setattr__(self, "prevalences", tuple(float(x) for x in _prevalences(self.prevalences, None)))
        if self.model not in MODELS:
            raise PlanError(f"unknown model '{self.model}' (choose from {', '.join(MODELS)})")
        if self.coefficient == "gwet_ac2" and self.weights == "identity":
            raise PlanError("gwet_ac2 needs weights other than identity (e.g. quadratic)")

    @property
    def is_scale(self) -> bool:
        return self.coefficient.startswith("icc")

    @property
    def weight_matrix(self) -> np.ndarray:
        assert self.prevalences is not None
        q = len(self.prevalences)
        return weights.weight_matrix(self.weights, [float(i + 1) for i in range(q)])

    def model_parameter(self) -> float:
        """``kappa`` of the categorical model (or ``rho`` of the scale model) that gives ``expected``."""
        v = self.expected
        if self.is_scale:
            if self.coefficient.endswith("k"):  # Spearman-Brown back to one coder
                v = v / (self.n_coders - (self.n_coders - 1) * v)
            _check_unit(f"the expected {self.coefficient}", v)
            return v
        pi = np.asarray(self.prevalences)
        w = self.weight_matrix
        pww = float(pi @ w @ pi)
        q = len(pi)
        if self.coefficient == "percent_agreement":
            pa = v
        elif self.coefficient in ("gwet_ac1", "gwet_ac2"):
            pe = float(w.sum()) / (q * (q - 1)) * float((pi * (1 - pi)).sum())
            pa = v * (1 - pe) + pe
        elif self.coefficient == "brennan_prediger":
            pe = float(w.sum()) / q**2
            pa = v * (1 - pe) + pe
        else:
            return self._unit_kappa(v)
        return self._unit_kappa((pa - pww) / (1 - pww))

    def _unit_kappa(self, k: float) -> float:
        if not 0 <= k <= 1:
            raise PlanError(f"an expected {self.coefficient} of {self.expected:g} cannot arise under the model with "
                            f"these prevalences (it would need kappa = {k:.3f}, outside [0, 1])")
        return k

    def true_value(self) -> float:
        return self.expected


def _codes(design: Design, n: int, reps: int, rng: np.random.Generator) -> np.ndarray:
    """reps x n x k category indices (-1 missing) under the common correlation model."""
    k = design.n_coders
    kappa = design.model_parameter()
    cum = np.cumsum(np.asarray(design.prevalences, dtype=float))
    cum[-1] = 1.0
    if design.model == "dirichlet" and 0 < kappa < 1:
        pi = np.asarray(design.prevalences, dtype=float)
        p = rng.dirichlet(pi * (1 - kappa) / kappa, size=(reps, n))  # reps x n x q
        cum_u = np.cumsum(p, axis=2)
        u = rng.random((reps, n, k))
        codes = np.minimum((u[:, :, :, None] >= cum_u[:, :, None, :]).sum(axis=3), len(pi) - 1).astype(np.int32)
    else:
        agree = rng.random((reps, n, 1)) < kappa
        common = np.searchsorted(cum, rng.random((reps, n, 1)), side="right")
        indep = np.searchsorted(cum, rng.random((reps, n, k)), side="right")
        codes = np.where(agree, common, indep).astype(np.int32)
    if design.missing:
        codes[rng.random(codes.shape) < design.missing] = -1
    return codes


def _scores(design: Design, n: int, reps: int, rng: np.random.Generator) -> np.ndarray:
    rho = design.model_parameter()
    x = math.sqrt(rho) * rng.standard_normal((reps, n, 1)) + math.sqrt(1 - rho) * rng.standard_normal(
        (reps, n, design.n_coders))
    if design.missing:
        x[rng.random(x.shape) < design.missing] = np.nan
    return x


def _family_one(design: Design, counts: np.ndarray, codes: np.ndarray, w: np.ndarray) -> Coefficient:
    key, cf = design.coefficient, design.confidence
    q = counts.shape[1]
    a = chance_corrected.agreement(counts, w)
    if key == "percent_agreement":
        return chance_corrected.percent_agreement(a, cf)
    if key in ("fleiss_kappa", "scott_pi"):
        return chance_corrected.fleiss_kappa(a, cf)
    if key in ("gwet_ac1", "gwet_ac2"):
        return chance_corrected.gwet_ac(a, cf)
    if key == "brennan_prediger":
        return chance_corrected.brennan_prediger(a, cf)
    if key == "krippendorff_alpha":
        return chance_corrected.krippendorff_alpha(a, cf)
    return chance_corrected.conger_kappa(codes, q, w, cf, a=a)


@dataclass(frozen=True)
class Simulation:
    """What the CI of the coefficient does over the replicates at ``n_units``."""

    design: Design
    n_units: int
    replicates: int
    defined: int  # replicates where the coefficient and its CI were defined
    mean: float | None
    sd: float | None
    mean_half_width: float | None
    half_widths: np.ndarray = field(repr=False)
    lows: np.ndarray = field(repr=False)
    highs: np.ndarray = field(repr=False)

    def share_half_width_at_most(self, h: float) -> float:
        return float(np.mean(np.nan_to_num(self.half_widths, nan=np.inf) <= h))

    def share_low_above(self, minimum: float) -> float:
        return float(np.mean(np.nan_to_num(self.lows, nan=-np.inf) > minimum))

    @property
    def coverage(self) -> float:
        t = self.design.true_value()
        return float(np.mean((np.nan_to_num(self.lows, nan=np.inf) <= t) & (np.nan_to_num(self.highs, nan=-np.inf)
                                                                              >= t)))

    def to_dict(self, minimum: float | None = None, half_width: float | None = None) -> dict[str, Any]:
        d: dict[str, Any] = {"n_units": self.n_units, "replicates": self.replicates, "defined": self.defined,
                             "mean": self.mean, "sd": self.sd, "mean_half_width": self.mean_half_width,
                             "coverage": self.coverage}
        if minimum is not None:
            d["share_lower_bound_above_minimum"] = self.share_low_above(minimum)
        if half_width is not None:
            d["share_half_width_at_most_target"] = self.share_half_width_at_most(half_width)
        return d


def simulate(design: Design, n_units: int, replicates: int = 2000, seed: int | None = None, chunk: int = 250,
             progress: Callable[[int], None] | None = None) -> Simulation:
    """Simulate ``replicates`` studies of ``n_units`` units; ``progress(k)`` after each chunk of k replicates."""
    if n_units < 2:
        raise PlanError(f"need at least 2 units (got {n_units})")
    rng = np.random.default_rng(seed)
    vals, lows, highs, hws = (np.full(replicates, np.nan) for _ in range(4))
    scale = design.is_scale
    w = None if scale else design.weight_matrix
    q = 0 if scale else len(design.prevalences or ())
    # a chunk's arrays (codes, count tables) hold at most CELLS numbers: memory stays bounded for any design
    chunk = max(1, min(chunk, CELLS // max(1, n_units * design.n_coders * max(q, 1))))
    done = 0
    while done < replicates:
        size = min(chunk, replicates - done)
        if scale:
            x = _scores(design, n_units, size, rng)
            complete = not design.missing
            for r in range(size):
                res = (icc.icc_from_mean_squares(icc.mean_squares(x[r]), design.confidence) if complete
                       else icc.icc_all(x[r], design.confidence))[design.coefficient]
                _store(res, done + r, vals, lows, highs, hws, symmetric=False)
        else:
            codes = _codes(design, n_units, size, rng)
            flat = codes.reshape(size * n_units, design.n_coders)
            counts = counting.count_table(flat, q).reshape(size, n_units, q)
            for r in range(size):
                _store(_family_one(design, counts[r], codes[r], w), done + r, vals, lows, highs, hws, symmetric=True)
        done += size
        if progress:
            progress(size)
    ok = np.isfinite(vals) & np.isfinite(lows)
    n_ok = int(ok.sum())
    return Simulation(design, n_units, replicates, n_ok,
                      float(vals[ok].mean()) if n_ok else None,
                      float(vals[ok].std(ddof=1)) if n_ok > 1 else None,
                      float(hws[ok].mean()) if n_ok else None, hws, lows, highs)


def _store(c: Coefficient, i: int, vals: np.ndarray, lows: np.ndarray, highs: np.ndarray, hws: np.ndarray,
           symmetric: bool) -> None:
    if not c.ok or c.ci_low is None or c.ci_high is None:
        return
    vals[i], lows[i], highs[i] = c.value, c.ci_low, c.ci_high
    # t-based CIs are symmetric before the cap at 1: the half-width is value - lower bound; F-based ICC CIs
    # are not: half the full width, as Bonett (2002) and Zou (2012) plan it
    hws[i] = c.value - c.ci_low if symmetric else (c.ci_high - c.ci_low) / 2


@dataclass(frozen=True)
class SimulatedPlan:
    design: Design
    goal: str
    target: float
    assurance: float | None
    n_units: int
    result: Simulation
    evaluations: list[tuple[int, float]]  # (n, criterion) of the search

    def to_dict(self) -> dict[str, Any]:
        d = self.design
        return {"coefficient": d.coefficient, "goal": self.goal, "n_units": self.n_units, "n_coders": d.n_coders,
                "n_codings": self.n_units * d.n_coders, "expected": d.expected, "target": self.target,
                "confidence": d.confidence, "assurance": self.assurance, "missing": d.missing, "weights": d.weights,
                "model": None if d.is_scale else d.model,
                "prevalences": list(d.prevalences) if d.prevalences else None,
                "method": "simulation through irrkit's engine", "status": "ok", "reason": None,
                "simulation": self.result.to_dict(self.target if self.goal == "lower_bound" else None,
                                                  self.target if self.goal == "precision" else None),
                "search": [{"n_units": n, "criterion": c} for n, c in self.evaluations]}


def plan_by_simulation(design: Design, *, half_width: float | None = None, minimum: float | None = None,
                       assurance: float | None = None, replicates: int = 2000, seed: int | None = None,
                       n_start: int | None = None, n_max: int = 20_000,
                       progress: Callable[[int], None] | None = None) -> SimulatedPlan:
    """The smallest number of units (to within the search's steps) for which the simulated CI meets the goal:

    * ``half_width``: the mean half-width is at most the target (with ``assurance``: that share of replicates
      has a half-width at most the target);
    * ``minimum``: a share ``assurance`` (default 0.8) of the replicates has its lower bound above ``minimum``.

    The search predicts n from 1/sqrt(n) scaling with a quick simulation (a tenth of the replicates), then
    evaluates the prediction and its neighbourhood with all replicates (the same seed each time: common random
    numbers).
    """
    if (half_width is None) == (minimum is None):
        raise PlanError("give either a target half-width or a minimum")
    goal = "precision" if half_width is not None else "lower_bound"
    target = half_width if half_width is not None else minimum
    assert target is not None
    if goal == "lower_bound":
        assurance = 0.8 if assurance is None else assurance
        if minimum is not None and minimum >= design.expected:
            raise PlanError(f"the expected value ({design.expected:g}) must exceed the minimum ({minimum:g})")
    if assurance is not None:
        _check_unit("assurance", assurance)
    z = _z(1 - (1 - design.confidence) / 2)

    def criterion(s: Simulation) -> float:
        """>= 0 when the goal is met."""
        if goal == "precision":
            if assurance is None:
                return float("-inf") if s.mean_half_width is None else target - s.mean_half_width
            return s.share_half_width_at_most(target) - assurance
        return s.share_low_above(target) - (assurance or 0.8)

    def predict(s: Simulation) -> int:
        """n at which the goal would just be met if SEs scale as 1/sqrt(n)."""
        if s.mean_half_width is None or not s.mean_half_width > 0:
            return min(n_max, 2 * s.n_units)
        if goal == "precision":
            h = s.mean_half_width
            if assurance is not None:
                h = float(np.quantile(np.nan_to_num(s.half_widths, nan=np.inf), assurance))
            return int(math.ceil(s.n_units * (h / target) ** 2))
        se = s.mean_half_width / z
        gap = design.expected - target
        return int(math.ceil(s.n_units * ((z + _z(assurance or 0.8)) * se / gap) ** 2))

    quick = max(200, replicates // 10)
    evals: list[tuple[int, float]] = []

    def search(n: int, reps: int, rounds: int, tol: float, pts: list[tuple[int, float]],
               prog: Callable[[int], None] | None, grow: float) -> tuple[int, Simulation] | None:
        """Bracket the goal (steps of at least a factor ``grow`` while on one side only), then secant or
        bisection in sqrt(n)."""
        best: tuple[int, Simulation] | None = None
        for _ in range(rounds):
            s = simulate(design, n, reps, seed, progress=prog)
            c = criterion(s)
            evals.append((n, c))
            pts.append((n, c))
            if c >= 0 and (best is None or n < best[0]):
                best = (n, s)
            lo = max((m for m, cc in pts if cc < 0), default=None)
            hi = min((m for m, cc in pts if cc >= 0), default=None)
            if lo is not None and hi is not None and hi - lo <= max(1, round(tol * hi)):
                break
            guess = _secant(pts, predict(s))
            if hi is None:  # only failures so far: at least grow times the largest, at most 4 times
                assert lo is not None
                nxt = min(max(guess, int(math.ceil(grow * lo))), 4 * lo, n_max)
            elif lo is None:  # only successes: at most the smallest / grow, at least a quarter of it
                nxt = max(min(guess, int(hi / grow)), hi // 4, 2)
            else:
                nxt = guess if lo < guess < hi else int(round(((math.sqrt(lo) + math.sqrt(hi)) / 2) ** 2))
                nxt = min(max(nxt, lo + 1), hi - 1)
            if any(m == nxt for m, _ in pts) or (hi is None and lo is not None and lo >= n_max):
                break
            n = nxt
        return best

    # a quick search (a tenth of the replicates) for the neighbourhood, then the full replicates there
    n0 = n_start or 50
    quick_best = search(n0, quick, 8, 0.05, [], None, 1.5)
    n1 = quick_best[0] if quick_best is not None else min(n_max, 4 * max(m for m, _ in evals))
    pts: list[tuple[int, float]] = []
    best = search(n1, replicates, 6, 0.03, pts, progress, 1.05)
    if best is None:
        raise PlanError(f"the goal is not reached with up to {max(m for m, _ in pts)} units under this design (at "
                        f"most {n_max} are tried)")
    return SimulatedPlan(design, goal, target, assurance, best[0], best[1], evals)


def _secant(pts: list[tuple[int, float]], fallback: int) -> int:
    """The root of the line through the last two (sqrt(n), criterion) points, or ``fallback``."""
    if len(pts) < 2:
        return fallback
    (n1, c1), (n2, c2) = pts[-2], pts[-1]
    if c1 == c2:
        return fallback
    r1, r2 = math.sqrt(n1), math.sqrt(n2)
    root = r2 - c2 * (r2 - r1) / (c2 - c1)
    return int(math.ceil(root**2)) if root > 0 else fallback
