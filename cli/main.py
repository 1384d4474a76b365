"""irrkit command line: thin wrappers around the ``reliability`` library.

Exit codes: 0 all computed (and gates passed), 1 a gate fell short, 2 bad input or usage, 3 internal error.
Heavy imports (numpy, pandas, scipy) happen inside the commands so that ``--help`` answers at once.
This module builds the app and registers every command; the shared option types, enums and helpers are in
``cli/options.py``, which command modules (``cli/training.py``, ...) import instead of each other.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from irrkit.cli import plan, report, training, video
from irrkit.cli.options import (
    HELP,
    Benchmark,
    BenchOpt,
    BootOpt,
    ClusterOpt,
    ConfidenceOpt,
    CsvDialectChoice,
    CsvDialectOpt,
    EncodingOpt,
    Format,
    FormatOpt,
    GateOn,
    GateOnOpt,
    IccBenchmark,
    IccBenchOpt,
    IccConvention,
    IccConvOpt,
    IccMissing,
    IccMissingOpt,
    JunitOpt,
    Level,
    MaxMemOpt,
    MinOpt,
    NoGateOpt,
    ReportOpt,
    SeedOpt,
    SummaryOpt,
    analysis_options,
    err_console,
    guarded,
    progress_bar,
    safe_streams,
)
from irrkit.cli.output import Batch, gate_outputs, handle_sigterm
from irrkit.outputs.escaping import terminal

app = typer.Typer(
    name="irrkit",
    help="Inter-rater reliability for coding systems: check coder files against a YAML codebook, compute "
    "Fleiss' kappa, Gwet's AC1/AC2, Krippendorff's alpha and the six ICCs with SEs and CIs, interpret them and "
    "gate coder training rounds in CI.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings=HELP,
)
codebook_app = typer.Typer(help="Validate a codebook or show it as a table for coders.", no_args_is_help=True,
                           context_settings=HELP)
app.add_typer(codebook_app, name="codebook")


def _version(value: bool) -> None:
    if value:
        from irrkit import __version__

        typer.echo(f"irrkit {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", "-V", callback=_version, is_eager=True,
                                                help="Show the version and exit.")] = False) -> None:
    pass


def emit(items, opts, fmt: Format, warnings: list[str], title: str, show_all: bool = False, dialect=None,
         **meta: Any) -> None:
    """Print results to stdout in the chosen format."""
    from irrkit.cli.render import print_notes
    from irrkit.outputs import tables

    if fmt is Format.json:
        import json

        sys.stdout.write(json.dumps(tables.results_json(items, opts, warnings=warnings or None, **meta),
                                    indent=2, ensure_ascii=False) + "\n")
    elif fmt is Format.markdown:
        sys.stdout.write(tables.to_markdown(items, opts, title=title, warnings=warnings))
    elif fmt is Format.csv:
        sys.stdout.write(tables.to_csv(tables.summary_rows(items, opts), tables.SUMMARY_FIELDS,
                                       dialect or tables.STANDARD, visible=True))
    else:
        from irrkit.cli.render import coders_table, print_notes, results_table, table_console

        console = table_console()
        console.print(results_table(items, opts, show_all=show_all, title=title, width=console.width))
        if meta.get("coder_counts"):
            console.print(coders_table(meta["coder_counts"]))
        from irrkit.cli.report import print_diagnostics

        print_diagnostics(console, items, show_all)
    print_notes(err_console(), items, warnings)  # diagnostics go to stderr in every format


OUTPUT_NAMES = ("summary.csv", "summary.md", "per_category.csv", "disagreements.csv", "coders.csv", "coder_pairs.csv",
                "results.json")


def output_files(out: Path, items, opts, ratings, warnings: list[str], title: str, dialect=None,
                 gate_results=(), **meta: Any) -> dict[Path, str]:
    """Contents of the tables written with --out (``gate_results``: the gates, in summary.csv/md and JSON)."""
    import json

    from irrkit.outputs import diagnostics_tables, tables

    d = dialect or tables.STANDARD
    return {
        out / "summary.csv": tables.to_csv(tables.summary_rows(items, opts, gates=gate_results),
                                           tables.SUMMARY_FIELDS, d),
        out / "summary.md": tables.to_markdown(items, opts, title=title, warnings=warnings, gates=gate_results),
        out / "per_category.csv": tables.to_csv(tables.per_category_rows(items), None, d),
        out / "disagreements.csv": tables.to_csv(tables.disagreement_rows(ratings), None, d),
        out / "coders.csv": tables.to_csv(diagnostics_tables.coder_rows(items), diagnostics_tables.CODER_FIELDS, d),
        out / "coder_pairs.csv": tables.to_csv(diagnostics_tables.pair_rows(items), diagnostics_tables.PAIR_FIELDS, d),
        out / "results.json": json.dumps(tables.results_json(items, opts, warnings=warnings or None, **meta),
                                         indent=2, ensure_ascii=False) + "\n",
    }


def check_meta(cb, data, files: list[Path]) -> dict[str, Any]:
    """The run's description in the results JSON."""
    return {"codebook": cb.id, "codebook_version": cb.version or None, "coders": data.coders,
            "files": [str(f) for f in files], "coder_counts": [c.to_dict() for c in data.coder_counts]}


