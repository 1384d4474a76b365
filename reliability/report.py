"""Tables from results, as rows and text (no file I/O: the CLI writes them)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import __version__, interpret
from .analysis import TITLES, ItemResult, Options
from .ratings import ItemRatings
from .textsafe import csv_value, md, md_line, plain, terminal

SUMMARY_FIELDS = ("item", "level", "weights", "statistic", "name", "primary", "n_units", "n_coders", "n_ratings",
                  "n_missing", "value", "se", "ci_low", "ci_high", "p_value", "pa", "pe", "f", "df1", "df2",
                  "method", "bootstrap_ci_low", "bootstrap_ci_high", "bootstrap_se", "interpretation", "scale",
                  "gate_minimum", "gate_on", "gate_passed", "status", "reason")


def n_missing(it: ItemResult) -> int:
    """Missing ratings of an item: coders x units rated by someone, less the ratings (each coder's count from
    the coder diagnostics when computed)."""
    d = it.diagnostics
    if d is not None and d.profiles:
        return sum(p.n_missing for p in d.profiles)
    return max(it.n_units * it.n_coders - it.n_ratings, 0)


def results_json(items: Sequence[ItemResult], opts: Options, **meta: Any) -> dict[str, Any]:
    """The stable JSON contract: {"tool", "version", "items": [...]} (see README)."""
    out: dict[str, Any] = {"tool": "irrkit", "version": __version__}
    out.update({k: v for k, v in meta.items() if v is not None})
    out["conventions"] = {
        "se": "Gwet (2008) linearisation over units, no finite-population correction",
        "ci": f"{opts.confidence:.0%} CI = value +/- t(n_units - 1) x SE, upper bound capped at 1; ICC: F-based "
              f"({opts.icc_convention} convention)",
        "p_value": "one-sided, H1: agreement above chance (ICC: F test of H0 ICC = 0)",
    }
    out["items"] = [it.to_dict(opts) for it in items]
    return out


def summary_rows(items: Sequence[ItemResult], opts: Options, primary_only: bool = False,
                 gates: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """One row per item and coefficient: ratings and missing ratings, value, SE, CI, p, the ICC's F test and
    estimation method, the bootstrap CI when computed, and the gate on that statistic (``gates``:
    reliability.gate.GateResult) when there is one."""
    rows = []
    by = {(g.item, g.statistic): g for g in gates}
    for it in items:
        missing = n_missing(it)
        for key, c in it.coefficients.items():
            if primary_only and key != it.primary:
                continue
            scale = it.scale_for(key, opts)
            rows.append({
                "item": it.item, "level": it.level, "weights": it.weights, "statistic": key,
                "name": statistic_name(key, it.weights), "primary": key == it.primary,
                "n_units": c.n_units or it.n_units,
                "n_coders": it.n_coders, "value": c.value, "se": c.se, "ci_low": c.ci_low, "ci_high": c.ci_high,
                "p_value": c.p_value, "pa": c.pa, "pe": c.pe,
                "interpretation": interpret.label(c.value, scale) if c.ok and key != "percent_agreement" else "",
                "scale": interpret.SCALE_TITLES[scale] if key != "percent_agreement" else "",
                "status": c.status, "reason": c.reason or "",
            })
            boot = c.extra.get("bootstrap") or {}
            g = by.get((it.item, key))
            rows[-1].update({
                "n_ratings": it.n_ratings, "n_missing": missing, "f": c.extra.get("f"), "df1": c.extra.get("df1"),
                "df2": c.extra.get("df2"), "method": c.method, "bootstrap_ci_low": boot.get("ci_low"),
                "bootstrap_ci_high": boot.get("ci_high"), "bootstrap_se": boot.get("se"),
                "gate_minimum": g.minimum if g else None, "gate_on": g.on if g else "",
                "gate_passed": ("pass" if g.passed else "FAIL") if g else ""})
    return rows


def per_category_rows(items: Sequence[ItemResult]) -> list[dict[str, Any]]:
    rows = []
    for it in items:
        null = it.fleiss_null or {}
        for k, (code, stats) in enumerate(it.per_category.items()):
            for key, c in stats.items():
                row = {"item": it.item, "category": code, "ratings": it.distribution.get(code, 0),
                       "statistic": key, "value": c.value, "se": c.se, "ci_low": c.ci_low, "ci_high": c.ci_high,
                       "p_value": c.p_value, "status": c.status, "reason": c.reason or ""}
                if key == "fleiss_kappa" and null:
                    row["z_fleiss_1971"] = null["per_category_z"][k]
                    row["se_null"] = null["per_category_se_null"]
                rows.append(row)
    return rows


def disagreement_rows(ratings: Iterable[ItemRatings]) -> list[dict[str, Any]]:
    """Every unit and item where the coders' ratings are not all the same: unit, item, each coder's code."""
    rows = []
    for r in ratings:
        labels = list(r.labels) if r.labels else [f"{c:g}" for c in r.categories]
        lookup = {float(c): lab for c, lab in zip(r.categories, labels)}
        v = r.values
        lo, hi = np.nanmin(np.where(np.isnan(v), np.inf, v), axis=1), np.nanmax(np.where(np.isnan(v), -np.inf, v),
                                                                                   axis=1)
        n_rated = (~np.isnan(v)).sum(axis=1)
        keep = np.flatnonzero((n_rated >= 2) & (hi > lo))
        if keep.size == 0:
            continue
        sub = v[keep]
        distinct, inverse = np.unique(sub.ravel(), return_inverse=True)  # each distinct code spelled once
        spelled = np.array(["" if math.isnan(x) else lookup.get(float(x), f"{x:g}") for x in distinct.tolist()],
                           dtype=object)
        cells = spelled[inverse.reshape(sub.shape)].tolist()
        units = [r.units[i] for i in keep.tolist()]
        coders = list(r.coders)
        rows.extend({"unit": u, "item": r.item, **dict(zip(coders, c))} for u, c in zip(units, cells))
    return rows


# The statistics each kind of item reports (the terminal table shows the MAIN ones; --all every one computed)
MAIN_NOMINAL = ("percent_agreement", "fleiss_kappa", "gwet_ac1", "krippendorff_alpha", "cohen_kappa")
MAIN_SCALE = ("icc2", "icc3", "icc1", "gwet_ac2", "krippendorff_alpha", "percent_agreement")
REPORTED = {"nominal": (*MAIN_NOMINAL, "conger_kappa", "brennan_prediger", "scott_pi"),
            "scale": (*MAIN_SCALE, "icc1k", "icc2k", "icc3k")}


def main_statistics(it: ItemResult) -> list[str]:
    """The statistics an item's table shows by default, its primary statistic first."""
    keys = [k for k in (MAIN_NOMINAL if it.level == "nominal" else MAIN_SCALE) if k in it.coefficients]
    if it.primary not in keys:
        keys.insert(0, it.primary)
    keys.sort(key=lambda k: k != it.primary)
    return keys


