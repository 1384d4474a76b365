"""``irrkit model``: a model's codings (its runs) against the human coders, as a trainee and as an alternative
annotator. Registered on the app by ``cli/main.py``; the job is ``irrkit.workflows.model.run_model``. No
numpy/pandas at import time (``--help`` stays fast).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from irrkit.cli.options import (
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
    err_console,
    guarded,
    print_written,
)
from irrkit.cli.training import CodebookOpt, TrainMinOpt
from irrkit.outputs.escaping import terminal


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False) if os.environ.get("COLUMNS") or sys.stdout.isatty() else Console(
        highlight=False, width=10_000)


def print_model(run: Any) -> None:
    """Stability over runs, the model against each human, and the alt-test, as terminal tables."""
    from rich.table import Table
    from rich.text import Text

    from irrkit.outputs.tables import ci_text, fmt
    from irrkit.statistics.registry import name as stat_name

    console = _console()
    for title, tr in (("Run-to-run stability: each run against the first", run.stability),
                      (f"{run.model} against each human coder", run.versus)):
        if tr is None:
            continue
        t = Table(title=Text(terminal(title)), title_justify="left", header_style="bold", pad_edge=False)
        for col, kw in (("item", {"overflow": "fold"}), ("against", {"overflow": "fold"}),
                        ("statistic", {"no_wrap": True}), ("value", {"justify": "right"}),
                        ("95% CI", {"no_wrap": True}), ("units", {"justify": "right"})):
            t.add_column(col, **kw)
        for item in next(iter(tr.pairs.values())):
            for n, c in enumerate(tr.coders):
                p = tr.pairs[c][item]
                for k, (key, s) in enumerate(p.statistics.items()):
                    t.add_row(terminal(item) if n == k == 0 else "", terminal(c) if k == 0 else "", stat_name(key),
                              fmt(s.value) if s.ok else Text(terminal(f"undefined: {s.reason}"), style="dim"),
                              ci_text(s.ci_low, s.ci_high), str(p.n_units) if k == 0 else "",
                              end_section=n == len(tr.coders) - 1 and k == len(p.statistics) - 1)
        console.print(t)
    for item, a in run.alt.items():
        head = (f"Alternative annotator test, {item}: {stat_name('alt_test_winning_rate')} "
                f"{fmt(a.winning_rate, 2) if a.winning_rate is not None else '—'}, "
                f"{stat_name('alt_test_advantage')} {fmt(a.advantage, 3) if a.advantage is not None else '—'} "
                f"(epsilon {a.epsilon:g}, Benjamini-Yekutieli q {a.q:g}, {a.scoring}): ")
        verdict = Text("passed", style="green") if a.passed else Text(
            "FAILED" if a.passed is False else f"undefined: {a.reason}", style="bold red")
        t = Table(title=Text(terminal(head)) + verdict, title_justify="left", header_style="bold", pad_edge=False)
        for col in ("human left out", "units", "model wins", "human wins", "t", "p", "model beats human"):
            t.add_column(col, justify="left", overflow="fold") if col == "human left out" else t.add_column(
                col, justify="right")
        for h in a.humans:
            t.add_row(terminal(h.human), str(h.n_units), fmt(h.rho_model), fmt(h.rho_human),
                      "" if h.t is None else f"{h.t:.3f}", "" if h.p_value is None else f"{h.p_value:.4f}",
                      ("yes" if h.rejected else "no") if h.status == "ok" else terminal(h.reason or ""))
        console.print(t)


def markdown(run: Any) -> str:
    """The model's round in Markdown: the trainee report, then the alt-test per item (names escaped)."""
    from irrkit.outputs.escaping import md
    from irrkit.outputs.handouts import report_markdown
    from irrkit.outputs.tables import fmt
    from irrkit.statistics.registry import name as stat_name

    lines = [report_markdown(run.res, run.results, run.title).rstrip("\n"), ""]
    for item, a in run.alt.items():
        lines += [f"## Alternative annotator test: {md(item)}", "",
                  f"{stat_name('alt_test_winning_rate')} {fmt(a.winning_rate, 2)}, "
                  f"{stat_name('alt_test_advantage')} {fmt(a.advantage, 3)}; epsilon {a.epsilon:g}, "
                  f"Benjamini-Yekutieli q {a.q:g}: **{'passed' if a.passed else 'failed'}**", "",
                  "| human left out | units | model wins | human wins | t | p | model beats human |",
                  "|---|--:|--:|--:|--:|--:|---|"]
        lines += [f"| {md(h.human)} | {h.n_units} | {fmt(h.rho_model)} | {fmt(h.rho_human)} | "
                  f"{'' if h.t is None else f'{h.t:.3f}'} | {'' if h.p_value is None else f'{h.p_value:.4f}'} | "
                  f"{'yes' if h.rejected else 'no'} |" for h in a.humans]
        lines.append("")
    return "\n".join(lines) + "\n"


