"""``irrkit train`` and ``irrkit retest``: training rounds against a gold standard, test-retest agreement.

Registered on the app by ``cli/main.py``. No numpy/pandas at import time (``--help`` stays fast).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from irrkit.cli.options import (
    ClusterOpt,
    ConfidenceOpt,
    CsvDialectChoice,
    CsvDialectOpt,
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
)
from irrkit.outputs.escaping import terminal, unique_filename_part
from rich.markup import escape

GATES_HELP = ("Thresholds: Cohen's kappa >= 0.60 for nominal items and ICC(A,1) >= 0.60 for scale items by "
              "default, overridden by the codebook's gate: entries for these statistics, overridden by --min.")
TrainMinOpt = Annotated[list[str] | None, typer.Option(
    "--min", help="Gate: STAT=VALUE for all items or ITEM:STAT=VALUE (repeatable); STAT is "
                  "percent_agreement, cohen_kappa or gwet_ac1 (nominal items) or icc2 (scales; retest also "
                  "icc3). " + GATES_HELP)]
CodebookOpt = Annotated[Path, typer.Option("--codebook", "-c",
                                           help="YAML codebook the files are checked against.")]


# ----------------------------------------------------------------------------------------------- rendering


def _cell(g) -> Any:
    from rich.text import Text

    if g is None:
        return ""
    return Text(f"pass ≥ {g.minimum:.2f}", style="green") if g.passed else Text(f"FAIL < {g.minimum:.2f}",
                                                                                 style="bold red")


def _print_tables(res, results, title: str) -> None:
    """Statistics per trainee x item, confusion matrices (nominal items), coder x coder matrices."""
    from irrkit.outputs.tables import ci_text, fmt
    from irrkit.statistics.registry import name as stat_name
    from irrkit.workflows.training import passed
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False) if os.environ.get("COLUMNS") or sys.stdout.isatty() else Console(
        highlight=False, width=10_000)  # a pipe or a file gets the full tables, as for check
    ok = passed(results)
    console.print(Text(terminal(title), style="bold"))
    for c in res.coders:
        gates = {(r.item, r.statistic): r for r in results.get(c, [])}
        verdict = ("not gated" if not results.get(c) else "[green]passed[/]" if ok.get(c, True)
                   else "[bold red]FAILED[/]")
        who = "second pass against the first" if res.retest else c
        t = Table(title=f"{escape(terminal(who))}: {verdict}", header_style="bold", title_justify="left",
                  pad_edge=False)
        for name, kw in (("item", {}), ("statistic", {"no_wrap": True}), ("value", {"justify": "right"}),
                         ("95% CI", {"no_wrap": True}), ("units", {"justify": "right"}),
                         ("gate", {"no_wrap": True})):
            t.add_column(name, **kw)
        for item, p in res.pairs[c].items():
            for k, (key, s) in enumerate(p.statistics.items()):
                value = fmt(s.value) if s.ok else Text(terminal(f"undefined: {s.reason}"), style="dim")
                t.add_row(Text(terminal(item), style="bold") if k == 0 else "", stat_name(key), value,
                          ci_text(s.ci_low, s.ci_high), str(p.n_units) if k == 0 else "",
                          _cell(gates.get((item, key))), end_section=k == len(p.statistics) - 1)
        console.print(t)
    for c in res.coders:
        for item, p in res.pairs[c].items():
            if p.confusion is None:
                continue
            console.print(f"[bold]{escape(terminal(item))}[/]: {escape(terminal(c))} (rows) x "
                          f"{escape(terminal(res.reference))} (columns)")
            m = Table(header_style="bold", pad_edge=False)
            m.add_column("")
            for code in p.codes:
                m.add_column(terminal(code), justify="right")
            for i, code in enumerate(p.codes):
                cells = [Text(str(v), style=("bold green" if i == j else "red") if v else "dim")
                         for j, v in enumerate(p.confusion[i])]
                m.add_row(Text(terminal(code), style="bold"), *cells)
            console.print(m)
    if len(res.coders) < 2:
        return
    names = res.matrix_coders
    for item, mats in res.matrix.items():
        up = next(k for k in mats if k in ("cohen_kappa", "icc2"))
        lo = next(k for k in mats if k != up)
        upper, lower = mats[up], mats[lo]
        console.print(f"[bold]{escape(terminal(item))}[/]: between coders (upper: {stat_name(up)}, "
                      f"lower: {stat_name(lo)})")
        m = Table(header_style="bold", pad_edge=False)
        m.add_column("")
        for k in range(len(names)):
            m.add_column(str(k + 1), justify="right")
        for x, a in enumerate(names):
            cells = ["—" if x == y else fmt((upper if y > x else lower)[x][y]) or "—"
                     for y in range(len(names))]
            m.add_row(Text(terminal(f"{x + 1} {a}"), style="bold"), *cells)
        console.print(m)


def _emit(res, results, fmt: Format, title: str, meta: dict[str, Any],
          extra: dict[str, Any] | None = None, dialect=None) -> None:
    from irrkit.outputs import handouts
    from irrkit.outputs.tables import STANDARD
    from irrkit.workflows import training

    dialect = dialect or STANDARD

    if fmt is Format.json:
        sys.stdout.write(json.dumps({**training.to_json(res, results, **meta), **(extra or {})}, indent=2,
                                    ensure_ascii=False) + "\n")
    elif fmt is Format.markdown:
        sys.stdout.write(handouts.report_markdown(res, results, title))
    elif fmt is Format.csv:
        sys.stdout.write(handouts.summary_csv(res, results, dialect, visible=True))
    else:
        _print_tables(res, results, title)
    err = err_console()  # diagnostics go to stderr in every format, as for check
    for w in res.warnings:
        err.print(f"[yellow]note[/] {escape(terminal(w))}")


def _print_sequential(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    t = Table(title="Sequential gating: units after which the gate was clear", header_style="bold")
    for col in ("trainee", "item", "statistic", "decision", "after units", "of", "CI at that look"):
        t.add_column(col, justify="right" if col in ("after units", "of") else "left")
    for r in rows:
        ci = "" if r["ci_low"] is None else f"[{r['ci_low']:.3f}, {r['ci_high']:.3f}]"
        t.add_row(escape(terminal(r["trainee"])), escape(terminal(r["item"])), r["statistic"],
                  f"{r['decision']} (>= {r['minimum']:g})", "" if r["n_units"] is None else str(r["n_units"]),
                  str(r["n_available"]), ci)
    Console(highlight=False).print(t)
    if rows:
        Console(highlight=False).print(f"looks every 5 units from 10, each at confidence "
                                       f"{rows[0]['look_confidence']:.4g} (Bonferroni over the looks)")


def _gate_files(flat, suite: str, title: str, junit: Path | None, summary: Path | None,
               elapsed: float = 0.0) -> tuple[dict[Path, str], dict[Path, str]]:
    """JUnit and summary files (replaced) and appends ($GITHUB_STEP_SUMMARY)."""
    from irrkit.cli.output import gate_outputs
    from irrkit.outputs import ci

    return gate_outputs(junit, ci.junit_xml(flat, suite=suite, elapsed=elapsed), summary,
                        ci.summary_markdown(flat, title=title))


def _report_gates(res, results, flat, on: str, quiet: bool) -> int:
    """GitHub annotations, the verdict per trainee and every failed gate; returns the exit code."""
    from irrkit.outputs import ci
    from irrkit.workflows.training import passed
    if os.environ.get("GITHUB_ACTIONS") == "true":  # stderr with json/markdown/csv: stdout stays parseable
        for line in ci.github_annotations(flat):
            print(line, file=sys.stderr if quiet else sys.stdout)
    err = err_console()
    if not flat:
        if not quiet:
            err.print("[bold]gates[/] none (--no-gate)")
        return 0
    ok = passed(results)
    if not quiet:
        for c in res.coders:
            n, bad = len(results[c]), sum(not r.passed for r in results[c])
            verdict = (f"[green]passed[/] ({n} of {n} gates)" if ok[c] else
                       f"[bold red]FAILED[/] ({n - bad} of {n} gates, compared: {on})")
            err.print(f"[bold]{'retest' if res.retest else escape(terminal(c))}[/] {verdict}")
    for r in flat:
        if not r.passed:
            err.print(f"[bold red]gate failed[/] {escape(terminal(r.item))}: {escape(terminal(r.message))}",
                      soft_wrap=True)
    return 0 if all(ok.values()) else 1


def _gates(cb, mins: list[str] | None, no_gate: bool, retest: bool):
    from irrkit.workflows import gates as gate
    from irrkit.workflows import training

    cli = gate.parse_min(mins or [])
    if no_gate:
        return [], []
    return training.training_gates(cb, cli, retest)


# ----------------------------------------------------------------------------------------------- history


def _scan(folder: Path, name: str) -> tuple[int, dict[str, Any] | None, Path | None]:
    """The number of the next round, and the previous round's record (and file), if any; a name already
    recorded is refused."""
    from irrkit.errors import InputError
    from irrkit.workflows.training import ROUND_FILE
    if folder.exists() and not folder.is_dir():
        raise InputError.single(str(folder), "--history must be a folder")
    rounds = sorted((int(m.group(1)), p) for p in (folder.iterdir() if folder.exists() else [])
                    if (m := ROUND_FILE.fullmatch(p.name)))
    for _, p in rounds:
        if ROUND_FILE.fullmatch(p.name).group(2) == name:  # type: ignore[union-attr]
            raise InputError.single(str(p), f"round '{name}' is already recorded here; the history is "
                                    "append-only and an earlier round is never rewritten: choose another "
                                    "--round name; nothing was written")
    if not rounds:
        return 1, None, None
    prev = rounds[-1][1]
    try:
        record = json.loads(prev.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InputError.single(str(prev), f"is not a readable round record ({e})") from None
    if not isinstance(record, dict):
        raise InputError.single(str(prev), "is not a round record (a JSON object)")
    return rounds[-1][0] + 1, record, prev


def _changes(previous: dict[str, Any], prev_file: Path, current: dict[str, Any]) -> list[str]:
    """One line per trainee, item and gated (else headline) statistic: change since the previous round."""
    from irrkit.workflows.training import compare_rounds
    lines = [f"since round {previous.get('round')} '{previous.get('name')}' ({prev_file.name}, "
             f"{previous.get('timestamp') or 'no time'}):"]
    pc, cc = previous.get("codebook") or {}, current["codebook"]
    if pc != cc:
        lines.append(f"  note: codebook changed from {pc.get('id')} {pc.get('version') or ''} to "
                     f"{cc['id']} {cc['version'] or ''}")
    rows = compare_rounds(previous, current)
    shown = [r for r in rows if r["gated"]] or [r for r in rows if r["statistic"] in ("cohen_kappa", "icc2")]
    wc = max((len(terminal(r["trainee"])) for r in shown), default=0)
    wi = max((len(terminal(r["item"])) for r in shown), default=0)
    for c in current["trainees"]:
        mine = [r for r in shown if r["trainee"] == c]
        if c not in previous.get("trainees", {}):
            lines.append(f"  {terminal(c)}: first round")
            continue
        for r in mine:
            def v(x: float | None) -> str:
                return "—" if x is None else f"{x:.2f}"

            def verdict(x: bool | None) -> str:
                return "not gated" if x is None else "pass" if x else "fail"

            ch = "" if r["change"] is None else f", {r['change']:+.2f}"
            how = f" (compared: {r['was_compared']} -> {r['compared']})" if r["was_compared"] != r["compared"] \
                and r["was_compared"] and r["compared"] else ""
            lines.append(f"  {terminal(c):<{wc}}  {terminal(r['item']):<{wi}}  {r['name']} {v(r['previous'])} -> "
                         f"{v(r['current'])}{ch}  {verdict(r['was_passed'])} -> {verdict(r['passed'])}{how}")
    return lines


# ----------------------------------------------------------------------------------------------- commands


@guarded
def train(
    trainees: Annotated[list[Path], typer.Argument(help="Trainee CSV files: one per trainee, or a long file "
                                                        "with a 'coder' column.", show_default=False)],
    gold: Annotated[Path, typer.Option("--gold", "-g", help="The gold-standard coding (one coder) of the "
                                       "same units.", show_default=False)],
    codebook: CodebookOpt,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write handout_<trainee>.md and .csv (every disagreement with codes, labels, "
                            "definitions and context), training_summary.csv and training.json to this folder.")] = None,
    history: Annotated[Path | None, typer.Option(
        "--history", help="Record this round in this folder as round-<NNN>-<name>.json (append-only: an "
                          "earlier round is never rewritten); show each trainee's change since the previous "
                          "round.")] = None,
    round_name: Annotated[str | None, typer.Option(
        "--round", help="Name of this round, e.g. r2 (default: the UTC date and time).")] = None,
    fmt: FormatOpt = Format.table,
    confidence: ConfidenceOpt = 0.95,
    encoding: EncodingOpt = None,
    mins: TrainMinOpt = None,
    gate_on: GateOnOpt = GateOn.estimate,
    no_gate: NoGateOpt = False,
    junit: JunitOpt = None,
    summary: SummaryOpt = None,
    report_html: ReportOpt = None,
    cluster: ClusterOpt = None,
    sequential: Annotated[bool, typer.Option(
        "--sequential", help="Also say, per trainee and gate, after how many units (in file order, looks every 5 "
                             "from 10) pass or fail was already clear: the CI wholly above or below the minimum "
                             "(Bonferroni-adjusted looks).")] = False,
    csv_dialect: CsvDialectOpt = CsvDialectChoice.auto,
) -> None:
    """A coder training round: each trainee against the gold standard, item by item; pass/fail per trainee.

    Nominal items: percent agreement, Cohen's kappa, Gwet's AC1 and the trainee x gold confusion matrix;
    scale items: ICC(A,1) and the mean absolute difference. Thresholds: Cohen's kappa >= 0.60 (nominal) and
    ICC(A,1) >= 0.60 (scales) unless the codebook's gate: or --min say otherwise.

    Exit codes: 0 every trainee passed, 1 a trainee fell short, 2 bad input (or a --round already recorded).

    Example: [bold]irrkit train trainee_*.csv --gold gold.csv -c codebooks/crying-forms.yaml --out handouts[/]
    """
    from datetime import datetime, timezone

    from irrkit.cli.output import write_all
    from irrkit.codebooks.codebook import load_codebook
    from irrkit.outputs import handouts
    from irrkit.outputs.tables import dialect_for
    from irrkit.readers import read_coder_files
    from irrkit.workflows import training
    from irrkit.workflows.training import round_file_name
    started = time.monotonic()
    cb = load_codebook(codebook)
    gates, notes = _gates(cb, mins, no_gate, retest=False)  # bad --min: usage error before any work
    now = datetime.now(timezone.utc)
    name = round_name or now.strftime("%Y%m%d-%H%M%S")
    round_file_name(1, name)  # a bad --round name is a usage error too
    data = read_coder_files([gold, *trainees], cb, encoding=encoding)
    if cluster is not None:
        from irrkit.statistics.clusters import clusters_from_records

        clusters = clusters_from_records(data.records, data.units, cluster, [str(p) for p in (gold, *trainees)])
        for r in data.items.values():
            r.clusters = clusters
        used = f"unknown column '{cluster}' kept as context"
        data.warnings[:] = [w for w in data.warnings if used not in w]
        notes = [*notes, f"clusters: {len(set(clusters.tolist()))} clusters in column '{cluster}'; the SEs of "
                         "agreement, kappa, AC1 and the mean absolute difference are cluster-robust (CI t(G-1)); "
                         "ICC(A,1)'s F-based CI assumes independent units"]
    res = training.train(data, str(gold), confidence)
    dialect = dialect_for(csv_dialect.value, data.delimiters)
    res.warnings += notes
    results = training.evaluate(res, gates, gate_on.value)
    flat = training.flat(results)
    inputs = [gold, *trainees, codebook]
    if history is not None:
        _scan(history, name)  # a --round already recorded: refused before any output
    meta: dict[str, Any] = {"number": None, "name": name, "timestamp": now.isoformat(timespec="seconds"),
                            "gate_on": gate_on.value, "files": [str(p) for p in inputs[:-1]],
                            "gated": not no_gate}
    shown = f" {name}" if round_name or history else ""
    files: dict[Path, str] = {}
    if out is not None:
        used: set[str] = set()
        for c in res.coders:
            stem = f"handout_{unique_filename_part(c, used, fallback='trainee')}"
            files[out / f"{stem}.md"] = handouts.handout_markdown(res, c, results[c], shown.strip() or None)
            files[out / f"{stem}.csv"] = handouts.handout_csv(res.handout[c], dialect)
        files[out / "training_summary.csv"] = handouts.summary_csv(res, results, dialect)
    elapsed = time.monotonic() - started
    more, appends = _gate_files(flat, f"irrkit.train.{cb.id}", f"irrkit training round{shown}: {cb.title or cb.id}",
                                junit, summary, elapsed)
    files.update(more)
    state: dict[str, Any] = {}

    def numbered() -> dict[Path, str]:
        """training.json and the round record, numbered (under the history folder's lock, if any)."""
        out_files: dict[Path, str] = {}
        if history is not None:
            number, previous, prev_file = _scan(history, name)
            meta["number"] = number
            target = history / round_file_name(number, name)
            record = training.round_record(res, results, **meta)
            out_files[target] = json.dumps(record, indent=2, ensure_ascii=False) + "\n"
            state.update(target=target, number=number, previous=previous, prev_file=prev_file, record=record)
        if out is not None:
            out_files[out / "training.json"] = json.dumps(training.to_json(res, results, **meta), indent=2,
                                                          ensure_ascii=False) + "\n"
        if report_html is not None:  # the round as training.json has it; the trend over the history with it
            from irrkit.cli.report import read_history, report_files

            doc = json.loads(json.dumps(training.to_json(res, results, **meta)))
            hist = read_history(history, doc) if history is not None and history.is_dir() else (
                [doc] if history is not None else None)
            out_files.update(report_files(doc, report_html, history=hist))  # type: ignore[arg-type]
        return out_files

    if history is not None:
        written = write_all(files, inputs, appends=appends,
                            locked=(history, lambda: (numbered(), [state["target"]])))
    else:
        files.update(numbered())
        written = write_all(files, inputs, appends=appends)
    target, number, previous, prev_file = (state.get(k) for k in ("target", "number", "previous", "prev_file"))
    title = (f"Training round{shown}: {len(res.coders)} trainee{'s' * (len(res.coders) > 1)} against "
             f"'{res.reference}', {cb.title or cb.id}")
    err = err_console()
    if out is not None and fmt is Format.table:
        err.print(terminal(f"wrote {', '.join(p.name for p in written if p.parent == out)} to {out}"), markup=False)
    lines = _changes(previous, prev_file, state["record"]) if previous is not None and prev_file is not None else []
    extra = {"history": {"file": str(target), "previous": str(prev_file) if prev_file else None,
                         "changes": lines}} if target is not None else None
    seq = None
    if sequential:
        from irrkit.workflows.sequential import round_decisions

        seq = round_decisions(data.items, res.reference, results, confidence)
        extra = {**(extra or {}), "sequential": seq}
    _emit(res, results, fmt, title, meta, extra, dialect)
    if seq is not None and fmt is Format.table:
        _print_sequential(seq)
    if target is not None:
        say = typer.echo if fmt is Format.table else (lambda s: typer.echo(s, err=True))
        say(f"history: round {number} '{name}' recorded in {terminal(target)}")
        for line in lines:
            say(line)
    raise typer.Exit(_report_gates(res, results, flat, gate_on.value, fmt is not Format.table))


@guarded
def retest(
    first: Annotated[Path, typer.Argument(help="The coder's first pass (CSV).", show_default=False)],
    second: Annotated[Path, typer.Argument(help="The same coder's second pass over the same units.",
                                           show_default=False)],
    codebook: CodebookOpt,
    fmt: FormatOpt = Format.table,
    confidence: ConfidenceOpt = 0.95,
    encoding: EncodingOpt = None,
    mins: TrainMinOpt = None,
    gate_on: GateOnOpt = GateOn.estimate,
    no_gate: NoGateOpt = False,
    junit: JunitOpt = None,
    summary: SummaryOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write handout_second.md and .csv (every unit where the passes differ, with codes, "
                            "labels, definitions and context), retest_summary.csv and retest.json to this "
                            "folder.")] = None,
    report_html: ReportOpt = None,
) -> None:
    """Intra-coder (test-retest) agreement of one coder's two passes over the same units.

    Nominal items: percent agreement, Cohen's kappa, Gwet's AC1; scale items: ICC(A,1), ICC(C,1) and the mean
    absolute difference. Gated like train (Cohen's kappa / ICC(A,1) >= 0.60 unless codebook or --min say
    otherwise). Exit codes: 0 passed, 1 a gate fell short, 2 bad input.

    Example: [bold]irrkit retest anna_march.csv anna_may.csv -c codebooks/crying-forms.yaml[/]
    """
    from irrkit.cli.output import write_all
    from irrkit.codebooks.codebook import load_codebook
    from irrkit.errors import InputError
    from irrkit.outputs import handouts
    from irrkit.readers import read_coder_files
    from irrkit.workflows import training

    cb = load_codebook(codebook)
    gates, notes = _gates(cb, mins, no_gate, retest=True)
    if first.resolve() == second.resolve():
        raise InputError.single(str(second), "is the same file as the first pass; give the two passes")
    one = read_coder_files([first], cb, encoding=encoding)
    two = read_coder_files([second], cb, encoding=encoding)
    res = training.retest(one, two, confidence)
    res.warnings += notes
    results = training.evaluate(res, gates, gate_on.value)
    flat = [r for rs in results.values() for r in rs]
    who = f" of {one.coders[0]}" if one.coders[0] == two.coders[0] else ""
    meta = {"gate_on": gate_on.value, "files": [str(first), str(second)]}
    more, appends = _gate_files(flat, f"irrkit.retest.{cb.id}", f"irrkit test-retest{who}: {cb.title or cb.id}",
                                junit, summary)
    if out is not None:  # the files train writes, for the second pass against the first
        for c in res.coders:
            more[out / f"handout_{c}.md"] = handouts.handout_markdown(res, c, results[c])
            more[out / f"handout_{c}.csv"] = handouts.handout_csv(res.handout[c])
        more[out / "retest_summary.csv"] = handouts.summary_csv(res, results)
        more[out / "retest.json"] = json.dumps(training.to_json(res, results, **meta), indent=2,
                                               ensure_ascii=False) + "\n"
    if report_html is not None:
        from irrkit.cli.report import report_files

        doc = json.loads(json.dumps(training.to_json(res, results, gate_on=gate_on.value,
                                                     files=[str(first), str(second)])))
        more.update(report_files(doc, report_html))  # type: ignore[arg-type]
    written = write_all(more, [first, second, codebook], appends=appends)
    if out is not None and fmt is Format.table:
        err_console().print(terminal(f"wrote {', '.join(p.name for p in written if p.parent == out)} to {out}"),
                            markup=False)
    title = f"Test-retest{who}: {first.name} (first) vs {second.name} (second), {cb.title or cb.id}"
    _emit(res, results, fmt, title, meta)
    raise typer.Exit(_report_gates(res, results, flat, gate_on.value, fmt is not Format.table))
