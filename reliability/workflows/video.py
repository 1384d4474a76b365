"""``irrkit video``: agreement on time-coded episodes against a codebook's ``kind: episodes`` items, or each
trainee against a gold segmentation (``gold``), with the gates and the files to write.

``run_video`` reads every file once, analyses, evaluates the gates once and returns a ``VideoRun`` (results,
the results JSON, gate results, the files to write as {path: content} and the appends of
``$GITHUB_STEP_SUMMARY``); it prints and writes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OUT_NAMES = ("summary.csv", "summary.md", "pairs.csv", "onsets.csv", "sweep.csv", "disagreements.csv", "results.json")


@dataclass
class VideoRun:
    """One video run: what was computed and what to write."""

    results: list  # VideoResult per episode item (with gold: per item and trainee)
    payload: dict[str, Any]  # the results JSON
    title: str
    warnings: list[str]
    gate_results: list = field(default_factory=list)
    files: dict[Path, str | bytes] = field(default_factory=dict)
    appends: dict[Path, str] = field(default_factory=dict)
    inputs: list[Path] = field(default_factory=list)
    coder_sources: dict[str, str] = field(default_factory=dict)  # coder: where the name came from (each file)

    @property
    def failed(self) -> list:
        return [r for r in self.gate_results if not r.passed]


@contextmanager
def _no_progress(total: int) -> Iterator[None]:
    yield None


def parse_tiers(specs: list[str] | None) -> dict[str, str]:
    """``--tier TIER=ITEM[@CODER]`` options as {tier: target}."""
    from irrkit.errors import InputError

    out = {}
    for s in specs or []:
        tier, sep, target = s.rpartition("=")
        if not sep or not tier or not target:
            raise InputError.single("--tier", f"'{s}' is not TIER=ITEM or TIER=ITEM@CODER")
        out[tier] = target
    return out


def run_video(files: list[Path], codebook: Path, *, item: str | None = None, out: Path | None = None,
              confidence: float = 0.95, tolerance: float | None = None, step: float | None = None,
              match: str | None = None, input_format: str = "auto", tiers: list[str] | None = None,
              coder: str | None = None, video: str | None = None, encoding: str | None = None,
              mins: list[str] | None = None, gate_on: str = "estimate", no_gate: bool = False,
              junit: Path | None = None, summary: Path | None = None, sweep: bool = True, title: str | None = None,
              cb=None, gold: Path | None = None, report_html: Path | None = None,
              json_out: bool = False, with_gamma: bool = False, progress=None, all_pairs: bool = False) -> VideoRun:
    """The whole job but printing and writing. ``json_out``: the JSON goes to stdout (the tolerance sweep is
    computed for it, as for ``out``). ``with_gamma``: also Mathet et al.'s gamma (optional package, slow).
    ``progress(total)``: a context manager giving a function to call as k pairs of coders are done (a bar).
    ``all_pairs``: each pair of coders in turn with its SEs also beyond ``allpairs.MANY_CODERS`` coders (slow)."""
    import json
    from dataclasses import replace

    started = time.monotonic()
    from irrkit.codebooks.codebook import load_codebook
    from irrkit.codebooks.model import EPISODE_STATISTIC_KEYS, Gate
    from irrkit.episodes import video as V
    from irrkit.errors import InputError
    from irrkit.outputs import ci
    from irrkit.outputs import video_tables as VT
    from irrkit.outputs.files import check_targets, gate_outputs
    from irrkit.outputs.tables import to_csv
    from irrkit.readers.episodes import assemble, read_episode_sources
    from irrkit.workflows import gates as gate

    cb = cb or load_codebook(codebook)
    eps = {e.id: e for e in cb.episodes}
    if not eps:
        raise InputError.single(str(codebook), "the codebook has no time-coded item (an item with kind: episodes)")
    if item is not None and item not in eps:
        raise InputError.single("--item", f"'{item}' is not an episode item of the codebook (items: {', '.join(eps)})")
    chosen = [item] if item else list(eps)
    gates = [] if no_gate else [g for g in cb.episode_gates if g.item in chosen]
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
    read = dict(tiers=parse_tiers(tiers), coder=coder, video=video, encoding=encoding)
    reads = read_episode_sources(files, set(specs), input_format, **read)  # each file once
    reference = None
    if gold is not None:  # the gold segmentation: one coder, who must not also be a trainee
        gold_reads = read_episode_sources([gold], set(specs), input_format, **read)
        names = {raw.coder for rd in gold_reads for raw in rd.episodes}
        if len(names) != 1:
            raise InputError.single(str(gold), f"a gold file holds one coder's segmentation, not {len(names)} "
                                    f"({', '.join(sorted(names))})")
        reference = names.pop()
        if any(raw.coder == reference for rd in reads for raw in rd.episodes):
            raise InputError.single(str(gold), f"the gold coder '{reference}' also appears among the trainees")
        reads += gold_reads
    sets = assemble(reads, specs)
    sources: dict[str, list[str]] = {}
    for rd in reads:
        for who, how in rd.coder_sources.items():
            sources.setdefault(who, []).append(how)
    coder_sources = {who: "; ".join(dict.fromkeys(how)) for who, how in sources.items()}
    warnings = [w for rd in reads for w in rd.warnings] + [w for es in sets.values() for w in es.warnings]
    results, sweeps, dis = [], [], []
    for i in chosen:
        rule = match or eps[i].match
        if reference is not None:
            trainees = V.against_gold(sets[i], reference, confidence, rule, with_gamma)
            results += trainees
            sweeps += [None] * len(trainees)
            gates = [g for g in gates if g.item not in (None, i)] + [
                Gate(g.statistic, g.minimum, r.item) for r in trainees for g in gates if g.item in (None, i)]
            continue
        n_pairs = len(sets[i].coders) * (len(sets[i].coders) - 1) // 2
        swept = sweep and (out is not None or json_out)
        with (progress or _no_progress)(n_pairs * (1 + len(V.SWEEP_S) * swept)) as advance:
            res = V.analyse_episodes(sets[i], confidence, rule, with_gamma=with_gamma, progress=advance,
                                     all_pairs=all_pairs, sweep=V.SWEEP_S if swept else ())
            results.append(res)
            sweeps.append(V.sweep_rows(sets[i], rule, confidence=confidence, progress=advance, all_pairs=all_pairs,
                                       result=res) if swept else None)
        dis += V.disagreement_rows(sets[i])
    es0 = results[0].es
    from irrkit.outputs.escaping import counted

    title = title or f"{cb.title or cb.id}: {counted(len(es0.coders), 'coder')}, {counted(len(es0.videos), 'video')}"
    from irrkit import __version__

    payload = {"tool": "irrkit", "version": __version__,
               "codebook": cb.id, "codebook_version": cb.version or None, "files": [str(f) for f in files],
               "warnings": warnings or None, "coder_sources": coder_sources,
               "items": [VT.to_json(r, s) for r, s in zip(results, sweeps)]}
    run = VideoRun(results, payload, title, warnings, inputs=inputs, coder_sources=coder_sources)
    if out is not None:
        run.files.update({
            out / "summary.csv": to_csv([row for r in results for row in VT.summary_rows(r)]),
            out / "summary.md": VT.markdown(results, title),
            out / "pairs.csv": to_csv([row for r in results for row in VT.pair_rows(r)]),
            out / "onsets.csv": to_csv([row for r in results for row in VT.onset_rows(r)]),
            out / "sweep.csv": to_csv([row for s in sweeps if s for row in s]),
            out / "disagreements.csv": to_csv(dis) if dis else "item,video,from,to,seconds\n",
            out / "results.json": json.dumps(payload, indent=2, ensure_ascii=False) + "\n",
        })
    run.gate_results = results_g = gate.evaluate(results, gates, on=gate_on)
    if reference is not None and out is not None:  # a handout per trainee: the times to look at again
        from irrkit.outputs.escaping import unique_filename_part

        used: set[str] = set()
        for r in results:
            trainee = r.es.coders[1]
            lines = [f"- {'passed' if g.passed else 'FAILED'}: {g.message}" for g in results_g
                     if g.item == r.item]
            stem = f"handout_{r.es.spec.item}_{unique_filename_part(trainee, used, fallback='trainee')}"
            run.files[out / f"{stem}.md"] = VT.handout_markdown(r, trainee, lines)
            run.files[out / f"{stem}.csv"] = to_csv(VT.handout_rows(r), ("video", "from", "to", "what", "gold",
                                                                       "trainee"))
    junit_text = ci.junit_xml(results_g, suite=f"irrkit.{cb.id}.video", elapsed=time.monotonic() - started)
    summary_text = ci.summary_markdown(results_g, title=f"irrkit video gate: {cb.title or cb.id}")
    replaced, run.appends = gate_outputs(junit, junit_text, summary, summary_text)
    run.files.update(replaced)
    if report_html is not None:  # the results JSON and the gates as an HTML page
        from irrkit import __version__
        from irrkit.workflows.report import gate_dicts, report_files

        doc = json.loads(json.dumps({"tool": "irrkit", "version": __version__, **payload}))
        run.files.update(report_files(doc, report_html, title=title, gates=gate_dicts(results_g)))
    return run