def run_check(files: list[Path], codebook: Path, out: Path | None, fmt: Format, opts, encoding: str | None,
              show_all: bool, title: str | None = None, cb=None, pending: Batch | None = None,
              diagnostics: bool = True, cluster: str | None = None,
              csv_dialect: str = "auto", gating: tuple[list, str] | None = None) -> tuple[list, Any, Any]:
    """Read, validate, analyse, print and write: the main job (``cb``: the codebook, if already loaded;
    ``pending``: collect the output files and the printing there, for one all-or-nothing write)."""
    from irrkit.analysis.item import analyse
    from irrkit.cli.output import write_all
    from irrkit.codebooks.codebook import load_codebook
    from irrkit.readers import read_coder_files

    cb = cb or load_codebook(codebook)
    data = read_coder_files(files, cb, encoding=encoding)
    if cluster is not None:
        from irrkit.statistics.clusters import clusters_from_records

        clusters = clusters_from_records(data.records, data.units, cluster, [str(f) for f in files])
        for r in data.items.values():
            r.clusters = clusters
        used = f"unknown column '{cluster}' kept as context"  # the column is used: no warning about it
        data.warnings[:] = [w for w in data.warnings if used not in w]
    with progress_bar(opts, len(cb.items)):
        items = [analyse(data.items[it.id], opts) for it in cb.items]
    if diagnostics:  # coder x coder matrix, Light's kappa, coder profiles, leave-one-coder-out
        from irrkit.analysis.diagnostics import diagnose
        for it, res in zip(cb.items, items):
            res.diagnostics = diagnose(data.items[it.id], res, opts)
    title = title or f"{cb.title or cb.id}: {len(data.coders)} coders, {len(data.units)} units"
    meta = check_meta(cb, data, files)
    from irrkit.outputs.tables import dialect_for

    dialect = dialect_for(csv_dialect, data.delimiters)
    gate_results = []
    if gating is not None:  # the gates, in the JSON and the summary tables too
        from irrkit.cli.report import gate_dicts
        from irrkit.workflows import gates as gate

        gate_results = gate.evaluate(items, gating[0], on=gating[1])
        meta = {**meta, "gates": gate_dicts(gate_results)}
    if out is not None:
        tables = output_files(out, items, opts, data.items.values(), data.warnings, title, dialect,
                              gate_results=gate_results, **meta)
        if pending is not None:
            pending.files.update(tables)
        else:
            written = write_all(tables, inputs=[*files, codebook])
            if fmt is Format.table:
                err_console().print(terminal(f"wrote {', '.join(p.name for p in written)} to {out}"),
                                    markup=False)
    if pending is not None:
        pending.later.append(lambda: emit(items, opts, fmt, data.warnings, title, show_all, dialect, **meta))
    else:
        emit(items, opts, fmt, data.warnings, title, show_all, dialect, **meta)
    return items, data, cb


def apply_gates(items, cb, mins: list[str] | None, gate_on: GateOn, no_gate: bool, junit: Path | None,
                summary: Path | None, inputs: list[Path], quiet: bool, pending: Batch | None = None,
                started: float | None = None) -> int:
    """Evaluate gates, write JUnit/summary (or add them to ``pending``), print failures; return the exit code."""

    from irrkit.cli.output import write_all
    from irrkit.outputs import ci
    from irrkit.workflows import gates as gate

    gates = [] if no_gate else gate.combine(cb.gates, gate.parse_min(mins or []), [it.id for it in cb.items])
    results = gate.evaluate(items, gates, on=gate_on.value)
    elapsed = 0.0 if started is None else time.monotonic() - started
    files, appends = gate_outputs(junit, ci.junit_xml(results, suite=f"irrkit.{cb.id}", elapsed=elapsed), summary,
                                  ci.summary_markdown(results, title=f"irrkit gate: {cb.title or cb.id}")
                                  + ci.coverage_markdown(gate.coverage(items, gates)))
    failed = [r for r in results if not r.passed]
    if pending is not None:
        pending.files.update(files)
        pending.appends.update(appends)
        pending.later.append(lambda: _print_gates(results, failed, gate_on, no_gate, junit, summary, quiet))
    else:
        write_all(files, inputs, appends=appends)
        _print_gates(results, failed, gate_on, no_gate, junit, summary, quiet)
    return 1 if failed else 0


