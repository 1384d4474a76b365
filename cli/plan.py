"""``irrkit plan``: how many units to code (closed forms with their sources, or a simulation through the engine)."""

from pathlib import Path
from typing import Annotated, Any

import typer

from irrkit.cli.options import ConfidenceOpt, Format, FormatOpt, err_console, guarded


def _floats(text: str | None, option: str) -> tuple[float, ...] | None:
    from irrkit.errors import InputError

    if text is None:
        return None
    try:
        return tuple(float(x) for x in text.split(","))
    except ValueError:
        raise InputError.single(option, f"'{text}' is not a comma-separated list of proportions, e.g. "
                                        "0.2,0.3,0.5") from None


@guarded
def plan(
    coefficient: Annotated[str | None, typer.Option(
        "--coefficient", "-s", help="icc (or icc1/icc2/icc3/icc1k/...), krippendorff_alpha, percent_agreement, "
                                    "gwet_ac1, gwet_ac2, cohen_kappa, fleiss_kappa, conger_kappa, scott_pi, "
                                    "brennan_prediger (default with --from: each item's primary statistic).",
        show_default=False)] = None,
    expected: Annotated[float | None, typer.Option(
        "--expected", help="The value you expect the coefficient to have (default with --from: the pilot's).",
        show_default=False)] = None,
    coders: Annotated[int | None, typer.Option("--coders", "-k", min=2, help="Coders per unit (default 2, with "
                                                                            "--from: the pilot's).")] = None,
    half_width: Annotated[float | None, typer.Option(
        "--half-width", help="Goal: the CI's half-width at most this (e.g. 0.1).", show_default=False)] = None,
    minimum: Annotated[float | None, typer.Option(
        "--min", help="Goal: the CI's lower bound above this minimum (e.g. 0.7), with --assurance.",
        show_default=False)] = None,
    assurance: Annotated[float | None, typer.Option(
        "--assurance", help="Probability of reaching the goal (default 0.8 for --min; for --half-width: none, "
                            "the expected width).", show_default=False)] = None,
    prevalences: Annotated[str | None, typer.Option(
        "--prevalences", help="Expected share of each category, e.g. 0.2,0.3,0.5 (one number: the share of "
                              "the positive category of two).", show_default=False)] = None,
    categories: Annotated[int | None, typer.Option(
        "--categories", min=2, help="Number of equally frequent categories (instead of --prevalences).",
        show_default=False)] = None,
    pilot: Annotated[Path | None, typer.Option(
        "--from", help="A pilot's results JSON (irrkit check/compute --format json, or results.json of --out): "
                       "its estimates, coders and category shares.", show_default=False)] = None,
    item: Annotated[str | None, typer.Option("--item", help="Only this item of the pilot.",
                                             show_default=False)] = None,
    simulate: Annotated[bool, typer.Option(
        "--simulate", help="Also run the simulation planner (always run when no closed form fits).")] = False,
    replicates: Annotated[int, typer.Option("--replicates", min=100, help="Simulated studies per n.")] = 2000,
    missing: Annotated[float, typer.Option("--missing", min=0.0, max=0.95, help="Share of missing ratings "
                                                                              "(simulation).")] = 0.0,
    weights: Annotated[str, typer.Option("--weights", help="Weights of AC2 & co. (simulation): identity, linear, "
                                                           "quadratic, ...")] = "identity",
    model: Annotated[str, typer.Option("--model", help="Categorical simulation model: mixture (common "
                                                       "correlation) or dirichlet.")] = "mixture",
    units: Annotated[int | None, typer.Option(
        "--units", "-n", help="Fixed n: how precise the CI will be with this many units (expected half-width and "
                              "the half-width reached with --assurance; with --min, how likely the lower bound "
                              "clears it). By simulation.", show_default=False)] = None,
    cluster_size: Annotated[float | None, typer.Option(
        "--cluster-size", help="Units nested in clusters (e.g. sequences in sessions): mean units per cluster; "
                               "with --cluster-icc the plan is multiplied by the design effect.",
        show_default=False)] = None,
    clusters: Annotated[int | None, typer.Option(
        "--clusters", help="With --units: the number of clusters the units come from (e.g. 32 sessions).",
        show_default=False)] = None,
    cluster_icc: Annotated[float | None, typer.Option(
        "--cluster-icc", help="How alike the units of one cluster are (intra-cluster correlation, 0-1); design "
                              "effect 1 + (m - 1) x this.", show_default=False)] = None,
    confidence: ConfidenceOpt = 0.95,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed of the simulation (reproducible "
                                                            "plans).")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """How many units to code: for a target CI half-width, or so that the CI's lower bound clears a minimum.

    Exit codes: 0 planned, 2 bad input or no plan possible, 3 internal error.

    Examples: [bold]irrkit plan -s gwet_ac1 --expected 0.8 --categories 4 --half-width 0.1 -k 3[/]
    (units for a CI of +/-0.1); [bold]irrkit plan --from results/results.json --min 0.7[/] (from a pilot).
    """
    from irrkit import __version__
    from irrkit.errors import InputError
    from irrkit.planning import planner
    from irrkit.planning.closed_forms import PlanError
    from irrkit.workflows.plan import plan_from_pilot

    if units is None and (half_width is None) == (minimum is None):
        raise InputError.single("irrkit plan", "give one goal: --half-width H or --min M (or --units N: the "
                                               "precision of a fixed number of units)")
    if units is not None and half_width is not None and minimum is not None:
        raise InputError.single("irrkit plan", "with --units give at most one of --half-width and --min")
    if weights != "identity":  # (the weights module loads NumPy: only when weights are asked for)
        from irrkit.statistics.weights import WEIGHT_NAMES

        if weights not in WEIGHT_NAMES:
            raise InputError.single("--weights", f"'{weights}' is not one of {', '.join(WEIGHT_NAMES)}")
    if pilot is None and coefficient is None:
        raise InputError.single("irrkit plan", "give --coefficient (and --expected), or a pilot with --from")
    if fmt not in (Format.table, Format.json):
        raise InputError.single("--format", "plan writes table or json")
    req = planner.Request(coefficient or "", expected, coders or (0 if pilot else 2), half_width, minimum,
                          assurance, confidence, _floats(prevalences, "--prevalences"), categories, simulate,
                          replicates, seed, missing, weights, model, units, cluster_size, clusters, cluster_icc)
    with _progress(simulate or pilot is not None or units is not None) as tick:
        try:
            if pilot is not None:
                rows = plan_from_pilot(pilot, req, item, progress=tick)
            else:
                rows = [{**planner.plan(req, progress=tick), "status": "ok", "reason": None}]
        except PlanError as e:
            raise InputError.single("irrkit plan", str(e)) from None
    if fmt == Format.json:
        import json

        typer.echo(json.dumps({"tool": "irrkit", "version": __version__, "plans": rows}, indent=2, allow_nan=False))
        return
    if units is not None and pilot is None:
        _fixed_table(rows[0])
        return
    _table(rows, pilot is not None)


class _progress:
    """A progress bar on stderr while simulations run (nothing when stderr is not a terminal)."""

    def __init__(self, maybe: bool) -> None:
        self.maybe = maybe
        self.bar: Any = None

    def __enter__(self):
        if not self.maybe:
            return None
        return self._tick

    def _tick(self, k: int) -> None:
        """Count simulated studies; the spinner starts with the first one (a refused plan shows none)."""
        if self.bar is None:
            if k <= 0:
                return
            from rich.progress import Progress, SpinnerColumn

            self.bar = Progress(SpinnerColumn(), "simulating", "{task.completed} studies", console=err_console(),
                                transient=True)
            self.bar.start()
            self.task = self.bar.add_task("simulate", total=None)
        self.bar.advance(self.task, k)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return ""
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def _goal(r: dict[str, Any], src: dict[str, Any]) -> str:
    target = r["target"]
    if r["goal"] == "precision":
        text = f"half-width <= {target:g}"
    elif r["coefficient"] == "krippendorff_alpha" and src.get("p") is not None:
        text = f"alpha > {target:g} at p = {src['p']:g}"
    else:
        text = f"lower bound > {target:g}"
    a = src.get("assurance")
    if a is not None:
        text += f", assurance {a:g}"
    return text


EXPLAIN = ("assurance: the probability that the study reaches the goal (its CI narrow enough, or its lower bound "
           "above the minimum), not the CI's confidence; by: the formula or simulation that gave the number, with "
           "its source below")


def _lead(rows: list[dict[str, Any]], console: Any) -> None:
    """The plain-language sentence(s) above the table."""
    from rich.markup import escape

    for r in rows:
        if r.get("summary"):
            lead = f"{r['item']}: " if r.get("item") else ""
            console.print(escape(lead + r["summary"]), soft_wrap=True)
    console.print()


def _after(rows: list[dict[str, Any]], console: Any) -> None:
    """ICC form, design effect, caveats and what the columns mean, under the table."""
    from rich.markup import escape

    lines = []
    for r in rows:
        if r.get("icc_form"):
            lines.append(f"ICC: {r['icc_form']}")
        d = r.get("design_effect")
        if d:
            lines.append(f"design effect {d['design_effect']:.3f} (clusters of {d['cluster_size']:.3g} units, "
                         f"intra-cluster correlation {d['cluster_icc']:g}): {d['method']}. {d['source']}")
        lines += [f"caveat: {c}" for c in r.get("caveats") or []]
    lines.append(EXPLAIN)
    for n in dict.fromkeys(lines):
        console.print(escape(n), soft_wrap=True)


def _fixed_table(r: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from irrkit.statistics.registry import name as stat_name

    console = Console(highlight=False)
    _lead([r], console)
    p = r["precision"]
    t = Table(header_style="bold")
    for col in ("coefficient", "expected", "units", "coders", "mean half-width", f"half-width at {r['assurance']:g}",
                "mean lower bound", "by"):
        t.add_column(col, justify="left" if col in ("coefficient", "by") else "right")
    t.add_row(stat_name(r["coefficient"], r.get("weights")), _fmt(r["expected"]), str(r["n_units"]),
              str(r["n_coders"]), _fmt(p["mean_half_width"]), _fmt(p["half_width_at_assurance"]),
              _fmt(p["mean_lower_bound"]), "simulation")
    console.print(t)
    s = r["simulation"]["simulation"]
    console.print(f"simulation: {s['replicates']} simulated studies of {s['n_units']} units through irrkit's engine; "
                  f"CI coverage {s['coverage']:.1%}", soft_wrap=True)
    _after([r], console)


def _table(rows: list[dict[str, Any]], from_pilot: bool) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from irrkit.statistics.registry import name as stat_name

    console = Console(highlight=False)
    _lead(rows, console)
    t = Table(header_style="bold", show_lines=False)
    cols = (["item", "pilot", "coefficient", "expected", "goal", "units", "more", "by"] if from_pilot
            else ["coefficient", "expected", "goal", "coders", "units", "codings", "by"])
    for col in cols:
        t.add_column(col, overflow="fold", justify="right" if col in ("units", "codings", "pilot", "coders",
                                                                       "expected", "more") else "left")
    notes: list[str] = []
    for r in rows:
        lead = [escape(str(r.get("item", ""))), _fmt(r.get("pilot_units"))] if from_pilot else []
        if r.get("status") != "ok":
            t.add_row(*lead, escape(stat_name(str(r.get("coefficient", "")), r.get("weights"))),
                      _fmt(r.get("expected")), "", "", "",
                      "[yellow]not planned[/]")
            notes.append(f"{r.get('item', r.get('coefficient'))}: not planned: {r.get('reason')}")
            continue
        cf, sim = r.get("closed_form"), r.get("simulation")
        for src, is_sim in ((cf, False), (sim, True)):
            if not src:
                continue
            by = "simulation" if is_sim else src.get("short") or src["method"]
            if from_pilot:
                more = max(0, src["n_units"] - r["pilot_units"]) if isinstance(r.get("pilot_units"), int) else None
                mid = [str(src["n_units"]), _fmt(more)]
            else:
                mid = [str(r["n_coders"]), str(src["n_units"]), str(src["n_units"] * r["n_coders"])]
            goal = _goal(r, src) if not from_pilot else _goal(r, src) + f", {r['n_coders']} coders"
            t.add_row(*lead, escape(stat_name(r["coefficient"], r.get("weights"))), _fmt(r.get("expected")),
                      escape(goal), *mid[:1] if
                      from_pilot else mid[:2], *(mid[1:] if from_pilot else mid[2:]), escape(by))
            if is_sim:
                s = src["simulation"]
                crit = s.get("share_lower_bound_above_minimum", s.get("share_half_width_at_most_target"))
                model = f" (model {src['model']})" if src.get("model") else ""
                notes.append(f"simulation: {s['replicates']} simulated studies of {s['n_units']} units through "
                             f"irrkit's engine{model}: mean estimate {_fmt(s['mean'])}, mean half-width "
                             f"{_fmt(s['mean_half_width'])}" + (f", goal reached in {crit:.1%}" if crit is not None
                                                                else "") + f", CI coverage {s['coverage']:.1%}")
            else:
                notes.append(f"{src.get('short')}: {src['method']}. {src['source']}")
                if src.get("note"):
                    notes.append(src["note"])
        if r.get("more_units") is not None:
            notes.append(f"{r.get('item')}: {r['n_units']} units needed, the pilot has {r.get('pilot_units')}: "
                         f"{r['more_units']} more")
        if r.get("closed_form_not_used") and sim:
            notes.append(f"closed form not used: {r['closed_form_not_used']}")
    console.print(t)
    for n in dict.fromkeys(notes):
        console.print(escape(n), soft_wrap=True)
    _after(rows, console)
