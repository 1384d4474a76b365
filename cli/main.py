"""irrkit command line: thin wrappers around the library. Each command parses its options, calls one workflow
(``irrkit.workflows``: check, compute, video, rounds, report), writes the files the workflow returns in one
all-or-nothing batch (``irrkit.outputs.files``) and renders the result; gate lines come from ``cli/gates.py``.

Exit codes: 0 all computed (and gates passed), 1 a gate fell short, 2 bad input or usage, 3 internal error.
Heavy imports (numpy, pandas, scipy) happen inside the commands so that ``--help`` answers at once.
This module builds the app (every command, or only the one a run calls: ``build``); the shared option types,
enums and helpers are in ``cli/options.py``, which command modules (``cli/training.py``, ...) import instead of
each other.
"""

import sys
import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from irrkit.cli.options import (
    HELP,
    AllowSingleOpt,
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
    UnitColOpt,
    analysis_options,
    guarded,
    print_notes,
    print_written,
    progress_bar,
    safe_streams,
)
from irrkit.outputs.escaping import counted, terminal


def _version(value: bool) -> None:
    if value:
        from irrkit import __version__

        typer.echo(f"irrkit {__version__}")
        raise typer.Exit(0)


def _main(version: Annotated[bool, typer.Option("--version", "-V", callback=_version, is_eager=True,
                                                help="Show the version and exit.")] = False) -> None:
    pass


def emit(items, opts, fmt: Format, warnings: list[str], title: str, show_all: bool = False, dialect=None,
         **meta: Any) -> None:
    """Print results to stdout in the chosen format."""
    from irrkit.outputs import tables

    if fmt is Format.json:
        from irrkit.outputs import jsontext

        sys.stdout.write(jsontext.dumps(tables.results_json(items, opts, warnings=warnings or None, **meta)) + "\n")
    elif fmt is Format.markdown:
        sys.stdout.write(tables.to_markdown(items, opts, title=title, warnings=warnings))
    elif fmt is Format.csv:
        sys.stdout.write(tables.to_csv(tables.summary_rows(items, opts), tables.SUMMARY_FIELDS,
                                       dialect or tables.STANDARD, visible=True))
    else:
        from irrkit.cli.render import CODERS_SHOWN, coders_table, results_table, table_console

        console = table_console()
        console.print(results_table(items, opts, show_all=show_all, title=title, width=console.width))
        from irrkit.cli.render import continuous_table

        if (loa := continuous_table(items)) is not None:
            console.print(loa)
        if meta.get("coder_counts"):
            console.print(coders_table(meta["coder_counts"], None if show_all else CODERS_SHOWN))
        from irrkit.cli.report import print_diagnostics

        print_diagnostics(console, items, show_all)
    print_notes(items, warnings)  # diagnostics go to stderr in every format


def _print_check(run, opts, fmt: Format, show_all: bool = False) -> None:
    emit(run.items, opts, fmt, run.warnings, run.title, show_all, run.dialect, **run.meta)
    if run.by is None:
        return
    if fmt is Format.table:
        from irrkit.cli.compare import by_table
        from irrkit.cli.render import table_console

        table_console().print(by_table(run.by, opts.confidence))
    elif fmt is Format.markdown:
        from irrkit.outputs.comparison_tables import by_markdown

        sys.stdout.write("\n" + by_markdown(run.by, opts.confidence))