def _print_gates(results, failed, gate_on: GateOn, no_gate: bool, junit: Path | None, summary: Path | None,
                 quiet: bool) -> None:
    import os

    from irrkit.outputs import ci


    if os.environ.get("GITHUB_ACTIONS") == "true":  # workflow commands; stderr keeps JSON/CSV stdout parseable
        for line in ci.github_annotations(results):
            print(line, file=sys.stderr if quiet else sys.stdout)
    from rich.markup import escape

    err = err_console()
    if not results and (junit is not None or summary is not None) and not no_gate:
        err.print("[yellow]note[/] no gates: the codebook has no gate: section and no --min was given, "
                  "so nothing was gated")
    if results and not quiet:
        err.print(f"[bold]gates[/] {len(results) - len(failed)} of {len(results)} passed"
                  + (f" (compared: {gate_on.value})" if failed else ""))
    for r in failed:
        err.print(f"[bold red]gate failed[/] {escape(terminal(r.item))}: {escape(terminal(r.message))}",
                  soft_wrap=True)


@app.command()
@guarded
def check(
    files: Annotated[list[Path], typer.Argument(help="Coder CSV files: one per coder, or one long file with a "
                                                     "'coder' column.", show_default=False)],
    codebook: Annotated[Path, typer.Option("--codebook", "-c", help="YAML codebook the files are checked against.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write summary.csv, summary.md, per_category.csv, "
                                             "disagreements.csv, coders.csv, coder_pairs.csv and results.json to "
                                             "this folder.")] = None,
    fmt: FormatOpt = Format.table,
    confidence: ConfidenceOpt = 0.95,
    benchmark: BenchOpt = Benchmark.landis_koch,
    icc_benchmark: IccBenchOpt = IccBenchmark.koo_li,
    icc_convention: IccConvOpt = IccConvention.psych,
    icc_missing: IccMissingOpt = IccMissing.mixed,
    encoding: EncodingOpt = None,
    show_all: Annotated[bool, typer.Option("--all", help="Show every coefficient, not only the main ones.")] = False,
    bootstrap: BootOpt = 0,
    seed: SeedOpt = None,
    max_memory: MaxMemOpt = None,
    mins: MinOpt = None,
    gate_on: GateOnOpt = GateOn.estimate,
    no_gate: NoGateOpt = False,
    junit: JunitOpt = None,
    summary: SummaryOpt = None,
    cluster: ClusterOpt = None,
    report_html: ReportOpt = None,
    csv_dialect: CsvDialectOpt = CsvDialectChoice.auto,
) -> None:
    """Check coder files against a codebook and compute each item's reliability; gate the round.

    Exit codes: 0 computed and every gate passed, 1 a gate fell short, 2 bad input.

    Example: [bold]irrkit check coder_a.csv coder_b.csv coder_c.csv -c codebooks/crying-forms.yaml --out results[/]
    """
    started = time.monotonic()
    opts = analysis_options(confidence, benchmark, icc_benchmark, icc_convention, bootstrap=bootstrap, seed=seed,
                    icc_missing=icc_missing, max_memory=max_memory)
    from irrkit.cli.output import check_targets
    from irrkit.codebooks.codebook import load_codebook
    from irrkit.workflows import gates as gate

    cli_gates = gate.parse_min(mins or [])  # bad --min is a usage error before any work
    cb = load_codebook(codebook)
    gate.combine(cb.gates, cli_gates, cb.items)  # --min ITEM:... names a codebook item and a statistic it has
    outs = [out / n for n in OUTPUT_NAMES] if out is not None else []
    check_targets([*outs, *(p for p in (junit, summary, report_html) if p is not None)],
                  [*files, codebook])  # before any output
    pending = Batch()
    gates = [] if no_gate else gate.combine(cb.gates, cli_gates, [it.id for it in cb.items])
    items, data, cb = run_check(files, codebook, out, fmt, opts, encoding, show_all, cb=cb, pending=pending,
                                cluster=cluster, csv_dialect=csv_dialect.value, gating=(gates, gate_on.value))
    inputs = [*files, codebook]
    code = apply_gates(items, cb, mins, gate_on, no_gate, junit, summary, inputs, fmt is not Format.table, pending,
                       started)
    if report_html is not None:  # the results JSON and the gate results, as a page
        import json

        from irrkit.cli.report import gate_dicts, report_files
        from irrkit.outputs import tables

        doc = json.loads(json.dumps(tables.results_json(items, opts, warnings=data.warnings or None,
                                                        **check_meta(cb, data, files))))
        pending.files.update(report_files(doc, report_html, gates=gate_dicts(gate.evaluate(items, gates,
                                                                                           on=gate_on.value))))
    written = pending.write(inputs)  # tables, JUnit and summary: all or nothing, then the results are shown
    if written and fmt is Format.table:
        err_console().print(terminal(f"wrote {', '.join(str(p) for p in written)}"), markup=False)
    raise typer.Exit(code)


