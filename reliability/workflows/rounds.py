"""``irrkit train`` and ``irrkit retest`` as workflows: read, compare, gate (once) and the files to write.

``run_train`` and ``run_retest`` return a ``RoundRun``: the training result, the gate results, the files to write
({path: content}), the appends of ``$GITHUB_STEP_SUMMARY`` and, with a history folder, ``locked``: the round
record and training.json, numbered under the folder's lock when the batch is written
(``irrkit.outputs.files.write_all(..., locked=run.locked)``); ``run.history`` then says what was recorded.
Nothing is printed or written here. The statistics are ``workflows.training``; the history ``workflows.history``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Recorded:
    """The round record written to the history (filled in under the folder's lock)."""

    target: Path | None = None
    number: int | None = None
    previous: dict[str, Any] | None = None
    prev_file: Path | None = None
    record: dict[str, Any] | None = None

    def changes(self) -> list[str]:
        """Each trainee's change since the previous round (empty for a first round)."""
        from irrkit.workflows.history import changes

        if self.previous is None or self.prev_file is None or self.record is None:
            return []
        return changes(self.previous, self.prev_file, self.record)


@dataclass
class RoundRun:
    """One training round (or retest): what was computed and what to write."""

    res: Any  # training.TrainingResult
    results: dict[str, list]  # gate results per trainee
    flat: list  # every gate result, items named trainee.item
    meta: dict[str, Any]
    title: str
    name: str | None = None  # the round's name (train)
    dialect: Any = None
    files: dict[Path, str | bytes] = field(default_factory=dict)
    appends: dict[Path, str] = field(default_factory=dict)
    inputs: list[Path] = field(default_factory=list)
    locked: tuple | None = None  # (history folder, callback) for write_all
    history: Recorded = field(default_factory=Recorded)
    sequential: list[dict[str, Any]] | None = None

    def extra_json(self) -> dict[str, Any] | None:
        """What the JSON on stdout adds to training.json: the history record and the sequential decisions."""
        extra: dict[str, Any] = {}
        h = self.history
        if h.target is not None:
            extra["history"] = {"file": str(h.target), "previous": str(h.prev_file) if h.prev_file else None,
                                "changes": h.changes()}
        if self.sequential is not None:
            extra["sequential"] = self.sequential
        return extra or None

    def verdicts(self) -> list[tuple[str, int, int]]:
        """(who, gates, failed) per trainee, for the gate lines."""
        return [("retest" if self.res.retest else c, len(self.results[c]), sum(not r.passed for r in self.results[c]))
                for c in self.res.coders]


def _gates(cb, mins: list[str] | None, no_gate: bool, retest: bool):
    from irrkit.workflows import gates as gate
    from irrkit.workflows import training

    cli = gate.parse_min(mins or [])
    if no_gate:
        return [], []
    return training.training_gates(cb, cli, retest)


def _gate_files(flat, suite: str, title: str, junit: Path | None, summary: Path | None,
                elapsed: float = 0.0) -> tuple[dict[Path, str], dict[Path, str]]:
    """JUnit and summary files (replaced) and appends ($GITHUB_STEP_SUMMARY)."""
    from irrkit.outputs import ci
    from irrkit.outputs.files import gate_outputs

    return gate_outputs(junit, ci.junit_xml(flat, suite=suite, elapsed=elapsed), summary,
                        ci.summary_markdown(flat, title=title))


def run_train(trainees: list[Path], gold: Path, codebook: Path, *, out: Path | None = None,
              history: Path | None = None, round_name: str | None = None, confidence: float = 0.95,
              encoding: str | None = None, mins: list[str] | None = None, gate_on: str = "estimate",
              no_gate: bool = False, junit: Path | None = None, summary: Path | None = None,
              report_html: Path | None = None, cluster: str | None = None, sequential: bool = False,
              csv_dialect: str = "auto", unit_col: str | None = None) -> RoundRun:
    """A coder training round: each trainee against the gold standard; pass/fail per trainee (``unit_col``: the
    unit column instead of the codebook's)."""
    from datetime import datetime, timezone

    from irrkit.codebooks.codebook import load_codebook
    from irrkit.outputs import handouts
    from irrkit.outputs.escaping import unique_filename_part
    from irrkit.outputs.tables import dialect_for
    from irrkit.readers import read_coder_files
    from irrkit.workflows import history as hist_mod
    from irrkit.workflows import training
    from irrkit.workflows.training import round_file_name
    started = time.monotonic()
    cb = load_codebook(codebook, unit_column=unit_col)
    gates, notes = _gates(cb, mins, no_gate, retest=False)  # bad --min: usage error before any work
    now = datetime.now(timezone.utc)
    name = round_name or now.strftime("%Y%m%d-%H%M%S")
    round_file_name(1, name)  # a bad --round name is a usage error too
    trainees, caught = _without_gold(trainees, gold)
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
    dialect = dialect_for(csv_dialect, data.delimiters)
    res.warnings += notes + caught
    results = training.evaluate(res, gates, gate_on)
    flat = training.flat(results)
    inputs = [gold, *trainees, codebook]
    if history is not None:
        hist_mod.scan(history, name)  # a --round already recorded: refused before any output
    meta: dict[str, Any] = {"number": None, "name": name, "timestamp": now.isoformat(timespec="seconds"),
                            "gate_on": gate_on, "files": [str(p) for p in inputs[:-1]],
                            "gated": not no_gate}
    shown = f" {name}" if round_name or history else ""
    title = (f"Training round{shown}: {len(res.coders)} trainee{'s' * (len(res.coders) > 1)} against "
             f"'{res.reference}', {cb.title or cb.id}")
    run = RoundRun(res, results, flat, meta, title, name, dialect, inputs=inputs)
    if out is not None:
        used_names: set[str] = set()
        for c in res.coders:
            stem = f"handout_{unique_filename_part(c, used_names, fallback='trainee')}"
            run.files[out / f"{stem}.md"] = handouts.handout_markdown(res, c, results[c], shown.strip() or None)
            run.files[out / f"{stem}.csv"] = handouts.handout_csv(res.handout[c], dialect)
        run.files[out / "training_summary.csv"] = handouts.summary_csv(res, results, dialect)
    elapsed = time.monotonic() - started
    more, run.appends = _gate_files(flat, f"irrkit.train.{cb.id}",
                                    f"irrkit training round{shown}: {cb.title or cb.id}", junit, summary, elapsed)
    run.files.update(more)
    state = run.history

    def numbered() -> dict[Path, str | bytes]:
        """training.json and the round record, numbered (under the history folder's lock, if any)."""
        out_files: dict[Path, str | bytes] = {}
        if history is not None:
            number, previous, prev_file = hist_mod.scan(history, name)
            meta["number"] = number
            target = history / round_file_name(number, name)
            record = training.round_record(res, results, **meta)
            out_files[target] = json.dumps(record, indent=2, ensure_ascii=False) + "\n"
            state.target, state.number, state.previous, state.prev_file, state.record = (
                target, number, previous, prev_file, record)
        if out is not None:
            out_files[out / "training.json"] = json.dumps(training.to_json(res, results, **meta), indent=2,
                                                          ensure_ascii=False) + "\n"
        if report_html is not None:  # the round as training.json has it; the trend over the history with it
            from irrkit.workflows.report import report_files

            doc = json.loads(json.dumps(training.to_json(res, results, **meta)))
            hist = hist_mod.read_history(history, doc) if history is not None and history.is_dir() else (
                [doc] if history is not None else None)
            out_files.update(report_files(doc, report_html, history=hist))
        return out_files

    if history is not None:
        run.locked = (history, lambda: (numbered(), [state.target]))
    else:
        run.files.update(numbered())
    if sequential:
        from irrkit.workflows.sequential import round_decisions

        run.sequential = round_decisions(data.items, res.reference, results, confidence)
    return run


def _same_path(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):
        return a.absolute() == b.absolute()


def _without_gold(trainees: list[Path], gold: Path) -> tuple[list[Path], list[str]]:
    """The trainees' files without the gold file (a glob such as ``*.csv`` catches it too) and a note saying
    so; the gold file alone is bad input."""
    from irrkit.errors import InputError

    kept = [t for t in trainees if not _same_path(t, gold)]
    if len(kept) == len(trainees):
        return trainees, []
    if not kept:
        raise InputError.single(str(gold), "is the gold file (--gold) and the only trainee file given; give the "
                                "trainees' files")
    return kept, [f"{gold} is the gold file (--gold); the trainees' files named it too (a pattern such as *.csv?): "
                  "it is the reference only, not a trainee"]


def run_retest(first: Path, second: Path, codebook: Path, *, confidence: float = 0.95, encoding: str | None = None,
               mins: list[str] | None = None, gate_on: str = "estimate", no_gate: bool = False,
               junit: Path | None = None, summary: Path | None = None, out: Path | None = None,
               report_html: Path | None = None) -> RoundRun:
    """Intra-coder (test-retest) agreement of one coder's two passes over the same units."""
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
    named = one.coders[0] != first.stem or two.coders[0] != second.stem  # a coder column (not the file name)
    if one.coders[0] != two.coders[0] and named:  # test-retest is one coder twice: two names, two coders?
        res.warnings.append(f"the two passes name different coders ({one.coders[0]} in {first.name}, "
                            f"{two.coders[0]} in {second.name}): test-retest compares one coder with herself; if "
                            "these are two coders, use train or check")
    results = training.evaluate(res, gates, gate_on)
    flat = [r for rs in results.values() for r in rs]
    who = f" of {one.coders[0]}" if one.coders[0] == two.coders[0] else ""
    meta = {"gate_on": gate_on, "files": [str(first), str(second)]}
    title = f"Test-retest{who}: {first.name} (first) vs {second.name} (second), {cb.title or cb.id}"
    run = RoundRun(res, results, flat, meta, title, inputs=[first, second, codebook])
    more, run.appends = _gate_files(flat, f"irrkit.retest.{cb.id}", f"irrkit test-retest{who}: {cb.title or cb.id}",
                                    junit, summary)
    if out is not None:  # the files train writes, for the second pass against the first
        for c in res.coders:
            more[out / f"handout_{c}.md"] = handouts.handout_markdown(res, c, results[c])
            more[out / f"handout_{c}.csv"] = handouts.handout_csv(res.handout[c])
        more[out / "retest_summary.csv"] = handouts.summary_csv(res, results)
        more[out / "retest.json"] = json.dumps(training.to_json(res, results, **meta), indent=2,
                                               ensure_ascii=False) + "\n"
    run.files.update(more)
    if report_html is not None:
        from irrkit.workflows.report import report_files

        doc = json.loads(json.dumps(training.to_json(res, results, gate_on=gate_on,
                                                     files=[str(first), str(second)])))
        run.files.update(report_files(doc, report_html))
    return run
