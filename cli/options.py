"""Shared pieces of every irrkit command: option types and enums, the error guard, the stderr console and the
bootstrap progress bar.

Command modules (cli/main.py's commands, cli/training.py, ...) import this module, never each other; cli/main.py
builds the Typer app and registers every command. Importing this module loads no numpy/pandas (``--help`` stays
fast).
"""

import functools
import re
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperOption

from irrkit.cli.coercion import install as install_quick_coercion

HELP = {"help_option_names": ["-h", "--help"]}  # context_settings of every app: -h and --help


_METAVARS = {int: "N", float: "NUMBER", str: "TEXT", Path: "PATH"}


def _type_shown(self: TyperOption, ctx: Any) -> str | None:
    """The value an option takes, as command-line help writes it: nothing for flags (``--all``), the declared
    metavar, else a word for its type (``N``, ``NUMBER``, ``TEXT``, ``PATH``; a repeatable option as its one value)
    or the choices (``a|b``): never a Python type (``<list[Path]>``, ``<int range>``)."""
    if getattr(self, "is_flag", False) and not getattr(self, "count", False):
        return None
    if self.metavar is not None:
        return self.metavar
    desc = self.type_descriptor
    if desc.is_choice:
        return "|".join(str(getattr(c, "value", c)) for c in desc.choices or ())
    ann = desc.annotation
    from typing import get_args, get_origin

    if get_origin(ann) is list:
        (ann,) = get_args(ann) or (str,)
    return _METAVARS.get(ann, "VALUE")


def _argument_name(self: TyperArgument) -> str:
    """An argument in usage lines and help: ``FILES...``, ``FILE``, ``[FILE]`` (not ``{files}...``)."""
    name = (self.metavar or self.name or "").upper()
    return name if self.required else f"[{name}]"


TyperOption.display_type_rich = _type_shown  # type: ignore[method-assign]
TyperOption._get_number_range_help_str = lambda self: None  # type: ignore[method-assign]  # ranges: in the help
TyperArgument._usage_display_name = lambda self: _argument_name(self) + ("..." if self.nargs != 1 else "")
TyperArgument._rich_display_name = lambda self: _argument_name(self) + ("..." if self.nargs != 1 else "")
TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]  # the name says it
install_quick_coercion()  # option values without building pydantic adapters (cli/coercion.py)


