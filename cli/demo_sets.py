"""The demo's set-valued story: which interventions the therapist used in each of 46 crying episodes, a set of
codes per coder (codebook intervention-sets): alpha under the MASI and Jaccard distances, the exact set match and
a kappa per code. Coder C's file gives the sets as one 0/1 column per code in a German Excel CSV (';')."""

from __future__ import annotations

from pathlib import Path

NAME = "intervention-sets"


def run(out: Path | None, fmt, report: bool = False) -> None:
    from irrkit.cli.demo import demo_files
    from irrkit.cli.main import _print_check
    from irrkit.cli.options import Benchmark, Format, IccBenchmark, IccConvention, analysis_options, print_written
    from irrkit.codebooks import bundled
    from irrkit.outputs.files import write_all
    from irrkit.workflows.check import run_check

    opts = analysis_options(0.95, Benchmark.landis_koch, IccBenchmark.koo_li, IccConvention.psych)
    run_ = run_check(demo_files(NAME), bundled(NAME), opts, out=out, gated=False,
                     report_html=out / "report.html" if report and out is not None else None)
    written = write_all(run_.files, run_.inputs)
    if fmt is Format.table:
        print_written(written)
    _print_check(run_, opts, fmt)
