"""What a training round hands out and reports: each trainee's handout (Markdown and CSV: where the trainee
differed from the gold standard), the round's summary table (CSV) and its Markdown report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from irrkit.outputs.escaping import md, md_line
from irrkit.outputs.tables import STANDARD, CsvDialect, ci_text, fmt, to_csv
from irrkit.statistics.registry import name as stat_name

if TYPE_CHECKING:  # the results rendered here (outputs never import the workflows at run time)
    from irrkit.workflows import gates as gate
    from irrkit.workflows.training import TrainingResult

HANDOUT_FIELDS = ("trainee", "item", "unit", "trainee_code", "trainee_label", "gold_code", "gold_label",
                  "difference", "trainee_definition", "gold_definition", "file", "line")

SUMMARY_FIELDS = ("trainee", "item", "level", "statistic", "name", "value", "se", "ci_low", "ci_high",
                  "n_units", "minimum", "compared", "gate", "status", "reason")


def summary_rows(res: TrainingResult, results: dict[str, list[gate.GateResult]]) -> list[dict[str, Any]]:
    """One row per coder, item and statistic, with its gate (if any)."""
    rows = []
    for c in res.coders:
        gates = {(r.item, r.statistic): r for r in results.get(c, [])}
        for item, p in res.pairs[c].items():
            for key, s in p.statistics.items():
                g = gates.get((item, key))
                rows.append({"trainee": c, "item": item, "level": p.level, "statistic": key,
                             "name": stat_name(key), "value": s.value, "se": s.se, "ci_low": s.ci_low,
                             "ci_high": s.ci_high, "n_units": p.n_units, "minimum": g.minimum if g else None,
                             "compared": g.on if g else "",
                             "gate": "" if g is None else "pass" if g.passed else "fail",
                             "status": s.status, "reason": s.reason or ""})
    return rows


def summary_csv(res: TrainingResult, results: dict[str, list[gate.GateResult]], dialect: CsvDialect = STANDARD,
                visible: bool = False) -> str:
    return to_csv(summary_rows(res, results), SUMMARY_FIELDS, dialect, visible)


def handout_csv(rows: Sequence[dict[str, Any]], dialect: CsvDialect = STANDARD) -> str:
    fields = list(dict.fromkeys([*HANDOUT_FIELDS, *(k for r in rows for k in r)]))
    return to_csv(rows, fields, dialect)


def handout_markdown(res: TrainingResult, coder: str, results: Sequence[gate.GateResult] = (),
                     round_name: str | None = None) -> str:
    """The disagreement handout of one trainee, grouped by item, for a consensus meeting. Every field from
    the data or the codebook is escaped (``escaping.md``): no name or note can forge a heading, break a table
    row or inject HTML."""
    cb, rows = res.codebook, res.handout[coder]
    who = "first pass" if res.retest else res.reference
    lines = [f"# Training handout: {md_line(coder)}", "",
             f"Codebook **{md(cb.title or cb.id)}** ({md(cb.id)} {md(cb.version or '')}), compared with "
             f"**{md(who)}**" + (f", round {md(round_name)}" if round_name else "") + ".", ""]
    gates = {(r.item, r.statistic): r for r in results}
    lines += ["| item | statistic | value | 95% CI | units | gate |", "|---|---|---:|---|---:|---|"]
    for item, p in res.pairs[coder].items():
        for key, s in p.statistics.items():
            g = gates.get((item, key))
            verdict = "" if g is None else f"{'✅ pass' if g.passed else '❌ fail'} (min {g.minimum:.2f})"
            val = fmt(s.value) if s.ok else "undefined"
            lines.append(f"| {md(item)} | {md(stat_name(key))} | {val} | {ci_text(s.ci_low, s.ci_high)} | "
                         f"{p.n_units} | {verdict} |")
    lines.append("")
    if not rows:
        return "\n".join([*lines, f"{md(coder)} agrees with {md(who)} on every unit and item.", ""])
    for it in cb.items:
        everything = [r for r in rows if r["item"] == it.id]
        if not everything:
            continue
        # disagreements are counted on the units both rated (the statistics' n); a unit the trainee left
        # unrated is listed on its own, not counted among the disagreements
        mine = [r for r in everything if r["trainee_code"] != ""]
        unrated = [r for r in everything if r["trainee_code"] == ""]
        n = res.pairs[coder][it.id].n_units
        lines += [f"## {md_line(it.id)}: {md_line(it.label or it.id)}", ""]
        if it.definition:
            lines += [f"*{md(it.definition)}*", ""]
        if mine:
            pairs = Counter((r["gold_code"], r["trainee_code"]) for r in mine)
            top = ", ".join(f"{md(who)} '{md(g)}' coded as '{md(t)}' ({k}x)" for (g, t), k in pairs.most_common(3))
            lines += [f"{len(mine)} disagreement{'s' * (len(mine) > 1)} in {n} units both rated. Most frequent: "
                      f"{top}."]
        else:
            lines += [f"No disagreement in the {n} units both rated."]
        if unrated:
            lines += [f"Not rated by {md(coder)} ({len(unrated)} unit{'s' * (len(unrated) > 1)} {md(who)} rated, "
                      "not counted above): " + ", ".join(md_line(r["unit"]) for r in unrated) + "."]
        d = [r["difference"] for r in mine if r["difference"] != ""]
        if d:
            lines.append(f"{md(coder)} rated higher than {md(who)} {sum(x > 0 for x in d)} times, lower "
                         f"{sum(x < 0 for x in d)} times (mean difference {sum(d) / n:+.2f} over all "
                         f"{n} units).")
        lines.append("")
        for r in mine:
            ctx = {k: v for k, v in r.items() if k not in HANDOUT_FIELDS and v not in ("", None)}
            where = f"{r['file']}:{r['line']}" if r["file"] else ""
            head = ", ".join(f"{md_line(k)}: {md_line(v)}" for k, v in ctx.items())
            lines += [f"### Unit {md_line(r['unit'])}" + (f" ({head})" if head else ""), "",
                      "| | code | label | definition |", "|---|---|---|---|",
                      f"| **{md(coder)}** | {md(r['trainee_code'])} | {md(r['trainee_label'])} | "
                      f"{md(r['trainee_definition'])} |",
                      f"| **{md(who)}** | {md(r['gold_code'])} | {md(r['gold_label'])} | "
                      f"{md(r['gold_definition'])} |", ""]
            if where:
                lines += [f"Source: {md_line(where)}", ""]
    return "\n".join(lines)


def report_markdown(res: TrainingResult, results: dict[str, list[gate.GateResult]], title: str) -> str:
    """The round as Markdown: per trainee x item statistics and gates, confusion matrices, coder matrix (user
    text escaped)."""
    ok = {c: all(r.passed for r in rs) for c, rs in results.items()}  # the trainee's verdict
    lines = [f"# {md_line(title)}", "", "| trainee | item | statistic | value | 95% CI | units | gate |",
             "|---|---|---|---:|---|---:|---|"]
    for row in summary_rows(res, results):
        gate_txt = "" if not row["gate"] else f"{row['gate']} (min {row['minimum']:.2f}, {row['compared']})"
        val = fmt(row["value"]) if row["status"] == "ok" else "undefined"
        lines.append(f"| {md(row['trainee'])} | {md(row['item'])} | {md(row['name'])} | {val} | "
                     f"{ci_text(row['ci_low'], row['ci_high'])} | {row['n_units']} | {gate_txt} |")
    verdict = {c: "not gated" if not results.get(c) else "passed" if ok.get(c, True) else "FAILED"
               for c in res.coders}
    lines += ["", *(f"- **{md(c)}**: {verdict[c]}" for c in res.coders), ""]
    for c in res.coders:
        for item, p in res.pairs[c].items():
            if p.confusion is None:
                continue
            lines += [f"## Confusion: {md_line(c)} (rows) x {md_line(res.reference)} (columns), {md_line(item)}",
                      "", "| | " + " | ".join(md(x) for x in p.codes) + " |", "|---|" + "---:|" * len(p.codes)]
            lines += [f"| **{md(code)}** | " + " | ".join(str(v) for v in p.confusion[k]) + " |"
                      for k, code in enumerate(p.codes)] + [""]
    names = res.matrix_coders
    for item, mats in res.matrix.items() if len(res.coders) > 1 else ():
        for key, m in mats.items():
            lines += [f"## {md_line(stat_name(key))} between coders, {md_line(item)}", "",
                      "| | " + " | ".join(md(x) for x in names) + " |", "|---|" + "---:|" * len(names)]
            lines += [f"| **{md(a)}** | " + " | ".join("—" if v is None else fmt(v) for v in m[x]) + " |"
                      for x, a in enumerate(names)] + [""]
    lines += [f"- {md(w)}" for w in res.warnings]
    return "\n".join(lines) + "\n"