@guarded
def check(
    files: Annotated[list[Path], typer.Argument(help="Coder files (CSV, Excel, SPSS): one per coder, or one long "
                                                     "file with a 'coder' column.", show_default=False)],
    codebook: Annotated[Path, typer.Option("--codebook", "-c", metavar="FILE",
                                           help="YAML codebook (or a bundled name: irrkit codebook list).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", metavar="DIR", help="Write the tables (CSV, Markdown) "
                                             "and results.json to this folder.")] = None,
    unit_col: UnitColOpt = None,
    allow_single: AllowSingleOpt = False,
    fmt: FormatOpt = Format.table,
    confidence: ConfidenceOpt = 0.95,
    benchmark: BenchOpt = Benchmark.landis_koch,
    icc_benchmark: IccBenchOpt = IccBenchmark.koo_li,
    icc_convention: IccConvOpt = IccConvention.psych,
    icc_missing: IccMissingOpt = IccMissing.mixed,
    encoding: EncodingOpt = None,
    show_all: Annotated[bool, typer.Option("--all", help="Every coefficient, not only the main ones.")] = False,
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
    pairs: Annotated[str, typer.Option("--pairs", metavar="WHICH", help="Coder pairs beyond 50 coders: summary "
                                       "(the worst) or all.")] = "summary",
    by: Annotated[str | None, typer.Option("--by", metavar="COLUMN",
                                           help="Agreement by group, equality test.")] = None,
) -> None:
    """Check coder files against a codebook and compute each item's reliability; gate the round.

    Exit codes: 0 computed and every gate passed, 1 a gate fell short, 2 bad input, 3 internal error.

    Example: [bold]irrkit check coder_*.csv -c crying-forms --out results[/]
    """
    started = time.monotonic()
    opts = analysis_options(confidence, benchmark, icc_benchmark, icc_convention, bootstrap=bootstrap, seed=seed,
                            icc_missing=icc_missing, max_memory=max_memory)
    if pairs not in ("summary", "all"):
        from irrkit.errors import InputError

        raise InputError.single("--pairs", f"'{pairs}' is not one of: summary, all")
    opts.all_pairs = pairs == "all"
    from irrkit.cli.gates import print_gates
    from irrkit.outputs.files import write_all
    from irrkit.workflows.check import run_check

    run = run_check(files, codebook, opts, encoding=encoding, cluster=cluster, csv_dialect=csv_dialect.value,
                    out=out, unit_col=unit_col, allow_single=allow_single, mins=mins, gate_on=gate_on.value,
                    no_gate=no_gate, junit=junit, summary=summary,
                    report_html=report_html, by=by, progress=lambda n, ratings=0: progress_bar(opts, n, ratings),
                    started=started)
    written = write_all(run.files, run.inputs, appends=run.appends)  # all or nothing, then the results are shown
    _print_check(run, opts, fmt, show_all)
    quiet = fmt is not Format.table
    note = ("[yellow]note[/] no gates: the codebook has no gate: section and no --min was given, so nothing was "
            "gated") if (junit is not None or summary is not None) and not no_gate else None
    code = print_gates(run.gate_results, quiet=quiet, on=gate_on.value, note=note)
    if fmt is Format.table:
        print_written(written)
    raise typer.Exit(code)


