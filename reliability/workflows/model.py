"""``irrkit model``: can a model's codings (a language model, a classifier) stand in for a trained coder?

The model is read as coders: ``--model NAME=run1.csv,run2.csv,...`` names it and its runs (one file per run, or one
long file whose ``coder`` column names the runs; every coder in the model's files is one run). The human coders'
files are the arguments. ``run_model`` returns a ``ModelRun`` (a ``RoundRun``: the same gates, handouts, JUnit and
step summary as a trainee of ``irrkit train``) with

* ``stability``: run-to-run agreement, each later run against the first as in test-retest (``retest``'s
  statistics: percent agreement, Cohen's kappa, AC1; ICC(A,1), ICC(C,1), mean absolute difference), and every
  pair of runs in the coder matrix;
* ``versus``: the model against each human coder (its coder matrix holds the humans' agreement among themselves
  beside it);
* ``res``: the model as a trainee against the human consensus: an adjudicated file (``--gold``) or the humans'
  majority code (scales: their median), gated (Cohen's kappa / ICC(A,1) >= 0.60 unless the codebook or ``--min``
  say otherwise), with a handout of every disagreement;
* ``alt``: the alternative annotator test per item (``irrkit.statistics.alt_test``), gated at the paper's
  criterion: winning rate >= 0.5.

With several runs, the model's coding of a unit (against humans and consensus, and in the alt-test) is the code
most runs gave (a tie: the earliest run's code among those tied); for scales the median of the runs. Nothing is
printed or written here.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from irrkit.errors import InputError
from irrkit.workflows.rounds import RoundRun

ALT_KEY = "alt_test_winning_rate"
CONSENSUS = "human consensus"


@dataclass
class ModelRun(RoundRun):
    """The model's round: ``res``/``results`` the model against the consensus (as a trainee), plus stability,
    the comparison with each human and the alt-test per item."""

    model: str = ""
    runs: list[str] = field(default_factory=list)
    humans: list[str] = field(default_factory=list)
    consensus: str = ""  # how the reference was formed
    stability: Any = None  # training.TrainingResult of the runs (retest), None with one run
    versus: Any = None  # training.TrainingResult: the model (reference) against each human
    alt: dict[str, Any] = field(default_factory=dict)  # item -> alt_test.AltTest

    def model_json(self) -> dict[str, Any]:
        """The model's part of the JSON: runs, humans, stability, each human, the alt-test."""
        def pairs(tr: Any) -> dict[str, Any] | None:
            if tr is None:
                return None
            return {"reference": tr.reference, "coders": tr.coders,
                    "pairs": {c: {i: {"n_units": p.n_units, "statistics": {k: s.to_dict() for k, s in
                                                                             p.statistics.items()}}
                                  for i, p in tr.pairs[c].items()} for c in tr.coders},
                    "coder_matrix": {"coders": tr.matrix_coders, "items": tr.matrix}}

        return {"name": self.model, "runs": self.runs, "humans": self.humans, "consensus": self.consensus,
                "stability": pairs(self.stability), "versus_humans": pairs(self.versus),
                "alt_test": {i: a.to_dict() for i, a in self.alt.items()}}

    def extra_json(self) -> dict[str, Any] | None:
        return {**(super().extra_json() or {}), "model": self.model_json()}


def parse_model(spec: str) -> tuple[str, list[Path]]:
    """``NAME=FILE[,FILE...]`` -> (name, files); a spec without ``NAME=`` is refused with the form."""
    name, sep, files = spec.partition("=")
    paths = [Path(f.strip()) for f in files.split(",") if f.strip()]
    if not sep or not name.strip() or not paths:
        raise InputError.single("--model", f"'{spec}' is not NAME=FILE[,FILE...] (e.g. gpt=run1.csv,run2.csv,"
                                "run3.csv: the model's name, then one file per run)")
    return name.strip(), paths


def model_coding(values: np.ndarray, level: str) -> np.ndarray:
    """The model's coding from its runs (units x runs, NaN = not coded): the code most runs gave (a tie goes to
    the earliest run's code among those tied), the median for scales; NaN where no run coded the unit."""
    if values.shape[1] == 1:
        return values[:, 0].copy()
    if level != "nominal":
        return _median(values)
    counts, per_cell = _votes(values)
    top = counts.max(axis=1)
    first = np.argmax(per_cell == top[:, None], axis=1)  # the earliest run whose code has the most votes
    out = values[np.arange(len(values)), first]
    out[top == 0] = np.nan
    return out


