"""``irrkit video``: agreement on time-coded episodes (ELAN, BORIS, Datavyu, CSV) against a codebook's
``kind: episodes`` items, with the same tables, JSON, gates, JUnit and step summary as ``check``.

Thin: reading is ``reliability.readers.episodes``, every statistic ``reliability.video``.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from irrkit.cli.options import (
    ConfidenceOpt,
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

OUT_NAMES = ("summary.csv", "summary.md", "pairs.csv", "onsets.csv", "sweep.csv", "disagreements.csv", "results.json")


class InputFormat(str, Enum):
    auto = "auto"
    plain = "plain"
    elan = "elan"
    boris = "boris"
    datavyu = "datavyu"


class Match(str, Enum):
    onset = "onset"
    overlap = "overlap"


def _tiers(specs: list[str] | None) -> dict[str, str]:
    from irrkit.errors import InputError

    out = {}
    for s in specs or []:
        tier, sep, target = s.rpartition("=")
        if not sep or not tier or not target:
            raise InputError.single("--tier", f"'{s}' is not TIER=ITEM or TIER=ITEM@CODER")
        out[tier] = target
    return out


def run_video(files: list[Path], codebook: Path, *, item: str | None = None, out: Path | None = None,
              fmt: Format = Format.table, confidence: float = 0.95, tolerance: float | None = None,
              step: float | None = None, match: Match | None = None, input_format: InputFormat = InputFormat.auto,
              tiers: list[str] | None = None, coder: str | None = None, video: str | None = None,
              encoding: str | None = None, mins: list[str] | None = None, gate_on: GateOn = GateOn.estimate,
              no_gate: bool = False, junit: Path | None = None, summary: Path | None = None,
              sweep: bool = True, title: str | None = None, cb=None, gold: Path | None = None,
              report_html: Path | None = None) -> int:
    """The whole job; returns the exit code (0, or 1 when a gate fell short)."""
    import json
    import os
    import time
    from dataclasses import replace

    started = time.monotonic()
    from irrkit.cli.output import check_targets, gate_outputs, write_all
    from irrkit.codebooks.codebook import Gate, load_codebook
    from irrkit.episodes import video as V
    from irrkit.errors import InputError
    from irrkit.outputs import ci
    from irrkit.outputs import video_tables as VT
    from irrkit.outputs.tables import to_csv
    from irrkit.readers.episodes import read_episode_files
    from irrkit.workflows import gates as gate

    cb = cb or load_codebook(codebook)
    eps = {e.id: e for e in cb.episodes}
    if not eps:
        raise InputError.single(str(codebook), "the codebook has no time-coded item (an item with kind: episodes)")
    if item is not None and item not in eps:
        raise InputError.single("--item", f"'{item}' is not an episode item of the codebook (items: {', '.join(eps)})")
    chosen = [item] if item else list(eps)
    gates = [] if no_gate else [g for g in cb.episode_gates if g.item in chosen]
    from irrkit.codebooks.codebook import EPISODE_STATISTIC_KEYS

    cli_gates = gate.parse_min(mins or [], EPISODE_STATISTIC_KEYS, items=chosen, kind="episode")
    keys = {(g.item, g.statistic) for g in cli_gates}
    gates = [g for g in gates if (g.item, g.statistic) not in keys] + ([] if no_gate else cli_gates)
    outs = [out / n for n in OUT_NAMES] if out is not None else []
    inputs = [*files, codebook, *([gold] if gold is not None else [])]
    check_targets([*outs, *(p for p in (junit, summary, report_html) if p is not None)], inputs)
    specs = {}  # every episode item is read (files hold all of them), the chosen ones analysed
    for i in eps:
        s = eps[i].spec()
        specs[i] = replace(s, step=step if step is not None else s.step,
                           tolerance=tolerance if tolerance is not None else s.tolerance)
    read = dict(fmt=input_format.value, tiers=_tiers(tiers), coder=coder, video=video, encoding=encoding)
    reference = None
    if gold is not None:  # the gold segmentation: one coder, who must not also be a trainee
        gsets, _ = read_episode_files([gold], specs, **read)
        names = {c for es in gsets.values() for c in es.coders}
        if len(names) != 1:
            raise InputError.single(str(gold), f"a gold file holds one coder's segmentation, not {len(names)} "
                                    f"({', '.join(sorted(names))})")
        reference = names.pop()
        tsets, _ = read_episode_files(files, specs, **read)
        if any(reference in es.coders for es in tsets.values()):
            raise InputError.single(str(gold), f"the gold coder '{reference}' also appears among the trainees")
    sets, warnings = read_episode_files([*files, *([gold] if gold is not None else [])], specs, **read)
    results, sweeps, dis = [], [], []
    for i in chosen:
        rule = (match.value if match else eps[i].match)
        if reference is not None:
            trainees = V.against_gold(sets[i], reference, confidence, rule)
            results += trainees
            sweeps += [None] * len(trainees)
            gates = [g for g in gates if g.item not in (None, i)] + [
                Gate(g.statistic, g.minimum, r.item) for r in trainees for g in gates if g.item in (None, i)]
            continue
        res = V.analyse_episodes(sets[i], confidence, rule)
        results.append(res)
        if sweep and (out is not None or fmt is Format.json):
            sweeps.append(V.sweep_rows(sets[i], rule, confidence=confidence))
        else:
            sweeps.append(None)
        dis += V.disagreement_rows(sets[i])
    es0 = results[0].es
    title = title or f"{cb.title or cb.id}: {len(es0.coders)} coders, {len(es0.videos)} videos"
    payload = {"codebook": cb.id, "codebook_version": cb.version or None, "files": [str(f) for f in files],
               "warnings": warnings or None, "items": [VT.to_json(r, s) for r, s in zip(results, sweeps)]}
    pending: dict[Path, str] = {}
    if out is not None:
        pending.update({
            out / "summary.csv": to_csv([row for r in results for row in VT.summary_rows(r)]),
            out / "summary.md": VT.markdown(results, title),
            out / "pairs.csv": to_csv([row for r in results for row in VT.pair_rows(r)]),
            out / "onsets.csv": to_csv([row for r in results for row in VT.onset_rows(r)]),
            out / "sweep.csv": to_csv([row for s in sweeps if s for row in s]),
            out / "disagreements.csv": to_csv(dis) if dis else "item,video,from,to,seconds\n",
            out / "results.json": json.dumps(payload, indent=2, ensure_ascii=False) + "\n",
        })
    results_g = gate.evaluate(results, gates, on=gate_on.value)
    if reference is not None and out is not None:  # a handout per trainee: the times to look at again
        from irrkit.outputs.escaping import unique_filename_part

        used: set[str] = set()
        for r in results:
            trainee = r.es.coders[1]
            lines = [f"- {'passed' if g.passed else 'FAILED'}: {g.message}" for g in results_g
                     if g.item == r.item]
            stem = f"handout_{r.es.spec.item}_{unique_filename_part(trainee, used, fallback='trainee')}"
            pending[out / f"{stem}.md"] = VT.handout_markdown(r, trainee, lines)
            pending[out / f"{stem}.csv"] = to_csv(VT.handout_rows(r), ("video", "from", "to", "what", "gold",
                                                                      "trainee"))
    junit_text = ci.junit_xml(results_g, suite=f"irrkit.{cb.id}.video", elapsed=time.monotonic() - started)
    summary_text = ci.summary_markdown(results_g, title=f"irrkit video gate: {cb.title or cb.id}")
    files, appends = gate_outputs(junit, junit_text, summary, summary_text)
    pending.update(files)
    if report_html is not None:  # the results JSON and the gates as an HTML page
        from irrkit import __version__
        from irrkit.cli.report import gate_dicts, report_files

        doc = json.loads(json.dumps({"tool": "irrkit", "version": __version__, **payload}))
        pending.update(report_files(doc, report_html, title=title, gates=gate_dicts(results_g)))  # type: ignore
    written = write_all(pending, inputs=inputs, appends=appends)  # results are shown once they are written
    _emit(results, fmt, payload, title, warnings)
    err = err_console()
    if written and fmt is Format.table:
        err.print(f"wrote {', '.join(str(p) for p in written)}", markup=False)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for line in ci.github_annotations(results_g):
            print(line, file=sys.stderr if fmt is not Format.table else sys.stdout)
    from rich.markup import escape

    failed = [r for r in results_g if not r.passed]
    if results_g and fmt is Format.table:
        err.print(f"[bold]gates[/] {len(results_g) - len(failed)} of {len(results_g)} passed")
    for r in failed:
        err.print(f"[bold red]gate failed[/] {escape(r.item)}: {escape(r.message)}", soft_wrap=True)
    return 1 if failed else 0


def _emit(results, fmt: Format, payload: dict, title: str, warnings: list[str]) -> None:
    import json

    from irrkit.outputs import video_tables as VT
    from irrkit.outputs.tables import to_csv

    if fmt is Format.json:
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    if fmt is Format.markdown:
        sys.stdout.write(VT.markdown(results, title))
        return
    if fmt is Format.csv:
        sys.stdout.write(to_csv([row for r in results for row in VT.summary_rows(r)]))
        return
    from irrkit.statistics.registry import name as stat_name
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    for r in results:
        t = Table(title=escape(f"{title} - {r.item}"), header_style="bold")
        for col in ("statistic", "value", "95% CI", "n", "note"):
            t.add_column(col, justify="right" if col in ("value", "n") else "left")
        for k, c in r.coefficients.items():
            ci = f"[{c.ci_low:.3f}, {c.ci_high:.3f}]" if c.ci_low is not None and c.ci_high is not None else ""
            t.add_row(escape(stat_name(k, time=True)), f"{c.value:.3f}" if c.ok else "undefined", ci, str(c.n_units),
                      escape(c.reason or ""))
        console.print(t)
        for n in r.notes:
            console.print(f"[dim]note[/] {escape(n)}")
    for w in warnings:
        err_console().print(f"[yellow]warning[/] {escape(w)}", soft_wrap=True)


@guarded
def video(
    files: Annotated[list[Path], typer.Argument(help="Episode files: ELAN .eaf, BORIS exports (CSV/TSV/.xlsx), "
                                                     "Datavyu CSV, or CSV with video, coder, start, end, code.",
                                                show_default=False)],
    codebook: Annotated[Path, typer.Option("--codebook", "-c", help="YAML codebook with kind: episodes items.")],
    item: Annotated[str | None, typer.Option("--item", help="Only this episode item.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write summary.csv, summary.md, pairs.csv, "
                                             "onsets.csv, sweep.csv, disagreements.csv, results.json here.")] = None,
    fmt: FormatOpt = Format.table,
    confidence: ConfidenceOpt = 0.95,
    tolerance: Annotated[float | None, typer.Option("--tolerance", min=0, max=3600, help="Tolerance window in "
                                                    "seconds (default: the codebook's, else 2).")] = None,
    step: Annotated[float | None, typer.Option("--step", min=0.001, max=3600, help="Time unit in seconds "
                                               "(default: the codebook's, else 1).")] = None,
    match: Annotated[Match | None, typer.Option("--match", help="Event matching rule (default: the codebook's, "
                                                "else onset).")] = None,
    input_format: Annotated[InputFormat, typer.Option("--input-format", help="Format of the files.")] =
    InputFormat.auto,
    tiers: Annotated[list[str] | None, typer.Option("--tier", help="ELAN tier to item (and coder): TIER=ITEM or "
                                                    "TIER=ITEM@CODER; repeatable.")] = None,
    coder: Annotated[str | None, typer.Option("--coder", help="Coder of files that do not name one.")] = None,
    video_name: Annotated[str | None, typer.Option("--video", help="Video of files that do not name one.")] = None,
    encoding: EncodingOpt = None,
    mins: Annotated[list[str] | None, typer.Option("--min", help="Gate: STAT=VALUE or ITEM:STAT=VALUE, e.g. "
                                                   "u_alpha=0.6; repeatable.")] = None,
    gate_on: GateOnOpt = GateOn.estimate,
    no_gate: NoGateOpt = False,
    junit: JunitOpt = None,
    summary: SummaryOpt = None,
    gold: Annotated[Path | None, typer.Option("--gold", help="Training: compare each coder with this gold "
                                              "segmentation (one coder) and write a handout per trainee with the "
                                              "times to look at again.")] = None,
    report_html: ReportOpt = None,
) -> None:
    """Agreement on time-coded episodes: time-unit kappa (with tolerance), event-based kappa with optimal
    matching, Krippendorff's unitizing alphas, onset/offset differences, a tolerance sweep, a disagreement list.

    Exit codes: 0 computed and every gate passed, 1 a gate fell short, 2 bad input.

    Example: [bold]irrkit video anna.eaf ben.eaf -c codebooks/crying-episodes.yaml --out results[/]

    Training: [bold]irrkit video trainee_*.csv --gold gold.csv -c codebooks/crying-episodes.yaml --out round1[/]
    """
    code = run_video(files, codebook, item=item, out=out, fmt=fmt, confidence=confidence, tolerance=tolerance,
                     step=step, match=match, input_format=input_format, tiers=tiers, coder=coder,
                     video=video_name, encoding=encoding, mins=mins, gate_on=gate_on, no_gate=no_gate, junit=junit,
                     summary=summary, gold=gold, report_html=report_html)
    raise typer.Exit(code)