@guarded
def demo(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Also write the tables to this folder.")] = None,
    fmt: FormatOpt = Format.table,
    report: Annotated[bool, typer.Option("--report", help="With --out: also write each run's HTML report with its "
                                                          "figures (report.html in each folder; a few seconds more: "
                                                          "the figures are drawn).")] = False,
) -> None:
    """Run the bundled demo: 46 crying sequences (3 coders), 3 videos, and five more stories.

    Checks 46 crying sequences (3 coders, crying-forms and interventions), then video agreement (ELAN, BORIS),
    then a second training round compared with the first, a set-valued item (MASI alpha), a model's three runs as
    an alternative annotator, a duration item (CCC, limits of agreement) and the reporting checklist of the
    interventions round.

    Exit codes: 0 done, 2 an output could not be written, 3 internal error.
    """
    import contextlib
    import io

    from irrkit.cli.demo import demo_files
    from irrkit.codebooks import bundled
    from irrkit.outputs.files import write_all
    from irrkit.workflows.check import run_check

    if report and out is None:
        from irrkit.errors import InputError

        raise InputError.single("--report", "the reports are written into the --out folder: give --out DIR too")
    opts = analysis_options(0.95, Benchmark.landis_koch, IccBenchmark.koo_li, IccConvention.psych)
    parts: list[str] = []  # --format json: the three runs' documents, printed as ONE JSON document at the end

    def part() -> Any:
        if fmt is not Format.json:
            return contextlib.nullcontext()
        buf = io.StringIO()
        parts.append(buf)  # type: ignore[arg-type]
        return contextlib.redirect_stdout(buf)

    for name in ("crying-forms", "interventions"):
        sub = out / name if out is not None else None
        run = run_check(demo_files(name), bundled(name), opts, out=sub, gated=False,
                        report_html=sub / "report.html" if report and sub is not None else None)
        # the bundled data leaves a few ratings blank on purpose (missing ratings): no warning about the demo's own
        run.data.warnings[:] = [w for w in run.data.warnings if "rated by only one coder" not in w]
        written = write_all(run.files, run.inputs)
        if fmt is Format.table:
            print_written(written)
        with part():
            _print_check(run, opts, fmt)
    from irrkit.cli.demo import demo_video
    from irrkit.cli.video import run_video

    sub = out / "crying-episodes" if out is not None else None  # time-coded: ELAN files and a BORIS export
    with part():
        run_video(demo_video(), bundled("crying-episodes"), out=sub, fmt=fmt, no_gate=True,
                        report_html=sub / "report.html" if report and sub is not None else None)
    import importlib

    from irrkit.cli.demo import STORIES

    names = ["crying-forms", "interventions", "crying-episodes"]
    for module in STORIES:  # the further stories (cli/demo.py)
        story = importlib.import_module(f"irrkit.cli.{module}")
        names.append(story.NAME)
        with part():
            story.run(out / story.NAME if out is not None else None, fmt, report=report)
    if fmt is Format.json:
        import json

        from irrkit import __version__

        runs = [json.loads(b.getvalue()) for b in parts]  # type: ignore[attr-defined]
        typer.echo(json.dumps({"tool": "irrkit", "version": __version__, "kind": "demo",
                               "runs": dict(zip(names, runs))},
                              indent=2, ensure_ascii=False))


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
    from irrkit.workflows.compute import check_options, run_compute

    check_options(long=long, counts=counts, table=table, weights=weights, bootstrap=bootstrap, cluster=cluster)
    opts = analysis_options(confidence, benchmark, icc_benchmark, icc_convention, weights, bootstrap, seed, icc_missing,
                            max_memory)
    items = run_compute(file, opts, long=long, counts=counts, table=table, unit_col=unit_col, coder_col=coder_col,
                        value_col=value_col, level=level.value, categories=categories, weights=weights,
                        encoding=encoding, cluster=cluster,
                        progress=lambda n, ratings=0: progress_bar(opts, n, ratings))
    emit(items, opts, fmt, [], f"{file.name}", show_all=True)


CodebookArg = Annotated[Path, typer.Argument(help="Codebook YAML file or bundled codebook name (irrkit codebook list).",
                                            show_default=False)]


@guarded
def codebook_validate(file: CodebookArg) -> None:
    """Check a codebook; print a one-line summary, or every problem with its line (exit 2)."""
    from irrkit.codebooks.codebook import load_codebook
    cb = load_codebook(file)
    typer.echo(terminal(f"{file}: ok: codebook '{cb.id}' {cb.version or ''} with {codebook_contents(cb)}, "
                        f"{counted(len(cb.gates) + len(cb.episode_gates), 'gate')}"))


def codebook_contents(cb) -> str:
    """What a codebook holds, in words: rated items (categorical, scales) and time-coded items (their codes),
    only what it has: "2 rated items (1 categorical, 1 scale)", "2 time-coded items (6 and 4 codes)"."""
    parts = []
    if cb.items:
        n_cat = sum(1 for it in cb.items if it.categories)
        n_set = sum(1 for it in cb.items if it.multiple)
        kinds = [counted(n_cat, "categorical", "categorical")] if n_cat else []
        kinds += [f"{n_set} of them set-valued"] if n_set else []
        kinds += [counted(len(cb.items) - n_cat, "scale")] if len(cb.items) > n_cat else []
        parts.append(f"{counted(len(cb.items), 'rated item')} ({', '.join(kinds)})")
    if cb.episodes:
        codes = [str(len(ep.categories)) for ep in cb.episodes]
        which = codes[0] if len(codes) == 1 else ", ".join(codes[:-1]) + " and " + codes[-1]
        parts.append(f"{counted(len(cb.episodes), 'time-coded item')} ({which} codes)")
    return " and ".join(parts) or "no items"


