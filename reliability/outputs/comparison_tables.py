"""Tables of comparisons: ``irrkit compare`` (two results' coefficients and their difference) and ``check --by``
(each group's coefficient and the test of equality across groups), as CSV rows and Markdown. Names come from
the registry, text through :mod:`irrkit.outputs.escaping`, CSV through :func:`irrkit.outputs.tables.to_csv`.
"""

from __future__ import annotations

from typing import Any

from irrkit.outputs.escaping import md, md_line
from irrkit.outputs.tables import ci_text, fmt

COMPARE_FIELDS = ("item_a", "item_b", "statistic", "name", "a_value", "a_se", "a_ci_low", "a_ci_high", "a_n_units",
                  "b_value", "b_se", "b_ci_low", "b_ci_high", "b_n_units", "kind", "difference", "difference_se",
                  "difference_ci_low", "difference_ci_high", "p_value", "df", "status", "reason", "method",
                  "bootstrap_ci_low", "bootstrap_ci_high", "bootstrap_se", "bootstrap_p_value", "bootstrap_method")
BY_FIELDS = ("item", "statistic", "name", "column", "group", "n_units", "value", "se", "ci_low", "ci_high", "status",
             "reason")
EQUALITY_FIELDS = ("item", "statistic", "name", "column", "groups", "chi2", "df", "p_value", "pooled", "pooled_ci_low",
                   "pooled_ci_high", "status", "reason", "method")


def compare_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per compared statistic of ``CompareRun.to_dict()``."""
    rows = []
    for r in doc["rows"]:
        a, b, d, boot = r["a"], r["b"], r["difference"], r.get("bootstrap") or {}
        rows.append({
            "item_a": r["item_a"], "item_b": r["item_b"], "statistic": r["statistic"], "name": r["name"],
            **{f"a_{k}": a.get(k) for k in ("value", "se", "ci_low", "ci_high", "n_units")},
            **{f"b_{k}": b.get(k) for k in ("value", "se", "ci_low", "ci_high", "n_units")},
            "kind": d.get("kind") or doc.get("comparison"), "difference": d.get("value"),
            "difference_se": d.get("se"), "difference_ci_low": d.get("ci_low"), "difference_ci_high": d.get("ci_high"),
            "p_value": d.get("p_value"), "df": d.get("df"), "status": d.get("status"), "reason": d.get("reason") or "",
            "method": d.get("method") or "", "bootstrap_ci_low": boot.get("ci_low"),
            "bootstrap_ci_high": boot.get("ci_high"), "bootstrap_se": boot.get("se"),
            "bootstrap_p_value": boot.get("p_value"), "bootstrap_method": boot.get("method") or ""})
    return rows


def p_text(p: float | None) -> str:
    return "" if p is None else "< 0.001" if p < 0.001 else f"{p:.3f}"


def compare_markdown(doc: dict[str, Any]) -> str:
    """The comparison as a Markdown section."""
    rows = compare_rows(doc)
    conf = f"{doc.get('confidence', 0.95):.0%}"
    boot = any(r["bootstrap_ci_low"] is not None for r in rows)
    lines = [f"# Comparison: {md_line(doc['a'])} vs {md_line(doc['b'])}", "", md_line(doc["statement"]), "",
             f"| item | statistic | A | B | difference (A − B) | SE | {conf} CI | "
             + ("bootstrap CI | " if boot else "") + "p (two-sided) |",
             "|---|---|---:|---:|---:|---:|---|" + ("---|" if boot else "") + "---:|"]
    for r in rows:
        item = r["item_a"] if r["item_a"] == r["item_b"] else f"{r['item_a']} / {r['item_b']}"
        diff = fmt(r["difference"]) if r["status"] == "ok" else f"undefined: {md(r['reason'])}"
        lines.append(f"| {md(item)} | {md(r['name'])} | {fmt(r['a_value'])} | {fmt(r['b_value'])} | {diff} | "
                     f"{fmt(r['difference_se'])} | {ci_text(r['difference_ci_low'], r['difference_ci_high'])} | "
                     + (f"{ci_text(r['bootstrap_ci_low'], r['bootstrap_ci_high'])} | " if boot else "")
                     + f"{p_text(r['p_value'])} |")
    methods = list(dict.fromkeys(r["method"] for r in rows if r["method"]))
    if methods:
        lines += ["", "Method: " + "; ".join(md(m) for m in methods) + "."]
    if doc.get("notes"):
        lines += ["", *[f"- {md(n)}" for n in doc["notes"]]]
    return "\n".join(lines) + "\n"


def by_rows(by: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per item, statistic and group of ``check --by``."""
    rows = []
    for t in by["tests"]:
        for g in t["groups"]:
            rows.append({"item": t["item"], "statistic": t["statistic"], "name": t["name"], "column": by["column"],
                         "group": g["group"], **{k: g.get(k) for k in ("n_units", "value", "se", "ci_low", "ci_high",
                                                                        "status")},
                         "reason": g.get("reason") or ""})
    return rows


def equality_rows(by: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per item and statistic: the test of equality across the groups."""
    out = []
    for t in by["tests"]:
        e = t["equality"]
        out.append({"item": t["item"], "statistic": t["statistic"], "name": t["name"], "column": by["column"],
                    "groups": len(t["groups"]), "chi2": e.get("value"), "df": e.get("df"),
                    "p_value": e.get("p_value"), "pooled": e.get("pooled"), "pooled_ci_low": e.get("pooled_ci_low"),
                    "pooled_ci_high": e.get("pooled_ci_high"), "status": e.get("status"),
                    "reason": e.get("reason") or "", "method": e.get("method") or ""})
    return out


def by_markdown(by: dict[str, Any], confidence: float = 0.95) -> str:
    """``check --by`` as a Markdown section: each group's coefficient, then the test of equality."""
    lines = [f"## Agreement by {md_line(by['column'])}", "",
             f"| item | statistic | {md(by['column'])} | units | value | SE | {confidence:.0%} CI |",
             "|---|---|---|---:|---:|---:|---|"]
    for r in by_rows(by):
        value = fmt(r["value"]) if r["status"] == "ok" else f"undefined: {md(r['reason'])}"
        lines.append(f"| {md(r['item'])} | {md(r['name'])} | {md(r['group'])} | {r['n_units']} | {value} | "
                     f"{fmt(r['se'])} | {ci_text(r['ci_low'], r['ci_high'])} |")
    lines += ["", f"Test of equal coefficients across the groups of {md(by['column'])} (chi-square, df = groups − 1; "
              "Fleiss, Levin & Paik 2003, sec. 18.1; the groups' units are independent):", "",
              "| item | statistic | groups | χ² | df | p | pooled [CI] |", "|---|---|---:|---:|---:|---:|---|"]
    for r in equality_rows(by):
        chi = fmt(r["chi2"]) if r["status"] == "ok" else f"undefined: {md(r['reason'])}"
        pooled = f"{fmt(r['pooled'])} {ci_text(r['pooled_ci_low'], r['pooled_ci_high'])}" if r["pooled"] is not None \
            else ""
        lines.append(f"| {md(r['item'])} | {md(r['name'])} | {r['groups']} | {chi} | {fmt(r['df'], 0)} | "
                     f"{p_text(r['p_value'])} | {pooled} |")
    return "\n".join(lines) + "\n"