class Format(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"


class Level(str, Enum):
    nominal = "nominal"
    ordinal = "ordinal"
    interval = "interval"
    ratio = "ratio"


class Benchmark(str, Enum):
    landis_koch = "landis_koch"
    fleiss = "fleiss"
    altman = "altman"
    cicchetti = "cicchetti"


class IccBenchmark(str, Enum):
    koo_li = "koo_li"
    cicchetti = "cicchetti"


class IccConvention(str, Enum):
    psych = "psych"
    irr = "irr"


class IccMissing(str, Enum):
    mixed = "mixed"
    complete = "complete"


class GateOn(str, Enum):
    estimate = "estimate"
    lower_bound = "lower-bound"


class CsvDialectChoice(str, Enum):
    auto = "auto"
    standard = "standard"
    excel_de = "excel-de"


def err_console():
    """A rich console on stderr (diagnostics, progress): stdout stays clean for JSON/CSV/Markdown. No emoji codes:
    a value written ``:x:`` is shown as written, not as an emoji (and rich's emoji table is not loaded)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, emoji=False)


def guarded(fn):
    """Bad input -> one line per problem on stderr, exit 2; anything unexpected -> exit 3, no traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from irrkit.errors import InputError
        from irrkit.outputs.escaping import terminal  # control characters in names and values shown visibly

        try:
            return fn(*args, **kwargs)
        except InputError as e:
            from rich.markup import escape  # file names, values and messages are text, never markup

            from irrkit.cli.problems import report_problems

            err = err_console()
            for p in e.problems:
                err.print(f"[bold red]error[/] {escape(terminal(p))}", markup=True, soft_wrap=True)
            from irrkit.outputs.files import OutputError

            # CI: annotations, JUnit, summary; an output that could not be written: nothing written at all
            for note in report_problems(e.problems, fn.__name__, kwargs, write=not isinstance(e, OutputError)):
                err.print(f"[yellow]note[/] {escape(terminal(note))}", soft_wrap=True)
            raise typer.Exit(2) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # stdout closed early (e.g. `| head`): nothing to report
            sys.stderr.close()
            raise typer.Exit(0) from None
        except RuntimeError as e:
            if not str(e).startswith("Symlink loop"):  # Path.resolve() before Python 3.13
                return _internal(e)
            from rich.markup import escape

            where = str(e).removeprefix("Symlink loop from ").strip("'")
            err_console().print(f"[bold red]error[/] {escape(terminal(where))}: symbolic link loop (the link points "
                                "back to itself)", soft_wrap=True)
            raise typer.Exit(2) from None
        except OSError as e:
            from rich.markup import escape

            where = f"{e.filename}: " if e.filename else ""
            err_console().print(f"[bold red]error[/] {escape(terminal(where + str(e.strerror or e)))}",
                                soft_wrap=True)
            raise typer.Exit(2) from None
        except Exception as e:  # never a traceback for users
            return _internal(e)

    return wrapper


def _internal(e: Exception) -> None:
    """An unexpected error: one line on stderr, exit 3, no traceback."""
    from rich.markup import escape

    from irrkit.outputs.escaping import terminal

    err_console().print(f"[bold red]internal error[/] {type(e).__name__}: {escape(terminal(e))} "
                        "(please report this)", soft_wrap=True)
    raise typer.Exit(3) from None


def _confidence(value: float) -> float:
    """A confidence level between 0.5 and 0.999; a percentage (95) is refused with the fraction to write."""
    if 1 < value < 100:
        raise typer.BadParameter(f"{value:g} looks like a percentage: write {value / 100:g} (a fraction between "
                                 "0.5 and 0.999)")
    if not 0.5 <= value <= 0.999:
        raise typer.BadParameter(f"{value:g} is not between 0.5 and 0.999 (e.g. 0.95 for 95% CIs)")
    return value


ConfidenceOpt = Annotated[float, typer.Option(
    "--confidence", callback=_confidence, metavar="LEVEL", help="Confidence level of CIs, 0.5 to 0.999.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", metavar="FORMAT",
                                           help="What goes to stdout: table, json, markdown or csv.")]
BenchOpt = Annotated[Benchmark, typer.Option(
    "--benchmark", metavar="SCALE", help="Labels of kappa-type values: landis_koch, fleiss, altman or cicchetti.")]
IccBenchOpt = Annotated[IccBenchmark, typer.Option("--icc-benchmark", metavar="SCALE",
                                                   help="Labels of ICCs: koo_li or cicchetti.")]
IccConvOpt = Annotated[IccConvention, typer.Option(
    "--icc-convention", metavar="NAME", help="F df of the agreement ICCs: psych (psych::ICC) or irr (irr::icc, "
                                             "Satterthwaite df).")]
IccMissingOpt = Annotated[IccMissing, typer.Option(
    "--icc-missing", metavar="HOW", help="ICCs with missing ratings: mixed (REML on all ratings) or complete "
                                         "(complete units only, as psych::ICC).")]
EncodingOpt = Annotated[str | None, typer.Option("--encoding", metavar="NAME", help="Encoding of the input files "
                                                                                     "(default UTF-8; e.g. cp1252).")]
BootOpt = Annotated[int, typer.Option("--bootstrap", min=0, help="Also percentile bootstrap CIs over units from N "
                                                                 "resamples (e.g. 2000).")]
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def memory_bytes(value: str | None) -> int:
    """'500M', '2G', '1.5GB', '800000000' -> bytes (0 for None: the default budget)."""
    if value is None:
        return 0
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(?:i?[bB])?\s*", value)
    if not m or float(m[1]) <= 0:
        raise typer.BadParameter(f"'{value}' is not a memory size such as 500M, 4G or 1.5GB")
    return int(float(m[1]) * _UNITS[m[2].lower()])


def _memory(value: str | None) -> str | None:
    memory_bytes(value)
    return value


def _seed(value: int | None) -> int | None:
    """A seed numpy takes: a whole number from 0 to 2^63 - 1 (a negative one is a usage error, exit 2)."""
    if value is not None and not 0 <= value < 2**63:
        raise typer.BadParameter(f"{value} is not a seed: use a whole number from 0 to {2**63 - 1}")
    return value


MaxMemOpt = Annotated[str | None, typer.Option(
    "--max-memory", callback=_memory, metavar="SIZE", help="Memory the analysis may use, e.g. 500M or 4G (default: "
                                                           "half the machine's).")]
SeedOpt = Annotated[int | None, typer.Option("--seed", metavar="N", callback=_seed,
                                             help="Random seed of the bootstrap, 0 or more (reproducible CIs).")]
MinOpt = Annotated[list[str] | None, typer.Option(
    "--min", metavar="GATE", help="Gate STAT=VALUE or ITEM:STAT=VALUE, e.g. form:gwet_ac1=0.7 (repeatable); "
                                  "overrides the codebook's gate: section.")]
GateOnOpt = Annotated[GateOn, typer.Option(
    "--gate-on", metavar="WHAT", help="What each minimum is compared with: estimate or lower-bound (of the CI).")]
NoGateOpt = Annotated[bool, typer.Option("--no-gate", help="Ignore all thresholds (exit 0 when computed).")]
JunitOpt = Annotated[Path | None, typer.Option("--junit", metavar="FILE",
                                               help="Write JUnit XML: a test case per item and gate.")]
ClusterOpt = Annotated[str | None, typer.Option(
    "--cluster", metavar="COLUMN", help="Column naming each unit's cluster (session, patient): cluster-robust "
                                        "SEs.", show_default=False)]
CsvDialectOpt = Annotated[CsvDialectChoice, typer.Option(
    "--csv-dialect", metavar="NAME",
    help="CSV outputs: standard (',' and '.'), excel-de (';', decimal comma, BOM) or auto (excel-de when the inputs "
         "were ';'-separated).")]
SummaryOpt = Annotated[Path | None, typer.Option(
    "--summary", metavar="FILE",
    help="Write a Markdown gate summary, replacing it ($GITHUB_STEP_SUMMARY: appended to).")]
ReportOpt = Annotated[Path | None, typer.Option("--report", metavar="FILE",
                                                help="Write a self-contained HTML report with figures.")]
AllowSingleOpt = Annotated[bool, typer.Option(
    "--allow-single", help="Accept a single coder (no agreement: a file check); else one coder is exit 2.")]
UnitColOpt = Annotated[str | None, typer.Option(
    "--unit-col", metavar="COLUMN", help="The unit column, when not the codebook's (e.g. Sequenz).",
    show_default=False)]


def print_notes(items, warnings) -> None:
    """Each item's notes and the run's warnings, on stderr in every format (stdout stays clean for JSON/CSV);
    rich is loaded only when there is one to print."""
    notes = [("note", f"{it.item}: {n}") for it in items for n in it.notes] + [("warning", w) for w in warnings]
    if not notes:
        return
    from rich.markup import escape

    from irrkit.outputs.escaping import terminal

    err = err_console()
    for kind, text in notes:
        err.print(f"[yellow]{kind}[/] {escape(terminal(text))}", highlight=False)


def print_written(written) -> None:
    """The one "wrote ..." line of every command, on stderr, the same on a terminal and in a pipe: the files
    grouped by folder (``wrote summary.csv, results.json to results``), never wrapped by the console."""
    if not written:
        return
    from irrkit.outputs.escaping import terminal

    folders: dict[Path, list[str]] = {}
    for p in written:
        p = Path(p)
        folders.setdefault(p.parent, []).append(p.name)
    text = "; ".join(f"{', '.join(names)} to {folder}" for folder, names in folders.items())
    err_console().print(terminal(f"wrote {text}"), markup=False, soft_wrap=True, highlight=False)


def analysis_options(confidence: float, benchmark: Benchmark, icc_benchmark: IccBenchmark,
                     icc_convention: IccConvention, weights: str | None = None, bootstrap: int = 0,
                     seed: int | None = None, icc_missing: IccMissing = IccMissing.mixed,
                     max_memory: str | None = None):
    """The irrkit.analysis.item Options of the common command line options."""
    from irrkit.analysis.item import Options

    return Options(confidence=confidence, kappa_scale=benchmark.value, icc_scale=icc_benchmark.value,
                   icc_convention=icc_convention.value, weights=weights, bootstrap=bootstrap, seed=seed,
                   icc_missing=icc_missing.value, max_memory=memory_bytes(max_memory))


LONG_WORK = 250_000  # ratings from which the analysis shows its steps on a progress bar (a few seconds)


class progress_bar:
    """A rich progress bar on stderr (silent when stderr is not a terminal) for bootstrap work, counting items
    x resamples, or for long work (``ratings`` >= LONG_WORK: crowd data), naming each step as it starts with
    the time elapsed (``Options.step``)."""

    def __init__(self, opts, n_items: int, ratings: int = 0) -> None:
        self.opts, self.total, self.n_items = opts, opts.bootstrap * n_items, n_items
        self.steps = not self.total and ratings >= LONG_WORK and err_console().is_terminal
        self.ratings = ratings

    def __enter__(self):
        if self.steps:
            from rich.progress import BarColumn, Progress, SpinnerColumn, TimeElapsedColumn

            self.bar = Progress(SpinnerColumn(), "{task.description}", BarColumn(), TimeElapsedColumn(),
                                console=err_console(), transient=True)
            self.bar.start()
            task = self.bar.add_task(f"{self.ratings:,} ratings", total=None)
            self.opts.step = lambda what: self.bar.update(task, description=f"{self.ratings:,} ratings: {what}")
            return self
        if not self.total:
            return self
        from rich.progress import BarColumn, Progress, TimeRemainingColumn

        what = f"bootstrap ({self.n_items} item{'s' * (self.n_items != 1)} x {self.opts.bootstrap} resamples)"
        self.bar = Progress(what, BarColumn(), "{task.completed}/{task.total} resamples", TimeRemainingColumn(),
                            console=err_console(), transient=True)
        self.bar.start()
        task = self.bar.add_task("bootstrap", total=self.total)
        self.opts.progress = lambda k: self.bar.advance(task, k)
        return self

    def __exit__(self, *exc) -> None:
        if self.steps:
            self.bar.stop()
            self.opts.step = None
        if self.total:
            self.bar.stop()
            self.opts.progress = None


# Characters irrkit prints that legacy encodings (ASCII, latin-1, cp1252) may lack, and what to write instead.
_ASCII = {"≥": ">=", "≤": "<=", "≠": "!=", "—": "-", "–": "-", "−": "-", "…": "...", "×": "x", "±": "+/-",
          "·": "*", "→": "->", "←": "<-", "√": "sqrt", "≈": "~", "‘": "'", "’": "'", "“": '"', "”": '"'}


def _ascii_fallback(err: UnicodeError) -> tuple[str, int]:
    """Codec error handler: a character the stream cannot encode becomes its ASCII spelling (>= for ≥, a for ä),
    else '?'."""
    import unicodedata

    if not isinstance(err, UnicodeEncodeError):
        raise err
    out = []
    for ch in err.object[err.start:err.end]:
        plain = _ASCII.get(ch) or unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii")
        out.append(plain or "?")
    return "".join(out), err.end


def safe_streams() -> None:
    """Let stdout/stderr survive encodings that lack irrkit's characters (PYTHONIOENCODING=ascii or latin-1,
    cp1252 with redirected output): such characters are written in ASCII instead of crashing the run."""
    import codecs

    try:
        codecs.lookup_error("irrkit-ascii")
    except LookupError:
        codecs.register_error("irrkit-ascii", _ascii_fallback)
    for stream in (sys.stdout, sys.stderr):
        enc = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
        if enc.startswith(("utf-8", "utf8", "utf-16", "utf-32")) or not hasattr(stream, "reconfigure"):
            continue
        try:
            stream.reconfigure(errors="irrkit-ascii")
        except (ValueError, OSError):  # a closed or detached stream: nothing to protect
            pass
