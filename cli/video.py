"""``irrkit video``: agreement on time-coded episodes (ELAN, BORIS, Datavyu, CSV) against a codebook's
``kind: episodes`` items, with the same tables, JSON, gates, JUnit and step summary as ``check``.

Thin: the job is ``irrkit.workflows.video.run_video`` (reading: ``irrkit.readers.episodes``, statistics:
``irrkit.episodes.video``); this module writes its files and shows the results.
"""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from irrkit.cli.options import (
    ConfidenceOpt,
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

PAIRS_BAR = 300  # pairs of coders (times the sweep's tolerances) from which the work takes seconds: a bar


class InputFormat(str, Enum):
    auto = "auto"
    plain = "plain"
    elan = "elan"
    boris = "boris"
    datavyu = "datavyu"


class Match(str, Enum):
    onset = "onset"
    overlap = "overlap"


def run_video(files: list[Path], codebook: Path, *, fmt: Format = Format.table, match: Match | None = None,
              input_format: InputFormat = InputFormat.auto, gate_on: GateOn = GateOn.estimate, **options) -> int:
    """The workflow (``irrkit.workflows.video.run_video``), its files written all or nothing, then the results
    and the gates shown; returns the exit code (0, or 1 when a gate fell short)."""
    from irrkit.cli.gates import print_gates
    from irrkit.outputs.escaping import terminal
    from irrkit.outputs.files import write_all
    from irrkit.workflows import video as workflow

    verbose = options.pop("verbose", False)
    run = workflow.run_video(files, codebook, match=match.value if match else None, input_format=input_format.value,
                             gate_on=gate_on.value, json_out=fmt is Format.json, progress=_pairs_bar, **options)
    written = write_all(run.files, inputs=run.inputs, appends=run.appends)  # results are shown once written
    if verbose:  # who coded what: where each coder's name came from
        for who, how in run.coder_sources.items():
            err_console().print(terminal(f"coder '{who}': {how}"), markup=False, soft_wrap=True)
    _emit(run.results, fmt, run.payload, run.title, run.warnings)
    if fmt is Format.table:
        print_written(written)
    return print_gates(run.gate_results, quiet=fmt is not Format.table, on=gate_on.value)


@contextmanager
def _pairs_bar(total: int) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr over the pairs of coders when there are enough of them to take seconds."""
    if total < PAIRS_BAR:
        yield None
        return
    from rich.progress import BarColumn, Progress, TimeRemainingColumn

    with Progress("pairs of coders", BarColumn(), "{task.completed}/{task.total}", TimeRemainingColumn(),
                  console=err_console(), transient=True) as bar:
        task = bar.add_task("pairs", total=total)
        yield lambda k: bar.advance(task, k)


def _emit(results, fmt: Format, payload: dict, title: str, warnings: list[str]) -> None:
    import json

    from irrkit.outputs import video_tables as VT
    from irrkit.outputs.escaping import terminal
    from irrkit.outputs.tables import to_csv
    from irrkit.statistics.registry import name as stat_name

    if fmt is Format.json:
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    if fmt is Format.markdown:
        sys.stdout.write(VT.markdown(results, title))
        return
    if fmt is Format.csv:
        sys.stdout.write(to_csv([row for r in results for row in VT.summary_rows(r)]))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    for r in results:  # names from the data: no markup, no control characters (terminal)
        t = Table(title=escape(terminal(f"{title} - {r.item}")), header_style="bold")
        for col in ("statistic", "value", "95% CI", "n", "note"):
            t.add_column(col, justify="right" if col in ("value", "n") else "left")
        reasons = [c.reason or "" for c in r.coefficients.values()]
        marks: dict[str, str] = {}  # a reason several rows share: a mark in the rows, the text once below
        for why in reasons:
            if why and reasons.count(why) > 1 and why not in marks:
                marks[why] = f"({len(marks) + 1})"
        for (k, c), why in zip(r.coefficients.items(), reasons):
            ci = f"[{c.ci_low:.3f}, {c.ci_high:.3f}]" if c.ci_low is not None and c.ci_high is not None else ""
            t.add_row(escape(stat_name(k, time=True)), f"{c.value:.3f}" if c.ok else "undefined", ci, str(c.n_units),
                      marks.get(why) or escape(terminal(why)))
        console.print(t)
        for why, mark in marks.items():
            console.print(f"{mark} {escape(terminal(why))}", highlight=False)
        for n in (n for n in r.notes if n not in marks):  # a reason said above is not said again
            console.print(f"[dim]note[/] {escape(terminal(n))}")
    for w in warnings:
        err_console().print(f"[yellow]warning[/] {escape(terminal(w))}", soft_wrap=True)


@guarded
def video(
    files: Annotated[list[Path], typer.Argument(help="Episode files: ELAN .eaf, BORIS exports (CSV/TSV/.xlsx), "
                                                     "Datavyu CSV, or CSV with video, coder, start, end, code.",
                                                show_default=False)],
    codebook: Annotated[Path, typer.Option("--codebook", "-c", help="YAML codebook with kind: episodes items.")],
    item: Annotated[str | None, typer.Option("--item", help="Only this episode item.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write summary.csv, summary.md, pairs.csv, "
                                             "onsets.csv, sweep.csv, disagreements.csv, results.json here.")] = None,
    fmt: FormatOpt = Format.table,
    confidence: ConfidenceOpt = 0.95,
    tolerance: Annotated[float | None, typer.Option("--tolerance", min=0, max=3600, help="Tolerance window in "
                                                    "seconds (default: the codebook's, else 2).")] = None,
    step: Annotated[float | None, typer.Option("--step", min=0.001, max=3600, help="Time unit in seconds "
                                               "(default: the codebook's, else 1).")] = None,
    match: Annotated[Match | None, typer.Option("--match", metavar="RULE", help="Event matching rule, onset or "
                                                "overlap (default: the codebook's, else onset).")] = None,
    input_format: Annotated[InputFormat, typer.Option(
        "--input-format", metavar="FORMAT", help="Format of the files: auto, plain, elan, boris or datavyu.")] = \
        InputFormat.auto,
    tiers: Annotated[list[str] | None, typer.Option("--tier", help="ELAN tier to item (and coder): TIER=ITEM or "
                                                    "TIER=ITEM@CODER; repeatable.")] = None,
    coder: Annotated[str | None, typer.Option("--coder", help="Coder of files that do not name one.")] = None,
    video_name: Annotated[str | None, typer.Option("--video", help="Video of files that do not name one.")] = None,
    encoding: EncodingOpt = None,
    mins: Annotated[list[str] | None, typer.Option("--min", help="Gate: STAT=VALUE or ITEM:STAT=VALUE, e.g. "
                                                   "u_alpha=0.6; repeatable.")] = None,
    gate_on: GateOnOpt = GateOn.estimate,
    no_gate: NoGateOpt = False,
    junit: JunitOpt = None,
    summary: SummaryOpt = None,
    gold: Annotated[Path | None, typer.Option("--gold", help="Training: compare each coder with this gold "
                                              "segmentation (one coder) and write a handout per trainee with the "
                                              "times to look at again.")] = None,
    report_html: ReportOpt = None,
    gamma: Annotated[bool, typer.Option("--gamma", help="Also Mathet et al.'s gamma and gamma-cat (needs pip install "
                                        "'irrkit\\[gamma]'; slow: 10-15 s to start, then seconds per video).")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", help="Show where each coder's name came from (file, "
                                          "tier, column, option).")] = False,
    pairs: Annotated[str, typer.Option("--pairs", metavar="WHICH", help="Coder pairs beyond 20 coders: summary "
                                       "(every pair's values at once) or all (each pair in turn with SEs; slow).")]
    = "summary",
) -> None:
    """Agreement on time-coded episodes (ELAN, BORIS, Datavyu, CSV).

    Time-unit and event kappas, Krippendorff's unitizing alphas, onset/offset differences, a tolerance sweep.

    Exit codes: 0 computed and every gate passed, 1 a gate fell short, 2 bad input, 3 internal error.

    Example: [bold]irrkit video anna.eaf ben.eaf -c codebooks/crying-episodes.yaml --out results[/]

    Training: [bold]irrkit video trainee_*.csv --gold gold.csv -c codebooks/crying-episodes.yaml --out round1[/]
    """
    if pairs not in ("summary", "all"):
        from irrkit.errors import InputError

        raise InputError.single("--pairs", f"'{pairs}' is not one of: summary, all")
    code = run_video(files, codebook, item=item, out=out, fmt=fmt, confidence=confidence, tolerance=tolerance,
                     step=step, match=match, input_format=input_format, tiers=tiers, coder=coder,
                     video=video_name, encoding=encoding, mins=mins, gate_on=gate_on, no_gate=no_gate, junit=junit,
                     summary=summary, gold=gold, report_html=report_html, with_gamma=gamma, verbose=verbose,
                     all_pairs=pairs == "all")
    raise typer.Exit(code)
