"""One planning request -> the closed form (where the literature has one) and/or the simulation planner; and
planning from a pilot study's results JSON (``irrkit check/compute --format json``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from irrkit.errors import InputError
from irrkit.planning import closed_forms
from irrkit.planning.closed_forms import PlanError

# which closed form serves which coefficient key
CLOSED_FORM_KEYS = {"icc": "icc", "icc1": "icc", "icc2": "icc", "icc3": "icc", "krippendorff_alpha":
                    "krippendorff_alpha", "percent_agreement": "percent_agreement", "gwet_ac1": "gwet_ac1",
                    "cohen_kappa": "cohen_kappa", "fleiss_kappa": "fleiss_kappa", "conger_kappa": "conger_kappa"}
# what the simulation planner covers (irrkit.planning.simulation.SIMULATED; not imported here, so a closed-form plan
# loads no more than it needs)
SIMULATED = ("percent_agreement", "fleiss_kappa", "gwet_ac1", "gwet_ac2", "brennan_prediger", "krippendorff_alpha",
             "conger_kappa", "cohen_kappa", "scott_pi", "icc1", "icc2", "icc3", "icc1k", "icc2k", "icc3k")
COEFFICIENTS = tuple(sorted(set(CLOSED_FORM_KEYS) | set(SIMULATED)))


@dataclass(frozen=True)
class Request:
    coefficient: str
    expected: float | None
    coders: int = 2
    half_width: float | None = None
    minimum: float | None = None
    assurance: float | None = None
    confidence: float = 0.95
    prevalences: tuple[float, ...] | None = None
    n_categories: int | None = None
    simulate: bool = False  # also (or, without a closed form, only) the simulation planner
    replicates: int = 2000
    seed: int | None = None
    missing: float = 0.0
    weights: str = "identity"
    model: str = "mixture"
    units: int | None = None  # fixed-n mode: how precise will the CI be with this many units?
    cluster_size: float | None = None  # units per cluster (mean), for the design effect
    clusters: int | None = None  # or the number of clusters (with ``units``)
    cluster_icc: float | None = None  # intra-cluster correlation of the units' agreement


# every size a request may ask for is bounded (a clear error, not a 74 GiB array)
MAX_CATEGORIES = 100
MAX_REPLICATES = 100_000
MAX_CODERS = 1_000
MAX_UNITS = 20_000  # the simulation's own cap (simulation.plan_by_simulation's n_max)
MIN_HALF_WIDTH = 0.005
SENSIBLE_MINIMUM = 30  # Koo & Li (2016): at least 30 heterogeneous units (and 3 coders) for an ICC study
ICC_FORM = {"icc": "ICC(1), ICC(A,1) and ICC(C,1) (single rater; one-way model of the planners)",
            "icc1": "ICC(1) (one-way random effects, single rater)",
            "icc2": "ICC(A,1) (two-way random effects, absolute agreement, single rater)",
            "icc3": "ICC(C,1) (two-way mixed effects, consistency, single rater)",
            "icc1k": "ICC(k) (one-way random effects, mean of k raters)",
            "icc2k": "ICC(A,k) (two-way random effects, absolute agreement, mean of k raters)",
            "icc3k": "ICC(C,k) (two-way mixed effects, consistency, mean of k raters)"}


def check_request(req: Request) -> None:
    """Every number of a request in its range, else PlanError naming the option and the allowed range."""
    def bad(option: str, value: Any, allowed: str) -> PlanError:
        return PlanError(f"{option} {value!r} is out of range: {allowed}")

    if req.n_categories is not None and not 2 <= req.n_categories <= MAX_CATEGORIES:
        raise bad("--categories", req.n_categories, f"2 to {MAX_CATEGORIES} categories")
    if req.prevalences is not None and len(req.prevalences) > MAX_CATEGORIES:
        raise bad("--prevalences", f"{len(req.prevalences)} shares", f"at most {MAX_CATEGORIES} categories")
    if not 100 <= req.replicates <= MAX_REPLICATES:
        raise bad("--replicates", req.replicates, f"100 to {MAX_REPLICATES:,} simulated studies")
    if req.coders and not 2 <= req.coders <= MAX_CODERS:
        raise bad("--coders", req.coders, f"2 to {MAX_CODERS:,} coders")
    for option, v in (("--expected", req.expected), ("--min", req.minimum), ("--half-width", req.half_width),
                      ("--assurance", req.assurance), ("--cluster-icc", req.cluster_icc),
                      ("--cluster-size", req.cluster_size)):
        if v is not None and not math.isfinite(v):
            raise bad(option, v, "a finite number")
    if req.half_width is not None and not MIN_HALF_WIDTH <= req.half_width < 1:
        raise bad("--half-width", req.half_width, f"from {MIN_HALF_WIDTH} (narrower needs hundreds of thousands "
                  "of units) to below 1")
    if req.seed is not None and not 0 <= req.seed < 2**63:
        raise bad("--seed", req.seed, "a whole number from 0")
    if req.units is not None and not 2 <= req.units <= MAX_UNITS:
        raise bad("--units", req.units, f"2 to {MAX_UNITS:,} units")
    if req.cluster_icc is not None and not 0 <= req.cluster_icc <= 1:
        raise bad("--cluster-icc", req.cluster_icc, "0 to 1")
    if req.cluster_size is not None and not 1 <= req.cluster_size <= MAX_UNITS:
        raise bad("--cluster-size", req.cluster_size, f"1 to {MAX_UNITS:,} units per cluster")
    if req.clusters is not None:
        if req.units is None:
            raise PlanError("--clusters goes with --units (how many units in how many clusters); to plan a "
                            "number of units give --cluster-size")
        if not 1 <= req.clusters <= req.units:
            raise bad("--clusters", req.clusters, f"1 to the number of units ({req.units})")
    if (req.cluster_size is not None or req.clusters is not None) and req.cluster_icc is None:
        raise PlanError("a design with clusters needs --cluster-icc R: how alike the units of one cluster are "
                        "(0: independent; .05-.2 is common for sequences of one session)")
    if req.cluster_size is not None and req.clusters is not None:
        raise PlanError("give --cluster-size or --clusters, not both")


def design_effect(req: Request) -> dict[str, Any] | None:
    """Kish's (1965) design effect 1 + (m - 1) rho for units nested in clusters of mean size m with
    intra-cluster correlation rho: the variance of a mean over clustered units relative to independent ones.
    The analysis side's ``--cluster`` (cluster-robust SEs) estimates the same inflation from the data."""
    if req.cluster_icc is None:
        return None
    m = req.cluster_size if req.cluster_size is not None else (req.units / req.clusters if req.units and
                                                               req.clusters else 1.0)
    deff = 1 + (m - 1) * req.cluster_icc
    return {"cluster_size": m, "cluster_icc": req.cluster_icc, "design_effect": deff,
            "method": "Kish's design effect 1 + (m - 1) rho: n clustered units are worth n / deff independent "
                      "ones", "source": "Kish L (1965). Survey Sampling. Wiley, sec. 5.4"}


