"""The demo's continuous story: three coders time the crying in the 46 sequences (seconds, from the video).

Interval and ratio items get Lin's concordance correlation and the Bland-Altman limits of agreement beside the
ICC; coder C's proportional bias (C times long episodes about 12% longer) shows in the limits' table. With --out
the results are written and the line printed names the command that draws the Bland-Altman plots
(``irrkit report``); ``demo --out DIR --report`` writes the HTML report with the plots itself. Without --report the
demo draws nothing (it loads no matplotlib, tests/test_startup.py).
"""

from __future__ import annotations

from pathlib import Path

from irrkit.cli.demo import DEMO_DIR

NAME = "crying-duration"


def files() -> tuple[Path, list[Path]]:
    """The codebook and the three coders' files of the continuous demo."""
    return DEMO_DIR / "duration_codebook.yaml", sorted(DEMO_DIR.glob("duration_coder_*.csv"))


def run(out: Path | None, fmt, report: bool = False) -> None:
    from irrkit.cli.main import _print_check
    from irrkit.cli.options import Benchmark, Format, IccBenchmark, IccConvention, analysis_options, print_written
    from irrkit.outputs.files import write_all
    from irrkit.workflows.check import run_check

    opts = analysis_options(0.95, Benchmark.landis_koch, IccBenchmark.koo_li, IccConvention.psych)
    codebook, coder_files = files()
    run_ = run_check(coder_files, codebook, opts, out=out, gated=False,
                     report_html=out / "report.html" if report and out is not None else None)
    run_.data.warnings[:] = [w for w in run_.data.warnings if "rated by only one coder" not in w]
    written = write_all(run_.files, run_.inputs)
    if fmt is Format.table:
        print_written(written)
    _print_check(run_, opts, fmt)
    if fmt is Format.table and out is not None and not report:  # (with --report: report.html has them)
        from irrkit.cli.options import err_console
        from irrkit.outputs.escaping import terminal

        err_console().print(terminal(f"Bland-Altman plots and the CCC matrix: irrkit report {out / 'results.json'}"),
                            markup=False, soft_wrap=True, highlight=False)
