"""``irrkit train`` and ``irrkit retest``: training rounds against a gold standard, test-retest agreement.

Registered on the app by ``cli/main.py``. No numpy/pandas at import time (``--help`` stays fast).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from .options import (
    ConfidenceOpt,
    EncodingOpt,
    Format,
    FormatOpt,
    GateOn,
    GateOnOpt,
    JunitOpt,
    NoGateOpt,
    SummaryOpt,
    err_console,
    guarded,
)

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
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from reliability.report import ci_text, fmt
    from reliability.training import TITLE, passed

    console = Console(highlight=False)
    ok = passed(results)
    console.print(Text(title, style="bold"))
    for c in res.coders:
        gates = {(r.item, r.statistic): r for r in results.get(c, [])}
        verdict = "[green]passed[/]" if ok.get(c, True) else "[bold red]FAILED[/]"
        who = "second pass against the first" if res.retest else c
        t = Table(title=f"{who}: {verdict}", header_style="bold", title_justify="left", pad_edge=False)
        for name, kw in (("item", {}), ("statistic", {"no_wrap": True}), ("value", {"justify": "right"}),
                         ("95% CI", {"no_wrap": True}), ("units", {"justify": "right"}),
                         ("gate", {"no_wrap": True})):
            t.add_column(name, **kw)
        for item, p in res.pairs[c].items():
            for k, (key, s) in enumerate(p.statistics.items()):
                value = fmt(s.value) if s.ok else Text(f"undefined: {s.reason}", style="dim")
                t.add_row(Text(item, style="bold") if k == 0 else "", TITLE.get(key, key), value,
                          ci_text(s.ci_low, s.ci_high), str(p.n_units) if k == 0 else "",
                          _cell(gates.get((item, key))), end_section=k == len(p.statistics) - 1)
        console.print(t)
    for c in res.coders:
        for item, p in res.pairs[c].items():
            if p.confusion is None:
                continue
            console.print(f"[bold]{escape(item)}[/]: {escape(c)} (rows) x {escape(res.reference)} (columns)")
            m = Table(header_style="bold", pad_edge=False)
            m.add_column("")
            for code in p.codes:
                m.add_column(code, justify="right")
            for i, code in enumerate(p.codes):
                cells = [Text(str(v), style=("bold green" if i == j else "red") if v else "dim")
                         for j, v in enumerate(p.confusion[i])]
                m.add_row(Text(code, style="bold"), *cells)
            console.print(m)
    if len(res.coders) < 2:
        return
    names = res.matrix_coders
    for item, mats in res.matrix.items():
        up = next(k for k in mats if k in ("cohen_kappa", "icc2"))
        lo = next(k for k in mats if k != up)
        upper, lower = mats[up], mats[lo]
        console.print(f"[bold]{escape(item)}[/]: between coders (upper: {TITLE[up]}, lower: {TITLE[lo]})")
        m = Table(header_style="bold", pad_edge=False)
        m.add_column("")
        for k in range(len(names)):
            m.add_column(str(k + 1), justify="right")
        for x, a in enumerate(names):
            cells = ["—" if x == y else fmt((upper if y > x else lower)[x][y]) or "—"
                     for y in range(len(names))]
            m.add_row(Text(f"{x + 1} {a}", style="bold"), *cells)
        console.print(m)
    for w in res.warnings:
        console.print(f"[yellow]note[/] {escape(w)}")


def _emit(res, results, fmt: Format, title: str, meta: dict[str, Any],
          extra: dict[str, Any] | None = None) -> None:
    from reliability import training

    if fmt is Format.json:
        sys.stdout.write(json.dumps({**training.to_json(res, results, **meta), **(extra or {})}, indent=2,
                                    ensure_ascii=False) + "\n")
    elif fmt is Format.markdown:
        sys.stdout.write(training.report_markdown(res, results, title))
    elif fmt is Format.csv:
        sys.stdout.write(training.summary_csv(res, results))
    else:
        _print_tables(res, results, title)


def _gate_files(flat, suite: str, title: str, junit: Path | None, summary: Path | None) -> dict[Path, str]:
    from reliability import gate

    files: dict[Path, str] = {}
    if junit is not None:
        files[junit] = gate.junit_xml(flat, suite=suite)
    if summary is not None:
        text = gate.summary_markdown(flat, title=title)
        if summary.exists() and os.environ.get("GITHUB_STEP_SUMMARY") == str(summary):
            text = summary.read_text(encoding="utf-8") + "\n" + text  # the step summary file is appended to
        files[summary] = text
    return files


def _report_gates(res, results, flat, on: str, quiet: bool) -> int:
    """GitHub annotations, the verdict per trainee and every failed gate; returns the exit code."""
    from reliability import gate
    from reliability.training import passed

    if os.environ.get("GITHUB_ACTIONS") == "true":  # stderr with json/markdown/csv: stdout stays parseable
        for line in gate.github_annotations(flat):
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
            err.print(f"[bold]{'retest' if res.retest else escape(c)}[/] {verdict}")
    for r in flat:
        if not r.passed:
            err.print(f"[bold red]gate failed[/] {escape(r.item)}: {escape(r.message)}", soft_wrap=True)
    return 0 if all(ok.values()) else 1


def _gates(cb, mins: list[str] | None, no_gate: bool, retest: bool):
    from reliability import gate, training

    cli = gate.parse_min(mins or [])
    if no_gate:
        return [], []
    return training.training_gates(cb, cli, retest)


# ----------------------------------------------------------------------------------------------- history


def _history(folder: Path, name: str) -> tuple[Path, int, dict[str, Any] | None, Path | None]:
    """Target file of this round, its number, and the previous round's record (and file), if any."""
    from reliability.errors import InputError
    from reliability.training import ROUND_FILE, round_file_name

    if folder.exists() and not folder.is_dir():
        raise InputError.single(str(folder), "--history must be a folder")
    rounds = sorted((int(m.group(1)), p) for p in (folder.iterdir() if folder.exists() else [])
                    if (m := ROUND_FILE.fullmatch(p.name)))
    for _, p in rounds:
        if ROUND_FILE.fullmatch(p.name).group(2) == name:  # type: ignore[union-attr]
            raise InputError.single(str(p), f"round '{name}' is already recorded here; the history is "
                                    "append-only and an earlier round is never rewritten: choose another "
                                    "--round name")
    number = rounds[-1][0] + 1 if rounds else 1
    target = folder / round_file_name(number, name)
    if target.exists():
        raise InputError.single(str(target), "exists already; the history is append-only: refusing to "
                                "overwrite")
    if not rounds:
        return target, number, None, None
    prev = rounds[-1][1]
    try:
        record = json.loads(prev.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InputError.single(str(prev), f"is not a readable round record ({e})") from None
    if not isinstance(record, dict):
        raise InputError.single(str(prev), "is not a round record (a JSON object)")
    return target, number, record, prev


def _changes(previous: dict[str, Any], prev_file: Path, current: dict[str, Any]) -> list[str]:
    """One line per trainee, item and gated (else headline) statistic: change since the previous round."""
    from reliability.training import compare_rounds

    lines = [f"since round {previous.get('round')} '{previous.get('name')}' ({prev_file.name}, "
             f"{previous.get('timestamp') or 'no time'}):"]
    pc, cc = previous.get("codebook") or {}, current["codebook"]
    if pc != cc:
        lines.append(f"  note: codebook changed from {pc.get('id')} {pc.get('version') or ''} to "
                     f"{cc['id']} {cc['version'] or ''}")
    rows = compare_rounds(previous, current)
    shown = [r for r in rows if r["gated"]] or [r for r in rows if r["statistic"] in ("cohen_kappa", "icc2")]
    wc = max((len(r["trainee"]) for r in shown), default=0)
    wi = max((len(r["item"]) for r in shown), default=0)
    for c in current["trainees"]:
        mine = [r for r in shown if r["trainee"] == c]
        if c not in previous.get("trainees", {}):
            lines.append(f"  {c}: first round")
            continue
        for r in mine:
            def v(x: float | None) -> str:
                return "—" if x is None else f"{x:.2f}"

            ch = "" if r["change"] is None else f", {r['change']:+.2f}"
            verdict = "" if r["was_passed"] is None else (
                f"  {'pass' if r['was_passed'] else 'fail'} -> {'pass' if r['passed'] else 'fail'}")
            lines.append(f"  {c:<{wc}}  {r['item']:<{wi}}  {r['name']} {v(r['previous'])} -> "
                         f"{v(r['current'])}{ch}{verdict}")
    return lines


# ----------------------------------------------------------------------------------------------- commands


def _safe(name: str, used: set[str]) -> str:
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "trainee"
    base, k = s, 2
    while s in used:
        s, k = f"{base}_{k}", k + 1
    used.add(s)
    return s


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
) -> None:
    """A coder training round: each trainee against the gold standard, item by item; pass/fail per trainee.

    Nominal items: percent agreement, Cohen's kappa, Gwet's AC1 and the trainee x gold confusion matrix;
    scale items: ICC(A,1) and the mean absolute difference. Thresholds: Cohen's kappa >= 0.60 (nominal) and
    ICC(A,1) >= 0.60 (scales) unless the codebook's gate: or --min say otherwise.

    Exit codes: 0 every trainee passed, 1 a trainee fell short, 2 bad input (or a --round already recorded).

    Example: [bold]irrkit train trainee_*.csv --gold gold.csv -c codebooks/crying-forms.yaml --out handouts[/]
    """
    from datetime import datetime, timezone

    from reliability import training
    from reliability.codebook import load_codebook
    from reliability.readers import read_coder_files
    from reliability.training import round_file_name

    from .output import write_all

    cb = load_codebook(codebook)
    gates, notes = _gates(cb, mins, no_gate, retest=False)  # bad --min: usage error before any work
    now = datetime.now(timezone.utc)
    name = round_name or now.strftime("%Y%m%d-%H%M%S")
    round_file_name(1, name)  # a bad --round name is a usage error too
    data = read_coder_files([gold, *trainees], cb, encoding=encoding)
    res = training.train(data, str(gold), confidence)
    res.warnings += notes
    results = training.evaluate(res, gates, gate_on.value)
    flat = training.flat(results)
    inputs = [gold, *trainees, codebook]
    target = number = previous = prev_file = None
    if history is not None:
        target, number, previous, prev_file = _history(history, name)
    meta = {"number": number, "name": name, "timestamp": now.isoformat(timespec="seconds"),
            "gate_on": gate_on.value, "files": [str(p) for p in inputs[:-1]]}
    record = training.round_record(res, results, **meta)
    shown = f" {name}" if round_name or history else ""
    files: dict[Path, str] = {}
    if out is not None:
        used: set[str] = set()
        for c in res.coders:
            stem = f"handout_{_safe(c, used)}"
            files[out / f"{stem}.md"] = training.handout_markdown(res, c, results[c], shown.strip() or None)
            files[out / f"{stem}.csv"] = training.handout_csv(res.handout[c])
        files[out / "training_summary.csv"] = training.summary_csv(res, results)
        files[out / "training.json"] = json.dumps(training.to_json(res, results, **meta), indent=2,
                                                  ensure_ascii=False) + "\n"
    files.update(_gate_files(flat, f"irrkit.train.{cb.id}", f"irrkit training round{shown}: {cb.title or cb.id}",
                             junit, summary))
    if target is not None:
        from .output import check_targets, write_new

        check_targets([target], inputs)
    written = write_all(files, inputs=inputs)
    if target is not None:
        write_new(target, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    title = (f"Training round{shown}: {len(res.coders)} trainee{'s' * (len(res.coders) > 1)} against "
             f"'{res.reference}', {cb.title or cb.id}")
    err = err_console()
    if out is not None and fmt is Format.table:
        err.print(f"wrote {', '.join(p.name for p in written if p.parent == out)} to {out}")
    lines = _changes(previous, prev_file, record) if previous is not None and prev_file is not None else []
    extra = {"history": {"file": str(target), "previous": str(prev_file) if prev_file else None,
                         "changes": lines}} if target is not None else None
    _emit(res, results, fmt, title, meta, extra)
    if target is not None:
        say = typer.echo if fmt is Format.table else (lambda s: typer.echo(s, err=True))
        say(f"history: round {number} '{name}' recorded in {target}")
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
) -> None:
    """Intra-coder (test-retest) agreement of one coder's two passes over the same units.

    Nominal items: percent agreement, Cohen's kappa, Gwet's AC1; scale items: ICC(A,1), ICC(C,1) and the mean
    absolute difference. Gated like train (Cohen's kappa / ICC(A,1) >= 0.60 unless codebook or --min say
    otherwise). Exit codes: 0 passed, 1 a gate fell short, 2 bad input.

    Example: [bold]irrkit retest anna_march.csv anna_may.csv -c codebooks/crying-forms.yaml[/]
    """
    from reliability import training
    from reliability.codebook import load_codebook
    from reliability.errors import InputError
    from reliability.readers import read_coder_files

    from .output import write_all

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
    write_all(_gate_files(flat, f"irrkit.retest.{cb.id}", "", junit, None), inputs=[first, second, codebook])
    who = f" of {one.coders[0]}" if one.coders[0] == two.coders[0] else ""
    title = f"Test-retest{who}: {first.name} (first) vs {second.name} (second), {cb.title or cb.id}"
    _emit(res, results, fmt, title, {"gate_on": gate_on.value, "files": [str(first), str(second)]})
    raise typer.Exit(_report_gates(res, results, flat, gate_on.value, fmt is not Format.table))