def _votes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Units x distinct codes: how many columns gave each code; and per cell the votes of its code (0 where
    missing). One bincount, no loop over units."""
    rated = ~np.isnan(values)
    cats, idx = np.unique(values[rated], return_inverse=True)
    q = max(len(cats), 1)
    code = np.full(values.shape, -1, dtype=np.int64)
    code[rated] = idx
    units = np.broadcast_to(np.arange(values.shape[0])[:, None], values.shape)
    counts = np.bincount((units * q + code)[rated], minlength=values.shape[0] * q).reshape(values.shape[0], q)
    per_cell = np.where(rated, counts[units, np.maximum(code, 0)], 0)
    return counts, per_cell


def _median(values: np.ndarray) -> np.ndarray:
    """Each unit's median over the columns that rated it (NaN where none did): a scale's consensus of runs or
    humans."""
    out = np.full(values.shape[0], np.nan)
    rated = ~np.isnan(values).all(axis=1)
    out[rated] = np.nanmedian(values[rated], axis=1)
    return out


def human_consensus(values: np.ndarray, level: str) -> np.ndarray:
    """The humans' majority code per unit (nominal: the one code more humans gave than any other; a tie leaves
    the unit without consensus, NaN), the median for scales."""
    if level != "nominal":
        return _median(values)
    counts, per_cell = _votes(values)
    top = counts.max(axis=1)
    alone = (counts == top[:, None]).sum(axis=1) == 1  # one code with the most votes (else a tie: no consensus)
    first = np.argmax(per_cell == top[:, None], axis=1)
    out = values[np.arange(len(values)), first]
    out[~alone | (top == 0)] = np.nan
    return out


def alt_coefficients(a: Any) -> dict[str, Any]:
    """The alt-test of an item as two coefficients: the winning rate (omega) and the advantage probability
    (rho), with the test's settings; undefined (with the reason) when no human could be tested."""
    from irrkit.statistics.results import Coefficient, undefined

    method = (f"Calderon et al. (2025): epsilon {a.epsilon:g}, Benjamini-Yekutieli q {a.q:g}, {a.scoring}")
    n = max((h.n_units for h in a.humans), default=0)
    if a.winning_rate is None:
        return {k: undefined(k, a.reason or "not computed", n, method=method)
                for k in (ALT_KEY, "alt_test_advantage")}
    extra = {"passed": bool(a.passed), "epsilon": a.epsilon, "q": a.q,
             "humans_beaten": sum(h.rejected for h in a.humans), "humans_tested": len(a.humans) - len(a.skipped)}
    return {ALT_KEY: Coefficient(ALT_KEY, a.winning_rate, n_units=n, method=method, extra=extra),
            "alt_test_advantage": Coefficient("alt_test_advantage", a.advantage, n_units=n, method=method)}


def _alt_gate(alt: Any, item: str) -> Any:
    """The alt-test's verdict as a gate result (winning rate >= 0.5, the paper's criterion)."""
    from irrkit.statistics.registry import name as stat_name
    from irrkit.workflows.gates import GateResult

    nm = stat_name(ALT_KEY)
    if alt.winning_rate is None:
        return GateResult(item, ALT_KEY, 0.5, "estimate", None, None, None, False, f"{nm} is undefined: "
                          f"{alt.reason}", name=nm)
    won = sum(h.rejected for h in alt.humans)
    tested = len(alt.humans) - len(alt.skipped)
    verdict = "reaches" if alt.passed else f"falls short by {0.5 - alt.winning_rate:.3f} of"
    msg = (f"{nm} = {alt.winning_rate:.3f} ({won} of {tested} humans beaten, epsilon {alt.epsilon:g}, "
           f"Benjamini-Yekutieli q {alt.q:g}); estimate {alt.winning_rate:.3f} {verdict} the minimum 0.50")
    return GateResult(item, ALT_KEY, 0.5, "estimate", alt.winning_rate, None, None, bool(alt.passed), msg, name=nm)