@guarded
def codebook_list() -> None:
    """List the bundled codebooks: their names (for -c NAME), titles and items."""
    from irrkit.codebooks import available, bundled
    from irrkit.codebooks.codebook import load_codebook
    for name in available():
        cb = load_codebook(bundled(name))
        typer.echo(terminal(f"{name}: {cb.title or cb.id} ({codebook_contents(cb)}) {bundled(name)}"))


class ShowFormat(str, Enum):
    table = "table"
    markdown = "markdown"


@guarded
def codebook_show(file: CodebookArg, fmt: Annotated[ShowFormat, typer.Option(
        "--format", "-f", metavar="FORMAT", help="table (terminal) or markdown: a printable coder handout (pandoc "
                                                 "or any Markdown editor turns it into PDF or Word).")]
        = ShowFormat.table) -> None:
    """Show a codebook for coders: items, codes, labels and definitions.

    Example: [bold]irrkit codebook show crying-forms -f markdown > handout.md[/]
    """
    from irrkit.codebooks.codebook import load_codebook
    from irrkit.outputs.codebook_tables import codebook_to_markdown, codebook_to_rows
    cb = load_codebook(file)
    if fmt is ShowFormat.markdown:
        sys.stdout.write(codebook_to_markdown(cb))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
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


# Every command: its name, the module (irrkit.cli.*) defining it and the function; the order of --help.
COMMANDS = (("check", "main", "check"), ("demo", "main", "demo"), ("compute", "main", "compute"),
            ("train", "training", "train"), ("retest", "training", "retest"), ("video", "video", "video"),
            ("plan", "plan", "plan"), ("report", "report", "report_cmd"), ("model", "model", "model_cmd"),
            ("compare", "compare", "compare"))
GROUPS = {"codebook": (("validate", "codebook_validate"), ("list", "codebook_list"), ("show", "codebook_show"))}


def build(only: str | None = None) -> typer.Typer:
    """The irrkit app with every command, or with command ``only`` alone (what one run needs: Typer builds the
    options of each registered command at every start, and the command modules are imported only when
    registered; ``irrkit compute`` does not load ``train``'s module or options)."""
    import importlib

    app = typer.Typer(
        name="irrkit",
        help="Inter-rater reliability for coding systems: check coder files against a YAML codebook, compute "
        "Fleiss' kappa, Gwet's AC1/AC2, Krippendorff's alpha, the six ICCs, Lin's CCC and limits of agreement with "
        "SEs and CIs, interpret them, compare them, and gate coder training rounds in CI.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
        context_settings=HELP,
    )
    app.callback()(_main)
    for name, module, function in COMMANDS:
        if only in (None, name):
            where = globals() if module == "main" else vars(importlib.import_module(f"irrkit.cli.{module}"))
            app.command(name)(where[function])
    if only in (None, "codebook"):
        codebook_app = typer.Typer(help="Validate a codebook or show it as a table for coders.",
                                   no_args_is_help=True, context_settings=HELP)
        for name, function in GROUPS["codebook"]:
            codebook_app.command(name)(globals()[function])
        app.add_typer(codebook_app, name="codebook")
    return app


def __getattr__(name: str) -> Any:
    """``app``: the app with every command, built when first asked for (``from irrkit.cli.main import app``)."""
    if name == "app":
        globals()["app"] = full = build()
        return full
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _command() -> str | None:
    """The command this run calls (the first argument, when it names one), else None: every command."""
    first = sys.argv[1] if len(sys.argv) > 1 else ""
    return first if first in GROUPS or any(first == c[0] for c in COMMANDS) else None


def run() -> None:
    """Console entry point."""
    safe_streams()
    if len(sys.argv) < 2 or any(a in ("-h", "--help") for a in sys.argv[1:]):
        from irrkit.cli.help_import import load

        load()  # the help renderer without rich's Markdown and traceback modules; help writes no files
    else:
        from irrkit.outputs.files import handle_sigterm

        handle_sigterm()  # a CI cancel or timeout (SIGTERM) interrupts like Ctrl-C: no temporary file left
    build(_command())()


if __name__ == "__main__":
    run()
