"""The demo's reporting story: the GRRAS checklist (Kottner et al. 2011) for the interventions round, with the
methods paragraph written from the same facts (``irrkit report --checklist --methods``)."""

from __future__ import annotations

import json
from pathlib import Path

NAME = "checklist"


def run(out: Path | None, fmt, report: bool = False) -> None:
    from irrkit.cli.demo import demo_files
    from irrkit.cli.options import Benchmark, Format, IccBenchmark, IccConvention, analysis_options, print_written
    from irrkit.codebooks import bundled
    from irrkit.outputs import checklist, tables
    from irrkit.outputs.files import write_all
    from irrkit.outputs.manuscript import methods, study_facts
    from irrkit.workflows.check import run_check

    opts = analysis_options(0.95, Benchmark.landis_koch, IccBenchmark.koo_li, IccConvention.psych)
    check = run_check(demo_files("interventions"), bundled("interventions"), opts, gated=False, diagnostics=False)
    doc = json.loads(json.dumps(tables.results_json(check.items, opts, **check.meta)))
    facts = study_facts(doc)
    text, paragraph = checklist.markdown(facts, doc), methods(doc, "en", facts)
    if out is not None:
        written = write_all({out / "checklist.md": text, out / "methods.md": paragraph}, check.inputs)
        if fmt is Format.table:
            print_written(written)
    if fmt is Format.json:
        print(json.dumps({"tool": "irrkit", "kind": "checklist", "items": [
            {"number": e.number, "section": e.section, "item": e.item, "status": e.status, "filled": e.filled,
             "add": e.add} for e in checklist.entries(facts, doc)], "methods": paragraph}, indent=2,
            ensure_ascii=False))
    elif fmt is Format.markdown:
        print(text)
    elif fmt is Format.table:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        from irrkit.outputs.escaping import terminal

        t = Table(title="Reporting checklist (GRRAS, Kottner et al. 2011): the interventions round",
                  title_justify="left", header_style="bold", pad_edge=False)
        for col in ("#", "item", "status", "filled in by irrkit (first line)"):
            t.add_column(col, overflow="fold")
        for e in checklist.entries(facts, doc):
            t.add_row(str(e.number), terminal(e.item), Text(e.status, style="green" if not e.add else "yellow"),
                      terminal(e.filled[0] if e.filled else "—"))
        Console(highlight=False).print(t)
