"""The demo's comparison story: a second training round of the same trainees on the same 46 crying sequences,
compared with the first. Each trainee's change against the gold coding with its CI (the same units: the
difference of the units' linearised terms, as ``train --history`` reports it), so that "kappa went up" is read
with its uncertainty. Bundled data: cli/demo/round2_crying-forms_trainee_*.csv (round 1: the training demo's
crying-forms_trainee_*.csv). The rounds are recorded and compared by the training workflow itself."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

NAME = "training-change"
PREFIX = "round2_"


def rounds() -> tuple[Path, list[Path], list[Path]]:
    """Gold file, round-1 and round-2 trainee files of the demo."""
    from irrkit.cli.demo import DEMO_DIR, demo_training

    gold, first = demo_training("crying-forms")
    return gold, first, sorted(DEMO_DIR.glob(f"{PREFIX}crying-forms_trainee_*.csv"))


def _record(gold: Path, trainees: list[Path], cb) -> dict[str, Any]:
    """The round record of the trainees against the gold coding, as ``irrkit train`` writes it (the training
    workflow's own comparison and record; no pandas: no handout context), trainees named without the file prefix."""
    from irrkit.readers import read_coder_files
    from irrkit.workflows.training import compare, round_record

    data = read_coder_files([gold, *trainees], cb)
    rec = round_record(compare(data.items, data.codebook, gold.stem, None), {}, gated=False)
    rec["trainees"] = {c.split("trainee_")[-1]: t for c, t in rec["trainees"].items()}
    return rec


def changes() -> dict[str, Any]:
    """Each trainee's change per item and pair statistic between the demo's two rounds, as the round history
    computes it (:func:`irrkit.workflows.training.compare_rounds`)."""
    from irrkit import __version__
    from irrkit.codebooks import bundled
    from irrkit.codebooks.codebook import load_codebook
    from irrkit.workflows.training import compare_rounds

    cb = load_codebook(bundled("crying-forms"))
    gold, first, second = rounds()
    rows = []
    for r in compare_rounds(_record(gold, first, cb), _record(gold, second, cb)):
        d = r.get("change_inference") or {}
        rows.append({"trainee": r["trainee"], "item": r["item"], "statistic": r["statistic"], "name": r["name"],
                     "round_1": r["previous"], "round_2": r["current"], "change": d.get("value"), "se": d.get("se"),
                     "ci_low": d.get("ci_low"), "ci_high": d.get("ci_high"), "p_value": d.get("p_value"),
                     "kind": d.get("kind"), "status": d.get("status"), "reason": d.get("reason") or ""})
    return {"tool": "irrkit", "version": __version__, "kind": "training-change", "codebook": cb.id,
            "statement": "round 2 against round 1 on the same 46 sequences: dependent comparison (the difference "
                         "of the units' linearised terms)", "rows": rows}


FIELDS = ("trainee", "item", "statistic", "name", "round_1", "round_2", "change", "se", "ci_low", "ci_high",
          "p_value", "kind", "status", "reason")


def markdown(doc: dict[str, Any]) -> str:
    from irrkit.outputs.comparison_tables import p_text
    from irrkit.outputs.escaping import md
    from irrkit.outputs.tables import ci_text, fmt

    lines = ["# Training: round 2 against round 1", "", md(doc["statement"]), "",
             "| trainee | item | statistic | round 1 | round 2 | change | 95% CI | p |",
             "|---|---|---|---:|---:|---:|---|---:|"]
    for r in doc["rows"]:
        change = fmt(r["change"]) if r["status"] == "ok" else f"undefined: {md(r['reason'])}"
        lines.append(f"| {md(r['trainee'])} | {md(r['item'])} | {md(r['name'])} | {fmt(r['round_1'])} | "
                     f"{fmt(r['round_2'])} | {change} | {ci_text(r['ci_low'], r['ci_high'])} | "
                     f"{p_text(r['p_value'])} |")
    return "\n".join(lines) + "\n"


def run(out: Path | None, fmt, report: bool = False) -> None:
    """Print the story in ``fmt``; with ``out`` also write training_change.csv/.md/.json there."""
    import json

    from irrkit.cli.options import Format, print_written
    from irrkit.outputs.files import write_all
    from irrkit.outputs.tables import to_csv

    doc = changes()
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    files = {} if out is None else {out / "training_change.csv": to_csv(doc["rows"], FIELDS),
                                    out / "training_change.md": markdown(doc), out / "training_change.json": text}
    written = write_all(files)
    if fmt is Format.json:
        sys.stdout.write(text)
    elif fmt is Format.markdown:
        sys.stdout.write(markdown(doc))
    elif fmt is Format.csv:
        sys.stdout.write(to_csv(doc["rows"], FIELDS, visible=True))
    else:
        _table(doc)
        print_written(written)


def _table(doc: dict[str, Any]) -> None:
    from rich.table import Table
    from rich.text import Text

    from irrkit.cli.render import table_console
    from irrkit.outputs.comparison_tables import p_text
    from irrkit.outputs.escaping import terminal
    from irrkit.outputs.tables import ci_text, fmt

    t = Table(title=Text(terminal(f"Training: {doc['statement']}")), header_style="bold",
              pad_edge=False, title_justify="left")
    for col, just in (("trainee", "left"), ("item", "left"), ("statistic", "left"), ("round 1", "right"),
                      ("round 2", "right"), ("change", "right"), ("95% CI", "left"), ("p", "right")):
        t.add_column(col, justify=just, overflow="fold")
    reasons: dict[str, str] = {}  # a change without CI: its reason once, below the table
    for r in doc["rows"]:
        if r["status"] == "ok":
            change, ci = fmt(r["change"]), ci_text(r["ci_low"], r["ci_high"])
        else:
            mark = "*" * (list(reasons).index(r["reason"]) + 1 if r["reason"] in reasons else len(reasons) + 1)
            reasons.setdefault(r["reason"], mark)
            both = r["round_1"] is not None and r["round_2"] is not None
            change = fmt(r["round_2"] - r["round_1"]) if both else "—"
            ci = Text(f"no CI{mark}", style="dim")
        t.add_row(Text(terminal(r["trainee"])), Text(terminal(r["item"])), Text(terminal(r["name"])),
                  fmt(r["round_1"]), fmt(r["round_2"]), change, ci, p_text(r["p_value"]))
    console = table_console()
    console.print(t)
    for reason, mark in reasons.items():
        console.print(Text(terminal(f"{mark} {reason}"), style="dim"))
