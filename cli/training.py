"""``irrkit train`` and ``irrkit retest``: training rounds against a gold standard, test-retest agreement.

Registered on the app by ``cli/main.py``; the jobs are ``irrkit.workflows.rounds`` (this module writes their files
and shows the results). No numpy/pandas at import time (``--help`` stays fast).
"""

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from irrkit.cli.options import (
    ClusterOpt,
    ConfidenceOpt,
    CsvDialectChoice,
    CsvDialectOpt,
    EncodingOpt,
    Format,
    FormatOpt,
    GateOn,
    GateOnOpt,
    JunitOpt,
    NoGateOpt,
    ReportOpt,
    SummaryOpt,
    UnitColOpt,
    err_console,
    guarded,
    print_written,
)
from irrkit.outputs.escaping import terminal

GATES_HELP = ("Thresholds: Cohen's kappa >= 0.60 for nominal items and ICC(A,1) >= 0.60 for scale items by "
              "default, overridden by the codebook's gate: entries for these statistics, overridden by --min.")
TrainMinOpt = Annotated[list[str] | None, typer.Option(
    "--min", metavar="GATE", help="Gate: STAT=VALUE for all items or ITEM:STAT=VALUE (repeatable); STAT is "
                  "percent_agreement, cohen_kappa or gwet_ac1 (nominal items) or icc2 (scales; retest also "
                  "icc3). " + GATES_HELP)]
CodebookOpt = Annotated[Path, typer.Option("--codebook", "-c", metavar="FILE",
                                           help="YAML codebook (or a bundled name: irrkit codebook list).")]


# ----------------------------------------------------------------------------------------------- rendering


def _cell(g) -> Any:
    from rich.text import Text

    if g is None:
        return ""
    return Text(f"pass ≥ {g.minimum:.2f}", style="green") if g.passed else Text(f"FAIL < {g.minimum:.2f}",
                                                                                 style="bold red")