def reported_statistics(it: ItemResult) -> set[str]:
    """The statistics reported for an item of this level (where a gate for all items applies): the nominal
    family for nominal items, ICCs, AC2, alpha and agreement for ordinal/interval/ratio items, and the primary."""
    primary = getattr(it, "primary", None)
    return {*REPORTED["nominal" if getattr(it, "level", None) == "nominal" else "scale"], primary} & set(
        it.coefficients)


def statistic_name(key: str, weights: str | None = None) -> str:
    """The one label of a statistic in every table: weighted percent agreement is 'Agreement (quadratic)'."""
    if key == "percent_agreement" and weights not in ("identity", None):
        return f"Agreement ({weights})"
    return TITLES.get(key, key)


def fmt(x: Any, digits: int = 3) -> str:
    x = plain(x)
    if x is None:
        return ""
    if isinstance(x, bool):
        return "yes" if x else ""
    if isinstance(x, float):
        if not math.isfinite(x):
            return ""
        if x != 0 and abs(x) < 10 ** -digits:
            return f"{x:.1e}"
        return f"{x:.{digits}f}"
    return str(x)


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV table is spelled: separator, decimal mark, UTF-8 BOM (what Excel in a locale expects)."""

    name: str
    delimiter: str = ","
    decimal: str = "."
    bom: bool = False


STANDARD = CsvDialect("standard")
EXCEL_DE = CsvDialect("excel-de", ";", ",", True)  # German (and most European) Excel: ';', '2,5', BOM
DIALECTS = {d.name: d for d in (STANDARD, EXCEL_DE)}


def dialect_for(choice: str, delimiters: Sequence[str] = ()) -> CsvDialect:
    """The dialect of the CSV outputs: ``standard``, ``excel-de`` or ``auto``, which follows the inputs: when
    every CSV input was ``;``-separated (how Excel saves CSV where the decimal mark is a comma) the outputs are
    too, with decimal commas and a UTF-8 BOM; otherwise (``,``/tab inputs, Excel or SPSS files) ``standard``."""
    if choice != "auto":
        return DIALECTS[choice]
    return EXCEL_DE if delimiters and all(d == ";" for d in delimiters) else STANDARD


def to_csv(rows: Sequence[dict[str, Any]], fields: Sequence[str] | None = None,
           dialect: CsvDialect = STANDARD, visible: bool = False) -> str:
    """CSV text with full precision: numbers as plain Python numbers (never ``np.float64(...)``), empty for
    missing or non-finite, text cells safe from formula injection (``textsafe.csv_value``), in ``dialect``.
    ``visible``: for a terminal or CI log (stdout), control characters and line breaks inside cells are shown
    as escapes (``\\n``), so no line of data can pose as a workflow command or move the cursor."""
    if fields is None:
        fields = list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    if dialect.bom:
        buf.write("\ufeff")
    w = csv.writer(buf, delimiter=dialect.delimiter, lineterminator="\n")
    show = terminal if visible else str
    texts: dict[str, str] = {}  # text cells repeat (codes, coder names, items): escape each distinct one once

    def cell(v: Any) -> str:
        if type(v) is str:
            t = texts.get(v)
            if t is None:
                t = texts[v] = show(csv_value(v, dialect.decimal))
            return t
        return show(csv_value(v, dialect.decimal))

    w.writerow([show(csv_value(f)) for f in fields])
    w.writerows([cell(r.get(k)) for k in fields] for r in rows)
    return buf.getvalue()


def ci_text(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return ""
    return f"[{fmt(low)}, {fmt(high)}]"


def to_markdown(items: Sequence[ItemResult], opts: Options, title: str = "Inter-rater reliability",
                warnings: Sequence[str] = (), gates: Sequence[Any] = ()) -> str:
    """A Markdown report: one table of every item's coefficients (ratings and missing, SE, CI, bootstrap CI
    when computed, p, the ICC's F test, gate), the ICC estimation per item, the gates, notes and warnings."""
    rows = summary_rows(items, opts, gates=gates)
    boot = any(r["bootstrap_ci_low"] is not None for r in rows)
    lines = [f"# {md_line(title)}", "",
             f"{opts.confidence:.0%} CIs: value ± t(n−1)·SE (Gwet 2008 linearisation), upper bound capped at 1; "
             f"ICC CIs from the F distribution ({opts.icc_convention} convention). p one-sided.", "",
             "| item | level | units | coders | ratings (missing) | statistic | value | SE | CI | "
             + ("bootstrap CI | " if boot else "") + "p | F(df1, df2) | interpretation | gate |",
             "|---|---|---:|---:|---:|---|---:|---:|---|" + ("---|" if boot else "") + "---:|---|---|---|"]
    for row in rows:
        name = f"**{md(row['name'])}**" if row["primary"] else md(row["name"])
        value = fmt(row["value"]) if row["status"] == "ok" else f"undefined: {md(row['reason'])}"
        ftest = (f"F({fmt(row['df1'], 0)}, {fmt(row['df2'], 1 if row['df2'] % 1 else 0)}) = {fmt(row['f'], 2)}"
                 if row["f"] is not None and row["df1"] is not None and row["df2"] is not None else "")
        gate_txt = (f"{row['gate_passed']} ≥ {row['gate_minimum']:.2f} ({row['gate_on']})"
                    if row["gate_minimum"] is not None else "")
        lines.append(f"| {md(row['item'])} | {md(row['level'])} | {row['n_units']} | {row['n_coders']} | "
                     f"{row['n_ratings']} ({row['n_missing']}) | {name} | {value} | {fmt(row['se'])} | "
                     f"{ci_text(row['ci_low'], row['ci_high'])} | "
                     + (f"{ci_text(row['bootstrap_ci_low'], row['bootstrap_ci_high'])} | " if boot else "")
                     + f"{fmt(row['p_value'])} | {ftest} | {md(row['interpretation'])} | {gate_txt} |")
    icc = [(it.item, it.coefficients[it.primary].method) for it in items
           if it.primary.startswith("icc") and it.coefficients[it.primary].method]
    if icc:
        lines += ["", "ICC estimation: " + "; ".join(f"{md(i)}: {md(m)}" for i, m in icc) + "."]
    if gates:
        failed = [g for g in gates if not g.passed]
        lines += ["", f"## Gates: {len(gates) - len(failed)} of {len(gates)} passed", "",
                  *[f"- {'pass' if g.passed else '**FAIL**'} {md(g.item)}: {md(g.message)}" for g in gates]]
    notes = [f"- {md(it.item)}: {md(n)}" for it in items for n in it.notes] + [f"- {md(w)}" for w in warnings]
    if notes:
        lines += ["", "## Notes and warnings", "", *notes]
    from .diagnostics import markdown_lines

    lines += markdown_lines(items, md)
    lines += ["", "Primary statistic of each item in bold. Interpretation: Landis & Koch (1977) for kappa-type, "
              "Koo & Li (2016) for ICC, Krippendorff (2004) for alpha, unless chosen otherwise.", ""]
    return "\n".join(lines)
