"""``irrkit check``: coder files against a codebook, every item's reliability, the gates, and the files to write.

One function, ``run_check``: it takes the inputs and options and returns a ``CheckRun`` (items, data, warnings,
the gate results, evaluated once, and the files to write as {path: content} plus the appends of
``$GITHUB_STEP_SUMMARY``). It writes nothing and prints nothing: the caller writes the files in one batch
(``irrkit.outputs.files.write_all``) and then shows the results. Heavy modules are imported inside the function
(``irrkit demo`` stays fast).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from irrkit.outputs.escaping import counted

BY_NAMES = ("by_group.csv", "by_group_test.csv")
OUTPUT_NAMES = ("summary.csv", "summary.md", "per_category.csv", "disagreements.csv", "coders.csv", "coder_pairs.csv",
                "results.json")
LOA_NAME = "bland_altman.csv"  # written when the codebook has interval or ratio items


@dataclass
class CheckRun:
    """One check: what was computed and what to write."""

    items: list  # ItemResult per codebook item
    data: Any  # the RatingSet read
    codebook: Any
    title: str
    meta: dict[str, Any]  # the run's description in the results JSON (with "gates" when gated)
    dialect: Any  # the CSV dialect of the tables
    gates: list = field(default_factory=list)  # the gates applied
    gate_results: list = field(default_factory=list)
    files: dict[Path, str | bytes] = field(default_factory=dict)  # replaced
    appends: dict[Path, str] = field(default_factory=dict)  # appended to ($GITHUB_STEP_SUMMARY)
    inputs: list[Path] = field(default_factory=list)  # never written over
    by: dict[str, Any] | None = None  # check --by: agreement per group and the test of equality (compare.agreement_by)

    @property
    def warnings(self) -> list[str]:
        return self.data.warnings

    @property
    def failed(self) -> list:
        return [r for r in self.gate_results if not r.passed]


def output_files(out: Path, items, opts, ratings, warnings: list[str], title: str, dialect=None,
                 gate_results=(), **meta: Any) -> dict[Path, str]:
    """Contents of the tables written with --out (``gate_results``: the gates, in summary.csv/md and JSON)."""
    from irrkit.outputs import diagnostics_tables, jsontext, tables

    d = dialect or tables.STANDARD
    loa = tables.loa_rows(items)  # interval and ratio items only: the file is written when there are some
    return {
        out / "summary.csv": tables.to_csv(tables.summary_rows(items, opts, gates=gate_results),
                                           tables.SUMMARY_FIELDS, d),
        out / "summary.md": tables.to_markdown(items, opts, title=title, warnings=warnings, gates=gate_results),
        out / "per_category.csv": tables.to_csv(tables.per_category_rows(items), None, d),
        out / "disagreements.csv": tables.to_csv(tables.disagreement_rows(ratings), None, d),
        out / "coders.csv": tables.to_csv(diagnostics_tables.coder_rows(items), diagnostics_tables.CODER_FIELDS, d),
        out / "coder_pairs.csv": tables.to_csv(diagnostics_tables.pair_rows(items), diagnostics_tables.PAIR_FIELDS, d),
        out / "results.json": jsontext.dumps(tables.results_json(items, opts, warnings=warnings or None, **meta))
        + "\n",
        **({out / LOA_NAME: tables.to_csv(loa, tables.LOA_FIELDS, d)} if loa else {}),
    }


def weights_note(ratings, result, source: str, wider: str = "") -> str | None:
    """Which values the weights of a weighted item are scaled on: ``source`` says where the categories came
    from ("the codebook's scale", "the --categories given"), else "the observed values" (then the weights, and
    AC2 & co., can differ from the same data checked against a codebook with a wider scale; ``wider`` says how
    to give the full scale)."""
    if result.weights in (None, "identity") or getattr(ratings, "weight_matrix", None) is not None:
        return None
    cats = [c for c in ratings.categories]
    if len(cats) < 2:
        return None
    from irrkit.readers.table import fmt_number

    span = f"{fmt_number(min(cats))} to {fmt_number(max(cats))}, {len(cats)} values"
    if ratings.explicit_categories:
        return f"{result.weights} weights over {source} ({span})"
    return f"{result.weights} weights over the observed values ({span}){wider}"


def identical_coders(data) -> list[str]:
    """A note per group of coders whose ratings are identical on every unit and item (two files of the same
    coder, or one file given under two names): "identical ratings: the same file twice?"."""
    import numpy as np

    if len(data.coders) < 2 or not data.items or len(data.units) < 2:
        return []
    groups: dict[bytes, list[str]] = {}
    if any(r.sparse for r in data.items.values()):  # crowd data: each coder's (item, unit, value) cells compared
        cells = [r.rated_cells() for r in data.items.values()]
        item = np.concatenate([np.full(len(c.unit), i) for i, c in enumerate(cells)])
        unit, coder, value = (np.concatenate([getattr(c, a) for c in cells]) for a in ("unit", "coder", "value"))
        order = np.lexsort((unit, item, coder))
        rows = np.column_stack([item, unit, value.view(np.int64)])[order]
        bounds = np.concatenate(([0], np.cumsum(np.bincount(coder, minlength=len(data.coders)))))
        for j, name in enumerate(data.coders):
            if bounds[j + 1] - bounds[j] >= 2:
                groups.setdefault(rows[bounds[j]:bounds[j + 1]].tobytes(), []).append(name)
    else:  # coders alike on a sample of units (every unit of up to 4,096) compared on every unit
        mats = [r.values for r in data.items.values()]
        step = max(1, len(data.units) // 4096)
        sample = np.concatenate([np.nan_to_num(m[::step], nan=np.inf) for m in mats])
        alike: dict[bytes, list[int]] = {}
        for j in range(len(data.coders)):
            alike.setdefault(sample[:, j].tobytes(), []).append(j)
        for j in sorted(j for js in alike.values() if len(js) > 1 for j in js):  # groups: by their first coder
            col = np.concatenate([np.nan_to_num(m[:, j], nan=np.inf) for m in mats])
            if np.isfinite(col).sum() >= 2:
                groups.setdefault(col.tobytes(), []).append(data.coders[j])
    return [f"coders {', '.join(repr(c) for c in names)} gave identical ratings on every unit and item: the same "
            "file twice?" for names in groups.values() if len(names) > 1]


def check_meta(cb, data, files: list[Path]) -> dict[str, Any]:
    """The run's description in the results JSON."""
    return {"codebook": cb.id, "codebook_version": cb.version or None, "codebook_title": cb.title or None,
            "item_labels": {it.id: it.label for it in cb.items if it.label}, "coders": data.coders,
            "files": [str(f) for f in files], "coder_counts": [c.to_dict() for c in data.coder_counts],
            # for the reporting checklist (irrkit report --checklist): the instrument and the study as described
            "codebook_source": cb.source or None, "study": dict(cb.study) or None,
            "definitions": {it.id: {"item": bool(it.definition), "codes": sum(bool(c.definition) for c in
                                                                              it.categories),
                                    "of": len(it.categories)} for it in cb.items}}