def emit(run: Any, fmt: Format) -> None:
    """The round in the chosen format on stdout; notes on stderr."""
    from irrkit.cli.training import _print_tables
    from irrkit.outputs import handouts
    from irrkit.workflows import training

    if fmt is Format.json:
        sys.stdout.write(json.dumps({**training.to_json(run.res, run.results, **run.meta), **run.extra_json()},
                                    indent=2, ensure_ascii=False) + "\n")
    elif fmt is Format.markdown:
        sys.stdout.write(markdown(run))
    elif fmt is Format.csv:
        sys.stdout.write(handouts.summary_csv(run.res, run.results, run.dialect, visible=True))
    else:
        _print_tables(run.res, run.results, run.title)
        print_model(run)
    err = err_console()
    for w in run.res.warnings:
        err.print(f"[yellow]note[/] {escape(terminal(w))}")


@guarded
def model_cmd(
    humans: Annotated[list[Path], typer.Argument(help="The human coders' CSV files: one per coder, or a long file "
                                                      "with a 'coder' column.", show_default=False)],
    model: Annotated[str, typer.Option("--model", "-m", metavar="NAME=FILE[,FILE...]", help=(
        "The model's name and its runs: one file per run (each file's coder column or file name names the run), "
        "or one long file whose coder column names the runs."), show_default=False)],
    codebook: CodebookOpt,
    gold: Annotated[Path | None, typer.Option("--gold", "-g", metavar="FILE", help=(
        "An adjudicated coding (one coder) as the human consensus; default: the human coders' majority code "
        "(scales: their median)."))] = None,
    epsilon: Annotated[float, typer.Option("--epsilon", metavar="NUMBER", help=(
        "The alt-test's margin: how much less often the model may win than the human it replaces (Calderon et "
        "al. 2025: 0.2 expert coders, 0.15 skilled coders, 0.1 crowd workers)."))] = 0.2,
    fdr: Annotated[float, typer.Option("--fdr", metavar="NUMBER", help="FDR level q of the Benjamini-Yekutieli "
                                       "procedure over the human coders.")] = 0.05,
    min_units: Annotated[int, typer.Option("--min-units", metavar="N", min=2, help=(
        "A human coder is tested in the alt-test with at least N units (the paper: 30, for the t-test)."))] = 30,
    out: Annotated[Path | None, typer.Option("--out", "-o", metavar="DIR", help=(
        "Write handout_<model>.md and .csv (every disagreement with the consensus), model_summary.csv, "
        "alt_test.csv and model.json here."))] = None,
    fmt: FormatOpt = Format.table,
    confidence: ConfidenceOpt = 0.95,
    encoding: EncodingOpt = None,
    mins: TrainMinOpt = None,
    gate_on: GateOnOpt = GateOn.estimate,
    no_gate: NoGateOpt = False,
    junit: JunitOpt = None,
    summary: SummaryOpt = None,
    report_html: ReportOpt = None,
    csv_dialect: CsvDialectOpt = CsvDialectChoice.auto,
) -> None:
    """Can a model (a language model, a classifier) code like a trained coder? Its runs against the humans.

    Reports run-to-run stability (each run against the first, as test-retest), the model against each human
    coder, the model as a trainee against the human consensus (gated like train: Cohen's kappa / ICC(A,1) >=
    0.60 unless the codebook or --min say otherwise; handouts) and the alternative annotator test (Calderon,
    Reichart & Dror 2025) per item, gated at its criterion: winning rate >= 0.5. With several runs the model's
    code of a unit is the code most runs gave (scales: the median).

    Exit codes: 0 every gate passed, 1 a gate fell short, 2 bad input, 3 internal error.

    Example: [bold]irrkit model coder_*.csv --model gpt=gpt_1.csv,gpt_2.csv,gpt_3.csv -c crying-forms[/]
    """
    from irrkit.cli.training import _print_gates
    from irrkit.outputs.files import write_all
    from irrkit.workflows.model import run_model

    run = run_model(humans, model, codebook, gold=gold, epsilon=epsilon, q=fdr, min_units=min_units, out=out,
                    confidence=confidence, encoding=encoding, mins=mins, gate_on=gate_on.value, no_gate=no_gate,
                    junit=junit, summary=summary, report_html=report_html, csv_dialect=csv_dialect.value)
    written = write_all(run.files, run.inputs, appends=run.appends)
    if fmt is Format.table:
        print_written(written)
    emit(run, fmt)
    raise typer.Exit(_print_gates(run, gate_on.value, fmt is not Format.table))