def _print_tables(res, results, title: str) -> None:
    """Statistics per trainee x item, confusion matrices (nominal items), coder x coder matrices."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from irrkit.outputs.tables import ci_text, fmt
    from irrkit.statistics.registry import name as stat_name
    from irrkit.workflows.training import passed

    console = Console(highlight=False) if os.environ.get("COLUMNS") or sys.stdout.isatty() else Console(
        highlight=False, width=10_000)  # a pipe or a file gets the full tables, as for check
    ok = passed(results)
    console.print(Text(terminal(title), style="bold"))
    for c in res.coders:
        gates = {(r.item, r.statistic): r for r in results.get(c, [])}
        verdict = ("not gated" if not results.get(c) else "[green]passed[/]" if ok.get(c, True)
                   else "[bold red]FAILED[/]")
        who = "second pass against the first" if res.retest else c
        t = Table(title=f"{escape(terminal(who))}: {verdict}", header_style="bold", title_justify="left",
                  pad_edge=False)
        for name, kw in (("item", {}), ("statistic", {"no_wrap": True}), ("value", {"justify": "right"}),
                         ("95% CI", {"no_wrap": True}), ("units", {"justify": "right"}),
                         ("gate", {"no_wrap": True})):
            t.add_column(name, **kw)
        for item, p in res.pairs[c].items():
            for k, (key, s) in enumerate(p.statistics.items()):
                value = fmt(s.value) if s.ok else Text(terminal(f"undefined: {s.reason}"), style="dim")
                t.add_row(Text(terminal(item), style="bold") if k == 0 else "", stat_name(key), value,
                          ci_text(s.ci_low, s.ci_high), str(p.n_units) if k == 0 else "",
                          _cell(gates.get((item, key))), end_section=k == len(p.statistics) - 1)
        console.print(t)
    for c in res.coders:
        for item, p in res.pairs[c].items():
            if p.confusion is None:
                continue
            console.print(f"[bold]{escape(terminal(item))}[/]: {escape(terminal(c))} (rows) x "
                          f"{escape(terminal(res.reference))} (columns)")
            m = Table(header_style="bold", pad_edge=False)
            m.add_column("")
            for code in p.codes:
                m.add_column(terminal(code), justify="right")
            for i, code in enumerate(p.codes):
                cells = [Text(str(v), style=("bold green" if i == j else "red") if v else "dim")
                         for j, v in enumerate(p.confusion[i])]
                m.add_row(Text(terminal(code), style="bold"), *cells)
            console.print(m)
    if len(res.coders) < 2:
        return
    names = res.matrix_coders
    for item, mats in res.matrix.items():
        up = next(k for k in mats if k in ("cohen_kappa", "icc2"))
        lo = next(k for k in mats if k != up)
        upper, lower = mats[up], mats[lo]
        console.print(f"[bold]{escape(terminal(item))}[/]: between coders (upper: {stat_name(up)}, "
                      f"lower: {stat_name(lo)})")
        m = Table(header_style="bold", pad_edge=False)
        m.add_column("")
        for k in range(len(names)):
            m.add_column(str(k + 1), justify="right")
        for x, a in enumerate(names):
            cells = ["—" if x == y else fmt((upper if y > x else lower)[x][y]) or "—"
                     for y in range(len(names))]
            m.add_row(Text(terminal(f"{x + 1} {a}"), style="bold"), *cells)
        console.print(m)


def _emit(res, results, fmt: Format, title: str, meta: dict[str, Any],
          extra: dict[str, Any] | None = None, dialect=None) -> None:
    from irrkit.outputs import handouts
    from irrkit.outputs.tables import STANDARD
    from irrkit.workflows import training

    dialect = dialect or STANDARD

    if fmt is Format.json:
        import json

        sys.stdout.write(json.dumps({**training.to_json(res, results, **meta), **(extra or {})}, indent=2,
                                    ensure_ascii=False) + "\n")
    elif fmt is Format.markdown:
        sys.stdout.write(handouts.report_markdown(res, results, title))
    elif fmt is Format.csv:
        sys.stdout.write(handouts.summary_csv(res, results, dialect, visible=True))
    else:
        _print_tables(res, results, title)
    err = err_console()  # diagnostics go to stderr in every format, as for check
    for w in res.warnings:
        err.print(f"[yellow]note[/] {escape(terminal(w))}")


def _print_sequential(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    t = Table(title="Sequential gating: units after which the gate was clear", header_style="bold")
    for col in ("trainee", "item", "statistic", "decision", "after units", "of", "CI at that look"):
        t.add_column(col, justify="right" if col in ("after units", "of") else "left")
    for r in rows:
        ci = "" if r["ci_low"] is None else f"[{r['ci_low']:.3f}, {r['ci_high']:.3f}]"
        t.add_row(escape(terminal(r["trainee"])), escape(terminal(r["item"])), r["statistic"],
                  f"{r['decision']} (>= {r['minimum']:g})", "" if r["n_units"] is None else str(r["n_units"]),
                  str(r["n_available"]), ci)
    Console(highlight=False).print(t)
    if rows:
        Console(highlight=False).print(f"looks every 5 units from {rows[0]['first_look'] or 20}, each at "
                                       f"confidence {rows[0]['look_confidence']:.4g} (Bonferroni over the looks); "
                                       "kappa, AC1 and agreement decide on the hull of their CI and the Wilson "
                                       "interval of the agreement")


def _print_gates(run, gate_on: str, quiet: bool) -> int:
    """The gate lines (one printer for every command, cli/gates.py); returns the exit code."""
    from irrkit.cli.gates import print_gates

    return print_gates(run.flat, quiet=quiet, on=gate_on, note=None if quiet else "[bold]gates[/] none (--no-gate)",
                       verdicts=run.verdicts() if run.flat else None)


# ----------------------------------------------------------------------------------------------- commands


@guarded
def train(
    trainees: Annotated[list[Path], typer.Argument(help="Trainee CSV files: one per trainee, or a long file "
                                                        "with a 'coder' column.", show_default=False)],
    gold: Annotated[Path, typer.Option("--gold", "-g", metavar="FILE", help="The gold-standard coding (one coder) "
                                       "of the same units.", show_default=False)],
    codebook: CodebookOpt,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", metavar="DIR", help="Write handout_<trainee>.md and .csv (every disagreement with codes, "
                                           "labels, definitions, context), training_summary.csv and training.json "
                                           "here.")] = None,
    history: Annotated[Path | None, typer.Option(
        "--history", metavar="DIR", help="Record this round in this folder as round-<NNN>-<name>.json (append-only: an "
                          "earlier round is never rewritten); show each trainee's change since the previous "
                          "round.")] = None,
    round_name: Annotated[str | None, typer.Option(
        "--round", metavar="NAME", help="Name of this round, e.g. r2 (default: the UTC date and time).")] = None,
    fmt: FormatOpt = Format.table,
    confidence: ConfidenceOpt = 0.95,
    encoding: EncodingOpt = None,
    mins: TrainMinOpt = None,
    gate_on: GateOnOpt = GateOn.estimate,
    no_gate: NoGateOpt = False,
    junit: JunitOpt = None,
    summary: SummaryOpt = None,
    report_html: ReportOpt = None,
    cluster: ClusterOpt = None,
    sequential: Annotated[bool, typer.Option(
        "--sequential", help="Also say, per trainee and gate, after how many units (in file order, looks every 5 "
                             "from 20) pass or fail was already clear: the CI wholly above or below the minimum "
                             "(Bonferroni-adjusted looks).")] = False,
    csv_dialect: CsvDialectOpt = CsvDialectChoice.auto,
    unit_col: UnitColOpt = None,
) -> None:
    """A coder training round: each trainee against the gold standard, item by item; pass/fail per trainee.

    Nominal items: percent agreement, Cohen's kappa, Gwet's AC1 and the trainee x gold confusion matrix;
    scale items: ICC(A,1) and the mean absolute difference. Thresholds: Cohen's kappa >= 0.60 (nominal) and
    ICC(A,1) >= 0.60 (scales) unless the codebook's gate: or --min say otherwise.

    Exit codes: 0 every trainee passed, 1 a trainee fell short, 2 bad input (or a --round already recorded),
    3 internal error.

    Example: [bold]irrkit train trainee_*.csv --gold gold.csv -c codebooks/crying-forms.yaml --out handouts[/]
    """
    from irrkit.outputs.files import write_all
    from irrkit.workflows.rounds import run_train

    run = run_train(trainees, gold, codebook, out=out, history=history, round_name=round_name, confidence=confidence,
                    encoding=encoding, mins=mins, gate_on=gate_on.value, no_gate=no_gate, junit=junit,
                    summary=summary, report_html=report_html, cluster=cluster, sequential=sequential,
                    csv_dialect=csv_dialect.value, unit_col=unit_col)
    written = write_all(run.files, run.inputs, appends=run.appends, locked=run.locked)
    if fmt is Format.table:
        print_written(written)
    _emit(run.res, run.results, fmt, run.title, run.meta, run.extra_json(), run.dialect)
    if run.sequential is not None and fmt is Format.table:
        _print_sequential(run.sequential)
    h = run.history
    if h.target is not None:
        say = typer.echo if fmt is Format.table else (lambda s: typer.echo(s, err=True))
        say(f"history: round {h.number} '{run.name}' recorded in {terminal(h.target)}")
        for line in h.changes():
            say(line)
    raise typer.Exit(_print_gates(run, gate_on.value, fmt is not Format.table))


@guarded
def retest(
    first: Annotated[Path, typer.Argument(help="The coder's first pass (CSV).", show_default=False)],
    second: Annotated[Path, typer.Argument(help="The same coder's second pass over the same units.",
                                           show_default=False)],
    codebook: CodebookOpt,
    fmt: FormatOpt = Format.table,
    confidence: ConfidenceOpt = 0.95,
    encoding: EncodingOpt = None,
    mins: TrainMinOpt = None,
    gate_on: GateOnOpt = GateOn.estimate,
    no_gate: NoGateOpt = False,
    junit: JunitOpt = None,
    summary: SummaryOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", metavar="DIR", help="Write handout_second.md and .csv (every unit where the passes differ), "
                                           "retest_summary.csv and retest.json here.")] = None,
    report_html: ReportOpt = None,
) -> None:
    """Intra-coder (test-retest) agreement of one coder's two passes over the same units.

    Nominal items: percent agreement, Cohen's kappa, Gwet's AC1; scale items: ICC(A,1), ICC(C,1) and the mean
    absolute difference. Gated like train (Cohen's kappa / ICC(A,1) >= 0.60 unless codebook or --min say
    otherwise). Exit codes: 0 passed, 1 a gate fell short, 2 bad input, 3 internal error.

    Example: [bold]irrkit retest anna_march.csv anna_may.csv -c codebooks/crying-forms.yaml[/]
    """
    from irrkit.outputs.files import write_all
    from irrkit.workflows.rounds import run_retest

    run = run_retest(first, second, codebook, confidence=confidence, encoding=encoding, mins=mins,
                     gate_on=gate_on.value, no_gate=no_gate, junit=junit, summary=summary, out=out,
                     report_html=report_html)
    written = write_all(run.files, run.inputs, appends=run.appends)
    if fmt is Format.table:
        print_written(written)
    _emit(run.res, run.results, fmt, run.title, run.meta)
    raise typer.Exit(_print_gates(run, gate_on.value, fmt is not Format.table))