def run_check(files: list[Path], codebook: Path, opts, *, cb=None, encoding: str | None = None,
              cluster: str | None = None, csv_dialect: str = "auto", out: Path | None = None, gated: bool = True,
              mins: list[str] | None = None, gate_on: str = "estimate", no_gate: bool = False,
              junit: Path | None = None, summary: Path | None = None, report_html: Path | None = None,
              title: str | None = None, diagnostics: bool = True, unit_col: str | None = None,
              allow_single: bool = False, by: str | None = None,
              progress: Callable[[int], Any] | None = None, started: float | None = None) -> CheckRun:
    """Read, validate, analyse and gate; the files to write. ``gated=False`` (the demo): no gates at all, and
    no "gates" in the JSON. Usage errors (a bad --min, an output over an input) come before any work;
    ``progress(n_items)``: a context manager around the analysis (the CLI's bootstrap progress bar);
    ``unit_col``: the unit column instead of the codebook's; ``allow_single``: one coder is accepted (else it is
    an input error: a glob that matched one file must not pass a CI gate); ``by``: a context column, agreement
    per group of its values and the test of equality across them (``"by"`` in the JSON, by_group.csv and
    by_group_test.csv with ``out``)."""
    from irrkit.codebooks.codebook import load_codebook
    from irrkit.outputs.files import check_targets
    from irrkit.workflows import gates as gate

    started = time.monotonic() if started is None else started
    cli_gates = gate.parse_min(mins or [])  # bad --min is a usage error before any work
    cb = cb or load_codebook(codebook, unit_column=unit_col)
    combined = gate.combine(cb.gates, cli_gates, cb.items)  # --min ITEM:... names an item and a statistic it has
    gates = [] if no_gate or not gated else combined
    inputs = [*files, codebook]
    outs = [out / n for n in (*OUTPUT_NAMES, LOA_NAME, *(BY_NAMES if by else ()))] if out is not None else []
    check_targets([*outs, *(p for p in (junit, summary, report_html) if p is not None)], inputs)  # before any work

    from irrkit.analysis.item import analyse
    from irrkit.readers import read_coder_files

    data = read_coder_files(files, cb, encoding=encoding)
    if len(data.coders) < 2 and not allow_single:
        from irrkit.errors import InputError

        raise InputError.single(str(files[0]) if len(files) == 1 else "<input>",
                                f"only one coder ({', '.join(data.coders)}): agreement needs at least two coders "
                                "(one file per coder, or a 'coder' column); give --allow-single to check one "
                                "coder's file anyway")
    data.warnings.extend(identical_coders(data))
    if cluster is not None:
        from irrkit.statistics.clusters import clusters_from_records

        clusters = clusters_from_records(data.records, data.units, cluster, [str(f) for f in files])
        for r in data.items.values():
            r.clusters = clusters
        used = f"unknown column '{cluster}' kept as context"  # the column is used: no warning about it
        data.warnings[:] = [w for w in data.warnings if used not in w]
    ratings = sum(r.n_ratings for r in data.items.values())
    from irrkit.statistics.counting import shared

    # (shared: an item's category indices and their distinct rows computed once for analyse and the diagnostics)
    with (progress or (lambda n, ratings=0: contextlib.nullcontext()))(len(cb.items), ratings), shared():
        items = [analyse(data.items[it.id], opts) for it in cb.items]
        for it, res in zip(cb.items, items):  # the range the weights are scaled on, said once per weighted item
            note = weights_note(data.items[it.id], res, "the codebook's scale")
            if note:
                res.notes.append(note)
        if diagnostics:  # coder x coder matrix, Light's kappa, coder profiles, leave-one-coder-out
            from irrkit.analysis.diagnostics import diagnose
            for it, res in zip(cb.items, items):
                if opts.step:
                    opts.step(f"item '{it.id}': coder diagnostics")
                res.diagnostics = diagnose(data.items[it.id], res, opts)
    title = title or f"{cb.title or cb.id}: {counted(len(data.coders), 'coder')}, {counted(len(data.units), 'unit')}"
    meta = check_meta(cb, data, files)
    by_groups = None
    if by is not None:
        from irrkit.workflows.compare import agreement_by

        by_groups = agreement_by(data, items, by, [str(f) for f in files], opts)
        meta["by"] = by_groups
        used = f"unknown column '{by}' kept as context"
        data.warnings[:] = [w for w in data.warnings if used not in w]
    from irrkit.outputs.tables import dialect_for

    dialect = dialect_for(csv_dialect, data.delimiters)
    run = CheckRun(items, data, cb, title, meta, dialect, gates, inputs=inputs, by=by_groups)
    if gated:  # the gates, evaluated once: in the JSON, the summary tables, JUnit, the summary and the report
        from irrkit.workflows.report import gate_dicts

        run.gate_results = gate.evaluate(items, gates, on=gate_on)
        run.meta = {**meta, "gates": gate_dicts(run.gate_results)}
    if out is not None:
        for it, res in zip(cb.items, items):
            r = data.items[it.id]
            if r.sparse:
                res.notes.append(f"disagreements.csv lists no units of this item: crowd data ({r.n_coders} coders, "
                                 "each rating few units) would need a column per coder; the input file has every "
                                 "rating")
        run.files.update(output_files(out, items, opts, data.items.values(), data.warnings, title, dialect,
                                      gate_results=run.gate_results, **run.meta))
        if by_groups is not None:
            from irrkit.outputs import comparison_tables as ct
            from irrkit.outputs.tables import to_csv

            run.files[out / "by_group.csv"] = to_csv(ct.by_rows(by_groups), ct.BY_FIELDS, dialect)
            run.files[out / "by_group_test.csv"] = to_csv(ct.equality_rows(by_groups), ct.EQUALITY_FIELDS, dialect)
            run.files[out / "summary.md"] += "\n" + ct.by_markdown(by_groups, opts.confidence)
    if gated and (junit is not None or summary is not None):
        from irrkit.outputs import ci
        from irrkit.outputs.files import gate_outputs

        replaced, run.appends = gate_outputs(
            junit, ci.junit_xml(run.gate_results, suite=f"irrkit.{cb.id}", elapsed=time.monotonic() - started),
            summary, ci.summary_markdown(run.gate_results, title=f"irrkit gate: {cb.title or cb.id}")
            + ci.coverage_markdown(gate.coverage(items, gates)))
        run.files.update(replaced)
    if report_html is not None:  # the results JSON and the gate results, as a page
        import json

        from irrkit.outputs import tables
        from irrkit.workflows.report import gate_dicts, report_files

        doc = json.loads(json.dumps(tables.results_json(items, opts, warnings=data.warnings or None, **meta)))
        run.files.update(report_files(doc, report_html, gates=gate_dicts(run.gate_results)))
    return run
