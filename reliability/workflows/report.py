"""``irrkit report``: the HTML report, figures, APA table and methods paragraph from irrkit's JSON, as the files
to write ({path: content}); also the report pages that ``check``, ``train``, ``retest`` and ``video`` write with
``--report``. No writing here: the caller writes the files in one batch (``irrkit.outputs.files``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from irrkit.errors import InputError

MANUSCRIPT_KINDS = {"--docx": "docx", "--latex": "latex", "--table-md": "md", "--methods": "methods",
                    "--checklist": "checklist"}


def read_json(path: Path) -> dict[str, Any]:
    """An irrkit JSON (results of check/compute, or a train/retest round); bad input -> InputError."""
    from irrkit.readers.json_input import read_json as read_checked

    doc = read_checked(path, "the results JSON irrkit wrote (results.json, training.json)")
    if isinstance(doc, dict) and "tool" not in doc and _episode_results(doc):
        doc = {"tool": "irrkit", **doc}  # the video command's results.json (it names no tool)
    if not isinstance(doc, dict) or doc.get("tool") != "irrkit":
        raise InputError.single(str(path), "is not an irrkit results JSON (no \"tool\": \"irrkit\"); give the "
                                "results.json of check or the training.json of train/retest")
    if doc.get("kind") not in ("training-round", "retest") and not isinstance(doc.get("items"), list):
        raise InputError.single(str(path), "has neither items (check, compute) nor trainees (train, retest)")
    return doc


def _episode_results(doc: dict[str, Any]) -> bool:
    """A results JSON of ``irrkit video``: items, each an episode item with its statistics."""
    items = doc.get("items")
    return (isinstance(items, list) and bool(items) and all(isinstance(it, dict) and it.get("kind") == "episodes"
                                                            and isinstance(it.get("statistics"), dict)
                                                            for it in items))


def round_changes(doc: dict[str, Any], history: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """A training round's change per trainee since the previous round of the history, with CIs
    (:func:`irrkit.workflows.training.compare_rounds`), for the report; None without a previous round."""
    if doc.get("kind") != "training-round" or not history:
        return None
    from irrkit.workflows.training import compare_rounds

    at = next((k for k, r in enumerate(history) if r.get("round") == doc.get("round") and
               r.get("name") == doc.get("name")), len(history))
    if at < 1:
        return None
    previous = history[at - 1]
    current = history[at] if at < len(history) else doc
    since = f"since round {previous.get('round')} '{previous.get('name')}' ({previous.get('timestamp') or 'no time'})"
    return {"since": since, "rows": compare_rounds(previous, current)}


def report_files(doc: dict[str, Any], html_path: Path, figures_dir: Path | None = None,
                 history: list[dict[str, Any]] | None = None, title: str | None = None,
                 gates: list[dict[str, Any]] | None = None,
                 plan: dict[str, Any] | None = None) -> dict[Path, str | bytes]:
    """The HTML report (and, with ``figures_dir``, each figure as PNG and SVG) as {path: content}."""
    from irrkit.outputs import figures
    from irrkit.outputs.html import report

    rep = report(doc, history, title, gates, plan, round_changes(doc, history))
    files: dict[Path, str | bytes] = {html_path: rep.html}
    if figures_dir is not None:
        from irrkit.outputs.files import same_file

        for name, fig in rep.figures.items():
            for path in (figures_dir / f"{name}.svg", figures_dir / f"{name}.png"):
                if same_file(path, html_path):  # the report would be replaced by a figure
                    raise InputError.single(str(html_path), "-o/--out names a file the figures (--figures) write; "
                                            "give the report its own file")
            files[figures_dir / f"{name}.svg"] = rep.svgs.get(name) or figures.svg(fig, name)
            files[figures_dir / f"{name}.png"] = figures.png(fig)
    return files


def manuscript_files(doc: dict[str, Any], wanted: dict[Path, str], lang: str = "en", paper: str | None = None,
                     plan: dict[str, Any] | None = None,
                     history: list[dict[str, Any]] | None = None) -> dict[Path, str | bytes]:
    """APA table (docx / latex / md), methods paragraph ('methods') and reporting checklist ('checklist') for the
    paths asked for; the methods paragraph and the checklist are written from the same facts
    (``manuscript.study_facts``)."""
    from irrkit.outputs import checklist, manuscript

    facts = manuscript.study_facts(doc, lang, plan, history)
    make = {"docx": lambda: manuscript.docx_table(doc, lang, paper=paper),
            "latex": lambda: manuscript.latex_table(doc, lang), "md": lambda: manuscript.markdown_table(doc, lang),
            "methods": lambda: manuscript.methods(doc, lang, facts),
            "checklist": lambda: checklist.markdown(manuscript.study_facts(doc, lang, plan, history), doc)}
    return {p: make[kind]() for p, kind in wanted.items()}


def read_plan(path: Path) -> dict[str, Any]:
    """The JSON of ``irrkit plan -f json`` (its planned sample sizes, for the checklist)."""
    from irrkit.readers.json_input import read_json as read_checked

    doc = read_checked(path, "the JSON of irrkit plan -f json")
    if not isinstance(doc, dict) or doc.get("tool") != "irrkit" or not isinstance(doc.get("plans"), list):
        raise InputError.single(str(path), "is not the JSON of irrkit plan (no \"plans\"); give the output of "
                                "irrkit plan ... -f json")
    return doc


def gate_dicts(results: Sequence[Any]) -> list[dict[str, Any]]:
    """Gate results (irrkit.workflows.gates.GateResult) as the dicts the report reads."""
    return [{"item": r.item, "statistic": r.statistic, "minimum": r.minimum, "on": r.on, "value": r.value,
             "ci_low": r.ci_low, "ci_high": r.ci_high, "passed": r.passed, "message": r.message,
             "name": getattr(r, "name", "") or r.statistic} for r in results]


@dataclass
class ReportRun:
    """What ``irrkit report`` writes: the files ({path: content}) and the inputs they must never replace."""

    files: dict[Path, str | bytes]
    inputs: list[Path] = field(default_factory=list)


def run_report(results: Path, *, out: Path | None = None, figures_dir: Path | None = None,
               history: Path | None = None, title: str | None = None, manuscript: dict[str, Path | None] | None = None,
               lang: str = "en", paper: str | None = None, plan: Path | None = None) -> ReportRun:
    """The whole ``irrkit report`` job but the writing. ``manuscript``: option name (``--docx``, ``--latex``,
    ``--table-md``, ``--methods``) -> path. Two options naming the same file are refused, naming both."""
    from irrkit.outputs.files import same_file
    from irrkit.workflows.history import read_history, rounds

    doc = read_json(results)
    html_path = out if out is not None else results.with_suffix(".html")
    named = [("-o/--out", html_path), *((k, p) for k, p in (manuscript or {}).items() if p is not None)]
    for k, (a, pa) in enumerate(named):  # one path for two outputs: one would silently replace the other
        for b, pb in named[k + 1:]:
            if same_file(pa, pb):
                raise InputError.single(str(pb), f"{a} and {b} name the same file; give each output its own file")
    from irrkit.outputs.files import check_targets

    check_targets([p for _, p in named], [results], {p: k for k, p in named})  # the option used, by name
    hist = read_history(history, doc if doc.get("kind") else None) if history is not None else None
    planned = read_plan(plan) if plan is not None else None
    files = report_files(doc, html_path, figures_dir, hist, title, plan=planned)
    for opt, p in named[1:]:
        for fig in (f for f in files if f != html_path):
            if same_file(p, fig):
                raise InputError.single(str(p), f"{opt} names a file the figures (--figures) write")
    wanted = {p: MANUSCRIPT_KINDS[k] for k, p in named[1:]}
    if wanted:
        if doc.get("kind"):
            raise InputError.single(str(results), "the manuscript table, methods paragraph and checklist are made "
                                    "from a check results JSON (results.json), not from a training round")
        files.update(manuscript_files(doc, wanted, lang, paper, planned, hist))
    records = [r.path for r in rounds(history)] if history is not None else []
    return ReportRun(files, [results, *records, *([plan] if plan is not None else [])])