def _closed_form_usable(req: Request) -> str | None:
    """Why the closed form does not fit the request (None: it does)."""
    key = CLOSED_FORM_KEYS.get(req.coefficient)
    if key is None:
        return f"no closed form for {req.coefficient}"
    if req.missing:
        return "the closed forms assume complete ratings (use the simulation for a missing rate)"
    if req.weights not in ("identity", None) and key != "icc":
        return "the closed forms are for unweighted coefficients"
    if key == "krippendorff_alpha" and req.minimum is None:
        return "Krippendorff's table plans for a minimum alpha, not a half-width"
    if key in ("cohen_kappa", "fleiss_kappa", "conger_kappa") and not 2 <= req.coders <= 6:
        return "the kappa closed forms (kappaSize) are for 2 to 6 coders"
    if key == "cohen_kappa" and req.coders != 2:
        return "Cohen's kappa is for two coders"
    q = len(req.prevalences) if req.prevalences is not None and len(req.prevalences) > 1 else req.n_categories
    if key in ("cohen_kappa", "fleiss_kappa", "conger_kappa") and q is not None and q > 5:
        return f"the kappa closed forms (kappaSize) are for 2 to 5 categories, not {q}"
    return None


def plan(req: Request, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Plan one request: ``{"closed_form": dict | None, "simulation": dict | None, "n_units": int, ...}``;
    with ``req.units`` the precision at that n (:func:`precision_at`). Adds the design effect of clusters,
    caveats and a plain-language ``summary``."""
    check_request(req)
    if req.units is not None:
        out = precision_at(req, progress)
    else:
        out = _plan(req, progress)
        deff = design_effect(req)
        if deff is not None and out["n_units"] is not None:
            out["n_units_independent"] = out["n_units"]
            out["n_units"] = math.ceil(out["n_units"] * deff["design_effect"])
            out["n_codings"] = out["n_units"] * req.coders
            deff["n_clusters"] = math.ceil(out["n_units"] / deff["cluster_size"])
        out["design_effect"] = deff
    if req.coefficient in ICC_FORM:
        out["icc_form"] = ICC_FORM[req.coefficient]
    out["caveats"] = caveats(req, out)
    out["summary"] = summary(req, out)
    return out


def _plan(req: Request, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    if req.coefficient not in COEFFICIENTS:
        raise PlanError(f"unknown coefficient '{req.coefficient}' (choose from {', '.join(COEFFICIENTS)})")
    if req.expected is None and req.coefficient != "krippendorff_alpha":
        raise PlanError("give the expected value of the coefficient (--expected) or a pilot (--from)")
    why_not = _closed_form_usable(req)
    closed = None
    if why_not is None:
        expected = req.expected if req.expected is not None else math.nan
        closed = closed_forms.closed_form(req.coefficient, expected, req.coders, half_width=req.half_width,
                                      minimum=req.minimum, confidence=req.confidence, assurance=req.assurance,
                                      prevalences=req.prevalences, n_categories=req.n_categories)
    sim = None
    if req.simulate or closed is None:
        from irrkit.planning import simulation

        if req.expected is None:
            raise PlanError("the simulation planner needs the expected value (--expected)")
        design = _design(req)
        start = closed.n_units if closed is not None else None
        if start is not None and start > MAX_UNITS:
            raise PlanError(f"the goal needs {start:,} units by the closed form, more than the simulation tries "
                            f"({MAX_UNITS:,}); ask for a wider half-width or a lower minimum")
        sim = simulation.plan_by_simulation(design, half_width=req.half_width, minimum=req.minimum,
                                            assurance=req.assurance, replicates=req.replicates, seed=req.seed,
                                            n_start=start, progress=progress)
    n = closed.n_units if closed is not None else sim.n_units if sim is not None else None
    return {"coefficient": req.coefficient, "goal": "precision" if req.half_width is not None else "lower_bound",
            "expected": req.expected, "target": req.half_width if req.half_width is not None else req.minimum,
            "n_coders": req.coders, "confidence": req.confidence, "assurance": req.assurance, "n_units": n,
            "n_codings": None if n is None else n * req.coders,
            "closed_form": closed.to_dict() if closed is not None else None,
            "closed_form_not_used": why_not,
            "simulation": sim.to_dict() if sim is not None else None}


def _design(req: Request) -> Any:
    from irrkit.planning import simulation

    key = "icc1" if req.coefficient == "icc" else req.coefficient
    prev = req.prevalences
    if prev is None and not key.startswith("icc"):
        if not req.n_categories:
            raise PlanError(f"{key} needs the category prevalences (--prevalences) or --categories N")
        prev = tuple([1 / req.n_categories] * req.n_categories)
    if req.expected is None:
        raise PlanError("give the expected value of the coefficient (--expected) or a pilot (--from)")
    return simulation.Design(key, req.coders, req.expected, prevalences=prev, missing=req.missing,
                             weights=req.weights or "identity", confidence=req.confidence, model=req.model)


def precision_at(req: Request, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Fixed-n mode (as kappaSize's FixedN and presize answer): with ``req.units`` units, by simulation
    through irrkit's engine, the expected (mean) CI half-width, the half-width reached with probability
    ``assurance`` (default .8), and with a minimum the probability that the lower bound clears it. Units
    nested in clusters count as n / deff independent units (Kish's design effect)."""
    import numpy as np

    from irrkit.planning import simulation

    assert req.units is not None
    if req.coefficient not in simulation.SIMULATED and req.coefficient != "icc":
        raise PlanError(f"cannot simulate '{req.coefficient}' (choose from {', '.join(simulation.SIMULATED)})")
    design = _design(req)
    deff = design_effect(req)
    n_eff = req.units if deff is None else max(2, int(round(req.units / deff["design_effect"])))
    if deff is not None:
        deff["n_effective"] = n_eff
        if req.clusters is not None:
            deff["n_clusters"] = req.clusters
    s = simulation.simulate(design, n_eff, req.replicates, req.seed, progress=progress)
    assurance = 0.8 if req.assurance is None else req.assurance
    hw = np.nan_to_num(s.half_widths, nan=np.inf)
    out: dict[str, Any] = {
        "coefficient": req.coefficient, "goal": "fixed_n", "expected": req.expected, "target": None,
        "n_coders": req.coders, "confidence": req.confidence, "assurance": assurance, "n_units": req.units,
        "n_codings": req.units * req.coders, "closed_form": None, "closed_form_not_used": "fixed-n mode",
        "design_effect": deff,
        "precision": {"n_units_simulated": n_eff, "mean_half_width": s.mean_half_width,
                      "median_half_width": float(np.median(hw)) if s.defined else None,
                      "half_width_at_assurance": float(np.quantile(hw, assurance)) if s.defined else None,
                      "mean_lower_bound": float(np.nanmean(s.lows)) if s.defined else None,
                      "share_lower_bound_above_minimum": s.share_low_above(req.minimum)
                      if req.minimum is not None else None,
                      "share_half_width_at_most_target": s.share_half_width_at_most(req.half_width)
                      if req.half_width is not None else None},
        "simulation": {"method": "simulation through irrkit's engine", "n_units": n_eff,
                       "simulation": s.to_dict(req.minimum, req.half_width),
                       "model": None if design.is_scale else design.model}}
    if req.minimum is not None or req.half_width is not None:
        out["target"] = req.minimum if req.minimum is not None else req.half_width
    return out


def _num(x: float | None, digits: int = 2) -> str:
    """A number for the plain-language sentence: no leading zero for values in (-1, 1) (APA)."""
    if x is None:
        return "?"
    if 0 < abs(x) < 0.1 and digits == 2:
        digits = 3
    s = f"{abs(x):.{digits}f}"
    if s.startswith("0."):
        s = s[1:]
    return ("-" if x < 0 else "") + s


def caveats(req: Request, out: dict[str, Any]) -> list[str]:
    """Where the answer is below a sensible minimum or rests on a convention the reader should know."""
    notes = []
    n = out.get("n_units")
    if n is not None and n < SENSIBLE_MINIMUM:
        what = ("Koo and Li (2016) recommend at least 30 heterogeneous units and 3 coders for an ICC study"
                if req.coefficient.startswith("icc") else "the normal approximation behind the CI is poor below "
                "about 30 units")
        notes.append(f"{n} units is below a sensible minimum: {what}; plan at least {SENSIBLE_MINIMUM} units "
                     "(and a CI from so few units is wide whatever the estimate)")
    if req.expected is not None and req.expected >= 0.95 and out.get("goal") != "fixed_n":
        notes.append(f"an expected value of {_num(req.expected)} is near the ceiling: a pilot's estimate this high "
                     "often overstates agreement; plan with a more modest value too")
    cf = out.get("closed_form") or {}
    if cf.get("convention"):
        notes.append(cf["convention"])
    return notes


def summary(req: Request, out: dict[str, Any]) -> str:
    """The answer in one plain-language sentence (above the table, and ``summary`` in the JSON)."""
    from irrkit.statistics.registry import name as stat_name

    stat = ICC_FORM.get(req.coefficient, "").split(" (")[0] or stat_name(req.coefficient, req.weights)
    conf = f"{req.confidence:.0%}"
    k = req.coders
    deff = out.get("design_effect")
    if out.get("goal") == "fixed_n":
        p = out["precision"]
        nested = ""
        if deff is not None:
            nested = (f" (in {deff.get('n_clusters') or _num(deff['cluster_size'], 1) + ' per'} clusters, worth "
                      f"about {deff['n_effective']} independent units)")
        text = (f"With {req.units} units{nested} coded by {k} coders each, if the true {stat} is "
                f"{_num(req.expected)}, its {conf} CI is expected to be about +/- {_num(p['mean_half_width'])} wide "
                f"(mean half-width); with {out['assurance']:.0%} probability at most +/- "
                f"{_num(p['half_width_at_assurance'])}")
        if p.get("share_lower_bound_above_minimum") is not None:
            text += (f"; its lower bound exceeds {_num(req.minimum)} with {p['share_lower_bound_above_minimum']:.0%} "
                     "probability")
        return text + "."
    n = out.get("n_units")
    if n is None:
        return "No plan: see the reason."
    clusters = ""
    if deff is not None:
        clusters = (f" (about {deff['n_clusters']} clusters of {_num(deff['cluster_size'], 1)}; design effect "
                    f"{deff['design_effect']:.2f})")
    lead = f"Code {n} units{clusters} by {'both' if k == 2 else f'all {k}'} coders"
    if req.coefficient == "krippendorff_alpha" and (out.get("closed_form") or {}).get("p") is not None:
        cf = out["closed_form"]
        return (f"{lead}: then Krippendorff's alpha can be shown to exceed {_num(req.minimum, 3)} at p = "
                f"{cf['p']:g} (one-sided) when the smallest category has a share of {cf['smallest_probability']:.2f} "
                "(Krippendorff 2004, after Bloch and Kraemer 1989).")
    a = out.get("assurance")
    if req.half_width is not None:
        how = (f"with {a:.0%} probability at most" if a is not None else "on average")
        return (f"{lead}: if the true {stat} is {_num(req.expected)}, its {conf} CI is {how} +/- "
                f"{_num(req.half_width)} wide.")
    return (f"{lead}: if the true {stat} is {_num(req.expected)}, the lower bound of its {conf} CI exceeds "
            f"{_num(req.minimum)} with {(a or 0.8):.0%} probability.")


def from_pilot(items: list[dict[str, Any]], req: Request, item: str | None = None,
               progress: Callable[[int], None] | None = None, path: Path | str = "<pilot>") -> list[dict[str, Any]]:
    """For each item of the pilot's results (``items`` of a results JSON; or the one named): how many units the
    study needs with the pilot's estimate as the expected value, its coders and its category distribution; and
    how many more than the pilot has. A request's own expected value, coders or prevalences override the
    pilot's. ``path`` names the pilot in messages (reading it: :func:`irrkit.workflows.plan.read_pilot`)."""
    if item is not None:
        found = [i for i in items if i.get("item") == item]
        if not found:
            names = ", ".join(str(i.get("item")) for i in items)
            raise InputError.single(str(path), f"no item '{item}' in the pilot (items: {names})")
        items = found
    out = []
    for it in items:
        name = str(it.get("item"))
        coefs = it.get("coefficients") or {}
        key = req.coefficient or it.get("primary") or ""
        row: dict[str, Any] = {"item": name, "pilot_units": it.get("n_units"), "pilot_coders": it.get("n_coders")}
        c = coefs.get(key)
        if not isinstance(c, dict):
            out.append({**row, "coefficient": key, "n_units": None, "status": "undefined",
                        "reason": f"the pilot has no {key} for this item (it has: {', '.join(coefs)})"})
            continue
        value = c.get("value")
        if req.expected is None and (c.get("status") != "ok" or not isinstance(value, (int, float))):
            out.append({**row, "coefficient": key, "n_units": None, "status": "undefined",
                        "reason": f"the pilot's {key} is undefined: {c.get('reason')}"})
            continue
        expected = req.expected if req.expected is not None else float(value)
        if req.minimum is not None and expected <= req.minimum:
            out.append({**row, "coefficient": key, "expected": expected, "n_units": None, "status": "undefined",
                        "reason": f"the expected {key} ({expected:.3f}) does not exceed the minimum "
                                  f"({req.minimum:g}): no number of units makes the lower bound clear it"})
            continue
        prev = req.prevalences
        dist = it.get("distribution") or {}
        if prev is None and dist and not key.startswith("icc"):
            total = sum(v for v in dist.values() if isinstance(v, (int, float)))
            used = [v / total for v in dist.values() if isinstance(v, (int, float)) and v > 0] if total else []
            prev = tuple(used) if len(used) >= 2 else None
        coders = req.coders if req.coders else int(it.get("n_coders") or 2)
        weights = req.weights if req.weights != "identity" else (
            it.get("weights") if key in ("gwet_ac2",) else "identity")
        r = replace(req, coefficient=key, expected=expected, coders=coders, prevalences=prev,
                    weights=weights or "identity")
        try:
            res = plan(r, progress)
        except PlanError as e:
            out.append({**row, "coefficient": key, "expected": expected, "n_units": None, "status": "undefined",
                        "reason": str(e)})
            continue
        more = None
        if res["n_units"] is not None and isinstance(row["pilot_units"], int):
            more = max(0, res["n_units"] - row["pilot_units"])
        out.append({**row, **res, "more_units": more, "status": "ok", "reason": None})
    return out
