"""The demo's model story: a language model's three runs over the 46 crying sequences, tested against the three
human coders of the demo round (``irrkit model``): run-to-run stability, the model against each coder and their
consensus, and the alternative annotator test. Bundled data: ``cli/demo/model_crying-forms_run*.csv``
(synthetic)."""

from __future__ import annotations

from pathlib import Path

NAME = "model"


def run(out: Path | None, fmt, report: bool = False) -> None:
    from irrkit.cli.demo import DEMO_DIR, demo_files
    from irrkit.cli.model import emit
    from irrkit.cli.options import Format, print_written
    from irrkit.codebooks import bundled
    from irrkit.outputs.files import write_all
    from irrkit.workflows.model import run_model

    runs = sorted(DEMO_DIR.glob("model_crying-forms_run*.csv"))
    res = run_model(demo_files("crying-forms"), "llm=" + ",".join(str(p) for p in runs), bundled("crying-forms"),
                    out=out, context=False, report_html=out / "report.html" if report and out is not None else None)
    written = write_all(res.files, res.inputs)
    if fmt is Format.table:
        print_written(written)
    emit(res, fmt)
