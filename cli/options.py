"""Shared pieces of every irrkit command: option types and enums, the error guard, the stderr console and the
bootstrap progress bar.

Command modules (cli/main.py's commands, cli/training.py, ...) import this module, never each other; cli/main.py
builds the Typer app and registers every command. Importing this module loads no numpy/pandas (``--help`` stays
fast).
"""

from __future__ import annotations

import functools
import re
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperOption

from irrkit.cli.coercion import install as install_quick_coercion

HELP = {"help_option_names": ["-h", "--help"]}  # context_settings of every app: -h and --help


def _type_shown(self: TyperOption, ctx: Any) -> str | None:
    """Help shows no type for flags (``--all``, not ``--all <bool>``); other options as typer shows them."""
    if getattr(self, "is_flag", False) and not getattr(self, "count", False):
        return None
    return _typer_type_shown(self, ctx)


_typer_type_shown = TyperOption.display_type_rich
TyperOption.display_type_rich = _type_shown  # type: ignore[method-assign]
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
    """A rich console on stderr (diagnostics, progress): stdout stays clean for JSON/CSV/Markdown."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def guarded(fn):
    """Bad input -> one line per problem on stderr, exit 2; anything unexpected -> exit 3, no traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from rich.markup import escape  # file names, values and messages are text, never markup

        from irrkit.errors import InputError
        from irrkit.outputs.escaping import terminal  # control characters in names and values shown visibly

        try:
            return fn(*args, **kwargs)
        except InputError as e:
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
            where = str(e).removeprefix("Symlink loop from ").strip("'")
            err_console().print(f"[bold red]error[/] {escape(terminal(where))}: symbolic link loop (the link points "
                                "back to itself)", soft_wrap=True)
            raise typer.Exit(2) from None
        except OSError as e:
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
    "--confidence", callback=_confidence, help="Confidence level of CIs, a fraction from 0.5 to 0.999 (0.95, not 95).")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="What goes to stdout.")]
BenchOpt = Annotated[Benchmark, typer.Option("--benchmark", help="Scale for kappa-type coefficients.")]
IccBenchOpt = Annotated[IccBenchmark, typer.Option("--icc-benchmark", help="Scale for ICCs.")]
IccConvOpt = Annotated[IccConvention, typer.Option(
    "--icc-convention", help="F df of the agreement ICCs: psych::ICC (default) or irr::icc (Satterthwaite df).")]
IccMissingOpt = Annotated[IccMissing, typer.Option(
    "--icc-missing", help="ICCs with missing ratings: REML mixed model on all ratings (default) or complete units "
                          "only (psych::ICC's default).")]
EncodingOpt = Annotated[str | None, typer.Option("--encoding", help="Encoding of the input files (default UTF-8; "
                                                                     "e.g. cp1252 for old Excel exports).")]
BootOpt = Annotated[int, typer.Option("--bootstrap", min=0, help="Also give percentile bootstrap CIs over units "
                                                                 "from N resamples (e.g. 2000).")]
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


MaxMemOpt = Annotated[str | None, typer.Option(
    "--max-memory", callback=_memory, help="Most memory the analysis may use, e.g. 500M or 4G (default: half the "
                                           "machine's memory); an item that would need more is refused (exit 2).")]
SeedOpt = Annotated[int | None, typer.Option("--seed", min=0, max=2**63 - 1,
                                             help="Random seed of the bootstrap (reproducible CIs).")]
MinOpt = Annotated[list[str] | None, typer.Option(
    "--min", help="Gate: STAT=VALUE for all items or ITEM:STAT=VALUE, e.g. --min form:gwet_ac1=0.7 (repeatable); "
                  "overrides the codebook's gate: section.")]
GateOnOpt = Annotated[GateOn, typer.Option(
    "--gate-on", help="Compare the estimate or the stricter lower bound of the CI with each minimum.")]
NoGateOpt = Annotated[bool, typer.Option("--no-gate", help="Ignore all thresholds (exit 0 when computed).")]
JunitOpt = Annotated[Path | None, typer.Option("--junit", help="Write JUnit XML: one test case per item and gated "
                                                              "statistic (GitLab, Jenkins, GitHub reporters).")]
ClusterOpt = Annotated[str | None, typer.Option(
    "--cluster", help="Column naming each unit's cluster (e.g. session or patient): cluster-robust SEs and, with "
                      "--bootstrap, a bootstrap of whole clusters.", show_default=False)]
CsvDialectOpt = Annotated[CsvDialectChoice, typer.Option(
    "--csv-dialect", help="How CSV outputs are spelled: standard (',' and '.'), excel-de (';', decimal comma, "
                          "UTF-8 BOM: what Excel in German and most European locales opens directly) or auto: "
                          "excel-de when every CSV input was ';'-separated, else standard.")]
SummaryOpt = Annotated[Path | None, typer.Option(
    "--summary", help="Write a Markdown gate summary to this file, replacing it; $GITHUB_STEP_SUMMARY (however "
                      "spelled) is appended to instead, as GitHub Actions expects.")]
ReportOpt = Annotated[Path | None, typer.Option("--report", help="Write a self-contained HTML report (offline, "
                                                                "phone-readable, printable) with inline SVG "
                                                                "figures; PNG/SVG files for slides: irrkit report "
                                                                "RESULTS.json --figures DIR.")]


def analysis_options(confidence: float, benchmark: Benchmark, icc_benchmark: IccBenchmark,
                     icc_convention: IccConvention, weights: str | None = None, bootstrap: int = 0,
                     seed: int | None = None, icc_missing: IccMissing = IccMissing.mixed,
                     max_memory: str | None = None):
    """The irrkit.analysis.item Options of the common command line options."""
    from irrkit.analysis.item import Options

    return Options(confidence=confidence, kappa_scale=benchmark.value, icc_scale=icc_benchmark.value,
                   icc_convention=icc_convention.value, weights=weights, bootstrap=bootstrap, seed=seed,
                   icc_missing=icc_missing.value, max_memory=memory_bytes(max_memory))


class progress_bar:
    """A rich progress bar on stderr for bootstrap work (silent when stderr is not a terminal)."""

    def __init__(self, opts, n_items: int) -> None:
        self.opts, self.total = opts, opts.bootstrap * n_items

    def __enter__(self):
        if not self.total:
            return self
        from rich.progress import BarColumn, Progress, TimeRemainingColumn

        self.bar = Progress("bootstrap", BarColumn(), "{task.completed}/{task.total}", TimeRemainingColumn(),
                            console=err_console(), transient=True)
        self.bar.start()
        task = self.bar.add_task("bootstrap", total=self.total)
        self.opts.progress = lambda k: self.bar.advance(task, k)
        return self

    def __exit__(self, *exc) -> None:
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