def run_model(humans: list[Path], model: str, codebook: Path, *, gold: Path | None = None, epsilon: float = 0.2,
              q: float = 0.05, min_units: int = 30, out: Path | None = None, confidence: float = 0.95,
              encoding: str | None = None, mins: list[str] | None = None, gate_on: str = "estimate",
              no_gate: bool = False, junit: Path | None = None, summary: Path | None = None,
              report_html: Path | None = None, csv_dialect: str = "auto", context: bool = True) -> ModelRun:
    """A model's codings against the human coders (see the module docstring). ``model``: ``NAME=FILE[,FILE...]``;
    ``context=False``: handouts without file, line and context columns (no records table: pandas is not loaded)."""
    from irrkit.codebooks.codebook import load_codebook
    from irrkit.outputs import handouts
    from irrkit.outputs.escaping import unique_filename_part
    from irrkit.outputs.tables import dialect_for, to_csv
    from irrkit.readers import read_coder_files
    from irrkit.statistics.alt_test import alt_test
    from irrkit.workflows import training
    from irrkit.workflows.rounds import _gate_files, _gates, _same_path

    started = time.monotonic()
    if not 0 <= epsilon < 1:
        raise InputError.single("--epsilon", f"{epsilon:g} is not a margin in [0, 1) (the paper: 0.2 for expert "
                                "coders, 0.15 for skilled coders, 0.1 for crowd workers)")
    if not 0 < q < 1:
        raise InputError.single("--fdr", f"{q:g} is not an FDR level in (0, 1)")
    name, run_files = parse_model(model)
    cb = load_codebook(codebook)
    gates, notes = _gates(cb, mins, no_gate, retest=False)
    given = [*humans, *([gold] if gold else [])]
    for f in run_files:
        if any(_same_path(f, h) for h in given):
            raise InputError.single(str(f), "is a model run (--model) and also a human coder's or the gold file")
    if gold is not None and any(_same_path(gold, h) for h in humans):
        raise InputError.single(str(gold), "is the gold file (--gold) and also a human coder's file")
    data = read_coder_files([*humans, *([gold] if gold else []), *run_files], cb, encoding=encoding)
    by_file: dict[str, list[str]] = {}
    for cc in data.coder_counts:
        for f in cc.files:
            by_file.setdefault(f, []).append(cc.coder)
    runs = list(dict.fromkeys(c for f in run_files for c in by_file.get(str(f), [])))
    gold_coders = by_file.get(str(gold), []) if gold else []
    if gold is not None and len(gold_coders) != 1:
        raise InputError.single(str(gold), f"the gold standard must be one coding; found {len(gold_coders)} coders "
                                f"({', '.join(gold_coders)})")
    human_names = [c for c in data.coders if c not in runs and c not in gold_coders]
    clash = [c for c in runs if any(c in by_file.get(str(h), []) for h in given)]
    if clash:
        raise InputError.single(str(run_files[0]), f"the model's run {clash[0]} has the name of a human coder (or "
                                "the gold coding); give the runs their own names (a coder column, or the file name)")
    if len(human_names) < 2:
        raise InputError.single("<humans>", f"the model is compared with two or more human coders; found "
                                f"{len(human_names)} ({', '.join(human_names) or 'none'})")
    if name in (*human_names, *gold_coders, CONSENSUS):
        raise InputError.single("--model", f"'{name}' is the name of a human coder; give the model another name")
    consensus = (f"the adjudicated coding {gold_coders[0]} ({gold})" if gold is not None else
                 "the human coders' majority code (scales: their median); a unit without a majority is left out")
    ref_name = gold_coders[0] if gold is not None else CONSENSUS
    records = recs = None  # the records table (pandas) only for the handout files: file, line and context
    if out is not None and context:
        import pandas as pd

        records = data.records
        first_run = records[records["coder"] == runs[0]].assign(coder=name)  # the model's rows: the first run's
        recs = pd.concat([records, first_run], ignore_index=True)
    main, vs, st = {}, {}, {}
    alt = {}
    for it in cb.items:
        r = data.items[it.id]
        idx = {c: j for j, c in enumerate(r.coders)}
        hv = r.values[:, [idx[c] for c in human_names]]
        rv = r.values[:, [idx[c] for c in runs]]
        mv = model_coding(rv, r.level)
        ref = r.values[:, idx[gold_coders[0]]] if gold is not None else human_consensus(hv, r.level)
        main[it.id] = replace(r, coders=[ref_name, name], values=np.column_stack([ref, mv]))
        vs[it.id] = replace(r, coders=[name, *human_names], values=np.column_stack([mv, hv]))
        if len(runs) > 1:
            st[it.id] = replace(r, coders=list(runs), values=rv)
        alt[it.id] = alt_test(mv, hv, human_names, epsilon=epsilon, q=q, min_units=min_units,
                              scoring="accuracy" if r.level == "nominal" else "neg_rmse")
    quiet = [w for w in data.warnings if "kept as context" not in w]
    res = training.compare(main, cb, ref_name, recs, confidence, warnings=quiet)
    versus = training.compare(vs, cb, name, recs, confidence)
    stability = training.compare(st, cb, runs[0], records, confidence, retest=True) if st else None
    res.warnings = [w.replace(f"that '{CONSENSUS}' did not rate; left out", "on which the human coders have no "
                              "majority (a tie); left out of the comparison with the consensus")
                    for w in res.warnings] + notes
    if len(human_names) == 2:
        res.warnings.append("the alt-test with two human coders only asks which of the two the model resembles "
                            "more (the paper recommends three or more)")
    for a in alt.values():
        if a.skipped:
            res.warnings.append(f"alt-test: {', '.join(a.skipped)} not tested (fewer than {min_units} units rated "
                                "with another human and the model)")
    for item, a in alt.items():  # the alt-test's figures are the model's statistics of the item (tables, JSON, CSV)
        res.pairs[name][item].statistics.update(alt_coefficients(a))
    results = training.evaluate(res, gates, gate_on)
    if not no_gate:
        results[name] = [*results[name], *(_alt_gate(a, i) for i, a in alt.items())]
    flat = training.flat(results)
    dialect = dialect_for(csv_dialect, data.delimiters)
    inputs = [*humans, *([gold] if gold else []), *run_files, codebook]
    meta: dict[str, Any] = {"name": name, "gate_on": gate_on, "files": [str(p) for p in inputs[:-1]],
                            "gated": not no_gate}
    runs_text = f"{len(runs)} run{'s' * (len(runs) > 1)}"
    title = (f"Model {name} ({runs_text}) against {len(human_names)} human coders and "
             f"{'the adjudicated coding' if gold else 'their consensus'}, {cb.title or cb.id}")
    run = ModelRun(res, results, flat, meta, title, name, dialect, inputs=inputs, model=name, runs=runs,
                   humans=human_names, consensus=consensus, stability=stability, versus=versus, alt=alt)
    if out is not None:
        stem = f"handout_{unique_filename_part(name, set(), fallback='model')}"
        run.files[out / f"{stem}.md"] = handouts.handout_markdown(res, name, results[name])
        run.files[out / f"{stem}.csv"] = handouts.handout_csv(res.handout[name], dialect)
        run.files[out / "model_summary.csv"] = handouts.summary_csv(res, results, dialect)
        run.files[out / "alt_test.csv"] = to_csv(alt_rows(run), dialect=dialect)
    more, run.appends = _gate_files(flat, f"irrkit.model.{cb.id}", f"irrkit model {name}: {cb.title or cb.id}",
                                    junit, summary, time.monotonic() - started)
    run.files.update(more)
    doc = {**training.to_json(res, results, **meta), "model": run.model_json()}
    if out is not None:
        run.files[out / "model.json"] = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if report_html is not None:
        from irrkit.workflows.report import report_files

        run.files.update(report_files(json.loads(json.dumps(doc)), report_html))
    return run


def alt_rows(run: ModelRun) -> list[dict[str, Any]]:
    """One row per item and human coder: the alt-test's figures (for alt_test.csv)."""
    rows = []
    for item, a in run.alt.items():
        for h in a.humans:
            rows.append({"item": item, "human": h.human, "units": h.n_units, "rho_model": h.rho_model,
                         "rho_human": h.rho_human, "mean_difference": h.mean_diff, "t": h.t, "df": h.df,
                         "p_value": h.p_value, "rejected": h.rejected, "epsilon": a.epsilon, "q": a.q,
                         "scoring": a.scoring, "winning_rate": a.winning_rate, "advantage_probability": a.advantage,
                         "passed": a.passed, "reason": h.reason or a.reason or ""})
    return rows