@app.command()
@guarded
def demo(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Also write the tables to this folder.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Run the main jobs on bundled demo data: a training round of 46 crying sequences, 3 coders, both codebooks;
    then time-coded crying episodes in 3 videos (ELAN files and a BORIS export)."""
    from irrkit.cli.demo import demo_files
    from irrkit.codebooks import bundled

    opts = analysis_options(0.95, Benchmark.landis_koch, IccBenchmark.koo_li, IccConvention.psych)
    for name in ("crying-forms", "interventions"):
        sub = out / name if out is not None else None
        run_check(demo_files(name), bundled(name), sub, fmt, opts, None, False)
    from irrkit.cli.demo import demo_video

    sub = out / "crying-episodes" if out is not None else None  # time-coded: ELAN files and a BORIS export
    video.run_video(demo_video(), bundled("crying-episodes"), out=sub, fmt=fmt, no_gate=True)


@app.command()
@guarded
def compute(
    file: Annotated[Path, typer.Argument(help="Ratings without a codebook: wide (a unit column, one column per "
                                              "coder) unless --long or --counts.", show_default=False)],
    long: Annotated[bool, typer.Option("--long", help="Long file: one row per (unit, coder, value).")] = False,
    counts: Annotated[bool, typer.Option("--counts", help="Units x categories count table (as irrCAC's *.dist "
                                                          "functions take it).")] = False,
    table: Annotated[bool, typer.Option("--table", help="Two coders' contingency table: a corner cell and the "
                                                        "second coder's categories, then a row per category of "
                                                        "the first coder (as irrCAC's *.table functions).")] = False,
    unit_col: Annotated[str | None, typer.Option("--unit-col", help="Unit column (default: first column).")] = None,
    coder_col: Annotated[str, typer.Option("--coder-col", help="Coder column of a long file.")] = "coder",
    value_col: Annotated[str, typer.Option("--value-col", help="Value column of a long file.")] = "value",
    level: Annotated[Level, typer.Option("--level", help="Level of measurement.")] = Level.nominal,
    categories: Annotated[str | None, typer.Option(
        "--categories", help="Full category list in order, e.g. 1,2,3 (default: the observed values; --table: "
                             "the table's own).")] = None,
    weights: Annotated[str | None, typer.Option(
        "--weights",
        help="Weights: identity, linear, quadratic, ordinal, radical, ratio, circular or bipolar (default by level: "
             "identity for nominal, quadratic for ordinal and interval, ratio for ratio).")] = None,
    fmt: FormatOpt = Format.table,
    confidence: ConfidenceOpt = 0.95,
    benchmark: BenchOpt = Benchmark.landis_koch,
    icc_benchmark: IccBenchOpt = IccBenchmark.koo_li,
    icc_convention: IccConvOpt = IccConvention.psych,
    icc_missing: IccMissingOpt = IccMissing.mixed,
    encoding: EncodingOpt = None,
    bootstrap: BootOpt = 0,
    seed: SeedOpt = None,
    cluster: ClusterOpt = None,
    max_memory: MaxMemOpt = None,
) -> None:
    """Compute agreement for ad-hoc data without a codebook (reported as item 'ratings')."""
    from irrkit.analysis.item import analyse
    from irrkit.errors import InputError
    from irrkit.statistics.weights import WEIGHT_NAMES

    if weights is not None and weights not in WEIGHT_NAMES:
        raise InputError.single("--weights", f"'{weights}' is not one of {', '.join(WEIGHT_NAMES)}")
    if sum((long, counts, table)) > 1:
        raise InputError.single("--table", "choose one input form: --long, --counts or --table")
    if table and bootstrap:
        raise InputError.single("--bootstrap", "not available with --table (a table has no units to resample)")
    cats = [c.strip() for c in categories.split(",")] if categories else None
    opts = analysis_options(confidence, benchmark, icc_benchmark, icc_convention, weights, bootstrap, seed, icc_missing,
                            max_memory)
    if (counts or table) and cluster is not None:
        raise InputError.single("--cluster", "a count or contingency table has no unit rows to cluster; give the "
                                             "ratings instead")
    if table:
        from irrkit.analysis.item import analyse_table
        from irrkit.readers import read_contingency

        tab, names = read_contingency(file, encoding=encoding, categories=cats)
        items = [analyse_table(tab, names, level.value, opts)]
    elif counts:
        from irrkit.analysis.item import analyse_counts
        from irrkit.readers import read_counts

        table, names = read_counts(file, encoding=encoding)
        items = [analyse_counts(table, names, level.value, opts)]
    else:
        from irrkit.readers import read_compute_input

        r = read_compute_input(file, long=long, unit_col=unit_col, coder_col=coder_col, value_col=value_col,
                               categories=cats, level=level.value, encoding=encoding, cluster_col=cluster)
        if weights is None:
            r.weights = {"nominal": "identity", "ordinal": "quadratic", "interval": "quadratic",
                         "ratio": "ratio"}[level.value]
        with progress_bar(opts, 1):
            items = [analyse(r, opts)]
    emit(items, opts, fmt, [], f"{file.name}", show_all=True)


@codebook_app.command("validate")
@guarded
def codebook_validate(file: Annotated[Path, typer.Argument(help="Codebook YAML file or bundled codebook name (irrkit codebook list).", show_default=False)]) -> None:
    """Check a codebook; print a one-line summary, or every problem with its line (exit 2)."""
    from irrkit.codebooks.codebook import load_codebook

    cb = load_codebook(file)
    n_cat = sum(1 for it in cb.items if it.categories)
    eps = f", {len(cb.episodes)} time-coded (episodes)" if cb.episodes else ""
    typer.echo(terminal(f"{file}: ok: codebook '{cb.id}' {cb.version or ''} with {len(cb.items)} items "
               f"({n_cat} categorical, {len(cb.items) - n_cat} scales){eps}, "
               f"{len(cb.gates) + len(cb.episode_gates)} gates"))


@codebook_app.command("list")
@guarded
def codebook_list() -> None:
    """List the bundled codebooks: their names (for -c NAME), titles and items."""
    from irrkit.codebooks import available, bundled
    from irrkit.codebooks.codebook import load_codebook

    for name in available():
        cb = load_codebook(bundled(name))
        what = [f"{len(cb.items)} items"] if cb.items else []
        what += [f"{len(cb.episodes)} time-coded"] if cb.episodes else []
        typer.echo(terminal(f"{name}: {cb.title or cb.id} ({', '.join(what)}) {bundled(name)}"))


@codebook_app.command("show")
@guarded
def codebook_show(file: Annotated[Path, typer.Argument(help="Codebook YAML file or bundled codebook name (irrkit codebook list).", show_default=False)]) -> None:
    """Show a codebook as a table for coders: items, codes, labels and definitions."""
    from irrkit.codebooks.codebook import codebook_to_rows, load_codebook
    from rich.console import Console
    from rich.table import Table

    cb = load_codebook(file)
    console = Console()
    from rich.markup import escape

    console.print(f"[bold]{escape(terminal(cb.title or cb.id))}[/] {escape(terminal(cb.version or ''))}")
    if cb.source:
        console.print(f"[dim]{escape(terminal(cb.source))}[/]")
    t = Table(show_lines=True, header_style="bold")
    rows = codebook_to_rows(cb)
    cols = list(rows[0]) if rows else ["item"]
    for c in cols:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*[escape(terminal(r.get(c, "") or "")) for c in cols])
    console.print(t)


app.command()(training.train)  # the commands of other modules
app.command()(training.retest)
app.command()(video.video)
app.command()(plan.plan)
app.command("report")(report.report_cmd)


def run() -> None:
    """Console entry point."""
    safe_streams()
    handle_sigterm()  # a CI cancel or timeout (SIGTERM) interrupts like Ctrl-C: no temporary file left
    if len(sys.argv) < 2 or any(a in ("-h", "--help") for a in sys.argv[1:]):
        from irrkit.cli.help_import import load

        load()  # the help renderer without rich's Markdown and traceback modules
    app()


if __name__ == "__main__":
    run()
