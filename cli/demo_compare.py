"""The demo's comparison story: a second training round of the same trainees on the same 46 crying sequences,
compared with the first. Each trainee's change against the gold coding with its CI (the same units: the
difference of the units' linearised terms, as ``train --history`` reports it), so that "kappa went up" is read
with its uncertainty. Bundled data: cli/demo/round2_crying-forms_trainee_*.csv (round 1: the training demo's
crying-forms_trainee_*.csv). No pandas: the pair statistics straight from the ratings."""

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


def _records(gold: Path, trainees: list[Path], cb) -> dict[str, dict[str, dict[str, Any]]]:
    """trainee -> item -> a round record's item (statistics, pair_ratings) against the gold coding."""
    import numpy as np

    from irrkit.analysis.pairs import pair_statistics
    from irrkit.readers import read_coder_files
    from irrkit.statistics.registry import PAIRWISE, kind

    data = read_coder_files([gold, *trainees], cb)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for item in cb.items:
        r = data.items[item.id]
        g = r.values[:, r.coders.index(gold.stem)]
        for f in trainees:
            t = r.values[:, r.coders.index(f.stem)]
            both = ~np.isnan(t) & ~np.isnan(g)
            stats = pair_statistics(t, g, r, 0.95, PAIRWISE[kind(r.level)])
            out.setdefault(f.stem.split("trainee_")[-1], {})[item.id] = {
                "level": r.level, "statistics": {k: c.to_dict() for k, c in stats.items()},
                "pair_ratings": {"units": [r.units[i] for i in np.flatnonzero(both)], "coder": t[both].tolist(),
                                 "reference": g[both].tolist(), "category_values": list(r.categories)}}
    return out


def changes() -> dict[str, Any]:
    """Each trainee's change per item and pair statistic between the demo's two rounds."""
    from irrkit import __version__
    from irrkit.codebooks import bundled
    from irrkit.codebooks.codebook import load_codebook
    from irrkit.statistics.registry import name
    from irrkit.workflows.compare import change_inference

    cb = load_codebook(bundled("crying-forms"))
    gold, first, second = rounds()
    r1, r2 = _records(gold, first, cb), _records(gold, second, cb)
    rows = []
    for who, items in r2.items():
        for item, new in items.items():
            old = r1[who][item]
            inference = change_inference(old, new)
            for key, s in new["statistics"].items():
                d = inference.get(key) or {}
                rows.append({"trainee": who, "item": item, "statistic": key, "name": name(key),
                             "round_1": old["statistics"][key]["value"], "round_2": s["value"],
                             "change": d.get("value"), "se": d.get("se"), "ci_low": d.get("ci_low"),
                             "ci_high": d.get("ci_high"), "p_value": d.get("p_value"), "kind": d.get("kind"),
                             "status": d.get("status"), "reason": d.get("reason") or ""})
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
