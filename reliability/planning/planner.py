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
    return None


def plan(req: Request, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Plan one request: ``{"closed_form": dict | None, "simulation": dict | None, "n_units": int, ...}``."""
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
        key = "icc1" if req.coefficient == "icc" else req.coefficient
        prev = req.prevalences
        if prev is None and not key.startswith("icc"):
            if not req.n_categories:
                raise PlanError(f"{key} needs the category prevalences (--prevalences) or --categories N")
            prev = tuple([1 / req.n_categories] * req.n_categories)
        design = simulation.Design(key, req.coders, req.expected, prevalences=prev, missing=req.missing,
                                   weights=req.weights or "identity", confidence=req.confidence, model=req.model)
        start = closed.n_units if closed is not None else None
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


def read_pilot(path: Path) -> list[dict[str, Any]]:
    """The items of an irrkit results JSON (``--format json`` of check/compute, or results.json)."""
    from irrkit.readers.json_input import read_json

    data = read_json(Path(path), "an irrkit results JSON (check/compute --format json, or results.json)")
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise InputError.single(str(path), "not an irrkit results JSON: no 'items' list (write one with "
                                           "`irrkit check ... --format json` or take results.json of --out)")
    return items


def from_pilot(path: Path, req: Request, item: str | None = None,
               progress: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """For each item of the pilot (or the one named): how many units the study needs with the pilot's
    estimate as the expected value, its coders and its category distribution; and how many more than the
    pilot has. A request's own expected value, coders or prevalences override the pilot's."""
    items = read_pilot(path)
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
